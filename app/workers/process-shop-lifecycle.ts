// Processor of the `shop-lifecycle` queue: install follow-up, purge after
// uninstall, the sweep that re-queues deliveries stored but never queued, and the
// retention that blanks payloads of deliveries done long enough ago.
import type { Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
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
      case "sweep-deliveries": {
        const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - SWEEP_AFTER_MS);
        const stuck = await deps.db.webhookDelivery.findMany({
          where: { status: "received", receivedAt: { lt: cutoff } },
          select: { webhookId: true, shop: true, topic: true },
          take: 1_000,
        });
        if (stuck.length) {
          await deps.queues.webhooks.addBulk(
            // A fresh id per sweep: the delivery's own job may have completed already
            // (it ran before the row existed); processing is idempotent either way.
            stuck.map((d) => ({ name: d.topic, data: d, opts: { jobId: jobIdFor("wh-sweep", `${d.webhookId}@${Math.floor(cutoff.getTime() / SWEEP_AFTER_MS)}`) } })),
          );
        }
        return { requeued: stuck.length };
      }
      case "blank-expired-payloads": {
        const result = await blankExpiredWebhookPayloads(deps.db, { retentionMs: deps.payloadRetentionMs ?? DEFAULT_PAYLOAD_RETENTION_MS, now: deps.now?.() ?? new Date() });
        if (result.blanked) deps.log.info("webhook payloads past retention blanked", result);
        return result;
      }
    }
  };
}
