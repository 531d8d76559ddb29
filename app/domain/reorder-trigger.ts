/**
 * Whether a SKU at a location has fallen to its reorder trigger, and how much to ask for.
 *
 * Exported API
 * - type StockLevels = { available; onHand; committed; incoming }   Shopify's InventoryLevel quantities
 * - type TrailingSales = { units; days }                            units sold at the location over the last `days` days
 * - type ReorderCheck                                               what the check decided, with the figures it used
 * - stockPosition(stock): number                                    available + incoming
 * - neededWithinBusinessDaysOf(rule): number                        the rule's own, or the slowest preset's usual lead time
 * - checkReorder({ rule, stock, trailingSales, requestOpen }): ReorderCheck
 *
 * Rules
 * - The position counted against the trigger is available + incoming: available already takes
 *   out what paid orders committed (so waiting Gold orders push it down, negative when oversold),
 *   and incoming holds what is on its way, including Tierline's own awards once recorded in
 *   Shopify, so an awarded request is not asked for again.
 * - The trigger is crossed when the position is at or below it (safety 50, trigger 55: 55 fires).
 * - One request per SKU and location: when one is open, a crossing adds nothing.
 * - Quantity: the rule's (fixed, or the trailing daily rate × days to cover, rounded up), and
 *   never less than what lifts the position back above the trigger, so one request is enough.
 */
import { reorderTriggerOf, type SkuReplenishmentRule } from "./replenishment-rules.ts";

export type StockLevels = {
  /** Sellable now; may be negative when oversold. */
  available: number;
  onHand: number;
  committed: number;
  incoming: number;
};

export type TrailingSales = { units: number; days: number };

export type ReorderCheck =
  | { action: "none"; reason: "above_trigger" | "request_open"; position: number; trigger: number }
  | {
      action: "request";
      position: number;
      trigger: number;
      quantity: number;
      /** Which figure set the quantity: the rule's, or the top-up above the trigger when that was more. */
      quantityBasis: "fixed" | "cover_days" | "restore_above_trigger";
      /** cover_days without any sales history counts a rate of 0. */
      salesHistoryMissing: boolean;
      neededWithinBusinessDays: number;
    };

function wholeNumber(name: string, value: number, { allowNegative = false } = {}): void {
  if (!Number.isSafeInteger(value) || (!allowNegative && value < 0)) {
    throw new Error(`${name} must be a whole number${allowNegative ? "" : " ≥ 0"}, got ${value}`);
  }
}

export function stockPosition(stock: StockLevels): number {
  wholeNumber("available", stock.available, { allowNegative: true });
  wholeNumber("incoming", stock.incoming);
  return stock.available + stock.incoming;
}

export function neededWithinBusinessDaysOf(rule: Pick<SkuReplenishmentRule, "neededWithinBusinessDays" | "suppliers">): number {
  if (rule.neededWithinBusinessDays !== null) return rule.neededWithinBusinessDays;
  return Math.max(0, ...rule.suppliers.map((supplier) => supplier.usualLeadBusinessDays));
}

function coverQuantity(days: number, sales: TrailingSales): number {
  wholeNumber("units sold", sales.units);
  if (!Number.isSafeInteger(sales.days) || sales.days < 1) throw new Error(`sales window must be at least 1 day, got ${sales.days}`);
  // ceil(days × units / window) in integers.
  return Number((BigInt(days) * BigInt(sales.units) + BigInt(sales.days) - 1n) / BigInt(sales.days));
}

export function checkReorder({
  rule,
  stock,
  trailingSales,
  requestOpen,
}: {
  rule: SkuReplenishmentRule;
  stock: StockLevels;
  trailingSales: TrailingSales | null;
  requestOpen: boolean;
}): ReorderCheck {
  const position = stockPosition(stock);
  const trigger = reorderTriggerOf(rule);
  if (position > trigger) return { action: "none", reason: "above_trigger", position, trigger };
  if (requestOpen) return { action: "none", reason: "request_open", position, trigger };

  let ruleQuantity: number;
  let salesHistoryMissing = false;
  if (rule.reorderQuantity.kind === "fixed") {
    ruleQuantity = rule.reorderQuantity.quantity;
  } else if (trailingSales === null) {
    ruleQuantity = 0;
    salesHistoryMissing = true;
  } else {
    ruleQuantity = coverQuantity(rule.reorderQuantity.days, trailingSales);
  }
  const restore = trigger + 1 - position;
  const restoreWins = restore > ruleQuantity;
  return {
    action: "request",
    position,
    trigger,
    quantity: restoreWins ? restore : ruleQuantity,
    quantityBasis: restoreWins ? "restore_above_trigger" : rule.reorderQuantity.kind,
    salesHistoryMissing,
    neededWithinBusinessDays: neededWithinBusinessDaysOf(rule),
  };
}
