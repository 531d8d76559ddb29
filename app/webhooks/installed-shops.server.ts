// Is this shop installed? Asked on every webhook, so answers are cached briefly.
// An installation is a Shop row not marked uninstalled.
import type { Db } from "../db.server.ts";

export function createInstalledShopCheck(db: Db, { ttlMs = 5_000, now = () => Date.now() } = {}) {
  const cache = new Map<string, { installed: boolean; until: number }>();
  return async function isInstalled(shop: string): Promise<boolean> {
    const hit = cache.get(shop);
    if (hit && hit.until > now()) return hit.installed;
    const row = await db.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } });
    const installed = row !== null && row.uninstalledAt === null;
    // A shop that is not installed yet may install any moment: re-check it sooner.
    cache.set(shop, { installed, until: now() + (installed ? ttlMs : Math.min(ttlMs, 1_000)) });
    return installed;
  };
}
