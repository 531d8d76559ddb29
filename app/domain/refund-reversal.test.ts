/**
 * Grace protects members who age out or whom a rule change moves down, not upgrades that a refund
 * or cancellation takes back. Worked by hand on the default rules: USD, Bronze 0 / Silver 500.00 /
 * Gold 2000.01, trailing 365 days, grace 30 days, shipping and tax not counted.
 */
import { describe, expect, it } from "vitest";
import { at, orderEvent, refundEvent } from "../../tests/support/ledger-test-events.ts";
import { reduceLedger, type LedgerEvent } from "./order-ledger.ts";
import { qualifyingSpend } from "./qualifying-spend.ts";
import { spendBeforeReversals } from "./spend-before-reversals.ts";
import { evaluateTier, INITIAL_MEMBER_STATE, type MemberTierState, type TierChangeReason } from "./tier-evaluation.ts";
import { DEFAULT_TIER_RULES, parseTierRules, type TierRules } from "./tier-rules.ts";

const rules = DEFAULT_TIER_RULES;
const PLACED = "2026-10-01T10:00:00Z";

/**
 * Evaluate the member as the recomputation does: spend and spend before reversals from the same
 * ledger, and the spend saved at the previous evaluation.
 */
function settle(events: LedgerEvent[], state: MemberTierState, now: string, cause: TierChangeReason = "order", r: TierRules = rules, previousSpendMinor?: number) {
  const ledger = reduceLedger(events);
  const when = at(now);
  const spend = qualifyingSpend(ledger, "c1", r, when);
  const decision = evaluateTier({ spend, spendBeforeReversals: spendBeforeReversals(ledger, "c1", r, when), previousSpendMinor, rules: r, state, now: when, cause });
  return Object.assign(decision, { spendMinor: spend.qualifyingSpendMinor });
}

/** Settle after each step, carrying the state and the spend saved, as webhooks arriving one by one would. */
function run(steps: { events: LedgerEvent[]; now: string; cause?: TierChangeReason; rules?: TierRules }[], r: TierRules = rules) {
  let state = INITIAL_MEMBER_STATE;
  let previous: number | undefined;
  const seen: LedgerEvent[] = [];
  const decisions = [];
  for (const step of steps) {
    seen.push(...step.events);
    const decision = settle(seen, state, step.now, step.cause, step.rules ?? r, previous);
    decisions.push(decision);
    state = decision.state;
    previous = decision.spendMinor;
  }
  return decisions;
}

const bigOrder = orderEvent({ id: "o1", total: "2100.00", processedAt: PLACED });

