// Processor of the `webhooks` queue: loads the stored delivery, runs the topic's
// use-case, marks it done. A delivery already done is skipped, so a redelivery,
// a retried job or a job re-run after a crash never applies its effect twice
// (and every use-case is itself idempotent, for the crash between effect and mark).
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { closeDeliveryUnlessShopHasTombstones, loadStoredDelivery, recordDeliveryAttempt } from "../adapters/db/webhook-job-statements.server.ts";
import type { PromiseWorkRequest } from "../adapters/queues/promise-jobs.server.ts";
import { QUEUES, type JobPayload } from "../adapters/queues/queue-registry.ts";
import { parseWebhookPayload } from "../adapters/shopify/lossless-json.ts";
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import { isKnownTopic } from "../adapters/shopify/webhook-topics.ts";
import { MoneyParseError } from "../domain/money.ts";
import type { TierRecomputeCause, WebhookContext } from "../use-cases/webhook-context.ts";
import type { WebhookHandler } from "./webhook-handlers.ts";
import type { WebhookTopic } from "../adapters/shopify/webhook-topics.ts";

export interface WebhookProcessorDeps {
  db: Db;
  handlers: Record<WebhookTopic, WebhookHandler>;
  requestTierRecompute(shop: string, customerGids: string[], cause: TierRecomputeCause): Promise<void>;
  requestPromiseWork?(shop: string, work: PromiseWorkRequest): Promise<void>;
  schedulePurge(shop: string, uninstalledAt: Date): Promise<void>;
  log: Logger;
  now?: () => Date;
}

/**
 * The intake writes the row and the job concurrently, so a job can run before its
 * row commits. For this long after the job was queued it steps aside (delayed,
 * without holding a worker slot or counting an attempt) and looks again.
 */
const ROW_GRACE_MS = 10_000;
const ROW_RECHECK_MS = 50;

const describeError = (error: unknown) => (error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error));

/** Whether this run is the job's last try (attemptsMade counts the tries that failed before it). */
const isLastAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  return async function processWebhook(job: Job<JobPayload<"webhooks">>, token?: string): Promise<{ status: string; note?: string }> {
    const data = QUEUES.webhooks.payload.parse(job.data);
    const delivery = await loadStoredDelivery(deps.db, data.webhookId);
    if (!delivery) {
      if (token && Date.now() - job.timestamp < ROW_GRACE_MS) {
        await job.moveToDelayed(Date.now() + ROW_RECHECK_MS, token);
        throw new DelayedError();
      }
      // Still not there: its write is slow (retry with backoff) or failed and was answered 503.
      if (job.attemptsMade < 3) throw new Error(`delivery ${data.webhookId} is not stored yet`);
      return { status: "gone", note: "delivery not stored (write failed, or the shop was redacted)" };
    }
    if (delivery.status === "processed" || delivery.status === "skipped") return { status: "duplicate" };
    const webhookId = delivery.webhookId;
    const shop = delivery.shop;
    const end = (status: "processed" | "skipped" | "failed" | undefined, error: string | null) => recordDeliveryAttempt(deps.db, webhookId, { status, error, at: new Date() });

    const fail = async (message: string): Promise<never> => {
      await end("failed", message);
      throw new UnrecoverableError(message);
    };
    if (!isKnownTopic(delivery.topic)) return fail(`no handler for topic ${delivery.topic}`);

    let payload: unknown;
    try {
      payload = parseWebhookPayload(delivery.topic, delivery.payload);
    } catch (error) {
      // The intake refuses what is not JSON or absurdly nested, but a row stored before
      // that check (or a parser limit) must still end, not be retried for ever.
      return fail(`payload cannot be parsed: ${describeError(error)}`);
    }
    const ctx: WebhookContext = {
      db: deps.db,
      shop,
      topic: delivery.topic,
      webhookId,
      payload,
      now: deps.now?.() ?? new Date(),
      // A failed attempt retried (by BullMQ, or by the sweep's fresh job: the row counts attempts), or a job re-run after its worker stopped mid-way.
      retry: Number(delivery.attempts) > 0 || job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0,
      shopHasTombstones: delivery.shopHasTombstones,
      closeUnlessShopHasTombstones: (outcome) => closeDeliveryUnlessShopHasTombstones(deps.db, webhookId, shop, { status: outcome.status, at: new Date() }),
      requestTierRecompute: (gids, cause) => deps.requestTierRecompute(shop, gids, cause),
      ...(deps.requestPromiseWork ? { requestPromiseWork: (work: PromiseWorkRequest) => deps.requestPromiseWork!(shop, work) } : {}),
      schedulePurge: (uninstalledAt) => deps.schedulePurge(shop, uninstalledAt),
    };
    let outcome;
    try {
      outcome = await deps.handlers[delivery.topic](ctx);
    } catch (error) {
      // A payload that cannot be understood will not improve with retries: keep it for inspection.
      if (error instanceof PayloadError || error instanceof MoneyParseError) {
        deps.log.warn("webhook payload rejected", { webhookId, topic: delivery.topic, error: error.message });
        return fail(error.message);
      }
      // The job's last attempt ends the delivery: marked failed (the Overview counts it,
      // with this reason) so the sweep does not queue it again.
      await end(isLastAttempt(job) ? "failed" : undefined, describeError(error));
      throw error;
    }
    // An UPDATE matching no row is fine: shop/redact may have deleted the shop's other deliveries.
    if (!outcome.closed) await end(outcome.status, null);
    return outcome;
  };
}
