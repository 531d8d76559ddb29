// An order payload lists its refunds in `refunds`, each the refunds/create body: mapped from the
// order, each is exactly what its own refunds/create gives. Held against the store simulator's
// payloads (themselves held field by field to Shopify's samples), over every refunded order of a
// seeded shop: goodwill, returns, shipping refunds.
import { describe, expect, it } from "vitest";
import { SimStore } from "../../../simulator/store/store.ts";
import { seedShop } from "../../../simulator/store/seed-generator.ts";
import { orderPayload, payloadContext, refundPayload } from "../../../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../../../simulator/webhooks/webhook-json.ts";
import { parseJsonLosslessly } from "./lossless-json.ts";
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
      const body = parseJsonLosslessly(toWebhookJson(orderPayload(order, customer, ctx)));
      expect(listsRefunds(body)).toBe(true);
      const fromOrder = embeddedRefundRecords(body, data.shop.currency);
      const fromWebhooks = order.refunds.map((r) => refundRecordFromPayload(parseJsonLosslessly(toWebhookJson(refundPayload(r, order, ctx))), data.shop.currency));
      expect(fromOrder).toEqual(fromWebhooks);
      expect(fromOrder.every((r) => r.orderId === orderSnapshotFromPayload(body).orderId)).toBe(true);
    }
  });

  it("an order without refunds lists none", () => {
    expect(listsRefunds({ refunds: [] })).toBe(false);
    expect(embeddedRefundRecords({ refunds: [] }, "USD")).toEqual([]);
    expect(embeddedRefundRecords({}, "USD")).toEqual([]);
  });
});
