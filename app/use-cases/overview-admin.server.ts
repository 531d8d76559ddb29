// What the Overview (the app's home) shows: members per tier with the last 30 days'
// trend, recent tier changes, members close to the next tier, what could not be
// written or processed and why, the history import in plain words, and the setup
// steps while the shop is new. Formatted on the server in the shop's locale.
import type { Db } from "../db.server.ts";
import { loadThresholdCurrencyStatus } from "../adapters/db/tier-settings-repository.server.ts";
import { countUnvaluedOrders } from "../adapters/db/ledger-repository.server.ts";
import { summarizeFailedDeliveries } from "../adapters/db/failed-delivery-repository.server.ts";
import { bindValue, decodeRow, sqlOf } from "../adapters/db/hot-path-sql.server.ts";
import type { TierRules } from "../domain/tier-rules.ts";
import { describeThreshold, formatCount, formatEventTime, formatMoney, plural, type ShopFormat } from "./admin-formatting.ts";
import { latestBackfill } from "./backfill-order-history.server.ts";
import { displayName } from "./tier-rules-admin.server.ts";

const TREND_DAYS = 30;
/** "Close to the next tier": at least this share of the way from the tier's entry to the next one's. */
const CLOSE_SHARE = 0.8;

type CustomerRow = NonNullable<Awaited<ReturnType<Db["customer"]["findUnique"]>>>;

const REASON_WORDS: Record<string, string> = {
  order: "after an order",
  refund: "after a refund",
  cancellation: "after a cancellation",
  window: "orders aged out",
  rule_change: "tier rules changed",
  manual: "changed by you",
};

/** The import's state in the merchant's words. */
export function backfillInWords(run: { status: string; ordersRead: number; ordersTotal: number | null; historyLimited: boolean; error: string | null; finishedAt: Date | null }, format: ShopFormat): { title: string; detail: string; tone: "success" | "info" | "critical" } {
  const read = run.ordersTotal !== null ? `${formatCount(run.ordersRead, format.locale)} of ${plural(run.ordersTotal, "order", "orders", format.locale)}` : plural(run.ordersRead, "order", "orders", format.locale);
  const limited = run.historyLimited ? " (the last 60 days: see the note above)" : "";
  switch (run.status) {
    case "requested":
      return { title: "Waiting to start", detail: "The import of your order history starts in a moment.", tone: "info" };
    case "running":
      return { title: "Shopify is preparing your order history", detail: `Shopify gathers the orders in one file${run.ordersTotal !== null ? ` (${plural(run.ordersTotal, "order", "orders", format.locale)})` : ""}; this can take a few minutes for a large store.`, tone: "info" };
    case "downloading":
      return { title: "Reading your orders", detail: `${read} read so far${limited}.`, tone: "info" };
    case "computing":
      return { title: "Working out every member's tier", detail: `${read} read${limited}; tiers are being computed.`, tone: "info" };
    case "completed":
      if (run.ordersRead === 0) return { title: "Order history imported", detail: "Your store has no orders yet; each new order is counted as it comes.", tone: "success" };
      return { title: "Order history imported", detail: `${read} imported${run.finishedAt ? ` on ${formatEventTime(run.finishedAt, format)}` : ""}${limited}. New orders are added as they come.`, tone: "success" };
    case "failed":
      return { title: "The import stopped", detail: `${read} were read before it stopped. Re-import to try again; members keep the tiers they have meanwhile.${run.error ? ` (Details for support: ${run.error})` : ""}`, tone: "critical" };
    default:
      return { title: run.status, detail: read, tone: "info" };
  }
}

/** Why a member's tier could not be written to Shopify, in plain words. */
export function describeSyncError(error: string | null): string {
  if (!error) return "Shopify did not accept the write; Tierline retries on its own.";
  if (error.includes("250 tags")) return "The customer already has 250 tags (Shopify's limit), so the tier tag could not be added. Remove a tag from the customer in Shopify.";
  if (error.includes("waiting for recomputation")) return "Tiers are being recomputed after a change to the tier rules; they are written once that is done.";
  if (/throttl|429|rate/i.test(error)) return "Shopify asked Tierline to slow down; the writes are retried shortly.";
  return "Shopify did not accept the write; Tierline retries on its own.";
}

