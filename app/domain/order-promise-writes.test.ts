import { describe, expect, it } from "vitest";
import { defaultTierRules } from "./tier-rules.ts";
import { fulfillmentDeadlineOf, groupByDeadline, orderTierTag, promiseMetafieldValue } from "./order-promise-writes.ts";

describe("order promise writes", () => {
  it("floors the deadline to the minute, never later than the promise", () => {
    expect(fulfillmentDeadlineOf(new Date("2026-11-25T16:59:59.999Z")).toISOString()).toBe("2026-11-25T16:59:00.000Z");
    expect(fulfillmentDeadlineOf(new Date("2026-11-25T17:00:00.000Z")).toISOString()).toBe("2026-11-25T17:00:00.000Z");
  });

  it("groups fulfillment orders by deadline, cut to the call's limit, without duplicates", () => {
    const d1 = new Date("2026-11-25T17:00:00Z");
    const d2 = new Date("2026-11-26T17:00:00Z");
    const calls = groupByDeadline(
      [
        { deadline: d2, fulfillmentOrderIds: ["c"] },
        { deadline: d1, fulfillmentOrderIds: ["a", "b"] },
        { deadline: d1, fulfillmentOrderIds: ["b", "d"] },
      ],
      2,
    );
    expect(calls).toEqual([
      { deadline: d1, fulfillmentOrderIds: ["a", "b"] },
      { deadline: d1, fulfillmentOrderIds: ["d"] },
      { deadline: d2, fulfillmentOrderIds: ["c"] },
    ]);
    expect(groupByDeadline([], 250)).toEqual([]);
  });

  it("writes the promise as JSON and tags the order with the tier's own tag", () => {
    const value = promiseMetafieldValue({ tierKey: "gold", laneKey: "priority_production", shipBy: new Date("2026-11-25T17:00:00Z"), shipByEarliest: new Date("2026-11-24T17:00:00Z"), arriveEarliestDay: "2026-11-26", arriveLatestDay: "2026-11-28" });
    expect(JSON.parse(value)).toEqual({ tier: "gold", lane: "priority_production", shipBy: "2026-11-25T17:00:00.000Z", shipByEarliest: "2026-11-24T17:00:00.000Z", arriveBy: { earliest: "2026-11-26", latest: "2026-11-28" } });
    const rules = defaultTierRules("USD");
    expect(orderTierTag(rules, "gold")).toBe("tierline:gold");
    expect(orderTierTag(rules, "retired")).toBe("tierline:retired");
  });
});
