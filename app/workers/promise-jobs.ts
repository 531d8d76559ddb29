// Delivery-promise jobs. `promises`: one job per order event (make, cancel, refit),
// any number side by side; bookings of one shop are serialised by a database lock
// (order-promise-repository.server.ts), not by the queue. `promise-writes`: the
// shop's pending promises written to Shopify by one job per shop at a time, as the
// tier sync does (a Redis lock per shop, a "scheduled" flag so requests are cheap
// and never lost, a short gather so orders arriving together share calls).
import { randomUUID } from "node:crypto";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { markRefit } from "../adapters/db/order-promise-repository.server.ts";
import type { PromiseContext } from "../adapters/db/order-promise-statements.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { requestPromiseWork, type PromiseWorkRequest } from "../adapters/queues/promise-jobs.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { classifyShopifyError, shopUnreachableReason, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { readOrderForLostPromise } from "../adapters/shopify/admin-operations/order-for-lost-promise.ts";
import { orderPromiseInputsOperation } from "../adapters/shopify/admin-operations/order-promise-inputs.ts";
import { cancelOrderPromise, makeOrderPromise, recomputeOrderPromise } from "../use-cases/make-order-promise.server.ts";
import { writeShopPromises } from "../use-cases/write-order-promises.server.ts";
import { settlePromiseTagOperation } from "../use-cases/settle-promise-tag-operation.server.ts";
import { requestScheduledShopJob, scheduledShopJobStarted } from "./scheduled-shop-job.ts";
import { ShopLockLost, shopWriteLock } from "./shop-write-lock.ts";

export const PROMISE_WRITE_LOCK_MS = 60_000;
const SCHEDULED_TTL_S = 60;
const LOCK_RETRY_MS = 100;
/** Promises made within this of the first share the write's calls (deadlines, 25 metafields a call). */
export const PROMISE_WRITE_GATHER_MS = 500;

const redisOf = async (queues: JobQueues) => (await queues.promiseWrites.client) as unknown as Redis;
const keysOf = (queues: JobQueues, shop: string) => ({ lock: queues.promiseWrites.toKey(`lock:${shop}`), scheduled: queues.promiseWrites.toKey(`scheduled:${shop}`) });

async function enqueueWrite(queues: JobQueues, shop: string, delayMs: number): Promise<void> {
  await queues.promiseWrites.add("write", { shop }, { jobId: jobIdFor("promise-write", `${shop}@${randomUUID()}`), delay: delayMs, removeOnComplete: true });
}

/**
 * Asks for the shop's promise write. Cheap to call for every promise: while a job is scheduled,
 * later requests add nothing. `askRedis`: a recovery run's request (see scheduled-shop-job.ts).
 */
export async function requestPromiseWrite(queues: JobQueues, shop: string, { askRedis = false } = {}): Promise<void> {
  await requestScheduledShopJob(shop, {
    queue: queues.promiseWrites,
    redis: await redisOf(queues),
    flagKey: keysOf(queues, shop).scheduled,
    flagTtlSeconds: SCHEDULED_TTL_S,
    gatherMs: PROMISE_WRITE_GATHER_MS,
    enqueue: (delayMs) => enqueueWrite(queues, shop, delayMs),
    askRedis,
  });
}

export interface PromiseJobDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
  adminFor: (shop: string) => Promise<AdminRunner>;
  now?: () => Date;
  sliceMs?: number;
}

/** Shopify errors as the tier jobs treat them: an unreachable shop ends the job quietly, a refusal is not retried. */
async function shopifyGuarded<T>(deps: PromiseJobDeps, shop: string, what: string, work: () => Promise<T>): Promise<T | { skipped: string }> {
  try {
    return await work();
  } catch (error) {
    const classified = classifyShopifyError(error);
    const unreachable = shopUnreachableReason(classified);
    if (unreachable) {
      deps.log.info(`${what} skipped: shop not reachable`, { shop, reason: unreachable });
      return { skipped: unreachable };
    }
    if (classified instanceof ShopifyTerminalError) throw new UnrecoverableError(classified.message);
    throw error;
  }
}


/**
 * A paid order's promise made inside the webhook job that stored the order, rather than in a job
 * of its own (issue 9: a BullMQ job costs the worker more CPU than the booking). Anything that
 * fails here (Shopify throttled or down, the database busy) is handed to a `make` job, which
 * retries with its backoff; making is idempotent, so that job finds the promise if it was made.
 * Cancellations and refits still go to their own jobs.
 */
export function createPromiseWorkInline(deps: PromiseJobDeps): (shop: string, work: PromiseWorkRequest, context?: PromiseContext) => Promise<void> {
  // `context`: the order's promise context, read with the webhook batch's (one statement for its paid orders).
  return async (shop, work, context) => {
    if (work.kind !== "make") return requestPromiseWork(deps.queues, shop, work);
    let result;
    try {
      // No wait for Shopify's budget here: it would hold the webhook job's lane, and the batch
      // behind it, while the shop's writes spend the budget (at 200 orders/s deliveries piled up).
      // When the bucket cannot pay for the read now (as last reported: no request is sent; or as
      // Shopify answers: THROTTLED), the make job reads and waits.
      const shopAdmin = await deps.adminFor(shop);
      const admin = shopAdmin.withoutWaiting?.() ?? shopAdmin;
      const variants = work.order.lines.filter((line) => line.variantGid && line.inventoryTracked !== false).length;
      if ((admin.availablePoints?.() ?? Infinity) < orderPromiseInputsOperation.cost({ ids: [work.order.orderGid], variantIds: Array(variants).fill("") })) {
        return requestPromiseWork(deps.queues, shop, work);
      }
      result = await makeOrderPromise({ db: deps.db, shop, request: work.order, admin: async () => admin, now: deps.now?.() ?? new Date(), ...(context ? { context } : {}) });
    } catch (error) {
      deps.log.info("promise handed to its own job", { shop, error: error instanceof Error ? error.message : String(error) });
      return requestPromiseWork(deps.queues, shop, work);
    }
    if (result.status === "made") {
      await requestPromiseWrite(deps.queues, shop);
    }
  };
}

