/**
 * Fulfillment and order webhook payloads → what scoring a promise needs: each fulfillment's
 * lines and timestamps, and what an order needs shipped. Ids come from admin_graphql_api_id
 * (exact strings) or, for the fulfillment's order, from order_id (parsed losslessly).
 *
 * Exported API
 * - type FulfillmentRecord, type OrderShippingNeeds
 * - fulfillmentFromPayload(payload): FulfillmentRecord          fulfillments/create|update
 * - orderShippingNeedsFromPayload(payload): OrderShippingNeeds  orders/* (also its fulfillments)
 * Both throw PayloadError naming the bad fields.
 */
import { z } from "zod/v4";
import { gid, idString } from "./lossless-json.ts";
import { parseFields, PayloadError } from "./webhook-payloads.ts";

export type FulfillmentLine = { lineItemGid: string; sku: string | null; quantity: number };

export type FulfillmentRecord = {
  fulfillmentGid: string;
  orderGid: string;
  /** Lower case: success, pending, open, cancelled, failure, error. */
  status: string;
  createdAt: Date;
  updatedAt: Date;
  lines: FulfillmentLine[];
};

export type OrderShippingNeeds = {
  orderGid: string;
  updatedAt: Date;
  /** Lines that require shipping, with the quantity still on the order (after refunds and edits). */
  lines: FulfillmentLine[];
  /** The order's fulfillments as this payload lists them. */
  fulfillments: FulfillmentRecord[];
};

const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "a date-time");
const count = z.number().int().nonnegative();

const FulfillmentLinePayload = z.object({
  admin_graphql_api_id: z.string().startsWith("gid://shopify/LineItem/"),
  sku: z.string().nullable().optional(),
  quantity: count,
});

const FulfillmentPayload = z.object({
  admin_graphql_api_id: z.string().startsWith("gid://shopify/Fulfillment/"),
  order_id: z.unknown().optional(),
  status: z.string().min(1),
  created_at: timestamp,
  updated_at: timestamp.nullable().optional(),
  line_items: z.array(FulfillmentLinePayload),
});

const OrderPayload = z.object({
  admin_graphql_api_id: z.string().startsWith("gid://shopify/Order/"),
  updated_at: timestamp,
  line_items: z.array(
    z.object({
      admin_graphql_api_id: z.string().startsWith("gid://shopify/LineItem/"),
      sku: z.string().nullable().optional(),
      quantity: count,
      current_quantity: count.nullable().optional(),
      requires_shipping: z.boolean().nullable().optional(),
    }),
  ),
  fulfillments: z.array(FulfillmentPayload).nullable().optional(),
});

function fulfillmentRecord(f: z.infer<typeof FulfillmentPayload>, orderGid: string): FulfillmentRecord {
  const createdAt = new Date(f.created_at);
  return {
    fulfillmentGid: f.admin_graphql_api_id,
    orderGid,
    status: f.status.toLowerCase(),
    createdAt,
    // A payload without updated_at is as old as the fulfillment itself.
    updatedAt: f.updated_at ? new Date(f.updated_at) : createdAt,
    lines: f.line_items.map((line) => ({ lineItemGid: line.admin_graphql_api_id, sku: line.sku || null, quantity: line.quantity })),
  };
}

export function fulfillmentFromPayload(payload: unknown): FulfillmentRecord {
  const f = parseFields(FulfillmentPayload, payload, "Fulfillment payload");
  const orderId = idString(f.order_id);
  if (!orderId) throw new PayloadError("Fulfillment payload is missing or has malformed fields: order_id: a numeric order id");
  return fulfillmentRecord(f, gid("Order", orderId));
}

export function orderShippingNeedsFromPayload(payload: unknown): OrderShippingNeeds {
  const order = parseFields(OrderPayload, payload, "Order payload");
  return {
    orderGid: order.admin_graphql_api_id,
    updatedAt: new Date(order.updated_at),
    lines: order.line_items
      .filter((line) => line.requires_shipping !== false)
      .map((line) => ({ lineItemGid: line.admin_graphql_api_id, sku: line.sku || null, quantity: line.current_quantity ?? line.quantity })),
    fulfillments: (order.fulfillments ?? []).map((f) => fulfillmentRecord(f, order.admin_graphql_api_id)),
  };
}
