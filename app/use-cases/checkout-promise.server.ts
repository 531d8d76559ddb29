/**
 * The checkout extensions' question: "what is this buyer's tier and promise?" The shop and the
 * buyer come from the verified session token (the route's job); nothing the browser says about
 * who it is or what tier it has is read. The order id and locale are the browser's, and only
 * select among what that buyer may see: another buyer's order finds no stored promise.
 *
 * Exported API
 * - type CheckoutPromiseQuery, type CheckoutPromiseResult
 * - createCheckoutPromiseLookup(db, { shopTtlMs? }): (query) => Promise<CheckoutPromiseResult>
 * - orderGidFrom(id): string | null        "gid://shopify/Order/1", "gid://shopify/OrderIdentity/1", "1"
 * - shopFromDest(dest): string | null      a checkout token's dest → "shop.myshopify.com"
 * - INVALID_TOKEN_ANSWER                   the 401 body when checkoutPromiseQueryOf says null
 * - checkoutPromiseQueryOf(claims, search, apiKey, now): CheckoutPromiseQuery | null   null: not a token for this app
 *
 * Per request: one statement, an indexed single-row read of the buyer (with the order's promise
 * joined when the page names an order); none for a guest. The shop's tier rules, promise rules,
 * calendar (with its public holidays) and lane bookings are cached per shop, and the previews per
 * shop-minute. A save of the tier rules or promise settings in this process drops the shop's copy at
 * once (shop-settings-changes.server.ts); past `shopTtlMs` (30 s) the copy is reloaded in the
 * background, which is how a lane filling up, or a save in another process, shows within about 30 s.
 */
import type { Db } from "../db.server.ts";
import { sqlOf } from "../adapters/db/hot-path-sql.server.ts";
import { onShopSettingsSaved } from "../adapters/db/shop-settings-changes.server.ts";
import { loadPromiseSetup, type PromiseSetup } from "../adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { localDateOf, type LocalDate } from "../domain/business-calendar.ts";
import { buyerLocale, checkoutPromiseAnswer, nextTierOf, standingTierKey, type BuyerStanding, type CheckoutPromiseAnswer, type PromiseFacts } from "../domain/checkout-promise-answer.ts";
import type { Destination } from "../domain/promise-rules.ts";
import { previewTierPromises, type TierPromisePreview } from "../domain/promise-preview.ts";
import type { TierRules } from "../domain/tier-rules.ts";

export type CheckoutPromiseQuery = {
  /** From the token's `dest`. */
  shop: string;
  /** From the token's `sub`; null for a guest. */
  customerGid: string | null;
  /** The thank-you or order-status page's order; null at checkout. */
  orderId: string | null;
  locale: string | null;
  destination: Destination | null;
  now: Date;
};

/** The body of a 401 for a valid signature addressed to another app or to no shop. */
export const INVALID_TOKEN_ANSWER = { error: "Invalid session token" } as const;

export type CheckoutPromiseResult = { status: 200; body: CheckoutPromiseAnswer } | { status: 404; body: { error: string } };

type ShopContext = {
  installed: boolean;
  tierRules: TierRules;
  setup: PromiseSetup;
  bookingsByLane: Record<string, Record<LocalDate, number>>;
  loadedAt: number;
  previews: Map<string, TierPromisePreview[]>;
};

const BUYER = `SELECT "tierKey", "qualifyingSpend", "qualifyingOrders" FROM "Customer" WHERE "shop" = ? AND "customerGid" = ? AND "deletedAt" IS NULL`;
/** The buyer and their order's promise in one statement (one row, each side null when missing): each statement costs more than the join. */
const BUYER_AND_ORDER_PROMISE =
  `SELECT c."tierKey", c."qualifyingSpend", c."qualifyingOrders", p."tierKey" AS "promiseTierKey", p."shipByDay", p."arriveEarliestDay", p."arriveLatestDay", p."status" ` +
  `FROM (SELECT 1 AS "one") AS "one" ` +
  `LEFT JOIN "Customer" c ON c."shop" = ? AND c."customerGid" = ? AND c."deletedAt" IS NULL ` +
  `LEFT JOIN "OrderPromise" p ON p."shop" = ? AND p."orderGid" = ? AND p."customerGid" = ?`;
