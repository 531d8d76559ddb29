/**
 * The dashboard's stored figures: daily facts (KpiDailyFact) and per-shop state (KpiRollupState),
 * and the reads that rebuild them from the ledger, tier history, promises and supplier awards.
 *
 * Exported API
 * - loadRollupState(db, shop)
 * - daysChangedSince(db, shop, since, zone): Set<LocalDay>          days whose facts rows written after `since` touch
 * - earliestActivity(db, shop): Date | null                         where a first build starts
 * - loadFactInputs(db, shop, days, zone, currency): DailyFactsInput the rows of those days
 * - replaceDayFacts(db, shop, days | "all", facts, rolledUntil)     one transaction: the days' rows replaced, the mark moved
 * - loadMemberYears(db, shop, since, currency): MemberYear[]        trailing figures of every member with a tier
 * - saveMemberFigures(db, shop, json, at)
 * - loadFactsByMonth(db, shop, span): KpiFact[]                      what the dashboard reads: summed per month and side of the range
 * - loadFactsBetween(db, shop, from, to): KpiFact[]                 the daily rows (tests)
 * - memberCountsByTier(db, shop): Record<tier, number>
 *
 * Reads filter on columns without their own index (updatedAt, processedAt): they run in the
 * periodic rollup job, never in a webhook job or the page, and cost one pass over the shop's rows.
 */
import { chunks } from "../../chunks.ts";
import { DateTime } from "luxon";
import type { Db } from "../../db.server.ts";
import { financialStatusOf } from "../../domain/order-ledger.ts";
import { lateCause, type DailyFactsInput, type KpiFact, type KpiMetric, type KpiOrderRow } from "../../domain/kpi-facts.ts";
import type { MemberYear } from "../../domain/kpi-figures.ts";
import { dayAdd, localDayOf, type LocalDay } from "../../domain/kpi-periods.ts";
import { sqlOf } from "./hot-path-sql.server.ts";
import { providerOf, timestampText } from "./sql-dialect.ts";

const CHUNK = 500;


export async function loadRollupState(db: Db, shop: string) {
  return db.kpiRollupState.findUnique({ where: { shop } });
}

export async function daysChangedSince(db: Db, shop: string, since: Date, zone: string): Promise<Set<LocalDay>> {
  const days = new Set<LocalDay>();
  const add = (instant: Date | null | undefined) => instant && days.add(localDayOf(instant, zone));
  const [orders, refunds, changes, lines, promises, decisions] = await Promise.all([
    db.ledgerOrder.findMany({ where: { shop, updatedAt: { gt: since } }, select: { processedAt: true } }),
    db.ledgerRefund.findMany({ where: { shop, recordedAt: { gt: since } }, select: { createdAt: true, orderGid: true } }),
    db.tierChange.findMany({ where: { shop, occurredAt: { gt: since } }, select: { occurredAt: true } }),
    db.promiseShipmentLine.findMany({ where: { shop, updatedAt: { gt: since } }, select: { shipDay: true } }),
    db.orderPromise.findMany({ where: { shop, updatedAt: { gt: since } }, select: { orderedAt: true, shippedAt: true } }),
    db.replenishmentDecision.findMany({ where: { shop, OR: [{ decidedAt: { gt: since } }, { resolvedAt: { gt: since } }] }, select: { decidedAt: true } }),
  ]);
  for (const order of orders) add(order.processedAt);
  for (const refund of refunds) add(refund.createdAt);
  // A refund changes what its order was sold for (refunded goods): the sale's day too.
  for (const part of chunks([...new Set(refunds.map((refund) => refund.orderGid))], CHUNK)) {
    for (const order of await db.ledgerOrder.findMany({ where: { shop, orderGid: { in: part } }, select: { processedAt: true } })) add(order.processedAt);
  }
  for (const change of changes) add(change.occurredAt);
  for (const line of lines) if (line.shipDay) days.add(line.shipDay);
  for (const promise of promises) {
    add(promise.orderedAt);
    add(promise.shippedAt);
  }
  for (const decision of decisions) add(decision.decidedAt);
  return days;
}

