import { describe, expect, it } from "vitest";
import type { MemberTierState } from "./tier-evaluation.ts";
import { nextTierReview, nextTierReviewAt } from "./tier-review-date.ts";
import { DEFAULT_TIER_RULES, type TierRules } from "./tier-rules.ts";
import { at } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-02-01T00:00:00Z");
const plain: MemberTierState = { tierKey: "silver", tierSince: at("2024-06-01T00:00:00Z"), grace: null, pin: null };

describe("nextTierReview", () => {
  it("is null when time alone changes nothing", () => {
    expect(nextTierReview({ spend: { oldestQualifyingOrderAt: null }, rules, state: plain, now: NOW })).toBeNull();
    const lifetime: TierRules = { ...rules, window: { kind: "lifetime" } };
    expect(nextTierReviewAt({ spend: { oldestQualifyingOrderAt: at("2020-01-01T00:00:00Z") }, rules: lifetime, state: plain, now: NOW })).toBeNull();
  });

  it("is when the oldest qualifying order leaves the trailing window", () => {
    expect(nextTierReview({ spend: { oldestQualifyingOrderAt: at("2024-06-01T08:00:00Z") }, rules, state: plain, now: NOW })).toEqual({
      at: at("2025-06-01T08:00:00Z"),
      reason: "window",
    });
  });

  it("is the year rollover in the shop's time zone for a calendar-year window", () => {
    const year: TierRules = { ...rules, window: { kind: "calendar_year", timeZone: "Europe/Paris" } };
    expect(nextTierReviewAt({ spend: { oldestQualifyingOrderAt: at("2025-01-15T00:00:00Z") }, rules: year, state: plain, now: NOW })).toEqual(
      at("2025-12-31T23:00:00Z"),
    );
  });

  it("takes the earliest of window exit, grace end and pin end", () => {
    const state: MemberTierState = {
      ...plain,
      grace: { until: at("2025-02-20T00:00:00Z"), toTierKey: "bronze", reason: "refund" },
      pin: { tierKey: "gold", until: at("2025-02-10T00:00:00Z") },
    };
    const spend = { oldestQualifyingOrderAt: at("2024-06-01T00:00:00Z") };
    expect(nextTierReview({ spend, rules, state, now: NOW })).toEqual({ at: at("2025-02-10T00:00:00Z"), reason: "pin_end" });
    expect(nextTierReview({ spend, rules, state: { ...state, pin: null }, now: NOW })).toEqual({ at: at("2025-02-20T00:00:00Z"), reason: "grace_end" });
    expect(nextTierReview({ spend, rules, state: { ...state, pin: { tierKey: "gold", until: null } }, now: NOW })?.reason).toBe("grace_end");
  });

  it("returns an overdue instant as is, so the member is picked up at once", () => {
    const state: MemberTierState = { ...plain, grace: { until: at("2025-01-01T00:00:00Z"), toTierKey: "bronze", reason: "refund" } };
    expect(nextTierReviewAt({ spend: { oldestQualifyingOrderAt: null }, rules, state, now: NOW })).toEqual(at("2025-01-01T00:00:00Z"));
  });
});
