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
 * - Zone arithmetic is Luxon's (IANA data from the runtime's Intl); no offsets are computed here.
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

function dayStart(calendar: BusinessCalendar, date: LocalDate): DateTime {
  // fromISO of a bare date is that day's first existing instant in the zone (midnight, or the
  // end of a gap where a zone springs forward at midnight).
  const value = DateTime.fromISO(date, { zone: calendar.timeZone });
  if (!value.isValid) throw new Error(`invalid local date "${date}" or time zone "${calendar.timeZone}"`);
  return value.startOf("day");
}

export function localDateOf(calendar: BusinessCalendar, instant: Date): LocalDate {
  return zoned(calendar, instant).toISODate() as LocalDate;
}

export function addLocalDays(date: LocalDate, n: number): LocalDate {
  const value = DateTime.fromISO(date, { zone: "UTC" });
  if (!value.isValid) throw new Error(`invalid local date "${date}"`);
  return value.plus({ days: n }).toISODate() as LocalDate;
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
  return DateTime.fromISO(date, { zone: "UTC" }).weekday as IsoWeekday;
}

export function isWorkingDay(calendar: BusinessCalendar, date: LocalDate): boolean {
  return calendar.workingDays.includes(weekdayOf(date)) && !holidaySet(calendar).has(date);
}

export function startOfLocalDay(calendar: BusinessCalendar, date: LocalDate): Date {
  return dayStart(calendar, date).toJSDate();
}

export function endOfLocalDay(calendar: BusinessCalendar, date: LocalDate): Date {
  return new Date(dayStart(calendar, addLocalDays(date, 1)).toMillis() - 1);
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

export function cutoffInstant(calendar: BusinessCalendar, date: LocalDate): Date | null {
  if (calendar.cutoff === null) return null;
  const value = DateTime.fromISO(`${date}T${calendar.cutoff}`, { zone: calendar.timeZone });
  if (!value.isValid) throw new Error(`invalid cut-off "${calendar.cutoff}" on ${date}`);
  return value.toJSDate();
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
  for (let i = 0; i < MAX_CALENDAR_SCAN_DAYS; i++) {
    const day = localDateOf(calendar, new Date(cursor));
    if (!isWorkingDay(calendar, day)) {
      cursor = startOfLocalDay(calendar, nextWorkingDay(calendar, day)).getTime();
      continue;
    }
    const nextDayStart = dayStart(calendar, addLocalDays(day, 1)).toMillis();
    const available = nextDayStart - cursor;
    if (remaining < available) return new Date(cursor + remaining);
    if (remaining === available) return new Date(nextDayStart - 1);
    remaining -= available;
    cursor = nextDayStart;
  }
  throw scanError(calendar, localDateOf(calendar, from));
}

/** `instant` itself on a working day; otherwise the end of the last working day before it. */
export function latestWorkingInstantAtOrBefore(calendar: BusinessCalendar, instant: Date): Date {
  const day = localDateOf(calendar, instant);
  if (isWorkingDay(calendar, day)) return instant;
  return endOfLocalDay(calendar, workingDayOnOrBefore(calendar, day));
}
