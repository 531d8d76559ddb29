// The Promises page: the shop's orders with the ship-by promise each was given, its status
// now, and the lanes that are filling up. Reads OrderPromise rows only; it never changes them.
import type { Prisma } from "@prisma/client";
import type { Db } from "../db.server.ts";
import { loadPromiseSetup } from "../adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { endOfLocalDay, localDateOf, type BusinessCalendar, type LocalDate } from "../domain/business-calendar.ts";
import { laneCapacityFlags } from "../domain/lane-capacity.ts";
import type { PromiseAdjustment, ShopifyPromiseConflict } from "../domain/promise-date-calculator.ts";
import type { PromiseRules } from "../domain/promise-rules.ts";
import { promiseStatus, type PromiseStatus } from "../domain/promise-score.ts";
import { PROMISE_STATUSES } from "../components/promise-status.ts";
import { formatCount, formatLocalDay, formatShopDateTime, resolveLocale } from "./admin-formatting.ts";

export type LaneBookings = Record<string, Record<LocalDate, number>>;

/** Open promises per lane and ship-by day from `fromDay` on: what fills a lane's capacity. */
export async function loadOpenLaneBookings(db: Db, shop: string, fromDay: LocalDate): Promise<LaneBookings> {
  const groups = await db.orderPromise.groupBy({ by: ["laneKey", "shipByDay"], where: { shop, status: "open", shipByDay: { gte: fromDay } }, _count: { _all: true } });
  const bookings: LaneBookings = {};
  for (const group of groups) (bookings[group.laneKey] ??= {})[group.shipByDay] = group._count._all;
  return bookings;
}

/** Why a promise is later than the plain handling time, as the merchant reads it. */
export function describeAdjustment(adjustment: PromiseAdjustment, { locale, laneName }: { locale: string; laneName: (key: string) => string }): string {
  switch (adjustment.kind) {
    case "after_cutoff":
      return `Ordered after the ${adjustment.cutoff} cut-off: counts from ${formatLocalDay(adjustment.intakeDay, locale)}`;
    case "non_working_day":
      return `Ordered on a day off: counts from ${formatLocalDay(adjustment.intakeDay, locale)}`;
    case "awaiting_stock":
      return `Waits for stock${adjustment.sku ? ` of ${adjustment.sku}` : ""}: ${formatCount(adjustment.leadBusinessDays, locale)} business days${adjustment.defaultLeadTime ? " (default lead time)" : ""}, in stock ${formatLocalDay(adjustment.stockDay, locale)}`;
    case "lane_full":
      return `${laneName(adjustment.laneKey)} was full (${formatCount(adjustment.dailyCapacity, locale)} a day) on ${adjustment.fullDays.map((day) => formatLocalDay(day, locale)).join(", ")}: moved to ${formatLocalDay(adjustment.movedTo, locale)}`;
  }
}

type StoredConflict = Omit<ShopifyPromiseConflict, "maxDeliveryAt" | "requiredShipBy" | "computedShipBy"> & { maxDeliveryAt: string; requiredShipBy: string; computedShipBy: string };

export function describeConflict(conflict: StoredConflict, { locale, timeZone }: { locale: string; timeZone: string }): string {
  const promised = conflict.brandedPromiseHandle ? `Shopify's ${conflict.brandedPromiseHandle.replace(/_/g, " ")}` : "Shopify's delivery date";
  const head = `${promised} promised delivery by ${formatShopDateTime(conflict.maxDeliveryAt, locale, timeZone)}`;
  if (conflict.unmeetable) return `${head}, which needed shipping before the order was placed. Ship as soon as you can.`;
  return `${head}: ship-by brought forward from ${formatShopDateTime(conflict.computedShipBy, locale, timeZone)} to ${formatShopDateTime(conflict.requiredShipBy, locale, timeZone)}.`;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}


export type PromisesQuery = { tier: string; status: PromiseStatus | ""; page: number };

