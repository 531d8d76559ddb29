// The dashboard's rollup on both databases: a first run builds every day, later runs rebuild only
// the days something changed on, a run repeated changes nothing, and the incremental result equals
// a rebuild from scratch. Days are New York's; a refund lands in the month after its sale. The
// service cost's handling part is the handling cost per order saved on the Promise settings page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { loadFactsBetween, loadFactsByMonth } from "../adapters/db/kpi-rollup-repository.server.ts";
import { membersOverTime, migrationRates, serviceCost, tierDistribution, type TierRef } from "../domain/kpi-figures.ts";
import { rollUpShopKpis, type MemberFigures } from "./kpi-rollup.server.ts";
import { loadDashboard } from "./kpi-dashboard.server.ts";
import { loadPromiseSettingsPage, submitPromiseSettings } from "./promise-settings-admin.server.ts";

const SHOP = "kpi-rollup.myshopify.com";
const A = "gid://shopify/Customer/1";
const B = "gid://shopify/Customer/2";
const ORDER_A = "gid://shopify/Order/11";
const ORDER_B = "gid://shopify/Order/12";

const order = (orderGid: string, customerGid: string, processedAt: string, currentTotal: number) => ({
  shop: SHOP,
  orderGid,
  customerGid,
  processedAt: new Date(processedAt),
  orderUpdatedAt: new Date(processedAt),
  currencyCode: "USD",
  currentTotal,
  financialStatus: "paid",
});

