// Holds each simulated webhook body against Shopify's reference sample for
// its topic, field by field: every key path in the sample must exist in ours
// with the same JSON type, recursing into the first element of arrays. Where
// the sample has null, any value is accepted (Shopify leaves those fields null
// or fills them depending on the object).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  customersDataRequestPayload,
  customersRedactPayload,
  fulfillmentPayload,
  payloadContext,
  payloadForChange,
  refundPayload,
  shopRedactPayload,
  type WebhookTopic,
} from "./payloads.ts";
import type { StoreChange } from "../store/types.ts";
import { toWebhookJson } from "./webhook-json.ts";
import { shapeDifferences, type Leniency } from "./shape-differences.ts";
import { SHOP_DOMAIN, fixtureChanges, fixtureCustomer, fixtureOrder, fixtureShop } from "./payload-fixtures.ts";

const REFERENCE = join(import.meta.dirname, "../reference/webhooks");
const sample = (file: string): unknown => JSON.parse(readFileSync(join(REFERENCE, file), "utf8"));

const ctx = payloadContext(fixtureShop(), SHOP_DOMAIN);
/** What a receiver sees: our JSON text, parsed. */
const received = (payload: unknown) => JSON.parse(toWebhookJson(payload));

const orderLeniency: Leniency = {
  // Real orders rarely carry staff attribution; the sample's first line item does.
  mayBeEmpty: ["$.line_items[].attributed_staffs"],
};
// Refunds made through the Admin API (as the simulator makes them) carry no staff user.
const refundLeniency: Leniency = { nullable: ["$.user_id", "$.refunds[].user_id"] };

// Every topic the store emits (the type makes a new one fail to compile until it has a sample).
const SAMPLE_FOR: Record<StoreChange["topic"], string> = {
  "orders/create": "orders_create.json",
  "orders/updated": "orders_updated.json",
  "orders/paid": "orders_paid.json",
  "orders/cancelled": "orders_cancelled.json",
  "orders/edited": "orders_edited.json",
  "orders/delete": "orders_delete.json",
  "orders/fulfilled": "orders_fulfilled.json",
  "orders/partially_fulfilled": "orders_partially_fulfilled.json",
  "fulfillments/create": "fulfillments_create.json",
  "fulfillments/update": "fulfillments_update.json",
  "refunds/create": "refunds_create.json",
  "customers/create": "customers_create.json",
  "customers/update": "customers_update.json",
  "customers/delete": "customers_delete.json",
  "customer.tags_added": "customer_tags_added.json",
  "customer.tags_removed": "customer_tags_removed.json",
  "fulfillment_orders/split": "fulfillment_orders_split.json",
  "fulfillment_orders/merged": "fulfillment_orders_merged.json",
  "fulfillment_orders/moved": "fulfillment_orders_moved.json",
  "fulfillment_orders/cancelled": "fulfillment_orders_cancelled.json",
  "fulfillment_orders/placed_on_hold": "fulfillment_orders_placed_on_hold.json",
  "fulfillment_orders/hold_released": "fulfillment_orders_hold_released.json",
  "fulfillment_orders/rescheduled": "fulfillment_orders_rescheduled.json",
  "inventory_levels/update": "exemplars_2025-04_anonymized/inventory_levels_1.json",
  "bulk_operations/finish": "bulk_operations_finish.json",
  "app/uninstalled": "app_uninstalled.json",
};

// The store keeps no hold records: a derived merchant hold has no notes and no holding app.
const holdLeniency: Leniency = {
  nullable: [
    "$.fulfillment_order.fulfillment_holds[].reason_notes",
    "$.fulfillment_order.fulfillment_holds[].held_by_app",
    "$.created_fulfillment_hold.reason_notes",
    "$.created_fulfillment_hold.held_by_app",
  ],
};

const leniencyFor = (topic: StoreChange["topic"]): Leniency =>
  topic === "refunds/create" ? refundLeniency : topic === "fulfillment_orders/placed_on_hold" ? holdLeniency : topic.startsWith("orders/") ? orderLeniency : {};

