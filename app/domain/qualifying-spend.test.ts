import { describe, expect, it } from "vitest";
import { reduceLedger } from "./order-ledger.ts";
import { emptySpendSummary, orderQualifyingSpend, qualifyingSpend, qualifyingSpendByCustomer } from "./qualifying-spend.ts";
import { DEFAULT_TIER_RULES, type TierRules } from "./tier-rules.ts";
import { at, orderEvent, refundEvent } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-06-01T00:00:00Z");

describe("qualifyingSpend", () => {
  const events = [
    orderEvent({ id: "o1", total: "100.00", processedAt: "2024-05-01T00:00:00Z" }), // out of the trailing window
    orderEvent({ id: "o2", total: "200.00", processedAt: "2024-07-01T00:00:00Z" }),
    orderEvent({ id: "o3", total: "300.00", processedAt: "2025-02-01T00:00:00Z" }),
    orderEvent({ id: "o4", customer: "c2", total: "50.00", processedAt: "2025-02-01T00:00:00Z" }),
  ];
  const ledger = reduceLedger(events);

  it("sums the orders in the trailing window and finds the oldest", () => {
    expect(qualifyingSpend(ledger, "c1", rules, NOW)).toEqual({
      customerId: "c1",
      currency: "USD",
      qualifyingSpendMinor: 50000,
      qualifyingOrderCount: 2,
      oldestQualifyingOrderAt: at("2024-07-01T00:00:00Z"),
    });
  });

  it("follows the window of the rules", () => {
    const year: TierRules = { ...rules, window: { kind: "calendar_year", timeZone: "UTC" } };
    expect(qualifyingSpend(ledger, "c1", year, NOW).qualifyingSpendMinor).toBe(30000);
    const lifetime: TierRules = { ...rules, window: { kind: "lifetime" } };
    expect(qualifyingSpend(ledger, "c1", lifetime, NOW).qualifyingSpendMinor).toBe(60000);
  });

  it("returns an empty summary for an unknown customer", () => {
    expect(qualifyingSpend(ledger, "nobody", rules, NOW)).toEqual(emptySpendSummary("nobody", "USD"));
  });

  it("computes every customer in one pass, sorted by id", () => {
    const all = qualifyingSpendByCustomer(ledger, rules, NOW);
    expect([...all.keys()]).toEqual(["c1", "c2"]);
    expect(all.get("c1")).toEqual(qualifyingSpend(ledger, "c1", rules, NOW));
    expect(all.get("c2")?.qualifyingSpendMinor).toBe(5000);
  });
});

describe("orderQualifyingSpend", () => {
  it("is zero for an order known only through its refunds", () => {
    const ledger = reduceLedger([refundEvent({ id: "r1", order: "o1", money: "5.00" })]);
    expect(orderQualifyingSpend(ledger.orders.o1, rules)).toBe(0);
  });

  it("excludes shipping and tax by default and includes them when asked", () => {
    const ledger = reduceLedger([orderEvent({ id: "o1", total: "118.00", shipping: "10.00", tax: "8.00" })]);
    expect(orderQualifyingSpend(ledger.orders.o1, rules)).toBe(10000);
    expect(orderQualifyingSpend(ledger.orders.o1, { ...rules, countShipping: true })).toBe(11000);
    expect(orderQualifyingSpend(ledger.orders.o1, { ...rules, countTax: true })).toBe(10800);
    expect(orderQualifyingSpend(ledger.orders.o1, { ...rules, countShipping: true, countTax: true })).toBe(11800);
  });

  it("works in zero-decimal currencies", () => {
    const yen = { ...rules, currency: "JPY" };
    const ledger = reduceLedger([
      orderEvent({ id: "o1", total: "12000.0", shipping: "800", tax: "1000", currency: "JPY" }),
      refundEvent({ id: "r1", order: "o1", money: "500", currency: "JPY" }),
    ]);
    expect(orderQualifyingSpend(ledger.orders.o1, yen)).toBe(12000 - 800 - 1000 - 500);
  });
});