describe.each(DATABASE_KINDS)("KPI rollup on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "kpi_rollup");
    const db = database.db;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" } });
    await db.customer.createMany({ data: [{ shop: SHOP, customerGid: A, tierKey: "gold" }, { shop: SHOP, customerGid: B, tierKey: "silver" }] });
    // 23:30 on Oct 31 in New York; A had Silver at checkout (the stored promise says so).
    await db.ledgerOrder.create({ data: order(ORDER_A, A, "2026-11-01T03:30:00Z", 10_000) });
    await db.orderPromise.create({
      data: { shop: SHOP, orderGid: ORDER_A, customerGid: A, tierKey: "silver", laneKey: "priority_shipping", orderedAt: new Date("2026-11-01T03:30:00Z"), intakeDay: "2026-11-02", shipByEarliest: new Date("2026-11-03T12:00:00Z"), shipBy: new Date("2026-11-04T12:00:00Z"), shipByDay: "2026-11-04" },
    });
    // 00:30 on Nov 1; B has no promise: the tier history says Silver since October.
    await db.ledgerOrder.create({ data: order(ORDER_B, B, "2026-11-01T04:30:00Z", 30_000) });
    await db.tierChange.create({ data: { shop: SHOP, customerGid: B, fromTier: null, toTier: "silver", reason: "order", spend: 60_000, occurredAt: new Date("2026-10-01T16:00:00Z") } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  const facts = async () => (await loadFactsBetween(database.db, SHOP, "2026-01-01", "2027-12-31")).sort((a, b) => `${a.day}${a.metric}${a.tierKey}${a.dim}`.localeCompare(`${b.day}${b.metric}${b.tierKey}${b.dim}`));
  const members = async () => JSON.parse((await database.db.kpiRollupState.findUniqueOrThrow({ where: { shop: SHOP } })).members!) as MemberFigures;

  it("builds every day on the first run, sales on the shop's local day under the tier at checkout", async () => {
    const result = await rollUpShopKpis({ db: database.db, shop: SHOP, now: new Date() });
    expect(result).toMatchObject({ full: true, members: true });
    expect(await facts()).toEqual([
      { day: "2026-10-01", metric: "migration", tierKey: "none", dim: "silver", value: 1 },
      { day: "2026-10-31", metric: "orders", tierKey: "silver", dim: "", value: 1 },
      { day: "2026-10-31", metric: "revenue", tierKey: "silver", dim: "", value: 10_000 },
      { day: "2026-11-01", metric: "orders", tierKey: "silver", dim: "", value: 1 },
      { day: "2026-11-01", metric: "revenue", tierKey: "silver", dim: "", value: 30_000 },
    ]);
  });

  it("takes in a refund made in December on its day, leaving the November sale as it was", async () => {
    const db = database.db;
    await db.ledgerRefund.create({ data: { shop: SHOP, refundGid: "gid://shopify/Refund/1", orderGid: ORDER_B, createdAt: new Date("2026-12-02T15:00:00Z"), transactions: 5_000, lineItems: 5_000 } });
    await db.ledgerOrder.update({ where: { shop_orderGid: { shop: SHOP, orderGid: ORDER_B } }, data: { currentTotal: 25_000, financialStatus: "partially_refunded" } });
    const result = await rollUpShopKpis({ db, shop: SHOP, now: new Date() });
    expect(result.full).toBe(false);
    expect(result.days).toBeGreaterThanOrEqual(2);
    const after = await facts();
    expect(after).toContainEqual({ day: "2026-11-01", metric: "revenue", tierKey: "silver", dim: "", value: 30_000 });
    expect(after).toContainEqual({ day: "2026-12-02", metric: "refunds", tierKey: "silver", dim: "", value: 5_000 });
    expect(after).toHaveLength(6);
  });

  it("writes the same facts when run again, and the same as a rebuild from scratch", async () => {
    const db = database.db;
    const before = await facts();
    await rollUpShopKpis({ db, shop: SHOP, now: new Date() });
    expect(await facts()).toEqual(before);
    await db.kpiRollupState.delete({ where: { shop: SHOP } });
    await db.kpiDailyFact.deleteMany({ where: { shop: SHOP } });
    expect(await rollUpShopKpis({ db, shop: SHOP, now: new Date() })).toMatchObject({ full: true });
    expect(await facts()).toEqual(before);
  });

  it("gives the page the same figures from facts summed per month as from the daily rows", async () => {
    const tiers: TierRef[] = [
      { key: "bronze", name: "Bronze", entryThresholdMinor: 0 },
      { key: "silver", name: "Silver", entryThresholdMinor: 50_000 },
      { key: "gold", name: "Gold", entryThresholdMinor: 200_000 },
    ];
    const counts = { gold: 1, silver: 1 };
    // A range that cuts October and November in the middle; the period before it holds October 1.
    const range = { from: "2026-10-15", to: "2026-11-20" };
    const daily = await loadFactsBetween(database.db, SHOP, "2026-09-08", "2026-12-10");
    const monthly = await loadFactsByMonth(database.db, SHOP, { previousFrom: "2026-09-08", from: range.from, to: range.to, today: "2026-12-10" });
    const figures = (facts: typeof daily) => ({
      distribution: tierDistribution(tiers, counts, facts, range),
      overTime: membersOverTime(tiers, counts, facts, range),
      rates: migrationRates(tiers, counts, facts, range),
      service: serviceCost(tiers, counts, facts, range, { gold: 300 }),
    });
    expect(figures(monthly)).toEqual(figures(daily));
    expect(figures(daily).rates).toEqual([expect.objectContaining({ from: "none", to: "silver", previous: expect.objectContaining({ moves: 1 }) })]);
  });

  it("keeps each member tier's trailing-year value with refunds taken out", async () => {
    const figures = await members();
    const byTier = Object.fromEntries(figures.ltv.map((row) => [row.tierKey, row]));
    // B (Silver): 25,000 kept of one order; A (Gold): 10,000 of one.
    expect(byTier.silver).toMatchObject({ members: 1, revenuePerMemberMinor: 25_000, averageOrderMinor: 25_000, ordersPerMember: 1, repeatRate: 0 });
    expect(byTier.gold).toMatchObject({ members: 1, revenuePerMemberMinor: 10_000 });
    expect(figures.rfm.members).toBe(2);
  });
  it("counts the handling cost per order saved on the Promise settings page in the dashboard's service cost", async () => {
    const db = database.db;
    const now = new Date("2026-12-10T15:00:00Z");
    const params = new URLSearchParams({ from: "2026-10-15", to: "2026-11-20" });
    const before = await loadDashboard({ db, shop: SHOP, params, now });
    expect(before.handlingCostSet).toBe(false);
    expect(before.service.filter((row) => row.tierKey === "silver").map((row) => [row.month, row.orders, row.handlingCostMinor])).toEqual([["2026-10", 1, 0], ["2026-11", 1, 0]]);

    const page = await loadPromiseSettingsPage({ db, shop: SHOP, now, locale: "en-US" });
    const draft = { ...page.draft, lanes: page.draft.lanes.map((lane) => (lane.tierKey === "silver" ? { ...lane, handlingCost: "2.50" } : lane)) };
    expect(await submitPromiseSettings({ db, shop: SHOP, intent: "save", draft, now, locale: "en-US" })).toMatchObject({ ok: true });

    const after = await loadDashboard({ db, shop: SHOP, params, now });
    expect(after.handlingCostSet).toBe(true);
    // One Silver order in each month: 2.50 each; Gold (no cost set) stays free.
    expect(after.service.filter((row) => row.tierKey === "silver").map((row) => [row.month, row.orders, row.handlingCostMinor])).toEqual([["2026-10", 1, 250], ["2026-11", 1, 250]]);
    expect(after.service.filter((row) => row.tierKey === "gold").every((row) => row.handlingCostMinor === 0)).toBe(true);
  });
});