/** The first instant anything the facts are made from happened at; null for a shop with nothing yet. */
export async function earliestActivity(db: Db, shop: string): Promise<Date | null> {
  const [orders, refunds, changes, promises, decisions] = await Promise.all([
    db.ledgerOrder.aggregate({ where: { shop }, _min: { processedAt: true } }),
    db.ledgerRefund.aggregate({ where: { shop }, _min: { createdAt: true } }),
    db.tierChange.aggregate({ where: { shop }, _min: { occurredAt: true } }),
    db.orderPromise.aggregate({ where: { shop }, _min: { orderedAt: true } }),
    db.replenishmentDecision.aggregate({ where: { shop }, _min: { decidedAt: true } }),
  ]);
  const instants = [orders._min.processedAt, refunds._min.createdAt, changes._min.occurredAt, promises._min.orderedAt, decisions._min.decidedAt].filter((d): d is Date => d !== null);
  return instants.length ? new Date(Math.min(...instants.map((d) => d.getTime()))) : null;
}

/** Consecutive days as instant ranges [start, end) in the shop's zone. */
function dayRuns(days: readonly LocalDay[], zone: string): { gte: Date; lt: Date; days: Set<LocalDay> }[] {
  const sorted = [...new Set(days)].sort();
  const runs: { first: LocalDay; last: LocalDay }[] = [];
  for (const day of sorted) {
    const run = runs.at(-1);
    if (run && dayAdd(run.last, 1) === day) run.last = day;
    else runs.push({ first: day, last: day });
  }
  const start = (day: LocalDay) => DateTime.fromISO(day, { zone }).startOf("day").toJSDate();
  return runs.map((run) => ({
    gte: start(run.first),
    lt: start(dayAdd(run.last, 1)),
    days: new Set(sorted.filter((day) => day >= run.first && day <= run.last)),
  }));
}

const ORDER_SELECT = { orderGid: true, customerGid: true, processedAt: true, currencyCode: true, currentTotal: true, test: true, financialStatus: true, deletedAt: true } as const;
type OrderRow = { orderGid: string; customerGid: string | null; processedAt: Date; currencyCode: string; currentTotal: number; test: boolean; financialStatus: string | null; deletedAt: Date | null };

/**
 * Tier at checkout (the stored promise's), else the last tier the buyer reached before the order, else
 * the tier of the buyer's first record when it starts from none, else none.
 */
async function tiersAtOrder(db: Db, shop: string, orders: readonly OrderRow[]): Promise<Map<string, string | null>> {
  const tiers = new Map<string, string | null>();
  for (const part of chunks(orders.map((order) => order.orderGid), CHUNK)) {
    for (const promise of await db.orderPromise.findMany({ where: { shop, orderGid: { in: part } }, select: { orderGid: true, tierKey: true } })) tiers.set(promise.orderGid, promise.tierKey);
  }
  const unknown = orders.filter((order) => !tiers.has(order.orderGid) && order.customerGid);
  const history = new Map<string, { fromTier: string | null; toTier: string | null; occurredAt: Date }[]>();
  for (const part of chunks([...new Set(unknown.map((order) => order.customerGid!))], CHUNK)) {
    const changes = await db.tierChange.findMany({ where: { shop, customerGid: { in: part } }, select: { customerGid: true, fromTier: true, toTier: true, occurredAt: true }, orderBy: { occurredAt: "asc" } });
    for (const change of changes) {
      const list = history.get(change.customerGid) ?? [];
      list.push(change);
      history.set(change.customerGid, list);
    }
  }
  for (const order of unknown) {
    const changes = history.get(order.customerGid!) ?? [];
    // Before the first record (a history import records every member once, at the import; a first order
    // records its tier just after it), an order takes the tier of that first record.
    let tier: string | null = changes[0] && changes[0].fromTier === null ? changes[0].toTier : null;
    for (const change of changes) {
      if (change.occurredAt.getTime() > order.processedAt.getTime()) break;
      tier = change.toTier;
    }
    tiers.set(order.orderGid, tier);
  }
  return tiers;
}

async function refundedGoods(db: Db, shop: string, orderGids: readonly string[]): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  for (const part of chunks(orderGids, CHUNK)) {
    const rows = await db.ledgerRefund.groupBy({ by: ["orderGid"], where: { shop, orderGid: { in: part } }, _sum: { lineItems: true, shipping: true } });
    for (const row of rows) sums.set(row.orderGid, (row._sum.lineItems ?? 0) + (row._sum.shipping ?? 0));
  }
  return sums;
}

