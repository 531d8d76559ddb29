// What the Overview page shows: installation, history import progress, members per tier.
import type { Db } from "../db.server.ts";
import { loadThresholdCurrencyStatus } from "../adapters/db/tier-settings-repository.server.ts";
import { countUnvaluedOrders } from "../adapters/db/ledger-repository.server.ts";
import { summarizeFailedDeliveries } from "../adapters/db/failed-delivery-repository.server.ts";
import { latestBackfill } from "./backfill-order-history.server.ts";

export async function loadOverview(db: Db, shop: string) {
  const [shopRow, backfill, { rules, status: thresholdCurrency }, perTier, pendingSync, failedSync] = await Promise.all([
    db.shop.findUnique({ where: { domain: shop } }),
    latestBackfill(db, shop),
    loadThresholdCurrencyStatus(db, shop),
    db.customer.groupBy({ by: ["tierKey"], where: { shop, deletedAt: null }, _count: { _all: true } }),
    db.customer.count({ where: { shop, syncStatus: "pending" } }),
    db.customer.count({ where: { shop, syncStatus: "failed" } }),
  ]);
  const failedDeliveries = await loadFailedDeliveries(db, shop);
  const counts = new Map(perTier.map((t) => [t.tierKey, t._count._all]));
  const unvaluedOrders = await countUnvaluedOrders(db, shop, rules.currency);
  return {
    shop,
    currency: rules.currency,
    allOrdersAccess: shopRow?.allOrdersAccess ?? false,
    tiers: [...rules.tiers].reverse().map((tier) => ({ key: tier.key, name: tier.name, members: counts.get(tier.key) ?? 0 })),
    backfill: backfill && {
      status: backfill.status,
      ordersRead: backfill.ordersRead,
      ordersTotal: backfill.ordersTotal,
      historyLimited: backfill.historyLimited,
      error: backfill.error,
      startedAt: backfill.startedAt.toISOString(),
      finishedAt: backfill.finishedAt?.toISOString() ?? null,
    },
    pendingSync,
    failedSync,
    failedDeliveries,
    thresholdCurrency,
    unvaluedOrders,
  };
}

/** Webhook deliveries that ended failed (after their last attempt) and were not dismissed, with the latest one's reason. */
async function loadFailedDeliveries(db: Db, shop: string) {
  const { count, retryable, latest } = await summarizeFailedDeliveries(db, shop);
  return { count, retryable, latest: latest && { topic: latest.topic, reason: latest.reason, receivedAt: latest.receivedAt.toISOString() } };
}
