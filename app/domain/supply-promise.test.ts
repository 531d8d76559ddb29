import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addLocalDays, addWorkingDays } from "./business-calendar.ts";
import { calculatePromise } from "./promise-date-calculator.ts";
import { businessCalendarFrom, DEFAULT_PROMISE_RULES } from "./promise-rules.ts";
import { DEFAULT_REPLENISHMENT_SETTINGS } from "./replenishment-rules.ts";
import { awardArrivalDay, orderLinesFollowingSupply, remainingLeadBusinessDays, shortageOf, supplyPromise, type Shortage, type SkuSupplyRequest } from "./supply-promise.ts";

const calendar = businessCalendarFrom(DEFAULT_PROMISE_RULES.calendar, [{ date: "2026-12-25", name: "Christmas Day" }]);
// Wednesday 2 December 2026.
const TODAY = "2026-12-02";
const awarded: Shortage = { status: "awarded", awardedOn: TODAY, leadBusinessDays: 7 };

const promise = (tierKey: string, patch: Partial<Parameters<typeof supplyPromise>[0]> = {}) =>
  supplyPromise({ settings: DEFAULT_REPLENISHMENT_SETTINGS, calendar, tierKey, sku: "MUG-1", quantity: 2, available: 10, priorityCapacityUnits: 0, shortage: awarded, today: TODAY, ...patch });

describe("the awarded lead time", () => {
  it("counts working days to the day the award is due, skipping weekends and holidays", () => {
    expect(awardArrivalDay(calendar, awarded)).toBe("2026-12-11");
    expect(remainingLeadBusinessDays(calendar, awarded, TODAY)).toBe(7);
    // Three working days later (Monday 7th), four remain.
    expect(remainingLeadBusinessDays(calendar, awarded, "2026-12-07")).toBe(4);
    // Saturday counts from Monday.
    expect(remainingLeadBusinessDays(calendar, awarded, "2026-12-05")).toBe(remainingLeadBusinessDays(calendar, awarded, "2026-12-07"));
    expect(remainingLeadBusinessDays(calendar, awarded, "2026-12-11")).toBe(0);
    expect(remainingLeadBusinessDays(calendar, awarded, "2026-12-20")).toBe(0);
    // Across Christmas (Friday 25th is a holiday).
    expect(awardArrivalDay(calendar, { awardedOn: "2026-12-21", leadBusinessDays: 5 })).toBe("2026-12-29");
  });

  it("always lands on the award's arrival day when counted forward again", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 60 }), (lead, offset) => {
        const award = { awardedOn: TODAY, leadBusinessDays: lead };
        const today = addLocalDays(TODAY, offset);
        const remaining = remainingLeadBusinessDays(calendar, award, today);
        const arrival = awardArrivalDay(calendar, award);
        if (remaining > 0) expect(addWorkingDays(calendar, today, remaining)).toBe(arrival);
        else expect(addWorkingDays(calendar, today, 0) >= arrival).toBe(true);
      }),
    );
  });
});

