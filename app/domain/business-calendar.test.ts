import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addBusinessHours,
  addLocalDays,
  addWorkingDays,
  cutoffInstant,
  endOfLocalDay,
  isLocalDate,
  isLocalTime,
  isValidTimeZone,
  isWorkingDay,
  latestWorkingInstantAtOrBefore,
  localDateOf,
  nextWorkingDay,
  orderIntake,
  startOfLocalDay,
  type BusinessCalendar,
} from "./business-calendar.ts";

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

const newYork: BusinessCalendar = { timeZone: "America/New_York", workingDays: [1, 2, 3, 4, 5], cutoff: "14:00", holidays: ["2026-07-03", "2026-12-25"] };
const newYorkEveryDay: BusinessCalendar = { ...newYork, workingDays: [1, 2, 3, 4, 5, 6, 7], holidays: [] };
const london: BusinessCalendar = { timeZone: "Europe/London", workingDays: [1, 2, 3, 4, 5, 6, 7], cutoff: "12:00", holidays: [] };
const kolkata: BusinessCalendar = { timeZone: "Asia/Kolkata", workingDays: [1, 2, 3, 4, 5, 6], cutoff: "14:00", holidays: [] };
const adelaide: BusinessCalendar = { timeZone: "Australia/Adelaide", workingDays: [1, 2, 3, 4, 5, 6, 7], cutoff: "02:30", holidays: [] };

describe("validation helpers", () => {
  it("accepts IANA zones, real dates and 24-hour times only", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isLocalDate("2026-02-28")).toBe(true);
    expect(isLocalDate("2026-02-30")).toBe(false);
    expect(isLocalDate("2026-2-3")).toBe(false);
    expect(isLocalTime("23:59")).toBe(true);
    expect(isLocalTime("24:00")).toBe(false);
    expect(isLocalTime("9:00")).toBe(false);
  });
});

