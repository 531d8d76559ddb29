/**
 * The shop's business calendar: which local days are working days, when the daily order cut-off
 * is, and how business time is counted, all in the shop's IANA time zone.
 *
 * Exported API
 * - type LocalDate = "YYYY-MM-DD"  (a calendar day in the shop's zone), type LocalTime = "HH:MM"
 * - type IsoWeekday = 1..7 (Monday 1 … Sunday 7), type BusinessCalendar
 * - isValidTimeZone(zone), isLocalDate(value), isLocalTime(value)
 * - localDateOf(calendar, instant): LocalDate               the shop-local day of an instant
 * - addLocalDays(date, n): LocalDate                         plain calendar-day arithmetic
 * - shiftByLocalDays(calendar, instant, n): Date             same wall-clock time n local days away
 * - isWorkingDay(calendar, date): boolean                    a working weekday and not a holiday
 * - startOfLocalDay(calendar, date): Date                    first instant of the local day
 * - endOfLocalDay(calendar, date): Date                      last millisecond of the local day (inclusive)
 * - nextWorkingDay(calendar, date): LocalDate                the first working day strictly after `date`
 * - workingDayOnOrBefore(calendar, date): LocalDate
 * - addWorkingDays(calendar, date, n): LocalDate             n ≥ 0; n = 0 is `date` itself when it is a working day
 * - cutoffInstant(calendar, date): Date | null               the cut-off on that local day (null: no cut-off)
 * - orderIntake(calendar, orderedAt): OrderIntake            the working day an order counts as received
 * - addBusinessHours(calendar, from, hours): Date            elapsed hours counted on working days only
 * - latestWorkingInstantAtOrBefore(calendar, instant): Date
 *
 * Guarantees
 * - Zone arithmetic is Luxon's, over the IANA data in Node's ICU (so the pinned Node decides
 *   the rules); no offsets are computed here. Local midnights and cut-offs are memoised per zone
 *   and date; pure calendar-date arithmetic (adding days, weekdays) runs on UTC dates.
 *   A local day is 23 or 25 hours long on a daylight-saving change, and business hours are real
 *   elapsed hours, so 24 business hours across a spring-forward Sunday-as-working-day end at a
 *   different wall-clock time than they started: that is exact, not a bug.
 * - A cut-off that does not exist on a spring-forward day (02:30 in New York) moves forward by
 *   the gap (03:30 EDT); an ambiguous one on a fall-back day (01:30) is the later, standard-time
 *   occurrence. Both are Luxon's rules, pinned by tests.
 * - Orders strictly before the cut-off on a working day count that day; at or after it, or on a
 *   non-working day, they count on the next working day, whose clock starts at its local midnight.
 * - Every function that walks days gives up after MAX_CALENDAR_SCAN_DAYS with an Error: a valid
 *   calendar (at least one working weekday, finitely many holidays) never gets there.
 */
import { DateTime, IANAZone } from "luxon";

export type LocalDate = string;
export type LocalTime = string;
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type BusinessCalendar = {
  /** IANA zone, e.g. "America/New_York". */
  timeZone: string;
  /** Working weekdays, ISO numbering (Monday 1 … Sunday 7); at least one. */
  workingDays: readonly IsoWeekday[];
  /** Daily order cut-off, shop-local "HH:MM"; null when every order counts on the day it is placed. */
  cutoff: LocalTime | null;
  /** Non-working dates in the shop's zone (already merged: dataset plus the merchant's edits). */
  holidays: readonly LocalDate[];
};

export const MAX_CALENDAR_SCAN_DAYS = 3700;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isValidTimeZone(zone: string): boolean {
  return typeof zone === "string" && zone.length > 0 && IANAZone.isValidZone(zone);
}

export function isLocalDate(value: string): boolean {
  return LOCAL_DATE.test(value) && DateTime.fromISO(value, { zone: "UTC" }).isValid;
}

export function isLocalTime(value: string): boolean {
  return LOCAL_TIME.test(value);
}

function zoned(calendar: BusinessCalendar, instant: Date): DateTime {
  const value = DateTime.fromMillis(instant.getTime(), { zone: calendar.timeZone });
  if (!value.isValid) throw new Error(`invalid instant or time zone "${calendar.timeZone}"`);
  return value;
}

