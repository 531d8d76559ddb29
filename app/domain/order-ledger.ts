/**
 * The order ledger: a pure, order-independent reducer over order, refund and customer webhooks.
 *
 * Exported API
 * - type OrderSnapshot, type RefundRecord, type LedgerEvent, type LedgerOrder, type Ledger
 * - type FinancialStatus, FINANCIAL_STATUSES, financialStatusOf(value): FinancialStatus | null
 * - EMPTY_LEDGER: Ledger
 * - applyLedgerEvent(ledger, event): Ledger                  never mutates its input
 * - reduceLedger(events, from = EMPTY_LEDGER): Ledger
 * - touchedCustomerIds(ledger, event): string[]              customers whose spend may change (call before applying)
 * - canonicalLedger(ledger): Ledger                          same value with keys sorted, for digests and storage
 * - ordersOfCustomer(ledger, customerId): LedgerOrder[]      live orders of a customer who is not redacted
 * - ownerOf(ledger, snapshot): string | null                  the customer an order counts for (null: guest or redacted)
 * - type SpendAdjustment, adjustmentsOfCustomer(ledger, customerId): SpendAdjustment[]
 *
 * Guarantees: the result does not depend on the order in which events arrive nor on how often each
 * arrives (webhooks are retried and unordered), i.e. reduceLedger(any permutation with duplicates)
 * deep-equals reduceLedger(each event once). This holds because every rule below is a commutative,
 * idempotent merge:
 * - an order keeps its newest version by updatedAt; equal updatedAt with identical content is a
 *   duplicate; equal updatedAt with different content (Shopify timestamps are per second) keeps a
 *   deterministic winner (cancelled first, then the one further along in payment — authorized, paid,
 *   refunded or voided —, then the lower total: later events in the same second are captures,
 *   cancellations and refunds, which lower totals). Reconciliation repairs the rare wrong pick.
 * - refunds are keyed by refundId under their order and kept even when the order is not yet known.
 * - a deleted order is a tombstone: its refunds are dropped and later versions are ignored.
 * - a spend adjustment (the merchant's correction or an offline purchase) is keyed by its own id,
 *   immutable, and counts for the customer it names unless they are redacted.
 * - a redacted (or deleted) customer is a tombstone: every order naming them, whenever it arrives,
 *   counts for nobody. The mapping is applied when reading (ordersOfCustomer, spend), not by
 *   rewriting stored versions, because rewriting would change which same-second version wins and
 *   break order independence. Only opaque ids are held, never personal data.
 *
 * The ledger can hold one customer's orders or a whole shop's; the caller chooses.
 */
import type { MinorUnits } from "./money.ts";

export type OrderSnapshot = {
  orderId: string;
  /** null for guest orders. */
  customerId: string | null;
  /** When the order was placed (Shopify processed_at); decides the spend window. */
  processedAt: Date;
  /** Version of this snapshot (Shopify updated_at). */
  updatedAt: Date;
  /** The shop's currency; all amounts below are shop money, never presentment money. */
  currency: string;
  /**
   * current_total_price: after edits, returned line items and refunded shipping; including shipping,
   * tax (added, or inside the prices when taxesIncluded), tips and duties.
   */
  currentTotalMinor: MinorUnits;
  /** current_shipping_price_set: after refunded shipping and discounts; with its tax only when taxesIncluded. */
  currentShippingMinor: MinorUnits;
  /** current_total_tax: all tax, items' and shipping's (inside the prices when taxesIncluded). */
  currentTaxMinor: MinorUnits;
  cancelledAt: Date | null;
  test: boolean;
  /** Informational only: the currency the customer paid in. Never added up, not stored, not part of the version. */
  presentmentCurrency?: string;
  /**
   * Payment state (Shopify's financial_status, lower case). Absent on versions stored before it was
   * recorded; qualifying-spend.ts says how each state counts.
   */
  financialStatus?: FinancialStatus | null;
  /** total_outstanding: what the customer still owes on currentTotalMinor (negative: owed to them). Default 0. */
  outstandingMinor?: MinorUnits;
  /** Current value of gift-card line items (buying a gift card), inside currentTotalMinor. Default 0. */
  giftCardLinesMinor?: MinorUnits;
  /** total_tip_received, inside currentTotalMinor. Default 0. */
  tipMinor?: MinorUnits;
  /** current_total_duties_set, inside currentTotalMinor. Default 0. */
  dutiesMinor?: MinorUnits;
  /** taxes_included: prices (items and shipping) include their tax. Default false. */
  taxesIncluded?: boolean;
  /** Tax on the current shipping (part of currentTaxMinor). Default 0. */
  currentShippingTaxMinor?: MinorUnits;
};

