import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addLocalDays, isWorkingDay, type BusinessCalendar } from "./business-calendar.ts";
import { calculatePromise, type PromiseInput } from "./promise-date-calculator.ts";
import { businessCalendarFrom, DEFAULT_PROMISE_RULES, type PromiseRules } from "./promise-rules.ts";

const at = (iso: string) => new Date(iso);

const seeded = [
  { date: "2026-07-03", name: "Independence Day (observed)" },
  { date: "2026-11-26", name: "Thanksgiving Day" },
  { date: "2026-12-25", name: "Christmas Day" },
];
const calendar = businessCalendarFrom(DEFAULT_PROMISE_RULES.calendar, seeded);
const rules: PromiseRules = { ...DEFAULT_PROMISE_RULES, transit: [{ zone: "US", minDays: 3, maxDays: 5 }, { zone: "US-HI", minDays: 6, maxDays: 9 }] };
const withCapacity = (tierKey: string, dailyCapacity: number): PromiseRules => ({
  ...rules,
  lanes: rules.lanes.map((lane) => (lane.tierKey === tierKey ? { ...lane, dailyCapacity } : lane)),
});

// Wednesday 2 December 2026, 10:00 EST.
const WED_10AM = at("2026-12-02T15:00:00Z");

function input(patch: Partial<PromiseInput> = {}): PromiseInput {
  return {
    rules,
    calendar,
    tierKey: "gold",
    orderedAt: WED_10AM,
    lines: [{ sku: "MUG-1", inStock: true, replenishmentBusinessDays: null }],
    laneBookings: {},
    destination: null,
    shopifyPromises: [],
    now: WED_10AM,
    ...patch,
  };
}

describe("handling time per tier", () => {
  it("gives Gold 24–48 business hours from the order, in the priority production lane", () => {
    expect(calculatePromise(input())).toEqual({
      tierKey: "gold",
      laneKey: "priority_production",
      orderedAt: WED_10AM,
      intakeDay: "2026-12-02",
      shipByEarliest: at("2026-12-03T15:00:00Z"),
      shipByEarliestDay: "2026-12-03",
      shipBy: at("2026-12-04T15:00:00Z"),
      shipByDay: "2026-12-04",
      arriveBy: null,
      adjustments: [],
      conflict: null,
      overdueWhenMade: false,
    });
  });

  it("gives Silver 72 business hours, stopping over the weekend", () => {
    const promise = calculatePromise(input({ tierKey: "silver" }));
    expect(promise.laneKey).toBe("priority_shipping");
    // Wed 10:00 + 72 business hours: Wed 14 h, Thu 24, Fri 24, Mon 10 → Monday 10:00.
    expect(promise.shipBy).toEqual(at("2026-12-07T15:00:00Z"));
  });

  it("gives Bronze the end of the 7th to the 10th working day, in the standard batch lane", () => {
    const promise = calculatePromise(input({ tierKey: "bronze" }));
    expect(promise.laneKey).toBe("standard_batch");
    expect(promise.shipByEarliestDay).toBe("2026-12-11");
    expect(promise.shipByDay).toBe("2026-12-16");
    expect(promise.shipBy).toEqual(at("2026-12-17T04:59:59.999Z"));
  });

  it("skips Christmas on a Friday when counting Bronze's working days", () => {
    expect(calculatePromise(input({ tierKey: "bronze", orderedAt: at("2026-12-16T15:00:00Z") })).shipByDay).toBe("2026-12-31");
  });

  it("starts the clock at the next working day's midnight after the cut-off, and says why", () => {
    const promise = calculatePromise(input({ orderedAt: at("2026-12-02T20:00:00Z") }));
    expect(promise.intakeDay).toBe("2026-12-03");
    expect(promise.shipBy).toEqual(at("2026-12-05T04:59:59.999Z"));
    expect(promise.shipByDay).toBe("2026-12-04");
    expect(promise.adjustments).toEqual([{ kind: "after_cutoff", cutoff: "14:00", orderDay: "2026-12-02", intakeDay: "2026-12-03" }]);
  });

  it("counts a Saturday order after the cut-off from Monday, because of the weekend", () => {
    const promise = calculatePromise(input({ orderedAt: at("2026-12-05T21:00:00Z") }));
    expect(promise.shipBy).toEqual(at("2026-12-09T04:59:59.999Z"));
    expect(promise.adjustments).toEqual([{ kind: "non_working_day", orderDay: "2026-12-05", intakeDay: "2026-12-07" }]);
  });

  it("counts hours exactly across New York's spring-forward weekend", () => {
    // Friday 6 March 10:00 EST: Fri 14 h, Mon 24 h (EDT from here), Tue 10 h → Tue 10:00 EDT.
    expect(calculatePromise(input({ orderedAt: at("2026-03-06T15:00:00Z") })).shipBy).toEqual(at("2026-03-10T14:00:00Z"));
  });

  it("counts a London shop's days across the clocks going back", () => {
    const londonCalendar: BusinessCalendar = { timeZone: "Europe/London", workingDays: [1, 2, 3, 4, 5], cutoff: "12:00", holidays: [] };
    // Friday 23 October 2026 11:00 BST, Bronze: the 10th working day is Friday 6 November, in GMT.
    const promise = calculatePromise(input({ calendar: londonCalendar, tierKey: "bronze", orderedAt: at("2026-10-23T10:00:00Z") }));
    expect(promise.shipByDay).toBe("2026-11-06");
    expect(promise.shipBy).toEqual(at("2026-11-06T23:59:59.999Z"));
  });

  it("throws for a tier without a lane", () => {
    expect(() => calculatePromise(input({ tierKey: "platinum" }))).toThrow(/no promise lane/);
  });

  it("flags a promise that was already past when it was made", () => {
    expect(calculatePromise(input({ now: at("2026-12-10T00:00:00Z") })).overdueWhenMade).toBe(true);
  });
});

