/**
 * Was a promise kept? One order's score, its status on the Promises page, and the kept rate.
 *
 * Exported API
 * - type ShipmentScore, type PromiseStatus
 * - scoreShipment({ shipBy, shippedAt, calendar }): ShipmentScore
 *       kept when shippedAt ≤ shipBy (shipBy is inclusive); otherwise late, by milliseconds and by
 *       working days (working days after the promised day up to the ship day: 0 = the same day or a
 *       non-working day right after it)
 * - promiseStatus({ shipBy, shippedAt, now, calendar }): "kept" | "broken" | "late" | "due_today" | "on_time"
 *       kept/broken once shipped; before that late (past shipBy), due_today (shipBy's local day is
 *       today in the shop's zone), or on_time
 * - promiseKeptRate(outcomes): { kept; late; rate }              rate null when nothing shipped
 *
 * The KPI tables (per tier, per day, per SKU) group these outcomes; the grouping keys are the
 * stored promise's, never the order's current tier.
 */
import { localDateOf, nextWorkingDay, type BusinessCalendar } from "./business-calendar.ts";

export type ShipmentScore = { outcome: "kept" } | { outcome: "late"; lateByMs: number; lateByWorkingDays: number };

export type PromiseStatus = "kept" | "broken" | "late" | "due_today" | "on_time";

export function scoreShipment({ shipBy, shippedAt, calendar }: { shipBy: Date; shippedAt: Date; calendar: BusinessCalendar }): ShipmentScore {
  if (shippedAt.getTime() <= shipBy.getTime()) return { outcome: "kept" };
  const promisedDay = localDateOf(calendar, shipBy);
  const shippedDay = localDateOf(calendar, shippedAt);
  // Working days d with promisedDay < d ≤ shippedDay; ship dates are days to weeks after the
  // promise, so walking them is cheap.
  let lateByWorkingDays = 0;
  for (let day = nextWorkingDay(calendar, promisedDay); day <= shippedDay; day = nextWorkingDay(calendar, day)) lateByWorkingDays++;
  return { outcome: "late", lateByMs: shippedAt.getTime() - shipBy.getTime(), lateByWorkingDays };
}

export function promiseStatus({ shipBy, shippedAt, now, calendar }: { shipBy: Date; shippedAt: Date | null; now: Date; calendar: BusinessCalendar }): PromiseStatus {
  if (shippedAt !== null) return shippedAt.getTime() <= shipBy.getTime() ? "kept" : "broken";
  if (now.getTime() > shipBy.getTime()) return "late";
  if (localDateOf(calendar, now) === localDateOf(calendar, shipBy)) return "due_today";
  return "on_time";
}

export function promiseKeptRate(outcomes: readonly ShipmentScore["outcome"][]): { kept: number; late: number; rate: number | null } {
  const kept = outcomes.filter((outcome) => outcome === "kept").length;
  const late = outcomes.length - kept;
  return { kept, late, rate: outcomes.length === 0 ? null : kept / outcomes.length };
}