describe("webhook payloads match Shopify's reference samples", () => {
  it("the fixtures hold one change for every topic the store emits", () => {
    expect(new Set(fixtureChanges().map((c) => c.topic))).toEqual(new Set(Object.keys(SAMPLE_FOR)));
  });

  for (const change of fixtureChanges()) {
    const file = SAMPLE_FOR[change.topic];
    it(`${change.topic} ↔ ${file}`, () => {
      const ours = received(payloadForChange(change, ctx));
      expect(shapeDifferences(sample(file), ours, leniencyFor(change.topic))).toEqual([]);
    });
  }

  it("an order's refunds entries are shaped like refunds/create", () => {
    const order = received(payloadForChange(fixtureChanges()[0], ctx)) as { refunds: unknown[] };
    expect(order.refunds).toHaveLength(1);
    expect(shapeDifferences(sample("refunds_create.json"), order.refunds[0], refundLeniency)).toEqual([]);
  });

  it("fulfillments/create and fulfillments/update ↔ fulfillments_create.json", () => {
    const order = fixtureOrder();
    const f = fulfillmentPayload(
      {
        id: "123456",
        gid: "gid://shopify/Fulfillment/123456",
        status: "success",
        createdAt: "2022-01-02T00:00:00.000Z",
        updatedAt: "2022-01-02T00:00:00.000Z",
        locationId: "655441491",
        trackingCompany: "UPS",
        trackingNumbers: ["1z827wk74630"],
        trackingUrls: ["https://www.ups.com/WebTracking?trackNums=1z827wk74630"],
        shipmentStatus: null,
        lineItems: order.lineItems.map((li) => ({ lineItemId: li.id, quantity: 1 })),
        sequence: 1,
      },
      order,
      fixtureCustomer(),
      ctx,
    );
    expect(shapeDifferences(sample("fulfillments_create.json"), received(f))).toEqual([]);
    expect(shapeDifferences(sample("fulfillments_update.json"), received(f))).toEqual([]);
  });

  it("compliance topics ↔ customers_data_request, customers_redact, shop_redact", () => {
    const customer = { id: "115310627314723954", email: "john@example.com", phone: "555-625-1199" };
    const orders = ["820982911946154508", "820982911946154509"];
    expect(shapeDifferences(sample("customers_data_request.json"), received(customersDataRequestPayload(ctx, customer, orders, "9999")))).toEqual([]);
    expect(shapeDifferences(sample("customers_redact.json"), received(customersRedactPayload(ctx, customer, orders)))).toEqual([]);
    expect(shapeDifferences(sample("shop_redact.json"), received(shopRedactPayload(ctx)))).toEqual([]);
  });

  it("also matches the anonymized production deliveries where they exist", () => {
    const changes = new Map(fixtureChanges().map((c) => [c.topic, c]));
    const pairs: [WebhookTopic, string][] = [
      ["customers/create", "customers_1.json"],
      ["orders/edited", "orders_2.json"],
      ["bulk_operations/finish", "bulk_operations_1.json"],
      ["app/uninstalled", "shop_1.json"],
    ];
    // The fixture customer has no tax exemptions; the anonymized one does. An
    // edit names the app or the staff member who committed it; the store
    // records neither.
    const leniency = { mayBeEmpty: ["$.tax_exemptions"], nullable: ["$.order_edit.app_id", "$.order_edit.user_id"] };
    for (const [topic, file] of pairs) {
      const ours = received(payloadForChange(changes.get(topic as never)!, ctx));
      expect(shapeDifferences(sample(`exemplars_2025-04_anonymized/${file}`), ours, leniency), `${topic} ↔ ${file}`).toEqual([]);
    }
  });
});