describe("capacity", () => {
  it("keeps the day while it has room", () => {
    expect(calculatePromise(input({ rules: withCapacity("gold", 2), laneBookings: { "2026-12-04": 1 } })).adjustments).toEqual([]);
  });

  it("moves to the end of the next working day with room, naming the full days", () => {
    const promise = calculatePromise(input({ rules: withCapacity("gold", 2), laneBookings: { "2026-12-04": 2, "2026-12-07": 5, "2026-12-08": 1 } }));
    expect(promise.shipByDay).toBe("2026-12-08");
    expect(promise.shipBy).toEqual(at("2026-12-09T04:59:59.999Z"));
    expect(promise.adjustments).toEqual([
      { kind: "lane_full", laneKey: "priority_production", dailyCapacity: 2, fullDays: ["2026-12-04", "2026-12-07"], movedTo: "2026-12-08" },
    ]);
  });

  it("counts only the lane's own bookings (another lane full changes nothing)", () => {
    expect(calculatePromise(input({ rules: withCapacity("silver", 1), laneBookings: { "2026-12-04": 9 } })).adjustments).toEqual([]);
  });

  it("rolls over a holiday as well as a weekend", () => {
    const promise = calculatePromise(input({ rules: withCapacity("gold", 1), orderedAt: at("2026-07-01T14:00:00Z"), laneBookings: { "2026-07-02": 1 } }));
    expect(promise.shipByDay).toBe("2026-07-06");
  });
});