export function createPromiseProcessor(deps: PromiseJobDeps) {
  return async function processPromise(job: Job<JobPayload<"promises">>) {
    const data = QUEUES.promises.payload.parse(job.data);
    const now = deps.now?.() ?? new Date();
    const { shop } = data;
    switch (data.kind) {
      case "make": {
        const result = await shopifyGuarded(deps, shop, "promise", () => makeOrderPromise({ db: deps.db, shop, request: data.order, admin: () => deps.adminFor(shop), now }));
        if ("status" in result && result.status === "made") {
          await requestPromiseWrite(deps.queues, shop);
        }
        return "status" in result && result.status === "made" ? { status: "made", shipBy: result.promise.shipBy.toISOString(), tierKey: result.promise.tierKey } : result;
      }
      case "recompute": {
        const result = await shopifyGuarded(deps, shop, "promise recompute", () => recomputeOrderPromise({ db: deps.db, shop, orderGid: data.orderGid, admin: () => deps.adminFor(shop), now }));
        if ("status" in result && (result.status === "made" || result.status === "recomputed")) {
          await requestPromiseWrite(deps.queues, shop);
        }
        return "status" in result && "promise" in result ? { status: result.status, shipBy: result.promise.shipBy.toISOString() } : result;
      }
      case "recover": {
        // The reconciliation found this paid order without a promise: read it as Shopify has it now.
        const result = await shopifyGuarded(deps, shop, "lost promise", async () => {
          const lost = await readOrderForLostPromise(await deps.adminFor(shop), data.orderGid);
          if (lost.status !== "promise") return { status: "skipped" as const, reason: lost.status };
          return makeOrderPromise({ db: deps.db, shop, request: lost.request, admin: () => deps.adminFor(shop), now });
        });
        if ("status" in result && result.status === "made") {
          await requestPromiseWrite(deps.queues, shop);
          return { status: "made", shipBy: result.promise.shipBy.toISOString(), tierKey: result.promise.tierKey };
        }
        return result;
      }
      case "cancel":
        return { cancelled: await cancelOrderPromise(deps.db, shop, data.orderGid, now) };
      case "tags": {
        // bulk_operations/finish of a bulk mutation that added promises' tags.
        const result = await shopifyGuarded(deps, shop, "promise tags", () => settlePromiseTagOperation({ db: deps.db, shop, operationGid: data.operationGid, admin: () => deps.adminFor(shop) }));
        if ("retry" in result && result.retry > 0) await requestPromiseWrite(deps.queues, shop);
        return result;
      }
      case "refit": {
        const orderGids = await markRefit(deps.db, shop, data.fulfillmentOrderGids);
        if (orderGids.length) await requestPromiseWrite(deps.queues, shop);
        return { orders: orderGids.length };
      }
    }
  };
}

export function createPromiseWriteProcessor(deps: PromiseJobDeps) {
  return async function processPromiseWrite(job: Job<JobPayload<"promiseWrites">>, token?: string) {
    const { shop } = QUEUES.promiseWrites.payload.parse(job.data);
    const redis = await redisOf(deps.queues);
    const { lock, scheduled } = keysOf(deps.queues, shop);
    const held = shopWriteLock(redis, lock, randomUUID(), PROMISE_WRITE_LOCK_MS);
    if (!(await held.acquire())) {
      if (token) {
        await job.moveToDelayed(Date.now() + LOCK_RETRY_MS, token);
        throw new DelayedError();
      }
      return { skipped: "another job is writing this shop's promises" };
    }
    // From here on a request schedules a job of its own: this one may already have looked.
    scheduledShopJobStarted(deps.queues.promiseWrites, shop);
    await redis.del(scheduled);
    let result;
    try {
      result = await shopifyGuarded(deps, shop, "promise write", () =>
        writeShopPromises({
          db: deps.db, shop, admin: () => deps.adminFor(shop), sliceMs: deps.sliceMs, now: deps.now,
          beforeRound: held.renew,
        }),
      );
    } catch (error) {
      if (!(error instanceof ShopLockLost)) throw error;
      // Another job took the shop over (this one's lock lapsed): it writes from here; ask for one more look after it.
      deps.log.warn("promise write stopped: another job holds the shop's lock", { shop });
      await requestPromiseWrite(deps.queues, shop);
      return { skipped: "lock lost" };
    } finally {
      await held.release();
    }
    if ("more" in result && result.more) {
      // Shopify's bucket for the shop ran dry: an operator watches how often (README, Production deployment).
      if (result.tagsHeld) deps.log.info("promise writes held: a bulk mutation that may carry their tags could still run", { shop, tags: result.tagsHeld, retryAfterMs: result.retryAfterMs });
      else if (result.retryAfterMs) deps.log.info("admin api throttled", { shop, writer: "promise-writes", retryAfterMs: result.retryAfterMs });
      await enqueueWrite(deps.queues, shop, result.retryAfterMs ?? 0);
    }
    return result;
  };
}
