// What the merchant can do about webhook deliveries that failed for good, from the
// Overview: try them again (those whose payload is still stored) or dismiss them.
// Always one shop's own deliveries.
import type { Db } from "../db.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { clearEndedDeliveryJobs, enqueueDeliveries } from "../adapters/queues/webhook-delivery-jobs.server.ts";
import { acknowledgeFailedDeliveries, reopenFailedDeliveries, retryableFailedDeliveries, summarizeFailedDeliveries } from "../adapters/db/failed-delivery-repository.server.ts";

export const RETRY_BATCH = 500;
/** Per request; a larger backlog is left failed, and the banner offers Retry again. */
export const RETRY_MAX_BATCHES = 20;

export type RetryFailedResult = { retried: number; notRetryable: number; remaining: number };

/**
 * Re-queues the shop's failed deliveries whose payload is still stored: each goes
 * back to "received" with its attempts reset and gets one job under its own id.
 * If queuing fails after the rows were re-opened, the sweep queues them within
 * minutes (it re-queues "received" rows without a job); the error is still thrown.
 */
export async function retryFailedDeliveries(deps: { db: Db; webhooks: JobQueues["webhooks"] }, shop: string): Promise<RetryFailedResult> {
  let retried = 0;
  for (let batch = 0; batch < RETRY_MAX_BATCHES; batch++) {
    const candidates = await retryableFailedDeliveries(deps.db, shop, RETRY_BATCH);
    if (candidates.length === 0) break;
    await clearEndedDeliveryJobs(deps.webhooks, candidates.map((d) => d.webhookId));
    const reopened = new Set(await reopenFailedDeliveries(deps.db, shop, candidates.map((d) => d.webhookId)));
    await enqueueDeliveries(deps.webhooks, candidates.filter((d) => reopened.has(d.webhookId)));
    retried += reopened.size;
    if (reopened.size === 0 || candidates.length < RETRY_BATCH) break;
  }
  const after = await summarizeFailedDeliveries(deps.db, shop);
  return { retried, notRetryable: after.count - after.retryable, remaining: after.retryable };
}

export type DismissFailedResult = { dismissed: number; erased: number };

/** Acknowledges the shop's failed deliveries: the Overview stops showing them; their rows stay for support. */
export async function dismissFailedDeliveries(db: Db, shop: string): Promise<DismissFailedResult> {
  return acknowledgeFailedDeliveries(db, shop);
}