describe("an upgrade a refund or cancellation takes back is reversed at once", () => {
  it("a refund taking the spend just below Gold reverses the upgrade, without grace", () => {
    const [upgrade, refunded] = run([
      { events: [bigOrder], now: "2026-10-01T10:05:00Z" },
      // 2100.00 − 100.00 = 2000.00: one cent below Gold.
      { events: [refundEvent({ id: "r1", order: "o1", money: "100.00", createdAt: "2026-10-03T10:00:00Z" })], now: "2026-10-03T10:01:00Z", cause: "refund" },
    ]);
    expect(upgrade.tierKey).toBe("gold");
    expect(refunded).toMatchObject({ kind: "DOWNGRADE", tierKey: "silver", state: { grace: null }, change: { fromTierKey: "gold", toTierKey: "silver", reason: "refund", at: at("2026-10-03T10:01:00Z") } });
  });

  it("a partial refund that leaves the spend at the threshold keeps the tier", () => {
    const [, refunded] = run([
      { events: [bigOrder], now: "2026-10-01T10:05:00Z" },
      // 2100.00 − 99.99 = 2000.01: exactly Gold.
      { events: [refundEvent({ id: "r1", order: "o1", money: "99.99" })], now: "2026-10-03T10:01:00Z", cause: "refund" },
    ]);
    expect(refunded).toMatchObject({ kind: "UNCHANGED", tierKey: "gold", change: null, state: { grace: null } });
  });

  it("a return (items back, the order's total lowered by Shopify) reverses it, whichever of the two webhooks comes first", () => {
    const second = orderEvent({ id: "o2", total: "600.00", processedAt: PLACED, updatedAt: PLACED });
    const first = orderEvent({ id: "o1", total: "1500.00", processedAt: PLACED });
    const returned = orderEvent({ id: "o2", total: "400.00", processedAt: PLACED, updatedAt: "2026-10-05T10:00:00Z" });
    const refund = refundEvent({ id: "r1", order: "o2", money: "200.00", lineItems: "200.00", createdAt: "2026-10-05T10:00:00Z" });
    // The order's payload lists the refund (both land together), then refunds/create; or refunds/create first.
    for (const [a, b] of [[[returned, refund], [refund]], [[refund], [returned]]]) {
      const decisions = run([
        { events: [first, second], now: "2026-10-01T11:00:00Z" },
        { events: a, now: "2026-10-05T10:01:00Z", cause: "order" },
        { events: b, now: "2026-10-05T10:02:00Z", cause: "refund" },
      ]);
      expect(decisions[0].tierKey).toBe("gold");
      const last = decisions.at(-1)!;
      expect(last.state).toMatchObject({ tierKey: "silver", grace: null });
      expect(decisions.some((d) => d.kind === "GRACE_STARTED")).toBe(false);
    }
  });

  it("a cancellation reverses it, recorded as a cancellation", () => {
    const [, cancelled] = run([
      { events: [bigOrder, orderEvent({ id: "o2", total: "300.00", processedAt: PLACED })], now: "2026-10-01T11:00:00Z" },
      { events: [orderEvent({ id: "o1", total: "2100.00", processedAt: PLACED, updatedAt: "2026-10-02T10:00:00Z", cancelledAt: "2026-10-02T10:00:00Z" })], now: "2026-10-02T10:01:00Z", cause: "cancellation" },
    ]);
    expect(cancelled).toMatchObject({ kind: "DOWNGRADE", tierKey: "bronze", state: { grace: null }, change: { reason: "cancellation" } });
  });

  it("a refund arriving long after the upgrade (after a grace would have started, and ended) still reverses it at once", () => {
    const [, late] = run([
      { events: [bigOrder], now: "2026-10-01T10:05:00Z" },
      // Delivered by orders/updated listing the refund: the cause says "order", the ledger says refund.
      { events: [refundEvent({ id: "r1", order: "o1", money: "1700.00", createdAt: "2026-11-15T10:00:00Z" })], now: "2026-11-15T10:01:00Z", cause: "order" },
    ]);
    expect(late).toMatchObject({ kind: "DOWNGRADE", tierKey: "bronze", state: { grace: null }, change: { reason: "refund", at: at("2026-11-15T10:01:00Z") } });
  });

  it("a grace already running when the money is found refunded ends at once", () => {
    const graceRunning: MemberTierState = { tierKey: "gold", tierSince: at(PLACED), grace: { until: at("2026-11-02T10:00:00Z"), toTierKey: "silver", reason: "refund" }, pin: null };
    // Started by the refund (as before this rule existed); the spend has not moved since.
    const decision = settle([bigOrder, refundEvent({ id: "r1", order: "o1", money: "150.00" })], graceRunning, "2026-10-05T10:00:00Z", "refund", rules, 195_000);
    expect(decision).toMatchObject({ kind: "DOWNGRADE", tierKey: "silver", state: { grace: null } });
  });

  it("with a retain threshold, a refund that keeps the spend above it keeps the tier; below it, reverses at once", () => {
    const withRetain: TierRules = { ...rules, tiers: rules.tiers.map((t) => (t.key === "gold" ? { ...t, retainThresholdMinor: 180_000 } : t)) };
    const above = run([
      { events: [bigOrder], now: "2026-10-01T10:05:00Z" },
      { events: [refundEvent({ id: "r1", order: "o1", money: "250.00" })], now: "2026-10-03T10:00:00Z", cause: "refund" },
    ], withRetain);
    expect(above[1]).toMatchObject({ kind: "UNCHANGED", tierKey: "gold" });
    const below = run([
      { events: [bigOrder], now: "2026-10-01T10:05:00Z" },
      { events: [refundEvent({ id: "r1", order: "o1", money: "350.00" })], now: "2026-10-03T10:00:00Z", cause: "refund" },
    ], withRetain);
    expect(below[1]).toMatchObject({ kind: "DOWNGRADE", tierKey: "silver", state: { grace: null } });
  });
});

