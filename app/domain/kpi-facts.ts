/**
 * The dashboard's daily facts: what happened on one shop-local day, per tier, as numbers that add up
 * across days. The rollup table stores them; every figure on the page is computed from their sums.
 *
 * Exported API
 * - type KpiFact = { day, metric, tierKey, dim, value }, type KpiMetric, type LateCause
 * - NO_TIER = "none"                                  orders and lines of guests and non-members
 * - CYCLE_BUCKET_HOURS                                upper bounds (hours) of the cycle-time histogram
 * - lateCause(adjustments): LateCause                 why a late promise was late, from the promise's adjustments
 * - cycleBucket(hours): string                        the histogram bucket of one order-to-ship time
 * - dailyFacts(input, zone): KpiFact[]                every fact of the given rows, summed per key
 *
 * Definitions (the page repeats them in one sentence each)
 * - An order counts when it is not a test, is in the shop's currency and is paid (pending, authorized,
 *   voided and expired count nothing, as for tiers). Its revenue is what it was sold for before any
 *   refund (current total plus the refunded lines and shipping), on the day it was placed; each
 *   refund subtracts the money it returned on the day it was made, so a refund in a later month
 *   lowers that month, not the month of the sale.
 * - An order belongs to the tier its buyer had at checkout (the stored promise's), else the tier the
 *   tier history gives them at the order's time; an order older than the buyer's first record (the
 *   history import records every member once, at the import) takes that record's tier; else NO_TIER.
 *   The adapter resolves it into `tierKey`.
 * - A migration is a tier change, on the day it happened, from `tierKey` to `dim` (NO_TIER for none).
 * - Promise lines (one line of one fulfillment, docs/decisions/0013) count on their ship day under the
 *   promise's tier: dim "kept" or "late:<cause>".
 * - Cycle time is placed to fully shipped, per order, on its ship day, in histogram buckets.
 * - Priority supply cost is what an award paid above the suppliers' usual cost, on the day decided,
 *   under the tier that made the request a priority one.
 */
import type { FinancialStatus } from "./order-ledger.ts";
import { UNPAID } from "./qualifying-spend.ts";
import { localDayOf, type LocalDay } from "./kpi-periods.ts";

export const NO_TIER = "none";

export type KpiMetric = "orders" | "revenue" | "refunds" | "migration" | "promise_line" | "cycle" | "supply_cost";
export type KpiFact = { day: LocalDay; metric: KpiMetric; tierKey: string; dim: string; value: number };
export type LateCause = "capacity" | "stock" | "supplier" | "handling";

export const CYCLE_BUCKET_HOURS = [4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720] as const;
const OVERFLOW_BUCKET = "inf";

export type KpiOrderRow = {
  orderId: string;
  processedAt: Date;
  currency: string;
  currentTotalMinor: number;
  /** Refunded line items and shipping of all its refunds: already out of the current total. */
  refundedGoodsMinor: number;
  test: boolean;
  financialStatus: FinancialStatus | null;
  /** Tier at checkout (stored promise), else the buyer's current tier; null: guest or no tier. */
  tierKey: string | null;
};

export type KpiRefundRow = {
  createdAt: Date;
  transactionsMinor: number;
  /** The refunded order's facts decide whether and where the refund counts. */
  order: Pick<KpiOrderRow, "currency" | "test" | "financialStatus" | "tierKey">;
};

export type KpiTierChangeRow = { fromTier: string | null; toTier: string | null; occurredAt: Date };
export type KpiShipmentLineRow = { tierKey: string | null; shipDay: LocalDay; outcome: "kept" | "late"; cause: LateCause | null };
export type KpiShippedOrderRow = { tierKey: string | null; orderedAt: Date; shippedAt: Date };
export type KpiSupplyAwardRow = { tierKey: string | null; decidedAt: Date; totalMinor: number; usualTotalMinor: number };

export type DailyFactsInput = {
  shopCurrency: string;
  orders?: readonly KpiOrderRow[];
  refunds?: readonly KpiRefundRow[];
  tierChanges?: readonly KpiTierChangeRow[];
  shipmentLines?: readonly KpiShipmentLineRow[];
  shippedOrders?: readonly KpiShippedOrderRow[];
  supplyAwards?: readonly KpiSupplyAwardRow[];
};

type Adjustment = { kind: string; defaultLeadTime?: boolean };

/** A full lane first (the merchant's capacity), then stock: a supplier's lead time when the SKU had its own, else the default restock. */
export function lateCause(adjustments: readonly Adjustment[]): LateCause {
  if (adjustments.some((adjustment) => adjustment.kind === "lane_full")) return "capacity";
  const stock = adjustments.find((adjustment) => adjustment.kind === "awaiting_stock");
  if (stock) return stock.defaultLeadTime === false ? "supplier" : "stock";
  return "handling";
}

export function cycleBucket(hours: number): string {
  const bound = CYCLE_BUCKET_HOURS.find((upper) => hours <= upper);
  return bound === undefined ? OVERFLOW_BUCKET : String(bound);
}

function orderCounts(order: Pick<KpiOrderRow, "currency" | "test" | "financialStatus">, shopCurrency: string): boolean {
  return !order.test && order.currency === shopCurrency && !(order.financialStatus !== null && UNPAID.has(order.financialStatus));
}

const HOUR_MS = 3_600_000;

export function dailyFacts(input: DailyFactsInput, zone: string): KpiFact[] {
  const sums = new Map<string, KpiFact>();
  const add = (day: LocalDay, metric: KpiMetric, tierKey: string | null, dim: string, value: number) => {
    const tier = tierKey ?? NO_TIER;
    const key = `${day}|${metric}|${tier}|${dim}`;
    const fact = sums.get(key);
    if (fact) fact.value += value;
    else sums.set(key, { day, metric, tierKey: tier, dim, value });
  };
  for (const order of input.orders ?? []) {
    if (!orderCounts(order, input.shopCurrency)) continue;
    const day = localDayOf(order.processedAt, zone);
    add(day, "orders", order.tierKey, "", 1);
    add(day, "revenue", order.tierKey, "", order.currentTotalMinor + order.refundedGoodsMinor);
  }
  for (const refund of input.refunds ?? []) {
    if (!orderCounts(refund.order, input.shopCurrency) || refund.transactionsMinor === 0) continue;
    add(localDayOf(refund.createdAt, zone), "refunds", refund.order.tierKey, "", refund.transactionsMinor);
  }
  for (const change of input.tierChanges ?? []) {
    add(localDayOf(change.occurredAt, zone), "migration", change.fromTier, change.toTier ?? NO_TIER, 1);
  }
  for (const line of input.shipmentLines ?? []) {
    add(line.shipDay, "promise_line", line.tierKey, line.outcome === "kept" ? "kept" : `late:${line.cause ?? "handling"}`, 1);
  }
  for (const order of input.shippedOrders ?? []) {
    const hours = Math.max(0, order.shippedAt.getTime() - order.orderedAt.getTime()) / HOUR_MS;
    add(localDayOf(order.shippedAt, zone), "cycle", order.tierKey, cycleBucket(hours), 1);
  }
  for (const award of input.supplyAwards ?? []) {
    const above = award.totalMinor - award.usualTotalMinor;
    if (above > 0) add(localDayOf(award.decidedAt, zone), "supply_cost", award.tierKey, "", above);
  }
  return [...sums.values()].filter((fact) => fact.value !== 0);
}
