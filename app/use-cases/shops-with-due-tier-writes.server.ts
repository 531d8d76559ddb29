// Which installed shops have tier writes waiting: rows pending (a worker died
// between the recomputation and the write, or its request was lost) or failed and
// due for their retry, and rows whose spend values are stale. The sweeps restart
// those shops' syncs, so a write is never lost, only late. Shops whose tier ladder is due count as due.
import type { Db } from "../db.server.ts";

export async function shopsWithDueTierWrites(db: Db, now: Date): Promise<{ due: string[]; stale: string[] }> {
  const installed = await db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true, tierLadderDue: true } });
  if (installed.length === 0) return { due: [], stale: [] };
  // A shop whose tier ladder (shop metafield) waits for its write needs a sync too.
  const ladderDue = installed.filter((s) => s.tierLadderDue).map((s) => s.domain);
  const shops = installed.map((s) => s.domain);
  const [due, stale] = await Promise.all([
    db.customer.findMany({
      where: { shop: { in: shops }, OR: [{ syncStatus: "pending" }, { syncStatus: "failed", syncDueAt: { lte: now } }] },
      distinct: ["shop"],
      select: { shop: true },
    }),
    db.customer.findMany({ where: { shop: { in: shops }, syncStatus: "stale" }, distinct: ["shop"], select: { shop: true } }),
  ]);
  return { due: [...new Set([...due.map((r) => r.shop), ...ladderDue])], stale: stale.map((r) => r.shop) };
}
