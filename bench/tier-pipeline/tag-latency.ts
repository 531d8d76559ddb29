// Order → tag latency: the time from placing an order (store.createOrder) to the
// simulated store recording the app's tagsAdd that carries the customer's new
// tier tag. Listens to the store's "mutation" events, which the simulator emits
// as it records each mutation of an Admin API request it has executed. One tracker
// may cover several shops: customer gids can repeat across the simulator's shops, so
// its entries are keyed by shop, customer and tag.
import type { SimStore } from "../../simulator/store/store.ts";
import type { MutationRecord } from "../../simulator/store/types.ts";
import { summarize, type LatencySummary } from "./pacing.ts";

interface Expected {
  placedAt: number;
}

export class TagLatencyTracker {
  private readonly expected = new Map<string, Expected>();
  private readonly latencies: number[] = [];
  private readonly listener = (m: MutationRecord) => this.onMutation(m);
  private expectedCount = 0;
  private readonly shops: ReadonlySet<string>;

  /** `shops`: the shop, or the shops, whose tags this tracker waits for. */
  constructor(private readonly store: SimStore, shops: string | readonly string[]) {
    this.shops = new Set(typeof shops === "string" ? [shops] : shops);
    if (this.shops.size === 0) throw new Error("TagLatencyTracker needs at least one shop");
    store.on("mutation", this.listener);
  }

  private key(shop: string, customerGid: string, tag: string): string {
    return `${shop}|${customerGid}|${tag.trim().toLowerCase()}`;
  }

  /**
   * Call right before placing the order that should move `customerGid` of `shop` to the tier
   * whose tag is `tag`. `shop` may be left out when the tracker covers a single shop.
   */
  expect(customerGid: string, tag: string, shop?: string): void {
    const of = shop ?? (this.shops.size === 1 ? [...this.shops][0] : undefined);
    if (of === undefined || !this.shops.has(of)) throw new Error(`TagLatencyTracker.expect: ${shop ?? "no shop given"} is not one of ${[...this.shops].join(", ")}`);
    this.expected.set(this.key(of, customerGid, tag), { placedAt: performance.now() });
    this.expectedCount++;
  }

  private onMutation(m: MutationRecord): void {
    if (!this.shops.has(m.shop) || m.kind !== "tagsAdd" || !m.ok || m.detail.kind !== "tagsAdd") return;
    const now = performance.now();
    for (const tag of m.detail.tags) {
      const key = this.key(m.shop, m.detail.ownerGid, tag);
      const entry = this.expected.get(key);
      if (!entry) continue;
      this.expected.delete(key);
      this.latencies.push(now - entry.placedAt);
    }
  }

  get outstanding(): number {
    return this.expected.size;
  }

  get recorded(): number {
    return this.latencies.length;
  }

  get total(): number {
    return this.expectedCount;
  }

  /** Waits (bounded) until every expected tag has been recorded. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.expected.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return this.expected.size === 0;
  }

  /**
   * Latencies in ms. A tag still outstanding counts with the time waited so far, a
   * lower bound: `atLeast` is true when p95 (or max) is such a lower bound.
   */
  summary(): LatencySummary & { missing: number; atLeast: boolean } {
    const now = performance.now();
    const waited = [...this.expected.values()].map((e) => now - e.placedAt);
    const all = summarize([...this.latencies, ...waited]);
    const shortestWait = waited.length ? Math.min(...waited) : Number.POSITIVE_INFINITY;
    return { ...all, count: this.latencies.length, missing: waited.length, atLeast: all.p95 >= shortestWait };
  }

  close(): void {
    this.store.off("mutation", this.listener);
  }
}
