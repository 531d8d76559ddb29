// Open-loop pacing: call `place(i)` for i = 0…count-1 at `perSecond`, each at its
// scheduled moment (start + i / rate), catching up when the event loop was late,
// so a slow system gets the orders at the intended rate rather than fewer of them.
export interface PacedRun {
  placed: number;
  seconds: number;
  /** Largest delay between an order's scheduled moment and its placing, ms. */
  maxLagMs: number;
}

export async function runAtRate(perSecond: number, count: number, place: (i: number) => void, options: { stop?: () => boolean } = {}): Promise<PacedRun> {
  const started = performance.now();
  const interval = 1000 / perSecond;
  let next = 0;
  let maxLagMs = 0;
  while (next < count && !options.stop?.()) {
    const now = performance.now();
    while (next < count && started + next * interval <= now) {
      maxLagMs = Math.max(maxLagMs, now - (started + next * interval));
      place(next++);
    }
    if (next >= count) break;
    const wait = Math.max(1, started + next * interval - performance.now());
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { placed: next, seconds: (performance.now() - started) / 1000, maxLagMs };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.length ? sorted[sorted.length - 1] : Number.NaN };
}
