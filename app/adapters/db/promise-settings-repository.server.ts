/**
 * The merchant's promise rules per shop, and the business calendar they make once the public
 * holidays of the shop's country are added. No saved row: the defaults (promise-rules.ts) in the
 * shop's time zone, with its country's holidays.
 *
 * Exported API
 * - loadPromiseSettings(db, shop): { rules, version, saved }          version 0 until saved
 * - loadPromiseSetup(db, shop, now): { rules, version, saved, seededHolidays, calendar }
 * - savePromiseRules(db, shop, rules): Promise<number>                the new version
 * - loadSkuLeadTimes(db, shop, skus): Map<sku, business days>
 * - listSkuLeadTimes(db, shop): { sku, replenishmentBusinessDays }[]   every SKU's own lead time, by SKU
 * - savePromiseRulesAndLeadTimes(db, shop, rules, leadTimes): Promise<number>
 *       the rules and the whole per-SKU list in one transaction (SKUs not listed are removed); the new version
 */
import type { Db } from "../../db.server.ts";
import type { BusinessCalendar } from "../../domain/business-calendar.ts";
import { businessCalendarFrom, defaultPromiseRules, parsePromiseRules, type HolidayEntry, type PromiseRules } from "../../domain/promise-rules.ts";
import { holidayYearsAround, publicHolidays } from "../holidays/public-holidays.server.ts";

export type PromiseSettingsRecord = { rules: PromiseRules; version: number; saved: boolean };

export type PromiseSetup = PromiseSettingsRecord & { seededHolidays: HolidayEntry[]; calendar: BusinessCalendar };

export async function loadPromiseSettings(db: Db, shop: string): Promise<PromiseSettingsRecord> {
  const [settings, shopRow] = await Promise.all([
    db.promiseSettings.findUnique({ where: { shop } }),
    db.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true, countryCode: true } }),
  ]);
  if (settings) {
    const parsed = parsePromiseRules(JSON.parse(settings.rules));
    if (!parsed.ok) throw new Error(`Stored promise rules of ${shop} are invalid: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
    return { rules: parsed.rules, version: settings.version, saved: true };
  }
  return { rules: defaultPromiseRules(shopRow?.ianaTimezone ?? "UTC", shopRow?.countryCode ?? null), version: 0, saved: false };
}

/** The rules with the calendar a promise made at `now` needs (this year's and next year's holidays). */
export async function loadPromiseSetup(db: Db, shop: string, now: Date): Promise<PromiseSetup> {
  const settings = await loadPromiseSettings(db, shop);
  const { calendar } = settings.rules;
  const seededHolidays = publicHolidays(calendar.holidayRegion, holidayYearsAround(now, calendar.timeZone));
  return { ...settings, seededHolidays, calendar: businessCalendarFrom(calendar, seededHolidays) };
}

export async function savePromiseRules(db: Db, shop: string, rules: PromiseRules): Promise<number> {
  const text = JSON.stringify(rules);
  const saved = await db.promiseSettings.upsert({
    where: { shop },
    create: { shop, rules: text },
    update: { rules: text, version: { increment: 1 } },
  });
  return saved.version;
}

export async function loadSkuLeadTimes(db: Db, shop: string, skus: readonly string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(skus)];
  if (wanted.length === 0) return new Map();
  const rows = await db.skuReplenishment.findMany({ where: { shop, sku: { in: wanted } }, select: { sku: true, replenishmentBusinessDays: true } });
  return new Map(rows.map((row) => [row.sku, row.replenishmentBusinessDays]));
}

export async function listSkuLeadTimes(db: Db, shop: string): Promise<{ sku: string; replenishmentBusinessDays: number }[]> {
  return db.skuReplenishment.findMany({ where: { shop }, select: { sku: true, replenishmentBusinessDays: true }, orderBy: { sku: "asc" } });
}

/** The settings page saves both at once: either all of it is stored or none of it. */
export async function savePromiseRulesAndLeadTimes(db: Db, shop: string, rules: PromiseRules, leadTimes: readonly { sku: string; replenishmentBusinessDays: number }[]): Promise<number> {
  const text = JSON.stringify(rules);
  const skus = leadTimes.map((entry) => entry.sku);
  const [saved] = await db.$transaction([
    db.promiseSettings.upsert({ where: { shop }, create: { shop, rules: text }, update: { rules: text, version: { increment: 1 } } }),
    db.skuReplenishment.deleteMany({ where: { shop, sku: { notIn: skus } } }),
    ...leadTimes.map((entry) =>
      db.skuReplenishment.upsert({
        where: { shop_sku: { shop, sku: entry.sku } },
        create: { shop, sku: entry.sku, replenishmentBusinessDays: entry.replenishmentBusinessDays },
        update: { replenishmentBusinessDays: entry.replenishmentBusinessDays },
      }),
    ),
  ]);
  return saved.version;
}
