/**
 * Builders for ledger events in tests (amounts in major units for readability, converted exactly).
 * Test support only; not used by production code.
 *
 * Exported API
 * - at(iso): Date
 * - orderEvent({ id, customer?, processedAt?, updatedAt?, total, shipping?, tax?, cancelledAt?, test?, currency?, presentment? }): LedgerEvent
 * - refundEvent({ id, order, createdAt?, money, lineItems?, shipping?, currency? }): LedgerEvent
 */
import { parseMoney } from "../../app/domain/money.ts";
import type { LedgerEvent } from "../../app/domain/order-ledger.ts";

export const at = (iso: string): Date => new Date(iso);

const minor = (amount: string | number, currency: string) => parseMoney(String(amount), currency);

export function orderEvent(o: {
  id: string;
  customer?: string | null;
  processedAt?: string;
  updatedAt?: string;
  total: string | number;
  shipping?: string | number;
  tax?: string | number;
  cancelledAt?: string | null;
  test?: boolean;
  currency?: string;
  presentment?: string;
}): LedgerEvent {
  const currency = o.currency ?? "USD";
  const processedAt = o.processedAt ?? "2025-01-10T10:00:00Z";
  return {
    type: "order",
    order: {
      orderId: o.id,
      customerId: o.customer === undefined ? "c1" : o.customer,
      processedAt: at(processedAt),
      updatedAt: at(o.updatedAt ?? processedAt),
      currency,
      currentTotalMinor: minor(o.total, currency),
      currentShippingMinor: minor(o.shipping ?? 0, currency),
      currentTaxMinor: minor(o.tax ?? 0, currency),
      cancelledAt: o.cancelledAt ? at(o.cancelledAt) : null,
      test: o.test ?? false,
      ...(o.presentment ? { presentmentCurrency: o.presentment } : {}),
    },
  };
}

export function refundEvent(r: {
  id: string;
  order: string;
  createdAt?: string;
  money: string | number;
  lineItems?: string | number;
  shipping?: string | number;
  currency?: string;
}): LedgerEvent {
  const currency = r.currency ?? "USD";
  return {
    type: "refund",
    refund: {
      refundId: r.id,
      orderId: r.order,
      createdAt: at(r.createdAt ?? "2025-01-20T10:00:00Z"),
      currency,
      transactionsMinor: minor(r.money, currency),
      lineItemsMinor: minor(r.lineItems ?? 0, currency),
      shippingMinor: minor(r.shipping ?? 0, currency),
    },
  };
}
