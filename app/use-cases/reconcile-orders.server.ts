// Reconciliation: webhooks are not guaranteed, so once an hour each installed
// shop is asked for the orders updated since the last run, and each goes through
// the same ledger path as a webhook (saveOrderSnapshot / saveRefund, then a tier
// recomputation of the customers touched). Saves are idempotent, so overlapping
// runs and orders already received by webhook change nothing. It also repairs
// recomputations that were lost: a ledger write whose customer was not recomputed
// after it (the queue refused the job and no retry came) is recomputed now. Lost
// customers/create|update are repaired the same way (reconcile-customers.server.ts).
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { saveOrderSnapshot, saveRefund } from "../adapters/db/ledger-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readOrdersUpdatedSince } from "../adapters/shopify/admin-operations/orders-updated-since.ts";
import { orderEntriesFromGraphql } from "../adapters/shopify/order-graphql-mapping.ts";
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import type { OrderSnapshot } from "../domain/order-ledger.ts";
import { purgeErasedAmong, withoutErased } from "./erasure-guard.server.ts";
import { reconcileShopCustomers, type ReconcileCustomersResult } from "./reconcile-customers.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

/** Shopify's search index trails writes a little: each run looks back this much before the last one. */
export const RECONCILE_OVERLAP_MS = 5 * 60_000;
/** A shop never reconciled (no backfill yet) looks back this far. */
export const FIRST_RECONCILE_LOOKBACK_MS = 24 * 3_600_000;

const rank = (cause: TierRecomputeCause) => ({ refund: 3, cancellation: 2 })[cause as "refund" | "cancellation"] ?? 1;

export interface ReconcileInput {
  db: Db;
  shop: string;
  admin: () => Promise<AdminRunner>;
  now: Date;
  requestTierRecompute(customerGids: string[], cause: TierRecomputeCause): Promise<void>;
  log?: Logger;
}

export interface ReconcileResult {
  since: Date;
  until: Date;
  ordersSeen: number;
  ordersStored: number;
  refundsStored: number;
  customers: number;
  /** Customers recomputed because a ledger write was never followed by their recomputation. */
  repaired: number;
  customerPass: ReconcileCustomersResult;
}

export async function reconcileShopOrders(input: ReconcileInput): Promise<ReconcileResult | null> {
  const { db, shop, now } = input;
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { reconciledUntil: true, installedAt: true, uninstalledAt: true } });
  if (!shopRow || shopRow.uninstalledAt) return null;
  const last = shopRow.reconciledUntil ?? new Date(Math.max(shopRow.installedAt.getTime(), now.getTime() - FIRST_RECONCILE_LOOKBACK_MS));
  const since = new Date(last.getTime() - RECONCILE_OVERLAP_MS);
  const result: ReconcileResult = { since, until: now, ordersSeen: 0, ordersStored: 0, refundsStored: 0, customers: 0, repaired: 0, customerPass: { customersRead: 0, membersAdded: 0, contactsUpdated: 0 } };

  const admin = await input.admin();
  let after: string | null = null;
  do {
    const page = await readOrdersUpdatedSince(admin, since, after);
    // One recomputation per customer, recorded with the most telling cause.
    const touched = new Map<string, TierRecomputeCause>();
    const pageEntries: { snapshot: OrderSnapshot }[] = [];
    const touch = (cause: TierRecomputeCause, gid: string | null) => {
      if (!gid) return;
      const current = touched.get(gid);
      if (!current || rank(cause) > rank(current)) touched.set(gid, cause);
    };
    for (const node of page.nodes) {
      result.ordersSeen++;
      let entries;
      try {
        entries = orderEntriesFromGraphql(node);
      } catch (error) {
        if (!(error instanceof PayloadError)) throw error;
        input.log?.warn("reconcile: order skipped", { shop, error: error.message });
        continue;
      }
      // An erased customer's or order's newer version is not theirs to bring back.
      if ((await withoutErased(db, shop, [entries])).length === 0) continue;
      pageEntries.push(entries);
      const { snapshot, name, refunds } = entries;
      const stored = await saveOrderSnapshot(db, shop, snapshot, name, now, { readFromShopify: true });
      if (stored.stored) {
        result.ordersStored++;
        const cause: TierRecomputeCause = snapshot.cancelledAt ? "cancellation" : "order";
        touch(cause, snapshot.customerId);
        // The order moved to another customer: the previous one loses its spend.
        if (stored.previousCustomerGid !== snapshot.customerId) touch(cause, stored.previousCustomerGid);
      }
      for (const refund of refunds) {
        if (await saveRefund(db, shop, refund)) {
          result.refundsStored++;
          touch("refund", snapshot.customerId);
        }
      }
    }
    await purgeErasedAmong(db, shop, pageEntries);
    const byCause = new Map<TierRecomputeCause, string[]>();
    for (const [gid, cause] of touched) byCause.set(cause, [...(byCause.get(cause) ?? []), gid]);
    for (const [cause, gids] of byCause) await input.requestTierRecompute(gids, cause);
    result.customers += touched.size;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);

  // Customers changed before the install were never the app's to hear of: no webhook came for them.
  const customersSince = new Date(Math.max(since.getTime(), shopRow.installedAt.getTime()));
  result.customerPass = await reconcileShopCustomers({ db, shop, admin, since: customersSince, now, requestTierRecompute: input.requestTierRecompute, log: input.log });

  // Writes younger than the overlap may still have their recomputation on its way; the next run,
  // which starts the overlap earlier, looks at them.
  const lost = await customersWithLostRecompute(db, shop, since, new Date(now.getTime() - RECONCILE_OVERLAP_MS));
  if (lost.length) await input.requestTierRecompute(lost, "order");
  result.repaired = lost.length;

  // Only forward: a slow run finishing after a newer one must not move the mark back.
  await db.shop.updateMany({ where: { domain: shop, OR: [{ reconciledUntil: null }, { reconciledUntil: { lt: now } }] }, data: { reconciledUntil: now } });
  input.log?.info("reconcile: done", { shop, ...result });
  return result;
}

