// The webhook bodies of orders whose money is not simply "paid in full in the shop's currency":
// pending and authorized payments, captures and voids, gift cards, tips, duties, tax-inclusive
// prices and refunds in the buyer's currency. Values are checked against the store's inputs;
// shapes against Shopify's reference samples, as for every other payload.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SimStore } from "../store/store.ts";
import type { StoreChange } from "../store/types.ts";
import { payloadContext, payloadForChange } from "./payloads.ts";
import { shapeDifferences, type Leniency } from "./shape-differences.ts";
import { toWebhookJson } from "./webhook-json.ts";

const SHOP = "payload-money.myshopify.com";
const NOW = "2026-03-01T00:00:00.000Z";
const REFERENCE = join(import.meta.dirname, "../reference/webhooks");
const sample = (file: string): unknown => JSON.parse(readFileSync(join(REFERENCE, file), "utf8"));

// An order from the store carries only what it was given: no discount, no fulfillment yet, no
// staff attribution, and shipping only when asked; the fixture order elsewhere fills all of these.
const storeOrderLeniency: Leniency = {
  mayBeEmpty: ["$.line_items[].attributed_staffs", "$.discount_codes", "$.discount_applications", "$.fulfillments", "$.refunds", "$.line_items[].discount_allocations", "$.shipping_lines"],
  nullable: ["$.refunds[].user_id", "$.shipping_address", "$.billing_address", "$.customer", "$.closed_at", "$.cancel_reason", "$.cancelled_at"],
};
const refundLeniency: Leniency = { nullable: ["$.user_id"], mayBeEmpty: ["$.order_adjustments", "$.refund_shipping_lines"] };

function fresh(shop: { currency?: string; taxesIncluded?: boolean } = {}) {
  const store = new SimStore({ now: () => new Date(NOW) });
  store.createShop({ domain: SHOP, install: {}, ...shop });
  const changes: StoreChange[] = [];
  store.on("change", (c) => changes.push(c));
  const ctx = () => payloadContext(store.shop(SHOP).shop, SHOP);
  // Lines from a real product, bought by a customer with an email, as the samples' are.
  const product = store.createProduct(SHOP, { title: "Goods", variants: [{ sku: "GOODS-1", price: "1.00", inventory: 50 }] });
  const customer = store.createCustomer(SHOP, { email: "buyer@example.com", firstName: "Ada", lastName: "Byrne" });
  const item = (title: string, price: string, extra: Record<string, unknown> = {}) => ({ variantId: product.variants[0].id, title, price, quantity: 1, ...extra });
  /** What the app receives for the last change of this topic: the JSON text, parsed. */
  const last = (topic: StoreChange["topic"]) => {
    const change = changes.filter((c) => c.topic === topic).at(-1);
    if (!change) throw new Error(`no ${topic}`);
    return JSON.parse(toWebhookJson(payloadForChange(change, ctx())));
  };
  return { store, changes, last, item, customerId: customer.id };
}

describe("order payloads for money paid later, or never", () => {
  it("authorized, partly captured, then captured: financial_status and total_outstanding at each step", () => {
    const { store, customerId, item, last, changes } = fresh();
    const order = store.createOrder(SHOP, { customerId, lineItems: [item("Chair", "150.00")], financialStatus: "AUTHORIZED" });
    expect(last("orders/create")).toMatchObject({ financial_status: "authorized", total_outstanding: "150.00", payment_gateway_names: ["shopify_payments"] });
    store.captureOrder(SHOP, order.id, { amount: "50.00" });
    const partial = last("orders/updated");
    expect(partial).toMatchObject({ financial_status: "partially_paid", total_outstanding: "100.00" });
    expect(partial.transactions).toBeUndefined(); // Order webhooks carry no transactions list
    expect(changes.some((c) => c.topic === "orders/paid")).toBe(false);
    store.captureOrder(SHOP, order.id);
    const paid = last("orders/paid");
    expect(paid).toMatchObject({ financial_status: "paid", total_outstanding: "0.00" });
    expect(shapeDifferences(sample("orders_paid.json"), paid, storeOrderLeniency)).toEqual([]);
  });

  it("a voided authorization: orders/updated says voided, with nothing received", () => {
    const { store, customerId, item, last } = fresh();
    const order = store.createOrder(SHOP, { customerId, lineItems: [item("Chair", "150.00")], financialStatus: "AUTHORIZED" });
    store.voidAuthorization(SHOP, order.id);
    const updated = last("orders/updated");
    expect(updated).toMatchObject({ financial_status: "voided", cancelled_at: null });
    expect(shapeDifferences(sample("orders_updated.json"), updated, storeOrderLeniency)).toEqual([]);
  });

  it("cash on delivery and payment terms: pending with the whole total outstanding, then paid", () => {
    const { store, customerId, item, last } = fresh();
    const cod = store.createOrder(SHOP, { customerId, lineItems: [item("Rug", "75.00")], gateway: "Cash on Delivery (COD)" });
    expect(last("orders/create")).toMatchObject({ financial_status: "pending", total_outstanding: "75.00", payment_gateway_names: ["Cash on Delivery (COD)"], payment_terms: null });
    store.markOrderAsPaid(SHOP, cod.id);
    expect(last("orders/paid")).toMatchObject({ id: expect.anything(), financial_status: "paid", total_outstanding: "0.00" });

    const net = store.createOrder(SHOP, { customerId, lineItems: [item("Desk", "400.00")], paymentTerms: { type: "NET", dueInDays: 15 } });
    const placed = last("orders/create");
    expect(placed).toMatchObject({
      financial_status: "pending",
      total_outstanding: "400.00",
      payment_gateway_names: [],
      payment_terms: { payment_terms_name: "Net 15", payment_terms_type: "net", due_in_days: 15, payment_schedules: [{ amount: 400, completed_at: null }] },
    });
    expect(placed.payment_terms.payment_schedules[0].due_at).toBe("2026-03-15T20:00:00-04:00") // 15 days on, in the shop's zone (daylight time by then);
    store.markOrderAsPaid(SHOP, net.id);
    expect(last("orders/paid").payment_terms.payment_schedules[0].completed_at).not.toBeNull();
  });
});

