// Every figure on a small ledger, worked out by hand (New York time; the expected values are written
// out, not computed): a sale at 23:30 on Oct 31 local is October's although it is Nov 1 in UTC, and a
// refund made on Dec 2 lowers December, not the November of its sale.
import { describe, expect, it } from "vitest";
import { cycleBucket, dailyFacts, lateCause, type KpiOrderRow } from "./kpi-facts.ts";
import {
  cycleTimes,
  histogramPercentile,
  lifetimeValue,
  membersAtEndOf,
  membersOverTime,
  migrationMatrix,
  migrationRates,
  promiseKept,
  rfmScores,
  rfmSummary,
  serviceCost,
  tierDistribution,
  type TierRef,
} from "./kpi-figures.ts";
import { localDayOf, monthsOf, parseDayRange, previousRange } from "./kpi-periods.ts";

const ZONE = "America/New_York";
const TIERS: TierRef[] = [
  { key: "bronze", name: "Bronze", entryThresholdMinor: 0 },
  { key: "silver", name: "Silver", entryThresholdMinor: 50_000 },
  { key: "gold", name: "Gold", entryThresholdMinor: 200_000 },
];
const NOW_COUNTS = { bronze: 5, silver: 3, gold: 2 };

const order = (o: Partial<KpiOrderRow> & Pick<KpiOrderRow, "orderId" | "processedAt" | "currentTotalMinor" | "tierKey">): KpiOrderRow => ({
  currency: "USD",
  refundedGoodsMinor: 0,
  test: false,
  financialStatus: "paid",
  ...o,
});

const orderB = order({ orderId: "B", processedAt: new Date("2026-11-01T04:30:00Z"), currentTotalMinor: 30_000, refundedGoodsMinor: 5_000, tierKey: "gold", financialStatus: "partially_refunded" });

const facts = dailyFacts(
  {
    shopCurrency: "USD",
    orders: [
      order({ orderId: "A", processedAt: new Date("2026-11-01T03:30:00Z"), currentTotalMinor: 10_000, tierKey: "silver" }),
      orderB,
      order({ orderId: "C", processedAt: new Date("2026-11-15T15:00:00Z"), currentTotalMinor: 2_000, tierKey: null }),
      order({ orderId: "D", processedAt: new Date("2026-11-15T15:00:00Z"), currentTotalMinor: 9_999, tierKey: "gold", test: true }),
      order({ orderId: "E", processedAt: new Date("2026-11-15T15:00:00Z"), currentTotalMinor: 9_999, tierKey: "gold", financialStatus: "pending" }),
      order({ orderId: "F", processedAt: new Date("2026-11-15T15:00:00Z"), currentTotalMinor: 9_999, tierKey: "gold", currency: "EUR" }),
      order({ orderId: "G", processedAt: new Date("2026-11-20T15:00:00Z"), currentTotalMinor: 4_000, tierKey: "bronze" }),
    ],
    refunds: [
      { createdAt: new Date("2026-12-02T15:00:00Z"), transactionsMinor: 5_000, order: orderB },
      { createdAt: new Date("2026-12-03T15:00:00Z"), transactionsMinor: 0, order: orderB },
    ],
    tierChanges: [
      { fromTier: "bronze", toTier: "silver", occurredAt: new Date("2026-11-01T03:00:00Z") },
      { fromTier: "bronze", toTier: "silver", occurredAt: new Date("2026-11-10T12:00:00Z") },
      { fromTier: "silver", toTier: "gold", occurredAt: new Date("2026-11-20T12:00:00Z") },
      { fromTier: "gold", toTier: "silver", occurredAt: new Date("2026-12-05T12:00:00Z") },
      { fromTier: null, toTier: "bronze", occurredAt: new Date("2026-12-06T12:00:00Z") },
    ],
    shipmentLines: [
      ...Array.from({ length: 3 }, () => ({ tierKey: "gold", shipDay: "2026-11-03", outcome: "kept" as const, cause: null })),
      { tierKey: "gold", shipDay: "2026-11-03", outcome: "late", cause: "capacity" },
      { tierKey: "silver", shipDay: "2026-11-04", outcome: "late", cause: "supplier" },
      { tierKey: "bronze", shipDay: "2026-10-30", outcome: "late", cause: "stock" },
    ],
    shippedOrders: [
      { tierKey: "gold", orderedAt: new Date("2026-11-02T10:00:00Z"), shippedAt: new Date("2026-11-03T06:00:00Z") },
      { tierKey: "gold", orderedAt: new Date("2026-11-02T10:00:00Z"), shippedAt: new Date("2026-11-03T16:00:00Z") },
      { tierKey: "gold", orderedAt: new Date("2026-11-02T10:00:00Z"), shippedAt: new Date("2026-11-03T16:00:00Z") },
      // 100 hours later, at 21:00 on Nov 30 in New York (Dec 1 in UTC): November's.
      { tierKey: "gold", orderedAt: new Date("2026-11-26T22:00:00Z"), shippedAt: new Date("2026-12-01T02:00:00Z") },
    ],
    supplyAwards: [
      { tierKey: "gold", decidedAt: new Date("2026-11-05T12:00:00Z"), totalMinor: 12_000, usualTotalMinor: 10_000 },
      { tierKey: "gold", decidedAt: new Date("2026-11-06T12:00:00Z"), totalMinor: 9_000, usualTotalMinor: 10_000 },
    ],
  },
  ZONE,
);

