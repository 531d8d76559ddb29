/**
 * The merchant's spend adjustments as ledger entries: idempotent, order-independent, counted in the
 * window but never as orders, clamped at zero, and a negative one is a reversal (no grace).
 * Default rules: USD, Bronze 0 / Silver 500.00 / Gold 2000.01, trailing 365 days, grace 30 days.
 */
import { describe, expect, it } from "vitest";
import { at, orderEvent } from "../../tests/support/ledger-test-events.ts";
import { canonicalLedger, reduceLedger, touchedCustomerIds, EMPTY_LEDGER, type LedgerEvent } from "./order-ledger.ts";
import { qualifyingSpend, qualifyingSpendByCustomer } from "./qualifying-spend.ts";
import { spendBeforeReversals } from "./spend-before-reversals.ts";
import { nextTierReviewAt } from "./tier-review-date.ts";
import { evaluateTier, type MemberTierState } from "./tier-evaluation.ts";
import { DEFAULT_TIER_RULES as rules, parseTierRules } from "./tier-rules.ts";

const adjust = (id: string, amountMinor: number, effectiveAt = "2026-10-01T10:00:00Z", customerId = "c1", currency = "USD"): LedgerEvent => ({
  type: "adjustment",
  adjustment: { adjustmentId: id, customerId, amountMinor, currency, effectiveAt: at(effectiveAt) },
});
const NOW = at("2026-11-01T00:00:00Z");
const order = orderEvent({ id: "o1", processedAt: "2026-09-01T10:00:00Z", total: "600.00" });

describe("spend adjustments in the ledger", () => {
  it("adds to spend without counting as an order", () => {
    const spend = qualifyingSpend(reduceLedger([order, adjust("a1", 150_000)]), "c1", rules, NOW);
    expect(spend.qualifyingSpendMinor).toBe(60_000 + 150_000);
    expect(spend.qualifyingOrderCount).toBe(1);
  });

  it("is idempotent and independent of arrival order", () => {
    const events = [order, adjust("a1", 150_000), adjust("a2", -20_000)];
    const once = canonicalLedger(reduceLedger(events));
    expect(canonicalLedger(reduceLedger([...events].reverse()))).toEqual(once);
    expect(canonicalLedger(reduceLedger([...events, adjust("a1", 150_000), ...events]))).toEqual(once);
    expect(qualifyingSpend(reduceLedger([...events, adjust("a1", 150_000)]), "c1", rules, NOW).qualifyingSpendMinor).toBe(60_000 + 130_000);
  });

  it("leaves the window as an order of the same date would, and moves the review date", () => {
    const ledger = reduceLedger([adjust("a1", 80_000, "2025-11-10T00:00:00Z")]);
    expect(qualifyingSpend(ledger, "c1", rules, at("2026-11-09T23:59:59Z")).qualifyingSpendMinor).toBe(80_000);
    expect(qualifyingSpend(ledger, "c1", rules, at("2026-11-10T00:00:00Z")).qualifyingSpendMinor).toBe(0);
    const spend = qualifyingSpend(ledger, "c1", rules, NOW);
    const state: MemberTierState = { tierKey: "silver", tierSince: at("2025-11-10T00:00:00Z"), grace: null, pin: null };
    expect(nextTierReviewAt({ spend, rules, state, now: NOW })).toEqual(at("2026-11-10T00:00:00Z"));
  });

  it("never takes the total below zero, counts nothing in another currency, nothing for a redacted customer", () => {
    expect(qualifyingSpend(reduceLedger([order, adjust("a1", -90_000)]), "c1", rules, NOW).qualifyingSpendMinor).toBe(0);
    expect(qualifyingSpend(reduceLedger([order, adjust("a1", 90_000, undefined, "c1", "EUR")]), "c1", rules, NOW).qualifyingSpendMinor).toBe(60_000);
    const redacted = reduceLedger([adjust("a1", 90_000), { type: "customer_redacted", customerId: "c1" }]);
    expect(qualifyingSpend(redacted, "c1", rules, NOW).qualifyingSpendMinor).toBe(0);
    expect(touchedCustomerIds(EMPTY_LEDGER, adjust("a1", 1))).toEqual(["c1"]);
  });

  it("is counted the same one customer at a time and shop-wide (previews, backfills)", () => {
    const ledger = reduceLedger([order, adjust("a1", 150_000), adjust("a2", 5_000, undefined, "c2")]);
    const all = qualifyingSpendByCustomer(ledger, rules, NOW);
    expect(all.get("c1")).toEqual(qualifyingSpend(ledger, "c1", rules, NOW));
    expect(all.get("c2")?.qualifyingSpendMinor).toBe(5_000);
    expect(all.get("c2")?.qualifyingOrderCount).toBe(0);
  });

  it("does not meet a minimum-orders rule on its own", () => {
    const parsed = parseTierRules({ ...rules, tiers: rules.tiers.map((t) => (t.key === "silver" ? { ...t, minOrders: 2 } : t)) });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const ledger = reduceLedger([order, adjust("a1", 10_000)]);
    const spend = qualifyingSpend(ledger, "c1", parsed.rules, NOW);
    const decision = evaluateTier({ spend, rules: parsed.rules, state: { tierKey: null, tierSince: null, grace: null, pin: null }, now: NOW, cause: "manual" });
    expect(decision.tierKey).toBe("bronze");
  });

  it("a positive adjustment that lifts a member is kept through aging with grace; a negative one takes the tier back at once", () => {
    const gold: MemberTierState = { tierKey: "gold", tierSince: at("2026-10-01T10:00:00Z"), grace: null, pin: null };
    const lifted = reduceLedger([order, adjust("a1", 150_000)]);
    const spendBefore = qualifyingSpend(lifted, "c1", rules, NOW).qualifyingSpendMinor;
    const corrected = reduceLedger([order, adjust("a1", 150_000), adjust("a2", -150_000)]);
    const spend = qualifyingSpend(corrected, "c1", rules, NOW);
    const decision = evaluateTier({ spend, spendBeforeReversals: spendBeforeReversals(corrected, "c1", rules, NOW), previousSpendMinor: spendBefore, rules, state: gold, now: NOW, cause: "manual" });
    expect(decision.tierKey).toBe("silver");
    expect(decision.state.grace).toBeNull();
  });
});
