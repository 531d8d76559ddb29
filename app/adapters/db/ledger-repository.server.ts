// The order ledger in the database: one LedgerOrder row per order (its newest
// version), one LedgerRefund row per refund. Which version wins is the domain's
// decision (applyLedgerEvent); this file only loads, asks, and writes with a
// compare-and-set so two workers racing on one order cannot put an older
// version back.
import type { Db } from "../../db.server.ts";
import { applyLedgerEvent, EMPTY_LEDGER, financialStatusOf, type Ledger, type LedgerOrder, type OrderSnapshot, type RefundRecord } from "../../domain/order-ledger.ts";

type OrderRow = NonNullable<Awaited<ReturnType<Db["ledgerOrder"]["findUnique"]>>>;
type RefundRow = NonNullable<Awaited<ReturnType<Db["ledgerRefund"]["findUnique"]>>>;

export function snapshotFromRow(row: OrderRow): OrderSnapshot {
  return {
    orderId: row.orderGid,
    customerId: row.customerGid,
    processedAt: row.processedAt,
    updatedAt: row.orderUpdatedAt,
    currency: row.currencyCode,
    currentTotalMinor: row.currentTotal,
    currentShippingMinor: row.currentShipping,
    currentTaxMinor: row.currentTax,
    cancelledAt: row.cancelledAt,
    test: row.test,
    ...moneyStateFromRow(row),
  };
}

/** The payment and composition columns of a LedgerOrder row, as raw queries may return them too. */
export type MoneyStateRow = {
  financialStatus: string | null;
  outstanding: number | bigint;
  giftCardLines: number | bigint;
  tip: number | bigint;
  duties: number | bigint;
  taxesIncluded: boolean | number | bigint;
  shippingTax: number | bigint;
};

/** The snapshot's payment and composition fields from their columns (shared with ledger-batch-repository's raw read). */
export function moneyStateFromRow(row: MoneyStateRow): Pick<OrderSnapshot, "financialStatus" | "outstandingMinor" | "giftCardLinesMinor" | "tipMinor" | "dutiesMinor" | "taxesIncluded" | "currentShippingTaxMinor"> {
  return {
    financialStatus: financialStatusOf(row.financialStatus),
    outstandingMinor: Number(row.outstanding),
    giftCardLinesMinor: Number(row.giftCardLines),
    tipMinor: Number(row.tip),
    dutiesMinor: Number(row.duties),
    taxesIncluded: row.taxesIncluded === true || Number(row.taxesIncluded) === 1,
    currentShippingTaxMinor: Number(row.shippingTax),
  };
}

export function refundFromRow(row: RefundRow, currency: string): RefundRecord {
  return {
    refundId: row.refundGid,
    orderId: row.orderGid,
    createdAt: row.createdAt,
    currency,
    transactionsMinor: row.transactions,
    lineItemsMinor: row.lineItems,
    shippingMinor: row.shipping,
  };
}

