/**
 * Days, months and date ranges of the dashboard, in the shop's IANA time zone.
 *
 * Exported API
 * - type LocalDay = "YYYY-MM-DD", type LocalMonth = "YYYY-MM", type DayRange = { from; to } (inclusive)
 * - localDayOf(instant, zone): LocalDay                 the shop-local calendar day of an instant
 * - monthOf(day): LocalMonth
 * - monthsOf(range): LocalMonth[]                       every month the range touches, oldest first
 * - rangeDays(range): number                            days in the range, both ends counted
 * - previousRange(range): DayRange                      the same number of days just before it
 * - lastDays(today, n): DayRange                        n days ending with today
 * - parseDayRange(from, to, today): DayRange            a merchant's choice, clamped to ≤ 731 days; bad input → last 90 days
 * - dayAdd(day, n): LocalDay
 */
import { DateTime } from "luxon";

export type LocalDay = string;
export type LocalMonth = string;
export type DayRange = { from: LocalDay; to: LocalDay };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_RANGE_DAYS = 731;
export const DEFAULT_RANGE_DAYS = 90;

export function localDayOf(instant: Date, zone: string): LocalDay {
  const local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) throw new Error(`unknown time zone "${zone}"`);
  return local.toISODate()!;
}

export function monthOf(day: LocalDay): LocalMonth {
  return day.slice(0, 7);
}

// Calendar arithmetic on plain dates: UTC so no zone rule can move a day.
function utc(day: LocalDay): DateTime {
  return DateTime.fromISO(day, { zone: "utc" });
}

export function dayAdd(day: LocalDay, n: number): LocalDay {
  return utc(day).plus({ days: n }).toISODate()!;
}

export function rangeDays(range: DayRange): number {
  return Math.round(utc(range.to).diff(utc(range.from), "days").days) + 1;
}

export function previousRange(range: DayRange): DayRange {
  const n = rangeDays(range);
  return { from: dayAdd(range.from, -n), to: dayAdd(range.from, -1) };
}

export function lastDays(today: LocalDay, n: number): DayRange {
  return { from: dayAdd(today, -(n - 1)), to: today };
}

export function monthsOf(range: DayRange): LocalMonth[] {
  const months: LocalMonth[] = [];
  for (let month = utc(range.from).startOf("month"); month.toISODate()! <= range.to; month = month.plus({ months: 1 })) {
    months.push(month.toISODate()!.slice(0, 7));
  }
  return months;
}

function isDay(value: string | null | undefined): value is LocalDay {
  return typeof value === "string" && DAY.test(value) && utc(value).isValid;
}

export function parseDayRange(from: string | null | undefined, to: string | null | undefined, today: LocalDay): DayRange {
  if (!isDay(from) || !isDay(to) || from > to) return lastDays(today, DEFAULT_RANGE_DAYS);
  const end = to > today ? today : to;
  const start = from > end ? end : from;
  const range = { from: start, to: end };
  return rangeDays(range) > MAX_RANGE_DAYS ? lastDays(end, MAX_RANGE_DAYS) : range;
}
