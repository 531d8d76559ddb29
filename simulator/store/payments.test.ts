// Money the way Shopify's orders hold it: paid later or never (pending, authorized, captured,
// voided, payment terms), gift cards bought and spent, tips, duties, tax-inclusive prices, and
// refunds of multi-currency orders. Expected amounts are worked out by hand from the inputs.
import { describe, expect, it } from "vitest";
import { SimStore } from "./store.ts";
import type { StoreChange } from "./types.ts";

const SHOP = "money-store.myshopify.com";
const NOW = "2026-03-01T00:00:00.000Z";

function fresh(shop: { currency?: string; taxesIncluded?: boolean } = {}) {
  const store = new SimStore({ now: () => new Date(NOW) });
  store.createShop({ domain: SHOP, install: {}, ...shop });
  const changes: StoreChange[] = [];
  store.on("change", (c) => changes.push(c));
  const topics = () => changes.map((c) => c.topic).filter((t) => t.startsWith("orders/"));
  return { store, changes, topics };
}

const shopAmount = (bag: { shopMoney: { amount: string } } | null) => bag?.shopMoney.amount ?? null;
const line = (price: string, extra: Record<string, unknown> = {}) => ({ title: "Mug", price, quantity: 1, requiresShipping: false, ...extra });

describe("payments after the order is placed", () => {
  it("an authorization captured in two parts: partially paid and orders/updated, then paid and orders/paid once", () => {
    const { store, topics } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("100.00")], financialStatus: "AUTHORIZED" });
    expect(order.financialStatus).toBe("AUTHORIZED");
    expect(shopAmount(order.totalOutstandingSet)).toBe("100.00");
    expect(topics()).toEqual(["orders/create"]);

    store.captureOrder(SHOP, order.id, { amount: "40.00" });
    expect(order.financialStatus).toBe("PARTIALLY_PAID");
    expect(shopAmount(order.totalReceivedSet)).toBe("40.00");
    expect(shopAmount(order.totalOutstandingSet)).toBe("60.00");
    expect(topics()).toEqual(["orders/create", "orders/updated"]);

    expect(() => store.captureOrder(SHOP, order.id, { amount: "60.01" })).toThrow(/capture amount/);
    store.captureOrder(SHOP, order.id);
    expect(order.financialStatus).toBe("PAID");
    expect(shopAmount(order.totalOutstandingSet)).toBe("0.00");
    expect(topics()).toEqual(["orders/create", "orders/updated", "orders/paid", "orders/updated"]);
    const auth = order.transactions.find((t) => t.kind === "AUTHORIZATION")!;
    expect(order.transactions.filter((t) => t.kind === "CAPTURE").map((t) => [t.parentId, t.amountSet.shopMoney.amount])).toEqual([[auth.id, "40.00"], [auth.id, "60.00"]]);
  });

  it("an authorization voided: the order is voided, reported by orders/updated alone, and nothing can be captured", () => {
    const { store, topics } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("80.00")], financialStatus: "AUTHORIZED" });
    store.voidAuthorization(SHOP, order.id);
    expect(order.financialStatus).toBe("VOIDED");
    expect(order.cancelledAt).toBeNull();
    expect(shopAmount(order.totalReceivedSet)).toBe("0.00");
    expect(order.transactions.map((t) => t.kind)).toEqual(["AUTHORIZATION", "VOID"]);
    expect(topics()).toEqual(["orders/create", "orders/updated"]);
    expect(() => store.captureOrder(SHOP, order.id)).toThrow(/no authorization/);
  });

  it("cash on delivery: placed pending with a pending sale, counted as received only when marked paid", () => {
    const { store, topics } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("55.00")], gateway: "Cash on Delivery (COD)" });
    expect(order.financialStatus).toBe("PENDING");
    expect(order.transactions.map((t) => [t.kind, t.status, t.gateway, t.manualPaymentGateway])).toEqual([["SALE", "PENDING", "Cash on Delivery (COD)", true]]);
    expect(shopAmount(order.totalReceivedSet)).toBe("0.00");
    expect(shopAmount(order.totalOutstandingSet)).toBe("55.00");
    expect(topics()).toEqual(["orders/create"]);

    store.markOrderAsPaid(SHOP, order.id);
    expect(order.financialStatus).toBe("PAID");
    expect(order.transactions.at(-1)).toMatchObject({ kind: "SALE", status: "SUCCESS", gateway: "Cash on Delivery (COD)" });
    expect(topics()).toEqual(["orders/create", "orders/paid", "orders/updated"]);
    expect(() => store.markOrderAsPaid(SHOP, order.id)).toThrow(/nothing outstanding/);
  });

  it("payment terms: pending with a due date until paid, then completed", () => {
    const { store, topics } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("300.00")], paymentTerms: { type: "NET", dueInDays: 30 } });
    expect(order.financialStatus).toBe("PENDING");
    expect(order.transactions).toEqual([]);
    expect(order.paymentTerms).toMatchObject({ paymentTermsType: "NET", paymentTermsName: "Net 30", dueInDays: 30, dueAt: "2026-03-31T00:00:00.000Z", completedAt: null });
    expect(() => store.captureOrder(SHOP, order.id)).toThrow(/no authorization/);
    store.payOrder(SHOP, order.id, { at: "2026-03-20T00:00:00.000Z" });
    expect(order.financialStatus).toBe("PAID");
    expect(order.paymentTerms!.completedAt).toBe("2026-03-20T00:00:00.000Z");
    expect(order.transactions[0]).toMatchObject({ kind: "SALE", gateway: "manual", status: "SUCCESS" });
    expect(topics()).toEqual(["orders/create", "orders/paid", "orders/updated"]);
  });
});

