/**
 * A bulk mutation that adds promises' tier tags has finished (bulk_operations/finish, or the
 * reconciliation found it no longer running): each promise of its lines is saved as its line says.
 * The write job only starts the operation (write-order-promises.server.ts) and leaves the promises
 * `tagging` with the operation and their line; nothing waits for it.
 *
 * Exported API
 * - settlePromiseTagOperation({ db, shop, operationGid, admin, fetch? }): Promise<SettleTagOperationResult>
 * - promiseTagOperations(db, shop, { startedBefore }): operation GIDs still awaited (for the reconciliation)
 *
 * A line that landed: the promise is written (a `refit` asked for meanwhile stays due). A line
 * refused or never run (the operation failed, was cancelled, expired, or Shopify no longer knows
 * it): the promise goes back to `pending` and the write job adds the tag by a direct call (a set
 * operation: a tag that did land is not added twice). Settling twice changes nothing: each row is
 * updated only while it still names the operation.
 */
import type { Db } from "../db.server.ts";
import { loadPromisesAwaitingTags, settleTaggedPromises } from "../adapters/db/order-promise-statements.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readBulkMutationResult, type StorageFetch } from "../adapters/shopify/admin-operations/bulk-mutation.ts";
import { BULK_OPERATION_DONE, readBulkOperation } from "../adapters/shopify/admin-operations/bulk-operation-status.ts";
import type { TagsAddData } from "../adapters/shopify/admin-operations/tags-add.ts";

export interface SettleTagOperationResult {
  /** "running": Shopify still runs it (nothing saved); "none": no promise awaits it. */
  status: "settled" | "running" | "none";
  tagged: number;
  /** Promises due again (their tag is added directly by the next write). */
  retry: number;
}

const SETTLE_CHUNK = 500;

export async function settlePromiseTagOperation(input: { db: Db; shop: string; operationGid: string; admin: () => Promise<AdminRunner>; fetch?: StorageFetch }): Promise<SettleTagOperationResult> {
  const { db, shop, operationGid } = input;
  const rows = await loadPromisesAwaitingTags(db, shop, operationGid);
  if (rows.length === 0) return { status: "none", tagged: 0, retry: 0 };
  const state = await readBulkOperation(await input.admin(), operationGid);
  if (state && !BULK_OPERATION_DONE.has(state.status)) return { status: "running", tagged: 0, retry: 0 };
  const lines = state ? await readBulkMutationResult(state, rows.map((row) => row.tagOperationLine ?? -1), input.fetch) : null;
  const result: SettleTagOperationResult = { status: "settled", tagged: 0, retry: 0 };
  const cleared = { tagOperationGid: null, tagOperationLine: null };
  // Tagged rows are settled a few hundred at a time, one statement per status they were in
  // (a bulk operation carries many orders; a statement per order made this a hot spot), on the
  // hot path's prepared statements: every promise write round ends with a settle (issue 9).
  const taggedByStatus = new Map<string, string[]>();
  for (const row of rows) {
    const where = { shop, orderGid: row.orderGid, tagOperationGid: operationGid, writeStatus: row.writeStatus };
    const line = lines?.get(row.tagOperationLine ?? -1);
    const userErrors = (line?.data as TagsAddData | null | undefined)?.tagsAdd?.userErrors ?? [];
    const failure = !line ? "the bulk operation is unknown to Shopify" : line.errors ? line.errors.map((e) => e.message).join("; ") : userErrors.length ? userErrors.map((e) => e.message).join("; ") : null;
    if (failure === null) {
      const same = taggedByStatus.get(row.writeStatus) ?? [];
      same.push(row.orderGid);
      taggedByStatus.set(row.writeStatus, same);
      continue;
    }
    // Only a promise still to be written to Shopify goes back; a shipped or cancelled one keeps its state.
    const due = row.writeStatus === "tagging" || row.writeStatus === "refit";
    const saved = await db.orderPromise.updateMany({
      where,
      data: due
        ? {
            ...cleared,
            writeStatus: "pending",
            writeError: `tagsAdd in bulk: ${failure}`.slice(0, 1_000),
            writeAttempts: { increment: 1 },
            // A refit asked for meanwhile: the fulfillment orders are read again.
            ...(row.writeStatus === "refit" ? { deadlineFulfillmentOrders: "[]" } : {}),
          }
        : cleared,
    });
    if (due) result.retry += saved.count;
  }
  for (const [writeStatus, orderGids] of taggedByStatus) {
    for (let start = 0; start < orderGids.length; start += SETTLE_CHUNK) {
      result.tagged += await settleTaggedPromises(db, shop, operationGid, writeStatus, orderGids.slice(start, start + SETTLE_CHUNK), new Date());
    }
  }
  return result;
}

/** Tag operations still awaited that were started before `startedBefore` (the reconciliation settles them if the webhook was lost). */
export async function promiseTagOperations(db: Db, shop: string, { startedBefore }: { startedBefore: Date }): Promise<string[]> {
  const rows = await db.orderPromise.findMany({
    // Only operations Shopify named (an order of an unanswered start carries a marker instead).
    where: { shop, tagOperationGid: { startsWith: "gid://" }, updatedAt: { lt: startedBefore } },
    select: { tagOperationGid: true },
    distinct: ["tagOperationGid"],
  });
  return rows.map((row) => row.tagOperationGid!);
}
