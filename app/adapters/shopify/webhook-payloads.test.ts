import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJsonLosslessly } from "./lossless-json.ts";
import { complianceSubject, orderSnapshotFromPayload, PayloadError, refundRecordFromPayload } from "./webhook-payloads.ts";

const reference = (name: string) => readFileSync(new URL(`../../../simulator/reference/webhooks/${name}`, import.meta.url), "utf8");

describe("lossless JSON", () => {
  it("keeps 64-bit ids exact where JSON.parse rounds them", () => {
    const text = '{"id": 820982911946154508, "small": 42, "price": 12.5, "list": [299938, 9007199254740993]}';
    expect(JSON.parse(text).id).toBe(820982911946154500);
    expect(parseJsonLosslessly(text)).toEqual({ id: "820982911946154508", small: 42, price: 12.5, list: [299938, "9007199254740993"] });
  });
});

describe("order payloads", () => {
  it("maps Shopify's sample order to shop-money minor units", () => {
    const snapshot = orderSnapshotFromPayload(parseJsonLosslessly(reference("orders_create.json")));
    expect(snapshot.orderId).toBe("gid://shopify/Order/820982911946154508");
    expect(snapshot.currentTotalMinor).toBe(36_997);
    expect(snapshot.test).toBe(true);
    expect(snapshot.cancelledAt).not.toBeNull();
  });

  it("reads the payment state and what the order holds besides purchases from Shopify's sample and its variants", () => {
    const sample = parseJsonLosslessly(reference("orders_paid.json")) as Record<string, unknown> & { line_items: Record<string, unknown>[]; shipping_lines: Record<string, unknown>[] };
    // The sample is a voided test order: nothing was received.
    expect(orderSnapshotFromPayload(sample)).toMatchObject({
      financialStatus: "voided", outstandingMinor: 36_997, giftCardLinesMinor: 0, tipMinor: 0, dutiesMinor: 0, taxesIncluded: false, currentShippingTaxMinor: 0,
    });
    const set = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });
    const variant = {
      ...sample,
      financial_status: "partially_paid",
      total_outstanding: "100.00",
      taxes_included: true,
      total_tip_received: "5.00",
      current_total_duties_set: set("12.50"),
      // The first line becomes a gift card of 89.99, two bought, one returned.
      line_items: sample.line_items.map((line, i) => (i === 0 ? { ...line, gift_card: true, quantity: 2, current_quantity: 1 } : line)),
      current_shipping_price_set: set("5.00"),
      shipping_lines: [{ ...sample.shipping_lines[0], discounted_price_set: set("10.00"), tax_lines: [{ price: "2.00", rate: 0.2, title: "VAT", price_set: set("2.00") }] }],
    };
    expect(orderSnapshotFromPayload(variant)).toMatchObject({
      financialStatus: "partially_paid", outstandingMinor: 10_000, giftCardLinesMinor: 8_999, tipMinor: 500, dutiesMinor: 1_250, taxesIncluded: true,
      // Half the shipping is left, so half its tax.
      currentShippingTaxMinor: 100,
    });
    expect(orderSnapshotFromPayload({ ...variant, financial_status: "something_new" }).financialStatus).toBeNull();
  });

  it("uses shop money, never presentment money", () => {
    const body = {
      admin_graphql_api_id: "gid://shopify/Order/1",
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      currency: "USD",
      presentment_currency: "EUR",
      current_total_price_set: { shop_money: { amount: "108.00", currency_code: "USD" }, presentment_money: { amount: "100.00", currency_code: "EUR" } },
      customer: { admin_graphql_api_id: "gid://shopify/Customer/2" },
    };
    expect(orderSnapshotFromPayload(body)).toMatchObject({ currentTotalMinor: 10_800, currency: "USD", presentmentCurrency: "EUR" });
  });

  it("says which fields are missing", () => {
    expect(() => orderSnapshotFromPayload({ id: 1 })).toThrow(PayloadError);
    expect(() => orderSnapshotFromPayload({ id: 1 })).toThrow(/admin_graphql_api_id/);
  });
});

describe("refund payloads", () => {
  it("splits Shopify's sample refund into line items and money returned, keyed to the exact order id", () => {
    const refund = refundRecordFromPayload(parseJsonLosslessly(reference("refunds_create.json")), "USD");
    expect(refund.refundId).toBe("gid://shopify/Refund/890088186047892319");
    expect(refund.orderId).toMatch(/^gid:\/\/shopify\/Order\/820982911946154\d{3}$/);
    expect(refund.lineItemsMinor).toBe(36_997); // the three refunded line items of the sample
    expect(refund.transactionsMinor).toBe(7_500 + 1_000);
  });

  it("rebuilds a foreign-currency refund from shop-money parts", () => {
    const payload = {
      admin_graphql_api_id: "gid://shopify/Refund/5",
      order_id: "9007199254740993",
      created_at: "2026-01-02T00:00:00Z",
      refund_line_items: [],
      refund_shipping_lines: [{ subtotal_amount_set: { shop_money: { amount: "10.80", currency_code: "USD" } } }],
      order_adjustments: [{ kind: "refund_discrepancy", amount_set: { shop_money: { amount: "-5.40", currency_code: "USD" } } }],
      transactions: [{ kind: "refund", status: "success", amount: "15.00", currency: "EUR" }],
    };
    expect(refundRecordFromPayload(payload, "USD")).toMatchObject({ orderId: "gid://shopify/Order/9007199254740993", shippingMinor: 1_080, transactionsMinor: 1_620, lineItemsMinor: 0 });
  });

  it("counts the tax refunded on shipping as shipping, not as money returned beyond it", () => {
    const usd = (amount: string) => ({ shop_money: { amount, currency_code: "USD" } });
    const payload = {
      admin_graphql_api_id: "gid://shopify/Refund/6",
      order_id: "42",
      created_at: "2026-01-02T00:00:00Z",
      refund_line_items: [],
      refund_shipping_lines: [{ subtotal_amount_set: usd("20.00"), tax_amount_set: usd("2.00") }],
      order_adjustments: [],
      transactions: [{ kind: "refund", status: "success", amount: "22.00", currency: "USD" }],
    };
    expect(refundRecordFromPayload(payload, "USD")).toMatchObject({ shippingMinor: 2_200, transactionsMinor: 2_200, lineItemsMinor: 0 });
  });
});

describe("compliance payloads", () => {
  it("turns numeric customer and order ids into exact GIDs", () => {
    const subject = complianceSubject(parseJsonLosslessly('{"shop_domain":"a.myshopify.com","customer":{"id":7300000000000000123,"email":"x@y.z"},"orders_to_redact":[1,9007199254740993]}'));
    expect(subject).toEqual({ customerGid: "gid://shopify/Customer/7300000000000000123", email: "x@y.z", orderGids: ["gid://shopify/Order/1", "gid://shopify/Order/9007199254740993"] });
  });
});
