// fulfillment_orders/split|merged|moved: Shopify made new fulfillment-order ids, and
// no webhook reports their deadline. The payload names the fulfillment orders
// involved (not their order): the promise job finds the promise carrying one of them
// and applies its deadline to the order's open fulfillment orders again.
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import { gid, idString } from "../adapters/shopify/lossless-json.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

type Loose = Record<string, unknown>;
const asObject = (value: unknown): Loose | null => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : null);

function fulfillmentOrderGid(value: unknown): string | null {
  if (typeof value === "string" && value.startsWith("gid://shopify/FulfillmentOrder/")) return value;
  const id = idString(value);
  return id ? gid("FulfillmentOrder", id) : null;
}

/** Every fulfillment order a split, merge or move payload names. */
export function fulfillmentOrdersNamed(payload: unknown): string[] {
  const body = asObject(payload);
  if (!body) throw new PayloadError("fulfillment-order payload is not an object");
  const refs = [
    body.fulfillment_order, body.remaining_fulfillment_order, body.replacement_fulfillment_order,
    body.original_fulfillment_order, body.moved_fulfillment_order, asObject(body.fulfillment_order_merges)?.fulfillment_order,
  ].map((ref) => fulfillmentOrderGid(asObject(ref)?.id));
  const intents = Array.isArray(body.merge_intents) ? body.merge_intents.map((intent) => fulfillmentOrderGid(asObject(intent)?.fulfillment_order_id)) : [];
  return [...new Set([...refs, ...intents].filter((id): id is string => id !== null))];
}

export async function applyFulfillmentOrderChangeWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const named = fulfillmentOrdersNamed(ctx.payload);
  if (named.length === 0) throw new PayloadError(`${ctx.topic} payload names no fulfillment order`);
  if (!ctx.requestPromiseWork) return { status: "skipped", note: "no promise queue in this process" };
  await ctx.requestPromiseWork({ kind: "refit", fulfillmentOrderGids: named });
  return { status: "processed" };
}
