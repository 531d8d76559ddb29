/**
 * The merchant's promise rules: the business calendar, one lane per tier with its handling time
 * and daily capacity, replenishment and transit estimates.
 *
 * Exported API
 * - type HandlingTime, type PromiseLane, type TransitEstimate, type HolidayEntry,
 *   type CalendarSettings, type PromiseRules
 * - defaultPromiseRules(timeZone, holidayCountry?): PromiseRules
 *       Mon–Fri, cut-off 14:00; Gold "priority_production" 24–48 business hours,
 *       Silver "priority_shipping" 48–72 business hours, Bronze "standard_batch" 7–10 business days;
 *       no capacity limits (the merchant knows their operation, we do not); replenishment 10 business days
 * - DEFAULT_PROMISE_RULES: PromiseRules                         America/New_York, holidays of "US"
 * - promiseRulesSchema: zod schema of PromiseRules (with cross-field checks)
 * - parsePromiseRules(input): { ok: true; rules } | { ok: false; issues: { path; message }[] }
 * - promiseRulesIssuesForTiers(rules, tierKeys): issues        every tier needs exactly one lane
 * - laneForTier(rules, tierKey): PromiseLane | null
 * - transitFor(rules, destination): TransitEstimate | null      "US-CA" before "US"
 * - resolveHolidays(seeded, calendar): LocalDate[]             dataset ∪ added − removed, sorted
 * - businessCalendarFrom(calendar, seeded): BusinessCalendar
 *
 * Holidays: the rules hold only the merchant's edits and the country to seed from. The dataset
 * (date-holidays, CC BY-SA, server side) is read by an adapter, which passes its dates in; the
 * domain stays free of a licence-bound data package and of the year range the lookup needs.
 * Handling "hours" are elapsed hours on working days (business-calendar.ts), so "ships within
 * 48 hours" ordered on a Friday morning is due Tuesday morning, not Sunday.
 */
import { z } from "zod";
import {
  isLocalDate,
  isLocalTime,
  isValidTimeZone,
  type BusinessCalendar,
  type IsoWeekday,
  type LocalDate,
  type LocalTime,
} from "./business-calendar.ts";
import { validationIssues } from "./tier-rules.ts";

export type HandlingTime = {
  unit: "business_hours" | "business_days";
  /** The early end of the ship-by range. */
  min: number;
  /** The late end: the promise. */
  max: number;
};

export type PromiseLane = {
  /** Stable identifier written onto orders (metafield, tag); e.g. "priority_production". */
  key: string;
  name: string;
  /** The tier served by this lane (a key from the tier rules). */
  tierKey: string;
  handling: HandlingTime;
  /** Orders whose promise falls due on one working day; null is unlimited. */
  dailyCapacity: number | null;
  /** What handling one order in this lane costs the shop beyond the standard (minor units; the dashboard's service cost). Absent: 0. */
  handlingCostMinor?: number;
};

export type TransitEstimate = {
  /** ISO 3166-1 country ("US") or ISO 3166-2 region ("US-CA"). */
  zone: string;
  /** Calendar days from shipping to delivery. */
  minDays: number;
  maxDays: number;
};

export type HolidayEntry = { date: LocalDate; name: string };

export type CalendarSettings = {
  timeZone: string;
  workingDays: IsoWeekday[];
  cutoff: LocalTime | null;
  /** Country (and optional subdivision) whose public holidays seed the calendar; null: none. */
  holidayRegion: { country: string; subdivision: string | null } | null;
  /** Merchant's own closing days (added on top of the dataset). */
  holidaysAdded: HolidayEntry[];
  /** Dataset holidays the merchant works on. */
  holidaysRemoved: LocalDate[];
};

export type PromiseRules = {
  calendar: CalendarSettings;
  lanes: PromiseLane[];
  /** Used for an out-of-stock line whose SKU has no lead time of its own. */
  defaultReplenishmentBusinessDays: number;
  transit: TransitEstimate[];
};