export function promisesQueryFrom(params: URLSearchParams): PromisesQuery {
  const status = params.get("status") ?? "";
  const page = Number(params.get("page"));
  return {
    tier: params.get("tier") ?? "",
    status: (PROMISE_STATUSES as string[]).includes(status) ? (status as PromiseStatus) : "",
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

/**
 * Each status as a condition on the stored row, so filters and counts run in the database.
 * They say what promiseStatus says for a row (pinned by the use-case tests).
 */
function statusWhere(status: PromiseStatus, now: Date, calendar: BusinessCalendar, db: Db): Prisma.OrderPromiseWhereInput {
  const endOfToday = endOfLocalDay(calendar, localDateOf(calendar, now));
  switch (status) {
    case "kept":
      return { shippedAt: { not: null, lte: db.orderPromise.fields.shipBy } };
    case "broken":
      return { shippedAt: { not: null, gt: db.orderPromise.fields.shipBy } };
    case "late":
      return { shippedAt: null, shipBy: { lt: now } };
    case "due_today":
      return { shippedAt: null, shipBy: { gte: now, lte: endOfToday } };
    case "on_time":
      return { shippedAt: null, shipBy: { gt: endOfToday } };
  }
}

export type PromiseRow = {
  orderGid: string;
  orderName: string;
  tierName: string;
  laneName: string;
  orderedAt: string;
  shipBy: string;
  shipByEarliest: string;
  arriveBy: string | null;
  status: PromiseStatus;
  shippedAt: string | null;
  adjustments: string[];
  conflict: string | null;
  /** Something the merchant should look at: a roll-over, a Shopify conflict, a promise already past when made. */
  flagged: boolean;
  /** Not shipped (nor cancelled): the merchant may ask for it to be made again. */
  recomputable: boolean;
};

export type PromisesPage = {
  query: PromisesQuery;
  locale: string;
  timeZone: string;
  tiers: { key: string; name: string }[];
  /** Promises the shop has at all (0: the empty state). */
  totalPromises: number;
  /** Per status, within the tier filter. */
  statusCounts: Record<PromiseStatus, number>;
  /** Rows matching the filters. */
  total: number;
  page: number;
  pageSize: number;
  rows: PromiseRow[];
  capacityFlags: { laneName: string; day: string; booked: string; capacity: string; level: "near" | "full" }[];
};

const PAGE_SIZE = 25;

export async function loadPromisesPage({ db, shop, params, now, locale, pageSize = PAGE_SIZE }: { db: Db; shop: string; params: URLSearchParams; now: Date; locale: string; pageSize?: number }): Promise<PromisesPage> {
  const query = promisesQueryFrom(params);
  const [setup, tierRules] = await Promise.all([loadPromiseSetup(db, shop, now), loadTierRules(db, shop)]);
  const { rules, calendar } = setup;
  const tierName = (key: string) => tierRules.tiers.find((t) => t.key === key)?.name ?? key;
  const laneName = laneNamer(rules);
  // Cancelled orders have nothing left to promise.
  const base: Prisma.OrderPromiseWhereInput = { shop, status: { not: "cancelled" }, ...(query.tier ? { tierKey: query.tier } : {}) };
  const where: Prisma.OrderPromiseWhereInput = query.status ? { AND: [base, statusWhere(query.status, now, calendar, db)] } : base;
  const today = localDateOf(calendar, now);
  const [totalPromises, counts, total, rows, bookings] = await Promise.all([
    db.orderPromise.count({ where: { shop, status: { not: "cancelled" } } }),
    Promise.all(PROMISE_STATUSES.map((status) => db.orderPromise.count({ where: { AND: [base, statusWhere(status, now, calendar, db)] } }))),
    db.orderPromise.count({ where }),
    // Open promises first, the most pressing on top; then the latest shipments.
    db.orderPromise.findMany({ where, orderBy: [{ shippedAt: { sort: "desc", nulls: "first" } }, { shipBy: "asc" }, { orderGid: "asc" }], skip: (query.page - 1) * pageSize, take: pageSize }),
    loadOpenLaneBookings(db, shop, today),
  ]);
  const flags = laneCapacityFlags({ rules, calendar, bookingsByLane: bookings, today, workingDays: 5 });
  return {
    query,
    locale,
    timeZone: calendar.timeZone,
    tiers: tierRules.tiers.map((t) => ({ key: t.key, name: t.name })),
    totalPromises,
    statusCounts: Object.fromEntries(PROMISE_STATUSES.map((status, i) => [status, counts[i]])) as Record<PromiseStatus, number>,
    total,
    page: query.page,
    pageSize,
    rows: rows.map((row) => {
      const adjustments = parseJson<PromiseAdjustment[]>(row.adjustments, []);
      const conflict = parseJson<StoredConflict | null>(row.conflict, null);
      const rolledOver = adjustments.some((a) => a.kind === "lane_full");
      return {
        orderGid: row.orderGid,
        orderName: row.orderName ?? `Order ${row.orderGid.split("/").pop()}`,
        tierName: tierName(row.tierKey),
        laneName: laneName(row.laneKey),
        orderedAt: formatShopDateTime(row.orderedAt, locale, calendar.timeZone),
        shipBy: formatShopDateTime(row.shipBy, locale, calendar.timeZone),
        shipByEarliest: formatShopDateTime(row.shipByEarliest, locale, calendar.timeZone),
        arriveBy:
          row.arriveEarliestDay && row.arriveLatestDay
            ? `${formatLocalDay(row.arriveEarliestDay, locale)} – ${formatLocalDay(row.arriveLatestDay, locale)}${row.arriveZone ? ` (${row.arriveZone})` : ""}`
            : null,
        status: promiseStatus({ shipBy: row.shipBy, shippedAt: row.shippedAt, now, calendar }),
        shippedAt: row.shippedAt ? formatShopDateTime(row.shippedAt, locale, calendar.timeZone) : null,
        adjustments: [...adjustments.map((a) => describeAdjustment(a, { locale, laneName })), ...(row.overdueWhenMade ? ["Already past when the promise was made"] : [])],
        conflict: conflict ? describeConflict(conflict, { locale, timeZone: calendar.timeZone }) : null,
        flagged: rolledOver || conflict !== null || row.overdueWhenMade,
        recomputable: row.status === "open" && row.shippedAt === null,
      };
    }),
    capacityFlags: flags.map((flag) => ({
      laneName: laneName(flag.laneKey),
      day: formatLocalDay(flag.day, locale),
      booked: formatCount(flag.booked, locale),
      capacity: formatCount(flag.capacity, locale),
      level: flag.level,
    })),
  };
}

export function laneNamer(rules: PromiseRules): (key: string) => string {
  return (key) => rules.lanes.find((lane) => lane.key === key)?.name ?? key;
}

/** The locale the merchant reads the promise pages in (see resolveLocale), with the shop's country as its region. */
export async function shopLocaleFor(db: Db, shop: string, request: Request): Promise<string> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { countryCode: true } });
  return resolveLocale({ requested: new URL(request.url).searchParams.get("locale"), acceptLanguage: request.headers.get("Accept-Language"), country: row?.countryCode ?? null });
}

