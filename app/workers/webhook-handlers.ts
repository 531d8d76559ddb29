// Which use-case handles each webhook topic. Every subscribed topic has an entry,
// so a topic added to shopify.app.toml without a consumer fails the type check.
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookTopic } from "../adapters/shopify/webhook-topics.ts";
import { applyBulkOperationFinishWebhook } from "../use-cases/apply-bulk-operation-webhook.server.ts";
import { applyCustomerDeletedWebhook, applyCustomerWebhook } from "../use-cases/apply-customer-webhook.server.ts";
import { applyOrderWebhook, applyRefundWebhook } from "../use-cases/apply-order-webhook.server.ts";
import { applyFulfillmentOrderChangeWebhook } from "../use-cases/apply-fulfillment-order-webhook.server.ts";
import { applyTagChangeWebhook } from "../use-cases/apply-tag-change-webhook.server.ts";
import { applyCustomerDataRequest, applyCustomerRedact, applyShopRedact } from "../use-cases/compliance.server.ts";
import { applyUnlessErased } from "../use-cases/erasure-guard.server.ts";
import { applyFulfillmentWebhook, applyOrderShippingWebhook } from "../use-cases/score-promise-shipments.server.ts";
import { applyAppUninstalled } from "../use-cases/shop-lifecycle.server.ts";
import type { ReplenishmentPorts } from "../use-cases/replenishment-requests.server.ts";
import type { WebhookContext, WebhookOutcome } from "../use-cases/webhook-context.ts";
import { inventoryLevelHandler } from "./replenishment-jobs.ts";

export type WebhookHandler = (ctx: WebhookContext) => Promise<WebhookOutcome>;

export interface HandlerOptions {
  purgeDelayMs: number;
  /** What inventory_levels/update needs from the worker (Admin API, request flows); without it the topic is refused. */
  replenishment?: ReplenishmentPorts;
}

/**
 * The ledger first, then the promise score's view of the same order. A payload the score cannot
 * read leaves the ledger's result standing, with the reason in the note.
 */
const thenShipping = (handler: WebhookHandler): WebhookHandler => async (ctx) => {
  const outcome = await handler(ctx);
  try {
    const shipping = await applyOrderShippingWebhook(ctx);
    return shipping.status === "processed" ? { status: "processed", note: [outcome.note, shipping.note].filter(Boolean).join("; ") } : outcome;
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    return { ...outcome, note: [outcome.note, `promise shipping state not read: ${error.message}`].filter(Boolean).join("; ") };
  }
};

/** Topics that name a customer or an order: an erased one is skipped and its payload blanked. */
const unlessErased = (handler: WebhookHandler): WebhookHandler => (ctx) => applyUnlessErased(ctx, handler);

/**
 * A version of an order or customer that a version delivered in the same batch superseded (process-webhook.ts):
 * the ledger rule would leave it unapplied, so nothing runs but the erasure guard around it.
 */
export const supersededVersion: WebhookHandler = unlessErased(async () => ({ status: "processed", note: "an older version of its order or customer delivered in the same batch" }));

export function webhookHandlers(options: HandlerOptions): Record<WebhookTopic, WebhookHandler> {
  return {
    "orders/create": unlessErased(applyOrderWebhook),
    "orders/paid": unlessErased(applyOrderWebhook),
    "orders/updated": unlessErased(thenShipping(applyOrderWebhook)),
    "orders/cancelled": unlessErased(applyOrderWebhook),
    "refunds/create": unlessErased(applyRefundWebhook),
    "customers/create": unlessErased(applyCustomerWebhook),
    "customers/update": unlessErased(applyCustomerWebhook),
    "customers/delete": unlessErased(applyCustomerDeletedWebhook),
    "customer.tags_added": unlessErased(applyTagChangeWebhook),
    "customer.tags_removed": unlessErased(applyTagChangeWebhook),
    "fulfillments/create": unlessErased(applyFulfillmentWebhook),
    "fulfillments/update": unlessErased(applyFulfillmentWebhook),
    "fulfillment_orders/split": applyFulfillmentOrderChangeWebhook,
    "fulfillment_orders/merged": applyFulfillmentOrderChangeWebhook,
    "fulfillment_orders/moved": applyFulfillmentOrderChangeWebhook,
    "inventory_levels/update": inventoryLevelHandler(options.replenishment),
    "bulk_operations/finish": (ctx) => applyBulkOperationFinishWebhook(ctx),
    "app/uninstalled": (ctx) => applyAppUninstalled(ctx, options.purgeDelayMs),
    "customers/data_request": applyCustomerDataRequest,
    "customers/redact": applyCustomerRedact,
    "shop/redact": applyShopRedact,
  };
}