const IN_CHUNK = 500;

async function inChunks<T, R>(items: T[], read: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(...(await read(items.slice(i, i + IN_CHUNK))));
  return out;
}

/**
 * Customers with a ledger write (an order version, a deletion or a refund) in [since, until) that
 * no recomputation read: each records when it read its inputs (`recomputedAt`), so the write's
 * recomputation never ran. Reads only that window's writes, then those customers' rows.
 */
export async function customersWithLostRecompute(db: Db, shop: string, since: Date, until: Date): Promise<string[]> {
  if (until.getTime() <= since.getTime()) return [];
  const [orders, refunds] = await Promise.all([
    db.ledgerOrder.findMany({ where: { shop, updatedAt: { gte: since, lt: until }, customerGid: { not: null } }, select: { customerGid: true, updatedAt: true } }),
    db.ledgerRefund.findMany({ where: { shop, recordedAt: { gte: since, lt: until } }, select: { orderGid: true, recordedAt: true } }),
  ]);
  const lastWrite = new Map<string, number>();
  const note = (gid: string | null, at: Date) => {
    if (gid && at.getTime() > (lastWrite.get(gid) ?? 0)) lastWrite.set(gid, at.getTime());
  };
  for (const order of orders) note(order.customerGid, order.updatedAt);
  if (refunds.length) {
    const owners = await inChunks([...new Set(refunds.map((r) => r.orderGid))], (orderGids) =>
      db.ledgerOrder.findMany({ where: { shop, orderGid: { in: orderGids } }, select: { orderGid: true, customerGid: true } }),
    );
    const ownerOf = new Map(owners.map((o) => [o.orderGid, o.customerGid]));
    for (const refund of refunds) note(ownerOf.get(refund.orderGid) ?? null, refund.recordedAt);
  }
  if (lastWrite.size === 0) return [];
  const rows = await inChunks([...lastWrite.keys()], (customerGids) =>
    db.customer.findMany({ where: { shop, customerGid: { in: customerGids } }, select: { customerGid: true, recomputedAt: true, deletedAt: true } }),
  );
  const rowOf = new Map(rows.map((r) => [r.customerGid, r]));
  return [...lastWrite]
    .filter(([gid, at]) => {
      const row = rowOf.get(gid);
      return !row || (!row.deletedAt && (row.recomputedAt === null || row.recomputedAt.getTime() < at));
    })
    .map(([gid]) => gid)
    .sort();
}
