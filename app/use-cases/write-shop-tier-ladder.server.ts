// The shop's tier ladder (every tier: name, entry spend, delivery promise) as the app-owned SHOP
// metafield $app.tier_ladder, which the customer account Profile block reads through the Customer
// Account API. It is the same for every member, so it is written once per change of the shop's
// tier rules or promise settings (they set Shop.tierLadderDue; so does install), by the shop's
// tier sync: one read of the shop id and one metafieldsSet (11 points), instead of a value per member.
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { decodeRow, sqlOf } from "../adapters/db/hot-path-sql.server.ts";
import { loadPromiseSettings } from "../adapters/db/promise-settings-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { setMetafields } from "../adapters/shopify/admin-operations/metafields-set.ts";
import { readShopLadder } from "../adapters/shopify/admin-operations/shop-tier-ladder.ts";
import { classifyShopifyError, ShopifyRetryableError } from "../adapters/shopify/shopify-errors.ts";
import { SHOP_TIER_LADDER_METAFIELD, tierLadder } from "../domain/tier-metafields.ts";

/** Marks the shop's ladder for writing (tier rules or promise settings were saved). */
export async function markShopTierLadderDue(db: Db, shop: string): Promise<void> {
  await db.shop.updateMany({ where: { domain: shop }, data: { tierLadderDue: true } });
}

/** Writes the ladder when it is due. Throttled: nothing written, still due, retry after the wait. */
export async function writeShopTierLadderIfDue({ db, shop, admin }: { db: Db; shop: string; admin: () => Promise<AdminRunner> }): Promise<{ written: boolean; retryAfterMs: number | null }> {
  // Every sync round looks; the ladder is rarely due, so the look is one cached statement.
  const [raw] = await sqlOf(db).all(`SELECT "tierLadderDue", "updatedAt" FROM "Shop" WHERE "domain" = ?`, [shop]);
  const row = raw ? decodeRow<{ tierLadderDue: boolean; updatedAt: Date }>("Shop", raw) : null;
  if (!row?.tierLadderDue) return { written: false, retryAfterMs: null };
  const ladder = tierLadder(await loadTierRules(db, shop), (await loadPromiseSettings(db, shop)).rules.lanes);
  try {
    const runner = await admin();
    const value = JSON.stringify(ladder);
    const current = await readShopLadder(runner);
    // Already there (an earlier write whose answer never came landed): nothing to write.
    if (!sameJson(current.ladder, value)) await setMetafields(runner, [{ ownerId: current.ownerId, ...SHOP_TIER_LADDER_METAFIELD, value }]);
  } catch (error) {
    const classified = classifyShopifyError(error);
    if (classified instanceof ShopifyRetryableError && classified.reason === "throttled") return { written: false, retryAfterMs: classified.retryAfterMs ?? 1_000 };
    throw error;
  }
  // Saved again meanwhile (its updatedAt moved): stays due, and the next sync writes the newer ladder.
  await db.shop.updateMany({ where: { domain: shop, updatedAt: row.updatedAt }, data: { tierLadderDue: false } });
  return { written: true, retryAfterMs: null };
}

/** The same JSON value (Shopify may give back a json metafield re-serialised); none is never the same. */
function sameJson(a: string | null, b: string): boolean {
  if (a === null) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
