import { describe, expect, it } from "vitest";
import type { BusinessCalendar } from "./business-calendar.ts";
import { promiseKeptRate, promiseStatus, scoreShipment } from "./promise-score.ts";

const at = (iso: string) => new Date(iso);
const calendar: BusinessCalendar = { timeZone: "America/New_York", workingDays: [1, 2, 3, 4, 5], cutoff: "14:00", holidays: ["2026-12-07"] };
// Promised by the end of Friday 4 December 2026 (EST).
const shipBy = at("2026-12-05T04:59:59.999Z");

describe("scoreShipment", () => {
  it("keeps a promise shipped at the promised instant and breaks it one millisecond later", () => {
    expect(scoreShipment({ shipBy, shippedAt: shipBy, calendar })).toEqual({ outcome: "kept" });
    expect(scoreShipment({ shipBy, shippedAt: at("2026-12-05T05:00:00Z"), calendar })).toEqual({ outcome: "late", lateByMs: 1, lateByWorkingDays: 0 });
  });

  it("counts late working days, skipping the weekend and a holiday Monday", () => {
    expect(scoreShipment({ shipBy, shippedAt: at("2026-12-07T15:00:00Z"), calendar })).toMatchObject({ lateByWorkingDays: 0 });
    expect(scoreShipment({ shipBy, shippedAt: at("2026-12-08T15:00:00Z"), calendar })).toMatchObject({ lateByWorkingDays: 1 });
    expect(scoreShipment({ shipBy, shippedAt: at("2026-12-10T15:00:00Z"), calendar })).toMatchObject({ lateByWorkingDays: 3 });
  });

  it("counts a same-day miss of an hours promise as late by 0 working days", () => {
    expect(scoreShipment({ shipBy: at("2026-12-04T15:00:00Z"), shippedAt: at("2026-12-04T18:00:00Z"), calendar })).toEqual({ outcome: "late", lateByMs: 3 * 3_600_000, lateByWorkingDays: 0 });
  });
});

describe("promiseStatus", () => {
  it("is on time, due today (in the shop's zone), late, kept or broken", () => {
    expect(promiseStatus({ shipBy, shippedAt: null, now: at("2026-12-04T04:00:00Z"), calendar })).toBe("on_time");
    expect(promiseStatus({ shipBy, shippedAt: null, now: at("2026-12-04T05:00:00Z"), calendar })).toBe("due_today");
    expect(promiseStatus({ shipBy, shippedAt: null, now: at("2026-12-05T05:00:00Z"), calendar })).toBe("late");
    expect(promiseStatus({ shipBy, shippedAt: at("2026-12-04T20:00:00Z"), now: at("2026-12-09T00:00:00Z"), calendar })).toBe("kept");
    expect(promiseStatus({ shipBy, shippedAt: at("2026-12-08T20:00:00Z"), now: at("2026-12-09T00:00:00Z"), calendar })).toBe("broken");
  });
});

describe("promiseKeptRate", () => {
  it("is kept over shipped, and null before anything shipped", () => {
    expect(promiseKeptRate(["kept", "kept", "late", "kept"])).toEqual({ kept: 3, late: 1, rate: 0.75 });
    expect(promiseKeptRate([])).toEqual({ kept: 0, late: 0, rate: null });
  });
});
