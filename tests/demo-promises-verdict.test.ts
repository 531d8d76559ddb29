// The demo's promise step fails `npm run demo -- --once` (and so `npm test`) when an order gets no
// deadline, a full lane does not roll over, or the kept rate contradicts the shipments it made:
// the verdict it uses, held to outcomes the app must never produce.
import { describe, expect, it } from "vitest";
import { describePromiseStories, judgePromiseStories, summarizePromiseStories, type PromisedOrder, type PromiseStories } from "../scripts/lib/demo-promises.ts";

const LANES = { gold: "priority_production", silver: "priority_shipping", bronze: "standard_batch" };

function order(name: string, buyer: PromisedOrder["buyer"], tier: keyof typeof LANES, shipBy: string, shipByDay: string, ship: PromisedOrder["ship"], extra: Partial<NonNullable<PromisedOrder["promise"]>> = {}): PromisedOrder {
  const deadline = new Date(Math.floor(Date.parse(shipBy) / 60_000) * 60_000).toISOString();
  return {
    name,
    orderGid: `gid://shopify/Order/${name.slice(1)}`,
    buyer,
    heldBefore: buyer === "guest" ? null : tier,
    expectedTier: tier,
    promise: { tierKey: tier, laneKey: LANES[tier], shipBy, shipByDay, laneFull: null, ...extra },
    store: { fulfillBy: [deadline], metafield: { tier, lane: LANES[tier], shipBy }, tags: [`tierline:${tier}`] },
    ship,
    shippedAt: ship === "not_shipped" ? null : ship === "on_time" ? "2026-12-02T15:20:00.000Z" : new Date(Date.parse(shipBy) + 86_400_000).toISOString(),
    outcome: ship === "not_shipped" ? null : ship === "on_time" ? "kept" : "late",
  };
}

/** What the rules say: the outcome a correct Tierline produces in the demo (Gold lane of 2 a day). */
function asTheRulesSay(): PromiseStories {
  return {
    timeZone: "America/New_York",
    capped: { laneKey: "priority_production", laneName: "Priority production", tierKey: "gold", dailyCapacity: 2 },
    lanes: LANES,
    bookings: { "2026-12-04": 2, "2026-12-07": 1 },
    orders: [
      order("#1092", "gold", "gold", "2026-12-04T15:10:12.345Z", "2026-12-04", "on_time"),
      order("#1093", "gold", "gold", "2026-12-04T15:10:13.000Z", "2026-12-04", "late"),
      order("#1094", "gold", "gold", "2026-12-08T04:59:59.999Z", "2026-12-07", "on_time", { laneFull: { fullDays: ["2026-12-04"], movedTo: "2026-12-07" } }),
      order("#1095", "silver", "silver", "2026-12-07T15:10:14.000Z", "2026-12-07", "on_time"),
      order("#1096", "bronze", "bronze", "2026-12-17T04:59:59.999Z", "2026-12-16", "late"),
      order("#1097", "guest", "bronze", "2026-12-17T04:59:59.999Z", "2026-12-16", "on_time"),
    ],
    rates: [
      { key: "bronze", kept: 1, late: 1, rate: 0.5 },
      { key: "gold", kept: 2, late: 1, rate: 2 / 3 },
      { key: "silver", kept: 1, late: 0, rate: 1 },
    ],
    thankYou: { url: "http://127.0.0.1:1/_sim/checkout/demo/thank-you/92", expected: "Gold member: ships by Fri, Dec 4", seen: "Gold member: ships by Fri, Dec 4", checked: true },
  };
}

