import { describe, expect, it } from "vitest";
import { earnedTierKey, evaluateTier, INITIAL_MEMBER_STATE, type MemberTierState } from "./tier-evaluation.ts";
import { DEFAULT_TIER_RULES } from "./tier-rules.ts";
import { at } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-02-01T00:00:00Z");
const spendOf = (qualifyingSpendMinor: number, qualifyingOrderCount = 1) => ({ qualifyingSpendMinor, qualifyingOrderCount });

describe("earnedTierKey", () => {
  it("uses inclusive entry thresholds", () => {
    expect(earnedTierKey(spendOf(0, 0), rules)).toBe("bronze");
    expect(earnedTierKey(spendOf(49999), rules)).toBe("bronze");
    expect(earnedTierKey(spendOf(50000), rules)).toBe("silver");
    expect(earnedTierKey(spendOf(200000), rules)).toBe("silver");
    expect(earnedTierKey(spendOf(200001), rules)).toBe("gold");
  });
});

describe("evaluateTier", () => {
  it("assigns a first tier with the cause as reason", () => {
    const decision = evaluateTier({ spend: spendOf(60000), rules, state: INITIAL_MEMBER_STATE, now: NOW, cause: "order" });
    expect(decision).toEqual({
      kind: "ASSIGNED",
      fromTierKey: null,
      tierKey: "silver",
      earnedTierKey: "silver",
      state: { tierKey: "silver", tierSince: NOW, grace: null, pin: null },
      change: { fromTierKey: null, toTierKey: "silver", reason: "order", at: NOW },
    });
  });

  it("returns the same state object when nothing changes", () => {
    const state: MemberTierState = { tierKey: "silver", tierSince: at("2024-01-01T00:00:00Z"), grace: null, pin: null };
    const decision = evaluateTier({ spend: spendOf(60000), rules, state, now: NOW, cause: "order" });
    expect(decision.kind).toBe("UNCHANGED");
    expect(decision.state).toBe(state);
    expect(decision.change).toBeNull();
  });

  it("upgrades more than one level at once", () => {
    const state: MemberTierState = { tierKey: "bronze", tierSince: at("2024-01-01T00:00:00Z"), grace: null, pin: null };
    expect(evaluateTier({ spend: spendOf(900000), rules, state, now: NOW, cause: "order" })).toMatchObject({
      kind: "UPGRADE",
      tierKey: "gold",
      change: { fromTierKey: "bronze", toTierKey: "gold" },
    });
  });

  it("downgrades immediately on a merchant action", () => {
    const state: MemberTierState = { tierKey: "gold", tierSince: at("2024-01-01T00:00:00Z"), grace: null, pin: null };
    expect(evaluateTier({ spend: spendOf(0, 0), rules, state, now: NOW, cause: "manual" })).toMatchObject({
      kind: "DOWNGRADE",
      tierKey: "bronze",
      change: { reason: "manual" },
    });
  });

  it("loses a tier when its minimum order count is no longer met", () => {
    const needsTwo = { ...rules, tiers: rules.tiers.map((t) => (t.key === "silver" ? { ...t, minOrders: 2 } : t)) };
    const state: MemberTierState = { tierKey: "silver", tierSince: at("2024-01-01T00:00:00Z"), grace: null, pin: null };
    expect(evaluateTier({ spend: spendOf(90000, 2), rules: needsTwo, state, now: NOW, cause: "order" }).kind).toBe("UNCHANGED");
    expect(evaluateTier({ spend: spendOf(90000, 1), rules: needsTwo, state, now: NOW, cause: "refund" }).kind).toBe("GRACE_STARTED");
  });

  it("cancels a grace whose cause went away even when the member is back to exactly the current tier", () => {
    const state: MemberTierState = {
      tierKey: "silver",
      tierSince: at("2024-01-01T00:00:00Z"),
      grace: { until: at("2025-02-20T00:00:00Z"), toTierKey: "bronze", reason: "refund" },
      pin: null,
    };
    expect(evaluateTier({ spend: spendOf(50000), rules, state, now: NOW, cause: "order" })).toMatchObject({
      kind: "GRACE_CANCELLED",
      state: { grace: null, tierKey: "silver", tierSince: at("2024-01-01T00:00:00Z") },
      change: null,
    });
  });

  it("pins clear a running grace", () => {
    const state: MemberTierState = {
      tierKey: "gold",
      tierSince: at("2024-01-01T00:00:00Z"),
      grace: { until: at("2025-02-20T00:00:00Z"), toTierKey: "bronze", reason: "refund" },
      pin: { tierKey: "gold", until: null },
    };
    expect(evaluateTier({ spend: spendOf(0, 0), rules, state, now: NOW, cause: "manual" })).toMatchObject({
      kind: "PINNED",
      state: { grace: null, tierKey: "gold" },
      change: null,
    });
  });
});
