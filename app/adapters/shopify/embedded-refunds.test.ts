// An order payload lists its refunds in `refunds`, each the refunds/create body: mapped from the
// order, each is exactly what its own refunds/create gives. Held against the store simulator's
// payloads (themselves held field by field to Shopify's samples), over every refunded order of a
// seeded shop: goodwill, returns, shipping refunds.
import { describe, expect, it } from "vitest";
import { SimStore } from "../../../simulator/store/store.ts";
import { seedShop } from "../../../simulator/store/seed-generator.ts";
import { orderPayload, payloadContext, refundPayload } from "../../../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../../../simulator/webhooks/webhook-json.ts";
import { parseWebhookPayload } from "./lossless-json.ts";
import { embeddedRefundRecords, listsRefunds, orderSnapshotFromPayload, refundRecordFromPayload } from "./webhook-payloads.ts";

const SHOP = "embedded-refunds.myshopify.com";

describe("refunds listed in an order payload", () => {
  it("map exactly as their refunds/create bodies do", () => {
    const store = new SimStore({ now: () => new Date("2026-11-20T12:00:00Z") });
    seedShop(store, SHOP, { seed: 5, size: "small", now: "2026-11-20T12:00:00Z" });
    const data = store.shop(SHOP);
    const ctx = payloadContext(data.shop, SHOP);
    const refunded = [...data.orders.values()].filter((o) => o.refunds.length > 0);
    expect(refunded.length).toBeGreaterThan(3);
    for (const order of refunded) {
      const customer = order.customerId ? (data.customers.get(order.customerId) ?? null) : null;
      // Parsed as the worker parses each topic (order payloads with JSON.parse, which rounds numeric ids).
      const body = parseWebhookPayload("orders/updated", toWebhookJson(orderPayload(order, customer, ctx)));
      expect(listsRefunds(body)).toBe(true);
      const fromOrder = embeddedRefundRecords(body, data.shop.currency);
      const fromWebhooks = order.refunds.map((r) => refundRecordFromPayload(parseWebhookPayload("refunds/create", toWebhookJson(refundPayload(r, order, ctx))), data.shop.currency));
      expect(fromOrder).toEqual(fromWebhooks);
      expect(fromOrder.every((r) => r.orderId === orderSnapshotFromPayload(body).orderId)).toBe(true);
    }
  });

  it("an order without refunds lists none", () => {
    const order = { admin_graphql_api_id: "gid://shopify/Order/820982911946154508" };
    expect(listsRefunds({ ...order, refunds: [] })).toBe(false);
    expect(embeddedRefundRecords({ ...order, refunds: [] }, "USD")).toEqual([]);
    expect(embeddedRefundRecords(order, "USD")).toEqual([]);
  });

  it("a listed refund belongs to its order digit for digit, although JSON.parse rounds its numeric order_id", () => {
    // Shopify's ids are past 2^53: 820982911946154508 reads back as 820982911946154500.
    const text = `{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","refunds":[{"id":929361464,"admin_graphql_api_id":"gid://shopify/Refund/929361464","order_id":820982911946154508,"created_at":"2026-10-05T10:00:00Z","refund_line_items":[],"refund_shipping_lines":[],"order_adjustments":[],"transactions":[{"kind":"refund","status":"success","amount":"10.00","currency":"USD"}]}]}`;
    const [refund] = embeddedRefundRecords(parseWebhookPayload("orders/updated", text), "USD");
    expect(refund.orderId).toBe("gid://shopify/Order/820982911946154508");
    expect(refund.transactionsMinor).toBe(1000);
  });
});
