import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  type FinancialStatus,
  applyLedgerEvent,
  canonicalLedger,
  EMPTY_LEDGER,
  ordersOfCustomer,
  reduceLedger,
  touchedCustomerIds,
  type LedgerEvent,
} from "./order-ledger.ts";
import { qualifyingSpend, qualifyingSpendByCustomer } from "./qualifying-spend.ts";
import { evaluateTier, INITIAL_MEMBER_STATE } from "./tier-evaluation.ts";
import { DEFAULT_TIER_RULES } from "./tier-rules.ts";
import { planTierTags } from "./tier-tags.ts";
import { at, orderEvent, refundEvent } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-02-01T00:00:00Z");

describe("order ledger", () => {
  it("keeps the newest version of an order by updatedAt", () => {
    const v1 = orderEvent({ id: "o1", total: "100.00", updatedAt: "2025-01-10T10:00:00Z" });
    const v2 = orderEvent({ id: "o1", total: "80.00", updatedAt: "2025-01-10T10:00:01Z" });
    expect(reduceLedger([v1, v2]).orders.o1.snapshot?.currentTotalMinor).toBe(8000);
    expect(reduceLedger([v2, v1]).orders.o1.snapshot?.currentTotalMinor).toBe(8000);
  });

  it("treats an identical version as a duplicate and returns the same ledger object", () => {
    const v1 = orderEvent({ id: "o1", total: "100.00" });
    const once = reduceLedger([v1]);
    expect(applyLedgerEvent(once, v1)).toBe(once);
  });

  it("picks the same winner among different versions with the same updatedAt, whatever the order", () => {
    const same = "2025-01-10T10:00:00Z";
    const a = orderEvent({ id: "o1", total: "100.00", updatedAt: same });
    const b = orderEvent({ id: "o1", total: "90.00", updatedAt: same });
    const c = orderEvent({ id: "o1", total: "100.00", updatedAt: same, cancelledAt: same });
    expect(reduceLedger([a, b]).orders.o1.snapshot?.currentTotalMinor).toBe(9000);
    expect(reduceLedger([b, a]).orders.o1.snapshot?.currentTotalMinor).toBe(9000);
    expect(reduceLedger([a, c, b]).orders.o1.snapshot?.cancelledAt).toEqual(at(same));
    expect(reduceLedger([b, c, a]).orders.o1.snapshot?.cancelledAt).toEqual(at(same));
  });

  it("among versions of the same second, the one further along in payment wins, whatever the order", () => {
    const placed = orderEvent({ id: "o1", updatedAt: "2025-01-10T10:00:00Z", total: 100 });
    if (placed.type !== "order") throw new Error("an order event");
    const version = (financialStatus: FinancialStatus) => ({ type: "order" as const, order: { ...placed.order, financialStatus } });
    // A capture and the authorization it settles can carry the same updated_at second; so can a void.
    for (const [earlier, later] of [["authorized", "paid"], ["pending", "paid"], ["paid", "partially_refunded"], ["authorized", "voided"]] as const) {
      for (const events of [[version(earlier), version(later)], [version(later), version(earlier)]]) {
        expect(reduceLedger(events).orders.o1.snapshot?.financialStatus).toBe(later);
      }
    }
  });

  it("keeps a refund that arrives before its order and applies it when the order arrives", () => {
    const refund = refundEvent({ id: "r1", order: "o1", money: "30.00" });
    const early = reduceLedger([refund]);
    expect(early.orders.o1).toMatchObject({ snapshot: null, deleted: false });
    expect(qualifyingSpend(early, "c1", rules, NOW).qualifyingSpendMinor).toBe(0);
    const order = orderEvent({ id: "o1", total: "100.00" });
    expect(qualifyingSpend(reduceLedger([refund, order]), "c1", rules, NOW).qualifyingSpendMinor).toBe(7000);
  });

  it("keys refunds by refundId: a duplicate changes nothing, distinct refunds both count", () => {
    const order = orderEvent({ id: "o1", total: "100.00" });
    const r1 = refundEvent({ id: "r1", order: "o1", money: "10.00" });
    const r2 = refundEvent({ id: "r2", order: "o1", money: "10.00" });
    const ledger = reduceLedger([order, r1]);
    expect(applyLedgerEvent(ledger, r1)).toBe(ledger);
    expect(qualifyingSpend(reduceLedger([order, r1, r2, r1]), "c1", rules, NOW).qualifyingSpendMinor).toBe(8000);
  });

  it("treats a deleted order as gone for good: later versions and refunds are ignored", () => {
    const order = orderEvent({ id: "o1", total: "100.00" });
    const late = orderEvent({ id: "o1", total: "100.00", updatedAt: "2025-01-30T00:00:00Z" });
    const refund = refundEvent({ id: "r1", order: "o1", money: "10.00" });
    const deleted: LedgerEvent = { type: "order_deleted", orderId: "o1" };
    const ledger = reduceLedger([order, refund, deleted, late, refund]);
    expect(ledger.orders.o1).toEqual({ orderId: "o1", snapshot: null, deleted: true, refunds: {} });
    expect(qualifyingSpend(ledger, "c1", rules, NOW).qualifyingSpendMinor).toBe(0);
    expect(canonicalLedger(reduceLedger([deleted, late, order]))).toEqual(canonicalLedger(ledger));
  });

  it("forgets a redacted customer: their orders count for nobody, even ones arriving later", () => {
    const order = orderEvent({ id: "o1", total: "600.00" });
    const later = orderEvent({ id: "o2", total: "50.00" });
    const redacted: LedgerEvent = { type: "customer_redacted", customerId: "c1" };
    const ledger = reduceLedger([order, redacted, later]);
    expect(qualifyingSpendByCustomer(ledger, rules, NOW).size).toBe(0);
    expect(qualifyingSpend(ledger, "c1", rules, NOW).qualifyingSpendMinor).toBe(0);
    expect(ordersOfCustomer(ledger, "c1")).toEqual([]);
  });

  it("moves an order between customers when a newer version names another customer", () => {
    const v1 = orderEvent({ id: "o1", customer: "c1", total: "600.00" });
    const v2 = orderEvent({ id: "o1", customer: "c2", total: "600.00", updatedAt: "2025-01-11T00:00:00Z" });
    const ledger = reduceLedger([v1]);
    expect(touchedCustomerIds(ledger, v2)).toEqual(["c1", "c2"]);
    const moved = applyLedgerEvent(ledger, v2);
    expect(qualifyingSpend(moved, "c1", rules, NOW).qualifyingSpendMinor).toBe(0);
    expect(qualifyingSpend(moved, "c2", rules, NOW).qualifyingSpendMinor).toBe(60000);
  });

  it("reports the touched customers of refunds, deletions and redactions", () => {
    const ledger = reduceLedger([orderEvent({ id: "o1", total: "10.00" })]);
    expect(touchedCustomerIds(ledger, refundEvent({ id: "r1", order: "o1", money: "1.00" }))).toEqual(["c1"]);
    expect(touchedCustomerIds(ledger, refundEvent({ id: "r1", order: "unknown", money: "1.00" }))).toEqual([]);
    expect(touchedCustomerIds(ledger, { type: "order_deleted", orderId: "o1" })).toEqual(["c1"]);
    expect(touchedCustomerIds(ledger, { type: "customer_redacted", customerId: "c9" })).toEqual(["c9"]);
    expect(touchedCustomerIds(ledger, orderEvent({ id: "o2", customer: null, total: "1.00" }))).toEqual([]);
  });

  it("never mutates its input", () => {
    const ledger = reduceLedger([orderEvent({ id: "o1", total: "10.00" })]);
    const before = JSON.stringify(ledger);
    applyLedgerEvent(ledger, refundEvent({ id: "r1", order: "o1", money: "1.00" }));
    applyLedgerEvent(ledger, { type: "order_deleted", orderId: "o1" });
    applyLedgerEvent(ledger, { type: "customer_redacted", customerId: "c1" });
    expect(JSON.stringify(ledger)).toBe(before);
    expect(EMPTY_LEDGER).toEqual({ orders: {}, redactedCustomerIds: {} });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: any reordering and any duplication of the same webhooks gives the same ledger, spend,
// tier and tags.

const customers = ["c1", "c2", "c3"] as const;

const versionArb = fc.record({
  customer: fc.constantFrom<string | null>(...customers, null),
  // Few distinct seconds, so same-updatedAt conflicts with different content do occur.
  updatedSecond: fc.integer({ min: 0, max: 4 }),
  processedDay: fc.integer({ min: 0, max: 400 }),
  total: fc.integer({ min: 0, max: 400_000 }),
  shipping: fc.integer({ min: 0, max: 2_000 }),
  tax: fc.integer({ min: 0, max: 20_000 }),
  cancelled: fc.boolean(),
  test: fc.boolean(),
});

const refundArb = fc.record({
  orderIndex: fc.integer({ min: 0, max: 3 }),
  money: fc.integer({ min: 0, max: 100_000 }),
  lineItems: fc.integer({ min: 0, max: 100_000 }),
  shipping: fc.integer({ min: 0, max: 2_000 }),
});

const eventSetArb = fc
  .record({
    orders: fc.array(fc.array(versionArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
    refunds: fc.array(refundArb, { maxLength: 5 }),
    deletions: fc.subarray([0, 1, 2, 3], { maxLength: 1 }),
    redactions: fc.subarray([...customers], { maxLength: 1 }),
  })
  .map(({ orders, refunds, deletions, redactions }) => {
    const events: LedgerEvent[] = [];
    const base = Date.UTC(2024, 0, 1);
    orders.forEach((versions, i) => {
      for (const v of versions) {
        const processedAt = new Date(base + v.processedDay * 86_400_000);
        events.push({
          type: "order",
          order: {
            orderId: `o${i}`,
            customerId: v.customer,
            processedAt,
            updatedAt: new Date(Date.UTC(2025, 0, 20, 0, 0, v.updatedSecond)),
            currency: "USD",
            currentTotalMinor: v.total,
            currentShippingMinor: Math.min(v.shipping, v.total),
            currentTaxMinor: v.tax,
            cancelledAt: v.cancelled ? new Date(Date.UTC(2025, 0, 20)) : null,
            test: v.test,
          },
        });
      }
    });
    refunds.forEach((r, i) => {
      events.push({
        type: "refund",
        refund: {
          refundId: `r${i}`,
          orderId: `o${r.orderIndex}`,
          createdAt: new Date(Date.UTC(2025, 0, 21)),
          currency: "USD",
          transactionsMinor: r.money,
          lineItemsMinor: r.lineItems,
          shippingMinor: Math.min(r.shipping, r.money),
        },
      });
    });
    for (const i of deletions) events.push({ type: "order_deleted", orderId: `o${i}` });
    for (const c of redactions) events.push({ type: "customer_redacted", customerId: c });
    return events;
  });

/** The same events, shuffled, with some delivered more than once. */
const deliveriesArb = eventSetArb.chain((events) =>
  fc.tuple(
    fc.constant(events),
    fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
    fc.array(fc.tuple(fc.nat(events.length - 1), fc.nat(events.length * 2)), { maxLength: 8 }),
  ).map(([original, shuffled, duplicates]) => {
    const delivered = [...shuffled];
    for (const [which, where] of duplicates) delivered.splice(where % (delivered.length + 1), 0, original[which]);
    return { original, delivered };
  }),
);

function outcomes(events: LedgerEvent[]) {
  const ledger = canonicalLedger(reduceLedger(events));
  return customers.map((customerId) => {
    const spend = qualifyingSpend(ledger, customerId, rules, NOW);
    const tier = evaluateTier({ spend, rules, state: INITIAL_MEMBER_STATE, now: NOW, cause: "order" }).tierKey;
    const tags = planTierTags({ currentTags: ["wholesale", "tierline:silver", "newsletter"], rules, tierKey: tier }).tags;
    return { customerId, spend, tier, tags };
  });
}

describe("order independence (property)", () => {
  it("any reordering and duplication yields the same ledger, spend, tier and tags", () => {
    fc.assert(
      fc.property(deliveriesArb, ({ original, delivered }) => {
        const expected = canonicalLedger(reduceLedger(original));
        const actual = canonicalLedger(reduceLedger(delivered));
        expect(actual).toEqual(expected);
        expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
        expect(outcomes(delivered)).toEqual(outcomes(original));
        expect(qualifyingSpendByCustomer(actual, rules, NOW)).toEqual(qualifyingSpendByCustomer(expected, rules, NOW));
      }),
      { numRuns: 500 },
    );
  });

  it("applying an event twice in a row is the same as once (idempotence)", () => {
    fc.assert(
      fc.property(eventSetArb, fc.nat(), (events, pick) => {
        const ledger = reduceLedger(events);
        const event = events[pick % events.length];
        const once = applyLedgerEvent(ledger, event);
        expect(canonicalLedger(applyLedgerEvent(once, event))).toEqual(canonicalLedger(once));
      }),
    );
  });
});
