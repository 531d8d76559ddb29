// Write a shop's pending delivery promises to Shopify, many orders per round:
// 1. the ship-by deadline of their open fulfillment orders, one call per distinct deadline
//    (≤ 250 fulfillment orders a call; promises are floored to the minute so orders share calls),
// 2. the app-owned order metafield `$app.delivery_promise`, 25 orders a metafieldsSet,
// 3. the tier's order tag (tagsAdd: a set operation, so a tag staff add meanwhile is never lost):
//    many at once (a flash sale) through one bulk mutation, whose lines do not spend the shop's
//    rate-limit bucket; a few, or when the bulk path is busy, one call each. The bulk mutation is
//    started, not waited for: its promises are saved `tagging`, and bulk_operations/finish settles
//    them (settle-promise-tag-operation.server.ts; the reconciliation if that webhook is lost).
// A promise whose fulfillment orders were split, merged or moved ("refit"), or checked by the
// reconciliation, reads the order's fulfillment orders and writes only deadlines that differ;
// one whose writes landed only in part (a later call throttled or failed), or whose call got no
// answer (a 5xx, a timeout: Shopify may have applied it), reads what it carries next round and
// writes only what is missing, so no write is made twice. The orders of a bulk mutation whose
// start got no answer are marked: Shopify may still start it, so they wait a grace period, then
// while a bulk mutation of the app runs, and only then are they read and written.
// What was written is saved on the row version read, so a redelivery writes nothing new and a
// refit asked for during a write is not lost.
import { runLimited } from "./run-limited.ts";
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { saveVersionedRows, type VersionedRowSave } from "../adapters/db/customer-sync-statements.server.ts";
import { loadDuePromises, ordersWithShipmentLines } from "../adapters/db/order-promise-statements.server.ts";
import { scoreOrderShipments } from "./score-promise-shipments.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { MAX_DEADLINE_FULFILLMENT_ORDERS, setFulfillmentDeadline } from "../adapters/shopify/admin-operations/fulfillment-deadline.ts";
import { MAX_METAFIELDS_PER_SET, metafieldsSetOperation } from "../adapters/shopify/admin-operations/metafields-set.ts";
import { readOrderFulfillmentOrders } from "../adapters/shopify/admin-operations/order-fulfillment-orders.ts";
import { BulkStartUnanswered, runningBulkMutation, startBulkMutation, type StorageFetch } from "../adapters/shopify/admin-operations/bulk-mutation.ts";
import { TAGS_ADD_MUTATION } from "../adapters/shopify/admin-operations/tags-add.ts";
import { changeTagsOnMany, MAX_TAG_CHANGES_PER_CALL } from "../adapters/shopify/admin-operations/tags-on-many.ts";
import { chunks } from "../chunks.ts";
import { throwOnUserErrors } from "../adapters/shopify/admin-operations/user-errors.ts";
import { classifyShopifyError, shopUnreachableReason, ShopifyRetryableError, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { fulfillmentDeadlineOf, groupByDeadline, orderTierTag, PROMISE_METAFIELD_KEY, PROMISE_METAFIELD_TYPE, promiseMetafieldValue } from "../domain/order-promise-writes.ts";
import { TIER_METAFIELD_NAMESPACE } from "../domain/tier-metafields.ts";
import { openFulfillmentOrderIds } from "./make-order-promise.server.ts";

/** Orders per round at most: ten metafieldsSet calls' worth. */
export const PROMISE_WRITE_ROUND = 250;
/**
 * What one order's writes may cost when tags go one call each (deadline share, metafield 10.4,
 * tag 10, a read): a round takes only as many orders as the shop's bucket holds points for, so
 * it can finish. A round that outgrew the bucket was throttled part-way and, before this, started
 * over from scratch each time: the budget never caught up and the promises never got written.
 */
export const POINTS_PER_ORDER_ESTIMATE = 21;
const CONCURRENCY = 16;
/**
 * Tags to add in one round from which a bulk mutation is used: it costs 20 points (staged
 * upload, start) and 1 to read it when finished, whatever the count, against 10 a tag; but it
 * takes seconds, and one bulk mutation at a time runs per shop.
 */
export const BULK_TAGS_MIN = 25;

export interface WriteShopPromisesInput {
  db: Db;
  shop: string;
  admin: () => Promise<AdminRunner>;
  now?: () => Date;
  sliceMs?: number;
  roundSize?: number;
  beforeRound?: () => Promise<void>;
  /** The bulk path for tags (false: always one call a tag); the grace after an unanswered start (tests shorten it). */
  bulk?: { fetch?: StorageFetch; minTags?: number; unansweredGraceMs?: number } | false;
}

export interface WriteShopPromisesResult {
  rounds: number;
  written: number;
  failed: number;
  deadlineCalls: number;
  deadlineFulfillmentOrders: number;
  metafieldCalls: number;
  tagsAdded: number;
  /** Tags handed to bulk mutations (counted in tagsAdded too; they land when the operation finishes), and the operations started. */
  tagsAddedInBulk: number;
  bulkOperations: number;
  /** Why the last bulk attempt gave way to direct calls (another bulk mutation running, an error). */
  bulkFallback: string | null;
  reads: number;
  /** Tags held back while a bulk mutation of the shop that may carry them runs (retryAfterMs says when to look again). */
  tagsHeld: number;
  more: boolean;
  retryAfterMs: number | null;
}

type Row = Awaited<ReturnType<typeof loadDue>>[number];

interface Plan {
  row: Row;
  deadline: Date;
  /** Open fulfillment orders of the order (read this round, or as read when the promise was made). */
  fulfillmentOrderIds: string[];
  /** Those whose deadline must be written. */
  toDeadline: string[];
  writeMetafieldAndTag: boolean;
  /** Read from Shopify this round (a refusal is then not worth a re-read). */
  read: boolean;
  /** As read: the order already carries the promise's metafield value, its tier tag. */
  metafieldLanded?: boolean;
  tagLanded?: boolean;
  /** Some write of this order landed this round (its deadline, its metafield). */
  landed?: boolean;
  /** Every write this order needed landed this round (or its tag is a line of a started bulk mutation). */
  complete: boolean;
  /** Its tag's bulk mutation and line, when the tag went in bulk. */
  tagLine?: { operationGid: string; line: number };
  failure?: unknown;
}

/**
 * tagOperationGid of an order whose tag was in a bulk start that got no answer, with the time:
 * on the row, so every worker sees it (a retry may run in another process).
 */
const UNANSWERED_START = "unanswered:";
/** How long after an unanswered bulk start Shopify may still run it (a request held up on its side). */
export const UNANSWERED_START_GRACE_MS = 60_000;
/** How long orders held for a running bulk mutation wait before the next look. */
const BULK_WAIT_MS = 2_000;

/** The order waits: a bulk mutation that may carry its tag could still run, or runs. */
class TagsHeld extends Error {
  constructor(readonly retryAfterMs: number) {
    super("a bulk mutation of the shop that may carry this tag could still run");
  }
}

/** The order sits this round out (nothing is read or written for it); its row is left as it is. */
function hold(plan: Plan, retryAfterMs: number): void {
  plan.failure = new TagsHeld(retryAfterMs);
  plan.toDeadline = [];
}

/** When the order's tag went into a bulk start that got no answer, or null. */
function unansweredStartAt(row: Row): number | null {
  return row.tagOperationGid?.startsWith(UNANSWERED_START) ? Date.parse(row.tagOperationGid.slice(UNANSWERED_START.length)) : null;
}

class Throttled extends Error {
  constructor(readonly retryAfterMs: number) {
    super("throttled");
  }
}

function loadDue(db: Db, shop: string, limit: number) {
  return loadDuePromises(db, shop, limit);
}

/**
 * Fulfillments stored before their order's promise was made are scored now that it exists: every
 * path that makes a promise asks for this write afterwards, and a promise made is due (pending) until
 * written. One statement a round instead of one an order (issue 9), and before any call to Shopify,
 * so a shop that cannot be reached still gets its scores. A fulfillment stored after the promise
 * is scored by its own webhook.
 */
async function scoreShipmentsBeforeTheirPromises(db: Db, shop: string, due: readonly Row[]): Promise<void> {
  for (const orderGid of await ordersWithShipmentLines(db, shop, due.filter((row) => row.writeStatus === "pending").map((row) => row.orderGid))) {
    await scoreOrderShipments(db, shop, orderGid);
  }
}

export async function writeShopPromises(input: WriteShopPromisesInput): Promise<WriteShopPromisesResult> {
  const { db, shop } = input;
  const clock = input.now ?? (() => new Date());
  const started = Date.now();
  const sliceMs = input.sliceMs ?? 2_000;
  const roundSize = input.roundSize ?? PROMISE_WRITE_ROUND;
  const result: WriteShopPromisesResult = { rounds: 0, written: 0, failed: 0, deadlineCalls: 0, deadlineFulfillmentOrders: 0, metafieldCalls: 0, tagsAdded: 0, tagsAddedInBulk: 0, bulkOperations: 0, bulkFallback: null, reads: 0, tagsHeld: 0, more: false, retryAfterMs: null };
  let runner: AdminRunner | undefined;
  const admin = async () => (runner ??= await input.admin());
  for (;;) {
    await input.beforeRound?.();
    const due = await loadDue(db, shop, roundSize);
    if (due.length === 0) break;
    await scoreShipmentsBeforeTheirPromises(db, shop, due);
    const rows = due.slice(0, affordableOrders(await admin(), roundSize));
    result.rounds++;
    const throttled = await writeRound(db, shop, rows, admin, clock(), result, input.bulk ?? {});
    if (throttled) {
      result.retryAfterMs = throttled.retryAfterMs;
      result.more = true;
      break;
    }
    // Tags held for a running bulk mutation: the follow-up job comes back after a pause.
    if (result.tagsHeld > 0) break;
    // Everything due fit in this round: done (a round cut to the budget leaves the rest for the next).
    if (due.length < roundSize && rows.length === due.length) break;
    if (Date.now() - started >= sliceMs) {
      result.more = true;
      break;
    }
  }
  return result;
}

/**
 * As many orders as the shop's bucket holds points for now (at least one, so a round always
 * moves). Before Shopify has reported the bucket, a whole round: if it is throttled, what landed
 * is kept and the next round is sized by the report.
 */
function affordableOrders(runner: AdminRunner, roundSize: number): number {
  const points = runner.availablePoints?.() ?? null;
  if (points === null) return roundSize;
  return Math.max(1, Math.min(roundSize, Math.floor(points / POINTS_PER_ORDER_ESTIMATE)));
}

/**
 * One round. Shopify's budget running dry part-way ends the round's calls; the orders whose
 * writes all landed are still saved as written (the rest stay due, and writing them again
 * changes nothing: deadlines and metafields are set, tags added as a set). Returns the throttle.
 */
async function writeRound(db: Db, shop: string, rows: Row[], admin: () => Promise<AdminRunner>, now: Date, result: WriteShopPromisesResult, bulk: WriteShopPromisesInput["bulk"] & {}): Promise<Throttled | null> {
  const tierRules = await loadTierRules(db, shop);
  const plans: Plan[] = rows.map((row) => {
    // Shipped before its write: its fulfillment orders are closed (no deadline to set), but the
    // order still gets the promise's metafield and tag.
    const stored = row.status === "open" ? (JSON.parse(row.deadlineFulfillmentOrders) as string[]) : [];
    return { row, deadline: fulfillmentDeadlineOf(row.shipBy), fulfillmentOrderIds: stored, toDeadline: stored, writeMetafieldAndTag: row.writeStatus === "pending", read: false, complete: false };
  });
  let throttled: Throttled | null = null;
  try {
    await writeCalls(plans, admin, result, bulk, tierRules, now);
  } catch (error) {
    if (!(error instanceof Throttled)) throw error;
    throttled = error;
  }
  await savePlans(db, shop, plans, now, result, throttled !== null);
  return throttled;
}

async function writeCalls(plans: Plan[], admin: () => Promise<AdminRunner>, result: WriteShopPromisesResult, bulk: WriteShopPromisesInput["bulk"] & {}, tierRules: Awaited<ReturnType<typeof loadTierRules>>, now: Date): Promise<void> {
  const unansweredGraceMs = (bulk !== false ? bulk.unansweredGraceMs : undefined) ?? UNANSWERED_START_GRACE_MS;
  // 0. An order still to be tagged whose tag is a line of an operation not yet settled waits for
  // its settling (bulk_operations/finish, or the reconciliation).
  for (const plan of plans) if (plan.row.writeStatus === "pending" && plan.row.tagOperationGid?.startsWith("gid://")) hold(plan, BULK_WAIT_MS);
  // Orders of an unanswered bulk start wait out the grace, then any running bulk mutation of the
  // app; the look comes before their read, so what the read finds is all that mutation did.
  const unanswered = plans.flatMap((plan) => {
    const at = unansweredStartAt(plan.row);
    return at === null ? [] : [{ plan, waitMs: at + unansweredGraceMs - now.getTime() }];
  });
  if (unanswered.length) {
    const running =
      unanswered.some((u) => u.waitMs <= 0) &&
      (await runningBulkMutation(await admin()).catch((error: unknown) => {
        rethrowIfThrottledOrGone(error);
        return "unknown";
      })) !== null;
    for (const { plan, waitMs } of unanswered) if (running || waitMs > 0) hold(plan, Math.max(BULK_WAIT_MS, waitMs));
  }

  // 1. Reads: refits, and promises made before their order's fulfillment orders were known.
  const reading = plans.filter((p) => !p.failure && (p.row.writeStatus === "refit" || p.fulfillmentOrderIds.length === 0));
  if (reading.length) {
    let found;
    try {
      found = await readOrderFulfillmentOrders(await admin(), reading.map((p) => p.row.orderGid));
    } catch (error) {
      rethrowIfThrottledOrGone(error);
      throw error;
    }
    result.reads += reading.length;
    for (const plan of reading) {
      plan.read = true;
      const order = found.get(plan.row.orderGid);
      plan.metafieldLanded = order?.promiseMetafield === promiseMetafieldValue(plan.row);
      plan.tagLanded = order?.tags.includes(orderTierTag(tierRules, plan.row.tierKey)) ?? false;
      if (plan.row.status !== "open") continue;
      const fulfillmentOrders = order?.fulfillmentOrders ?? [];
      const open = fulfillmentOrders.filter((fo) => openFulfillmentOrderIds([fo]).length > 0);
      plan.fulfillmentOrderIds = open.map((fo) => fo.id);
      plan.toDeadline = open.filter((fo) => fo.fulfillBy === null || new Date(fo.fulfillBy).getTime() !== plan.deadline.getTime()).map((fo) => fo.id);
    }
  }

  // 2. Deadlines: one call per distinct deadline. A refused call (a fulfillment order closed or
  // replaced meanwhile) is retried order by order; an order refused alone reads its fulfillment
  // orders again next round, or fails if they were just read.
  const calls = groupByDeadline(plans.filter((p) => p.toDeadline.length).map((p) => ({ deadline: p.deadline, fulfillmentOrderIds: p.toDeadline })), MAX_DEADLINE_FULFILLMENT_ORDERS);
  const plansOf = (ids: readonly string[]) => plans.filter((p) => p.toDeadline.some((id) => ids.includes(id)));
  await eachLimited(calls, async (call) => {
    try {
      await setFulfillmentDeadline(await admin(), call.fulfillmentOrderIds, call.deadline);
      result.deadlineCalls++;
      result.deadlineFulfillmentOrders += call.fulfillmentOrderIds.length;
      for (const plan of plansOf(call.fulfillmentOrderIds)) plan.landed = true;
    } catch (error) {
      rethrowIfThrottledOrGone(error);
      const involved = plansOf(call.fulfillmentOrderIds);
      if (!isRefusal(error) || involved.length < 2) {
        for (const plan of involved) plan.failure = error;
        return;
      }
      for (const plan of involved) {
        try {
          await setFulfillmentDeadline(await admin(), plan.toDeadline, plan.deadline);
          result.deadlineCalls++;
          result.deadlineFulfillmentOrders += plan.toDeadline.length;
          plan.landed = true;
        } catch (single) {
          rethrowIfThrottledOrGone(single);
          plan.failure = single;
        }
      }
    }
  });

  for (const plan of plans) if (!plan.failure && !plan.writeMetafieldAndTag) plan.complete = true;

  // 3. Order metafields, 25 orders a call (atomic: a refused call is retried order by order).
  const withValues = plans.filter((p) => !p.failure && p.writeMetafieldAndTag && !p.metafieldLanded);
  const valueChunks = chunks(withValues, MAX_METAFIELDS_PER_SET);
  const setValues = async (chunk: Plan[]) => {
    const data = await (await admin()).run(metafieldsSetOperation, {
      metafields: chunk.map((p) => ({ ownerId: p.row.orderGid, namespace: TIER_METAFIELD_NAMESPACE, key: PROMISE_METAFIELD_KEY, type: PROMISE_METAFIELD_TYPE, value: promiseMetafieldValue(p.row) })),
    });
    throwOnUserErrors("metafieldsSet", data.metafieldsSet);
    result.metafieldCalls++;
    for (const plan of chunk) plan.landed = true;
  };
  await eachLimited(valueChunks, async (chunk) => {
    try {
      await setValues(chunk);
    } catch (error) {
      rethrowIfThrottledOrGone(error);
      if (!isRefusal(error) || chunk.length < 2) {
        for (const plan of chunk) plan.failure = error;
        return;
      }
      for (const plan of chunk) {
        try {
          await setValues([plan]);
        } catch (single) {
          rethrowIfThrottledOrGone(single);
          plan.failure = single;
        }
      }
    }
  });

  // 4. The tier's order tag: in bulk when many (started here, settled when it finishes), else
  // (or when the bulk path is busy) one call each.
  for (const plan of plans) if (!plan.failure && plan.writeMetafieldAndTag && plan.tagLanded) plan.complete = true;
  let tagging = plans.filter((p) => !p.failure && p.writeMetafieldAndTag && !p.tagLanded);
  if (bulk !== false && tagging.length >= (bulk.minTags ?? BULK_TAGS_MIN)) {
    let operationGid: string | null;
    try {
      operationGid = await startBulkMutation(await admin(), TAGS_ADD_MUTATION, tagging.map((plan) => ({ id: plan.row.orderGid, tags: [orderTierTag(tierRules, plan.row.tierKey)] })), bulk.fetch);
    } catch (error) {
      rethrowIfThrottledOrGone(error);
      if (error instanceof BulkStartUnanswered) {
        // It may have started (or start late): these orders are marked and wait (no direct call now).
        for (const plan of tagging) plan.failure = error;
        tagging = [];
      }
      // Refused before it ran (the upload, a user error): the direct calls below add the tags instead.
      result.bulkFallback = ((classifyShopifyError(error) ?? (error as Error)).message ?? String(error)).slice(0, 500);
      operationGid = null;
    }
    if (operationGid === null) result.bulkFallback ??= "another bulk mutation is running on the shop";
    else if (tagging.length) {
      result.bulkOperations++;
      for (const [line, plan] of tagging.entries()) {
        plan.tagLine = { operationGid, line };
        plan.complete = true;
      }
      result.tagsAdded += tagging.length;
      result.tagsAddedInBulk += tagging.length;
      tagging = [];
    }
  }
  // Many orders a request (one aliased field each): a failed request fails each of its orders.
  await eachLimited(chunks(tagging, MAX_TAG_CHANGES_PER_CALL), async (chunk) => {
    try {
      const refusals = await changeTagsOnMany(await admin(), "tagsAdd", chunk.map((plan) => ({ id: plan.row.orderGid, tags: [orderTierTag(tierRules, plan.row.tierKey)] })));
      chunk.forEach((plan, i) => {
        if (refusals[i]) plan.failure = refusals[i];
        else {
          result.tagsAdded++;
          plan.complete = true;
        }
      });
    } catch (error) {
      rethrowIfThrottledOrGone(error);
      for (const plan of chunk) plan.failure = error;
    }
  });

}

/**
 * 5. Save, each on the row version read: a refit asked for meanwhile keeps the row due. After a
 * throttle, an order whose writes did not all land is left as it was (still due).
 */
async function savePlans(db: Db, shop: string, plans: Plan[], now: Date, result: WriteShopPromisesResult, throttled: boolean): Promise<void> {
  let retryable: unknown = null;
  // The writes that landed: one statement for the round, each row on the version read.
  const written: VersionedRowSave[] = [];
  for (const plan of plans) {
    const where = { shop, orderGid: plan.row.orderGid, updatedAt: plan.row.updatedAt };
    // What may have landed on Shopify is saved whatever the row's version: the next round reads
    // the order before writing, also when the row moved meanwhile (shipped, refit asked for).
    const anyVersion = { shop, orderGid: plan.row.orderGid };
    if (throttled && !plan.failure && !plan.complete) {
      // Part of its writes landed: the next round reads what the order carries and writes the rest.
      if (plan.landed) await db.orderPromise.updateMany({ where: anyVersion, data: { deadlineFulfillmentOrders: "[]" } });
      continue;
    }
    if (plan.failure instanceof TagsHeld) {
      result.tagsHeld++;
      result.more = true;
      result.retryAfterMs = Math.min(result.retryAfterMs ?? Infinity, plan.failure.retryAfterMs);
      continue;
    }
    if (plan.failure) {
      const refused = isRefusal(plan.failure);
      // Refused without a fresh read: the fulfillment orders may have changed; read them next round.
      if (refused && !plan.read) {
        await db.orderPromise.updateMany({ where, data: { deadlineFulfillmentOrders: "[]" } });
        continue;
      }
      result.failed++;
      const message = ((classifyShopifyError(plan.failure) ?? (plan.failure as Error)).message ?? String(plan.failure)).slice(0, 1_000);
      await db.orderPromise.updateMany({
        where: refused ? where : anyVersion,
        // Not refused: a 5xx or no answer, and Shopify may have applied it. Read before writing again.
        data: refused
          ? { writeStatus: "failed", writeError: message, writeAttempts: { increment: 1 } }
          : {
              writeError: message, writeAttempts: { increment: 1 }, deadlineFulfillmentOrders: "[]",
              ...(plan.failure instanceof BulkStartUnanswered ? { tagOperationGid: `${UNANSWERED_START}${now.toISOString()}`, tagOperationLine: null } : {}),
            },
      });
      if (!refused) retryable ??= plan.failure;
      continue;
    }
    result.written++;
    written.push({
      key: plan.row.orderGid,
      version: plan.row.updatedAt,
      data: {
        writeStatus: plan.tagLine ? "tagging" : "written",
        deadlineFulfillmentOrders: JSON.stringify(plan.fulfillmentOrderIds),
        writtenAt: now,
        writeAttempts: 0,
        writeError: null,
        tagOperationGid: plan.tagLine?.operationGid ?? null,
        tagOperationLine: plan.tagLine?.line ?? null,
      },
    });
  }
  const saved = await saveVersionedRows(db, { model: "OrderPromise", key: "orderGid" }, shop, written, now);
  // A row that moved while it was written (a refit asked for, shipped) stays due, and a follow-up
  // comes for it: it reads what the order now carries, so what this round wrote is not written again.
  const tried = new Set(written.map((w) => w.key));
  const moved = plans.filter((plan) => tried.has(plan.row.orderGid) && !saved.has(plan.row.orderGid));
  if (moved.length) {
    const untagged = moved.filter((plan) => !plan.tagLine).map((plan) => plan.row.orderGid);
    if (untagged.length) await db.orderPromise.updateMany({ where: { shop, orderGid: { in: untagged } }, data: { deadlineFulfillmentOrders: "[]" } });
    // Its tag is a line of the operation just started: the order waits for that to settle.
    for (const plan of moved.filter((p) => p.tagLine)) {
      await db.orderPromise.updateMany({ where: { shop, orderGid: plan.row.orderGid }, data: { deadlineFulfillmentOrders: "[]", tagOperationGid: plan.tagLine!.operationGid, tagOperationLine: plan.tagLine!.line } });
    }
    result.more = true;
  }
  // A failure that may pass (a 5xx, the network): the job's retry comes back for the rows left due.
  if (retryable !== null) throw retryable;
}

/** Shopify refused the input (the same input is refused again): no retry. */
function isRefusal(error: unknown): boolean {
  const classified = classifyShopifyError(error);
  return classified instanceof ShopifyTerminalError && classified.reason === "user_errors";
}

function rethrowIfThrottledOrGone(error: unknown): void {
  const classified = classifyShopifyError(error);
  if (classified instanceof ShopifyRetryableError && classified.reason === "throttled") throw new Throttled(classified.retryAfterMs ?? 1_000);
  if (shopUnreachableReason(classified)) throw error;
}

/** Runs `work` for each item, a few at a time; the first error thrown (throttling, an unreachable shop) stops new items and is rethrown. */
async function eachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const { stopped, error } = await runLimited(items, CONCURRENCY, work);
  if (stopped) throw error;
}
