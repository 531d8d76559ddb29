// Tier recomputation jobs: enqueue (coalesced per customer) and process.
import type { Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import { recomputeCustomerTier } from "../use-cases/recompute-customer-tier.server.ts";
import type { TierRecomputeCause } from "../use-cases/webhook-context.ts";

/** Orders from one customer within this window make one recomputation. */
export const COALESCE_MS = 1_000;

export async function requestTierRecompute(queues: JobQueues, shop: string, customerGids: string[], cause: TierRecomputeCause, now = Date.now()): Promise<void> {
  if (customerGids.length === 0) return;
  // The id names the customer and the coalescing window: jobs in one window merge;
  // a later event gets a new job, so nothing is lost while one is running.
  const bucket = Math.floor(now / COALESCE_MS);
  await queues.tierRecompute.addBulk(
    customerGids.map((customerGid) => ({
      name: cause,
      data: { shop, customerGid, cause },
      opts: { jobId: jobIdFor("tier", `${shop}|${customerGid}@${bucket}`), delay: COALESCE_MS, removeOnComplete: true },
    })),
  );
}

export function createTierRecomputeProcessor(deps: { db: Db; queues: JobQueues; log: Logger; now?: () => Date }) {
  return async function processTierRecompute(job: Job<JobPayload<"tierRecompute">>) {
    const data = QUEUES.tierRecompute.payload.parse(job.data);
    return recomputeCustomerTier({ db: deps.db, shop: data.shop, customerGid: data.customerGid, cause: data.cause, now: deps.now?.() ?? new Date() });
  };
}

export async function onShopInstalled(_deps: { db: Db; queues: JobQueues; log: Logger }, shop: string): Promise<void> {
  _deps.log.info("shop installed", { shop });
}
