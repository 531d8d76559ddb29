// What an order webhook tells the delivery promise: whether the order is paid or
// cancelled, and the few facts a promise needs (buyer, time, destination, variants and
// whether their stock is tracked).
// Read leniently from the already-parsed payload, no schema pass: this runs in the
// webhook hot path for every paid order, and the promise job validates its data.
import type { OrderPromiseRequest } from "../queues/queue-registry.ts";
import { gid, idString } from "./lossless-json.ts";
import { PayloadError } from "./webhook-payloads.ts";

type Loose = Record<string, unknown>;

const asObject = (value: unknown): Loose | null => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : null);
const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** Financial statuses of an order whose buyer has paid (in part or in full, refunds since do not undo it). */
const PAID = new Set(["paid", "partially_paid", "partially_refunded", "refunded"]);

export type OrderPromiseEvent = { kind: "make"; order: OrderPromiseRequest } | { kind: "cancel"; orderGid: string } | null;

/** "make" for a paid, open order; "cancel" for a cancelled one; null otherwise (not paid yet). */
export function orderPromiseEvent(payload: unknown): OrderPromiseEvent {
  const body = asObject(payload);
  const orderGid = text(body?.admin_graphql_api_id);
  if (!body || !orderGid?.startsWith("gid://shopify/Order/")) throw new PayloadError("Order payload without admin_graphql_api_id");
  if (text(body.cancelled_at)) return { kind: "cancel", orderGid };
  if (!PAID.has(String(body.financial_status ?? "").toLowerCase())) return null;
  // A test order is never shipped: it would take a place in its lane that a buyer's order needs.
  if (body.test === true) return null;
  const customerId = idString(asObject(body.customer)?.id);
  const address = asObject(body.shipping_address);
  const countryCode = text(address?.country_code);
  const createdAt = text(body.created_at);
  if (!createdAt || Number.isNaN(Date.parse(createdAt))) throw new PayloadError("Order payload without a created_at date-time");
  const lines = Array.isArray(body.line_items) ? body.line_items.map(asObject).filter((line): line is Loose => line !== null) : [];
  return {
    kind: "make",
    order: {
      orderGid,
      orderName: text(body.name),
      customerGid: customerId ? gid("Customer", customerId) : null,
      orderedAt: new Date(createdAt).toISOString(),
      destination: countryCode ? { countryCode, provinceCode: text(address?.province_code) } : null,
      lines: lines
        .filter((line) => line.requires_shipping !== false && line.gift_card !== true)
        .map((line) => {
          const variantId = idString(line.variant_id);
          // variant_inventory_management is null when the variant's stock is not tracked: always available, nothing to read.
          const untracked = variantId !== null && "variant_inventory_management" in line && line.variant_inventory_management === null;
          return { variantGid: variantId ? gid("ProductVariant", variantId) : null, sku: text(line.sku), ...(untracked ? { inventoryTracked: false as const } : {}) };
        }),
    },
  };
}
