/**
 * The dashboard's figures, from summed daily facts (kpi-facts.ts), today's member counts and the
 * per-member trailing-12-month figures. Pure: the caller passes the range and `now`.
 *
 * Exported API
 * - type TierRef = { key, name, entryThresholdMinor } (lowest tier first)
 * - membersAtEndOf(day, current, facts): Record<tier, number>   members per tier at the end of a day, walking tier changes back from today
 * - tierDistribution(tiers, current, facts, range)              members and net revenue per tier, with shares
 * - membersOverTime(tiers, current, facts, range)                members per tier at the end of each month of the range
 * - migrationMatrix(tiers, facts, range)                         moves per month between each pair of tiers, up or down
 * - migrationRates(tiers, current, facts, range)                 moves / members of the tier at the start, this period and the previous
 * - lifetimeValue(tiers, members)                                T12M revenue per member, AOV, frequency, repeat rate
 * - promiseKept(tiers, facts, range)                             kept rate per tier and late lines by cause
 * - cycleTimes(tiers, facts, range)                              order-to-ship median and p90 per tier (histogram upper bounds)
 * - histogramPercentile(buckets, q)                              nearest-rank percentile on CYCLE_BUCKET_HOURS buckets
 * - serviceCost(tiers, current, facts, range, handlingCostPerOrder)  cost of priority handling and supply vs extra revenue, per month
 * - rfmScores(members, now), rfmSummary(tiers, scored)            quintile scores 1–5 and where the tier thresholds cut monetary
 *
 * Rates are null when their base is zero (nothing to divide); amounts are minor units.
 */
import { CYCLE_BUCKET_HOURS, NO_TIER, type KpiFact, type LateCause } from "./kpi-facts.ts";
import { monthOf, monthsOf, previousRange, dayAdd, type DayRange, type LocalDay, type LocalMonth } from "./kpi-periods.ts";

export type TierRef = { key: string; name: string; entryThresholdMinor: number };
export type Counts = Record<string, number>;

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const inRange = (day: LocalDay, range: DayRange) => day >= range.from && day <= range.to;
const tierKeysOf = (tiers: readonly TierRef[]) => [...tiers.map((tier) => tier.key), NO_TIER];

function sumBy(facts: readonly KpiFact[], metric: KpiFact["metric"], range: DayRange, keyOf: (fact: KpiFact) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const fact of facts) {
    if (fact.metric !== metric || !inRange(fact.day, range)) continue;
    const key = keyOf(fact);
    sums.set(key, (sums.get(key) ?? 0) + fact.value);
  }
  return sums;
}

/** Members per tier at the end of `day`: today's counts with every later change undone. */
export function membersAtEndOf(day: LocalDay, current: Counts, facts: readonly KpiFact[]): Counts {
  const counts: Counts = { ...current };
  for (const fact of facts) {
    if (fact.metric !== "migration" || fact.day <= day) continue;
    counts[fact.dim] = (counts[fact.dim] ?? 0) - fact.value;
    counts[fact.tierKey] = (counts[fact.tierKey] ?? 0) + fact.value;
  }
  delete counts[NO_TIER];
  return counts;
}

export type TierDistributionRow = { tierKey: string; members: number; memberShare: number | null; netRevenueMinor: number; revenueShare: number | null };

export function tierDistribution(tiers: readonly TierRef[], current: Counts, facts: readonly KpiFact[], range: DayRange): TierDistributionRow[] {
  const revenue = sumBy(facts, "revenue", range, (fact) => fact.tierKey);
  const refunds = sumBy(facts, "refunds", range, (fact) => fact.tierKey);
  const rows = tierKeysOf(tiers).map((tierKey) => ({
    tierKey,
    members: tierKey === NO_TIER ? 0 : current[tierKey] ?? 0,
    netRevenueMinor: (revenue.get(tierKey) ?? 0) - (refunds.get(tierKey) ?? 0),
  }));
  const members = rows.reduce((sum, row) => sum + row.members, 0);
  const net = rows.reduce((sum, row) => sum + row.netRevenueMinor, 0);
  return rows.map((row) => ({ ...row, memberShare: ratio(row.members, members), revenueShare: ratio(row.netRevenueMinor, net) }));
}