/** Shopify's order financial statuses (REST financial_status; GraphQL displayFinancialStatus lower-cased). */
export const FINANCIAL_STATUSES = ["pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided", "expired"] as const;
export type FinancialStatus = (typeof FINANCIAL_STATUSES)[number];

/** A Shopify status string as a FinancialStatus; null for anything else (absent or unknown to this version). */
export function financialStatusOf(value: string | null | undefined): FinancialStatus | null {
  const status = (value ?? "").toLowerCase();
  return (FINANCIAL_STATUSES as readonly string[]).includes(status) ? (status as FinancialStatus) : null;
}

export type RefundRecord = {
  refundId: string;
  orderId: string;
  createdAt: Date;
  /** Shop currency of the amounts below. */
  currency: string;
  /** Money actually returned to the customer (successful refund transactions). */
  transactionsMinor: MinorUnits;
  /** Value of the refunded line items, subtotal plus their tax (already gone from currentTotalMinor). */
  lineItemsMinor: MinorUnits;
  /** Shipping refunded, with its tax (part of transactionsMinor). */
  shippingMinor: MinorUnits;
};

/**
 * Spend the merchant added (or, negative, took away) by hand: an offline purchase, a correction.
 * Its own kind of entry, not an order: it moves spend, never the order count, and leaves the
 * window as an order placed at `effectiveAt` would.
 */
export type SpendAdjustment = {
  adjustmentId: string;
  customerId: string;
  amountMinor: MinorUnits;
  currency: string;
  effectiveAt: Date;
};

export type LedgerEvent =
  | { type: "order"; order: OrderSnapshot }
  | { type: "adjustment"; adjustment: SpendAdjustment }
  | { type: "refund"; refund: RefundRecord }
  | { type: "order_deleted"; orderId: string }
  | { type: "customer_redacted"; customerId: string };

export type LedgerOrder = {
  orderId: string;
  /** Newest known version; null while only refunds have arrived, or after deletion. */
  snapshot: OrderSnapshot | null;
  deleted: boolean;
  /** Keyed by refundId. */
  refunds: Record<string, RefundRecord>;
};

export type Ledger = {
  orders: Record<string, LedgerOrder>;
  /** Tombstones of redacted or deleted customers. */
  redactedCustomerIds: Record<string, true>;
  /** Spend adjustments keyed by adjustmentId; absent means none. */
  adjustments?: Record<string, SpendAdjustment>;
};

export const EMPTY_LEDGER: Ledger = Object.freeze({ orders: Object.freeze({}), redactedCustomerIds: Object.freeze({}) }) as Ledger;

function emptyOrder(orderId: string): LedgerOrder {
  return { orderId, snapshot: null, deleted: false, refunds: {} };
}

function time(date: Date | null): number {
  return date === null ? Number.NEGATIVE_INFINITY : date.getTime();
}

/**
 * The fields that make a version: exactly those the ledger stores (a field compared here but not
 * stored makes every redelivery look newer than what was stored, so each copy is rewritten and
 * recomputed). Informational fields such as presentmentCurrency stay out.
 */