export type RecomputeRequestResult = { ok: true; orderGid: string; message: string } | { ok: false; orderGid: string | null; message: string };

/**
 * The merchant asks, from the Promises page, for one order's promise to be made again (current
 * rules and bookings, from the order's own time; the recompute job writes the new deadline,
 * metafield and tag, and removes the tag of a tier it left). Refused, with the reason, for an
 * order of another shop or without a promise, and once shipped or cancelled.
 */
export async function requestRecomputeFromPage({ db, shop, form, requestRecompute }: { db: Db; shop: string; form: FormData; requestRecompute: (orderGid: string) => Promise<void> }): Promise<RecomputeRequestResult> {
  const orderGid = form.get("orderGid");
  if (typeof orderGid !== "string" || !/^gid:\/\/shopify\/Order\/\d+$/.test(orderGid)) return { ok: false, orderGid: null, message: "No order was named to recompute." };
  const row = await db.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid } }, select: { orderName: true, status: true, shippedAt: true } });
  if (!row) return { ok: false, orderGid, message: "This order has no promise to recompute." };
  const name = row.orderName ?? `Order ${orderGid.split("/").pop()}`;
  if (row.status === "cancelled") return { ok: false, orderGid, message: `${name} was cancelled: its promise is not recomputed.` };
  if (row.status === "shipped" || row.shippedAt !== null) return { ok: false, orderGid, message: `${name} has shipped: its promise stays as made, so its score is not rewritten.` };
  await requestRecompute(orderGid);
  return { ok: true, orderGid, message: `${name}: the promise is being recomputed with the current rules. The new ship-by date is written to the order shortly.` };
}
