import { describe, expect, it } from "vitest";
import { previewTierPromises } from "./promise-preview.ts";
import { businessCalendarFrom, DEFAULT_PROMISE_RULES, type PromiseRules } from "./promise-rules.ts";

const calendar = businessCalendarFrom(DEFAULT_PROMISE_RULES.calendar, [{ date: "2026-12-25", name: "Christmas Day" }]);
const rules: PromiseRules = {
  ...DEFAULT_PROMISE_RULES,
  lanes: DEFAULT_PROMISE_RULES.lanes.map((lane) => (lane.key === "priority_production" ? { ...lane, dailyCapacity: 3 } : lane)),
  transit: [{ zone: "US", minDays: 2, maxDays: 4 }],
};
// Wednesday 2 December 2026, 10:00 EST.
const now = new Date("2026-12-02T15:00:00Z");

describe("previewTierPromises", () => {
  it("shows each tier's promise for an order placed now, in the order asked", () => {
    const preview = previewTierPromises({ rules, calendar, tierKeys: ["bronze", "silver", "gold", "vip"], now, bookingsByLane: {}, destination: { countryCode: "US", provinceCode: "NY" } });
    expect(preview.map((p) => [p.tierKey, p.promise?.shipByDay ?? null, p.promise?.arriveBy?.latestDay ?? null])).toEqual([
      ["bronze", "2026-12-16", "2026-12-20"],
      ["silver", "2026-12-07", "2026-12-11"],
      ["gold", "2026-12-04", "2026-12-08"],
      ["vip", null, null],
    ]);
  });

  it("shows a full lane's roll-over, using only that lane's bookings", () => {
    const preview = previewTierPromises({
      rules,
      calendar,
      tierKeys: ["gold", "silver"],
      now,
      bookingsByLane: { priority_production: { "2026-12-04": 3 }, priority_shipping: { "2026-12-04": 99 } },
      destination: null,
    });
    expect(preview[0].promise?.shipByDay).toBe("2026-12-07");
    expect(preview[0].promise?.adjustments).toEqual([
      { kind: "lane_full", laneKey: "priority_production", dailyCapacity: 3, fullDays: ["2026-12-04"], movedTo: "2026-12-07" },
    ]);
    expect(preview[1].promise?.adjustments).toEqual([]);
  });
});
