/**
 * OrderPromise rows: the tier a buyer held at checkout, lane bookings taken one order at a time,
 * and the rows' Shopify write state.
 *
 * Exported API
 * - markRefit(db, shop, fulfillmentOrderGids): orderGids         promises whose deadline must be applied again
 * - paidOrdersWithoutPromise(db, shop, since, limit): orderGids   the ledger's paid orders whose promise job was lost
 * - retryFailedWrites(db, shop, maxAttempts): count              refused writes given another go by the reconciliation
 *
 * The booking itself (the tier held at checkout, lane bookings under the shop's lock) runs on the
 * hot path's prepared statements: order-promise-statements.server.ts.
 */
import type { Db } from "../../db.server.ts";

/** Open promises that carry one of these fulfillment orders' deadline: marked for the deadline to be applied again. */
export async function markRefit(db: Db, shop: string, fulfillmentOrderGids: readonly string[]): Promise<string[]> {
  const rows = await db.orderPromise.findMany({
    where: { shop, status: "open", OR: fulfillmentOrderGids.map((foGid) => ({ deadlineFulfillmentOrders: { contains: JSON.stringify(foGid) } })) },
    select: { orderGid: true },
  });
  const orderGids = rows.map((row) => row.orderGid);
  if (orderGids.length) await requestDeadlineCheck(db, shop, orderGids);
  return orderGids;
}

/**
 * Asks the write job to compare these open promises' deadlines with Shopify's fulfillment
 * orders: a written promise becomes "refit" (its metafield and tag stay as written); one still
 * pending forgets the fulfillment orders it read when made, so the write reads them anew. The
 * write saves on the row version it loaded, so a request during a write is not lost.
 */
export async function requestDeadlineCheck(db: Db, shop: string, orderGids: readonly string[]): Promise<number> {
  const where = { shop, orderGid: { in: [...orderGids] }, status: "open" };
  // A tag still in a bulk mutation ("tagging") keeps its operation: its finish settles the tag either way.
  const written = await db.orderPromise.updateMany({ where: { ...where, writeStatus: { in: ["written", "tagging"] } }, data: { writeStatus: "refit", writeAttempts: 0, writeError: null } });
  const pending = await db.orderPromise.updateMany({ where: { ...where, writeStatus: { in: ["pending", "refit"] } }, data: { deadlineFulfillmentOrders: "[]" } });
  return written.count + pending.count;
}

/** Open promises not yet due whose deadlines were written: the reconciliation compares them with Shopify. */
export async function openWrittenPromises(db: Db, shop: string, now: Date): Promise<string[]> {
  const rows = await db.orderPromise.findMany({ where: { shop, status: "open", writeStatus: { in: ["written", "tagging"] }, shipBy: { gte: now } }, select: { orderGid: true } });
  return rows.map((row) => row.orderGid);
}

/** Open promises whose order the ledger holds as cancelled (an orders/cancelled whose promise job was lost). */
export async function openPromisesOfCancelledOrders(db: Db, shop: string): Promise<string[]> {
  const open = await db.orderPromise.findMany({ where: { shop, status: "open" }, select: { orderGid: true } });
  const cancelled: string[] = [];
  for (let i = 0; i < open.length; i += 500) {
    const rows = await db.ledgerOrder.findMany({ where: { shop, orderGid: { in: open.slice(i, i + 500).map((row) => row.orderGid) }, cancelledAt: { not: null } }, select: { orderGid: true } });
    cancelled.push(...rows.map((row) => row.orderGid));
  }
  return cancelled;
}

/** Financial statuses of a paid order in the ledger (lower case, as stored; refunds since do not undo it). */
const PAID_IN_LEDGER = ["paid", "partially_paid", "partially_refunded", "refunded"];

/**
 * Paid, uncancelled orders of the ledger processed since `since` that have no promise: their
 * promise job was lost (Redis flushed, failed for good). Oldest first, at most `limit`.
 */
export async function paidOrdersWithoutPromise(db: Db, shop: string, since: Date, limit: number): Promise<string[]> {
  const missing: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await db.ledgerOrder.findMany({
      where: { shop, processedAt: { gte: since }, cancelledAt: null, deletedAt: null, test: false, financialStatus: { in: PAID_IN_LEDGER }, ...(cursor ? { orderGid: { gt: cursor } } : {}) },
      orderBy: { orderGid: "asc" },
      select: { orderGid: true },
      take: 500,
    });
    if (page.length === 0) return missing;
    cursor = page[page.length - 1].orderGid;
    const promised = new Set(
      (await db.orderPromise.findMany({ where: { shop, orderGid: { in: page.map((row) => row.orderGid) } }, select: { orderGid: true } })).map((row) => row.orderGid),
    );
    for (const row of page) if (!promised.has(row.orderGid)) missing.push(row.orderGid);
    if (missing.length >= limit) return missing.slice(0, limit);
  }
}

/**
 * Open promises whose write Shopify refused ("failed") get another go, at most `maxAttempts`
 * times: one never written is written whole (its fulfillment orders read anew), one written
 * before (a refused refit) has its deadline compared again.
 */
export async function retryFailedWrites(db: Db, shop: string, maxAttempts: number): Promise<number> {
  const where = { shop, status: "open", writeStatus: "failed", writeAttempts: { lt: maxAttempts } };
  const never = await db.orderPromise.updateMany({ where: { ...where, writtenAt: null }, data: { writeStatus: "pending", deadlineFulfillmentOrders: "[]" } });
  const before = await db.orderPromise.updateMany({ where: { ...where, writtenAt: { not: null } }, data: { writeStatus: "refit" } });
  return never.count + before.count;
}
