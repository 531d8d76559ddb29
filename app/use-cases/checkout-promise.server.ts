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
 * Per request: two indexed single-row reads (the buyer, the order's promise). The shop's tier rules,
 * promise rules, calendar (with its public holidays) and lane bookings are cached per shop for
 * `shopTtlMs` (30 s, then refreshed in the background), and the previews per shop-minute: a
 * settings change or a lane filling up shows within about 30 s.
 */
import type { Db } from "../db.server.ts";
import { sqlOf } from "../adapters/db/hot-path-sql.server.ts";
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
const ORDER_PROMISE = `SELECT "tierKey", "shipByDay", "arriveEarliestDay", "arriveLatestDay", "status" FROM "OrderPromise" WHERE "shop" = ? AND "orderGid" = ? AND "customerGid" = ?`;

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
  const shops = new Map<string, { current: Promise<ShopContext>; refreshing: boolean }>();
  const sql = sqlOf(db);

  /**
   * The shop's cached context. Past its TTL the old one still answers while one reload runs in the
   * background: a buyer never waits on the calendar's holidays being worked out again.
   */
  function shopContext(shop: string, now: Date): Promise<ShopContext> {
    const entry = shops.get(shop);
    if (!entry) {
      const current = loadShopContext(db, shop, now);
      if (shops.size >= 10_000) shops.clear();
      shops.set(shop, { current, refreshing: false });
      // A failed load is not kept: the next request tries again.
      current.catch(() => shops.delete(shop));
      return current;
    }
    return entry.current.then((context) => {
      if (now.getTime() - context.loadedAt >= shopTtlMs && !entry.refreshing) {
        entry.refreshing = true;
        loadShopContext(db, shop, now).then(
          (fresh) => shops.set(shop, { current: Promise.resolve(fresh), refreshing: false }),
          () => (entry.refreshing = false),
        );
      }
      return context;
    });
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
    const orderGid = orderGidFrom(query.orderId);
    const [context, buyerRows, orderRows] = await Promise.all([
      shopContext(query.shop, query.now),
      query.customerGid ? sql.all(BUYER, [query.shop, query.customerGid]) : Promise.resolve([]),
      query.customerGid && orderGid ? sql.all(ORDER_PROMISE, [query.shop, orderGid, query.customerGid]) : Promise.resolve([]),
    ]);
    if (!context.installed) return { status: 404, body: { error: "Tierline is not installed on this shop" } };
    const buyerRow = buyerRows[0] as { tierKey: string | null; qualifyingSpend: number | bigint; qualifyingOrders: number | bigint } | undefined;
    const buyer: BuyerStanding = query.customerGid
      ? { kind: "member", tierKey: buyerRow?.tierKey ?? null, qualifyingSpendMinor: Number(buyerRow?.qualifyingSpend ?? 0), qualifyingOrders: Number(buyerRow?.qualifyingOrders ?? 0) }
      : { kind: "guest" };
    const previews = previewsFor(context, query.now, query.destination);
    const tierKey = standingTierKey(context.tierRules, buyer);
    const next = nextTierOf(context.tierRules, tierKey);
    const stored = orderRows[0] as { tierKey: string; shipByDay: string; arriveEarliestDay: string | null; arriveLatestDay: string | null; status: string } | undefined;
    const promise = stored
      ? {
          source: "order" as const,
          // A cancelled order promises nothing.
          facts: stored.status === "cancelled" ? null : {
            tierKey: stored.tierKey,
            shipByDay: stored.shipByDay,
            arriveBy: stored.arriveEarliestDay && stored.arriveLatestDay ? { earliestDay: stored.arriveEarliestDay, latestDay: stored.arriveLatestDay } : null,
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