describe("nested arrays the docs samples leave empty, held against real deliveries", () => {
  // The 2025-10 docs samples have no tax lines, discount allocations or order
  // adjustments; the anonymized production deliveries do.
  const exemplar = (file: string) => JSON.parse(readFileSync(join(REFERENCE, "exemplars_2025-04_anonymized", file), "utf8"));
  const real = { order: exemplar("orders_1.json"), fulfillment: exemplar("fulfillments_1.json"), refund: exemplar("refunds_1.json"), adjusted: exemplar("refunds_2.json") };
  const order = received(payloadForChange(fixtureChanges()[0], ctx));
  /** Every element of ours against one real element; ours must not be empty, or nothing was checked. */
  const against = (realElement: unknown, ours: unknown[], path: string) => {
    expect(ours.length, `${path} has elements to check`).toBeGreaterThan(0);
    return shapeDifferences([realElement], ours, {}, path);
  };

  it("tax lines of the order, its line items and its shipping lines", () => {
    const taxLine = real.order.line_items[0].tax_lines[0];
    expect([
      ...against(taxLine, order.tax_lines, "$.tax_lines"),
      ...order.line_items.flatMap((li: { tax_lines: unknown[] }, i: number) => against(taxLine, li.tax_lines, `$.line_items[${i}].tax_lines`)),
      ...against(real.order.shipping_lines[0].tax_lines[0], order.shipping_lines[0].tax_lines, "$.shipping_lines[0].tax_lines"),
      ...against(real.refund.refund_line_items[0].line_item.tax_lines[0], order.refunds[0].refund_line_items[0].line_item.tax_lines, "$.refunds[0].refund_line_items[0].line_item.tax_lines"),
    ]).toEqual([]);
  });

  it("discount allocations of a discounted line item", () => {
    const discounted = order.line_items.find((li: { discount_allocations: unknown[] }) => li.discount_allocations.length > 0);
    expect(against(real.fulfillment.line_items[0].discount_allocations[0], discounted?.discount_allocations ?? [], "$.line_items[].discount_allocations")).toEqual([]);
  });

  it("an order's fulfillments, held against a real order delivery's", () => {
    const fulfilled = fixtureChanges().find((c) => c.topic === "orders/fulfilled")!;
    const ours = received(payloadForChange(fulfilled, ctx));
    expect(against(real.order.fulfillments[0], ours.fulfillments, "$.fulfillments")).toEqual([]);
    // The same shipment as fulfillments/create reports it, minus destination and email.
    const created = received(payloadForChange(fixtureChanges().find((c) => c.topic === "fulfillments/create")!, ctx));
    expect(ours.fulfillments[0]).toMatchObject({ id: created.id, name: "#9999.1", status: "success", tracking_number: "1z827wk74630", location_id: created.location_id });
    expect(ours.fulfillment_status).toBe("fulfilled");
    expect(ours.line_items.map((li: { fulfillment_status: string | null }) => li.fulfillment_status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
  });

  it("order adjustments of a refund", () => {
    expect(against(real.adjusted.order_adjustments[0], order.refunds[0].order_adjustments, "$.refunds[0].order_adjustments")).toEqual([]);
  });
});

describe("webhook JSON text", () => {
  it("carries 64-bit ids as bare digits, exactly", () => {
    const text = toWebhookJson(payloadForChange(fixtureChanges()[0], ctx));
    expect(text).toContain('"id":820982911946154508');
    expect(text).toContain('"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"');
    expect(text).toContain('"customer_id":115310627314723954');
    // A receiver's JSON.parse rounds them as it does with Shopify's own deliveries.
    expect(JSON.parse(text).id).toBe(820982911946154500);
  });

  it("refund line items carry subtotal and total_tax as JSON numbers", () => {
    const order = fixtureOrder();
    const refund = received(refundPayload(order.refunds[0], order, ctx));
    expect(refund.refund_line_items[0].subtotal).toBe(89.99);
    expect(refund.refund_line_items[0].total_tax).toBe(5.4);
  });

  it("prints timestamps in the shop's zone with its offset, as Shopify does", () => {
    const order = received(payloadForChange(fixtureChanges()[0], ctx));
    expect(order.created_at).toBe("2021-12-31T19:00:00-05:00");
  });
});

describe("the comparison itself", () => {
  it("reports a missing key, a wrong type and an unexpected null", () => {
    expect(shapeDifferences({ a: 1, b: "x", c: { d: true }, phone: "1" }, { b: 2, c: { d: null }, phone: null })).toEqual([
      "$.a: missing (sample has number)",
      "$.b: number, sample has string",
      "$.c.d: null, sample has boolean",
    ]);
  });
  it("accepts any value where the sample has null and recurses into first elements", () => {
    expect(shapeDifferences({ a: null, l: [{ x: 1 }] }, { a: "v", l: [{ x: "1" }] })).toEqual(["$.l[].x: string, sample has number"]);
  });
});