const NOV = { from: "2026-11-01", to: "2026-11-30" };
const NOV_DEC = { from: "2026-11-01", to: "2026-12-31" };

describe("daily facts", () => {
  it("books sales on the local day of the sale, refunds on the day of the refund, and leaves out tests, unpaid and foreign-currency orders", () => {
    const money = facts.filter((fact) => ["orders", "revenue", "refunds"].includes(fact.metric));
    expect(money).toEqual(
      expect.arrayContaining([
        { day: "2026-10-31", metric: "orders", tierKey: "silver", dim: "", value: 1 },
        { day: "2026-10-31", metric: "revenue", tierKey: "silver", dim: "", value: 10_000 },
        { day: "2026-11-01", metric: "orders", tierKey: "gold", dim: "", value: 1 },
        { day: "2026-11-01", metric: "revenue", tierKey: "gold", dim: "", value: 35_000 },
        { day: "2026-11-15", metric: "revenue", tierKey: "none", dim: "", value: 2_000 },
        { day: "2026-11-20", metric: "revenue", tierKey: "bronze", dim: "", value: 4_000 },
        { day: "2026-12-02", metric: "refunds", tierKey: "gold", dim: "", value: 5_000 },
      ]),
    );
    expect(money).toHaveLength(9);
  });

  it("names why a promise was late", () => {
    expect(lateCause([{ kind: "awaiting_stock", defaultLeadTime: false }, { kind: "lane_full" }])).toBe("capacity");
    expect(lateCause([{ kind: "awaiting_stock", defaultLeadTime: false }])).toBe("supplier");
    expect(lateCause([{ kind: "awaiting_stock", defaultLeadTime: true }])).toBe("stock");
    expect(lateCause([{ kind: "after_cutoff" }])).toBe("handling");
    expect(lateCause([])).toBe("handling");
  });

  it("puts cycle times in their histogram buckets, upper bound included", () => {
    expect([cycleBucket(0), cycleBucket(4), cycleBucket(4.01), cycleBucket(720), cycleBucket(721)]).toEqual(["4", "4", "8", "720", "inf"]);
    expect(facts.filter((fact) => fact.metric === "cycle")).toEqual([
      { day: "2026-11-03", metric: "cycle", tierKey: "gold", dim: "24", value: 1 },
      { day: "2026-11-03", metric: "cycle", tierKey: "gold", dim: "36", value: 2 },
      { day: "2026-11-30", metric: "cycle", tierKey: "gold", dim: "120", value: 1 },
    ]);
  });
});

describe("periods", () => {
  it("takes days and months in the shop's zone", () => {
    expect(localDayOf(new Date("2026-11-01T03:30:00Z"), ZONE)).toBe("2026-10-31");
    expect(localDayOf(new Date("2026-11-01T04:30:00Z"), ZONE)).toBe("2026-11-01");
    expect(monthsOf({ from: "2026-10-31", to: "2026-12-01" })).toEqual(["2026-10", "2026-11", "2026-12"]);
    expect(previousRange(NOV)).toEqual({ from: "2026-10-02", to: "2026-10-31" });
  });

  it("clamps a merchant's range and falls back on bad input", () => {
    expect(parseDayRange("2026-11-01", "2027-01-31", "2026-12-10")).toEqual({ from: "2026-11-01", to: "2026-12-10" });
    expect(parseDayRange("2026-12-01", "2026-11-01", "2026-12-10")).toEqual({ from: "2026-09-12", to: "2026-12-10" });
    expect(parseDayRange("2026-02-30", "2026-11-01", "2026-12-10")).toEqual({ from: "2026-09-12", to: "2026-12-10" });
    expect(parseDayRange("2020-01-01", "2026-12-10", "2026-12-10")).toEqual({ from: "2024-12-10", to: "2026-12-10" });
  });
});

