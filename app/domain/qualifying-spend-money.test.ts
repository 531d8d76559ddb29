// Money paid and kept: payment state, gift cards, tips, duties, tax-inclusive prices, refunded
// shipping and orders the rules cannot value. Expected values are worked out by hand from what the
// customer paid and got back, not by running the formula.
import { describe, expect, it } from "vitest";
import { applyLedgerEvent, EMPTY_LEDGER, reduceLedger, type LedgerEvent, type OrderSnapshot } from "./order-ledger.ts";
import { orderQualifyingSpend, qualifyingSpend, qualifyingSpendByCustomer, valueOrder } from "./qualifying-spend.ts";
import { DEFAULT_TIER_RULES, defaultTierRules, type TierRules } from "./tier-rules.ts";
import { at, orderEvent, refundEvent } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-02-01T00:00:00Z");

/** An order event with the payment and composition fields set (amounts in minor units). */
function order(base: Parameters<typeof orderEvent>[0], extra: Partial<OrderSnapshot>): LedgerEvent {
  const event = orderEvent(base);
  if (event.type !== "order") throw new Error("not an order");
  return { type: "order", order: { ...event.order, ...extra } };
}

const spendOf = (events: LedgerEvent[], r: TierRules = rules) => orderQualifyingSpend(reduceLedger(events).orders.o1, r);

describe("payment state: only money received counts", () => {
  it("pending, authorized-only, voided and expired orders count nothing; the paid version counts", () => {
    for (const financialStatus of ["pending", "authorized", "voided", "expired"] as const) {
      // Payment terms / cash on delivery: the whole total is still owed.
      const unpaid = order({ id: "o1", total: "250.00" }, { financialStatus, outstandingMinor: financialStatus === "voided" ? 0 : 25000 });
      expect({ financialStatus, spend: spendOf([unpaid]) }).toEqual({ financialStatus, spend: 0 });
    }
    const pending = order({ id: "o1", total: "250.00", updatedAt: "2025-01-10T10:00:00Z" }, { financialStatus: "pending", outstandingMinor: 25000 });
    const paid = order({ id: "o1", total: "250.00", updatedAt: "2025-01-12T09:00:00Z" }, { financialStatus: "paid", outstandingMinor: 0 });
    expect(spendOf([pending, paid])).toBe(25000);
    expect(spendOf([paid, pending])).toBe(25000); // a stale pending copy arriving late changes nothing
    expect(qualifyingSpend(reduceLedger([pending]), "c1", rules, NOW)).toMatchObject({ qualifyingSpendMinor: 0, qualifyingOrderCount: 0 });
    // A version stored before the status was recorded counts as paid, as it did.
    expect(spendOf([orderEvent({ id: "o1", total: "80.00" })])).toBe(8000);
  });

  it("a partly paid order counts the share received so far, growing with each payment", () => {
    // Items 100.00 + shipping 10.00 = 110.00; 55.00 received (half).
    const half = order({ id: "o1", total: "110.00", shipping: "10.00", updatedAt: "2025-01-10T10:00:00Z" }, { financialStatus: "partially_paid", outstandingMinor: 5500 });
    expect(spendOf([half])).toBe(5000); // half of the 100.00 of items
    expect(spendOf([half], { ...rules, countShipping: true })).toBe(5500); // every cent received
    // 82.50 received (three quarters): 75.00 of items.
    const more = order({ id: "o1", total: "110.00", shipping: "10.00", updatedAt: "2025-01-11T10:00:00Z" }, { financialStatus: "partially_paid", outstandingMinor: 2750 });
    expect(spendOf([half, more])).toBe(7500);
    const paid = order({ id: "o1", total: "110.00", shipping: "10.00", updatedAt: "2025-01-12T10:00:00Z" }, { financialStatus: "paid", outstandingMinor: 0 });
    expect(spendOf([more, paid, half])).toBe(10000);
  });

  it("edges: money owed to the customer does not scale; nothing received counts 0; huge amounts stay exact; rounding is down", () => {
    const owed = order({ id: "o1", total: "100.00" }, { financialStatus: "partially_refunded", outstandingMinor: -2000 });
    expect(spendOf([owed])).toBe(10000);
    const nothing = order({ id: "o1", total: "100.00" }, { financialStatus: "partially_paid", outstandingMinor: 10000 });
    expect(spendOf([nothing])).toBe(0);
    const overOwed = order({ id: "o1", total: "100.00" }, { financialStatus: "partially_paid", outstandingMinor: 20000 });
    expect(spendOf([overOwed])).toBe(0);
    // 1/3 received of 1.00 → 0.33 (down, never more than was received).
    const third = order({ id: "o1", total: "1.00" }, { financialStatus: "partially_paid", outstandingMinor: 67 });
    expect(spendOf([third])).toBe(33);
    // 90 trillion minor units, one received unit short: spend × received passes 2^53.
    const big = 90_000_000_000_000;
    const huge = order({ id: "o1", total: "900000000000.00" }, { financialStatus: "partially_paid", outstandingMinor: 1 });
    expect(spendOf([huge])).toBe(big - 1);
  });
});

