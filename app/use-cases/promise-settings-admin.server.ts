// The Promise settings page: the promise rules and per-SKU lead times as an editable draft, a
// preview of what each tier would be promised for an order placed now (with the lanes' current
// bookings), and saving, which stores everything at once or, on any bad field, nothing.
// Promises already made keep their dates (stored-promise-decision.ts): saving only affects
// orders paid afterwards.
import { markShopTierLadderDue } from "./write-shop-tier-ladder.server.ts";
import { DateTime } from "luxon";
import type { Db } from "../db.server.ts";
import { listSkuSupplySettings, loadPromiseSettings, PromiseSettingsVersionConflict, savePromiseRulesAndLeadTimes, type SkuSupplySetting } from "../adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { HOLIDAY_DATA_ATTRIBUTION, holidayCountries, holidaySubdivisions, holidayYearsAround, isKnownHolidayRegion, publicHolidays } from "../adapters/holidays/public-holidays.server.ts";
import { isValidTimeZone, localDateOf, type IsoWeekday } from "../domain/business-calendar.ts";
import { previewTierPromises } from "../domain/promise-preview.ts";
import { businessCalendarFrom, parsePromiseRules, promiseRulesIssuesForTiers, type PromiseLane, type PromiseRules } from "../domain/promise-rules.ts";
import { formatMoney as decimalMoney } from "../domain/money.ts";
import { formatLocalDay, formatShopDateTime } from "./admin-formatting.ts";
import { parseTypedAmount } from "./members-admin.server.ts";
import { describeAdjustment, laneNamer, loadOpenLaneBookings } from "./promises-admin.server.ts";

/** `handlingCost`: the lane's handling cost per order in the shop's currency, as typed ("" = none). */
export type LaneDraft = { key: string; name: string; tierKey: string; unit: PromiseLane["handling"]["unit"]; min: string; max: string; capacity: string; handlingCost: string };

/** The form's state: numbers as typed, blanks for "none". */
export type PromiseSettingsDraft = {
  timeZone: string;
  workingDays: number[];
  cutoff: string;
  holidayCountry: string;
  holidaySubdivision: string;
  holidaysRemoved: string[];
  holidaysAdded: { date: string; name: string }[];
  lanes: LaneDraft[];
  transit: { zone: string; minDays: string; maxDays: string }[];
  defaultReplenishmentDays: string;
  /** Per SKU: its restocking lead time and its priority capacity (units; "" = none). */
  skus: { sku: string; days: string; capacity: string }[];
};

export type SettingsIssue = { path: string; message: string };

type Tier = { key: string; name: string };

function laneKeyFor(tierKey: string, taken: string[]): string {
  const base = `${tierKey.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z0-9]+/, "") || "lane"}-lane`.slice(0, 60);
  let key = base;
  for (let i = 2; taken.includes(key); i++) key = `${base}-${i}`;
  return key;
}

/**
 * The saved rules as a form, in step with the tiers: a tier added since gets a lane to fill in (a
 * copy of the slowest lane's times, so nothing is promised faster than before); the lane of a tier
 * that is gone serves nobody and is left out (the page says so; saving drops it).
 */
export function draftFromPromiseRules(rules: PromiseRules, skus: readonly SkuSupplySetting[], tiers: readonly Tier[], currency: string): PromiseSettingsDraft {
  const lanes: LaneDraft[] = rules.lanes.filter((lane) => tiers.some((t) => t.key === lane.tierKey)).map((lane) => ({
    key: lane.key,
    name: lane.name,
    tierKey: lane.tierKey,
    unit: lane.handling.unit,
    min: String(lane.handling.min),
    max: String(lane.handling.max),
    capacity: lane.dailyCapacity === null ? "" : String(lane.dailyCapacity),
    handlingCost: lane.handlingCostMinor ? decimalMoney(lane.handlingCostMinor, currency) : "",
  }));
  const template = lanes[lanes.length - 1] ?? null;
  for (const tier of tiers) {
    if (lanes.some((lane) => lane.tierKey === tier.key)) continue;
    lanes.push({ key: laneKeyFor(tier.key, lanes.map((l) => l.key)), name: `${tier.name} lane`, tierKey: tier.key, unit: template?.unit ?? "business_days", min: template?.min ?? "7", max: template?.max ?? "10", capacity: "", handlingCost: "" });
  }
  const order = tiers.map((t) => t.key);
  lanes.sort((a, b) => (order.indexOf(a.tierKey) + 1 || 99) - (order.indexOf(b.tierKey) + 1 || 99));
  return {
    timeZone: rules.calendar.timeZone,
    workingDays: [...rules.calendar.workingDays],
    cutoff: rules.calendar.cutoff ?? "",
    holidayCountry: rules.calendar.holidayRegion?.country ?? "",
    holidaySubdivision: rules.calendar.holidayRegion?.subdivision ?? "",
    holidaysRemoved: [...rules.calendar.holidaysRemoved],
    holidaysAdded: rules.calendar.holidaysAdded.map((h) => ({ ...h })),
    lanes,
    transit: rules.transit.map((t) => ({ zone: t.zone, minDays: String(t.minDays), maxDays: String(t.maxDays) })),
    defaultReplenishmentDays: String(rules.defaultReplenishmentBusinessDays),
    skus: skus.map((s) => ({ sku: s.sku, days: String(s.replenishmentBusinessDays), capacity: s.priorityCapacityUnits ? String(s.priorityCapacityUnits) : "" })),
  };
}

const regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });

// ISO 3166's user-assigned codes (AA, QM–QZ, XA–XZ, ZZ) and unions are no destination; Kosovo's XK is.
const NOT_A_COUNTRY = /^(AA|Q[M-Z]|X[A-JL-Z]|ZZ|EU|EZ|UN)$/;

/** A country code ISO 3166 knows ("XX", "ZZ" and "EU" are not countries). */
function isCountry(code: string): boolean {
  try {
    return /^[A-Z]{2}$/.test(code) && !NOT_A_COUNTRY.test(code) && regionNames.of(code) !== undefined;
  } catch {
    return false;
  }
}

/** The domain's wording, as a sentence under the field; a few said the way a merchant would. */
function merchantWords(path: string, message: string): string {
  if (/handling\.min$/.test(path) && /more than the maximum/.test(message)) return "The shortest time can't be longer than the longest";
  if (/minDays$/.test(path) && /more than the maximum/.test(message)) return "The shortest transit can't be longer than the longest";
  if (path === "calendar.cutoff") return "Enter a time such as 14:00 (24-hour clock), or leave it empty for no cut-off";
  if (/dailyCapacity$/.test(path) && /at least 1/.test(message)) return "At least 1 order a day; leave it empty for no limit";
  if (path === "calendar.timeZone") return "Choose a time zone such as America/New_York";
  if (path === "calendar.workingDays") return "Choose at least one working day";
  if (/handlingCostMinor$/.test(path) && /less than or equal|too big/i.test(message)) return "That is more than any order's handling could cost; check the amount";
  const text = message.replace(/^(capacity|cut-off|zone|key|name|country|subdivision) must/, "must");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type DraftParse =
  | { ok: true; rules: PromiseRules; leadTimes: SkuSupplySetting[] }
  | { ok: false; issues: SettingsIssue[] };

/** The most a SKU's priority capacity may be: a typo guard, far above any real week's making or expediting. */
const MAX_PRIORITY_CAPACITY = 1_000_000;

/**
 * The draft as rules and per-SKU settings, every bad field named by its path (nothing partial).
 * Handling costs are typed in `currency` (the shop's, as the dashboard shows money).
 */
export function promiseSettingsFromDraft(draft: PromiseSettingsDraft, tierKeys: readonly string[], currency: string): DraftParse {
  const issues: SettingsIssue[] = [];
  const whole = (value: string, path: string, { optional = false } = {}): number | null => {
    const text = String(value ?? "").trim();
    if (text === "" && optional) return null;
    if (!/^-?\d+$/.test(text)) {
      issues.push({ path, message: text === "" ? "Enter a whole number" : "Enter a whole number such as 3" });
      return 0;
    }
    return Number(text);
  };
  // Empty is no cost (the key is left out, as rules saved before the field existed have it).
  const handlingCostOf = (value: string | undefined, path: string): { handlingCostMinor?: number } => {
    const amount = parseTypedAmount(value ?? "", currency);
    if (!amount.ok) {
      issues.push({ path, message: amount.message.replace(/^Enter an amount like/, `Enter an amount in ${currency} like`) });
      return {};
    }
    return amount.minor ? { handlingCostMinor: amount.minor } : {};
  };
  const country = draft.holidayCountry.trim().toUpperCase();
  const subdivision = draft.holidaySubdivision.trim().toUpperCase();
  if (country && !isKnownHolidayRegion(country, null)) issues.push({ path: "calendar.holidayRegion.country", message: "There are no public holidays on file for this country; choose another or none" });
  else if (country && subdivision && !isKnownHolidayRegion(country, subdivision)) issues.push({ path: "calendar.holidayRegion.subdivision", message: "Not a region of this country; choose one from the list or none" });
  const transit = draft.transit.map((t, i) => {
    const zone = t.zone.trim().toUpperCase();
    const zoneCountry = zone.slice(0, 2);
    if (/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(zone)) {
      if (!isCountry(zoneCountry)) issues.push({ path: `transit.${i}.zone`, message: `There is no country "${zoneCountry}"; use a code such as US, DE or US-CA` });
      else if (zone.length > 2) {
        const regions = holidaySubdivisions(zoneCountry);
        if (regions.length > 0 && !regions.some((r) => r.code === zone.slice(3))) issues.push({ path: `transit.${i}.zone`, message: `There is no region "${zone}"; use a code such as US-CA` });
      }
    }
    return { zone, minDays: whole(t.minDays, `transit.${i}.minDays`), maxDays: whole(t.maxDays, `transit.${i}.maxDays`) };
  });
  const lanes = draft.lanes.map((lane, i) => ({
    key: lane.key,
    name: lane.name,
    tierKey: lane.tierKey,
    handling: { unit: lane.unit, min: whole(lane.min, `lanes.${i}.handling.min`), max: whole(lane.max, `lanes.${i}.handling.max`) },
    dailyCapacity: whole(lane.capacity, `lanes.${i}.dailyCapacity`, { optional: true }),
    ...handlingCostOf(lane.handlingCost, `lanes.${i}.handlingCostMinor`),
  }));
  const skus = new Set<string>();
  const leadTimes = draft.skus.map((row, i) => {
    const sku = row.sku.trim();
    if (!sku) issues.push({ path: `skus.${i}.sku`, message: "Enter the SKU" });
    else if (sku.length > 255) issues.push({ path: `skus.${i}.sku`, message: "A SKU has at most 255 characters" });
    else if (skus.has(sku)) issues.push({ path: `skus.${i}.sku`, message: "This SKU is listed twice" });
    skus.add(sku);
    const days = whole(row.days, `skus.${i}.days`) ?? 0;
    if (days < 0) issues.push({ path: `skus.${i}.days`, message: "Can't be negative" });
    else if (days > 366) issues.push({ path: `skus.${i}.days`, message: "At most 366 business days" });
    const capacity = whole(row.capacity ?? "", `skus.${i}.capacity`, { optional: true }) ?? 0;
    if (capacity < 0) issues.push({ path: `skus.${i}.capacity`, message: "Can't be negative; leave it empty for none" });
    else if (capacity > MAX_PRIORITY_CAPACITY) issues.push({ path: `skus.${i}.capacity`, message: `At most ${MAX_PRIORITY_CAPACITY.toLocaleString("en")} units` });
    return { sku, replenishmentBusinessDays: days, priorityCapacityUnits: capacity };
  });
  const parsed = parsePromiseRules({
    calendar: {
      timeZone: draft.timeZone,
      workingDays: [...new Set(draft.workingDays)].sort(),
      cutoff: draft.cutoff.trim() === "" ? null : draft.cutoff.trim(),
      holidayRegion: country ? { country, subdivision: subdivision || null } : null,
      holidaysAdded: draft.holidaysAdded.map((h) => ({ date: h.date.trim(), name: h.name })),
      holidaysRemoved: [...new Set(draft.holidaysRemoved)],
    },
    lanes,
    defaultReplenishmentBusinessDays: whole(draft.defaultReplenishmentDays, "defaultReplenishmentBusinessDays"),
    transit,
  });
  const domainIssues = parsed.ok ? promiseRulesIssuesForTiers(parsed.rules, tierKeys) : parsed.issues;
  // A field already reported as unreadable is not reported again for the placeholder put in its place.
  for (const issue of domainIssues) if (!issues.some((i) => i.path === issue.path)) issues.push(issue);
  if (issues.length > 0 || !parsed.ok) return { ok: false, issues: issues.map((i) => ({ path: i.path, message: merchantWords(i.path, i.message) })) };
  return { ok: true, rules: parsed.rules, leadTimes };
}

export type HolidaysView = {
  countryName: string | null;
  subdivisions: { code: string; name: string }[];
  /** The dataset's public holidays for the region from today to the end of next year. */
  seeded: { date: string; name: string; label: string }[];
};

function holidaysView(country: string, subdivision: string, now: Date, timeZone: string, locale: string): HolidaysView {
  const code = country.trim().toUpperCase();
  if (!code || !isKnownHolidayRegion(code, null)) return { countryName: null, subdivisions: [], seeded: [] };
  const sub = subdivision.trim().toUpperCase();
  const region = { country: code, subdivision: sub && isKnownHolidayRegion(code, sub) ? sub : null };
  const zone = isValidTimeZone(timeZone) ? timeZone : "UTC";
  // Days already past promise nothing: the list starts today.
  const today = DateTime.fromJSDate(now, { zone }).toISODate() ?? "";
  return {
    countryName: holidayCountries().find((c) => c.code === code)?.name ?? code,
    subdivisions: holidaySubdivisions(code),
    seeded: publicHolidays(region, holidayYearsAround(now, zone))
      .filter((h) => h.date >= today)
      .map((h) => ({ ...h, label: formatLocalDay(h.date, locale, { year: true }) })),
  };
}

export type TierPreviewView = { tierKey: string; tierName: string; laneName: string | null; shipBy: string | null; shipByDay: string | null; shipByEarliest: string | null; notes: string[] };

export type PromisePreviewView = { placedAt: string; tiers: TierPreviewView[] };

/** What each tier would be promised for an order placed now, under `rules`, with the lanes' bookings as they stand. */
export async function previewForRules({ db, shop, rules, tiers, now, locale }: { db: Db; shop: string; rules: PromiseRules; tiers: readonly Tier[]; now: Date; locale: string }): Promise<PromisePreviewView> {
  const region = rules.calendar.holidayRegion;
  const seeded = publicHolidays(region, holidayYearsAround(now, rules.calendar.timeZone));
  const calendar = businessCalendarFrom(rules.calendar, seeded);
  const bookingsByLane = await loadOpenLaneBookings(db, shop, localDateOf(calendar, now));
  const previews = previewTierPromises({ rules, calendar, tierKeys: tiers.map((t) => t.key), now, bookingsByLane, destination: null });
  const laneName = laneNamer(rules);
  const at = (instant: Date) => formatShopDateTime(instant, locale, calendar.timeZone);
  return {
    placedAt: at(now),
    tiers: previews.map(({ tierKey, promise }) => ({
      tierKey,
      tierName: tiers.find((t) => t.key === tierKey)?.name ?? tierKey,
      laneName: promise ? laneName(promise.laneKey) : null,
      shipBy: promise ? at(promise.shipBy) : null,
      shipByDay: promise?.shipByDay ?? null,
      shipByEarliest: promise ? at(promise.shipByEarliest) : null,
      notes: promise ? promise.adjustments.map((a) => describeAdjustment(a, { locale, laneName })) : ["No lane serves this tier yet"],
    })),
  };
}

export type PromiseSettingsPage = {
  draft: PromiseSettingsDraft;
  /** The currency handling costs are typed and shown in (the tier rules', as on the dashboard). */
  currency: string;
  version: number;
  saved: boolean;
  locale: string;
  tiers: Tier[];
  timeZones: string[];
  countries: { code: string; name: string }[];
  holidays: HolidaysView;
  preview: PromisePreviewView | null;
  /** The saved lanes do not match the tiers (a tier added or removed since). */
  tierIssues: SettingsIssue[];
  attribution: string;
};

export async function loadPromiseSettingsPage({ db, shop, now, locale }: { db: Db; shop: string; now: Date; locale: string }): Promise<PromiseSettingsPage> {
  const [settings, skus, tierRules] = await Promise.all([loadPromiseSettings(db, shop), listSkuSupplySettings(db, shop), loadTierRules(db, shop)]);
  const tiers = tierRules.tiers.map((t) => ({ key: t.key, name: t.name }));
  const { rules } = settings;
  const { currency } = tierRules;
  const draft = draftFromPromiseRules(rules, skus, tiers, currency);
  // Named by tier, not by position: the draft the page offers has its lanes in step already.
  const tierIssues = promiseRulesIssuesForTiers(rules, tiers.map((t) => t.key)).map((issue) => {
    const lane = /^lanes\.(\d+)\.tierKey$/.exec(issue.path);
    return lane ? { path: "lanes", message: `The lane "${rules.lanes[Number(lane[1])]?.name}" served a tier that no longer exists; it is dropped when you save` } : issue;
  });
  // The preview is of the draft the page offers (lanes in step with the tiers).
  const parsed = promiseSettingsFromDraft(draft, tiers.map((t) => t.key), currency);
  return {
    draft,
    currency,
    version: settings.version,
    saved: settings.saved,
    locale,
    tiers,
    timeZones: Intl.supportedValuesOf("timeZone"),
    countries: holidayCountries(),
    holidays: holidaysView(draft.holidayCountry, draft.holidaySubdivision, now, draft.timeZone, locale),
    preview: parsed.ok ? await previewForRules({ db, shop, rules: parsed.rules, tiers, now, locale }) : null,
    tierIssues: tierIssues.map((i) => ({ path: i.path, message: merchantWords(i.path, i.message) })),
    attribution: HOLIDAY_DATA_ATTRIBUTION,
  };
}

export type PromiseSettingsSubmission =
  | { intent: "preview" | "save"; ok: false; issues: SettingsIssue[]; holidays: HolidaysView; conflict?: true }
  | { intent: "preview"; ok: true; preview: PromisePreviewView; holidays: HolidaysView }
  | { intent: "save"; ok: true; version: number; preview: PromisePreviewView; holidays: HolidaysView };

/** The page's one action: validate the draft, then preview it or save it (all or nothing). */
export async function submitPromiseSettings({
  db,
  shop,
  intent,
  draft,
  now,
  locale,
  expectedVersion = null,
}: {
  db: Db;
  shop: string;
  intent: "preview" | "save";
  draft: PromiseSettingsDraft;
  now: Date;
  locale: string;
  /** The version the page was loaded at: a save over a newer one is refused (nothing saved). */
  expectedVersion?: number | null;
}): Promise<PromiseSettingsSubmission> {
  const tierRules = await loadTierRules(db, shop);
  const tiers = tierRules.tiers.map((t) => ({ key: t.key, name: t.name }));
  const holidays = holidaysView(draft.holidayCountry ?? "", draft.holidaySubdivision ?? "", now, draft.timeZone, locale);
  const parsed = promiseSettingsFromDraft(draft, tiers.map((t) => t.key), tierRules.currency);
  if (!parsed.ok) return { intent, ok: false, issues: parsed.issues, holidays };
  if (intent === "preview") return { intent, ok: true, preview: await previewForRules({ db, shop, rules: parsed.rules, tiers, now, locale }), holidays };
  let version: number;
  try {
    version = await savePromiseRulesAndLeadTimes(db, shop, parsed.rules, parsed.leadTimes, expectedVersion);
  } catch (error) {
    if (!(error instanceof PromiseSettingsVersionConflict)) throw error;
    const message = `These settings were saved elsewhere since you opened this page (they are now version ${error.currentVersion}). Nothing was saved: reload the page to see them, then make your change again.`;
    return { intent, ok: false, conflict: true, issues: [{ path: "", message }], holidays };
  }
  // Members' accounts show each tier's promise from the shop metafield $app.tier_ladder: written once by the next sync sweep.
  await markShopTierLadderDue(db, shop);
  return { intent, ok: true, version, preview: await previewForRules({ db, shop, rules: parsed.rules, tiers, now, locale }), holidays };
}

/** A form body that is not a draft at all (hand-made request, stale page) is refused as a whole. */
export function readPromiseSettingsDraft(text: string): PromiseSettingsDraft | null {
  try {
    const value = JSON.parse(text) as PromiseSettingsDraft;
    const arrays = [value?.workingDays, value?.holidaysRemoved, value?.holidaysAdded, value?.lanes, value?.transit, value?.skus];
    if (!value || typeof value !== "object" || arrays.some((a) => !Array.isArray(a))) return null;
    if (![value.timeZone, value.cutoff, value.holidayCountry, value.holidaySubdivision, value.defaultReplenishmentDays, ...value.holidaysRemoved].every((v) => typeof v === "string")) return null;
    const strings = (row: object) => Object.values(row).every((v) => typeof v === "string");
    if (![...value.lanes, ...value.transit, ...value.skus, ...value.holidaysAdded].every((row) => row && typeof row === "object" && strings(row))) return null;
    if (!value.workingDays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) return null;
    return { ...value, workingDays: value.workingDays as IsoWeekday[] };
  } catch {
    return null;
  }
}
