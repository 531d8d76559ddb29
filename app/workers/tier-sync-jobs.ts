// Tier sync jobs: one shop's saved tiers written to Shopify by one job at a time.
//
// A Redis lock per shop keeps a shop to one worker slot, so a flash sale on one
// shop cannot take the slots every other shop needs, and two jobs never write the
// same customer at once. A "requested" flag per shop makes requests cheap and
// never lost: a request sets it and enqueues a job only when it was not already
// set; the job holding the lock clears it before each look at the rows, and looks
// again (a follow-up job) when it was set meanwhile. Throttling ends a job early
// and a follow-up comes back when the bucket has refilled, so waiting for
// Shopify's budget never holds a slot either.
import { randomUUID } from "node:crypto";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { classifyShopifyError, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { syncShopTiers } from "../use-cases/sync-shop-tiers.server.ts";

/** Longer than any slice; a worker that dies holding the lock blocks its shop at most this long (then the sweep restarts it). */
export const SYNC_LOCK_MS = 60_000;
const REQUESTED_TTL_S = 60;
/** Terminal failures that mean the app is no longer installed: nothing to retry, nothing to report. */
const GONE = new Set(["session_missing", "unauthorized", "not_found", "payment_required", "locked"]);

const RELEASE_LOCK = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND_LOCK = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

/** The queue's own ioredis connection (BullMQ types it loosely). */
const redisOf = async (queues: JobQueues) => (await queues.tierSync.client) as unknown as Redis;

function keysOf(queues: JobQueues, shop: string) {
  return { lock: queues.tierSync.toKey(`lock:${shop}`), requested: queues.tierSync.toKey(`requested:${shop}`) };
}

async function enqueue(queues: JobQueues, shop: string, { refreshSpend = false, delayMs = 0, jobKey = randomUUID() as string } = {}): Promise<void> {
  await queues.tierSync.add(refreshSpend ? "refresh" : "sync", { shop, refreshSpend }, { jobId: jobIdFor("sync", `${shop}@${jobKey}`), delay: delayMs, removeOnComplete: true });
}

/**
 * Asks for the shop's tier sync. Cheap to call for every recomputation: while a
 * request is outstanding, later ones add nothing. `refreshSpend` (the periodic
 * refresh of spend values) always enqueues.
 */
export async function requestTierSync(queues: JobQueues, shop: string, { refreshSpend = false } = {}): Promise<void> {
  if (!refreshSpend) {
    const redis = await redisOf(queues);
    const first = await redis.set(keysOf(queues, shop).requested, "1", "EX", REQUESTED_TTL_S, "NX");
    if (first === null) return;
  }
  await enqueue(queues, shop, { refreshSpend });
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
    const { lock, requested } = keysOf(deps.queues, shop);
    const owner = randomUUID();
    if ((await redis.set(lock, owner, "PX", SYNC_LOCK_MS, "NX")) === null) {
      // The holder looks at the rows again before it lets go, so a plain request is covered;
      // a refresh waits its turn without holding a slot.
      if (refreshSpend && token) {
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      return { skipped: "another job is syncing this shop" };
    }
    let result;
    const started = Date.now();
    try {
      result = await syncShopTiers({
        db: deps.db,
        shop,
        admin: () => deps.adminFor(shop),
        refreshSpend,
        sliceMs: deps.sliceMs,
        beforeRound: async () => {
          await redis.eval(EXTEND_LOCK, 1, lock, owner, String(SYNC_LOCK_MS));
          await redis.del(requested);
        },
      });
    } catch (error) {
      const classified = classifyShopifyError(error);
      if (classified instanceof ShopifyTerminalError) {
        if (GONE.has(classified.reason)) {
          deps.log.info("tier sync skipped: shop not reachable", { shop, reason: classified.reason });
          return { skipped: classified.reason };
        }
        throw new UnrecoverableError(classified.message);
      }
      // Retryable or unexpected: BullMQ retries the job with backoff.
      throw error;
    } finally {
      await redis.eval(RELEASE_LOCK, 1, lock, owner);
    }
    const requestedMeanwhile = (await redis.del(requested)) > 0;
    if (result.more || requestedMeanwhile) {
      await enqueue(deps.queues, shop, { refreshSpend: refreshSpend && result.more, delayMs: result.retryAfterMs ?? 0 });
    } else if (result.nextDueAt) {
      // One job per due time, however many syncs end before it.
      await enqueue(deps.queues, shop, { delayMs: Math.max(0, result.nextDueAt.getTime() - Date.now()), jobKey: `due-${result.nextDueAt.getTime()}` });
    }
    const { rounds, written, unchanged, deferred, failed, reads, tagsAdded, tagsRemoved, metafieldsSet, metafieldsDeleted, more, retryAfterMs } = result;
    deps.log.debug("tier sync", { shop, ms: Date.now() - started, rounds, written, unchanged, deferred, failed, reads, more, retryAfterMs });
    return { rounds, written, unchanged, deferred, failed, reads, tagsAdded, tagsRemoved, metafieldsSet, metafieldsDeleted, more, retryAfterMs };
  };
}