describe("what the order holds besides the customer's purchases", () => {
  it("buying a gift card is not spend; paying with one is", () => {
    // A 50.00 gift card and a 100.00 sweater, paid by card: 150.00.
    const buys = order({ id: "o1", total: "150.00" }, { financialStatus: "paid", giftCardLinesMinor: 5000 });
    expect(spendOf([buys])).toBe(10000);
    expect(spendOf([buys], { ...rules, countShipping: true, countTax: true, countTips: true, countDuties: true })).toBe(10000);
    // Later the card pays for 60.00 of a 60.00 order: the gift-card transaction is part of the order's total.
    const redeems = order({ id: "o2", total: "60.00", processedAt: "2025-01-20T10:00:00Z" }, { financialStatus: "paid" });
    expect(qualifyingSpend(reduceLedger([buys, redeems]), "c1", rules, NOW).qualifyingSpendMinor).toBe(16000);
    // The card line returned and refunded: the current total and the card's current value both drop.
    const returned = order({ id: "o1", total: "100.00", updatedAt: "2025-01-15T10:00:00Z" }, { financialStatus: "partially_refunded", giftCardLinesMinor: 0 });
    const refund = refundEvent({ id: "r1", order: "o1", money: "50.00", lineItems: "50.00" });
    expect(spendOf([buys, returned, refund])).toBe(10000);
  });

  it("tips and duties are left out unless the merchant opts in", () => {
    // Items 100.00, tip 10.00, duties 20.00: 130.00 paid.
    const o = order({ id: "o1", total: "130.00" }, { financialStatus: "paid", tipMinor: 1000, dutiesMinor: 2000 });
    expect(spendOf([o])).toBe(10000);
    expect(spendOf([o], { ...rules, countTips: true })).toBe(11000);
    expect(spendOf([o], { ...rules, countDuties: true })).toBe(12000);
    expect(spendOf([o], { ...rules, countTips: true, countDuties: true })).toBe(13000);
  });
});

describe("tax-inclusive shops (EU, UK, AU): prices include tax", () => {
  const eur = defaultTierRules("EUR");
  // Coat €119.00 including 19% VAT (€19.00); shipping €11.90 including €1.90 VAT. Paid €130.90.
  const inclusive = order(
    { id: "o1", total: "130.90", shipping: "11.90", tax: "20.90", currency: "EUR" },
    { financialStatus: "paid", taxesIncluded: true, currentShippingTaxMinor: 190 },
  );
  // The same sale in a shop that adds tax: €100.00 + €10.00 shipping + €20.90 VAT.
  const exclusive = order(
    { id: "o1", total: "130.90", shipping: "10.00", tax: "20.90", currency: "EUR" },
    { financialStatus: "paid", taxesIncluded: false, currentShippingTaxMinor: 190 },
  );

  it("excluding tax subtracts the tax included in the prices, shipping's once", () => {
    expect(spendOf([inclusive], eur)).toBe(10000); // the coat without VAT
    expect(spendOf([inclusive], { ...eur, countTax: true })).toBe(11900); // the coat as priced
    expect(spendOf([inclusive], { ...eur, countShipping: true })).toBe(11000); // coat and shipping without VAT
    expect(spendOf([inclusive], { ...eur, countShipping: true, countTax: true })).toBe(13090); // everything paid
  });

  it("gives the same amounts as a shop that adds tax on top, under every setting", () => {
    for (const countShipping of [false, true]) {
      for (const countTax of [false, true]) {
        const r = { ...eur, countShipping, countTax };
        expect({ countShipping, countTax, spend: spendOf([inclusive], r) }).toEqual({ countShipping, countTax, spend: spendOf([exclusive], r) });
      }
    }
  });
});

