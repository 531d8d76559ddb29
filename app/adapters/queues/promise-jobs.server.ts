// Enqueueing delivery-promise work: producers (the order and fulfillment-order webhooks,
// the reconciliation, merchant pages) ask here; the processors are in app/workers/promise-jobs.ts.
import { erasureDigest } from "../db/erasure-repository.server.ts";
import type { JobQueues } from "./job-queues.server.ts";
import { jobIdFor, type OrderPromiseRequest } from "./queue-registry.ts";

/**
 * One job id per order, opaque: ids appear in logs and stay in Redis with failed jobs, and an
 * erased order must leave no trace there (the keyed digest is the erasure tombstone's).
 */
export const orderJobId = async (kind: "promise" | "promise-cancel" | "promise-recompute" | "promise-recover", shop: string, orderGid: string) => jobIdFor(kind, await erasureDigest("order", shop, orderGid));

/** The promise of a paid order. One job id per order: a redelivery while it waits adds nothing, and a later one finds the promise made. */
export async function requestOrderPromise(queues: JobQueues, shop: string, order: OrderPromiseRequest): Promise<void> {
  await queues.promises.add("make", { kind: "make", shop, order }, { jobId: await orderJobId("promise", shop, order.orderGid) });
}

/** A cancelled order's promise is cancelled and its lane place freed. */
export async function requestPromiseCancel(queues: JobQueues, shop: string, orderGid: string): Promise<void> {
  await queues.promises.add("cancel", { kind: "cancel", shop, orderGid }, { jobId: await orderJobId("promise-cancel", shop, orderGid) });
}

/** Fulfillment orders were split, merged or moved: the deadline goes onto the new ones. */
export async function requestPromiseRefit(queues: JobQueues, shop: string, fulfillmentOrderGids: string[]): Promise<void> {
  if (fulfillmentOrderGids.length === 0) return;
  await queues.promises.add("refit", { kind: "refit", shop, fulfillmentOrderGids });
}

/** The merchant asks for an order's promise to be made again (current rules and bookings, the order's own time). */
export async function requestPromiseRecompute(queues: JobQueues, shop: string, orderGid: string): Promise<void> {
  await queues.promises.add("recompute", { kind: "recompute", shop, orderGid }, { jobId: await orderJobId("promise-recompute", shop, orderGid) });
}

/**
 * A paid order the reconciliation found without a promise: made from the order as Shopify has it.
 * One job per order and reconciliation run (`slot`): a recovery that failed for good does not
 * block the next run's.
 */
export async function requestLostPromise(queues: JobQueues, shop: string, orderGid: string, slot: number): Promise<void> {
  await queues.promises.add("recover", { kind: "recover", shop, orderGid }, { jobId: `${await orderJobId("promise-recover", shop, orderGid)}@${slot}` });
}

/** Whether the order's "make" job is still waiting or running (then it is not lost). */
export async function promiseJobInFlight(queues: JobQueues, shop: string, orderGid: string): Promise<boolean> {
  // The id requestOrderPromise gave it (a plain `shop|order` id would never be found).
  const job = await queues.promises.getJob(await orderJobId("promise", shop, orderGid));
  if (!job) return false;
  const state = await job.getState();
  return state !== "failed" && state !== "completed" && state !== "unknown";
}

export type PromiseWorkRequest =
  | { kind: "make"; order: OrderPromiseRequest }
  | { kind: "cancel"; orderGid: string }
  | { kind: "refit"; fulfillmentOrderGids: string[] }
  | { kind: "tags"; operationGid: string };

/** A bulk mutation adding promises' tags finished: settle its promises (one job per operation). */
export async function requestPromiseTagSettle(queues: JobQueues, shop: string, operationGid: string): Promise<void> {
  await queues.promises.add("tags", { kind: "tags", shop, operationGid }, { jobId: jobIdFor("promise-tags", `${shop}|${operationGid}`) });
}

export async function requestPromiseWork(queues: JobQueues, shop: string, work: PromiseWorkRequest): Promise<void> {
  if (work.kind === "make") return requestOrderPromise(queues, shop, work.order);
  if (work.kind === "cancel") return requestPromiseCancel(queues, shop, work.orderGid);
  if (work.kind === "tags") return requestPromiseTagSettle(queues, shop, work.operationGid);
  return requestPromiseRefit(queues, shop, work.fulfillmentOrderGids);
}