function snapshotKey(s: OrderSnapshot): string {
  return JSON.stringify([
    s.orderId, s.customerId, s.processedAt.getTime(), s.updatedAt.getTime(), s.currency, s.currentTotalMinor,
    s.currentShippingMinor, s.currentTaxMinor, time(s.cancelledAt), s.test,
    ...moneyStateKey(s),
  ]);
}

/** The payment and composition fields, with their defaults, so an absent field and its default compare equal. */
function moneyStateKey(s: OrderSnapshot): unknown[] {
  return [
    s.financialStatus ?? null, s.outstandingMinor ?? 0, s.giftCardLinesMinor ?? 0, s.tipMinor ?? 0, s.dutiesMinor ?? 0,
    s.taxesIncluded ?? false, s.currentShippingTaxMinor ?? 0,
  ];
}

const PAYMENT_PROGRESS: Record<FinancialStatus, number> = {
  pending: 1, authorized: 2, partially_paid: 3, paid: 4, partially_refunded: 5, refunded: 6, voided: 6, expired: 6,
};
/** How far along its payment a version is; a version stored before the status was recorded ranks first. */
const paymentProgress = (s: OrderSnapshot) => (s.financialStatus ? PAYMENT_PROGRESS[s.financialStatus] : 0);

/** Positive when `a` should replace `b`. A total order on snapshots, so the newest wins whatever the arrival order. */
export function compareOrderVersions(a: OrderSnapshot, b: OrderSnapshot): number {
  const byUpdate = a.updatedAt.getTime() - b.updatedAt.getTime();
  if (byUpdate !== 0) return byUpdate;
  const aCancelled = a.cancelledAt !== null ? 1 : 0;
  const bCancelled = b.cancelledAt !== null ? 1 : 0;
  if (aCancelled !== bCancelled) return aCancelled - bCancelled;
  // Payment only moves forward (authorized → paid → refunded, or → voided): the version further along is the later one.
  const byPayment = paymentProgress(a) - paymentProgress(b);
  if (byPayment !== 0) return byPayment;
  if (a.currentTotalMinor !== b.currentTotalMinor) return b.currentTotalMinor - a.currentTotalMinor;
  const ka = snapshotKey(a);
  const kb = snapshotKey(b);
  return ka === kb ? 0 : ka < kb ? 1 : -1;
}

function refundKey(r: RefundRecord): string {
  return JSON.stringify([r.refundId, r.orderId, r.createdAt.getTime(), r.currency, r.transactionsMinor, r.lineItemsMinor, r.shippingMinor]);
}

function adjustmentKey(a: SpendAdjustment): string {
  return JSON.stringify([a.adjustmentId, a.customerId, a.amountMinor, a.currency, a.effectiveAt.getTime()]);
}

export function ownerOf(ledger: Ledger, snapshot: OrderSnapshot): string | null {
  const { customerId } = snapshot;
  return customerId !== null && !ledger.redactedCustomerIds[customerId] ? customerId : null;
}

function putOrder(ledger: Ledger, entry: LedgerOrder): Ledger {
  return { ...ledger, orders: { ...ledger.orders, [entry.orderId]: entry } };
}