describe("out-of-stock lines", () => {
  it("wait for the longest replenishment lead time, then get the tier's handling", () => {
    const promise = calculatePromise(
      input({
        lines: [
          { sku: "MUG-1", inStock: true, replenishmentBusinessDays: 20 },
          { sku: "CAP-2", inStock: false, replenishmentBusinessDays: 3 },
          { sku: "TEE-3", inStock: false, replenishmentBusinessDays: 5 },
        ],
      }),
    );
    expect(promise.adjustments).toEqual([{ kind: "awaiting_stock", sku: "TEE-3", leadBusinessDays: 5, defaultLeadTime: false, stockDay: "2026-12-09" }]);
    // From Wednesday 9 December 00:00 EST, 48 business hours: the end of Thursday.
    expect(promise.shipBy).toEqual(at("2026-12-11T04:59:59.999Z"));
  });

  it("use the rules' default lead time for a SKU without its own", () => {
    const promise = calculatePromise(input({ lines: [{ sku: null, inStock: false, replenishmentBusinessDays: null }] }));
    expect(promise.adjustments).toEqual([{ kind: "awaiting_stock", sku: null, leadBusinessDays: 10, defaultLeadTime: true, stockDay: "2026-12-16" }]);
  });

  it("change nothing with a lead time of 0, and refuse a negative one", () => {
    expect(calculatePromise(input({ lines: [{ sku: "A", inStock: false, replenishmentBusinessDays: 0 }] })).shipBy).toEqual(at("2026-12-04T15:00:00Z"));
    expect(() => calculatePromise(input({ lines: [{ sku: "A", inStock: false, replenishmentBusinessDays: -1 }] }))).toThrow();
  });
});

describe("transit", () => {
  it("turns the ship-by range into an arrive-by range for zones with an estimate", () => {
    expect(calculatePromise(input({ destination: { countryCode: "US", provinceCode: "NY" } })).arriveBy).toEqual({ zone: "US", earliestDay: "2026-12-06", latestDay: "2026-12-09" });
    expect(calculatePromise(input({ destination: { countryCode: "US", provinceCode: "HI" } })).arriveBy).toEqual({ zone: "US-HI", earliestDay: "2026-12-09", latestDay: "2026-12-13" });
    expect(calculatePromise(input({ destination: { countryCode: "FR", provinceCode: null } })).arriveBy).toBeNull();
  });
});

describe("Shopify's promise to the buyer", () => {
  const ny = { countryCode: "US", provinceCode: "NY" };
  // Transit to US is at most 5 days.
  it("is respected silently when our promise is earlier", () => {
    // Latest delivery Wednesday 9 December 17:00 EST, minus 5 days: Friday 4 December 17:00.
    const promise = calculatePromise(input({ destination: ny, shopifyPromises: [{ brandedPromiseHandle: "shop_promise", maxDeliveryAt: at("2026-12-09T22:00:00Z") }] }));
    expect(promise.conflict).toBeNull();
    expect(promise.shipBy).toEqual(at("2026-12-04T15:00:00Z"));
  });

  it("caps the ship-by and returns the conflict when our rules would ship later", () => {
    // Latest delivery Tuesday 8 December 17:00 EST, minus 5 days: Thursday 3 December 17:00.
    const promise = calculatePromise(input({ destination: ny, shopifyPromises: [{ brandedPromiseHandle: "shop_promise", maxDeliveryAt: at("2026-12-08T22:00:00Z") }] }));
    expect(promise.shipBy).toEqual(at("2026-12-03T22:00:00Z"));
    expect(promise.shipByEarliest).toEqual(at("2026-12-03T15:00:00Z"));
    expect(promise.conflict).toEqual({
      brandedPromiseHandle: "shop_promise",
      maxDeliveryAt: at("2026-12-08T22:00:00Z"),
      transitDays: 5,
      requiredShipBy: at("2026-12-03T22:00:00Z"),
      computedShipBy: at("2026-12-04T15:00:00Z"),
      unmeetable: false,
    });
  });

  it("pulls a requirement that falls on a weekend back to the end of Friday", () => {
    // Latest delivery Thursday 10 December 10:00 EST − 5 days = Saturday 5 December → end of Friday 4th.
    const promise = calculatePromise(input({ tierKey: "silver", destination: ny, shopifyPromises: [{ brandedPromiseHandle: null, maxDeliveryAt: at("2026-12-10T15:00:00Z") }] }));
    expect(promise.shipBy).toEqual(at("2026-12-05T04:59:59.999Z"));
    expect(promise.conflict?.computedShipBy).toEqual(at("2026-12-07T15:00:00Z"));
  });

  it("without a transit estimate, takes the latest delivery time itself; the strictest method wins", () => {
    const promise = calculatePromise(
      input({
        tierKey: "bronze",
        shopifyPromises: [
          { brandedPromiseHandle: null, maxDeliveryAt: at("2026-12-10T22:00:00Z") },
          { brandedPromiseHandle: "shop_promise", maxDeliveryAt: at("2026-12-08T22:00:00Z") },
          { brandedPromiseHandle: "shop_promise", maxDeliveryAt: null },
        ],
      }),
    );
    expect(promise.shipBy).toEqual(at("2026-12-08T22:00:00Z"));
    expect(promise.conflict).toMatchObject({ brandedPromiseHandle: "shop_promise", transitDays: 0, unmeetable: false });
  });

  it("overrides even lane capacity", () => {
    const promise = calculatePromise(
      input({ rules: withCapacity("gold", 1), laneBookings: { "2026-12-04": 1 }, shopifyPromises: [{ brandedPromiseHandle: null, maxDeliveryAt: at("2026-12-04T20:00:00Z") }] }),
    );
    expect(promise.shipBy).toEqual(at("2026-12-04T20:00:00Z"));
    expect(promise.conflict?.computedShipBy).toEqual(at("2026-12-08T04:59:59.999Z"));
    expect(promise.adjustments.map((a) => a.kind)).toEqual(["lane_full"]);
  });

  it("says when Shopify's date needed shipping before the order existed", () => {
    const promise = calculatePromise(input({ destination: ny, shopifyPromises: [{ brandedPromiseHandle: "shop_promise", maxDeliveryAt: at("2026-12-04T15:00:00Z") }] }));
    expect(promise.conflict?.unmeetable).toBe(true);
    expect(promise.shipBy.getTime()).toBeLessThan(WED_10AM.getTime());
  });

  it("ignores delivery methods without a date", () => {
    expect(calculatePromise(input({ shopifyPromises: [{ brandedPromiseHandle: "shop_promise", maxDeliveryAt: null }] })).conflict).toBeNull();
  });
});