function closeToNextClause(rules: TierRules): { sql: string; values: number[] | string[]; gap: string; gapValues: (string | number)[] } {
  const parts: string[] = [];
  const values: (string | number)[] = [];
  const gapCases: string[] = [];
  const gapValues: (string | number)[] = [];
  rules.tiers.forEach((tier, i) => {
    const next = rules.tiers[i + 1];
    if (!next) return;
    const from = Math.ceil(tier.entryThresholdMinor + (next.entryThresholdMinor - tier.entryThresholdMinor) * CLOSE_SHARE);
    parts.push(`(c."tierKey" = ? AND c."qualifyingSpend" >= ? AND c."qualifyingSpend" < ?)`);
    values.push(tier.key, from, next.entryThresholdMinor);
    gapCases.push(`WHEN ? THEN ? - c."qualifyingSpend"`);
    gapValues.push(tier.key, next.entryThresholdMinor);
  });
  return { sql: parts.length ? `(${parts.join(" OR ")})` : "1 = 0", values: values as string[], gap: `CASE c."tierKey" ${gapCases.join(" ")} ELSE 0 END`, gapValues };
}

/** `format`: the page's (shopFormatFor); without one, en-US in UTC in the rules' currency. */
export async function loadOverview(db: Db, shop: string, pageFormat?: ShopFormat, now = new Date()) {
  const since = new Date(now.getTime() - TREND_DAYS * 86_400_000);
  const sql = sqlOf(db);
  const [shopRow, backfill, { rules, status: thresholdCurrency }, perTier, pendingSync, failedSync, latestFailedSync, moves, recent] = await Promise.all([
    db.shop.findUnique({ where: { domain: shop } }),
    latestBackfill(db, shop),
    loadThresholdCurrencyStatus(db, shop),
    db.customer.groupBy({ by: ["tierKey"], where: { shop, deletedAt: null }, _count: { _all: true } }),
    db.customer.count({ where: { shop, syncStatus: "pending" } }),
    db.customer.count({ where: { shop, syncStatus: "failed" } }),
    db.customer.findFirst({ where: { shop, syncStatus: "failed" }, orderBy: { updatedAt: "desc" }, select: { syncError: true, firstName: true, lastName: true, email: true, customerGid: true } }),
    sql.all(
      `SELECT "fromTier", "toTier", COUNT(*) AS "n" FROM "TierChange" WHERE "shop" = ? AND "occurredAt" >= ? GROUP BY "fromTier", "toTier"`,
      [shop, bindValue(sql.kind, since)],
    ),
    db.tierChange.findMany({ where: { shop }, orderBy: { occurredAt: "desc" }, take: 8 }),
  ]);
  const format = pageFormat ?? { locale: "en-US", currency: rules.currency, timeZone: "UTC" };
  const close = closeToNextClause(rules);
  const closeRows = (await sql.all(
    `SELECT c.*, ${close.gap} AS "gap" FROM "Customer" c WHERE c."shop" = ? AND c."deletedAt" IS NULL AND c."pinnedTierKey" IS NULL AND ${close.sql} ORDER BY "gap" ASC, c."customerGid" ASC LIMIT 5`,
    [...close.gapValues, shop, ...close.values],
  )) as Record<string, unknown>[];
  const recentNames = recent.length
    ? await db.customer.findMany({ where: { shop, customerGid: { in: [...new Set(recent.map((c) => c.customerGid))] } }, select: { customerGid: true, firstName: true, lastName: true, email: true, deletedAt: true } })
    : [];

  const counts = new Map(perTier.map((t) => [t.tierKey, t._count._all]));
  const net = new Map<string, number>();
  for (const move of moves) {
    const n = Number(move.n);
    if (move.toTier) net.set(move.toTier as string, (net.get(move.toTier as string) ?? 0) + n);
    if (move.fromTier) net.set(move.fromTier as string, (net.get(move.fromTier as string) ?? 0) - n);
  }
  const nameOf = (key: string | null) => (key === null ? "No tier" : rules.tiers.find((t) => t.key === key)?.name ?? key);
  const names = new Map(recentNames.map((r) => [r.customerGid, r.deletedAt ? "An erased customer" : displayName(r, r.customerGid)]));
  const members = [...counts.entries()].filter(([key]) => key !== null).reduce((sum, [, n]) => sum + n, 0);
  const failedDeliveries = await summarizeFailedDeliveries(db, shop);
  const unvaluedOrders = await countUnvaluedOrders(db, shop, rules.currency);
  const allOrdersAccess = shopRow?.allOrdersAccess ?? false;

  return {
    shop,
    format,
    currency: rules.currency,
    allOrdersAccess,
    members,
    membersLabel: plural(members, "member", "members", format.locale),
    /** A shop with nothing yet: the Overview shows the setup steps instead. */
    isNew: members === 0,
    tiers: [...rules.tiers].reverse().map((tier) => {
      const change = net.get(tier.key) ?? 0;
      return {
        key: tier.key,
        name: tier.name,
        threshold: describeThreshold(tier.entryThresholdMinor, format),
        members: counts.get(tier.key) ?? 0,
        count: formatCount(counts.get(tier.key) ?? 0, format.locale),
        trend: change === 0 ? `No change in ${TREND_DAYS} days` : `${change > 0 ? "+" : "−"}${formatCount(Math.abs(change), format.locale)} in ${TREND_DAYS} days`,
        trendTone: change > 0 ? ("success" as const) : change < 0 ? ("critical" as const) : ("subdued" as const),
      };
    }),
    recentChanges: recent.map((c) => ({
      id: c.customerGid.split("/").pop() ?? "",
      name: names.get(c.customerGid) ?? `Customer ${c.customerGid.split("/").pop()}`,
      change: `${nameOf(c.fromTier)} → ${nameOf(c.toTier)}`,
      up: rules.tiers.findIndex((t) => t.key === c.toTier) > rules.tiers.findIndex((t) => t.key === c.fromTier),
      reason: REASON_WORDS[c.reason] ?? c.reason,
      when: formatEventTime(c.occurredAt, format),
    })),
    closeToNext: closeRows.map((raw) => {
      const row = decodeRow<CustomerRow>("Customer", raw);
      const index = rules.tiers.findIndex((t) => t.key === row.tierKey);
      const next = rules.tiers[index + 1];
      return {
        id: row.customerGid.split("/").pop() ?? "",
        name: displayName(row, row.customerGid),
        toGo: `${formatMoney(Math.max(0, (next?.entryThresholdMinor ?? 0) - row.qualifyingSpend), format)} to ${next?.name ?? ""}`,
        spend: formatMoney(row.qualifyingSpend, format),
      };
    }),
    backfill: backfill && {
      status: backfill.status,
      ordersRead: backfill.ordersRead,
      ordersTotal: backfill.ordersTotal,
      historyLimited: backfill.historyLimited,
      words: backfillInWords(backfill, format),
    },
    pendingSync,
    pendingSyncLabel: pendingSync > 0 ? `${plural(pendingSync, "member's tier is", "members' tiers are", format.locale)} being written to Shopify.` : null,
    failedSync: failedSync > 0 ? { count: failedSync, title: `${plural(failedSync, "member's tier", "members' tiers", format.locale)} could not be written to Shopify yet`, reason: describeSyncError(latestFailedSync?.syncError ?? null), example: latestFailedSync ? { id: latestFailedSync.customerGid.split("/").pop() ?? "", name: displayName(latestFailedSync, latestFailedSync.customerGid) } : null } : null,
    failedDeliveries: {
      count: failedDeliveries.count,
      retryable: failedDeliveries.retryable,
      latest: failedDeliveries.latest && { topic: failedDeliveries.latest.topic, reason: failedDeliveries.latest.reason, receivedAt: failedDeliveries.latest.receivedAt.toISOString(), when: formatEventTime(failedDeliveries.latest.receivedAt, format) },
    },
    thresholdCurrency,
    unvaluedOrders,
    unvaluedLabel: plural(unvaluedOrders, "order is", "orders are", format.locale),
  };
}