describe("local days", () => {
  it("are 23 and 25 hours long on New York's daylight-saving changes", () => {
    const length = (date: string) => endOfLocalDay(newYork, date).getTime() + 1 - startOfLocalDay(newYork, date).getTime();
    expect(length("2026-03-08")).toBe(23 * HOUR);
    expect(length("2026-11-01")).toBe(25 * HOUR);
    expect(length("2026-12-02")).toBe(24 * HOUR);
    expect(startOfLocalDay(newYork, "2026-03-09")).toEqual(at("2026-03-09T04:00:00Z"));
    expect(startOfLocalDay(newYork, "2026-03-07")).toEqual(at("2026-03-07T05:00:00Z"));
  });

  it("are 23 and 25 hours long on London's daylight-saving changes", () => {
    const length = (date: string) => endOfLocalDay(london, date).getTime() + 1 - startOfLocalDay(london, date).getTime();
    expect(length("2026-03-29")).toBe(23 * HOUR);
    expect(length("2026-10-25")).toBe(25 * HOUR);
  });

  it("start at 01:00 where the clocks spring forward at midnight (Santiago, 6 September 2026)", () => {
    const santiago: BusinessCalendar = { timeZone: "America/Santiago", workingDays: [1, 2, 3, 4, 5, 6, 7], cutoff: "14:00", holidays: [] };
    expect(startOfLocalDay(santiago, "2026-09-06")).toEqual(at("2026-09-06T04:00:00Z"));
    expect(endOfLocalDay(santiago, "2026-09-05")).toEqual(at("2026-09-06T03:59:59.999Z"));
    expect(localDateOf(santiago, at("2026-09-06T03:59:59.999Z"))).toBe("2026-09-05");
    expect(localDateOf(santiago, at("2026-09-06T04:00:00Z"))).toBe("2026-09-06");
  });

  it("place an instant on the shop's day, not UTC's", () => {
    expect(localDateOf(newYork, at("2026-12-03T03:00:00Z"))).toBe("2026-12-02");
    expect(localDateOf(kolkata, at("2026-12-02T19:00:00Z"))).toBe("2026-12-03");
    expect(addLocalDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addLocalDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});

describe("working days", () => {
  it("skip weekends and holidays (a holiday on a Friday makes Thursday's next working day Monday)", () => {
    expect(isWorkingDay(newYork, "2026-07-03")).toBe(false);
    expect(isWorkingDay(newYork, "2026-07-04")).toBe(false);
    expect(isWorkingDay(newYork, "2026-07-02")).toBe(true);
    expect(nextWorkingDay(newYork, "2026-07-02")).toBe("2026-07-06");
    expect(addWorkingDays(newYork, "2026-07-02", 0)).toBe("2026-07-02");
    expect(addWorkingDays(newYork, "2026-07-02", 1)).toBe("2026-07-06");
    expect(addWorkingDays(newYork, "2026-07-04", 0)).toBe("2026-07-06");
    expect(addWorkingDays(newYork, "2026-07-02", 7)).toBe("2026-07-14");
  });

  it("give up with an error when no weekday is a working day", () => {
    const never: BusinessCalendar = { ...newYork, workingDays: [] };
    expect(() => nextWorkingDay(never, "2026-12-02")).toThrow(/no working day/);
  });

  it("reject negative working-day counts", () => {
    expect(() => addWorkingDays(newYork, "2026-12-02", -1)).toThrow();
    expect(() => addWorkingDays(newYork, "2026-12-02", 1.5)).toThrow();
  });
});

describe("cut-off", () => {
  it("counts an order one second before the cut-off that day and one at the cut-off the next working day", () => {
    // Wednesday 2 December 2026, EST (UTC-5): 14:00 local is 19:00Z.
    expect(orderIntake(newYork, at("2026-12-02T18:59:59Z"))).toEqual({
      orderDay: "2026-12-02",
      day: "2026-12-02",
      clockStartsAt: at("2026-12-02T18:59:59Z"),
      deferredBecause: null,
    });
    expect(orderIntake(newYork, at("2026-12-02T19:00:00Z"))).toEqual({
      orderDay: "2026-12-02",
      day: "2026-12-03",
      clockStartsAt: at("2026-12-03T05:00:00Z"),
      deferredBecause: "after_cutoff",
    });
  });

  it("uses the new offset on the spring-forward day itself (New York, 8 March 2026)", () => {
    // 14:00 EDT is 18:00Z; with the previous day's EST offset it would be 19:00Z.
    expect(cutoffInstant(newYorkEveryDay, "2026-03-08")).toEqual(at("2026-03-08T18:00:00Z"));
    expect(orderIntake(newYorkEveryDay, at("2026-03-08T18:30:00Z")).deferredBecause).toBe("after_cutoff");
    expect(orderIntake(newYorkEveryDay, at("2026-03-08T18:30:00Z")).clockStartsAt).toEqual(at("2026-03-09T04:00:00Z"));
    expect(orderIntake(newYorkEveryDay, at("2026-03-07T18:30:00Z")).deferredBecause).toBe(null);
  });

  it("uses the new offset on the fall-back day itself (New York, 1 November 2026)", () => {
    expect(cutoffInstant(newYorkEveryDay, "2026-11-01")).toEqual(at("2026-11-01T19:00:00Z"));
    expect(orderIntake(newYorkEveryDay, at("2026-11-01T18:30:00Z")).deferredBecause).toBe(null);
  });

  it("uses British Summer Time on London's change days", () => {
    expect(cutoffInstant(london, "2026-03-28")).toEqual(at("2026-03-28T12:00:00Z"));
    expect(cutoffInstant(london, "2026-03-29")).toEqual(at("2026-03-29T11:00:00Z"));
    expect(cutoffInstant(london, "2026-10-25")).toEqual(at("2026-10-25T12:00:00Z"));
    expect(orderIntake(london, at("2026-03-29T11:30:00Z")).day).toBe("2026-03-30");
  });

  it("moves a cut-off that does not exist forward by the gap and takes the later of two that do", () => {
    const early: BusinessCalendar = { ...newYorkEveryDay, cutoff: "02:30" };
    expect(cutoffInstant(early, "2026-03-08")).toEqual(at("2026-03-08T07:30:00Z"));
    expect(cutoffInstant({ ...early, cutoff: "01:30" }, "2026-11-01")).toEqual(at("2026-11-01T06:30:00Z"));
    expect(cutoffInstant(adelaide, "2026-10-04")).toEqual(at("2026-10-03T17:00:00Z"));
  });

  it("works in half-hour zones", () => {
    // Kolkata is UTC+05:30: 14:00 local is 08:30Z.
    expect(orderIntake(kolkata, at("2026-12-02T08:29:00Z")).day).toBe("2026-12-02");
    expect(orderIntake(kolkata, at("2026-12-02T08:30:00Z")).day).toBe("2026-12-03");
    // Adelaide is UTC+10:30 in December.
    expect(startOfLocalDay(adelaide, "2026-12-02")).toEqual(at("2026-12-01T13:30:00Z"));
  });

  it("defers a weekend order placed after the cut-off to Monday, because of the weekend", () => {
    // Saturday 5 December 2026, 16:00 EST.
    expect(orderIntake(newYork, at("2026-12-05T21:00:00Z"))).toEqual({
      orderDay: "2026-12-05",
      day: "2026-12-07",
      clockStartsAt: at("2026-12-07T05:00:00Z"),
      deferredBecause: "non_working_day",
    });
  });

  it("defers a Thursday order after the cut-off past a Friday holiday to Monday", () => {
    expect(orderIntake(newYork, at("2026-07-02T20:00:00Z")).day).toBe("2026-07-06");
  });

  it("counts every order on its day when there is no cut-off", () => {
    expect(orderIntake({ ...newYork, cutoff: null }, at("2026-12-03T04:59:59Z")).day).toBe("2026-12-02");
  });
});

describe("business hours", () => {
  it("are real elapsed hours across the spring-forward day", () => {
    // Saturday 12:00 EST + 24 h = Sunday 13:00 EDT.
    expect(addBusinessHours(newYorkEveryDay, at("2026-03-07T17:00:00Z"), 24)).toEqual(at("2026-03-08T17:00:00Z"));
    expect(addBusinessHours(newYorkEveryDay, at("2026-10-31T16:00:00Z"), 24)).toEqual(at("2026-11-01T16:00:00Z"));
  });

  it("stop over the weekend and restart at Monday's local midnight in the new offset", () => {
    // Friday 6 March 12:00 EST: 12 h left that day, Monday starts 04:00Z (EDT), 12 h more.
    expect(addBusinessHours(newYork, at("2026-03-06T17:00:00Z"), 24)).toEqual(at("2026-03-09T16:00:00Z"));
  });

  it("land on the last millisecond of a working day rather than on the next (weekend) day", () => {
    // Thursday 00:00 + 48 h is the end of Friday, not Saturday 00:00.
    expect(addBusinessHours(newYork, at("2026-12-03T05:00:00Z"), 48)).toEqual(at("2026-12-05T04:59:59.999Z"));
    expect(addBusinessHours(newYork, at("2026-12-03T05:00:00Z"), 0)).toEqual(at("2026-12-03T05:00:00Z"));
  });

  it("skip a Friday holiday", () => {
    // Thursday 2 July 12:00 EDT + 24 h: 12 h Thursday, Friday 3 July off, 12 h Monday.
    expect(addBusinessHours(newYork, at("2026-07-02T16:00:00Z"), 24)).toEqual(at("2026-07-06T16:00:00Z"));
  });

  it("reject negative hours", () => {
    expect(() => addBusinessHours(newYork, at("2026-12-02T12:00:00Z"), -1)).toThrow();
  });
});

describe("latestWorkingInstantAtOrBefore", () => {
  it("keeps a working-day instant and pulls a weekend one back to the end of Friday", () => {
    expect(latestWorkingInstantAtOrBefore(newYork, at("2026-12-02T15:00:00Z"))).toEqual(at("2026-12-02T15:00:00Z"));
    expect(latestWorkingInstantAtOrBefore(newYork, at("2026-12-06T15:00:00Z"))).toEqual(at("2026-12-05T04:59:59.999Z"));
  });
});

const zones = ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Adelaide", "Pacific/Chatham", "America/Santiago", "Pacific/Kiritimati", "Pacific/Pago_Pago"];
const calendarArb = fc.record({
  timeZone: fc.constantFrom(...zones),
  workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }).map((days) => days as (1 | 2 | 3 | 4 | 5 | 6 | 7)[]),
  cutoff: fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`), { nil: null }),
  holidays: fc.uniqueArray(fc.integer({ min: 0, max: 800 }).map((n) => addLocalDays("2026-01-01", n)), { maxLength: 40 }),
});
const instantArb = fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-12-31T00:00:00Z") }).map((ms) => new Date(ms));

describe("properties", () => {
  it("an instant's local day is the one whose bounds contain it, and the day's bounds round-trip", () => {
    fc.assert(
      fc.property(calendarArb, instantArb, (calendar, instant) => {
        const day = localDateOf(calendar, instant);
        expect(startOfLocalDay(calendar, day).getTime()).toBeLessThanOrEqual(instant.getTime());
        expect(endOfLocalDay(calendar, day).getTime()).toBeGreaterThanOrEqual(instant.getTime());
        expect(localDateOf(calendar, startOfLocalDay(calendar, day))).toBe(day);
        expect(localDateOf(calendar, endOfLocalDay(calendar, day))).toBe(day);
      }),
    );
  });

  it("an order counts on a working day no earlier than it was placed, and its clock never starts before it", () => {
    fc.assert(
      fc.property(calendarArb, instantArb, (calendar, orderedAt) => {
        const intake = orderIntake(calendar, orderedAt);
        expect(isWorkingDay(calendar, intake.day)).toBe(true);
        expect(intake.day >= intake.orderDay).toBe(true);
        expect(intake.clockStartsAt.getTime()).toBeGreaterThanOrEqual(orderedAt.getTime());
        expect(localDateOf(calendar, intake.clockStartsAt)).toBe(intake.day);
      }),
    );
  });

  it("business hours end on a working day, never before the start, and later for more hours", () => {
    fc.assert(
      fc.property(calendarArb, instantArb, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 100 }), (calendar, from, hours, more) => {
        const end = addBusinessHours(calendar, from, hours);
        expect(end.getTime()).toBeGreaterThanOrEqual(from.getTime());
        if (hours > 0) expect(isWorkingDay(calendar, localDateOf(calendar, end))).toBe(true);
        expect(addBusinessHours(calendar, from, hours + more).getTime()).toBeGreaterThanOrEqual(end.getTime());
      }),
    );
  });
});
