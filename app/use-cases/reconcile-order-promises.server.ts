// The promises' part of the reconciliation run: no webhook reports a changed deadline, so
// every open promise not yet due has its fulfillment orders compared with Shopify by the
// next write (which reads them, batched, and writes only deadlines that differ); promises
// of orders the ledger holds as cancelled are cancelled and their lane places freed.
import type { Db } from "../db.server.ts";
import { openPromisesOfCancelledOrders, openWrittenPromises, requestDeadlineCheck } from "../adapters/db/order-promise-repository.server.ts";
import { cancelOrderPromise } from "./make-order-promise.server.ts";

export interface ReconcilePromisesResult {
  deadlinesToCheck: number;
  cancelled: number;
}

export async function reconcileOrderPromises(db: Db, shop: string, now: Date, requestWrite: () => Promise<void>): Promise<ReconcilePromisesResult> {
  let cancelled = 0;
  for (const orderGid of await openPromisesOfCancelledOrders(db, shop)) if (await cancelOrderPromise(db, shop, orderGid, now)) cancelled++;
  const open = await openWrittenPromises(db, shop, now);
  let deadlinesToCheck = 0;
  for (let i = 0; i < open.length; i += 500) deadlinesToCheck += await requestDeadlineCheck(db, shop, open.slice(i, i + 500));
  const pending = await db.orderPromise.count({ where: { shop, status: "open", writeStatus: { in: ["pending", "refit"] } } });
  if (pending > 0) await requestWrite();
  return { deadlinesToCheck, cancelled };
}
