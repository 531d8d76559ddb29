// Processor of the `backfill` queue: thin, hands off to the backfill use-case.
// "start" begins the bulk query and queues a delayed "import" as the polling
// fallback; "import" waits (the job moves back to delayed) while Shopify is still
// running the query, then streams the result in and computes every tier.
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { enqueueBackfillImport } from "../adapters/queues/backfill-jobs.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, type JobPayload } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { classifyShopifyError, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { importBackfillResults, startBackfillRun, type BackfillDeps } from "../use-cases/backfill-order-history.server.ts";
import { shopifyAdminRunner } from "./tier-jobs.ts";
import { requestTierSync } from "./tier-sync-jobs.ts";

/** How long the import waits between looks at a running bulk operation when no webhook comes. */
export const BACKFILL_POLL_MS = 15_000;

export interface BackfillProcessorDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
  adminFor?: (shop: string) => Promise<AdminRunner>;
  fetch?: typeof fetch;
  now?: () => Date;
  pollMs?: number;
}

export function createBackfillProcessor(deps: BackfillProcessorDeps) {
  const pollMs = deps.pollMs ?? BACKFILL_POLL_MS;
  const useCase: BackfillDeps = {
    db: deps.db,
    admin: deps.adminFor ?? shopifyAdminRunner,
    fetch: deps.fetch,
    now: deps.now,
    log: deps.log,
    // The tiers are computed and saved as pending in the import: the shop's sync writes them.
    requestTierSync: (shop) => requestTierSync(deps.queues, shop),
  };

  return async function processBackfill(job: Job<JobPayload<"backfill">>, token?: string) {
    const data = QUEUES.backfill.payload.parse(job.data);
    try {
      if (data.kind === "start") {
        const started = await startBackfillRun(useCase, data.runId);
        if (started.status !== "not_active") await enqueueBackfillImport(deps.queues, data.shop, data.runId, pollMs);
        return started;
      }
      const outcome = await importBackfillResults(useCase, data.runId);
      if (outcome.status === "pending") {
        await job.moveToDelayed(Date.now() + pollMs, token);
        throw new DelayedError();
      }
      return outcome;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const classified = classifyShopifyError(error);
      if (classified instanceof ShopifyTerminalError) {
        // Uninstalled, missing scope, refused query: the same request gets the same answer.
        await deps.db.backfillRun.updateMany({ where: { id: data.runId, status: { notIn: ["completed", "failed"] } }, data: { status: "failed", error: classified.message, finishedAt: new Date() } });
        throw new UnrecoverableError(classified.message);
      }
      // Throttled, 5xx, network, a bulk query already running, a broken download: retried with backoff.
      throw error;
    }
  };
}