describe("tier figures", () => {
  it("splits members and net revenue between tiers", () => {
    expect(tierDistribution(TIERS, NOW_COUNTS, facts, NOV_DEC)).toEqual([
      { tierKey: "bronze", members: 5, memberShare: 0.5, netRevenueMinor: 4_000, revenueShare: 4_000 / 36_000 },
      { tierKey: "silver", members: 3, memberShare: 0.3, netRevenueMinor: 0, revenueShare: 0 },
      { tierKey: "gold", members: 2, memberShare: 0.2, netRevenueMinor: 30_000, revenueShare: 30_000 / 36_000 },
      { tierKey: "none", members: 0, memberShare: 0, netRevenueMinor: 2_000, revenueShare: 2_000 / 36_000 },
    ]);
  });

  it("walks tier changes back from today's counts", () => {
    expect(membersAtEndOf("2026-11-30", NOW_COUNTS, facts)).toEqual({ bronze: 4, silver: 2, gold: 3 });
    expect(membersAtEndOf("2026-10-31", NOW_COUNTS, facts)).toEqual({ bronze: 5, silver: 2, gold: 2 });
    expect(membersAtEndOf("2026-10-30", NOW_COUNTS, facts)).toEqual({ bronze: 6, silver: 1, gold: 2 });
    expect(membersOverTime(TIERS, NOW_COUNTS, facts, NOV_DEC)).toEqual([
      { month: "2026-11", counts: { bronze: 4, silver: 2, gold: 3 } },
      { month: "2026-12", counts: { bronze: 5, silver: 3, gold: 2 } },
    ]);
  });

  it("counts moves per month between tiers, the Oct 31 evening move in October", () => {
    expect(migrationMatrix(TIERS, facts, NOV_DEC)).toEqual([
      { month: "2026-11", from: "bronze", to: "silver", moves: 1, direction: "up" },
      { month: "2026-11", from: "silver", to: "gold", moves: 1, direction: "up" },
      { month: "2026-12", from: "gold", to: "silver", moves: 1, direction: "down" },
      { month: "2026-12", from: "none", to: "bronze", moves: 1, direction: "joined" },
    ]);
  });

  it("rates moves against the tier's members at the start, this period and the one before", () => {
    const rates = migrationRates(TIERS, NOW_COUNTS, facts, NOV);
    expect(rates).toHaveLength(2);
    const bronzeSilver = rates.find((rate) => rate.from === "bronze")!;
    expect(bronzeSilver.current).toEqual({ moves: 1, base: 5, rate: 0.2 });
    expect(bronzeSilver.previous).toEqual({ moves: 1, base: 6, rate: 1 / 6 });
    expect(bronzeSilver.change).toBeCloseTo(0.2 - 1 / 6, 12);
    expect(rates.find((rate) => rate.from === "silver")).toEqual({
      from: "silver",
      to: "gold",
      direction: "up",
      current: { moves: 1, base: 2, rate: 0.5 },
      previous: { moves: 0, base: 1, rate: 0 },
      change: 0.5,
    });
  });

  it("gives each tier's trailing-year value per member", () => {
    const members = [
      { tierKey: "gold", revenueMinor: 300_000, orders: 3, lastOrderAt: null },
      { tierKey: "gold", revenueMinor: 100_000, orders: 1, lastOrderAt: null },
      { tierKey: "silver", revenueMinor: 60_000, orders: 2, lastOrderAt: null },
      { tierKey: "silver", revenueMinor: 0, orders: 0, lastOrderAt: null },
    ];
    expect(lifetimeValue(TIERS, members)).toEqual([
      { tierKey: "bronze", members: 0, revenuePerMemberMinor: null, averageOrderMinor: null, ordersPerMember: null, repeatRate: null },
      { tierKey: "silver", members: 2, revenuePerMemberMinor: 30_000, averageOrderMinor: 30_000, ordersPerMember: 1, repeatRate: 0.5 },
      { tierKey: "gold", members: 2, revenuePerMemberMinor: 200_000, averageOrderMinor: 100_000, ordersPerMember: 2, repeatRate: 0.5 },
    ]);
  });
});