function orderRow(order: OrderRow, goods: Map<string, number>, tiers: Map<string, string | null>): KpiOrderRow {
  return {
    orderId: order.orderGid,
    processedAt: order.processedAt,
    currency: order.currencyCode,
    currentTotalMinor: order.currentTotal,
    refundedGoodsMinor: goods.get(order.orderGid) ?? 0,
    // A deleted order is no sale: counted as a test one.
    test: order.test || order.deletedAt !== null,
    financialStatus: financialStatusOf(order.financialStatus),
    tierKey: tiers.get(order.orderGid) ?? null,
  };
}

type Adjustment = { kind: string; defaultLeadTime?: boolean };
const parseAdjustments = (json: string): Adjustment[] => {
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as Adjustment[]) : [];
  } catch {
    return [];
  }
};

type CostJson = { totalMinor?: number; usualTotalMinor?: number };

/** Every row of the given days that the daily facts are made from. */
export async function loadFactInputs(db: Db, shop: string, days: readonly LocalDay[], zone: string, currency: string): Promise<DailyFactsInput> {
  const runs = dayRuns(days, zone);
  const input: Required<DailyFactsInput> = { shopCurrency: currency, orders: [], refunds: [], tierChanges: [], shipmentLines: [], shippedOrders: [], supplyAwards: [] };
  const orders = input.orders as KpiOrderRow[];
  for (const run of runs) {
    const within = { gte: run.gte, lt: run.lt };
    const dayOrders = await db.ledgerOrder.findMany({ where: { shop, processedAt: within }, select: ORDER_SELECT });
    const refunds = await db.ledgerRefund.findMany({ where: { shop, createdAt: within }, select: { orderGid: true, createdAt: true, transactions: true } });
    const known = new Map(dayOrders.map((order) => [order.orderGid, order]));
    const missing = [...new Set(refunds.map((refund) => refund.orderGid))].filter((gid) => !known.has(gid));
    for (const part of chunks(missing, CHUNK)) for (const order of await db.ledgerOrder.findMany({ where: { shop, orderGid: { in: part } }, select: ORDER_SELECT })) known.set(order.orderGid, order);
    const all = [...known.values()];
    const [goods, tiers] = await Promise.all([refundedGoods(db, shop, dayOrders.map((order) => order.orderGid)), tiersAtOrder(db, shop, all)]);
    orders.push(...dayOrders.map((order) => orderRow(order, goods, tiers)));
    for (const refund of refunds) {
      const order = known.get(refund.orderGid);
      if (!order) continue; // a refund whose order has not arrived yet counts when it does
      (input.refunds as DailyFactsInput["refunds"] & object[]).push({ createdAt: refund.createdAt, transactionsMinor: refund.transactions, order: orderRow(order, goods, tiers) });
    }

    const changes = await db.tierChange.findMany({ where: { shop, occurredAt: within }, select: { fromTier: true, toTier: true, occurredAt: true } });
    (input.tierChanges as object[]).push(...changes);

    const lines = await db.promiseShipmentLine.findMany({
      where: { shop, outcome: { not: null }, shipDay: { in: [...run.days] } },
      select: { orderGid: true, tierKey: true, shipDay: true, outcome: true },
    });
    const lateOrders = [...new Set(lines.filter((line) => line.outcome === "late" && line.orderGid).map((line) => line.orderGid!))];
    const adjustments = new Map<string, Adjustment[]>();
    for (const part of chunks(lateOrders, CHUNK)) {
      for (const promise of await db.orderPromise.findMany({ where: { shop, orderGid: { in: part } }, select: { orderGid: true, adjustments: true } })) adjustments.set(promise.orderGid, parseAdjustments(promise.adjustments));
    }
    for (const line of lines) {
      const outcome = line.outcome === "kept" ? "kept" : "late";
      (input.shipmentLines as object[]).push({
        tierKey: line.tierKey,
        shipDay: line.shipDay!,
        outcome,
        cause: outcome === "late" ? lateCause(line.orderGid ? adjustments.get(line.orderGid) ?? [] : []) : null,
      });
    }

    const shipped = await db.orderPromise.findMany({ where: { shop, status: "shipped", shippedAt: within }, select: { tierKey: true, orderedAt: true, shippedAt: true } });
    (input.shippedOrders as object[]).push(...shipped.map((promise) => ({ tierKey: promise.tierKey, orderedAt: promise.orderedAt, shippedAt: promise.shippedAt! })));

    const decisions = await db.replenishmentDecision.findMany({ where: { shop, decidedAt: within }, select: { requestId: true, kind: true, cost: true, resolution: true, decidedAt: true } });
    const paid = decisions
      .map((decision) => {
        const resolution = decision.resolution ? (JSON.parse(decision.resolution) as { kind?: string; cost?: CostJson }) : null;
        const cost: CostJson | null = decision.kind === "award" && decision.cost ? (JSON.parse(decision.cost) as CostJson) : resolution?.kind === "approved" ? resolution.cost ?? null : null;
        return cost && { requestId: decision.requestId, decidedAt: decision.decidedAt, cost };
      })
      .filter((award) => award !== null);
    const priorities = new Map<string, string | null>();
    for (const part of chunks(paid.map((award) => award.requestId), CHUNK)) {
      for (const request of await db.replenishmentRequest.findMany({ where: { id: { in: part } }, select: { id: true, priority: true } })) {
        priorities.set(request.id, (JSON.parse(request.priority) as { tierKey?: string | null }).tierKey ?? null);
      }
    }
    for (const award of paid) {
      (input.supplyAwards as object[]).push({ tierKey: priorities.get(award.requestId) ?? null, decidedAt: award.decidedAt, totalMinor: award.cost.totalMinor ?? 0, usualTotalMinor: award.cost.usualTotalMinor ?? 0 });
    }
  }
  return input;
}

