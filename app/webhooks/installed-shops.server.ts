// Is this shop installed? Asked on every webhook, so answers are cached briefly.
// An installation is a Shop row not marked uninstalled.
import type { Db } from "../db.server.ts";

export function createInstalledShopCheck(db: Db, { ttlMs = 5_000, now = () => Date.now() } = {}) {
  const cache = new Map<string, { installed: boolean; until: number }>();
  const lookUp = async (shop: string): Promise<boolean> => {
    const row = await db.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } });
    const installed = row !== null && row.uninstalledAt === null;
    // A shop that is not installed yet may install any moment: re-check it sooner.
    cache.set(shop, { installed, until: now() + (installed ? ttlMs : Math.min(ttlMs, 1_000)) });
    return installed;
  };
  /** A cached answer comes back as it is, not as a promise: the intake then goes on without waiting a tick. */
  return function isInstalled(shop: string): boolean | Promise<boolean> {
    const hit = cache.get(shop);
    return hit && hit.until > now() ? hit.installed : lookUp(shop);
  };
}
