// Order → tag latency: the time from placing an order (store.createOrder) to the
// simulated store recording the app's tagsAdd that carries the customer's new
// tier tag. Listens to the store's "mutation" events, which the simulator emits
// as it records each mutation of an Admin API request it has executed.
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

  constructor(private readonly store: SimStore, private readonly shop: string) {
    store.on("mutation", this.listener);
  }

  private key(customerGid: string, tag: string): string {
    return `${customerGid}|${tag.trim().toLowerCase()}`;
  }

  /** Call right before placing the order that should move `customerGid` to the tier whose tag is `tag`. */
  expect(customerGid: string, tag: string): void {
    this.expected.set(this.key(customerGid, tag), { placedAt: performance.now() });
    this.expectedCount++;
  }

  private onMutation(m: MutationRecord): void {
    if (m.shop !== this.shop || m.kind !== "tagsAdd" || !m.ok || m.detail.kind !== "tagsAdd") return;
    const now = performance.now();
    for (const tag of m.detail.tags) {
      const key = this.key(m.detail.ownerGid, tag);
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
