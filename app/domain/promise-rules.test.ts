import { describe, expect, it } from "vitest";
import {
  businessCalendarFrom,
  DEFAULT_PROMISE_RULES,
  defaultPromiseRules,
  laneForTier,
  parsePromiseRules,
  promiseRulesIssuesForTiers,
  resolveHolidays,
  transitFor,
  type PromiseRules,
} from "./promise-rules.ts";

const issuesOf = (input: unknown) => {
  const result = parsePromiseRules(input);
  return result.ok ? [] : result.issues;
};
const withLane = (patch: Record<string, unknown>, index = 0): unknown => ({
  ...DEFAULT_PROMISE_RULES,
  lanes: DEFAULT_PROMISE_RULES.lanes.map((lane, i) => (i === index ? { ...lane, ...patch } : lane)),
});

describe("defaults", () => {
  it("are valid and promise Gold 48 h, Silver 72 h, Bronze 7–10 business days", () => {
    expect(parsePromiseRules(DEFAULT_PROMISE_RULES)).toEqual({ ok: true, rules: DEFAULT_PROMISE_RULES });
    expect(laneForTier(DEFAULT_PROMISE_RULES, "gold")).toMatchObject({ key: "priority_production", handling: { unit: "business_hours", max: 48 } });
    expect(laneForTier(DEFAULT_PROMISE_RULES, "silver")).toMatchObject({ key: "priority_shipping", handling: { unit: "business_hours", max: 72 } });
    expect(laneForTier(DEFAULT_PROMISE_RULES, "bronze")).toMatchObject({ key: "standard_batch", handling: { unit: "business_days", min: 7, max: 10 } });
    expect(laneForTier(DEFAULT_PROMISE_RULES, "platinum")).toBeNull();
    expect(defaultPromiseRules("Europe/London").calendar).toMatchObject({ timeZone: "Europe/London", holidayRegion: null });
  });

  it("match the default tiers exactly", () => {
    expect(promiseRulesIssuesForTiers(DEFAULT_PROMISE_RULES, ["bronze", "silver", "gold"])).toEqual([]);
    expect(promiseRulesIssuesForTiers(DEFAULT_PROMISE_RULES, ["bronze", "gold", "vip"])).toEqual([
      { path: "lanes.1.tierKey", message: 'there is no tier "silver"' },
      { path: "lanes", message: 'tier "vip" has no lane' },
    ]);
  });
});