describe("promises follow supply", () => {
  it("a short SKU puts new Bronze orders on the awarded lead time, even with units left for priority tiers", () => {
    expect(promise("bronze")).toEqual({ line: { sku: "MUG-1", inStock: false, replenishmentBusinessDays: 7 }, basis: "awarded_lead_time" });
    expect(promise("removed-tier")).toMatchObject({ basis: "awarded_lead_time" });
  });

  it("Gold and Silver keep theirs while priority stock covers them", () => {
    expect(promise("gold")).toEqual({ line: { sku: "MUG-1", inStock: true, replenishmentBusinessDays: null }, basis: "priority_stock" });
    expect(promise("silver", { available: 2 })).toMatchObject({ basis: "priority_stock" });
  });

  it("or while priority capacity makes up the rest", () => {
    expect(promise("gold", { available: 1, priorityCapacityUnits: 1 })).toMatchObject({ line: { inStock: true }, basis: "priority_capacity" });
    expect(promise("gold", { available: -1, priorityCapacityUnits: 3 })).toMatchObject({ basis: "priority_capacity" });
  });

  it("capacity is used up by the units already promised beyond stock: a capacity of 2 covers 2 units, not every order", () => {
    // available counts the units before this order: 0, then -1 after one capacity unit, then -2.
    expect(promise("gold", { available: 0, quantity: 1, priorityCapacityUnits: 2 })).toMatchObject({ basis: "priority_capacity" });
    expect(promise("gold", { available: -1, quantity: 1, priorityCapacityUnits: 2 })).toMatchObject({ basis: "priority_capacity" });
    expect(promise("gold", { available: -2, quantity: 1, priorityCapacityUnits: 2 })).toMatchObject({ line: { inStock: false, replenishmentBusinessDays: 7 }, basis: "awarded_lead_time" });
    expect(promise("gold", { available: -5, priorityCapacityUnits: 2 })).toMatchObject({ basis: "awarded_lead_time" });
    // Bronze never draws on it.
    expect(promise("bronze", { available: 0, priorityCapacityUnits: 5 })).toMatchObject({ basis: "awarded_lead_time" });
  });

  it("and wait for the award like everyone else once neither covers them", () => {
    expect(promise("gold", { available: 1 })).toEqual({ line: { sku: "MUG-1", inStock: false, replenishmentBusinessDays: 7 }, basis: "awarded_lead_time" });
  });

  it("before an award, a waiting line takes the rules' default lead time", () => {
    expect(promise("bronze", { shortage: { status: "requested" } })).toEqual({ line: { sku: "MUG-1", inStock: false, replenishmentBusinessDays: null }, basis: "awaiting_award" });
  });

  it("without a shortage every tier is in stock while available covers it", () => {
    expect(promise("bronze", { shortage: null })).toMatchObject({ line: { inStock: true }, basis: "in_stock" });
    expect(promise("gold", { shortage: null, available: 1 })).toMatchObject({ line: { inStock: false, replenishmentBusinessDays: null }, basis: "out_of_stock" });
  });

  it("refuses a quantity below one and negative capacity", () => {
    expect(() => promise("gold", { quantity: 0 })).toThrow(/quantity/);
    expect(() => promise("gold", { priorityCapacityUnits: -1 })).toThrow(/capacity/);
  });

  it("moves the Bronze promise to the awarded lead time and leaves the Gold promise where it was (with the promise calculator)", () => {
    const orderedAt = new Date("2026-12-02T15:00:00Z");
    const shipBy = (tierKey: string, line: ReturnType<typeof promise>["line"]) =>
      calculatePromise({ rules: DEFAULT_PROMISE_RULES, calendar, tierKey, orderedAt, lines: [line], laneBookings: {}, destination: null, shopifyPromises: [], now: orderedAt }).shipByDay;
    const inStock = { sku: "MUG-1", inStock: true, replenishmentBusinessDays: null };

    expect(shipBy("gold", promise("gold").line)).toBe(shipBy("gold", inStock));
    expect(shipBy("gold", inStock)).toBe("2026-12-04");
    // Bronze: 7 business days of stock wait, then its 10-business-day batch.
    expect(shipBy("bronze", inStock)).toBe("2026-12-16");
    expect(shipBy("bronze", promise("bronze").line)).toBe(addWorkingDays(calendar, "2026-12-11", 10));
  });
});

describe("a SKU's requests make its shortage", () => {
  // Wednesday 2 December 2026, 10:00 in the default calendar's zone.
  const decidedAt = new Date("2026-12-02T15:00:00Z");
  const award = (lead: number, at = decidedAt): SkuSupplyRequest => ({ status: "awarded", decidedAt: at, awardedLeadBusinessDays: lead });

  it("is none without requests, requested while any is undecided, else the award arriving last", () => {
    expect(shortageOf(calendar, [])).toBeNull();
    expect(shortageOf(calendar, [award(3), { status: "escalated" }])).toEqual({ status: "requested" });
    expect(shortageOf(calendar, [{ status: "open" }])).toEqual({ status: "requested" });
    expect(shortageOf(calendar, [award(3), award(6), award(2, new Date("2026-12-07T15:00:00Z"))])).toEqual({ status: "awarded", awardedOn: TODAY, leadBusinessDays: 6 });
  });

  it("takes the award's day in the shop's zone", () => {
    // 03:00 UTC on the 3rd is still the 2nd in the default zone (America/New_York).
    expect(shortageOf(calendar, [award(1, new Date("2026-12-03T03:00:00Z"))])).toMatchObject({ awardedOn: TODAY });
  });
});

