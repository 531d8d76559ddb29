/**
 * Which stock wait a new order's line gets while its SKU is short: the promise follows supply.
 *
 * Exported API
 * - type Shortage, type SupplyPromiseBasis, type SupplyPromise
 * - awardArrivalDay(calendar, award): LocalDate                   the working day the awarded stock is due
 * - remainingLeadBusinessDays(calendar, award, today): number     working days from today to that day (0 when due or late)
 * - supplyPromise({ settings, calendar, tierKey, sku, quantity, available, priorityCapacityUnits, shortage, today }): SupplyPromise
 * - type SkuSupplyRequest                                           a replenishment request of the SKU that keeps it short
 * - shortageOf(calendar, requests): Shortage | null                what a SKU's requests say about its supply
 * - orderLinesFollowingSupply({ lines, leadTimes, priorityCapacity, supply, tierKey, calendar, orderedAt }): OrderLineStock[]
 *       a paid order's lines for the promise calculator, each following its SKU's supply
 *
 * Rules
 * - No shortage (no open request or undelivered award for the SKU): the line is in stock when
 *   available covers it; otherwise it waits with the rules' default lead time (null).
 * - Short, and the order's tier keeps its promise while covered (Gold, Silver by default): in
 *   stock while available units cover it ("priority_stock"), or available units plus the
 *   merchant's priority capacity for the SKU (units they can make or expedite, set per SKU on the
 *   Promise settings page) do ("priority_capacity"); otherwise it waits for the award like everyone
 *   else (it is served first when stock arrives). Available below zero is units already promised
 *   beyond stock: they use the capacity up, so a capacity of N covers N units, not every order.
 * - Short, any other tier (Bronze; a tier not ranked): the line waits for the awarded stock even
 *   if some units are still available, which stay for the priority tiers.
 * - The wait is what remains of the awarded lead time, counted in the shop's working days from
 *   `today` to the day the award is due; before an award exists, the rules' default (null).
 *
 * `line` has the shape promise-date-calculator.ts takes (`OrderLineStock`).
 */
import { addWorkingDays, isWorkingDay, localDateOf, nextWorkingDay, orderIntake, type BusinessCalendar, type LocalDate } from "./business-calendar.ts";
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
    if (available + priorityCapacityUnits >= quantity) return inStock("priority_capacity");
  }
  return waiting();
}

/**
 * A replenishment request that keeps its SKU short: open or escalated (no award yet), or awarded
 * and its stock not arrived (`awardedLeadBusinessDays` counted from `decidedAt`).
 */
export type SkuSupplyRequest =
  | { status: "open" | "escalated" }
  | { status: "awarded"; decidedAt: Date; awardedLeadBusinessDays: number };

/**
 * One shortage per SKU whatever number of locations ask for it (promises name the SKU, not the
 * location): any request still undecided makes it "requested" (no date is known yet); otherwise
 * the award that arrives last is the one a new order waits for.
 */
export function shortageOf(calendar: BusinessCalendar, requests: readonly SkuSupplyRequest[]): Shortage | null {
  let latest: { awardedOn: LocalDate; leadBusinessDays: number; arrival: LocalDate } | null = null;
  for (const request of requests) {
    if (request.status !== "awarded") return { status: "requested" };
    const award = { awardedOn: localDateOf(calendar, request.decidedAt), leadBusinessDays: request.awardedLeadBusinessDays };
    const arrival = awardArrivalDay(calendar, award);
    if (latest === null || arrival > latest.arrival) latest = { ...award, arrival };
  }
  return latest && { status: "awarded", awardedOn: latest.awardedOn, leadBusinessDays: latest.leadBusinessDays };
}

/**
 * The lines of a paid order as the promise calculator takes them. `availableAfterOrder` is
 * Shopify's available for the variant once this order took its units (null or undefined: stock not
 * tracked, always available); the order is covered when it is not below zero, which is
 * supplyPromise's "available ≥ quantity" counted before the order, so the order's own units stand
 * as one unit here. A SKU without a shortage keeps the rule used before supply was known: in stock
 * when covered, else its own lead time (the merchant's per-SKU one, else the rules' default). A
 * short SKU follows supplyPromise; before an award, a waiting line also takes the SKU's own lead
 * time. Remaining lead times count from the order's intake day, so the same order always gets the same promise.
 */
export function orderLinesFollowingSupply({
  lines,
  leadTimes,
  supply,
  tierKey,
  calendar,
  orderedAt,
  priorityCapacity = new Map(),
}: {
  lines: readonly { sku: string | null; availableAfterOrder: number | null | undefined }[];
  leadTimes: ReadonlyMap<string, number>;
  /** The merchant's priority capacity per SKU (units); a SKU not in it has none. */
  priorityCapacity?: ReadonlyMap<string, number>;
  /** Requests keeping SKUs short, by SKU, with the shop's settings; null when no SKU of the order is short. */
  supply: { settings: ReplenishmentSettings; requests: ReadonlyMap<string, readonly SkuSupplyRequest[]> } | null;
  tierKey: string;
  calendar: BusinessCalendar;
  orderedAt: Date;
}): OrderLineStock[] {
  const today = supply ? orderIntake(calendar, orderedAt).day : null;
  return lines.map(({ sku, availableAfterOrder }) => {
    const ownLeadTime = sku ? (leadTimes.get(sku) ?? null) : null;
    if (availableAfterOrder === null || availableAfterOrder === undefined) return { sku, inStock: true, replenishmentBusinessDays: ownLeadTime };
    const requests = sku && supply ? supply.requests.get(sku) : undefined;
    const shortage = requests ? shortageOf(calendar, requests) : null;
    if (!shortage || !sku || !supply || !today) return { sku, inStock: availableAfterOrder >= 0, replenishmentBusinessDays: ownLeadTime };
    const { line } = supplyPromise({
      settings: supply.settings, calendar, tierKey, sku, quantity: 1, available: availableAfterOrder + 1,
      priorityCapacityUnits: priorityCapacity.get(sku) ?? 0, shortage, today,
    });
    return line.inStock || line.replenishmentBusinessDays !== null ? line : { ...line, replenishmentBusinessDays: ownLeadTime };
  });
}