// Local midnight is a pure function of (zone, date); Luxon finds it through Intl, which is the
// expensive part of a promise, so it is memoised (bounded: cleared when it grows large).
const dayStartCache = new Map<string, number>();
const DAY_START_CACHE_LIMIT = 50_000;

function dayStartMs(calendar: BusinessCalendar, date: LocalDate): number {
  const key = `${calendar.timeZone}|${date}`;
  const cached = dayStartCache.get(key);
  if (cached !== undefined) return cached;
  // fromISO of a bare date is that day's first existing instant in the zone (midnight, or the
  // end of a gap where a zone springs forward at midnight).
  const value = DateTime.fromISO(date, { zone: calendar.timeZone });
  if (!value.isValid) throw new Error(`invalid local date "${date}" or time zone "${calendar.timeZone}"`);
  const ms = value.startOf("day").toMillis();
  if (dayStartCache.size >= DAY_START_CACHE_LIMIT) dayStartCache.clear();
  dayStartCache.set(key, ms);
  return ms;
}

export function localDateOf(calendar: BusinessCalendar, instant: Date): LocalDate {
  const t = instant.getTime();
  if (!Number.isFinite(t)) throw new Error("invalid instant");
  // Every zone's offset is within a day of UTC, so the local day is the UTC day or a neighbour:
  // the one whose (memoised, Luxon-computed) local midnight is at or before the instant and whose
  // next midnight is after it.
  const utcDay = new Date(t).toISOString().slice(0, 10);
  for (const candidate of [addLocalDays(utcDay, -1), utcDay, addLocalDays(utcDay, 1)]) {
    if (dayStartMs(calendar, candidate) <= t && t < dayStartMs(calendar, addLocalDays(candidate, 1))) return candidate;
  }
  return zoned(calendar, instant).toISODate() as LocalDate;
}

// Calendar-date arithmetic has no time zone in it, so a UTC Date does it exactly and cheaply
// (this runs on every day a promise walks past).
function utcDayNumber(date: LocalDate): number {
  if (!LOCAL_DATE.test(date)) throw new Error(`invalid local date "${date}"`);
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return ms / DAY_MS;
}

export function addLocalDays(date: LocalDate, n: number): LocalDate {
  return new Date((utcDayNumber(date) + n) * DAY_MS).toISOString().slice(0, 10);
}

export function shiftByLocalDays(calendar: BusinessCalendar, instant: Date, n: number): Date {
  return zoned(calendar, instant).plus({ days: n }).toJSDate();
}

const holidaySets = new WeakMap<readonly LocalDate[], Set<LocalDate>>();

function holidaySet(calendar: BusinessCalendar): Set<LocalDate> {
  let set = holidaySets.get(calendar.holidays);
  if (!set) {
    set = new Set(calendar.holidays);
    holidaySets.set(calendar.holidays, set);
  }
  return set;
}

function weekdayOf(date: LocalDate): IsoWeekday {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((utcDayNumber(date) + 3) % 7) + 7) % 7 + 1) as IsoWeekday;
}

export function isWorkingDay(calendar: BusinessCalendar, date: LocalDate): boolean {
  return calendar.workingDays.includes(weekdayOf(date)) && !holidaySet(calendar).has(date);
}

export function startOfLocalDay(calendar: BusinessCalendar, date: LocalDate): Date {
  return new Date(dayStartMs(calendar, date));
}

export function endOfLocalDay(calendar: BusinessCalendar, date: LocalDate): Date {
  return new Date(dayStartMs(calendar, addLocalDays(date, 1)) - 1);
}

function scanError(calendar: BusinessCalendar, from: LocalDate): Error {
  return new Error(`no working day within ${MAX_CALENDAR_SCAN_DAYS} days of ${from} (working days ${calendar.workingDays.join(",") || "none"})`);
}

export function nextWorkingDay(calendar: BusinessCalendar, date: LocalDate): LocalDate {
  let day = date;
  for (let i = 0; i < MAX_CALENDAR_SCAN_DAYS; i++) {
    day = addLocalDays(day, 1);
    if (isWorkingDay(calendar, day)) return day;
  }
  throw scanError(calendar, date);
}