type BuyerRow = {
  tierKey: string | null;
  qualifyingSpend: number | bigint | null;
  qualifyingOrders: number | bigint | null;
  promiseTierKey?: string | null;
  shipByDay?: string | null;
  arriveEarliestDay?: string | null;
  arriveLatestDay?: string | null;
  status?: string | null;
};

/** "shop.myshopify.com" from a checkout token's dest (a bare domain, or a URL in some surfaces). */
export function shopFromDest(dest: unknown): string | null {
  if (typeof dest !== "string" || !dest) return null;
  const host = dest.includes("://") ? URL.canParse(dest) ? new URL(dest).hostname : "" : dest;
  return /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$/i.test(host) ? host.toLowerCase() : null;
}

const zone = (value: string | null) => (value && /^[A-Za-z0-9]{1,3}$/.test(value) ? value.toUpperCase() : null);

/**
 * The question a verified checkout session token and the request's query ask. The shop (`dest`)
 * and the buyer (`sub`) come only from the token; the query only picks the order, the language and
 * the destination zone. Null when the token is addressed to another app (the library does not
 * check the audience of extension tokens: one minted for another app sharing a secret would pass)
 * or names no shop.
 */
export function checkoutPromiseQueryOf(claims: { aud?: unknown; dest?: unknown; sub?: unknown }, search: URLSearchParams, apiKey: string, now: Date): CheckoutPromiseQuery | null {
  const shop = shopFromDest(claims.dest);
  if (claims.aud !== apiKey || !shop) return null;
  const sub = typeof claims.sub === "string" && claims.sub.startsWith("gid://shopify/Customer/") ? claims.sub : null;
  const country = zone(search.get("country"));
  return {
    shop,
    customerGid: sub,
    orderId: search.get("orderId"),
    locale: search.get("locale"),
    destination: country ? { countryCode: country, provinceCode: zone(search.get("province")) } : null,
    now,
  };
}

export function orderGidFrom(id: string | null | undefined): string | null {
  if (!id) return null;
  const match = /^(?:gid:\/\/shopify\/(?:Order|OrderIdentity)\/)?(\d{1,20})$/.exec(id.trim());
  return match ? `gid://shopify/Order/${match[1]}` : null;
}

async function loadShopContext(db: Db, shop: string, now: Date): Promise<ShopContext> {
  const [shopRow, tierRules, setup] = await Promise.all([
    db.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } }),
    loadTierRules(db, shop),
    loadPromiseSetup(db, shop, now),
  ]);
  // Only capped lanes need their bookings: an unlimited lane never rolls over.
  const capped = setup.rules.lanes.filter((lane) => lane.dailyCapacity !== null).map((lane) => lane.key);
  const bookingsByLane: Record<string, Record<LocalDate, number>> = {};
  if (capped.length > 0) {
    const today = localDateOf(setup.calendar, now);
    const rows = await db.orderPromise.groupBy({
      by: ["laneKey", "shipByDay"],
      where: { shop, status: "open", laneKey: { in: capped }, shipByDay: { gte: today } },
      _count: { _all: true },
    });
    for (const row of rows) (bookingsByLane[row.laneKey] ??= {})[row.shipByDay] = row._count._all;
  }
  return { installed: shopRow !== null && shopRow.uninstalledAt === null, tierRules, setup, bookingsByLane, loadedAt: now.getTime(), previews: new Map() };
}

function factsOf(preview: TierPromisePreview | undefined): PromiseFacts | null {
  const promise = preview?.promise;
  if (!promise) return null;
  return { tierKey: promise.tierKey, shipByDay: promise.shipByDay, arriveBy: promise.arriveBy ? { earliestDay: promise.arriveBy.earliestDay, latestDay: promise.arriveBy.latestDay } : null };
}

