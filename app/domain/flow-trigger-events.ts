/**
 * What Tierline tells Shopify Flow, decided without I/O: which tier changes are news, which open
 * promises are at risk and why, and each event's fields (the custom fields of the flow_trigger
 * extensions in extensions/flow-*; the reference field, the customer or order, is added by the
 * adapter, which knows Shopify's ids).
 *
 * Exported API
 * - MEMBER_TIER_CHANGED, PROMISE_AT_RISK: each trigger's handle and field keys
 * - type FlowEvent = { handle; eventKey; subject: { kind: "customer" | "order"; id: string }; fields }
 * - tierChangeEvent(change, rules): FlowEvent
 * - type PromiseRisk = "due_today_not_shipped" | "lane_over_capacity" | "shopify_promise_conflict"
 * - promiseRisks({ promise, now, calendar, laneCapacity, laneBooked }): PromiseRisk[]
 * - promiseAtRiskEvent({ promise, risk, tierName, laneName }): FlowEvent
 *
 * An event's key is what makes it fire once: a tier change by its recorded id, a risk by
 * order and kind (an order found due today on every hourly run is one event).
 */
import { localDateOf, type BusinessCalendar } from "./business-calendar.ts";
import { currencyExponent, type MinorUnits } from "./money.ts";
import type { PromiseAdjustment } from "./promise-date-calculator.ts";
import type { TierRules } from "./tier-rules.ts";

export const MEMBER_TIER_CHANGED = {
  handle: "member-tier-changed",
  fields: { oldTier: "Old tier", newTier: "New tier", reason: "Reason", spend: "Qualifying spend", currency: "Currency" },
} as const;

export const PROMISE_AT_RISK = {
  handle: "delivery-promise-at-risk",
  fields: { tier: "Tier", shipBy: "Ship by", risk: "Risk", why: "Why" },
} as const;

export type FlowFieldValue = string | number | boolean;

export interface FlowEvent {
  handle: string;
  eventKey: string;
  /** The Shopify resource the trigger references (the adapter turns it into customer_id / order_id). */
  subject: { kind: "customer" | "order"; id: string };
  fields: Record<string, FlowFieldValue>;
}

export interface RecordedTierChange {
  id: string;
  customerGid: string;
  fromTier: string | null;
  toTier: string | null;
  reason: string;
  spend: MinorUnits;
}

/** A tier key as merchants named it; a tier since removed keeps its key. */
function tierName(rules: TierRules, key: string | null): string {
  if (key === null) return "";
  return rules.tiers.find((t) => t.key === key)?.name ?? key;
}

/** Minor units as a decimal number in the currency's exponent (Flow's number_decimal). */
function decimalOf(amountMinor: MinorUnits, currency: string): number {
  return amountMinor / 10 ** currencyExponent(currency);
}

export function tierChangeEvent(change: RecordedTierChange, rules: TierRules): FlowEvent {
  const f = MEMBER_TIER_CHANGED.fields;
  return {
    handle: MEMBER_TIER_CHANGED.handle,
    eventKey: change.id,
    subject: { kind: "customer", id: change.customerGid },
    fields: {
      [f.oldTier]: tierName(rules, change.fromTier),
      [f.newTier]: tierName(rules, change.toTier),
      [f.reason]: change.reason,
      [f.spend]: decimalOf(change.spend, rules.currency),
      [f.currency]: rules.currency,
    },
  };
}

export type PromiseRisk = "due_today_not_shipped" | "lane_over_capacity" | "shopify_promise_conflict";

export interface OpenPromiseFacts {
  orderGid: string;
  tierKey: string;
  laneKey: string;
  shipBy: Date;
  shipByDay: string;
  shippedAt: Date | null;
  adjustments: readonly PromiseAdjustment[];
  /** Shopify's delivery promise capped ours (the stored conflict). */
  conflict: boolean;
}

/**
 * Why an open promise may not be kept: its ship-by day is today and nothing shipped yet;
 * its lane holds more promises on its ship-by day than the lane's daily capacity (the
 * capacity was lowered after they were made), or it was pushed to a later day because the
 * lane was full; Shopify's own delivery promise forced an earlier ship-by than the tier's.
 * A promise already past its ship-by is broken, not at risk (the Promises page shows it late).
 */
export function promiseRisks({
  promise,
  now,
  calendar,
  laneCapacity,
  laneBooked,
}: {
  promise: OpenPromiseFacts;
  now: Date;
  calendar: BusinessCalendar;
  /** The lane's daily capacity under the current rules; null: unlimited. */
  laneCapacity: number | null;
  /** Open promises of the lane on this promise's ship-by day. */
  laneBooked: number;
}): PromiseRisk[] {
  if (promise.shippedAt !== null || now.getTime() > promise.shipBy.getTime()) return [];
  const risks: PromiseRisk[] = [];
  if (localDateOf(calendar, now) === promise.shipByDay) risks.push("due_today_not_shipped");
  const rolled = promise.adjustments.some((a) => a.kind === "lane_full");
  if (rolled || (laneCapacity !== null && laneBooked > laneCapacity)) risks.push("lane_over_capacity");
  if (promise.conflict) risks.push("shopify_promise_conflict");
  return risks;
}

const WHY: Record<PromiseRisk, (lane: string) => string> = {
  due_today_not_shipped: () => "Due to ship today and not shipped yet.",
  lane_over_capacity: (lane) => `The ${lane} lane is over its daily capacity on the ship-by day.`,
  shopify_promise_conflict: () => "Shopify's delivery promise for this order requires an earlier ship-by than the tier's.",
};

export function promiseAtRiskEvent({ promise, risk, tierName: tier, laneName }: { promise: OpenPromiseFacts; risk: PromiseRisk; tierName: string; laneName: string }): FlowEvent {
  const f = PROMISE_AT_RISK.fields;
  return {
    handle: PROMISE_AT_RISK.handle,
    eventKey: `${promise.orderGid}|${risk}`,
    subject: { kind: "order", id: promise.orderGid },
    fields: {
      [f.tier]: tier,
      [f.shipBy]: promise.shipBy.toISOString(),
      [f.risk]: risk,
      [f.why]: WHY[risk](laneName),
    },
  };
}
