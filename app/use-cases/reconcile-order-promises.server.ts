// The promises' part of the reconciliation run: no webhook reports a changed deadline, so
// every open promise not yet due has its fulfillment orders compared with Shopify by the
// next write (which reads them, batched, and writes only deadlines that differ); promises
// of orders the ledger holds as cancelled are cancelled and their lane places freed; writes
// Shopify refused get another go (a few times); bulk mutations of promise tags whose finish
// webhook never came are settled; and paid orders of the ledger that have no
// promise (their job was lost: Redis flushed, or it failed for good) get one requested.
import type { Db } from "../db.server.ts";
import { openPromisesOfCancelledOrders, openWrittenPromises, paidOrdersWithoutPromise, requestDeadlineCheck, retryFailedWrites } from "../adapters/db/order-promise-repository.server.ts";
import { cancelOrderPromise } from "./make-order-promise.server.ts";
import { promiseTagOperations, type SettleTagOperationResult } from "./settle-promise-tag-operation.server.ts";

/**
 * How far back a paid order without a promise still gets one: a week covers the longest default
 * handling time (Bronze, 7–10 days); older orders are past anything worth promising. Never
 * before the app was installed (the imported history is not promised).
 */
export const LOST_PROMISE_WINDOW_MS = 7 * 24 * 3_600_000;
/** Lost promises requested per run and shop (the rest come in the next run). */
export const LOST_PROMISES_PER_RUN = 500;
/** A write Shopify refused is tried again by this many runs, then left failed for the merchant to see. */
export const FAILED_WRITE_ATTEMPTS = 10;
/** A tag bulk mutation awaited this long without its bulk_operations/finish is looked at by the reconciliation. */
export const TAG_OPERATION_GRACE_MS = 10 * 60_000;

export interface ReconcilePromisesResult {
  deadlinesToCheck: number;
  cancelled: number;
  failedWritesRetried: number;
  /** Tag bulk mutations settled here (their finish webhook was lost). */
  tagOperationsSettled: number;
  /** Paid orders found without a promise whose promise was requested. */
  lostPromisesRequested: number;
}

/**
 * `recoverLost(orderGids)` asks for the promise of each order whose promise job is not still
 * waiting or running, and answers how many it asked for.
 */
export async function reconcileOrderPromises(
  db: Db,
  shop: string,
  now: Date,
  requestWrite: () => Promise<void>,
  recoverLost?: (orderGids: string[]) => Promise<number>,
  settleTags?: (operationGid: string) => Promise<SettleTagOperationResult>,
): Promise<ReconcilePromisesResult> {
  let cancelled = 0;
  for (const orderGid of await openPromisesOfCancelledOrders(db, shop)) if (await cancelOrderPromise(db, shop, orderGid, now)) cancelled++;
  const open = await openWrittenPromises(db, shop, now);
  let deadlinesToCheck = 0;
  for (let i = 0; i < open.length; i += 500) deadlinesToCheck += await requestDeadlineCheck(db, shop, open.slice(i, i + 500));
  const failedWritesRetried = await retryFailedWrites(db, shop, FAILED_WRITE_ATTEMPTS);
  let tagOperationsSettled = 0;
  if (settleTags) {
    for (const operationGid of await promiseTagOperations(db, shop, { startedBefore: new Date(now.getTime() - TAG_OPERATION_GRACE_MS) })) {
      if ((await settleTags(operationGid)).status === "settled") tagOperationsSettled++;
    }
  }
  const pending = await db.orderPromise.count({ where: { shop, status: { in: ["open", "shipped"] }, writeStatus: { in: ["pending", "refit"] } } });
  if (pending > 0) await requestWrite();

  let lostPromisesRequested = 0;
  if (recoverLost) {
    const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { installedAt: true } });
    const since = new Date(Math.max(now.getTime() - LOST_PROMISE_WINDOW_MS, shopRow?.installedAt.getTime() ?? now.getTime()));
    const lost = await paidOrdersWithoutPromise(db, shop, since, LOST_PROMISES_PER_RUN);
    if (lost.length) lostPromisesRequested = await recoverLost(lost);
  }
  return { deadlinesToCheck, cancelled, failedWritesRetried, tagOperationsSettled, lostPromisesRequested };
}
