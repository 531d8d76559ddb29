/**
 * Arriving stock shared out among the orders waiting on a SKU: the highest tier first, oldest
 * first within a tier; an order the stock cannot fill takes what is left (a partial allocation).
 *
 * Exported API
 * - type WaitingOrder = { orderId; tierKey; waitingSince; quantity }
 * - type StockAllocation = { orderId; tierKey; quantity; complete }
 * - type AllocationResult = { allocations; leftover; unfilled }
 * - allocationOrder(settings, orders): WaitingOrder[]          the order orders are served in
 * - allocateIncomingStock({ settings, arrived, orders }): AllocationResult
 *
 * Tier order is the settings' (replenishment-rules.ts, highest first); orders of a tier not in it
 * (a removed tier) come after every ranked tier. Ties (same tier and instant) go by order id, so
 * the result never depends on the order the orders were loaded in. Strict: a Gold order takes
 * the last units even when a smaller Bronze order would have been filled completely.
 */
import { tierRank, type ReplenishmentSettings } from "./replenishment-rules.ts";

export type WaitingOrder = {
  orderId: string;
  tierKey: string;
  /** When the order started waiting on the SKU (usually when it was paid). */
  waitingSince: Date;
  /** Units still wanted. */
  quantity: number;
};

export type StockAllocation = { orderId: string; tierKey: string; quantity: number; complete: boolean };

export type AllocationResult = {
  /** In serving order; only orders that got at least one unit. */
  allocations: StockAllocation[];
  /** Units no waiting order wanted: back to available stock. */
  leftover: number;
  /** Orders still waiting, with what they still want, in serving order. */
  unfilled: WaitingOrder[];
};

export function allocationOrder(settings: ReplenishmentSettings, orders: readonly WaitingOrder[]): WaitingOrder[] {
  return [...orders].sort(
    (a, b) =>
      tierRank(settings, a.tierKey) - tierRank(settings, b.tierKey) ||
      a.waitingSince.getTime() - b.waitingSince.getTime() ||
      (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0),
  );
}

export function allocateIncomingStock({ settings, arrived, orders }: { settings: ReplenishmentSettings; arrived: number; orders: readonly WaitingOrder[] }): AllocationResult {
  if (!Number.isSafeInteger(arrived) || arrived < 0) throw new Error(`arrived stock must be a whole number ≥ 0, got ${arrived}`);
  const ids = new Set<string>();
  for (const order of orders) {
    if (!Number.isSafeInteger(order.quantity) || order.quantity < 1) throw new Error(`order ${order.orderId}: quantity must be a whole number ≥ 1, got ${order.quantity}`);
    if (ids.has(order.orderId)) throw new Error(`order ${order.orderId} is listed twice`);
    ids.add(order.orderId);
  }
  const allocations: StockAllocation[] = [];
  const unfilled: WaitingOrder[] = [];
  let left = arrived;
  for (const order of allocationOrder(settings, orders)) {
    const take = Math.min(left, order.quantity);
    left -= take;
    if (take > 0) allocations.push({ orderId: order.orderId, tierKey: order.tierKey, quantity: take, complete: take === order.quantity });
    if (take < order.quantity) unfilled.push({ ...order, quantity: order.quantity - take });
  }
  return { allocations, leftover: left, unfilled };
}