describe("gift cards, tips and duties", () => {
  it("a gift card bought is a gift-card line that neither ships nor pays tax", () => {
    const { store } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("50.00", { giftCard: true, requiresShipping: undefined }), { title: "Scarf", price: "30.00", quantity: 1 }], taxRate: 0.1 });
    const [card, scarf] = order.lineItems;
    expect(card).toMatchObject({ giftCard: true, taxable: false, requiresShipping: false, taxLines: [] });
    expect(scarf.giftCard).toBe(false);
    expect(shopAmount(order.totalTaxSet)).toBe("3.00"); // 10% of the scarf only
    expect(shopAmount(order.totalPriceSet)).toBe("83.00");
    expect(order.fulfillmentOrders[0].lineItems.map((l) => l.lineItemId)).toEqual([scarf.id]);
  });

  it("a gift card spent is a gift_card sale; refunds go back to the card first, then to the gift card", () => {
    const { store } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("40.00"), line("60.00")], giftCardAmount: "30.00" });
    expect(order.transactions.map((t) => [t.kind, t.gateway, t.amountSet.shopMoney.amount])).toEqual([["SALE", "gift_card", "30.00"], ["SALE", "shopify_payments", "70.00"]]);
    expect(order.financialStatus).toBe("PAID");
    const [gift, card] = order.transactions;
    const first = store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[1].id, quantity: 1 }] });
    expect(first.transactions.map((t) => [t.gateway, t.parentId, t.amountSet.shopMoney.amount])).toEqual([["shopify_payments", card.id, "60.00"]]);
    const second = store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    expect(second.transactions.map((t) => [t.gateway, t.parentId, t.amountSet.shopMoney.amount])).toEqual([["shopify_payments", card.id, "10.00"], ["gift_card", gift.id, "30.00"]]);
    expect(order.financialStatus).toBe("REFUNDED");
  });

  it("an order paid entirely by gift card is paid and reports orders/paid", () => {
    const { store, topics } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("25.00")], giftCardAmount: "40.00" });
    expect(order.transactions.map((t) => [t.gateway, t.amountSet.shopMoney.amount])).toEqual([["gift_card", "25.00"]]);
    expect(order.financialStatus).toBe("PAID");
    expect(topics()).toEqual(["orders/create", "orders/paid"]);
  });

  it("a tip is in the total, and received only with the payment", () => {
    const { store } = fresh();
    const paid = store.createOrder(SHOP, { lineItems: [line("20.00")], tip: "3.00" });
    expect(shopAmount(paid.totalPriceSet)).toBe("23.00");
    expect(shopAmount(paid.totalTipReceivedSet)).toBe("3.00");
    const pending = store.createOrder(SHOP, { lineItems: [line("20.00")], tip: "3.00", gateway: "manual" });
    expect(shopAmount(pending.totalOutstandingSet)).toBe("23.00");
    expect(shopAmount(pending.totalTipReceivedSet)).toBe("0.00");
    store.markOrderAsPaid(SHOP, pending.id);
    expect(shopAmount(pending.totalTipReceivedSet)).toBe("3.00");
  });

  it("duties are charged per line, counted in the totals, and refunded in proportion or in full", () => {
    const { store } = fresh();
    const order = store.createOrder(SHOP, {
      lineItems: [
        { title: "Boots", price: "100.00", quantity: 2, duty: { amount: "16.00", harmonizedSystemCode: "640399", countryCodeOfOrigin: "IT" } },
        line("10.00"),
      ],
    });
    const [boots] = order.lineItems;
    expect(boots.duties).toMatchObject([{ harmonizedSystemCode: "640399", countryCodeOfOrigin: "IT", priceSet: { shopMoney: { amount: "16.00" } } }]);
    expect(shopAmount(order.originalTotalDutiesSet)).toBe("16.00");
    expect(shopAmount(order.totalPriceSet)).toBe("226.00"); // 200 + 10 + 16 duties
    const plain = store.createOrder(SHOP, { lineItems: [line("10.00")] });
    expect(plain.originalTotalDutiesSet).toBeNull();
    expect(plain.currentTotalDutiesSet).toBeNull();

    const refund = store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: boots.id, quantity: 1 }], refundDuties: [{ dutyId: boots.duties[0].id, refundType: "PROPORTIONAL" }] });
    expect(refund.duties.map((d) => d.amountSet.shopMoney.amount)).toEqual(["8.00"]);
    expect(shopAmount(refund.totalRefundedSet)).toBe("108.00");
    expect(shopAmount(order.currentTotalDutiesSet)).toBe("8.00");
    expect(shopAmount(order.originalTotalDutiesSet)).toBe("16.00");
    expect(shopAmount(order.currentTotalPriceSet)).toBe("118.00");

    const rest = store.refundOrderFully(SHOP, order.id);
    expect(rest.duties.map((d) => d.amountSet.shopMoney.amount)).toEqual(["8.00"]);
    expect(shopAmount(order.currentTotalDutiesSet)).toBe("0.00");
    expect(order.financialStatus).toBe("REFUNDED");
  });
});

