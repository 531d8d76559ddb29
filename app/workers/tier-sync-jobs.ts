// Tier sync jobs: one shop's saved tiers written to Shopify by one job at a time.
//
// A Redis lock per shop keeps a shop to one worker slot, so a flash sale on one
// shop cannot take the slots every other shop needs, and two jobs never write the
// same customer at once. A "scheduled" flag per shop makes requests cheap and
// never lost: it means a job is queued that has not yet looked at the rows. A
// request enqueues a job only when it sets the flag; a job clears it when it takes
// the lock, before its first look, so any later request schedules a job of its
// own, which waits (delayed, holding no slot) until the lock is free. Throttling
// ends a job early and a follow-up comes back when the bucket has refilled, so
// waiting for Shopify's budget never holds a slot either.
import { randomUUID } from "node:crypto";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { classifyShopifyError, shopUnreachableReason, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { syncShopTiers } from "../use-cases/sync-shop-tiers.server.ts";
import { requestScheduledShopJob, scheduledShopJobStarted } from "./scheduled-shop-job.ts";
import { ShopLockLost, shopWriteLock } from "./shop-write-lock.ts";

/** Longer than any slice; a worker that dies holding the lock blocks its shop at most this long (then the sweep restarts it). */
export const SYNC_LOCK_MS = 60_000;
/** Longer than any job waits in the queue; a flag left by a lost job expires and the next request schedules anew. */
const SCHEDULED_TTL_S = 60;
/** How soon a job that found its shop's lock taken looks again. */
const LOCK_RETRY_MS = 100;
/**
 * A first request waits this long before its job runs, so tier changes arriving
 * together share metafieldsSet calls (three customers a call) and one
 * metafieldsDelete: about 24 points a change instead of 31 when each goes alone.
 * A backlog is worked off without waiting.
 */
export const SYNC_GATHER_MS = 500;

/** The queue's own ioredis connection (BullMQ types it loosely). */
const redisOf = async (queues: JobQueues) => (await queues.tierSync.client) as unknown as Redis;

function keysOf(queues: JobQueues, shop: string) {
  return { lock: queues.tierSync.toKey(`lock:${shop}`), scheduled: queues.tierSync.toKey(`scheduled:${shop}`) };
}

async function enqueue(queues: JobQueues, shop: string, { refreshSpend = false, delayMs = 0, jobKey = randomUUID() as string } = {}): Promise<void> {
  await queues.tierSync.add(refreshSpend ? "refresh" : "sync", { shop, refreshSpend }, { jobId: jobIdFor("sync", `${shop}@${jobKey}`), delay: delayMs, removeOnComplete: true });
}

/**
 * Asks for the shop's tier sync. Cheap to call for every recomputation: while a
 * job is scheduled, later requests add nothing. `refreshSpend` (the periodic
 * refresh of spend values) always enqueues; `askRedis`: a recovery run's request (see scheduled-shop-job.ts).
 */
export async function requestTierSync(queues: JobQueues, shop: string, { refreshSpend = false, askRedis = false } = {}): Promise<void> {
  if (refreshSpend) return enqueue(queues, shop, { refreshSpend });
  await requestScheduledShopJob(shop, {
    queue: queues.tierSync,
    redis: await redisOf(queues),
    flagKey: keysOf(queues, shop).scheduled,
    flagTtlSeconds: SCHEDULED_TTL_S,
    gatherMs: SYNC_GATHER_MS,
    enqueue: (delayMs) => enqueue(queues, shop, { delayMs }),
    askRedis,
  });
}

export interface TierSyncDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
  /** Defaults to the shop's offline session through shopify-app-remix. */
  adminFor: (shop: string) => Promise<AdminRunner>;
  /** How long one job writes before handing its shop on (default 2 s). */
  sliceMs?: number;
}

export function createTierSyncProcessor(deps: TierSyncDeps) {
  return async function processTierSync(job: Job<JobPayload<"tierSync">>, token?: string) {
    const { shop, refreshSpend } = QUEUES.tierSync.payload.parse(job.data);
    const redis = await redisOf(deps.queues);
    const { lock, scheduled } = keysOf(deps.queues, shop);
    const held = shopWriteLock(redis, lock, randomUUID(), SYNC_LOCK_MS);
    if (!(await held.acquire())) {
      // Another job is writing this shop's tiers: wait for it, delayed, without holding a slot.
      if (token) {
        await job.moveToDelayed(Date.now() + (refreshSpend ? 1_000 : LOCK_RETRY_MS), token);
        throw new DelayedError();
      }
      return { skipped: "another job is syncing this shop" };
    }
    // From here on a request schedules a job of its own: this one may already have looked.
    scheduledShopJobStarted(deps.queues.tierSync, shop);
    await redis.del(scheduled);
    let result;
    const started = Date.now();
    try {
      result = await syncShopTiers({
        db: deps.db,
        shop,
        admin: () => deps.adminFor(shop),
        refreshSpend,
        sliceMs: deps.sliceMs,
        beforeRound: held.renew,
      });
    } catch (error) {
      if (error instanceof ShopLockLost) {
        // Another job took the shop over (this one's lock lapsed): it writes from here; ask for one more look after it.
        deps.log.warn("tier sync stopped: another job holds the shop's lock", { shop });
        await requestTierSync(deps.queues, shop);
        return { skipped: "lock lost" };
      }
      const classified = classifyShopifyError(error);
      const unreachable = shopUnreachableReason(classified);
      if (unreachable) {
        deps.log.info("tier sync skipped: shop not reachable", { shop, reason: unreachable });
        return { skipped: unreachable };
      }
      if (classified instanceof ShopifyTerminalError) throw new UnrecoverableError(classified.message);
      // Retryable or unexpected: BullMQ retries the job with backoff.
      throw error;
    } finally {
      await held.release();
    }
    if (result.more) {
      // Shopify's bucket for the shop ran dry: an operator watches how often (README, Production deployment).
      if (result.retryAfterMs) deps.log.info("admin api throttled", { shop, writer: "tier-sync", retryAfterMs: result.retryAfterMs });
      await enqueue(deps.queues, shop, { refreshSpend, delayMs: result.retryAfterMs ?? 0 });
    } else if (result.nextDueAt) {
      // One job per due time, however many syncs end before it.
      await enqueue(deps.queues, shop, { delayMs: Math.max(0, result.nextDueAt.getTime() - Date.now()), jobKey: `due-${result.nextDueAt.getTime()}` });
    }
    const { rounds, written, unchanged, deferred, failed, reads, tagsAdded, tagsRemoved, metafieldsSet, metafieldsDeleted, more, retryAfterMs } = result;
    deps.log.debug("tier sync", { shop, ms: Date.now() - started, rounds, written, unchanged, deferred, failed, reads, more, retryAfterMs });
    return { rounds, written, unchanged, deferred, failed, reads, tagsAdded, tagsRemoved, metafieldsSet, metafieldsDeleted, more, retryAfterMs };
  };
}
