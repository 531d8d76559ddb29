import { describe, expect, it } from "vitest";
import { addDays, calendarYearStart, isInWindow, nextCalendarYearStart, windowExitAt } from "./spend-window.ts";
import { at } from "../../tests/support/ledger-test-events.ts";

describe("trailing window", () => {
  const window = { kind: "trailing_days", days: 365 } as const;
  it("counts an order until exactly N days after it was placed", () => {
    const placed = at("2024-03-01T12:00:00Z");
    expect(windowExitAt(window, placed, placed)).toEqual(at("2025-03-01T12:00:00Z"));
    expect(isInWindow(window, placed, at("2025-03-01T11:59:59.999Z"))).toBe(true);
    expect(isInWindow(window, placed, at("2025-03-01T12:00:00Z"))).toBe(false);
  });

  it("counts orders dated slightly in the future", () => {
    expect(isInWindow(window, at("2025-01-01T00:00:05Z"), at("2025-01-01T00:00:00Z"))).toBe(true);
  });

  it("adds whole days in UTC regardless of DST", () => {
    expect(addDays(at("2025-03-08T12:00:00Z"), 2)).toEqual(at("2025-03-10T12:00:00Z"));
  });
});

describe("calendar year window", () => {
  it("starts the year at midnight in the shop's time zone", () => {
    expect(calendarYearStart(at("2025-06-01T00:00:00Z"), "UTC")).toEqual(at("2025-01-01T00:00:00Z"));
    expect(calendarYearStart(at("2025-06-01T00:00:00Z"), "America/New_York")).toEqual(at("2025-01-01T05:00:00Z"));
    expect(calendarYearStart(at("2025-06-01T00:00:00Z"), "Asia/Tokyo")).toEqual(at("2024-12-31T15:00:00Z"));
    expect(calendarYearStart(at("2025-06-01T00:00:00Z"), "Asia/Kolkata")).toEqual(at("2024-12-31T18:30:00Z"));
  });

  it("uses the local year near midnight on New Year's Eve", () => {
    // 03:00 UTC on Jan 1 is still Dec 31 in New York.
    expect(calendarYearStart(at("2025-01-01T03:00:00Z"), "America/New_York")).toEqual(at("2024-01-01T05:00:00Z"));
    expect(nextCalendarYearStart(at("2025-01-01T03:00:00Z"), "America/New_York")).toEqual(at("2025-01-01T05:00:00Z"));
  });

  it("counts this year's orders and drops them when the year rolls over", () => {
    const window = { kind: "calendar_year", timeZone: "America/New_York" } as const;
    const order = at("2025-01-01T05:00:00Z");
    expect(isInWindow(window, order, at("2025-12-31T12:00:00Z"))).toBe(true);
    expect(isInWindow(window, at("2025-01-01T04:59:59Z"), at("2025-06-01T00:00:00Z"))).toBe(false);
    expect(windowExitAt(window, order, at("2025-06-01T00:00:00Z"))).toEqual(at("2026-01-01T05:00:00Z"));
    expect(isInWindow(window, order, at("2026-01-01T05:00:00Z"))).toBe(false);
  });
});

describe("lifetime window", () => {
  it("counts everything forever", () => {
    const window = { kind: "lifetime" } as const;
    expect(isInWindow(window, at("2000-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"))).toBe(true);
    expect(windowExitAt(window, at("2000-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"))).toBeNull();
  });
});