describe("gift cards, tips, duties and tax-inclusive prices in order payloads", () => {
  it("gift_card lines, gift-card payments, tips and duties carry their amounts", () => {
    const { store, customerId, item, last } = fresh();
    store.createOrder(SHOP, {
      customerId,
      lineItems: [
        item("Gift card", "25.00", { giftCard: true }),
        item("Boots", "100.00", { duty: { amount: "12.00", harmonizedSystemCode: "640399", countryCodeOfOrigin: "IT" } }),
      ],
      tip: "5.00",
      giftCardAmount: "20.00",
    });
    const paid = last("orders/paid");
    expect(paid.line_items.map((l: { gift_card: boolean }) => l.gift_card)).toEqual([true, false]);
    expect(paid).toMatchObject({
      financial_status: "paid",
      total_price: "142.00", // 25 + 100 + 12 duties + 5 tip
      total_tip_received: "5.00",
      current_total_duties_set: { shop_money: { amount: "12.00", currency_code: "USD" } },
      original_total_duties_set: { shop_money: { amount: "12.00", currency_code: "USD" } },
      payment_gateway_names: ["gift_card", "shopify_payments"],
    });
    expect(paid.line_items[1].duties).toMatchObject([{ harmonized_system_code: "640399", country_code_of_origin: "IT", price_set: { shop_money: { amount: "12.00" } } }]);
    // Duties held against a real delivery's (the docs samples have none).
    const real = JSON.parse(readFileSync(join(REFERENCE, "exemplars_2025-04_anonymized/fulfillments_1.json"), "utf8"));
    // (No tax was charged on this duty, so its tax_lines are empty.)
    expect(shapeDifferences(real.line_items[0].duties, paid.line_items[1].duties, { mayBeEmpty: ["$[].tax_lines"] })).toEqual([]);
    expect(shapeDifferences(sample("orders_paid.json"), paid, storeOrderLeniency)).toEqual([]);
  });

  it("a tax-inclusive order says taxes_included, and its total is the prices", () => {
    const { store, customerId, item, last } = fresh({ currency: "GBP", taxesIncluded: true });
    store.createOrder(SHOP, { customerId, lineItems: [item("Kettle", "60.00")], taxRate: 0.2, taxTitle: "VAT" });
    expect(last("orders/create")).toMatchObject({ taxes_included: true, currency: "GBP", total_price: "60.00", total_tax: "10.00", subtotal_price: "60.00" });
  });
});

describe("refund payloads of an order in another currency", () => {
  it("transactions are in the buyer's currency; the *_set fields carry both", () => {
    const { store, customerId, item, last } = fresh();
    const order = store.createOrder(SHOP, { customerId, lineItems: [item("Lamp", "50.00")], presentmentCurrency: "EUR", taxRate: 0.1 });
    store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    const refund = last("refunds/create");
    expect(refund.transactions.map((t: { amount: string; currency: string; kind: string }) => [t.kind, t.amount, t.currency])).toEqual([["refund", "50.60", "EUR"]]); // 46.00 + 4.60 tax
    expect(refund.refund_line_items[0].subtotal_set).toEqual({ shop_money: { amount: "50.00", currency_code: "USD" }, presentment_money: { amount: "46.00", currency_code: "EUR" } });
    expect(refund.total_duties_set.shop_money.amount).toBe("0.00");
    expect(shapeDifferences(sample("refunds_create.json"), refund, refundLeniency)).toEqual([]);
    expect(last("orders/updated")).toMatchObject({ financial_status: "refunded", presentment_currency: "EUR", currency: "USD" });
  });

  it("a refunded duty is listed with its amount", () => {
    const { store, customerId, item, last } = fresh();
    const order = store.createOrder(SHOP, { customerId, lineItems: [item("Boots", "100.00", { quantity: 2, duty: { amount: "16.00" } })] });
    store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }], refundDuties: [{ dutyId: order.lineItems[0].duties[0].id, refundType: "PROPORTIONAL" }] });
    const refund = last("refunds/create");
    expect(refund.duties).toEqual([{ duty_id: Number(order.lineItems[0].duties[0].id), amount_set: { shop_money: { amount: "8.00", currency_code: "USD" }, presentment_money: { amount: "8.00", currency_code: "USD" } } }]);
    expect(refund.total_duties_set.shop_money.amount).toBe("8.00");
    expect(last("orders/updated")).toMatchObject({ current_total_duties_set: { shop_money: { amount: "8.00" } }, original_total_duties_set: { shop_money: { amount: "16.00" } } });
  });
});
