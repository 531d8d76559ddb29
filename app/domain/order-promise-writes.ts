/**
 * What a delivery promise writes onto its Shopify order, and how writes of many orders share calls.
 *
 * Exported API
 * - PROMISE_METAFIELD_KEY = "delivery_promise"                  app-owned ($app) order metafield, JSON
 * - promiseMetafieldValue(promise): string                     { tier, lane, shipBy, shipByEarliest, arriveBy }
 * - fulfillmentDeadlineOf(shipBy): Date                         the promise floored to the minute
 * - groupByDeadline(targets, max): { deadline, fulfillmentOrderIds }[]   one call per deadline and ≤ max ids
 * - orderTierTag(tierRules, tierKey): string                    the tier's tag ("tierline:gold")
 *
 * Why the minute: a promise counted in business hours falls due at the order's own instant, so
 * no two orders would share a deadline call. Floored (never later than the promise), orders of
 * the same minute share one: at 50 paid orders a second, twelve calls carry 3,000 orders.
 */
import { TIERLINE_TAG_PREFIX, type TierRules } from "./tier-rules.ts";

export const PROMISE_METAFIELD_KEY = "delivery_promise";
export const PROMISE_METAFIELD_TYPE = "json";

export type WrittenPromise = {
  tierKey: string;
  laneKey: string;
  shipBy: Date;
  shipByEarliest: Date;
  arriveEarliestDay: string | null;
  arriveLatestDay: string | null;
};

export function promiseMetafieldValue(promise: WrittenPromise): string {
  return JSON.stringify({
    tier: promise.tierKey,
    lane: promise.laneKey,
    shipBy: promise.shipBy.toISOString(),
    shipByEarliest: promise.shipByEarliest.toISOString(),
    arriveBy: promise.arriveEarliestDay && promise.arriveLatestDay ? { earliest: promise.arriveEarliestDay, latest: promise.arriveLatestDay } : null,
  });
}

export function fulfillmentDeadlineOf(shipBy: Date): Date {
  return new Date(Math.floor(shipBy.getTime() / 60_000) * 60_000);
}

export type DeadlineTarget = { deadline: Date; fulfillmentOrderIds: readonly string[] };

/** Fulfillment orders grouped by their deadline, each group cut to at most `max` ids, in deadline order. */
export function groupByDeadline(targets: readonly DeadlineTarget[], max: number): { deadline: Date; fulfillmentOrderIds: string[] }[] {
  const byDeadline = new Map<number, string[]>();
  for (const target of targets) {
    const ids = byDeadline.get(target.deadline.getTime()) ?? [];
    ids.push(...target.fulfillmentOrderIds);
    byDeadline.set(target.deadline.getTime(), ids);
  }
  const calls: { deadline: Date; fulfillmentOrderIds: string[] }[] = [];
  for (const [time, ids] of [...byDeadline].sort((a, b) => a[0] - b[0])) {
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += max) calls.push({ deadline: new Date(time), fulfillmentOrderIds: unique.slice(i, i + max) });
  }
  return calls;
}

/** The order tag of a tier: the tier's own customer tag, so staff filter orders and customers alike. */
export function orderTierTag(tierRules: TierRules, tierKey: string): string {
  return tierRules.tiers.find((tier) => tier.key === tierKey)?.tag ?? `${TIERLINE_TAG_PREFIX}${tierKey}`;
}
