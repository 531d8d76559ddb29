// Which installed shops have tier writes waiting: rows pending (a worker died
// between the recomputation and the write, or its request was lost) or failed and
// due for their retry, and rows whose spend values are stale. The sweeps restart
// those shops' syncs, so a write is never lost, only late.
import type { Db } from "../db.server.ts";

export async function shopsWithDueTierWrites(db: Db, now: Date): Promise<{ due: string[]; stale: string[] }> {
  const installed = await db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true } });
  if (installed.length === 0) return { due: [], stale: [] };
  const shops = installed.map((s) => s.domain);
  const [due, stale] = await Promise.all([
    db.customer.findMany({
      where: { shop: { in: shops }, OR: [{ syncStatus: "pending" }, { syncStatus: "failed", syncDueAt: { lte: now } }] },
      distinct: ["shop"],
      select: { shop: true },
    }),
    db.customer.findMany({ where: { shop: { in: shops }, syncStatus: "stale" }, distinct: ["shop"], select: { shop: true } }),
  ]);
  return { due: due.map((r) => r.shop), stale: stale.map((r) => r.shop) };
}