const zones = ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Adelaide", "America/Santiago", "Pacific/Chatham"];
const calendarArb = fc.record({
  timeZone: fc.constantFrom(...zones),
  workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }).map((days) => days as (1 | 2 | 3 | 4 | 5 | 6 | 7)[]),
  cutoff: fc.option(fc.constantFrom("00:00", "02:30", "12:00", "14:00", "23:59"), { nil: null }),
  holidays: fc.uniqueArray(fc.integer({ min: 0, max: 500 }).map((n) => addLocalDays("2026-01-01", n)), { maxLength: 30 }),
});
const rulesArb = fc
  .record({
    unit: fc.constantFrom("business_hours" as const, "business_days" as const),
    a: fc.integer({ min: 0, max: 80 }),
    b: fc.integer({ min: 0, max: 80 }),
    capacity: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  })
  .map(({ unit, a, b, capacity }): PromiseRules => ({
    ...rules,
    lanes: [{ key: "lane", name: "Lane", tierKey: "gold", handling: { unit, min: Math.min(a, b), max: Math.max(a, b) }, dailyCapacity: capacity }],
  }));
const bookingsArb = fc.dictionary(
  fc.integer({ min: 0, max: 500 }).map((n) => addLocalDays("2026-01-01", n)),
  fc.integer({ min: 0, max: 6 }),
  { maxKeys: 60 },
);
const orderedAtArb = fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-03-01T00:00:00Z") }).map((ms) => new Date(ms));
const linesArb = fc.array(fc.record({ sku: fc.constant("SKU"), inStock: fc.boolean(), replenishmentBusinessDays: fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }) }), { maxLength: 3 });

