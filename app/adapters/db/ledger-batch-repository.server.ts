// The order ledger written many orders at a time, for the history backfill: one
// lookup and one insert per batch for orders and refunds the ledger does not hold
// yet (the common case), and the one-at-a-time compare-and-set path of
// ledger-repository.server.ts for everything else, so the rules of which version
// wins stay in one place.
import type { Db } from "../../db.server.ts";
import type { OrderSnapshot, RefundRecord } from "../../domain/order-ledger.ts";
import { saveOrderSnapshot, saveRefund } from "./ledger-repository.server.ts";

export interface LedgerBatchEntry {
  snapshot: OrderSnapshot;
  name: string | null;
  refunds: RefundRecord[];
}

export interface LedgerBatchResult {
  ordersStored: number;
  refundsStored: number;
}

/** SQLite and PostgreSQL both take this many bound values in one IN list comfortably. */
const IN_CHUNK = 5_000;

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}

async function existingKeys(lookup: (chunk: string[]) => Promise<string[]>, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += IN_CHUNK) for (const key of await lookup(keys.slice(i, i + IN_CHUNK))) found.add(key);
  return found;
}

/** Saves a batch of orders with their refunds; idempotent, so a batch may be applied again after a crash. */
export async function saveLedgerBatch(db: Db, shop: string, entries: readonly LedgerBatchEntry[]): Promise<LedgerBatchResult> {
  const result: LedgerBatchResult = { ordersStored: 0, refundsStored: 0 };
  if (entries.length === 0) return result;

  // Orders: insert the unknown ones together; an order seen twice in the batch or already stored takes the CAS path.
  const present = await existingKeys(
    async (chunk) => (await db.ledgerOrder.findMany({ where: { shop, orderGid: { in: chunk } }, select: { orderGid: true } })).map((r) => r.orderGid),
    entries.map((e) => e.snapshot.orderId),
  );
  const fresh: LedgerBatchEntry[] = [];
  const others: LedgerBatchEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry.snapshot.orderId;
    if (present.has(id) || seen.has(id)) others.push(entry);
    else fresh.push(entry);
    seen.add(id);
  }
  if (fresh.length) {
    try {
      const { count } = await db.ledgerOrder.createMany({ data: fresh.map((e) => orderRow(shop, e)) });
      result.ordersStored += count;
    } catch (error) {
      // A webhook stored one of them meanwhile: decide each one the careful way.
      if (!isUniqueViolation(error)) throw error;
      others.push(...fresh);
    }
  }
  for (const entry of others) if ((await saveOrderSnapshot(db, shop, entry.snapshot, entry.name)).stored) result.ordersStored++;

  // Refunds are immutable: the first stored copy stands.
  const refunds = entries.flatMap((e) => e.refunds);
  if (refunds.length) {
    const stored = await existingKeys(
      async (chunk) => (await db.ledgerRefund.findMany({ where: { shop, refundGid: { in: chunk } }, select: { refundGid: true } })).map((r) => r.refundGid),
      refunds.map((r) => r.refundId),
    );
    const unique = new Map<string, RefundRecord>();
    for (const refund of refunds) if (!stored.has(refund.refundId) && !unique.has(refund.refundId)) unique.set(refund.refundId, refund);
    if (unique.size) {
      try {
        const { count } = await db.ledgerRefund.createMany({ data: [...unique.values()].map((r) => refundRow(shop, r)) });
        result.refundsStored += count;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        for (const refund of unique.values()) if (await saveRefund(db, shop, refund)) result.refundsStored++;
      }
    }
  }
  return result;
}

function orderRow(shop: string, { snapshot, name }: LedgerBatchEntry) {
  return {
    shop,
    orderGid: snapshot.orderId,
    name,
    customerGid: snapshot.customerId,
    processedAt: snapshot.processedAt,
    orderUpdatedAt: snapshot.updatedAt,
    currencyCode: snapshot.currency,
    currentTotal: snapshot.currentTotalMinor,
    currentShipping: snapshot.currentShippingMinor,
    currentTax: snapshot.currentTaxMinor,
    cancelledAt: snapshot.cancelledAt,
    test: snapshot.test,
  };
}

function refundRow(shop: string, refund: RefundRecord) {
  return {
    shop,
    refundGid: refund.refundId,
    orderGid: refund.orderId,
    createdAt: refund.createdAt,
    transactions: refund.transactionsMinor,
    lineItems: refund.lineItemsMinor,
    shipping: refund.shippingMinor,
  };
}