export async function replaceDayFacts(db: Db, shop: string, days: readonly LocalDay[] | "all", facts: readonly KpiFact[], rolledUntil: Date): Promise<void> {
  const rows = facts.map((fact) => ({ shop, day: fact.day, metric: fact.metric, tierKey: fact.tierKey, dim: fact.dim, value: BigInt(fact.value) }));
  await db.$transaction(
    async (tx) => {
      if (days === "all") await tx.kpiDailyFact.deleteMany({ where: { shop } });
      else for (const part of chunks(days, CHUNK)) await tx.kpiDailyFact.deleteMany({ where: { shop, day: { in: part } } });
      for (const part of chunks(rows, 2_000)) await tx.kpiDailyFact.createMany({ data: part });
      // Never backwards: a slower run that started earlier does not undo a later one's mark.
      const state = await tx.kpiRollupState.findUnique({ where: { shop }, select: { rolledUntil: true } });
      const until = state?.rolledUntil && state.rolledUntil > rolledUntil ? state.rolledUntil : rolledUntil;
      await tx.kpiRollupState.upsert({ where: { shop }, create: { shop, rolledUntil: until }, update: { rolledUntil: until } });
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
  // A first build writes a shop's whole history at once. Until PostgreSQL's statistics count those
  // rows (autovacuum may be late, or off), the planner takes the shop's facts for one row and sorts
  // every one of them to sum them per month on each dashboard load, at twice a hash's cost.
  if (days === "all" && providerOf(db) === "postgresql") await db.$executeRawUnsafe(`ANALYZE "KpiDailyFact"`);
}

const UNPAID_SQL = "('pending','authorized','voided','expired')";

/** Trailing figures since `since` of every member with a tier: revenue kept (refunds out), orders, last order. */
export async function loadMemberYears(db: Db, shop: string, since: Date, currency: string): Promise<MemberYear[]> {
  const provider = providerOf(db);
  const p = (n: number) => (provider === "postgresql" ? `$${n}` : "?");
  const counted = `o."shop" = ${p(1)} AND o."customerGid" IS NOT NULL AND o."processedAt" >= ${p(2)}${provider === "postgresql" ? "::timestamp(3)" : ""} AND o."currencyCode" = ${p(3)} AND o."test" = ${provider === "postgresql" ? "false" : "0"} AND o."deletedAt" IS NULL AND (o."financialStatus" IS NULL OR o."financialStatus" NOT IN ${UNPAID_SQL})`;
  const args = [shop, timestampText(provider, since), currency];
  const [orders, refunds, members] = await Promise.all([
    db.$queryRawUnsafe<{ c: string; n: number | bigint; total: number | bigint | string | null; last: Date | string }[]>(
      `SELECT o."customerGid" AS c, COUNT(*) AS n, SUM(o."currentTotal") AS total, MAX(o."processedAt") AS last FROM "LedgerOrder" o WHERE ${counted} GROUP BY o."customerGid"`,
      ...args,
    ),
    db.$queryRawUnsafe<{ c: string; back: number | bigint | string | null }[]>(
      `SELECT o."customerGid" AS c, SUM(r."transactions" - r."lineItems" - r."shipping") AS back FROM "LedgerRefund" r JOIN "LedgerOrder" o ON o."shop" = r."shop" AND o."orderGid" = r."orderGid" WHERE ${counted} GROUP BY o."customerGid"`,
      ...args,
    ),
    db.customer.findMany({ where: { shop, deletedAt: null, tierKey: { not: null } }, select: { customerGid: true, tierKey: true } }),
  ]);
  const back = new Map(refunds.map((row) => [row.c, Number(row.back ?? 0)]));
  const byCustomer = new Map(orders.map((row) => [row.c, row]));
  return members.map((member) => {
    const row = byCustomer.get(member.customerGid);
    return {
      tierKey: member.tierKey,
      revenueMinor: row ? Number(row.total ?? 0) - (back.get(member.customerGid) ?? 0) : 0,
      orders: row ? Number(row.n) : 0,
      lastOrderAt: row ? new Date(row.last) : null,
    };
  });
}

export async function saveMemberFigures(db: Db, shop: string, json: string, at: Date): Promise<void> {
  await db.kpiRollupState.upsert({ where: { shop }, create: { shop, members: json, membersComputedAt: at }, update: { members: json, membersComputedAt: at } });
}

/**
 * The facts from `previousFrom` to `today` summed per month, split at the range's ends (before the
 * range, in it, after it): each row lies wholly on one side of every month end and range end, and
 * carries its first day, so the figures computed from it equal those from the daily rows. A
 * two-year range reads about a thousand rows instead of tens of thousands.
 */
export async function loadFactsByMonth(db: Db, shop: string, span: { previousFrom: LocalDay; from: LocalDay; to: LocalDay; today: LocalDay }): Promise<KpiFact[]> {
  const provider = providerOf(db);
  const p = (n: number) => (provider === "postgresql" ? `$${n}` : "?");
  const rows = await db.$queryRawUnsafe<{ day: string; metric: string; tierKey: string; dim: string; value: number | bigint | string }[]>(
    `SELECT MIN("day") AS "day", "metric", "tierKey", "dim", SUM("value") AS "value" FROM "KpiDailyFact" ` +
      `WHERE "shop" = ${p(1)} AND "day" >= ${p(2)} AND "day" <= ${p(3)} ` +
      `GROUP BY CASE WHEN "day" < ${p(4)} THEN 0 WHEN "day" <= ${p(5)} THEN 1 ELSE 2 END, substr("day", 1, 7), "metric", "tierKey", "dim"`,
    shop,
    span.previousFrom,
    span.today,
    span.from,
    span.to,
  );
  return rows.map((row) => ({ day: row.day, metric: row.metric as KpiMetric, tierKey: row.tierKey, dim: row.dim, value: Number(row.value) }));
}

export async function loadFactsBetween(db: Db, shop: string, from: LocalDay, to: LocalDay): Promise<KpiFact[]> {
  const rows = await db.kpiDailyFact.findMany({ where: { shop, day: { gte: from, lte: to } }, select: { day: true, metric: true, tierKey: true, dim: true, value: true } });
  return rows.map((row) => ({ day: row.day, metric: row.metric as KpiMetric, tierKey: row.tierKey, dim: row.dim, value: Number(row.value) }));
}

/** One prepared statement, read from the (shop, tierKey, deletedAt) index: no query compiled per load. */
export async function memberCountsByTier(db: Db, shop: string): Promise<Record<string, number>> {
  const rows = await sqlOf(db).all(`SELECT "tierKey", COUNT(*) AS "n" FROM "Customer" WHERE "shop" = ? AND "tierKey" IS NOT NULL AND "deletedAt" IS NULL GROUP BY "tierKey"`, [shop]);
  return Object.fromEntries(rows.map((row) => [row.tierKey as string, Number(row.n)]));
}
