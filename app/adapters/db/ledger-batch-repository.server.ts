// The order ledger written many orders at a time, for the history backfill: orders
// and refunds the ledger does not hold yet (the common case) go in with multi-row
// inserts that skip existing keys; an order that was already there takes the
// one-at-a-time compare-and-set path of ledger-repository.server.ts, so the rules
// of which version wins stay in one place. Refunds are immutable: a refund already
// stored is left as it is. Ledgers are read back many customers at a time too, for
// the shop-wide tier computation that ends the backfill.
import type { Db } from "../../db.server.ts";
import type { LedgerOrder, OrderSnapshot, RefundRecord } from "../../domain/order-ledger.ts";
import { insertOrdersIgnoringExisting, insertRefundsIgnoringExisting } from "./bulk-insert.server.ts";
import { param, providerOf } from "./sql-dialect.ts";
import { moneyStateFromRow, refundRow, rowFields, saveOrderSnapshot } from "./ledger-repository.server.ts";

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

/** One order (with one of its refunds, or none) as the ledger range query returns it. */
interface LedgerJoinRow {
  orderGid: string;
  customerGid: string;
  processedAt: RawDate;
  orderUpdatedAt: RawDate;
  currencyCode: string;
  currentTotal: RawInt;
  currentShipping: RawInt;
  currentTax: RawInt;
  cancelledAt: RawDate | null;
  test: boolean | RawInt;
  financialStatus: string | null;
  outstanding: RawInt;
  giftCardLines: RawInt;
  tip: RawInt;
  duties: RawInt;
  taxesIncluded: boolean | RawInt;
  shippingTax: RawInt;
  refundGid: string | null;
  refundCreatedAt: RawDate | null;
  transactions: RawInt | null;
  lineItems: RawInt | null;
  shipping: RawInt | null;
}
// What a raw query may hand back for DATETIME / INTEGER / BOOLEAN columns depends on the
// provider and the driver (Date or text; number or bigint; boolean or 0/1): normalized here.
type RawDate = Date | string | number;
type RawInt = number | bigint;

const asDate = (value: RawDate): Date => (value instanceof Date ? value : new Date(value));

/** The rows of one customer range as ledgers by customer id: pure, for tests and the loader below. */
export function ledgersFromRows(rows: readonly LedgerJoinRow[]): Map<string, Record<string, LedgerOrder>> {
  const ledgers = new Map<string, Record<string, LedgerOrder>>();
  for (const row of rows) {
    let ledger = ledgers.get(row.customerGid);
    if (!ledger) ledgers.set(row.customerGid, (ledger = {}));
    let entry = ledger[row.orderGid];
    if (!entry) {
      const snapshot: OrderSnapshot = {
        orderId: row.orderGid,
        customerId: row.customerGid,
        processedAt: asDate(row.processedAt),
        updatedAt: asDate(row.orderUpdatedAt),
        currency: row.currencyCode,
        currentTotalMinor: Number(row.currentTotal),
        currentShippingMinor: Number(row.currentShipping),
        currentTaxMinor: Number(row.currentTax),
        cancelledAt: row.cancelledAt === null ? null : asDate(row.cancelledAt),
        test: row.test === true || Number(row.test) === 1,
        ...moneyStateFromRow(row),
      };
      ledger[row.orderGid] = entry = { orderId: row.orderGid, snapshot, deleted: false, refunds: {} };
    }
    if (row.refundGid !== null) {
      entry.refunds[row.refundGid] = {
        refundId: row.refundGid,
        orderId: row.orderGid,
        createdAt: asDate(row.refundCreatedAt!),
        currency: row.currencyCode,
        transactionsMinor: Number(row.transactions),
        lineItemsMinor: Number(row.lineItems),
        shippingMinor: Number(row.shipping),
      };
    }
  }
  return ledgers;
}

/**
 * The ledgers (live orders and their refunds) of every customer whose id lies in
 * [firstGid, lastGid], by customer id. One raw query with three bound values instead
 * of findMany per table: Prisma's result mapping leaves a few KB per row in the old
 * generation, which the shop-wide recompute (every ledger row) turned into the
 * backfill's peak memory.
 */
export async function loadLedgersOfCustomerRange(db: Db, shop: string, firstGid: string, lastGid: string): Promise<Map<string, Record<string, LedgerOrder>>> {
  const provider = providerOf(db);
  const [a, b, c] = [1, 2, 3].map((n) => param(provider, n));
  const rows = await db.$queryRawUnsafe<LedgerJoinRow[]>(
    `SELECT o."orderGid", o."customerGid", o."processedAt", o."orderUpdatedAt", o."currencyCode", o."currentTotal", o."currentShipping", o."currentTax",
       o."cancelledAt", o."test", o."financialStatus", o."outstanding", o."giftCardLines", o."tip", o."duties", o."taxesIncluded", o."shippingTax",
       r."refundGid", r."createdAt" AS "refundCreatedAt", r."transactions", r."lineItems", r."shipping"
     FROM "LedgerOrder" o LEFT JOIN "LedgerRefund" r ON r."shop" = o."shop" AND r."orderGid" = o."orderGid"
     WHERE o."shop" = ${a} AND o."customerGid" >= ${b} AND o."customerGid" <= ${c} AND o."deletedAt" IS NULL`,
    shop,
    firstGid,
    lastGid,
  );
  return ledgersFromRows(rows);
}