export function createCheckoutPromiseLookup(db: Db, { shopTtlMs = 30_000 }: { shopTtlMs?: number } = {}) {
  /** Per shop: the context once loaded (answers without waiting), the load under way, a background reload running. */
  type ShopEntry = { context: ShopContext | null; loading: Promise<ShopContext>; refreshing: boolean };
  const shops = new Map<string, ShopEntry>();
  const sql = sqlOf(db);
  // A load or reload that finishes after a save finds its entry gone and is not kept.
  onShopSettingsSaved((shop) => shops.delete(shop));

  function load(shop: string, now: Date): ShopEntry {
    const entry: ShopEntry = { context: null, loading: loadShopContext(db, shop, now), refreshing: false };
    if (shops.size >= 10_000) shops.clear();
    shops.set(shop, entry);
    entry.loading.then(
      (context) => {
        entry.context = context;
      },
      // A failed load is not kept: the next request tries again.
      () => {
        if (shops.get(shop) === entry) shops.delete(shop);
      },
    );
    return entry;
  }

  /**
   * The shop's cached context (no promise to wait on once loaded). Past its TTL the old one still
   * answers while one reload runs in the background: a buyer never waits on the calendar's holidays
   * being worked out again.
   */
  function shopContext(shop: string, now: Date): ShopContext | Promise<ShopContext> {
    const entry = shops.get(shop) ?? load(shop, now);
    const { context } = entry;
    if (!context) return entry.loading;
    if (now.getTime() - context.loadedAt >= shopTtlMs && !entry.refreshing) {
      entry.refreshing = true;
      loadShopContext(db, shop, now).then(
        (fresh) => {
          entry.context = fresh;
          entry.refreshing = false;
        },
        () => (entry.refreshing = false),
      );
    }
    return context;
  }

  /**
   * Every tier's promise for an order placed in the current minute. Computed for the minute's end:
   * a preview may be a little later than the exact one, never earlier (no over-promise at a cut-off).
   */
  function previewsFor(context: ShopContext, now: Date, destination: Destination | null): TierPromisePreview[] {
    const minuteEnd = Math.floor(now.getTime() / 60_000) * 60_000 + 59_999;
    const key = `${minuteEnd}|${destination ? `${destination.countryCode}-${destination.provinceCode ?? ""}` : ""}`;
    let previews = context.previews.get(key);
    if (!previews) {
      previews = previewTierPromises({
        rules: context.setup.rules,
        calendar: context.setup.calendar,
        tierKeys: context.tierRules.tiers.map((tier) => tier.key),
        now: new Date(minuteEnd),
        bookingsByLane: context.bookingsByLane,
        destination,
      });
      if (context.previews.size >= 200) context.previews.clear();
      context.previews.set(key, previews);
    }
    return previews;
  }

  return async function checkoutPromise(query: CheckoutPromiseQuery): Promise<CheckoutPromiseResult> {
    const orderGid = query.customerGid ? orderGidFrom(query.orderId) : null;
    const cached = shopContext(query.shop, query.now);
    const reading = !query.customerGid ? null : orderGid ? sql.all(BUYER_AND_ORDER_PROMISE, [query.shop, query.customerGid, query.shop, orderGid, query.customerGid]) : sql.all(BUYER, [query.shop, query.customerGid]);
    // Awaited together only while the shop is loading: once it is cached, the one read is all there is to wait for.
    const [context, rows] = cached instanceof Promise ? await Promise.all([cached, reading]) : [cached, await reading];
    const row = rows?.[0] as BuyerRow | undefined;
    if (!context.installed) return { status: 404, body: { error: "Tierline is not installed on this shop" } };
    const buyer: BuyerStanding = query.customerGid
      ? { kind: "member", tierKey: row?.tierKey ?? null, qualifyingSpendMinor: Number(row?.qualifyingSpend ?? 0), qualifyingOrders: Number(row?.qualifyingOrders ?? 0) }
      : { kind: "guest" };
    const previews = previewsFor(context, query.now, query.destination);
    const tierKey = standingTierKey(context.tierRules, buyer);
    const next = nextTierOf(context.tierRules, tierKey);
    const promise = row?.promiseTierKey
      ? {
          source: "order" as const,
          // A cancelled order promises nothing.
          facts: row.status === "cancelled" ? null : {
            tierKey: row.promiseTierKey,
            shipByDay: row.shipByDay!,
            arriveBy: row.arriveEarliestDay && row.arriveLatestDay ? { earliestDay: row.arriveEarliestDay, latestDay: row.arriveLatestDay } : null,
          },
        }
      : { source: "preview" as const, facts: factsOf(previews.find((p) => p.tierKey === tierKey)) };
    return {
      status: 200,
      body: checkoutPromiseAnswer({
        tierRules: context.tierRules,
        buyer,
        promise,
        nextPromise: next ? factsOf(previews.find((p) => p.tierKey === next.key)) : null,
        locale: buyerLocale(query.locale),
      }),
    };
  };
}
