import { describe, expect, it } from "vitest";
import { laneCapacityFlags } from "./lane-capacity.ts";
import { businessCalendarFrom, DEFAULT_PROMISE_RULES, type PromiseRules } from "./promise-rules.ts";

const calendar = businessCalendarFrom(DEFAULT_PROMISE_RULES.calendar, [{ date: "2026-12-25", name: "Christmas Day" }]);
const rules: PromiseRules = {
  ...DEFAULT_PROMISE_RULES,
  lanes: DEFAULT_PROMISE_RULES.lanes.map((lane) => (lane.key === "standard_batch" ? lane : { ...lane, dailyCapacity: 10 })),
};

describe("laneCapacityFlags", () => {
  it("flags near and full days on the coming working days, skipping weekends, holidays and unlimited lanes", () => {
    const bookingsByLane = {
      priority_production: { "2026-12-24": 8, "2026-12-25": 10, "2026-12-28": 10, "2027-01-05": 10 },
      priority_shipping: { "2026-12-24": 7, "2026-12-28": 12 },
      standard_batch: { "2026-12-24": 5000 },
    };
    // Thursday 24 December, 3 working days: 24th, 28th, 29th.
    expect(laneCapacityFlags({ rules, calendar, bookingsByLane, today: "2026-12-24", workingDays: 3 })).toEqual([
      { laneKey: "priority_production", day: "2026-12-24", booked: 8, capacity: 10, level: "near" },
      { laneKey: "priority_production", day: "2026-12-28", booked: 10, capacity: 10, level: "full" },
      { laneKey: "priority_shipping", day: "2026-12-28", booked: 12, capacity: 10, level: "full" },
    ]);
  });

  it("starts from the next working day when today is not one, and takes another share", () => {
    const bookingsByLane = { priority_production: { "2026-12-07": 5 } };
    expect(laneCapacityFlags({ rules, calendar, bookingsByLane, today: "2026-12-05", workingDays: 1, nearShare: 0.5 })).toEqual([
      { laneKey: "priority_production", day: "2026-12-07", booked: 5, capacity: 10, level: "near" },
    ]);
  });
});
