import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fulfillmentFromPayload, orderShippingNeedsFromPayload } from "./fulfillment-payloads.ts";
import { parseWebhookPayload } from "./lossless-json.ts";
import { PayloadError } from "./webhook-payloads.ts";

// Shopify's samples, parsed as the worker parses each topic.
const sample = (name: string, topic: string) => parseWebhookPayload(topic, readFileSync(path.resolve(import.meta.dirname, "../../../simulator/reference/webhooks", name), "utf8"));

describe("fulfillment payloads (Shopify's samples)", () => {
  it("reads a fulfillment's order, status, timestamps and lines", () => {
    for (const [name, topic] of [["fulfillments_create.json", "fulfillments/create"], ["fulfillments_update.json", "fulfillments/update"]] as const) {
      const f = fulfillmentFromPayload(sample(name, topic));
      expect(f).toMatchObject({ fulfillmentGid: "gid://shopify/Fulfillment/123456", orderGid: "gid://shopify/Order/820982911946154500", status: "pending" });
      expect(f.createdAt.toISOString()).toBe("2022-01-01T00:00:00.000Z");
      expect(f.updatedAt.toISOString()).toBe("2022-01-01T00:00:00.000Z");
      expect(f.lines).toEqual([
        { lineItemGid: "gid://shopify/LineItem/487817672276298554", sku: "SKU2006-001", quantity: 1 },
        { lineItemGid: "gid://shopify/LineItem/976318377106520349", sku: "SKU2006-020", quantity: 1 },
        { lineItemGid: "gid://shopify/LineItem/315789986012684393", sku: "SKU2006-035", quantity: 1 },
      ]);
    }
  });

  it("reads what an order needs shipped from orders/updated", () => {
    const needs = orderShippingNeedsFromPayload(sample("orders_updated.json", "orders/updated"));
    expect(needs.orderGid).toBe("gid://shopify/Order/820982911946154508");
    expect(needs.lines.map((l) => [l.lineItemGid, l.quantity])).toEqual([
      ["gid://shopify/LineItem/487817672276298554", 1],
      ["gid://shopify/LineItem/976318377106520349", 1],
      ["gid://shopify/LineItem/315789986012684393", 1],
    ]);
    expect(needs.fulfillments).toEqual([]);
  });

  it("counts what is left on the order, skips lines that need no shipping, and reads the fulfillments it lists", () => {
    const needs = orderShippingNeedsFromPayload({
      admin_graphql_api_id: "gid://shopify/Order/1",
      updated_at: "2026-12-03T10:00:00-05:00",
      line_items: [
        { admin_graphql_api_id: "gid://shopify/LineItem/1", sku: "A", quantity: 3, current_quantity: 2, requires_shipping: true },
        { admin_graphql_api_id: "gid://shopify/LineItem/2", sku: "GIFT", quantity: 1, current_quantity: 1, requires_shipping: false },
        { admin_graphql_api_id: "gid://shopify/LineItem/3", sku: "", quantity: 1 },
      ],
      fulfillments: [{ admin_graphql_api_id: "gid://shopify/Fulfillment/9", status: "SUCCESS", created_at: "2026-12-03T09:00:00-05:00", line_items: [{ admin_graphql_api_id: "gid://shopify/LineItem/1", quantity: 2 }] }],
    });
    expect(needs.lines).toEqual([
      { lineItemGid: "gid://shopify/LineItem/1", sku: "A", quantity: 2 },
      { lineItemGid: "gid://shopify/LineItem/3", sku: null, quantity: 1 },
    ]);
    expect(needs.fulfillments).toEqual([
      { fulfillmentGid: "gid://shopify/Fulfillment/9", orderGid: "gid://shopify/Order/1", status: "success", createdAt: new Date("2026-12-03T14:00:00Z"), updatedAt: new Date("2026-12-03T14:00:00Z"), lines: [{ lineItemGid: "gid://shopify/LineItem/1", sku: null, quantity: 2 }] },
    ]);
  });

  it("refuses a payload without what scoring needs, naming the fields", () => {
    expect(() => fulfillmentFromPayload({ admin_graphql_api_id: "gid://shopify/Fulfillment/1", status: "success", created_at: "2026-12-03T10:00:00Z", line_items: [] })).toThrow(/order_id/);
    expect(() => fulfillmentFromPayload({ admin_graphql_api_id: "gid://shopify/Fulfillment/1", order_id: 1, status: "success", created_at: "yesterday", line_items: [] })).toThrow(PayloadError);
    expect(() => orderShippingNeedsFromPayload({ admin_graphql_api_id: "gid://shopify/Order/1", updated_at: "2026-12-03T10:00:00Z", line_items: [{ quantity: 1 }] })).toThrow(/line_items\.0\.admin_graphql_api_id/);
  });
});