export function applyLedgerEvent(ledger: Ledger, event: LedgerEvent): Ledger {
  switch (event.type) {
    case "order": {
      const incoming = event.order;
      const existing = ledger.orders[incoming.orderId] ?? emptyOrder(incoming.orderId);
      if (existing.deleted) return ledger;
      if (existing.snapshot !== null && compareOrderVersions(incoming, existing.snapshot) <= 0) return ledger;
      return putOrder(ledger, { ...existing, snapshot: incoming });
    }
    case "refund": {
      const { refund } = event;
      const existing = ledger.orders[refund.orderId] ?? emptyOrder(refund.orderId);
      if (existing.deleted) return ledger;
      const known = existing.refunds[refund.refundId];
      // Refunds are immutable in Shopify; the comparison only keeps pathological conflicting copies deterministic.
      if (known !== undefined && refundKey(known) <= refundKey(refund)) return ledger;
      return putOrder(ledger, { ...existing, refunds: { ...existing.refunds, [refund.refundId]: refund } });
    }
    case "adjustment": {
      const { adjustment } = event;
      const known = ledger.adjustments?.[adjustment.adjustmentId];
      // Immutable once made; a conflicting copy keeps a deterministic winner, as refunds do.
      if (known !== undefined && adjustmentKey(known) <= adjustmentKey(adjustment)) return ledger;
      return { ...ledger, adjustments: { ...ledger.adjustments, [adjustment.adjustmentId]: adjustment } };
    }
    case "order_deleted": {
      const existing = ledger.orders[event.orderId];
      if (existing?.deleted) return ledger;
      return putOrder(ledger, { orderId: event.orderId, snapshot: null, deleted: true, refunds: {} });
    }
    case "customer_redacted": {
      if (ledger.redactedCustomerIds[event.customerId]) return ledger;
      return { ...ledger, redactedCustomerIds: { ...ledger.redactedCustomerIds, [event.customerId]: true } };
    }
  }
}

export function reduceLedger(events: Iterable<LedgerEvent>, from: Ledger = EMPTY_LEDGER): Ledger {
  let ledger = from;
  for (const event of events) ledger = applyLedgerEvent(ledger, event);
  return ledger;
}

/**
 * Customers whose qualifying spend may change when `event` is applied to `ledger`: an order moved
 * from one customer to another touches both.
 */
export function touchedCustomerIds(ledger: Ledger, event: LedgerEvent): string[] {
  const ids = new Set<string>();
  const previousOwner = (orderId: string) => {
    const snapshot = ledger.orders[orderId]?.snapshot;
    return snapshot ? ownerOf(ledger, snapshot) : null;
  };
  switch (event.type) {
    case "order": {
      const before = previousOwner(event.order.orderId);
      if (before) ids.add(before);
      const after = ownerOf(ledger, event.order);
      if (after) ids.add(after);
      break;
    }
    case "refund":
    case "order_deleted": {
      const orderId = event.type === "refund" ? event.refund.orderId : event.orderId;
      const owner = previousOwner(orderId);
      if (owner) ids.add(owner);
      break;
    }
    case "adjustment": {
      const before = ledger.adjustments?.[event.adjustment.adjustmentId]?.customerId;
      for (const id of [before, event.adjustment.customerId]) if (id && !ledger.redactedCustomerIds[id]) ids.add(id);
      break;
    }
    case "customer_redacted":
      ids.add(event.customerId);
      break;
  }
  return [...ids].sort();
}

function sortedRecord<T>(record: Record<string, T>, map: (value: T) => T = (v) => v): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = map(record[key]);
  return out;
}

export function canonicalLedger(ledger: Ledger): Ledger {
  return {
    orders: sortedRecord(ledger.orders, (entry) => ({ ...entry, refunds: sortedRecord(entry.refunds) })),
    redactedCustomerIds: sortedRecord(ledger.redactedCustomerIds),
    ...(ledger.adjustments && Object.keys(ledger.adjustments).length ? { adjustments: sortedRecord(ledger.adjustments) } : {}),
  };
}

export function ordersOfCustomer(ledger: Ledger, customerId: string): LedgerOrder[] {
  if (ledger.redactedCustomerIds[customerId]) return [];
  return Object.values(ledger.orders).filter((entry) => !entry.deleted && entry.snapshot?.customerId === customerId);
}

export function adjustmentsOfCustomer(ledger: Ledger, customerId: string): SpendAdjustment[] {
  if (ledger.redactedCustomerIds[customerId] || !ledger.adjustments) return [];
  return Object.values(ledger.adjustments).filter((a) => a.customerId === customerId);
}