describe("tax-inclusive shops", () => {
  it("prices include tax: the tax is the part of the price, not added to it, and refunds return the price", () => {
    const { store } = fresh({ currency: "EUR", taxesIncluded: true });
    expect(store.shop(SHOP).shop.taxesIncluded).toBe(true);
    const order = store.createOrder(SHOP, { lineItems: [{ title: "Lamp", price: "120.00", quantity: 1 }], shipping: { price: "6.00" }, taxShipping: true, taxRate: 0.2, taxTitle: "VAT" });
    expect(order.taxesIncluded).toBe(true);
    expect(order.lineItems[0].taxLines[0].priceSet.shopMoney.amount).toBe("20.00"); // 120 × 0.2 / 1.2
    expect(shopAmount(order.totalTaxSet)).toBe("21.00"); // + 1.00 of the 6.00 shipping
    expect(shopAmount(order.subtotalPriceSet)).toBe("120.00");
    expect(shopAmount(order.totalPriceSet)).toBe("126.00");
    expect(shopAmount(order.totalReceivedSet)).toBe("126.00");

    const refund = store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }], shipping: { full: true } });
    expect(refund.refundLineItems[0]).toMatchObject({ subtotalSet: { shopMoney: { amount: "120.00" } }, totalTaxSet: { shopMoney: { amount: "20.00" } } });
    expect(shopAmount(refund.totalRefundedSet)).toBe("126.00");
    expect(order.financialStatus).toBe("REFUNDED");
    expect(shopAmount(order.currentTotalPriceSet)).toBe("0.00");
  });

  it("an order follows its shop unless it says otherwise", () => {
    const { store } = fresh({ taxesIncluded: true });
    const inclusive = store.createOrder(SHOP, { lineItems: [line("110.00")], taxRate: 0.1 });
    expect(inclusive.taxesIncluded).toBe(true);
    expect(shopAmount(inclusive.totalPriceSet)).toBe("110.00");
    expect(shopAmount(inclusive.totalTaxSet)).toBe("10.00");
    const exclusive = store.createOrder(SHOP, { lineItems: [line("100.00")], taxRate: 0.1, taxesIncluded: false });
    expect(exclusive.taxesIncluded).toBe(false);
    expect(shopAmount(exclusive.totalPriceSet)).toBe("110.00");
    expect(shopAmount(exclusive.totalTaxSet)).toBe("10.00");
  });
});

describe("refunds of an order in another currency", () => {
  it("refund transactions carry the buyer's currency beside the shop's, and amounts can be given in either", () => {
    const { store } = fresh();
    // USD shop, EUR buyer: 0.92 EUR per USD.
    const order = store.createOrder(SHOP, { lineItems: [line("50.00"), line("50.00")], presentmentCurrency: "EUR" });
    expect(order.totalPriceSet.presentmentMoney).toEqual({ amount: "92.00", currencyCode: "EUR" });
    const byLine = store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    expect(byLine.transactions[0].amountSet).toEqual({ shopMoney: { amount: "50.00", currencyCode: "USD" }, presentmentMoney: { amount: "46.00", currencyCode: "EUR" } });
    const inEuros = store.refundOrder(SHOP, order.id, { amount: "23.00", currency: "EUR" });
    expect(inEuros.transactions[0].amountSet).toEqual({ shopMoney: { amount: "25.00", currencyCode: "USD" }, presentmentMoney: { amount: "23.00", currencyCode: "EUR" } });
    expect(order.totalRefundedSet.presentmentMoney.amount).toBe("69.00");
    expect(() => store.refundOrder(SHOP, order.id, { amount: "1.00", currency: "GBP" })).toThrow(/USD or EUR/);
  });
});

describe("cancelling after a payment change", () => {
  it("cancelling an order whose authorization was voided voids nothing twice", () => {
    const { store } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [line("80.00")], financialStatus: "AUTHORIZED" });
    store.voidAuthorization(SHOP, order.id);
    store.cancelOrder(SHOP, order.id, { reason: "CUSTOMER" });
    expect(order.transactions.map((t) => t.kind)).toEqual(["AUTHORIZATION", "VOID"]);
    expect(order.financialStatus).toBe("VOIDED");
  });
});
