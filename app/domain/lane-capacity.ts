/**
 * Which lanes are near or at capacity on the coming working days (the Promises page's flags).
 *
 * Exported API
 * - type LaneCapacityFlag = { laneKey; day; booked; capacity; level: "near" | "full" }
 * - laneCapacityFlags({ rules, calendar, bookingsByLane, today, workingDays, nearShare }): LaneCapacityFlag[]
 *
 * Looks at `today` (when it is a working day) and the following working days, `workingDays` in
 * all. A day is "full" when its bookings reach the lane's daily capacity (new promises roll past
 * it, promise-date-calculator.ts) and "near" from `nearShare` of it (default 0.8). Lanes without
 * a capacity are never flagged. Sorted by day, then by the lanes' order in the rules.
 */
import { addWorkingDays, type BusinessCalendar, type LocalDate } from "./business-calendar.ts";
import type { PromiseRules } from "./promise-rules.ts";

export type LaneCapacityFlag = { laneKey: string; day: LocalDate; booked: number; capacity: number; level: "near" | "full" };

export type LaneCapacityFlagsInput = {
  rules: PromiseRules;
  calendar: BusinessCalendar;
  bookingsByLane: Readonly<Record<string, Readonly<Record<LocalDate, number>>>>;
  today: LocalDate;
  workingDays: number;
  nearShare?: number;
};

export function laneCapacityFlags({ rules, calendar, bookingsByLane, today, workingDays, nearShare = 0.8 }: LaneCapacityFlagsInput): LaneCapacityFlag[] {
  const flags: LaneCapacityFlag[] = [];
  for (let i = 0; i < workingDays; i++) {
    const day = addWorkingDays(calendar, today, i);
    for (const lane of rules.lanes) {
      const capacity = lane.dailyCapacity;
      if (capacity === null) continue;
      const booked = bookingsByLane[lane.key]?.[day] ?? 0;
      const level = booked >= capacity ? "full" : booked >= nearShare * capacity ? "near" : null;
      if (level) flags.push({ laneKey: lane.key, day, booked, capacity, level });
    }
  }
  return flags;
}
