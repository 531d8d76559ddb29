// Id and GID minting. Ids are decimal strings built by concatenation, never through JS numbers,
// and several kinds are wider than 2^53 on purpose: an app that parses them as numbers breaks here
// the way it would break on real 64-bit Shopify ids.

export type IdKind =
  | "Shop" | "Customer" | "Order" | "LineItem" | "ShippingLine" | "Refund" | "RefundLineItem"
  | "RefundShippingLine" | "OrderAdjustment" | "OrderTransaction" | "FulfillmentOrder"
  | "FulfillmentOrderLineItem" | "Product" | "ProductVariant" | "InventoryItem" | "Location"
  | "Metafield" | "MetafieldDefinition" | "BulkOperation" | "OrderEdit" | "Event" | "App"
  | "Fulfillment" | "FulfillmentLineItem" | "Duty" | "PaymentTerms" | "DeliveryMethod" | "InventoryAdjustmentGroup";

const LAYOUT: Record<IdKind, { prefix: string; width: number }> = {
  Shop: { prefix: "601", width: 8 },
  Customer: { prefix: "7301", width: 9 }, // 13 digits, like today's customer ids
  Order: { prefix: "5504", width: 9 },
  LineItem: { prefix: "14820", width: 12 }, // 17 digits: > 2^53
  ShippingLine: { prefix: "4712", width: 9 },
  Refund: { prefix: "890088", width: 12 }, // 18 digits: > 2^53
  RefundLineItem: { prefix: "487817", width: 12 },
  RefundShippingLine: { prefix: "3301", width: 9 },
  OrderAdjustment: { prefix: "3201", width: 9 },
  OrderTransaction: { prefix: "6702", width: 9 },
  FulfillmentOrder: { prefix: "6301", width: 9 },
  FulfillmentOrderLineItem: { prefix: "1541", width: 10 },
  Product: { prefix: "8011", width: 9 },
  ProductVariant: { prefix: "4402", width: 10 },
  InventoryItem: { prefix: "4601", width: 10 },
  Location: { prefix: "7701", width: 7 },
  Metafield: { prefix: "2601", width: 10 },
  MetafieldDefinition: { prefix: "1801", width: 6 },
  BulkOperation: { prefix: "1475", width: 8 },
  OrderEdit: { prefix: "1101", width: 8 },
  Event: { prefix: "9301", width: 12 },
  App: { prefix: "4242", width: 4 },
  Fulfillment: { prefix: "5301", width: 9 },
  FulfillmentLineItem: { prefix: "1191", width: 12 },
  Duty: { prefix: "2901", width: 9 },
  PaymentTerms: { prefix: "3901", width: 8 },
  DeliveryMethod: { prefix: "2401", width: 9 },
  InventoryAdjustmentGroup: { prefix: "3801", width: 10 },
};

export class IdSource {
  private readonly counters = new Map<IdKind, number>();

  next(kind: IdKind): string {
    const n = (this.counters.get(kind) ?? 100_000) + 1;
    this.counters.set(kind, n);
    const { prefix, width } = LAYOUT[kind];
    return prefix + String(n).padStart(width, "0");
  }
}

export function gidFor(type: string, id: string): string {
  return `gid://shopify/${type}/${id}`;
}

/** "gid://shopify/Customer/123" → { type: "Customer", id: "123" }; null when not a GID. */
export function parseGid(gid: string): { type: string; id: string } | null {
  const m = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(gid);
  return m ? { type: m[1], id: m[2] } : null;
}

/** Compares decimal id strings numerically without converting them to numbers. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
