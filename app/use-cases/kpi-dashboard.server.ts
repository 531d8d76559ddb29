// The dashboard page's data: the merchant's date range, the stored daily facts of that range and of
// the period before it (for the migration rates), today's member counts, the members' trailing-year
// figures as the rollup last computed them, and the promise lanes' handling costs. Reads only the
// rollup tables and the member counts, never the ledger (docs/decisions/0017).
import type { Db } from "../db.server.ts";
import {
  cycleTimes,
  migrationMatrix,
  migrationRates,
  membersOverTime,
  promiseKept,
  serviceCost,
  tierDistribution,
} from "../domain/kpi-figures.ts";
import { lastDays, localDayOf, parseDayRange, previousRange, rangeDays, type DayRange } from "../domain/kpi-periods.ts";
import { loadFactsByMonth, loadRollupState, memberCountsByTier } from "../adapters/db/kpi-rollup-repository.server.ts";
import { loadPromiseSettings } from "../adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { tierRefs, type MemberFigures } from "./kpi-rollup.server.ts";

export const RANGE_PRESETS = [30, 90, 180, 365] as const;

export type DashboardData = Awaited<ReturnType<typeof loadDashboard>>;

function rangeFrom(params: URLSearchParams, today: string): { range: DayRange; preset: number | null } {
  const days = Number(params.get("days"));
  if ((RANGE_PRESETS as readonly number[]).includes(days)) return { range: lastDays(today, days), preset: days };
  if (params.get("from") || params.get("to")) return { range: parseDayRange(params.get("from"), params.get("to"), today), preset: null };
  return { range: lastDays(today, 90), preset: 90 };
}

export async function loadDashboard({ db, shop, params, now }: { db: Db; shop: string; params: URLSearchParams; now: Date }) {
  // The facts (the longest read) start as soon as the settings give the shop's day; the rest meanwhile.
  const factsRead = loadPromiseSettings(db, shop).then(async (settings) => {
    const today = localDayOf(now, settings.rules.calendar.timeZone);
    const { range, preset } = rangeFrom(params, today);
    // From the previous period's start to today: rates compare periods, member counts walk back from today.
    const facts = await loadFactsByMonth(db, shop, { previousFrom: previousRange(range).from, from: range.from, to: range.to, today });
    return { settings, today, range, preset, facts };
  });
  const [{ settings, today, range, preset, facts }, rules, state, counts] = await Promise.all([factsRead, loadTierRules(db, shop), loadRollupState(db, shop), memberCountsByTier(db, shop)]);
  const zone = settings.rules.calendar.timeZone;
  const tiers = tierRefs(rules);
  const handlingCost = Object.fromEntries(settings.rules.lanes.map((lane) => [lane.tierKey, lane.handlingCostMinor ?? 0]));
  const members = state?.members ? (JSON.parse(state.members) as MemberFigures) : null;
  const memberTotal = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return {
    currency: rules.currency,
    zone,
    today,
    range,
    rangeDays: rangeDays(range),
    preset,
    presets: RANGE_PRESETS,
    rolledUntil: state?.rolledUntil?.toISOString() ?? null,
    empty: memberTotal === 0 && facts.length === 0,
    tiers: tiers.map((tier) => ({ key: tier.key, name: tier.name })),
    distribution: tierDistribution(tiers, counts, facts, range),
    overTime: membersOverTime(tiers, counts, facts, range),
    migrations: migrationMatrix(tiers, facts, range),
    rates: migrationRates(tiers, counts, facts, range),
    ltv: members?.ltv ?? null,
    rfm: members?.rfm ?? null,
    membersComputedAt: members?.computedAt ?? null,
    promise: promiseKept(tiers, facts, range),
    cycle: cycleTimes(tiers, facts, range),
    service: serviceCost(tiers, counts, facts, range, handlingCost),
    handlingCostSet: Object.values(handlingCost).some((cost) => cost > 0),
  };
}