export function defaultPromiseRules(timeZone: string, holidayCountry: string | null = null): PromiseRules {
  return {
    calendar: {
      timeZone,
      workingDays: [1, 2, 3, 4, 5],
      cutoff: "14:00",
      holidayRegion: holidayCountry ? { country: holidayCountry, subdivision: null } : null,
      holidaysAdded: [],
      holidaysRemoved: [],
    },
    lanes: [
      { key: "priority_production", name: "Priority production", tierKey: "gold", handling: { unit: "business_hours", min: 24, max: 48 }, dailyCapacity: null },
      { key: "priority_shipping", name: "Priority shipping", tierKey: "silver", handling: { unit: "business_hours", min: 48, max: 72 }, dailyCapacity: null },
      { key: "standard_batch", name: "Standard batch", tierKey: "bronze", handling: { unit: "business_days", min: 7, max: 10 }, dailyCapacity: null },
    ],
    defaultReplenishmentBusinessDays: 10,
    transit: [],
  };
}

export const DEFAULT_PROMISE_RULES: PromiseRules = defaultPromiseRules("America/New_York", "US");

const MAX_HOURS = 24 * 366;
const MAX_DAYS = 366;
const MAX_CAPACITY = 1_000_000;

const localDate = z.string().refine(isLocalDate, "must be a date such as 2026-12-25");
const countryCode = z.string().regex(/^[A-Z]{2}$/, "country must be an ISO 3166 code such as US");

const handlingSchema = z
  .object({
    unit: z.enum(["business_hours", "business_days"]),
    min: z.number().int("must be a whole number").nonnegative("must not be negative"),
    max: z.number().int("must be a whole number").nonnegative("must not be negative"),
  })
  .strict()
  .superRefine((handling, ctx) => {
    const limit = handling.unit === "business_hours" ? MAX_HOURS : MAX_DAYS;
    if (handling.max > limit) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["max"], message: `must be at most ${limit}` });
    if (handling.min > handling.max) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["min"], message: "must not be more than the maximum" });
  });

const laneSchema = z
  .object({
    key: z
      .string()
      .min(1, "key is required")
      .max(64, "key must be at most 64 characters")
      .regex(/^[a-z0-9][a-z0-9_-]*$/, "key must be lowercase letters, digits, '-' or '_'"),
    name: z.string().trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
    tierKey: z.string().min(1, "tier is required"),
    handling: handlingSchema,
    dailyCapacity: z
      .number()
      .int("capacity must be a whole number of orders")
      .min(1, "capacity must be at least 1 order a day (leave it empty for no limit)")
      .max(MAX_CAPACITY, `capacity must be at most ${MAX_CAPACITY}`)
      .nullable(),
    handlingCostMinor: z.number().int("cost must be in minor units").nonnegative("cost must not be negative").max(100_000_000).optional(),
  })
  .strict();

const transitSchema = z
  .object({
    zone: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, "zone must be a country (US) or a region (US-CA)"),
    minDays: z.number().int("must be a whole number of days").nonnegative("must not be negative").max(MAX_DAYS),
    maxDays: z.number().int("must be a whole number of days").nonnegative("must not be negative").max(MAX_DAYS),
  })
  .strict()
  .refine((transit) => transit.minDays <= transit.maxDays, { path: ["minDays"], message: "must not be more than the maximum" });

const calendarSchema = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, "timeZone must be an IANA time zone such as America/New_York"),
    workingDays: z
      .array(z.number().int().min(1).max(7))
      .min(1, "at least one working day is required")
      .refine((days) => new Set(days).size === days.length, "working days must not repeat")
      .transform((days) => days as IsoWeekday[]),
    cutoff: z.string().refine(isLocalTime, "cut-off must be a time such as 14:00").nullable(),
    holidayRegion: z
      .object({ country: countryCode, subdivision: z.string().regex(/^[A-Z0-9]{1,3}$/, "subdivision must be a code such as CA").nullable() })
      .strict()
      .nullable(),
    holidaysAdded: z.array(z.object({ date: localDate, name: z.string().trim().min(1, "name is required").max(100) }).strict()).max(500),
    holidaysRemoved: z.array(localDate).max(500),
  })
  .strict();

