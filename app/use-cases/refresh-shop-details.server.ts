// After install: read the shop's currency and time zone (tiers are in the shop's
// currency, calendar-year windows in its time zone) and the scopes actually
// granted (read_all_orders decides whether history older than 60 days is visible).
import type { Db } from "../db.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readShopDetails, type ShopDetails } from "../adapters/shopify/admin-operations/shop-details.ts";

export async function refreshShopDetails({ db, admin, shop }: { db: Db; admin: AdminRunner; shop: string }): Promise<ShopDetails> {
  const details = await readShopDetails(admin);
  const scopes = details.scopes ? { scopes: details.scopes.join(","), allOrdersAccess: details.scopes.includes("read_all_orders") } : {};
  const fields = { name: details.name, currencyCode: details.currencyCode, ianaTimezone: details.ianaTimezone, countryCode: details.countryCode, ...scopes };
  await db.shop.upsert({ where: { domain: shop }, create: { domain: shop, ...fields }, update: fields });
  return details;
}
