/**
 * The ship-by promise for one order: its tier's lane, handling time, capacity, stock and transit,
 * held under whatever Shopify already promised the buyer.
 *
 * Exported API
 * - type OrderLineStock, type ShopifyDeliveryPromise, type PromiseInput
 * - type PromiseAdjustment      why the promise is later than the plain handling time (merchant-facing)
 * - type ShopifyPromiseConflict our rules would ship later than Shopify's promise allows
 * - type DeliveryPromise
 * - calculatePromise(input): DeliveryPromise                  throws when the tier has no lane
 *
 * Steps
 * 1. Intake (business-calendar.ts): before the cut-off on a working day the order counts that day
 *    and the clock starts at the order; otherwise on the next working day from its midnight.
 * 2. Stock: an out-of-stock line waits for its SKU's replenishment lead time (business days; the
 *    rules' default when the SKU has none); the longest wait moves the intake to that working day.
 * 3. Handling: business hours from the clock start, or business days after the intake day (0 is
 *    the intake day itself, ending at its last millisecond). The range's late end is the promise.
 * 4. Capacity: if the lane's daily capacity is reached on the promised day (counting the promises
 *    already due that day in `laneBookings`), the promise moves to the end of the next working day
 *    with room, and a `lane_full` adjustment lists the full days.
 * 5. Shopify: each delivery method's latest delivery time, minus the zone's longest transit
 *    (0 days when the zone has none), pulled back to a working-day instant, caps the ship-by.
 *    If our promise was later, the capped one is used and the conflict is returned.
 * 6. Transit: with an estimate for the destination zone, arrive-by = ship-by days + transit days.
 *
 * Guarantees (checked by property tests)
 * - shipByEarliest ≤ shipBy, and both fall on working days of the shop's calendar.
 * - Without a Shopify requirement, shipBy ≥ orderedAt.
 * - shipBy never moves earlier when laneBookings grow; shipByDay never moves earlier when the
 *   order is placed later (the instant can: a promise moved off a full day ends with its new day,
 *   while a later order's hours may fall due on the morning of that same day).
 * - With a Shopify requirement, shipBy ≤ requiredShipBy (even when that is before the order:
 *   the conflict then says `unmeetable`).
 */
import {
  addBusinessHours,
  addLocalDays,
  addWorkingDays,
  endOfLocalDay,
  latestWorkingInstantAtOrBefore,
  localDateOf,
  nextWorkingDay,
  orderIntake,
  shiftByLocalDays,
  startOfLocalDay,
  type BusinessCalendar,
  type LocalDate,
  type LocalTime,
} from "./business-calendar.ts";
import { laneForTier, transitFor, type Destination, type PromiseRules } from "./promise-rules.ts";

export type OrderLineStock = {
  sku: string | null;
  inStock: boolean;
  /** The SKU's replenishment lead time in business days; null: use the rules' default. */
  replenishmentBusinessDays: number | null;
};

/** What a delivery method of the order already promised the buyer at checkout. */
export type ShopifyDeliveryPromise = {
  /** e.g. "shop_promise"; null for an unbranded delivery method. */
  brandedPromiseHandle: string | null;
  /** The delivery method's latest delivery time; null when it carries none. */
  maxDeliveryAt: Date | null;
};

export type PromiseInput = {
  rules: PromiseRules;
  calendar: BusinessCalendar;
  /** The buyer's tier when the order was paid (guests: the base tier). */
  tierKey: string;
  orderedAt: Date;
  lines: readonly OrderLineStock[];
  /** Promises already due on each local day in this tier's lane, excluding this order. Missing days: 0. */
  laneBookings: Readonly<Record<LocalDate, number>>;
  destination: Destination | null;
  shopifyPromises: readonly ShopifyDeliveryPromise[];
  now: Date;
};

export type PromiseAdjustment =
  | { kind: "after_cutoff"; cutoff: LocalTime; orderDay: LocalDate; intakeDay: LocalDate }
  | { kind: "non_working_day"; orderDay: LocalDate; intakeDay: LocalDate }
  | { kind: "awaiting_stock"; sku: string | null; leadBusinessDays: number; defaultLeadTime: boolean; stockDay: LocalDate }
  | { kind: "lane_full"; laneKey: string; dailyCapacity: number; fullDays: LocalDate[]; movedTo: LocalDate };

export type ShopifyPromiseConflict = {
  brandedPromiseHandle: string | null;
  maxDeliveryAt: Date;
  /** Transit days subtracted from maxDeliveryAt (the zone's maximum, 0 without an estimate). */
  transitDays: number;
  requiredShipBy: Date;
  /** What Tierline's rules would have promised. */
  computedShipBy: Date;
  /** Shopify's date needed shipping before the order was even placed. */
  unmeetable: boolean;
};

export type DeliveryPromise = {
  tierKey: string;
  laneKey: string;
  orderedAt: Date;
  intakeDay: LocalDate;
  shipByEarliest: Date;
  shipByEarliestDay: LocalDate;
  /** The promise: the latest instant the order may ship and still be on time (inclusive). */
  shipBy: Date;
  shipByDay: LocalDate;
  /** Shop-local dates; null when the destination zone has no transit estimate. */
  arriveBy: { zone: string; earliestDay: LocalDate; latestDay: LocalDate } | null;
  adjustments: PromiseAdjustment[];
  conflict: ShopifyPromiseConflict | null;
  /** The promise was already past when it was made (an order processed long after it was placed). */
  overdueWhenMade: boolean;
};