export const promiseRulesSchema = z
  .object({
    calendar: calendarSchema,
    lanes: z.array(laneSchema).min(1, "at least one lane is required").max(10, "at most 10 lanes are allowed"),
    defaultReplenishmentBusinessDays: z.number().int("must be a whole number of days").nonnegative("must not be negative").max(MAX_DAYS),
    transit: z.array(transitSchema).max(500),
  })
  .strict()
  .superRefine((rules, ctx) => {
    const keys = new Set<string>();
    const tiers = new Set<string>();
    rules.lanes.forEach((lane, i) => {
      if (keys.has(lane.key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["lanes", i, "key"], message: `duplicate lane key "${lane.key}"` });
      if (tiers.has(lane.tierKey)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["lanes", i, "tierKey"], message: `tier "${lane.tierKey}" already has a lane` });
      keys.add(lane.key);
      tiers.add(lane.tierKey);
    });
    const zones = new Set<string>();
    rules.transit.forEach((transit, i) => {
      if (zones.has(transit.zone)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["transit", i, "zone"], message: `duplicate zone "${transit.zone}"` });
      zones.add(transit.zone);
    });
  });

// Compile-time check that the schema and the hand-written type agree.
type SchemaOutput = z.output<typeof promiseRulesSchema>;
const _schemaMatchesType: (value: SchemaOutput) => PromiseRules = (value) => value;
const _typeMatchesSchema: (value: PromiseRules) => SchemaOutput = (value) => value;
void _schemaMatchesType;
void _typeMatchesSchema;

export type PromiseRulesIssue = { path: string; message: string };

export type PromiseRulesParseResult = { ok: true; rules: PromiseRules } | { ok: false; issues: PromiseRulesIssue[] };

export function parsePromiseRules(input: unknown): PromiseRulesParseResult {
  const result = promiseRulesSchema.safeParse(input);
  if (result.success) return { ok: true, rules: result.data };
  return { ok: false, issues: validationIssues(result.error) };
}

/** Lanes must serve exactly the tiers that exist: one lane per tier, none for a removed tier. */
export function promiseRulesIssuesForTiers(rules: PromiseRules, tierKeys: readonly string[]): PromiseRulesIssue[] {
  const issues: PromiseRulesIssue[] = [];
  const known = new Set(tierKeys);
  rules.lanes.forEach((lane, i) => {
    if (!known.has(lane.tierKey)) issues.push({ path: `lanes.${i}.tierKey`, message: `there is no tier "${lane.tierKey}"` });
  });
  for (const key of tierKeys) {
    if (!rules.lanes.some((lane) => lane.tierKey === key)) issues.push({ path: "lanes", message: `tier "${key}" has no lane` });
  }
  return issues;
}

export function laneForTier(rules: PromiseRules, tierKey: string): PromiseLane | null {
  return rules.lanes.find((lane) => lane.tierKey === tierKey) ?? null;
}

export type Destination = { countryCode: string; provinceCode: string | null };

export function transitFor(rules: PromiseRules, destination: Destination | null): TransitEstimate | null {
  if (!destination) return null;
  const country = destination.countryCode.toUpperCase();
  const region = destination.provinceCode ? `${country}-${destination.provinceCode.toUpperCase()}` : null;
  return (region && rules.transit.find((transit) => transit.zone === region)) || rules.transit.find((transit) => transit.zone === country) || null;
}

export function resolveHolidays(seeded: readonly HolidayEntry[], calendar: Pick<CalendarSettings, "holidaysAdded" | "holidaysRemoved">): LocalDate[] {
  const removed = new Set(calendar.holidaysRemoved);
  const dates = new Set<LocalDate>();
  for (const entry of seeded) if (!removed.has(entry.date)) dates.add(entry.date);
  // The merchant's own closing day wins even over their own removal of the same dataset date.
  for (const entry of calendar.holidaysAdded) dates.add(entry.date);
  return [...dates].sort();
}

export function businessCalendarFrom(calendar: CalendarSettings, seeded: readonly HolidayEntry[]): BusinessCalendar {
  return { timeZone: calendar.timeZone, workingDays: calendar.workingDays, cutoff: calendar.cutoff, holidays: resolveHolidays(seeded, calendar) };
}
