/**
 * The merchant's promise rules per shop, and the business calendar they make once the public
 * holidays of the shop's country are added. No saved row: the defaults (promise-rules.ts) in the
 * shop's time zone, with its country's holidays.
 *
 * Exported API
 * - loadPromiseSettings(db, shop): { rules, version, saved }          version 0 until saved
 * - loadPromiseSetup(db, shop, now): { rules, version, saved, seededHolidays, calendar }
 *       kept per shop in the process, and checked against the stored settings on every call (one
 *       small statement): a save in any process (version and updatedAt change) is seen at once
 * - promiseSetupFor(db, shop, stamp, now): the same, for a caller that read the stamp with its own statement
 * - savePromiseRules(db, shop, rules): Promise<number>                the new version
 * - type SkuSupplySetting = { sku, replenishmentBusinessDays, priorityCapacityUnits }
 * - loadSkuSupplySettings(db, shop, skus): { leadTimes: Map<sku, business days>, priorityCapacity: Map<sku, units> }
 * - listSkuSupplySettings(db, shop): SkuSupplySetting[]               every SKU's own settings, by SKU
 * - savePromiseRulesAndLeadTimes(db, shop, rules, skus, expectedVersion?): Promise<number>
 *       the rules and the whole per-SKU list in one transaction (SKUs not listed are removed); the new
 *       version. Throws PromiseSettingsVersionConflict when the stored version is not the expected one.
 */
import type { Db } from "../../db.server.ts";
import type { BusinessCalendar } from "../../domain/business-calendar.ts";
import { businessCalendarFrom, defaultPromiseRules, parsePromiseRules, type HolidayEntry, type PromiseRules } from "../../domain/promise-rules.ts";
import { holidayYearsAround, publicHolidays } from "../holidays/public-holidays.server.ts";
import { sqlOf } from "./hot-path-sql.server.ts";
import { shopSettingsSaved } from "./shop-settings-changes.server.ts";

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

/**
 * What the settings a promise is made with depend on, as stored: the saved row's version and
 * updatedAt (a save bumps both; a row deleted and saved again starts at version 1 with a new
 * updatedAt), and the shop's zone and country (the defaults when nothing is saved).
 */
export interface PromiseSettingsStamp {
  settingsVersion: unknown;
  settingsUpdatedAt: unknown;
  ianaTimezone: unknown;
  countryCode: unknown;
}

const STAMP = `SELECT (SELECT "version" FROM "PromiseSettings" WHERE "shop" = ?) AS "settingsVersion", (SELECT "updatedAt" FROM "PromiseSettings" WHERE "shop" = ?) AS "settingsUpdatedAt", s."ianaTimezone", s."countryCode" FROM (SELECT 1 AS "one") AS "one" LEFT JOIN "Shop" s ON s."domain" = ?`;

/** Parsing the rules and building the calendar (holidays included) costs far more than the statement that says whether they changed. */
const setupsByDb = new WeakMap<Db, Map<string, { stamp: string; years: string; setup: PromiseSetup }>>();
const SETUPS_KEPT = 1_000;

/** The rules with the calendar a promise made at `now` needs (this year's and next year's holidays). */
export async function loadPromiseSetup(db: Db, shop: string, now: Date): Promise<PromiseSetup> {
  const [stamp] = await sqlOf(db).all(STAMP, [shop, shop, shop]);
  return promiseSetupFor(db, shop, (stamp ?? {}) as unknown as PromiseSettingsStamp, now);
}

export async function promiseSetupFor(db: Db, shop: string, stamp: PromiseSettingsStamp, now: Date): Promise<PromiseSetup> {
  const key = [stamp.settingsVersion, stamp.settingsUpdatedAt, stamp.ianaTimezone, stamp.countryCode].map((part) => String(part ?? "")).join("|");
  let setups = setupsByDb.get(db);
  if (!setups) setupsByDb.set(db, (setups = new Map()));
  const kept = setups.get(shop);
  // The calendar holds this year's and next year's holidays in the shop's zone: another year needs another.
  if (kept && kept.stamp === key && kept.years === holidayYearsAround(now, kept.setup.rules.calendar.timeZone).join(",")) return kept.setup;
  // Read after the stamp: at least as new as it says, so what is kept under it is never older.
  const settings = await loadPromiseSettings(db, shop);
  const { calendar } = settings.rules;
  const years = holidayYearsAround(now, calendar.timeZone);
  const seededHolidays = publicHolidays(calendar.holidayRegion, years);
  const setup: PromiseSetup = { ...settings, seededHolidays, calendar: businessCalendarFrom(calendar, seededHolidays) };
  if (setups.size >= SETUPS_KEPT && !setups.has(shop)) setups.delete(setups.keys().next().value!);
  setups.set(shop, { stamp: key, years: years.join(","), setup });
  return setup;
}

