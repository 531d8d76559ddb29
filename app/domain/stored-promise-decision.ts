/**
 * A promise once made stays as made: whether an order's stored promise is kept or computed anew.
 *
 * Exported API
 * - type StoredPromise, type PromiseDrift, type StoredPromiseDecision
 * - decideStoredPromise({ stored, currentTierKey, currentLaneKey, recomputeRequested }): StoredPromiseDecision
 *
 * Rules
 * - No stored promise: create one (a redelivered or reordered webhook finds it and keeps it).
 * - A stored promise is kept whatever changed since (the buyer's tier, the lane, the rules); the
 *   differences are returned as `drift` so a page can offer the merchant a recompute.
 * - It is recomputed only when the merchant asks, and never once the order has shipped (the
 *   score would be rewritten after the fact).
 * - A recompute should take the original order time (the buyer was promised from it) with the
 *   current rules and bookings; `now` only marks it overdue (promise-date-calculator.ts).
 */

export type StoredPromise = {
  tierKey: string;
  laneKey: string;
  shipBy: Date;
  shippedAt: Date | null;
};

export type PromiseDrift =
  | { kind: "tier_changed"; from: string; to: string }
  | { kind: "lane_changed"; from: string; to: string };

export type StoredPromiseDecision =
  | { action: "create" }
  | { action: "keep"; reason: "already_made" | "already_shipped"; drift: PromiseDrift[] }
  | { action: "recompute"; reason: "merchant_request"; drift: PromiseDrift[] };

export type StoredPromiseDecisionInput = {
  stored: StoredPromise | null;
  /** The buyer's tier now (guests: the base tier). */
  currentTierKey: string;
  /** The lane that tier maps to now; null when the tier has no lane any more. */
  currentLaneKey: string | null;
  recomputeRequested: boolean;
};

export function decideStoredPromise({ stored, currentTierKey, currentLaneKey, recomputeRequested }: StoredPromiseDecisionInput): StoredPromiseDecision {
  if (stored === null) return { action: "create" };
  const drift: PromiseDrift[] = [];
  if (stored.tierKey !== currentTierKey) drift.push({ kind: "tier_changed", from: stored.tierKey, to: currentTierKey });
  if (currentLaneKey !== null && stored.laneKey !== currentLaneKey) drift.push({ kind: "lane_changed", from: stored.laneKey, to: currentLaneKey });
  if (stored.shippedAt !== null) return { action: "keep", reason: "already_shipped", drift };
  if (recomputeRequested) return { action: "recompute", reason: "merchant_request", drift };
  return { action: "keep", reason: "already_made", drift };
}