describe("properties", () => {
  it("the promise is never before the order, falls on a working day, and its range is ordered", () => {
    fc.assert(
      fc.property(calendarArb, rulesArb, orderedAtArb, bookingsArb, linesArb, (cal, r, orderedAt, laneBookings, lines) => {
        const promise = calculatePromise(input({ calendar: cal, rules: r, orderedAt, laneBookings, lines, now: orderedAt }));
        expect(promise.shipBy.getTime()).toBeGreaterThanOrEqual(orderedAt.getTime());
        expect(promise.shipByEarliest.getTime()).toBeLessThanOrEqual(promise.shipBy.getTime());
        expect(isWorkingDay(cal, promise.shipByDay)).toBe(true);
        expect(isWorkingDay(cal, promise.shipByEarliestDay)).toBe(true);
        expect(promise.overdueWhenMade).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("is monotone in capacity used, and in the order time by day", () => {
    fc.assert(
      fc.property(calendarArb, rulesArb, orderedAtArb, bookingsArb, bookingsArb, fc.integer({ min: 0, max: 200 * 3_600_000 }), (cal, r, orderedAt, base, extra, later) => {
        const more: Record<string, number> = { ...base };
        for (const [day, n] of Object.entries(extra)) more[day] = (more[day] ?? 0) + n;
        const fewer = calculatePromise(input({ calendar: cal, rules: r, orderedAt, laneBookings: base }));
        const fuller = calculatePromise(input({ calendar: cal, rules: r, orderedAt, laneBookings: more }));
        expect(fuller.shipBy.getTime()).toBeGreaterThanOrEqual(fewer.shipBy.getTime());
        // A later order never gets an earlier ship-by day. The instant can be earlier: a promise
        // moved off a full day ends with its new day, while a later order may fall due on that
        // same day in the morning.
        const laterOrder = calculatePromise(input({ calendar: cal, rules: r, orderedAt: new Date(orderedAt.getTime() + later), laneBookings: base }));
        expect(laterOrder.shipByDay >= fewer.shipByDay).toBe(true);
        if (!laterOrder.adjustments.some((a) => a.kind === "lane_full") && !fewer.adjustments.some((a) => a.kind === "lane_full")) {
          expect(laterOrder.shipBy.getTime()).toBeGreaterThanOrEqual(fewer.shipBy.getTime());
        }
      }),
      { numRuns: 200 },
    );
  });

  it("never ships later than Shopify's promise requires", () => {
    fc.assert(
      fc.property(calendarArb, rulesArb, orderedAtArb, fc.integer({ min: -5 * 86_400_000, max: 30 * 86_400_000 }), (cal, r, orderedAt, offset) => {
        const maxDeliveryAt = new Date(orderedAt.getTime() + offset);
        const promise = calculatePromise(
          input({ calendar: cal, rules: r, orderedAt, destination: { countryCode: "US", provinceCode: null }, shopifyPromises: [{ brandedPromiseHandle: "shop_promise", maxDeliveryAt }] }),
        );
        expect(promise.shipBy.getTime()).toBeLessThanOrEqual(maxDeliveryAt.getTime() - 0);
        if (promise.conflict) expect(promise.shipBy).toEqual(promise.conflict.requiredShipBy);
        expect(isWorkingDay(cal, promise.shipByDay)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("a lane filling up over a day of orders", () => {
  it("fills each working day to capacity, then rolls over the holiday weekend, saying so only for the moved orders", () => {
    const gold5 = withCapacity("gold", 5);
    const bookings: Record<string, number> = {};
    const results: string[] = [];
    // Twelve Gold orders on Wednesday 1 July 2026 between 09:00 and 10:50 EDT: 48 business hours
    // run Wed, Thu and (Friday 3 July being a holiday) Monday morning; 5 a day fit.
    for (let i = 0; i < 12; i++) {
      const orderedAt = new Date(Date.parse("2026-07-01T13:00:00Z") + i * 10 * 60_000);
      const promise = calculatePromise(input({ rules: gold5, orderedAt, laneBookings: bookings, now: orderedAt }));
      bookings[promise.shipByDay] = (bookings[promise.shipByDay] ?? 0) + 1;
      results.push(`${promise.shipByDay}${promise.adjustments.length ? " moved" : ""}`);
    }
    expect(results).toEqual([
      ...Array(5).fill("2026-07-06"),
      ...Array(5).fill("2026-07-07 moved"),
      ...Array(2).fill("2026-07-08 moved"),
    ]);
    expect(bookings).toEqual({ "2026-07-06": 5, "2026-07-07": 5, "2026-07-08": 2 });
  });
});
