import { describe, expect, it } from "vitest";
import { calculatePromise } from "./promise-date-calculator.ts";
import { businessCalendarFrom, DEFAULT_PROMISE_RULES, laneForTier } from "./promise-rules.ts";
import { decideStoredPromise, type StoredPromise } from "./stored-promise-decision.ts";

const stored: StoredPromise = { tierKey: "gold", laneKey: "priority_production", shipBy: new Date("2026-12-04T15:00:00Z"), shippedAt: null };

describe("decideStoredPromise", () => {
  it("creates a promise for an order without one", () => {
    expect(decideStoredPromise({ stored: null, currentTierKey: "gold", currentLaneKey: "priority_production", recomputeRequested: false })).toEqual({ action: "create" });
  });

  it("keeps the promise after the buyer's tier changes, and reports the drift", () => {
    expect(decideStoredPromise({ stored, currentTierKey: "bronze", currentLaneKey: "standard_batch", recomputeRequested: false })).toEqual({
      action: "keep",
      reason: "already_made",
      drift: [
        { kind: "tier_changed", from: "gold", to: "bronze" },
        { kind: "lane_changed", from: "priority_production", to: "standard_batch" },
      ],
    });
  });

  it("keeps it unchanged under a redelivered webhook with nothing changed", () => {
    expect(decideStoredPromise({ stored, currentTierKey: "gold", currentLaneKey: "priority_production", recomputeRequested: false })).toEqual({ action: "keep", reason: "already_made", drift: [] });
  });

  it("recomputes only when the merchant asks", () => {
    expect(decideStoredPromise({ stored, currentTierKey: "silver", currentLaneKey: null, recomputeRequested: true })).toEqual({
      action: "recompute",
      reason: "merchant_request",
      drift: [{ kind: "tier_changed", from: "gold", to: "silver" }],
    });
  });

  it("never recomputes a shipped order, even on request", () => {
    const shipped = { ...stored, shippedAt: new Date("2026-12-03T12:00:00Z") };
    expect(decideStoredPromise({ stored: shipped, currentTierKey: "gold", currentLaneKey: "priority_production", recomputeRequested: true })).toMatchObject({ action: "keep", reason: "already_shipped" });
  });

  it("leaves the stored ship-by as made when the rules change after the promise (the whole flow)", () => {
    const calendar = businessCalendarFrom(DEFAULT_PROMISE_RULES.calendar, []);
    const orderedAt = new Date("2026-12-02T15:00:00Z");
    const base = { calendar, orderedAt, lines: [], laneBookings: {}, destination: null, shopifyPromises: [], now: orderedAt };
    const made = calculatePromise({ ...base, rules: DEFAULT_PROMISE_RULES, tierKey: "gold" });
    const slower = { ...DEFAULT_PROMISE_RULES, lanes: DEFAULT_PROMISE_RULES.lanes.map((lane) => ({ ...lane, handling: { unit: "business_days" as const, min: 20, max: 30 } })) };
    const record: StoredPromise = { tierKey: made.tierKey, laneKey: made.laneKey, shipBy: made.shipBy, shippedAt: null };
    const decision = decideStoredPromise({ stored: record, currentTierKey: "bronze", currentLaneKey: laneForTier(slower, "bronze")!.key, recomputeRequested: false });
    expect(decision.action).toBe("keep");
    expect(record.shipBy).toEqual(new Date("2026-12-04T15:00:00Z"));
    expect(calculatePromise({ ...base, rules: slower, tierKey: "bronze" }).shipBy.getTime()).toBeGreaterThan(record.shipBy.getTime());
  });
});