describe("a paid order's lines follow their SKU's supply", () => {
  const orderedAt = new Date("2026-12-02T15:00:00Z");
  const supply = (requests: SkuSupplyRequest[]) => ({ settings: DEFAULT_REPLENISHMENT_SETTINGS, requests: new Map([["MUG-1", requests]]) });
  const lines = (tierKey: string, availableAfterOrder: number | null, s: ReturnType<typeof supply> | null, leadTimes = new Map<string, number>()) =>
    orderLinesFollowingSupply({ lines: [{ sku: "MUG-1", availableAfterOrder }], leadTimes, supply: s, tierKey, calendar, orderedAt });
  const awarded7 = supply([{ status: "awarded", decidedAt: orderedAt, awardedLeadBusinessDays: 7 }]);

  it("without a shortage: in stock when the order did not oversell, else the SKU's own lead time", () => {
    expect(lines("bronze", 0, null)).toEqual([{ sku: "MUG-1", inStock: true, replenishmentBusinessDays: null }]);
    expect(lines("gold", -1, null, new Map([["MUG-1", 4]]))).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: 4 }]);
    expect(lines("gold", null, awarded7)).toEqual([{ sku: "MUG-1", inStock: true, replenishmentBusinessDays: null }]);
  });

  it("short and awarded: Bronze waits the awarded lead time with units left; Gold keeps its promise while they cover it", () => {
    expect(lines("bronze", 5, awarded7)).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: 7 }]);
    expect(lines("gold", 0, awarded7)).toEqual([{ sku: "MUG-1", inStock: true, replenishmentBusinessDays: null }]);
    expect(lines("silver", 5, awarded7)).toEqual([{ sku: "MUG-1", inStock: true, replenishmentBusinessDays: null }]);
    expect(lines("gold", -1, awarded7)).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: 7 }]);
  });

  it("short: Gold keeps its promise on the SKU's own priority capacity until the units beyond stock use it up", () => {
    const capacity = new Map([["MUG-1", 2]]);
    const gold = (availableAfterOrder: number) => orderLinesFollowingSupply({ lines: [{ sku: "MUG-1", availableAfterOrder }], leadTimes: new Map(), priorityCapacity: capacity, supply: awarded7, tierKey: "gold", calendar, orderedAt });
    expect([-1, -2, -3].map((after) => gold(after)[0].inStock)).toEqual([true, true, false]);
    expect(gold(-3)).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: 7 }]);
    // Another SKU's capacity is not this one's.
    expect(orderLinesFollowingSupply({ lines: [{ sku: "MUG-1", availableAfterOrder: -1 }], leadTimes: new Map(), priorityCapacity: new Map([["CAP-2", 9]]), supply: awarded7, tierKey: "gold", calendar, orderedAt })[0].inStock).toBe(false);
    expect(orderLinesFollowingSupply({ lines: [{ sku: "MUG-1", availableAfterOrder: -1 }], leadTimes: new Map(), priorityCapacity: capacity, supply: awarded7, tierKey: "bronze", calendar, orderedAt })[0].inStock).toBe(false);
  });

  it("short before an award: a waiting line takes the SKU's own lead time, else the rules' default", () => {
    expect(lines("bronze", 5, supply([{ status: "open" }]), new Map([["MUG-1", 4]]))).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: 4 }]);
    expect(lines("bronze", 5, supply([{ status: "escalated" }]))).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: null }]);
  });

  it("an order placed days after the award waits only what remains of it", () => {
    const later = orderLinesFollowingSupply({ lines: [{ sku: "MUG-1", availableAfterOrder: 3 }], leadTimes: new Map(), supply: awarded7, tierKey: "bronze", calendar, orderedAt: new Date("2026-12-07T15:00:00Z") });
    expect(later).toEqual([{ sku: "MUG-1", inStock: false, replenishmentBusinessDays: 4 }]);
  });
});
