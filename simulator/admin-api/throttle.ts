// Shopify's calculated-query-cost leaky bucket, one per (app, shop). The clock is injected so
// tests can drain and refill it without sleeping.

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  private level: number;
  private at: number;

  constructor(public size: number, public restoreRate: number, private readonly clock: () => number = Date.now) {
    this.level = size;
    this.at = clock();
  }

  /** Points available now (refilled at restoreRate per second, capped at size). */
  available(): number {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.level = Math.min(this.size, this.level + elapsed * this.restoreRate);
    this.at = now;
    return this.level;
  }

  /** Takes `points` if that many are available; false (nothing taken) otherwise. */
  tryTake(points: number): boolean {
    if (this.available() < points) return false;
    this.level -= points;
    return true;
  }

  /** Gives back points (requested minus actual cost), never above size. */
  refund(points: number): void {
    this.available();
    this.level = Math.min(this.size, this.level + points);
  }

  /** Removes points regardless (fault injection: throttling pressure). */
  drain(points: number): void {
    this.available();
    this.level = Math.max(0, this.level - points);
  }

  reconfigure(size: number, restoreRate: number): void {
    this.available();
    this.size = size;
    this.restoreRate = restoreRate;
    this.level = Math.min(this.level, size);
  }

  status(): ThrottleStatus {
    return { maximumAvailable: this.size, currentlyAvailable: Math.floor(this.available()), restoreRate: this.restoreRate };
  }
}