/** A snapshot as LedgerOrder columns (without shop, orderGid and name). */
export function rowFields(snapshot: OrderSnapshot) {
  return {
    customerGid: snapshot.customerId,
    processedAt: snapshot.processedAt,
    orderUpdatedAt: snapshot.updatedAt,
    currencyCode: snapshot.currency,
    currentTotal: snapshot.currentTotalMinor,
    currentShipping: snapshot.currentShippingMinor,
    currentTax: snapshot.currentTaxMinor,
    cancelledAt: snapshot.cancelledAt,
    test: snapshot.test,
    financialStatus: snapshot.financialStatus ?? null,
    outstanding: snapshot.outstandingMinor ?? 0,
    giftCardLines: snapshot.giftCardLinesMinor ?? 0,
    tip: snapshot.tipMinor ?? 0,
    duties: snapshot.dutiesMinor ?? 0,
    taxesIncluded: snapshot.taxesIncluded ?? false,
    shippingTax: snapshot.currentShippingTaxMinor ?? 0,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}

export type OrderWriteOutcome = { stored: boolean; previousCustomerGid: string | null };

/** Stores the snapshot if it is newer than what is stored (by the domain's rule). */
export async function saveOrderSnapshot(db: Db, shop: string, snapshot: OrderSnapshot, name: string | null): Promise<OrderWriteOutcome> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop, orderGid: snapshot.orderId } } });
    if (!existing) {
      try {
        await db.ledgerOrder.create({ data: { shop, orderGid: snapshot.orderId, name, ...rowFields(snapshot) } });
        return { stored: true, previousCustomerGid: null };
      } catch (error) {
        if (isUniqueViolation(error)) continue; // another worker created it first: decide again
        throw error;
      }
    }
    if (existing.deletedAt) return { stored: false, previousCustomerGid: existing.customerGid };
    const current: Ledger = { ...EMPTY_LEDGER, orders: { [snapshot.orderId]: { orderId: snapshot.orderId, snapshot: snapshotFromRow(existing), deleted: false, refunds: {} } } };
    const next = applyLedgerEvent(current, { type: "order", order: snapshot });
    if (next === current) return { stored: false, previousCustomerGid: existing.customerGid };
    // Compare-and-set on the version we decided against.
    const { count } = await db.ledgerOrder.updateMany({
      where: { shop, orderGid: snapshot.orderId, orderUpdatedAt: existing.orderUpdatedAt, currentTotal: existing.currentTotal, cancelledAt: existing.cancelledAt, deletedAt: null },
      data: { name: name ?? existing.name, ...rowFields(snapshot) },
    });
    if (count === 1) return { stored: true, previousCustomerGid: existing.customerGid };
  }
  throw new Error(`Could not store order ${snapshot.orderId}: too much contention`);
}

/** A refund as a LedgerRefund row. */
export function refundRow(shop: string, refund: RefundRecord) {
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

/** Refunds are immutable: the first copy is kept, redeliveries change nothing. */
export async function saveRefund(db: Db, shop: string, refund: RefundRecord): Promise<boolean> {
  try {
    await db.ledgerRefund.create({ data: refundRow(shop, refund) });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** The customers an order counts for (to recompute after a refund arrives). */
export async function customerOfOrder(db: Db, shop: string, orderGid: string): Promise<string | null> {
  const row = await db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop, orderGid } }, select: { customerGid: true, deletedAt: true } });
  return row && !row.deletedAt ? row.customerGid : null;
}

/** One customer's ledger, as the domain reads it. */
/** `redacted`: the caller already knows whether the customer was redacted (saves a lookup). */
export async function loadCustomerLedger(db: Db, shop: string, customerGid: string, { redacted }: { redacted?: boolean } = {}): Promise<Ledger> {
  const [orders, customer] = await Promise.all([
    db.ledgerOrder.findMany({ where: { shop, customerGid, deletedAt: null } }),
    redacted === undefined ? db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid } }, select: { deletedAt: true } }) : { deletedAt: redacted ? new Date(0) : null },
  ]);
  const refunds = orders.length
    ? await db.ledgerRefund.findMany({ where: { shop, orderGid: { in: orders.map((o) => o.orderGid) } } })
    : [];
  const entries: Record<string, LedgerOrder> = {};
  for (const row of orders) entries[row.orderGid] = { orderId: row.orderGid, snapshot: snapshotFromRow(row), deleted: false, refunds: {} };
  for (const refund of refunds) {
    const entry = entries[refund.orderGid];
    if (entry) entry.refunds[refund.refundGid] = refundFromRow(refund, entry.snapshot!.currency);
  }
  return { orders: entries, redactedCustomerIds: customer?.deletedAt ? { [customerGid]: true } : {} };
}

/** Live orders the rules cannot value (shop money in another currency than the rules'), for the Overview. */
export function countUnvaluedOrders(db: Db, shop: string, currency: string): Promise<number> {
  return db.ledgerOrder.count({ where: { shop, deletedAt: null, NOT: { currencyCode: currency } } });
}
