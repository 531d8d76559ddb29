/**
 * Which stock wait a new order's line gets while its SKU is short: the promise follows supply.
 *
 * Exported API
 * - type Shortage, type SupplyPromiseBasis, type SupplyPromise
 * - awardArrivalDay(calendar, award): LocalDate                   the working day the awarded stock is due
 * - remainingLeadBusinessDays(calendar, award, today): number     working days from today to that day (0 when due or late)
 * - supplyPromise({ settings, calendar, tierKey, sku, quantity, available, priorityCapacityUnits, shortage, today }): SupplyPromise
 *
 * Rules
 * - No shortage (no open request or undelivered award for the SKU): the line is in stock when
 *   available covers it; otherwise it waits with the rules' default lead time (null).
 * - Short, and the order's tier keeps its promise while covered (Gold, Silver by default): in
 *   stock while available units cover it ("priority_stock"), or available units plus the
 *   merchant's priority capacity (units they can make or expedite) do ("priority_capacity");
 *   otherwise it waits for the award like everyone else (it is served first when stock arrives).
 * - Short, any other tier (Bronze; a tier not ranked): the line waits for the awarded stock even
 *   if some units are still available, which stay for the priority tiers.
 * - The wait is what remains of the awarded lead time, counted in the shop's working days from
 *   `today` to the day the award is due; before an award exists, the rules' default (null).
 *
 * `line` has the shape promise-date-calculator.ts takes (`OrderLineStock`).
 */
import { addWorkingDays, isWorkingDay, nextWorkingDay, type BusinessCalendar, type LocalDate } from "./business-calendar.ts";
import type { OrderLineStock } from "./promise-date-calculator.ts";
import { tierPriorityFor, type ReplenishmentSettings } from "./replenishment-rules.ts";

export type Shortage =
  /** Requested, not awarded yet (quotes pending or a person deciding). */
  | { status: "requested" }
  | { status: "awarded"; awardedOn: LocalDate; leadBusinessDays: number };

export type SupplyPromiseBasis = "in_stock" | "out_of_stock" | "priority_stock" | "priority_capacity" | "awaiting_award" | "awarded_lead_time";

export type SupplyPromise = { line: OrderLineStock; basis: SupplyPromiseBasis };

export function awardArrivalDay(calendar: BusinessCalendar, award: { awardedOn: LocalDate; leadBusinessDays: number }): LocalDate {
  return addWorkingDays(calendar, award.awardedOn, award.leadBusinessDays);
}

export function remainingLeadBusinessDays(calendar: BusinessCalendar, award: { awardedOn: LocalDate; leadBusinessDays: number }, today: LocalDate): number {
  const arrival = awardArrivalDay(calendar, award);
  let day = isWorkingDay(calendar, today) ? today : nextWorkingDay(calendar, today);
  let count = 0;
  // Bounded by the lead time itself (at most 366 business days by the rules).
  while (day < arrival) {
    day = nextWorkingDay(calendar, day);
    count++;
  }
  return count;
}

export function supplyPromise({
  settings,
  calendar,
  tierKey,
  sku,
  quantity,
  available,
  priorityCapacityUnits,
  shortage,
  today,
}: {
  settings: ReplenishmentSettings;
  calendar: BusinessCalendar;
  tierKey: string;
  sku: string;
  quantity: number;
  /**
   * Units free for this order now: Shopify's available, plus units committed to orders already
   * told to wait for the award (Shopify commits them too, but they do not ship from this stock).
   */
  available: number;
  /** Units the merchant can still make or expedite for priority tiers while short; 0 when none. */
  priorityCapacityUnits: number;
  shortage: Shortage | null;
  today: LocalDate;
}): SupplyPromise {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new Error(`quantity must be a whole number ≥ 1, got ${quantity}`);
  if (!Number.isSafeInteger(priorityCapacityUnits) || priorityCapacityUnits < 0) throw new Error(`priority capacity must be a whole number ≥ 0, got ${priorityCapacityUnits}`);
  const inStock = (basis: SupplyPromiseBasis): SupplyPromise => ({ line: { sku, inStock: true, replenishmentBusinessDays: null }, basis });
  const waiting = (): SupplyPromise =>
    shortage?.status === "awarded"
      ? { line: { sku, inStock: false, replenishmentBusinessDays: remainingLeadBusinessDays(calendar, shortage, today) }, basis: "awarded_lead_time" }
      : { line: { sku, inStock: false, replenishmentBusinessDays: null }, basis: shortage ? "awaiting_award" : "out_of_stock" };

  if (shortage === null) return available >= quantity ? inStock("in_stock") : waiting();
  if (tierPriorityFor(settings, tierKey)?.keepsPromiseWhileCovered) {
    if (available >= quantity) return inStock("priority_stock");
    if (Math.max(0, available) + priorityCapacityUnits >= quantity) return inStock("priority_capacity");
  }
  return waiting();
}