describe("validation", () => {
  it("refuses negative hours, a minimum above the maximum, fractions and absurd lengths", () => {
    expect(issuesOf(withLane({ handling: { unit: "business_hours", min: 0, max: -1 } }))).toContainEqual({ path: "lanes.0.handling.max", message: "must not be negative" });
    expect(issuesOf(withLane({ handling: { unit: "business_hours", min: 50, max: 48 } }))).toContainEqual({ path: "lanes.0.handling.min", message: "must not be more than the maximum" });
    expect(issuesOf(withLane({ handling: { unit: "business_days", min: 1, max: 1.5 } }))).toContainEqual({ path: "lanes.0.handling.max", message: "must be a whole number" });
    expect(issuesOf(withLane({ handling: { unit: "business_days", min: 1, max: 400 } }))).toContainEqual({ path: "lanes.0.handling.max", message: "must be at most 366" });
    expect(issuesOf(withLane({ handling: { unit: "business_hours", min: 1, max: 400 } }))).toEqual([]);
  });

  it("refuses a capacity of zero and accepts none (unlimited)", () => {
    expect(issuesOf(withLane({ dailyCapacity: 0 }))).toEqual([
      { path: "lanes.0.dailyCapacity", message: "capacity must be at least 1 order a day (leave it empty for no limit)" },
    ]);
    expect(issuesOf(withLane({ dailyCapacity: 40 }))).toEqual([]);
  });

  it("refuses a cut-off that is no time, a bad zone and an empty week", () => {
    const calendar = (patch: Record<string, unknown>) => ({ ...DEFAULT_PROMISE_RULES, calendar: { ...DEFAULT_PROMISE_RULES.calendar, ...patch } });
    expect(issuesOf(calendar({ cutoff: "25:00" }))).toEqual([{ path: "calendar.cutoff", message: "cut-off must be a time such as 14:00" }]);
    expect(issuesOf(calendar({ cutoff: "2pm" }))).toHaveLength(1);
    expect(issuesOf(calendar({ cutoff: null }))).toEqual([]);
    expect(issuesOf(calendar({ timeZone: "EST5" }))).toHaveLength(1);
    expect(issuesOf(calendar({ workingDays: [] }))).toEqual([{ path: "calendar.workingDays", message: "at least one working day is required" }]);
    expect(issuesOf(calendar({ workingDays: [1, 1] }))).toHaveLength(1);
    expect(issuesOf(calendar({ workingDays: [0] }))).toHaveLength(1);
    expect(issuesOf(calendar({ holidaysAdded: [{ date: "2026-02-30", name: "No such day" }] }))).toHaveLength(1);
  });

  it("refuses two lanes for one tier, duplicate lane keys and duplicate transit zones", () => {
    expect(issuesOf(withLane({ tierKey: "silver" }))).toEqual([{ path: "lanes.1.tierKey", message: 'tier "silver" already has a lane' }]);
    expect(issuesOf(withLane({ key: "priority_shipping" }))).toEqual([{ path: "lanes.1.key", message: 'duplicate lane key "priority_shipping"' }]);
    const twice = { ...DEFAULT_PROMISE_RULES, transit: [{ zone: "US", minDays: 2, maxDays: 5 }, { zone: "US", minDays: 1, maxDays: 2 }] };
    expect(issuesOf(twice)).toEqual([{ path: "transit.1.zone", message: 'duplicate zone "US"' }]);
    expect(issuesOf({ ...DEFAULT_PROMISE_RULES, transit: [{ zone: "US", minDays: 5, maxDays: 2 }] })).toHaveLength(1);
  });

  it("refuses unknown fields", () => {
    expect(issuesOf({ ...DEFAULT_PROMISE_RULES, extra: true })).toHaveLength(1);
  });
});

describe("transit", () => {
  const rules: PromiseRules = {
    ...DEFAULT_PROMISE_RULES,
    transit: [
      { zone: "US", minDays: 3, maxDays: 5 },
      { zone: "US-HI", minDays: 6, maxDays: 9 },
      { zone: "GB", minDays: 5, maxDays: 8 },
    ],
  };
  it("uses the region before the country and nothing for a zone without an estimate", () => {
    expect(transitFor(rules, { countryCode: "US", provinceCode: "HI" })?.zone).toBe("US-HI");
    expect(transitFor(rules, { countryCode: "us", provinceCode: "ca" })?.zone).toBe("US");
    expect(transitFor(rules, { countryCode: "GB", provinceCode: null })?.zone).toBe("GB");
    expect(transitFor(rules, { countryCode: "FR", provinceCode: null })).toBeNull();
    expect(transitFor(rules, null)).toBeNull();
  });
});

describe("holidays", () => {
  const seeded = [
    { date: "2026-12-25", name: "Christmas Day" },
    { date: "2026-11-26", name: "Thanksgiving Day" },
    { date: "2026-07-03", name: "Independence Day (observed)" },
  ];
  it("are the dataset's, minus the days the merchant works, plus their own closing days, sorted", () => {
    expect(resolveHolidays(seeded, { holidaysAdded: [{ date: "2026-11-27", name: "Stocktake" }], holidaysRemoved: ["2026-07-03"] })).toEqual([
      "2026-11-26",
      "2026-11-27",
      "2026-12-25",
    ]);
  });
  it("build the business calendar", () => {
    expect(businessCalendarFrom(DEFAULT_PROMISE_RULES.calendar, seeded)).toEqual({
      timeZone: "America/New_York",
      workingDays: [1, 2, 3, 4, 5],
      cutoff: "14:00",
      holidays: ["2026-07-03", "2026-11-26", "2026-12-25"],
    });
  });
});
