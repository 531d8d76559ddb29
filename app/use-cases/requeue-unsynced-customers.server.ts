// Writes to Shopify are never lost: a customer whose sync failed (after the tier
// job's own retries ran out) or was left pending (a worker died between the
// recomputation and the write) is queued again by a periodic sweep. The tier job
// recomputes (a no-op when nothing moved) and syncs. Shops that uninstalled are left alone.
import type { Db } from "../db.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

/** Rows untouched for this long are stuck, not in flight (the tier job's retries span about 17 minutes). */
export const UNSYNCED_STALE_AFTER_MS = 20 * 60_000;

export async function requeueUnsyncedCustomers({
  db,
  now,
  requestRecompute,
  staleAfterMs = UNSYNCED_STALE_AFTER_MS,
  limit = 5_000,
}: {
  db: Db;
  now: Date;
  requestRecompute: (shop: string, customerGids: string[], cause: TierRecomputeCause) => Promise<void>;
  staleAfterMs?: number;
  limit?: number;
}): Promise<{ requeued: number; shops: number }> {
  const installed = await db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true } });
  if (installed.length === 0) return { requeued: 0, shops: 0 };
  const stuck = await db.customer.findMany({
    where: {
      shop: { in: installed.map((s) => s.domain) },
      deletedAt: null,
      tierKey: { not: null },
      syncStatus: { in: ["failed", "pending"] },
      updatedAt: { lt: new Date(now.getTime() - staleAfterMs) },
    },
    select: { shop: true, customerGid: true },
    orderBy: { updatedAt: "asc" },
    take: limit,
  });
  const byShop = new Map<string, string[]>();
  for (const row of stuck) byShop.set(row.shop, [...(byShop.get(row.shop) ?? []), row.customerGid]);
  for (const [shop, gids] of byShop) await requestRecompute(shop, gids, "customer");
  return { requeued: stuck.length, shops: byShop.size };
}
