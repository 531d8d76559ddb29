/**
 * The Promises admin page's list: orders with their tier, promise and status, filterable by tier
 * and status, with how many promises are in each status.
 *
 * Exported API
 * - ORDER_PROMISE_STATUSES: readonly PromiseStatus[]     on_time, due_today, late, kept, broken
 * - type OrderPromiseListItem, type OrderPromiseList, type ListOrderPromisesOptions
 * - listOrderPromises(db, shop, { tier?, status?, cursor?, limit, now }): Promise<OrderPromiseList>
 *
 * Status is promise-score.ts's promiseStatus in the shop's calendar at `now`: open promises are
 * on time, due today (ship-by falls on today, shop-local) or late (ship-by passed); fully shipped
 * ones are kept or broken. Cancelled orders' promises are not listed. Items are sorted by ship-by
 * (soonest first), then order id; `nextCursor` (opaque, null on the last page) fetches the next
 * page. `counts` follow the tier filter, not the status filter (for the status tabs).
 */
import type { Db } from "../db.server.ts";
import { loadPromiseSetup } from "../adapters/db/promise-settings-repository.server.ts";
import { endOfLocalDay, localDateOf, type LocalDate } from "../domain/business-calendar.ts";
import { promiseStatus, type PromiseStatus } from "../domain/promise-score.ts";

export const ORDER_PROMISE_STATUSES: readonly PromiseStatus[] = ["on_time", "due_today", "late", "kept", "broken"];

export type OrderPromiseListItem = {
  orderGid: string;
  orderName: string | null;
  tierKey: string;
  laneKey: string;
  /** ISO instants and shop-local days (YYYY-MM-DD). */
  orderedAt: string;
  shipBy: string;
  shipByDay: LocalDate;
  arriveBy: { zone: string; earliestDay: LocalDate; latestDay: LocalDate } | null;
  shippedAt: string | null;
  status: PromiseStatus;
  /** Shopify's own delivery promise capped ours (details on the order's promise row). */
  hasConflict: boolean;
};

export type OrderPromiseList = {
  items: OrderPromiseListItem[];
  nextCursor: string | null;
  counts: Record<PromiseStatus, number>;
  /** The shop-local day the statuses were taken on. */
  today: LocalDate;
};

export type ListOrderPromisesOptions = { tier?: string | null; status?: PromiseStatus | null; cursor?: string | null; limit: number; now: Date };

export const MAX_PROMISE_PAGE = 250;

export async function listOrderPromises(db: Db, shop: string, { tier, status, cursor, limit, now }: ListOrderPromisesOptions): Promise<OrderPromiseList> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PROMISE_PAGE) throw new Error(`listOrderPromises: limit must be a whole number from 1 to ${MAX_PROMISE_PAGE}, got ${limit}`);
  if (status && !ORDER_PROMISE_STATUSES.includes(status)) throw new Error(`listOrderPromises: unknown status "${status}" (one of ${ORDER_PROMISE_STATUSES.join(", ")})`);
  const { calendar } = await loadPromiseSetup(db, shop, now);
  const today = localDateOf(calendar, now);
  const endOfToday = endOfLocalDay(calendar, today);
  // promiseStatus as a filter (the same boundaries: late is strictly after ship-by).
  const byStatus: Record<PromiseStatus, object> = {
    late: { status: "open", shipBy: { lt: now } },
    due_today: { status: "open", shipBy: { gte: now, lte: endOfToday } },
    on_time: { status: "open", shipBy: { gt: endOfToday } },
    kept: { status: "shipped", outcome: "kept" },
    broken: { status: "shipped", outcome: "late" },
  };
  const base = { shop, ...(tier ? { tierKey: tier } : {}) };
  const listed = status ? byStatus[status] : { status: { in: ["open", "shipped"] } };
  const after = cursor ? parseCursor(cursor) : null;
  const [rows, ...counted] = await Promise.all([
    db.orderPromise.findMany({
      // Keyset: after (ship-by, order) of the last item, so a page holds even when that order
      // changed status or was erased meanwhile.
      where: { ...base, ...listed, ...(after ? { OR: [{ shipBy: { gt: after.shipBy } }, { shipBy: after.shipBy, orderGid: { gt: after.orderGid } }] } : {}) },
      orderBy: [{ shipBy: "asc" }, { orderGid: "asc" }],
      take: limit + 1,
    }),
    ...ORDER_PROMISE_STATUSES.map((s) => db.orderPromise.count({ where: { ...base, ...byStatus[s] } })),
  ]);
  const page = rows.slice(0, limit);
  return {
    items: page.map((row) => ({
      orderGid: row.orderGid,
      orderName: row.orderName,
      tierKey: row.tierKey,
      laneKey: row.laneKey,
      orderedAt: row.orderedAt.toISOString(),
      shipBy: row.shipBy.toISOString(),
      shipByDay: row.shipByDay,
      arriveBy: row.arriveZone && row.arriveEarliestDay && row.arriveLatestDay ? { zone: row.arriveZone, earliestDay: row.arriveEarliestDay, latestDay: row.arriveLatestDay } : null,
      shippedAt: row.status === "shipped" && row.shippedAt ? row.shippedAt.toISOString() : null,
      status: promiseStatus({ shipBy: row.shipBy, shippedAt: row.status === "shipped" ? row.shippedAt : null, now, calendar }),
      hasConflict: row.conflict !== null,
    })),
    nextCursor: rows.length > limit ? `${page[page.length - 1]!.shipBy.toISOString()}|${page[page.length - 1]!.orderGid}` : null,
    counts: Object.fromEntries(ORDER_PROMISE_STATUSES.map((s, i) => [s, counted[i]])) as Record<PromiseStatus, number>,
    today,
  };
}

function parseCursor(cursor: string): { shipBy: Date; orderGid: string } {
  const bar = cursor.indexOf("|");
  const shipBy = new Date(cursor.slice(0, bar));
  if (bar < 0 || Number.isNaN(shipBy.getTime()) || !cursor.slice(bar + 1)) throw new Error(`listOrderPromises: "${cursor}" is not a cursor this list returned`);
  return { shipBy, orderGid: cursor.slice(bar + 1) };
}
