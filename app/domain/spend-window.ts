/**
 * Which order dates fall inside the rules' spend window, and when they leave it.
 *
 * Exported API
 * - DAY_MS = 86_400_000
 * - addDays(instant, days): Date
 * - isInWindow(window, processedAt, now): boolean
 * - windowExitAt(window, processedAt, now): Date | null       instant an order counted now stops counting (null: never)
 * - calendarYearStart(now, timeZone): Date                    start of `now`'s year in timeZone
 * - nextCalendarYearStart(now, timeZone): Date
 *
 * Trailing N days: an order counts while now < processedAt + N days (it leaves exactly N days later).
 * Calendar year: an order counts when processedAt >= the start of now's year in the shop's time zone.
 * Orders dated after `now` (clock skew between Shopify and us) count as soon as they arrive.
 */
import type { SpendWindow } from "./tier-rules.ts";

export const DAY_MS = 86_400_000;

export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}

export function isInWindow(window: SpendWindow, processedAt: Date, now: Date): boolean {
  switch (window.kind) {
    case "lifetime":
      return true;
    case "trailing_days":
      return now.getTime() < processedAt.getTime() + window.days * DAY_MS;
    case "calendar_year":
      return processedAt.getTime() >= calendarYearStart(now, window.timeZone).getTime();
  }
}

export function windowExitAt(window: SpendWindow, processedAt: Date, now: Date): Date | null {
  switch (window.kind) {
    case "lifetime":
      return null;
    case "trailing_days":
      return addDays(processedAt, window.days);
    case "calendar_year": {
      // Everything counted now leaves when the year rolls over; a future-dated order leaves at the end of its own year.
      const anchor = processedAt.getTime() > now.getTime() ? processedAt : now;
      return nextCalendarYearStart(anchor, window.timeZone);
    }
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallClock(instantMs: number, timeZone: string): { year: number; wallAsUtcMs: number } {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const year = get("year");
  return { year, wallAsUtcMs: Date.UTC(year, get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) };
}

/** Offset of timeZone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetMs(instantMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  return wallClock(wholeSecond, timeZone).wallAsUtcMs - wholeSecond;
}

function startOfYear(year: number, timeZone: string): Date {
  const wall = Date.UTC(year, 0, 1);
  // Two passes: the offset at the guess may differ from the offset at the answer.
  const first = wall - offsetMs(wall, timeZone);
  return new Date(wall - offsetMs(first, timeZone));
}

export function calendarYearStart(now: Date, timeZone: string): Date {
  return startOfYear(wallClock(now.getTime(), timeZone).year, timeZone);
}

export function nextCalendarYearStart(now: Date, timeZone: string): Date {
  return startOfYear(wallClock(now.getTime(), timeZone).year + 1, timeZone);
}
