// A shop's "job scheduled" flag, shared by the tier sync and the promise write: a request
// enqueues a job only when it sets the flag (SET NX); the job clears it when it takes the
// shop's lock, before its first look at the rows, so a later request schedules a job of its own.
//
// The job is queued with a gather delay, and BullMQ starts a delayed job only once a worker's
// clock passes its add time plus the delay. So for most of that delay, the process that queued
// it knows without asking Redis that the job has not looked yet: a request then is answered in
// memory (up to two Redis round trips an order fewer, issue 9). The rest of the delay, 30 % (150 ms
// of the 500 ms gathers), covers clocks between machines that differ by less than that (NTP keeps
// them within milliseconds); a clock stepped further than that would leave a change to the next
// sweep or reconciliation, not lose it. Those recovery runs (the sweep, the reconciliation) always
// ask Redis: they are what repairs a flag or a job Redis lost, and memory cannot know of the loss.
import type { Redis } from "ioredis";

/** The share of the gather delay answered in memory. */
const KNOWN_SHARE = 0.7;

/** What this process knows, per queue: a shop → until when (performance.now) its queued job cannot have started. */
const notStartedUntil = new WeakMap<object, Map<string, number>>();

export interface ScheduledShopJob {
  /** The queue the job goes to (the key of this process's knowledge). */
  queue: object;
  redis: Redis;
  /** The flag's key. */
  flagKey: string;
  flagTtlSeconds: number;
  /** How long a first request's job waits before it runs, so requests arriving together share it. */
  gatherMs: number;
  /** Queues the job with that delay. */
  enqueue: (delayMs: number) => Promise<void>;
  /** Monotonic milliseconds (tests turn it by hand). */
  clock?: () => number;
  /** A recovery run's request: asks Redis even when memory says the job is queued (Redis may have lost it). */
  askRedis?: boolean;
}

/** Asks for the shop's job: cheap to call for every change; while one is scheduled, later requests add nothing. */
export async function requestScheduledShopJob(shop: string, job: ScheduledShopJob): Promise<void> {
  const clock = job.clock ?? (() => performance.now());
  const known = notStartedUntil.get(job.queue);
  const until = known?.get(shop);
  if (until !== undefined) {
    if (clock() < until && !job.askRedis) return;
    known!.delete(shop);
  }
  if ((await job.redis.set(job.flagKey, "1", "EX", job.flagTtlSeconds, "NX")) === null) return;
  // Before the add: the job's own clock starts later than this.
  const queuedFrom = clock();
  try {
    await job.enqueue(job.gatherMs);
  } catch (error) {
    // No job was queued: the next request must schedule one.
    await job.redis.del(job.flagKey).catch(() => {});
    throw error;
  }
  let shops = known;
  if (!shops) notStartedUntil.set(job.queue, (shops = new Map()));
  shops.set(shop, queuedFrom + job.gatherMs * KNOWN_SHARE);
}

/** The shop's job took the flag (it looks at the rows from now on): this process asks Redis again. */
export function scheduledShopJobStarted(queue: object, shop: string): void {
  notStartedUntil.get(queue)?.delete(shop);
}
