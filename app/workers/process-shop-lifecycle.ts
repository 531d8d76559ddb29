// Processor of the `shop-lifecycle` queue: install follow-up, purge after
// uninstall, the sweep that re-queues deliveries stored but never queued, and the
// retention that blanks payloads of deliveries done long enough ago.
import type { Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import { DEFAULT_JOB_OPTIONS, type JobQueues } from "../adapters/queues/job-queues.server.ts";
import { deliveriesInLiveBatches, enqueueDeliveries } from "../adapters/queues/webhook-delivery-jobs.server.ts";
import { blankExpiredWebhookPayloads } from "../use-cases/payload-retention.server.ts";
import { purgeShopIfStillUninstalled } from "../use-cases/shop-lifecycle.server.ts";

export interface ShopLifecycleDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
  /** Called after an installation is recorded (history backfill hooks in here). */
  onInstalled?: (shop: string) => Promise<void>;
  /** How long a done delivery's payload is kept (WEBHOOK_PAYLOAD_RETENTION_DAYS). */
  payloadRetentionMs?: number;
  now?: () => Date;
}

export const DEFAULT_PAYLOAD_RETENTION_MS = 30 * 86_400_000;

/** Deliveries older than this and still "received" are re-queued (their enqueue may have failed). */
export const SWEEP_AFTER_MS = 60_000;
/** At most this many deliveries are looked at per sweep (one a minute). */
export const SWEEP_BATCH = 500;
/** A delivery tried as often as its job may be, and still not ended, is given up. */
export const MAX_DELIVERY_ATTEMPTS = DEFAULT_JOB_OPTIONS.attempts ?? 10;

type DeliveryToSweep = { webhookId: string; shop: string; topic: string; attempts: number };

/**
 * Re-queues deliveries stored but left "received": their enqueue failed (the intake
 * answered 503 and Shopify retried, or not), or their job finished without ending
 * them. A delivery whose job (its own, or a batch that carries it) is still waiting,
 * delayed or running is left to it; one
 * whose job failed for good, or that has used up its tries, is marked failed (the
 * Overview shows it) instead of being queued again every minute. Never-tried
 * deliveries come first, oldest first, so failing ones cannot crowd them out.
 */
export async function sweepDeliveries(db: Db, queue: JobQueues["webhooks"], now: Date) {
  const cutoff = new Date(now.getTime() - SWEEP_AFTER_MS);
  const given = await db.webhookDelivery.updateMany({
    where: { status: "received", receivedAt: { lt: cutoff }, attempts: { gte: MAX_DELIVERY_ATTEMPTS } },
    data: { status: "failed", error: `gave up after ${MAX_DELIVERY_ATTEMPTS} attempts` },
  });
  const candidates: DeliveryToSweep[] = await db.webhookDelivery.findMany({
    where: { status: "received", receivedAt: { lt: cutoff } },
    select: { webhookId: true, shop: true, topic: true, attempts: true },
    orderBy: [{ attempts: "asc" }, { receivedAt: "asc" }],
    take: SWEEP_BATCH,
  });
  const requeue: DeliveryToSweep[] = [];
  let failed = given.count;
  // Asked only when something looks stuck: a backlog's batches still waiting carry their deliveries.
  let inBatches: Promise<Set<string>> | undefined;
  const inLiveBatch = async (webhookId: string) => (await (inBatches ??= deliveriesInLiveBatches(queue))).has(webhookId);
  await Promise.all(
    candidates.map(async (d) => {
      // The sweep queues under the delivery's own job id, so there is only ever one job to ask about.
      const jobId = jobIdFor("wh", d.webhookId);
      const state = await queue.getJobState(jobId);
      if (state === "unknown") {
        if (!(await inLiveBatch(d.webhookId))) requeue.push(d);
      }
      else if (state === "completed") {
        // It ran before the row was there ("gone"); make room for a fresh job under the same id.
        await queue.remove(jobId);
        requeue.push(d);
      } else if (state === "failed") {
        const job = await queue.getJob(jobId);
        const reason = job?.failedReason || "its job failed";
        await db.webhookDelivery.updateMany({ where: { webhookId: d.webhookId, status: "received" }, data: { status: "failed", error: reason } });
        failed++;
      }
      // waiting, delayed, active, prioritized: its job is on it.
    }),
  );
  await enqueueDeliveries(queue, requeue);
  return { requeued: requeue.length, failed };
}

export function createShopLifecycleProcessor(deps: ShopLifecycleDeps) {
  return async function processShopLifecycle(job: Job<JobPayload<"shopLifecycle">>) {
    const data = QUEUES.shopLifecycle.payload.parse(job.data);
    switch (data.kind) {
      case "installed":
        await deps.onInstalled?.(data.shop);
        return { status: "installed" };
      case "purge": {
        const result = await purgeShopIfStillUninstalled(deps.db, data.shop, new Date(data.uninstalledAt));
        deps.log.info("shop purge", { shop: data.shop, ...result });
        return result;
      }
      case "sweep-deliveries":
        return sweepDeliveries(deps.db, deps.queues.webhooks, deps.now?.() ?? new Date());
      case "blank-expired-payloads": {
        const result = await blankExpiredWebhookPayloads(deps.db, { retentionMs: deps.payloadRetentionMs ?? DEFAULT_PAYLOAD_RETENTION_MS, now: deps.now?.() ?? new Date() });
        if (result.blanked) deps.log.info("webhook payloads past retention blanked", result);
        return result;
      }
    }
  };
}