describe("the demo's verdict on delivery promises", () => {
  it("passes the outcome the rules say, and tells it as a table, the shipments and the kept rate, highest tier first", () => {
    const stories = asTheRulesSay();
    expect(judgePromiseStories(stories)).toEqual([]);
    const lines = describePromiseStories(stories);
    expect(lines[0]).toBe("Priority production (Gold's lane) limited to 2 orders a day in the promise rules; then paid orders from members and a guest:");
    expect(lines[1]).toMatch(/^order\s+buyer\s+tier\s+lane\s+ship-by \(America\/New_York\)\s+deadline on its fulfillment orders \(store\)$/);
    expect(lines[2]).toMatch(/^#1092\s+Gold member\s+Gold\s+priority_production\s+Fri, Dec 4, 10:10\s+2026-12-04T15:10:00.000Z$/);
    expect(lines[4]).toMatch(/Mon, Dec 7, 23:59\s+2026-12-08T04:59:00.000Z {2}← lane full on Fri, Dec 4: moved to Mon, Dec 7$/);
    expect(lines[7]).toMatch(/^#1097\s+guest\s+Bronze\s+standard_batch/);
    expect(lines[8]).toBe("the merchant ships: #1092 now → kept; #1093 Sat, Dec 5, 10:10, a day after its ship-by → late; #1094 now → kept; #1095 now → kept; #1096 Thu, Dec 17, 23:59, a day after its ship-by → late; #1097 now → kept");
    expect(lines[9]).toBe("promise kept per tier: Gold 67% (2 of 3), Silver 100% (1 of 1), Bronze 50% (1 of 2)");
    expect(summarizePromiseStories(stories)).toMatchObject({ keptRatePerTier: { gold: { kept: 2, late: 1 } }, thankYouPage: stories.thankYou.url });
  });

  it("fails an order without a promise, or with another tier's", () => {
    const none = asTheRulesSay();
    none.orders[3].promise = null;
    expect(judgePromiseStories(none)).toContain("#1095 (Silver member): no promise was made");
    const wrongTier = asTheRulesSay();
    wrongTier.orders[5] = { ...order("#1097", "guest", "bronze", "2026-12-07T15:10:14.000Z", "2026-12-07", "on_time"), promise: { tierKey: "silver", laneKey: "priority_shipping", shipBy: "2026-12-07T15:10:14.000Z", shipByDay: "2026-12-07", laneFull: null } };
    expect(judgePromiseStories(wrongTier)[0]).toBe("#1097 (a guest): promised Silver's ship-by, the rules say Bronze's");
    const notGold = asTheRulesSay();
    notGold.orders[0].heldBefore = "silver";
    expect(judgePromiseStories(notGold)).toEqual(["#1092 (Gold member): holds Silver before the order, the demo's first order makes Gold"]);
  });

  it("fails a deadline not written, or not the promise's, on any fulfillment order, and a missing metafield or tag", () => {
    const stories = asTheRulesSay();
    stories.orders[0].store.fulfillBy = ["2026-12-04T15:10:00.000Z", null];
    stories.orders[1].store.fulfillBy = [];
    stories.orders[3].store.fulfillBy = ["2026-12-08T15:10:00.000Z"];
    stories.orders[4].store.metafield = null;
    stories.orders[5].store.tags = [];
    expect(judgePromiseStories(stories)).toEqual([
      "#1092 (Gold member): 1 of 2 fulfillment orders have deadline none, the promise says 2026-12-04T15:10:00.000Z",
      "#1093 (Gold member): the store shows no open fulfillment order to carry the deadline",
      "#1095 (Silver member): 1 of 1 fulfillment orders have deadline 2026-12-08T15:10:00.000Z, the promise says 2026-12-07T15:10:00.000Z",
      "#1096 (Bronze member): no delivery_promise metafield on the order",
      "#1097 (a guest): the order is not tagged tierline:bronze",
    ]);
  });

  it("fails a full lane that does not roll over, an overbooked day, and a roll-over past a day with room", () => {
    const noRoll = asTheRulesSay();
    noRoll.orders[2].promise = { ...noRoll.orders[2].promise!, shipByDay: "2026-12-04", laneFull: null };
    noRoll.bookings = { "2026-12-04": 3 };
    expect(judgePromiseStories(noRoll)).toEqual([
      "#1092 (Gold member): ship-by day 2026-12-04 holds 3 Priority production orders, the lane takes 2",
      "#1093 (Gold member): ship-by day 2026-12-04 holds 3 Priority production orders, the lane takes 2",
      "#1094 (Gold member): ship-by day 2026-12-04 holds 3 Priority production orders, the lane takes 2",
      "3 Priority production orders into a lane of 2 a day, none moved to a day with room",
    ]);
    const early = asTheRulesSay();
    early.bookings = { "2026-12-04": 1, "2026-12-07": 1 };
    expect(judgePromiseStories(early)).toEqual(["#1094 (Gold member): moved past 2026-12-04 as full, which holds 1 of 2"]);
  });

  it("fails a shipment scored against the clock, and a kept rate that is not the shipments made", () => {
    const scored = asTheRulesSay();
    scored.orders[1].outcome = "kept";
    scored.orders[3].outcome = null;
    expect(judgePromiseStories(scored)).toEqual([
      "#1093 (Gold member): shipped after its ship-by, Tierline scored it kept, the rules say late",
      "#1095 (Silver member): shipped before its ship-by, Tierline scored it not at all, the rules say kept",
    ]);
    const rates = asTheRulesSay();
    rates.rates = [{ key: "gold", kept: 3, late: 0, rate: 1 }, { key: "silver", kept: 1, late: 0, rate: 1 }, { key: "platinum", kept: 1, late: 0, rate: 1 }];
    expect(judgePromiseStories(rates)).toEqual([
      "Gold: promise-kept rate counts 3 kept, 0 late, the demo shipped 2 on time, 1 late",
      "Bronze: promise-kept rate counts nothing, the demo shipped 1 on time, 1 late",
      "Platinum: promise-kept rate counts 1 kept, 0 late, the demo shipped none",
    ]);
  });

  it("fails a thank-you page that does not show the Gold buyer's promise, unless no browser could open it", () => {
    const blank = asTheRulesSay();
    blank.thankYou.seen = null;
    expect(judgePromiseStories(blank)).toEqual(["the thank-you page shows no promise, the Gold buyer's promise is \"Gold member: ships by Fri, Dec 4\""]);
    blank.thankYou.checked = false;
    expect(judgePromiseStories(blank)).toEqual([]);
  });
});
