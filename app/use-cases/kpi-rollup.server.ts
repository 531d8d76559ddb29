// Keeps a shop's dashboard figures current: the days something changed on since the last run are
// rebuilt whole from the stored rows (so a redelivered event, a retried job or two overlapping runs
// write the same facts), and the members' trailing-year figures are recomputed when stale.
// Run by the tier-maintenance queue every minute per shop (docs/decisions/0017); the first run of a
// shop builds every day of its history.
import type { Db } from "../db.server.ts";
import { dailyFacts, type KpiFact } from "../domain/kpi-facts.ts";
import { dayAdd, localDayOf, type LocalDay } from "../domain/kpi-periods.ts";
import { lifetimeValue, rfmScores, rfmSummary, type LifetimeValueRow, type RfmSummary, type TierRef } from "../domain/kpi-figures.ts";
import type { TierRules } from "../domain/tier-rules.ts";
import { loadPromiseSettings } from "../adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { daysChangedSince, earliestActivity, loadFactInputs, loadMemberYears, loadRollupState, replaceDayFacts, saveMemberFigures } from "../adapters/db/kpi-rollup-repository.server.ts";

/** Rows written this long before a run began are taken as committed by then (a write's updatedAt is stamped before its commit). */
const COMMIT_SKEW_MS = 60_000;
/** Member figures follow the ledger at most this often, and at least daily (recency ages). */
const MEMBERS_EVERY_MS = 15 * 60_000;
const MEMBERS_AT_LEAST_MS = 24 * 3_600_000;
const YEAR_MS = 365 * 86_400_000;

export type MemberFigures = { computedAt: string; ltv: LifetimeValueRow[]; rfm: RfmSummary };
export type KpiRollupResult = { full: boolean; days: number; facts: number; members: boolean };

export const tierRefs = (rules: TierRules): TierRef[] => rules.tiers.map((tier) => ({ key: tier.key, name: tier.name, entryThresholdMinor: tier.entryThresholdMinor }));

export async function shopTimeZone(db: Db, shop: string): Promise<string> {
  return (await loadPromiseSettings(db, shop)).rules.calendar.timeZone;
}

/** Every day from the shop's first activity to today, in month-long batches. */
async function historyMonths(db: Db, shop: string, zone: string, now: Date): Promise<LocalDay[][]> {
  const first = await earliestActivity(db, shop);
  if (!first) return [];
  const today = localDayOf(now, zone);
  const months = new Map<string, LocalDay[]>();
  for (let day = localDayOf(first, zone); day <= today; day = dayAdd(day, 1)) {
    const list = months.get(day.slice(0, 7)) ?? [];
    list.push(day);
    months.set(day.slice(0, 7), list);
  }
  return [...months.values()];
}

export async function rollUpShopKpis({ db, shop, now }: { db: Db; shop: string; now: Date }): Promise<KpiRollupResult> {
  const [zone, rules, state] = await Promise.all([shopTimeZone(db, shop), loadTierRules(db, shop), loadRollupState(db, shop)]);
  const mark = new Date(now.getTime() - COMMIT_SKEW_MS);
  const full = !state?.rolledUntil;
  const days = full ? "all" : [...(await daysChangedSince(db, shop, state.rolledUntil!, zone))];
  let factCount = 0;
  if (days === "all" || days.length > 0) {
    const facts: KpiFact[] = [];
    // A first build reads the history a month at a time, so a large store's rows are never all in memory.
    const batches = days === "all" ? await historyMonths(db, shop, zone, now) : [days];
    for (const batch of batches) {
      const inputs = await loadFactInputs(db, shop, batch, zone, rules.currency);
      const wanted = new Set(batch);
      facts.push(...dailyFacts(inputs, zone).filter((fact) => wanted.has(fact.day)));
    }
    await replaceDayFacts(db, shop, days, facts, mark);
    factCount = facts.length;
  }
  const computedAt = state?.membersComputedAt?.getTime() ?? 0;
  const stale = now.getTime() - computedAt;
  const refresh = full || stale >= MEMBERS_AT_LEAST_MS || (days.length > 0 && stale >= MEMBERS_EVERY_MS);
  if (refresh) {
    const members = await loadMemberYears(db, shop, new Date(now.getTime() - YEAR_MS), rules.currency);
    const tiers = tierRefs(rules);
    const figures: MemberFigures = { computedAt: now.toISOString(), ltv: lifetimeValue(tiers, members), rfm: rfmSummary(tiers, rfmScores(members, now)) };
    await saveMemberFigures(db, shop, JSON.stringify(figures), now);
  }
  return { full, days: days === "all" ? -1 : days.length, facts: factCount, members: refresh };
}