export function workingDayOnOrBefore(calendar: BusinessCalendar, date: LocalDate): LocalDate {
  let day = date;
  for (let i = 0; i < MAX_CALENDAR_SCAN_DAYS; i++) {
    if (isWorkingDay(calendar, day)) return day;
    day = addLocalDays(day, -1);
  }
  throw scanError(calendar, date);
}

export function addWorkingDays(calendar: BusinessCalendar, date: LocalDate, n: number): LocalDate {
  if (!Number.isInteger(n) || n < 0) throw new Error(`working days must be a whole number ≥ 0, got ${n}`);
  let day = isWorkingDay(calendar, date) ? date : nextWorkingDay(calendar, date);
  for (let i = 0; i < n; i++) day = nextWorkingDay(calendar, day);
  return day;
}

const cutoffCache = new Map<string, number>();

export function cutoffInstant(calendar: BusinessCalendar, date: LocalDate): Date | null {
  if (calendar.cutoff === null) return null;
  const key = `${calendar.timeZone}|${date}|${calendar.cutoff}`;
  let ms = cutoffCache.get(key);
  if (ms === undefined) {
    const value = DateTime.fromISO(`${date}T${calendar.cutoff}`, { zone: calendar.timeZone });
    if (!value.isValid) throw new Error(`invalid cut-off "${calendar.cutoff}" on ${date}`);
    ms = value.toMillis();
    if (cutoffCache.size >= DAY_START_CACHE_LIMIT) cutoffCache.clear();
    cutoffCache.set(key, ms);
  }
  return new Date(ms);
}

export type OrderIntake = {
  /** The local day the order was placed. */
  orderDay: LocalDate;
  /** The working day it counts as received. */
  day: LocalDate;
  /** When the handling clock starts: the order time, or the intake day's local midnight. */
  clockStartsAt: Date;
  /** Why the order counts on a later day, if it does. */
  deferredBecause: "after_cutoff" | "non_working_day" | null;
};

export function orderIntake(calendar: BusinessCalendar, orderedAt: Date): OrderIntake {
  const orderDay = localDateOf(calendar, orderedAt);
  if (isWorkingDay(calendar, orderDay)) {
    const cutoff = cutoffInstant(calendar, orderDay);
    if (cutoff === null || orderedAt.getTime() < cutoff.getTime()) {
      return { orderDay, day: orderDay, clockStartsAt: orderedAt, deferredBecause: null };
    }
    const day = nextWorkingDay(calendar, orderDay);
    return { orderDay, day, clockStartsAt: startOfLocalDay(calendar, day), deferredBecause: "after_cutoff" };
  }
  const day = nextWorkingDay(calendar, orderDay);
  return { orderDay, day, clockStartsAt: startOfLocalDay(calendar, day), deferredBecause: "non_working_day" };
}

/**
 * `hours` of elapsed time counted only while the local day is a working day. Landing exactly on
 * the end of a working day gives that day's last millisecond, so the deadline's local day is
 * always a working day.
 */
export function addBusinessHours(calendar: BusinessCalendar, from: Date, hours: number): Date {
  if (!Number.isFinite(hours) || hours < 0) throw new Error(`business hours must be ≥ 0, got ${hours}`);
  let remaining = Math.round(hours * HOUR_MS);
  let cursor = from.getTime();
  let day = localDateOf(calendar, from);
  for (let i = 0; i < MAX_CALENDAR_SCAN_DAYS; i++) {
    if (!isWorkingDay(calendar, day)) {
      day = nextWorkingDay(calendar, day);
      cursor = dayStartMs(calendar, day);
      continue;
    }
    const nextDay = addLocalDays(day, 1);
    const nextDayStart = dayStartMs(calendar, nextDay);
    const available = nextDayStart - cursor;
    if (remaining < available) return new Date(cursor + remaining);
    if (remaining === available) return new Date(nextDayStart - 1);
    remaining -= available;
    cursor = nextDayStart;
    day = nextDay;
  }
  throw scanError(calendar, localDateOf(calendar, from));
}

/** `instant` itself on a working day; otherwise the end of the last working day before it. */
export function latestWorkingInstantAtOrBefore(calendar: BusinessCalendar, instant: Date): Date {
  const day = localDateOf(calendar, instant);
  if (isWorkingDay(calendar, day)) return instant;
  return endOfLocalDay(calendar, workingDayOnOrBefore(calendar, day));
}