describe("refunded shipping", () => {
  it("is subtracted once when shipping counts: spend = money received − money refunded − what the rules leave out", () => {
    // Paid 118.00: items 100.00, shipping 10.00, tax 8.00 (items' only). Shipping refunded in full (10.00),
    // then 5.00 of goodwill. Shopify's current totals then show 108.00 and shipping 0.00.
    const placed = order({ id: "o1", total: "118.00", shipping: "10.00", tax: "8.00", updatedAt: "2025-01-10T10:00:00Z" }, { financialStatus: "paid" });
    const after = order({ id: "o1", total: "108.00", shipping: "0.00", tax: "8.00", updatedAt: "2025-01-11T10:00:00Z" }, { financialStatus: "partially_refunded" });
    const shippingBack = refundEvent({ id: "r1", order: "o1", money: "10.00", shipping: "10.00" });
    const goodwill = refundEvent({ id: "r2", order: "o1", money: "5.00" });
    const received = 11800;
    const refunded = 1000 + 500;
    const tax = 800;
    const events = [placed, shippingBack, goodwill, after];
    expect(spendOf(events, { ...rules, countShipping: true, countTax: true })).toBe(received - refunded);
    expect(spendOf(events, { ...rules, countShipping: true })).toBe(received - refunded - tax);
    // Not counting shipping: the items less goodwill, as before.
    expect(spendOf(events)).toBe(10000 - 500);
  });
});

describe("orders the rules cannot value", () => {
  const euroOrder = orderEvent({ id: "o2", total: "70.00", currency: "EUR" });
  const dollars = orderEvent({ id: "o1", total: "600.00" });

  it("are left out and reported, never thrown, wherever they sit in the window", () => {
    const ledger = reduceLedger([dollars, euroOrder, orderEvent({ id: "o3", total: "20.00", currency: "CAD", processedAt: "2020-01-01T00:00:00Z" })]);
    expect(qualifyingSpend(ledger, "c1", rules, NOW)).toMatchObject({ qualifyingSpendMinor: 60000, qualifyingOrderCount: 1 });
    expect(qualifyingSpendByCustomer(ledger, rules, NOW).get("c1")?.qualifyingSpendMinor).toBe(60000);
    expect(valueOrder(ledger.orders.o2, rules)).toEqual({ kind: "unvalued", reason: "order o2 is in EUR, the tier rules in USD" });
    expect(valueOrder(ledger.orders.o1, rules)).toEqual({ kind: "valued", spendMinor: 60000 });
  });

  it("a refund in another currency makes its order unvalued", () => {
    const ledger = reduceLedger([dollars, refundEvent({ id: "r1", order: "o1", money: "5.00", currency: "EUR" })]);
    expect(valueOrder(ledger.orders.o1, rules)).toEqual({ kind: "unvalued", reason: "refund r1 is in EUR, the tier rules in USD" });
    expect(() => qualifyingSpend(ledger, "c1", rules, NOW)).not.toThrow();
  });
});

describe("versions with payment state", () => {
  it("an identical copy is a duplicate; a copy differing only in payment state wins the same way in either order", () => {
    const a = order({ id: "o1", total: "50.00" }, { financialStatus: "pending", outstandingMinor: 5000 });
    const b = order({ id: "o1", total: "50.00" }, { financialStatus: "paid", outstandingMinor: 0 });
    const once = applyLedgerEvent(EMPTY_LEDGER, a);
    expect(applyLedgerEvent(once, structuredClone(a))).toBe(once);
    expect(reduceLedger([a, b])).toEqual(reduceLedger([b, a]));
    // A stored version without the new fields equals one carrying their defaults.
    const legacy = orderEvent({ id: "o9", total: "5.00" });
    const defaults = order({ id: "o9", total: "5.00" }, { financialStatus: null, outstandingMinor: 0, giftCardLinesMinor: 0, tipMinor: 0, dutiesMinor: 0, taxesIncluded: false, currentShippingTaxMinor: 0 });
    const stored = applyLedgerEvent(EMPTY_LEDGER, legacy);
    expect(applyLedgerEvent(stored, defaults)).toBe(stored);
  });
});
