// A webhook processor for batch tests: every topic runs `handle` behind the erasure guard, as the
// worker's handlers do; deliveries handed back to their own jobs are listed in `requeued`.
import type { Db } from "../../app/db.server.ts";
import type { WebhookTopic } from "../../app/adapters/shopify/webhook-topics.ts";
import { createLogger } from "../../app/logger.server.ts";
import { applyUnlessErased } from "../../app/use-cases/erasure-guard.server.ts";
import type { WebhookContext, WebhookOutcome } from "../../app/use-cases/webhook-context.ts";
import { createWebhookProcessor, type WebhookProcessorDeps } from "../../app/workers/process-webhook.ts";
import type { WebhookHandler } from "../../app/workers/webhook-handlers.ts";

export function guardedWebhookProcessor(
  db: Db,
  handle: (ctx: WebhookContext) => Promise<WebhookOutcome>,
  options: { requeued: string[]; supersededVersion?: WebhookHandler; requestPromiseWork?: WebhookProcessorDeps["requestPromiseWork"]; requestTierRecompute?: WebhookProcessorDeps["requestTierRecompute"] },
) {
  const guarded: WebhookHandler = (ctx) => applyUnlessErased(ctx, handle);
  const handlers = new Proxy({}, { get: () => guarded }) as Record<WebhookTopic, WebhookHandler>;
  return createWebhookProcessor({
    db, handlers, supersededVersion: options.supersededVersion, requestTierRecompute: options.requestTierRecompute ?? (async () => {}), schedulePurge: async () => {},
    ...(options.requestPromiseWork ? { requestPromiseWork: options.requestPromiseWork } : {}),
    requeueDeliveries: async (deliveries) => void options.requeued.push(...deliveries.map((d) => d.webhookId)),
    log: createLogger("test", "error"),
  });
}