export async function savePromiseRules(db: Db, shop: string, rules: PromiseRules): Promise<number> {
  const text = JSON.stringify(rules);
  const saved = await db.promiseSettings.upsert({
    where: { shop },
    create: { shop, rules: text },
    update: { rules: text, version: { increment: 1 } },
  });
  shopSettingsSaved(shop);
  return saved.version;
}

/** A SKU's own promise settings: its restocking lead time, and its priority capacity while short (supply-promise.ts). */
export type SkuSupplySetting = { sku: string; replenishmentBusinessDays: number; priorityCapacityUnits: number };

const skuSettingQueries = new Map<number, string>();

/** A cached prepared statement per number of SKUs: every promise made reads its lines' settings. */
export async function loadSkuSupplySettings(db: Db, shop: string, skus: readonly string[]): Promise<{ leadTimes: Map<string, number>; priorityCapacity: Map<string, number> }> {
  const wanted = [...new Set(skus)];
  if (wanted.length === 0) return { leadTimes: new Map(), priorityCapacity: new Map() };
  let text = skuSettingQueries.get(wanted.length);
  if (!text) {
    text = `SELECT "sku", "replenishmentBusinessDays", "priorityCapacityUnits" FROM "SkuReplenishment" WHERE "shop" = ? AND "sku" IN (${wanted.map(() => "?").join(", ")})`;
    skuSettingQueries.set(wanted.length, text);
  }
  const rows = await sqlOf(db).all(text, [shop, ...wanted]);
  return {
    leadTimes: new Map(rows.map((row) => [row.sku as string, Number(row.replenishmentBusinessDays)])),
    priorityCapacity: new Map(rows.map((row) => [row.sku as string, Number(row.priorityCapacityUnits)])),
  };
}

export async function listSkuSupplySettings(db: Db, shop: string): Promise<SkuSupplySetting[]> {
  return db.skuReplenishment.findMany({ where: { shop }, select: { sku: true, replenishmentBusinessDays: true, priorityCapacityUnits: true }, orderBy: { sku: "asc" } });
}

/** The settings were saved elsewhere (another tab, another person) since the page was loaded. */
export class PromiseSettingsVersionConflict extends Error {
  constructor(readonly currentVersion: number) {
    super(`promise settings are at version ${currentVersion}`);
  }
}

/**
 * The settings page saves both at once: either all of it is stored or none of it. With
 * `expectedVersion` (the version the page was loaded at; 0: never saved) a save over someone
 * else's newer one is refused with PromiseSettingsVersionConflict instead of silently replacing it.
 */
export async function savePromiseRulesAndLeadTimes(
  db: Db,
  shop: string,
  rules: PromiseRules,
  leadTimes: readonly SkuSupplySetting[],
  expectedVersion: number | null = null,
): Promise<number> {
  const text = JSON.stringify(rules);
  try {
    const version = await db.$transaction(async (tx) => {
      let version: number;
      if (expectedVersion === null) {
        version = (await tx.promiseSettings.upsert({ where: { shop }, create: { shop, rules: text }, update: { rules: text, version: { increment: 1 } } })).version;
      } else if (expectedVersion === 0) {
        const existing = await tx.promiseSettings.findUnique({ where: { shop }, select: { version: true } });
        if (existing) throw new PromiseSettingsVersionConflict(existing.version);
        version = (await tx.promiseSettings.create({ data: { shop, rules: text } })).version;
      } else {
        const { count } = await tx.promiseSettings.updateMany({ where: { shop, version: expectedVersion }, data: { rules: text, version: { increment: 1 } } });
        if (count === 0) throw new PromiseSettingsVersionConflict((await tx.promiseSettings.findUnique({ where: { shop }, select: { version: true } }))?.version ?? 0);
        version = expectedVersion + 1;
      }
      await tx.skuReplenishment.deleteMany({ where: { shop, sku: { notIn: leadTimes.map((entry) => entry.sku) } } });
      for (const entry of leadTimes) {
        await tx.skuReplenishment.upsert({
          where: { shop_sku: { shop, sku: entry.sku } },
          create: { shop, sku: entry.sku, replenishmentBusinessDays: entry.replenishmentBusinessDays, priorityCapacityUnits: entry.priorityCapacityUnits },
          update: { replenishmentBusinessDays: entry.replenishmentBusinessDays, priorityCapacityUnits: entry.priorityCapacityUnits },
        });
      }
      return version;
    });
    shopSettingsSaved(shop);
    return version;
  } catch (error) {
    // Two first saves at once: the second one's insert meets the first one's row.
    if ((error as { code?: string }).code === "P2002") {
      throw new PromiseSettingsVersionConflict((await db.promiseSettings.findUnique({ where: { shop }, select: { version: true } }))?.version ?? 1);
    }
    throw error;
  }
}