function stockWait(input: PromiseInput): { line: OrderLineStock; days: number; defaultLeadTime: boolean } | null {
  let longest: { line: OrderLineStock; days: number; defaultLeadTime: boolean } | null = null;
  for (const line of input.lines) {
    if (line.inStock) continue;
    const defaultLeadTime = line.replenishmentBusinessDays === null;
    const days = line.replenishmentBusinessDays ?? input.rules.defaultReplenishmentBusinessDays;
    if (!Number.isInteger(days) || days < 0) throw new Error(`replenishment lead time must be a whole number of days ≥ 0, got ${days}`);
    if (longest === null || days > longest.days) longest = { line, days, defaultLeadTime };
  }
  return longest && longest.days > 0 ? longest : null;
}

function shopifyRequirement(input: PromiseInput, transitDays: number): { promise: ShopifyDeliveryPromise & { maxDeliveryAt: Date }; requiredShipBy: Date } | null {
  let strictest: { promise: ShopifyDeliveryPromise & { maxDeliveryAt: Date }; requiredShipBy: Date } | null = null;
  for (const promise of input.shopifyPromises) {
    if (promise.maxDeliveryAt === null) continue;
    const requiredShipBy = latestWorkingInstantAtOrBefore(input.calendar, shiftByLocalDays(input.calendar, promise.maxDeliveryAt, -transitDays));
    if (strictest === null || requiredShipBy.getTime() < strictest.requiredShipBy.getTime()) {
      strictest = { promise: { ...promise, maxDeliveryAt: promise.maxDeliveryAt }, requiredShipBy };
    }
  }
  return strictest;
}

export function calculatePromise(input: PromiseInput): DeliveryPromise {
  const { calendar, rules } = input;
  const lane = laneForTier(rules, input.tierKey);
  if (!lane) throw new Error(`no promise lane for tier "${input.tierKey}"`);
  const adjustments: PromiseAdjustment[] = [];

  const intake = orderIntake(calendar, input.orderedAt);
  if (intake.deferredBecause === "after_cutoff") {
    adjustments.push({ kind: "after_cutoff", cutoff: calendar.cutoff as LocalTime, orderDay: intake.orderDay, intakeDay: intake.day });
  } else if (intake.deferredBecause === "non_working_day") {
    adjustments.push({ kind: "non_working_day", orderDay: intake.orderDay, intakeDay: intake.day });
  }

  let startDay = intake.day;
  let clockStartsAt = intake.clockStartsAt;
  const wait = stockWait(input);
  if (wait) {
    startDay = addWorkingDays(calendar, intake.day, wait.days);
    clockStartsAt = startOfLocalDay(calendar, startDay);
    adjustments.push({ kind: "awaiting_stock", sku: wait.line.sku, leadBusinessDays: wait.days, defaultLeadTime: wait.defaultLeadTime, stockDay: startDay });
  }

  const { handling } = lane;
  let shipByEarliest: Date;
  let shipBy: Date;
  if (handling.unit === "business_days") {
    shipByEarliest = endOfLocalDay(calendar, addWorkingDays(calendar, startDay, handling.min));
    shipBy = endOfLocalDay(calendar, addWorkingDays(calendar, startDay, handling.max));
  } else {
    shipByEarliest = addBusinessHours(calendar, clockStartsAt, handling.min);
    shipBy = addBusinessHours(calendar, clockStartsAt, handling.max);
  }

  if (lane.dailyCapacity !== null) {
    const fullDays: LocalDate[] = [];
    let day = localDateOf(calendar, shipBy);
    while ((input.laneBookings[day] ?? 0) >= lane.dailyCapacity) {
      fullDays.push(day);
      day = nextWorkingDay(calendar, day);
    }
    if (fullDays.length > 0) {
      shipBy = endOfLocalDay(calendar, day);
      adjustments.push({ kind: "lane_full", laneKey: lane.key, dailyCapacity: lane.dailyCapacity, fullDays, movedTo: day });
    }
  }

  const transit = transitFor(rules, input.destination);
  let conflict: ShopifyPromiseConflict | null = null;
  const requirement = shopifyRequirement(input, transit?.maxDays ?? 0);
  if (requirement && shipBy.getTime() > requirement.requiredShipBy.getTime()) {
    conflict = {
      brandedPromiseHandle: requirement.promise.brandedPromiseHandle,
      maxDeliveryAt: requirement.promise.maxDeliveryAt,
      transitDays: transit?.maxDays ?? 0,
      requiredShipBy: requirement.requiredShipBy,
      computedShipBy: shipBy,
      unmeetable: requirement.requiredShipBy.getTime() < input.orderedAt.getTime(),
    };
    shipBy = requirement.requiredShipBy;
  }
  if (shipByEarliest.getTime() > shipBy.getTime()) shipByEarliest = shipBy;

  const shipByDay = localDateOf(calendar, shipBy);
  const shipByEarliestDay = localDateOf(calendar, shipByEarliest);
  return {
    tierKey: input.tierKey,
    laneKey: lane.key,
    orderedAt: input.orderedAt,
    intakeDay: intake.day,
    shipByEarliest,
    shipByEarliestDay,
    shipBy,
    shipByDay,
    arriveBy: transit
      ? { zone: transit.zone, earliestDay: addLocalDays(shipByEarliestDay, transit.minDays), latestDay: addLocalDays(shipByDay, transit.maxDays) }
      : null,
    adjustments,
    conflict,
    overdueWhenMade: shipBy.getTime() < input.now.getTime(),
  };
}
