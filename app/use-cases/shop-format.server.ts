// The locale, currency and time zone an admin page formats in, for the signed-in shop: the
// merchant's language (the admin's `locale`, else the browser's) with the shop's country as its
// region, the tier rules' currency (spend is counted in it) and the shop's time zone.
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { resolveLocale, type ShopFormat } from "./admin-formatting.ts";

export async function shopFormatFor(db: Db, shop: string, request: Request): Promise<ShopFormat> {
  const [row, rules] = await Promise.all([db.shop.findUnique({ where: { domain: shop }, select: { countryCode: true, ianaTimezone: true } }), loadTierRules(db, shop)]);
  const locale = resolveLocale({ requested: new URL(request.url).searchParams.get("locale"), acceptLanguage: request.headers.get("Accept-Language"), country: row?.countryCode ?? null });
  return { locale, currency: rules.currency, timeZone: validTimeZone(row?.ianaTimezone) };
}

function validTimeZone(zone: string | null | undefined): string {
  if (!zone) return "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return "UTC";
  }
}
