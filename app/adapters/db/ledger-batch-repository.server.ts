// The order ledger written many orders at a time, for the history backfill: orders
// and refunds the ledger does not hold yet (the common case) go in with multi-row
// inserts that skip existing keys; an order that was already there takes the
// one-at-a-time compare-and-set path of ledger-repository.server.ts, so the rules
// of which version wins stay in one place. Refunds are immutable: a refund already
// stored is left as it is.
import type { Db } from "../../db.server.ts";
import type { OrderSnapshot, RefundRecord } from "../../domain/order-ledger.ts";
import { insertOrdersIgnoringExisting, insertRefundsIgnoringExisting } from "./bulk-insert.server.ts";
import { refundRow, rowFields, saveOrderSnapshot } from "./ledger-repository.server.ts";

export interface LedgerBatchEntry {
  snapshot: OrderSnapshot;
  name: string | null;
  refunds: RefundRecord[];
}

export interface LedgerBatchResult {
  ordersStored: number;
  refundsStored: number;
}

/** Saves a batch of orders with their refunds; idempotent, so a batch may be applied again after a crash. */
export async function saveLedgerBatch(db: Db, shop: string, entries: readonly LedgerBatchEntry[]): Promise<LedgerBatchResult> {
  const result: LedgerBatchResult = { ordersStored: 0, refundsStored: 0 };
  if (entries.length === 0) return result;

  const first = new Map<string, LedgerBatchEntry>();
  const repeated: LedgerBatchEntry[] = [];
  for (const entry of entries) {
    if (first.has(entry.snapshot.orderId)) repeated.push(entry);
    else first.set(entry.snapshot.orderId, entry);
  }
  const inserted = await insertOrdersIgnoringExisting(
    db,
    [...first.values()].map(({ snapshot, name }) => ({ shop, orderGid: snapshot.orderId, name, ...rowFields(snapshot) })),
  );
  result.ordersStored += inserted.size;
  // Already in the ledger (a webhook, an earlier attempt of this batch): the domain decides which version wins.
  const others = [...[...first.values()].filter((e) => !inserted.has(e.snapshot.orderId)), ...repeated];
  for (const entry of others) if ((await saveOrderSnapshot(db, shop, entry.snapshot, entry.name)).stored) result.ordersStored++;

  const refunds = entries.flatMap((e) => e.refunds);
  if (refunds.length) {
    const stored = await insertRefundsIgnoringExisting(
      db,
      refunds.map((r) => refundRow(shop, r)),
    );
    result.refundsStored += stored.size;
  }
  return result;
}
