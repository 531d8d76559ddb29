// Pacing by the Admin API's cost budget: a leaky bucket per (app, shop) whose
// state Shopify reports on every answer (extensions.cost.throttleStatus). This
// process keeps the last report per shop, lets it refill at restoreRate, and
// makes a request wait while the bucket holds less than the request's cost, so
// one busy shop slows itself down instead of collecting THROTTLED answers.
// In memory per process: several workers share a shop's bucket only through
// Shopify's reports, and a THROTTLED answer still backs off (admin-operation-runner).
import type { ThrottleStatus } from "./admin-graphql-client.ts";

interface ShopBucket {
  maximumAvailable: number;
  available: number;
  restoreRate: number;
  at: number;
}

export class AdminCostBudget {
  private readonly shops = new Map<string, ShopBucket>();

  constructor(private readonly clock: () => number = Date.now) {}

  private current(shop: string): ShopBucket | undefined {
    const bucket = this.shops.get(shop);
    if (!bucket) return undefined;
    const now = this.clock();
    const refilled = bucket.available + (Math.max(0, now - bucket.at) / 1000) * bucket.restoreRate;
    bucket.available = Math.min(bucket.maximumAvailable, refilled);
    bucket.at = now;
    return bucket;
  }

  /** Milliseconds to wait before a request of `cost` points; 0 when it fits (unknown shops always fit). */
  delayFor(shop: string, cost: number): number {
    const bucket = this.current(shop);
    if (!bucket || bucket.restoreRate <= 0) return 0;
    const needed = Math.min(cost, bucket.maximumAvailable);
    if (bucket.available >= needed) return 0;
    return Math.ceil(((needed - bucket.available) / bucket.restoreRate) * 1000);
  }

  /** Points the shop's bucket holds now, as last reported and refilled since; null before any report. */
  available(shop: string): number | null {
    return this.current(shop)?.available ?? null;
  }

  /** Counts a request about to be sent, so concurrent requests of this process see each other. */
  reserve(shop: string, cost: number): void {
    const bucket = this.current(shop);
    if (bucket) bucket.available = Math.max(0, bucket.available - cost);
  }

  /** Shopify's own account of the bucket, from an answer's extensions.cost.throttleStatus. */
  record(shop: string, status: ThrottleStatus): void {
    this.shops.set(shop, {
      maximumAvailable: status.maximumAvailable,
      available: status.currentlyAvailable,
      restoreRate: status.restoreRate,
      at: this.clock(),
    });
  }

  /** How long until `cost` points are available, from a THROTTLED answer's status. */
  static waitAfterThrottle(status: ThrottleStatus | undefined, requestedCost: number): number | null {
    if (!status || status.restoreRate <= 0) return null;
    const missing = Math.max(0, Math.min(requestedCost, status.maximumAvailable) - status.currentlyAvailable);
    return Math.max(50, Math.ceil((missing / status.restoreRate) * 1000));
  }

  forget(shop: string): void {
    this.shops.delete(shop);
  }
}

/** The process-wide budget the workers share. */
export const adminCostBudget = new AdminCostBudget();