export type MembersAtMonthEnd = { month: LocalMonth; counts: Counts };

export function membersOverTime(tiers: readonly TierRef[], current: Counts, facts: readonly KpiFact[], range: DayRange): MembersAtMonthEnd[] {
  return monthsOf(range).map((month) => {
    const lastDayOfMonth = dayAdd(`${month}-01`, 31).slice(0, 7) + "-01";
    const end = dayAdd(lastDayOfMonth, -1) < range.to ? dayAdd(lastDayOfMonth, -1) : range.to;
    const at = membersAtEndOf(end, current, facts);
    return { month, counts: Object.fromEntries(tiers.map((tier) => [tier.key, at[tier.key] ?? 0])) };
  });
}

export type MigrationDirection = "up" | "down" | "joined" | "left";
export type MigrationCell = { month: LocalMonth; from: string; to: string; moves: number; direction: MigrationDirection };

function directionOf(tiers: readonly TierRef[], from: string, to: string): MigrationDirection {
  if (from === NO_TIER) return "joined";
  if (to === NO_TIER) return "left";
  const rank = (key: string) => tiers.findIndex((tier) => tier.key === key);
  return rank(to) > rank(from) ? "up" : "down";
}

export function migrationMatrix(tiers: readonly TierRef[], facts: readonly KpiFact[], range: DayRange): MigrationCell[] {
  const moves = sumBy(facts, "migration", range, (fact) => `${monthOf(fact.day)}|${fact.tierKey}|${fact.dim}`);
  return [...moves.entries()]
    .map(([key, count]) => {
      const [month, from, to] = key.split("|") as [string, string, string];
      return { month, from, to, moves: count, direction: directionOf(tiers, from, to) };
    })
    .sort((a, b) => a.month.localeCompare(b.month) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

export type PeriodRate = { moves: number; base: number; rate: number | null };
export type MigrationRate = { from: string; to: string; direction: MigrationDirection; current: PeriodRate; previous: PeriodRate; change: number | null };

/** A move's rate is the moves from a tier to another over the members the first tier had when the period began. */
export function migrationRates(tiers: readonly TierRef[], current: Counts, facts: readonly KpiFact[], range: DayRange): MigrationRate[] {
  const previous = previousRange(range);
  const period = (span: DayRange) => {
    const moves = sumBy(facts, "migration", span, (fact) => `${fact.tierKey}|${fact.dim}`);
    const base = membersAtEndOf(dayAdd(span.from, -1), current, facts);
    return { moves, base };
  };
  const now = period(range);
  const before = period(previous);
  const pairs = new Set([...now.moves.keys(), ...before.moves.keys()]);
  const rate = (p: ReturnType<typeof period>, pair: string, from: string): PeriodRate => {
    const moves = p.moves.get(pair) ?? 0;
    // Joining has no tier to come from: its base is every member the shop had.
    const base = from === NO_TIER ? Object.values(p.base).reduce((sum, n) => sum + n, 0) : p.base[from] ?? 0;
    return { moves, base, rate: ratio(moves, base) };
  };
  return [...pairs]
    .sort()
    .map((pair) => {
      const [from, to] = pair.split("|") as [string, string];
      const c = rate(now, pair, from);
      const p = rate(before, pair, from);
      return { from, to, direction: directionOf(tiers, from, to), current: c, previous: p, change: c.rate !== null && p.rate !== null ? c.rate - p.rate : null };
    });
}

export type MemberYear = { tierKey: string | null; revenueMinor: number; orders: number; lastOrderAt: Date | null };
export type LifetimeValueRow = { tierKey: string; members: number; revenuePerMemberMinor: number | null; averageOrderMinor: number | null; ordersPerMember: number | null; repeatRate: number | null };

/** Trailing-12-month figures of today's members, per tier. */
export function lifetimeValue(tiers: readonly TierRef[], members: readonly MemberYear[]): LifetimeValueRow[] {
  return tiers.map((tier) => {
    const of = members.filter((member) => member.tierKey === tier.key);
    const revenue = of.reduce((sum, member) => sum + member.revenueMinor, 0);
    const orders = of.reduce((sum, member) => sum + member.orders, 0);
    const repeat = of.filter((member) => member.orders >= 2).length;
    return {
      tierKey: tier.key,
      members: of.length,
      revenuePerMemberMinor: of.length === 0 ? null : Math.round(revenue / of.length),
      averageOrderMinor: orders === 0 ? null : Math.round(revenue / orders),
      ordersPerMember: ratio(orders, of.length),
      repeatRate: ratio(repeat, of.length),
    };
  });
}

export const LATE_CAUSES: readonly LateCause[] = ["capacity", "stock", "supplier", "handling"];
export type PromiseKeptRow = { tierKey: string; kept: number; late: number; rate: number | null; lateBy: Record<LateCause, number> };

export function promiseKept(tiers: readonly TierRef[], facts: readonly KpiFact[], range: DayRange): PromiseKeptRow[] {
  const lines = sumBy(facts, "promise_line", range, (fact) => `${fact.tierKey}|${fact.dim}`);
  return tiers.map((tier) => {
    const kept = lines.get(`${tier.key}|kept`) ?? 0;
    const lateBy = Object.fromEntries(LATE_CAUSES.map((cause) => [cause, lines.get(`${tier.key}|late:${cause}`) ?? 0])) as Record<LateCause, number>;
    const late = LATE_CAUSES.reduce((sum, cause) => sum + lateBy[cause], 0);
    return { tierKey: tier.key, kept, late, rate: ratio(kept, kept + late), lateBy };
  });
}

/** Nearest rank over the buckets: the upper bound of the bucket holding the ⌈q·n⌉-th order; null above the last bound or when empty. */
export function histogramPercentile(buckets: ReadonlyMap<string, number>, q: number): number | null {
  const total = [...buckets.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bound of CYCLE_BUCKET_HOURS) {
    seen += buckets.get(String(bound)) ?? 0;
    if (seen >= rank) return bound;
  }
  return null;
}

export type CycleTimeRow = { tierKey: string; orders: number; medianHours: number | null; p90Hours: number | null };

export function cycleTimes(tiers: readonly TierRef[], facts: readonly KpiFact[], range: DayRange): CycleTimeRow[] {
  return tiers.map((tier) => {
    const buckets = sumBy(
      facts.filter((fact) => fact.tierKey === tier.key),
      "cycle",
      range,
      (fact) => fact.dim,
    );
    const orders = [...buckets.values()].reduce((sum, n) => sum + n, 0);
    return { tierKey: tier.key, orders, medianHours: histogramPercentile(buckets, 0.5), p90Hours: histogramPercentile(buckets, 0.9) };
  });
}

export type ServiceCostRow = {
  month: LocalMonth;
  tierKey: string;
  orders: number;
  handlingCostMinor: number;
  supplyCostMinor: number;
  /** Net revenue above what as many members of the lowest tier brought that month; null when the lowest tier had no members. */
  extraRevenueMinor: number | null;
};

export function serviceCost(
  tiers: readonly TierRef[],
  current: Counts,
  facts: readonly KpiFact[],
  range: DayRange,
  handlingCostPerOrder: Readonly<Record<string, number>>,
): ServiceCostRow[] {
  const byMonth = (metric: KpiFact["metric"]) => sumBy(facts, metric, range, (fact) => `${monthOf(fact.day)}|${fact.tierKey}`);
  const orders = byMonth("orders");
  const revenue = byMonth("revenue");
  const refunds = byMonth("refunds");
  const supply = byMonth("supply_cost");
  const base = tiers[0];
  const rows: ServiceCostRow[] = [];
  for (const { month, counts } of membersOverTime(tiers, current, facts, range)) {
    const net = (tierKey: string) => (revenue.get(`${month}|${tierKey}`) ?? 0) - (refunds.get(`${month}|${tierKey}`) ?? 0);
    const basePerMember = base && counts[base.key] ? net(base.key) / counts[base.key]! : null;
    for (const tier of tiers.slice(1)) {
      const orderCount = orders.get(`${month}|${tier.key}`) ?? 0;
      rows.push({
        month,
        tierKey: tier.key,
        orders: orderCount,
        handlingCostMinor: orderCount * (handlingCostPerOrder[tier.key] ?? 0),
        supplyCostMinor: supply.get(`${month}|${tier.key}`) ?? 0,
        extraRevenueMinor: basePerMember === null ? null : Math.round(net(tier.key) - (counts[tier.key] ?? 0) * basePerMember),
      });
    }
  }
  return rows;
}

export type RfmScore = { recency: number; frequency: number; monetary: number };
export type ScoredMember = MemberYear & { score: RfmScore };

/** Quintile cut points of the sorted values (the values at 20, 40, 60 and 80 %). */
function quintileCuts(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
}

/** 1 + the cut points the value is above: equal values always share a score. */
const scoreAgainst = (cuts: readonly number[], value: number) => 1 + cuts.filter((cut) => value > cut).length;

const DAY_MS = 86_400_000;

/** Scores 1–5 per dimension among the given members; recency is days since the last order (none: worst). */
export function rfmScores(members: readonly MemberYear[], now: Date): ScoredMember[] {
  const recencyDays = (member: MemberYear) => (member.lastOrderAt === null ? Number.POSITIVE_INFINITY : Math.floor((now.getTime() - member.lastOrderAt.getTime()) / DAY_MS));
  // Fewer days is better: score the negated recency.
  const rCuts = quintileCuts(members.map((member) => -recencyDays(member)));
  const fCuts = quintileCuts(members.map((member) => member.orders));
  const mCuts = quintileCuts(members.map((member) => member.revenueMinor));
  return members.map((member) => ({
    ...member,
    score: { recency: scoreAgainst(rCuts, -recencyDays(member)), frequency: scoreAgainst(fCuts, member.orders), monetary: scoreAgainst(mCuts, member.revenueMinor) },
  }));
}

export type RfmBand = { score: number; members: number; minMinor: number | null; maxMinor: number | null };
export type ThresholdCut = { tierKey: string; thresholdMinor: number; monetaryScore: number; membersAtOrAbove: number; shareAtOrAbove: number | null };
export type RfmSummary = { members: number; monetary: RfmBand[]; recency: { score: number; members: number }[]; frequency: { score: number; members: number }[]; thresholds: ThresholdCut[] };

export function rfmSummary(tiers: readonly TierRef[], scored: readonly ScoredMember[]): RfmSummary {
  const scores = [1, 2, 3, 4, 5];
  const monetary = scores.map((score) => {
    const values = scored.filter((member) => member.score.monetary === score).map((member) => member.revenueMinor);
    return { score, members: values.length, minMinor: values.length ? Math.min(...values) : null, maxMinor: values.length ? Math.max(...values) : null };
  });
  const count = (dimension: keyof RfmScore) => scores.map((score) => ({ score, members: scored.filter((member) => member.score[dimension] === score).length }));
  const thresholds = tiers.slice(1).map((tier) => {
    const atOrAbove = scored.filter((member) => member.revenueMinor >= tier.entryThresholdMinor).length;
    // The score a member spending exactly the threshold would get: the first band whose top reaches it.
    const band = monetary.find((b) => b.maxMinor !== null && b.maxMinor >= tier.entryThresholdMinor);
    return { tierKey: tier.key, thresholdMinor: tier.entryThresholdMinor, monetaryScore: band ? band.score : 5, membersAtOrAbove: atOrAbove, shareAtOrAbove: ratio(atOrAbove, scored.length) };
  });
  return { members: scored.length, monetary, recency: count("recency"), frequency: count("frequency"), thresholds };
}
