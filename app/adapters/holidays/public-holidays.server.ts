/**
 * Public holidays for a shop's country (and subdivision), read from the maintained `date-holidays`
 * dataset. Its data is CC BY 3.0 / CC BY-SA (attribution: HOLIDAY_DATA_ATTRIBUTION, shown on the
 * promise settings page); it stays on the server, never in an extension bundle.
 *
 * Exported API
 * - HOLIDAY_DATA_ATTRIBUTION: string
 * - publicHolidays(region, years): HolidayEntry[]      the "public" days of each year, sorted, one per date
 * - holidayYearsAround(now, timeZone): number[]         this year and the next in the shop's zone
 * - isKnownHolidayRegion(country, subdivision): boolean
 * - holidayCountries(): { code, name }[]                 the dataset's countries, by name
 * - holidaySubdivisions(country): { code, name }[]       its subdivisions with holidays of their own
 */
import Holidays from "date-holidays";
import { DateTime } from "luxon";
import type { HolidayEntry } from "../../domain/promise-rules.ts";

export const HOLIDAY_DATA_ATTRIBUTION = "Public holidays from date-holidays (github.com/commenthol/date-holidays), CC BY-SA 3.0";

type Region = { country: string; subdivision: string | null };

// The dataset parses YAML-derived rules per lookup: cache per region and year (a few hundred bytes each).
const cache = new Map<string, HolidayEntry[]>();
const CACHE_LIMIT = 2_000;

function holidaysOfYear(region: Region, year: number): HolidayEntry[] {
  const key = `${region.country}-${region.subdivision ?? ""}-${year}`;
  const known = cache.get(key);
  if (known) return known;
  const dataset = region.subdivision ? new Holidays(region.country, region.subdivision) : new Holidays(region.country);
  const byDate = new Map<string, string>();
  for (const holiday of dataset.getHolidays(year) || []) {
    // Only days the whole country stops work; "bank", "school", "optional" and observances do not close a warehouse.
    if (holiday.type !== "public") continue;
    const date = holiday.date.slice(0, 10);
    if (!byDate.has(date)) byDate.set(date, holiday.name);
  }
  const entries = [...byDate].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, entries);
  return entries;
}

// Whether the dataset knows a region: asked for every promise made, and building the dataset's
// lookup each time showed in the worker's profile.
const knownRegions = new Map<string, boolean>();

export function isKnownHolidayRegion(country: string, subdivision: string | null): boolean {
  const key = `${country}-${subdivision ?? ""}`;
  const known = knownRegions.get(key);
  if (known !== undefined) return known;
  let answer = Object.hasOwn(new Holidays().getCountries() as Record<string, string>, country);
  if (answer && subdivision !== null) answer = Object.hasOwn((new Holidays().getStates(country) ?? {}) as Record<string, string>, subdivision);
  if (knownRegions.size >= CACHE_LIMIT) knownRegions.clear();
  knownRegions.set(key, answer);
  return answer;
}

export function publicHolidays(region: Region | null, years: readonly number[]): HolidayEntry[] {
  if (!region || !isKnownHolidayRegion(region.country, region.subdivision)) return [];
  return years.flatMap((year) => holidaysOfYear(region, year));
}

/** The years a promise made now can reach: handling up to a year of business days spills into the next. */
export function holidayYearsAround(now: Date, timeZone: string): number[] {
  // Asked for every promise made: the zone's current year is kept as an instant range.
  const at = now.getTime();
  let span = yearSpans.get(timeZone);
  if (!span || at < span.from || at >= span.to) {
    const start = DateTime.fromJSDate(now, { zone: timeZone }).startOf("year");
    span = { year: start.year, from: start.toMillis(), to: start.plus({ years: 1 }).toMillis() };
    if (yearSpans.size >= CACHE_LIMIT) yearSpans.clear();
    yearSpans.set(timeZone, span);
  }
  return [span.year, span.year + 1];
}
const yearSpans = new Map<string, { year: number; from: number; to: number }>();

export function holidayCountries(): { code: string; name: string }[] {
  const countries = new Holidays().getCountries("en") as Record<string, string>;
  return Object.entries(countries).map(([code, name]) => ({ code, name })).sort((a, b) => a.name.localeCompare(b.name));
}

export function holidaySubdivisions(country: string): { code: string; name: string }[] {
  if (!isKnownHolidayRegion(country, null)) return [];
  const states = (new Holidays().getStates(country, "en") ?? {}) as Record<string, string>;
  return Object.entries(states).map(([code, name]) => ({ code, name })).sort((a, b) => a.name.localeCompare(b.name));
}