describe("grace still protects aging and rule changes", () => {
  it("a member whose orders age out of the window gets grace", () => {
    const old = orderEvent({ id: "o0", total: "1000.00", processedAt: "2025-11-01T10:00:00Z" });
    const recent = orderEvent({ id: "o1", total: "1100.00", processedAt: "2026-06-01T10:00:00Z" });
    const [kept, aged] = run([
      { events: [old, recent], now: "2026-06-01T10:05:00Z" },
      { events: [], now: "2026-11-05T00:00:00Z", cause: "window" },
    ]);
    expect(kept.tierKey).toBe("gold");
    expect(aged).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold", state: { grace: { until: at("2026-12-05T00:00:00Z"), toTierKey: "silver", reason: "window" } } });
  });

  it("aging plus a small refund: the fall is still the window's, grace runs", () => {
    const old = orderEvent({ id: "o0", total: "1000.00", processedAt: "2025-11-01T10:00:00Z" });
    const recent = orderEvent({ id: "o1", total: "1100.00", processedAt: "2026-06-01T10:00:00Z" });
    const decisions = run([
      { events: [old, recent], now: "2026-06-01T10:05:00Z" },
      { events: [], now: "2026-11-05T00:00:00Z", cause: "window" },
      { events: [refundEvent({ id: "r1", order: "o1", money: "50.00" })], now: "2026-11-06T00:00:00Z", cause: "refund" },
    ]);
    expect(decisions[2]).toMatchObject({ kind: "UNCHANGED", tierKey: "gold", state: { grace: { until: at("2026-12-05T00:00:00Z") } } });
  });

  it("a rule change that moves a member down gets grace, even with an earlier refund on record", () => {
    const events = [orderEvent({ id: "o1", total: "2600.00", processedAt: PLACED }), refundEvent({ id: "r1", order: "o1", money: "100.00" })];
    const gold = settle(events, INITIAL_MEMBER_STATE, "2026-10-05T00:00:00Z");
    expect(gold.tierKey).toBe("gold");
    const higher: TierRules = { ...rules, tiers: rules.tiers.map((t) => (t.key === "gold" ? { ...t, entryThresholdMinor: 300_000 } : t)) };
    const moved = settle(events, gold.state, "2026-10-06T00:00:00Z", "rule_change", higher, gold.spendMinor);
    expect(moved).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold", state: { grace: { toTierKey: "silver", reason: "rule_change" } } });
  });

  it("a rule change that lands between the spend and the spend before the refund still gets grace, whichever recomputation comes first", () => {
    // Spend 2500.00, 2600.00 without the refund made before the change; Gold now from 2550.00.
    const events = [orderEvent({ id: "o1", total: "2600.00", processedAt: PLACED }), refundEvent({ id: "r1", order: "o1", money: "100.00" })];
    const higher: TierRules = { ...rules, tiers: rules.tiers.map((t) => (t.key === "gold" ? { ...t, entryThresholdMinor: 255_000 } : t)) };
    for (const cause of ["rule_change", "window", "order"] as const) {
      const [gold, moved] = run([
        { events, now: "2026-10-05T00:00:00Z" },
        { events: [], now: "2026-10-06T00:00:00Z", cause, rules: higher },
      ]);
      expect(gold.tierKey).toBe("gold");
      expect(moved).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold", state: { grace: { toTierKey: "silver" } } });
    }
  });

  it("with the setting off, a refund that takes the tier back waits out the grace as before", () => {
    const off: TierRules = { ...rules, reverseRefundedUpgrades: false };
    const [, refunded] = run([
      { events: [bigOrder], now: "2026-10-01T10:05:00Z" },
      { events: [refundEvent({ id: "r1", order: "o1", money: "150.00" })], now: "2026-10-03T10:00:00Z", cause: "refund" },
    ], off);
    expect(refunded).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold" });
  });
});

describe("the setting", () => {
  it("is on by default, and rules saved before it existed read as on", () => {
    expect(rules.reverseRefundedUpgrades).toBe(true);
    const { reverseRefundedUpgrades: _omitted, ...older } = rules;
    const parsed = parseTierRules(JSON.parse(JSON.stringify(older)));
    expect(parsed.ok && parsed.rules.reverseRefundedUpgrades).toBe(true);
    const off = parseTierRules({ ...older, reverseRefundedUpgrades: false });
    expect(off.ok && off.rules.reverseRefundedUpgrades).toBe(false);
  });
});

describe("spend before reversals", () => {
  it("adds back money refunded and returned items, counts cancelled orders, never test or guest orders", () => {
    const ledger = reduceLedger([
      orderEvent({ id: "o1", total: "400.00", processedAt: PLACED }), // after a 200.00 return
      refundEvent({ id: "r1", order: "o1", money: "230.00", lineItems: "200.00" }), // plus 30.00 goodwill
      orderEvent({ id: "o2", total: "300.00", processedAt: PLACED, cancelledAt: "2026-10-02T00:00:00Z" }),
      orderEvent({ id: "o3", total: "900.00", processedAt: PLACED, test: true }),
      orderEvent({ id: "o4", total: "800.00", processedAt: PLACED, customer: null }),
    ]);
    const now = at("2026-10-10T00:00:00Z");
    expect(qualifyingSpend(ledger, "c1", rules, now)).toMatchObject({ qualifyingSpendMinor: 37_000, qualifyingOrderCount: 1 });
    expect(spendBeforeReversals(ledger, "c1", rules, now)).toEqual({ qualifyingSpendMinor: 90_000, qualifyingOrderCount: 2 });
  });
});