describe("service figures", () => {
  it("rates promises kept per tier with the causes of late lines", () => {
    expect(promiseKept(TIERS, facts, NOV)).toEqual([
      { tierKey: "bronze", kept: 0, late: 0, rate: null, lateBy: { capacity: 0, stock: 0, supplier: 0, handling: 0 } },
      { tierKey: "silver", kept: 0, late: 1, rate: 0, lateBy: { capacity: 0, stock: 0, supplier: 1, handling: 0 } },
      { tierKey: "gold", kept: 3, late: 1, rate: 0.75, lateBy: { capacity: 1, stock: 0, supplier: 0, handling: 0 } },
    ]);
  });

  it("reads the median and p90 order-to-ship time from the histogram", () => {
    expect(cycleTimes(TIERS, facts, NOV)).toEqual([
      { tierKey: "bronze", orders: 0, medianHours: null, p90Hours: null },
      { tierKey: "silver", orders: 0, medianHours: null, p90Hours: null },
      { tierKey: "gold", orders: 4, medianHours: 36, p90Hours: 120 },
    ]);
    expect(histogramPercentile(new Map([["8", 9], ["inf", 1]]), 0.9)).toBe(8);
    expect(histogramPercentile(new Map([["8", 8], ["inf", 2]]), 0.9)).toBeNull();
  });

  it("sets the cost of priority handling and supply against the revenue above the lowest tier, per month", () => {
    expect(serviceCost(TIERS, NOW_COUNTS, facts, NOV_DEC, { gold: 500, silver: 200 })).toEqual([
      // November: Bronze brought 4,000 from 4 members (1,000 each).
      { month: "2026-11", tierKey: "silver", orders: 0, handlingCostMinor: 0, supplyCostMinor: 0, extraRevenueMinor: -2_000 },
      { month: "2026-11", tierKey: "gold", orders: 1, handlingCostMinor: 500, supplyCostMinor: 2_000, extraRevenueMinor: 32_000 },
      // December: Bronze brought nothing; Gold's refund is December's.
      { month: "2026-12", tierKey: "silver", orders: 0, handlingCostMinor: 0, supplyCostMinor: 0, extraRevenueMinor: 0 },
      { month: "2026-12", tierKey: "gold", orders: 0, handlingCostMinor: 0, supplyCostMinor: 0, extraRevenueMinor: -5_000 },
    ]);
  });
});

describe("RFM", () => {
  const now = new Date("2026-12-10T00:00:00Z");
  const members = [
    { tierKey: "gold", lastOrderAt: new Date("2026-12-09T00:00:00Z"), orders: 5, revenueMinor: 500_000 },
    { tierKey: "gold", lastOrderAt: new Date("2026-12-01T00:00:00Z"), orders: 3, revenueMinor: 200_000 },
    { tierKey: "silver", lastOrderAt: new Date("2026-11-10T00:00:00Z"), orders: 2, revenueMinor: 60_000 },
    { tierKey: "bronze", lastOrderAt: new Date("2026-06-13T00:00:00Z"), orders: 1, revenueMinor: 10_000 },
    { tierKey: "bronze", lastOrderAt: null, orders: 0, revenueMinor: 0 },
  ];

  it("scores each dimension in quintiles, the most recent, frequent and valuable highest", () => {
    expect(rfmScores(members, now).map((member) => member.score)).toEqual([
      { recency: 5, frequency: 5, monetary: 5 },
      { recency: 4, frequency: 4, monetary: 4 },
      { recency: 3, frequency: 3, monetary: 3 },
      { recency: 2, frequency: 2, monetary: 2 },
      { recency: 1, frequency: 1, monetary: 1 },
    ]);
  });

  it("gives equal values the same score", () => {
    const same = members.map((member) => ({ ...member, orders: 2 }));
    expect(new Set(rfmScores(same, now).map((member) => member.score.frequency))).toEqual(new Set([1]));
  });

  it("shows where the tier thresholds cut the monetary scores", () => {
    const summary = rfmSummary(TIERS, rfmScores(members, now));
    expect(summary.monetary[2]).toEqual({ score: 3, members: 1, minMinor: 60_000, maxMinor: 60_000 });
    expect(summary.thresholds).toEqual([
      { tierKey: "silver", thresholdMinor: 50_000, monetaryScore: 3, membersAtOrAbove: 3, shareAtOrAbove: 0.6 },
      { tierKey: "gold", thresholdMinor: 200_000, monetaryScore: 4, membersAtOrAbove: 2, shareAtOrAbove: 0.4 },
    ]);
  });
});
