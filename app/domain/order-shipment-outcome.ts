/**
 * Closing the loop on one order: which fulfillment lines count as shipped, and when the order as a
 * whole is shipped, kept or late. Pure; the use-case (score-promise-shipments.server.ts) feeds it
 * the stored lines.
 *
 * Exported API
 * - type FulfillmentState, type LineNeed, type CountedLine, type OrderShipmentOutcome
 * - fulfillmentState(status): "shipped" | "not_shipped" | "undone"
 *       success ships; pending and open have not shipped yet; cancelled, failure and error undo
 *       whatever the fulfillment's lines had scored (unknown statuses count as not shipped)
 * - orderShipmentOutcome({ needs, shipped }): OrderShipmentOutcome
 *
 * Rule for partial shipments: every fulfillment line is scored on its own (its fulfillment's
 * created_at against the order's ship-by). The order is fully shipped once the shipped quantities
 * of each line cover what the order needs shipped; it then shipped when its last counted line did,
 * and it is late if ANY counted line shipped late (the buyer waited past the promise for part of
 * the order), kept otherwise. Unknown needs (no order payload seen yet) never count as fully shipped.
 */
import type { ShipmentScore } from "./promise-score.ts";

export type FulfillmentState = "shipped" | "not_shipped" | "undone";

export type LineNeed = { lineItemGid: string; quantity: number };

export type CountedLine = { lineItemGid: string; quantity: number; shippedAt: Date; outcome: ShipmentScore["outcome"] };

export type OrderShipmentOutcome = { fullyShipped: false } | { fullyShipped: true; shippedAt: Date; outcome: ShipmentScore["outcome"] };

export function fulfillmentState(status: string): FulfillmentState {
  switch (status.toLowerCase()) {
    case "success":
      return "shipped";
    case "cancelled":
    case "failure":
    case "error":
      return "undone";
    default:
      return "not_shipped";
  }
}

export function orderShipmentOutcome({ needs, shipped }: { needs: readonly LineNeed[] | null; shipped: readonly CountedLine[] }): OrderShipmentOutcome {
  const wanted = (needs ?? []).filter((need) => need.quantity > 0);
  if (wanted.length === 0 || shipped.length === 0) return { fullyShipped: false };
  const covered = new Map<string, number>();
  for (const line of shipped) covered.set(line.lineItemGid, (covered.get(line.lineItemGid) ?? 0) + line.quantity);
  if (wanted.some((need) => (covered.get(need.lineItemGid) ?? 0) < need.quantity)) return { fullyShipped: false };
  const shippedAt = new Date(Math.max(...shipped.map((line) => line.shippedAt.getTime())));
  return { fullyShipped: true, shippedAt, outcome: shipped.some((line) => line.outcome === "late") ? "late" : "kept" };
}
