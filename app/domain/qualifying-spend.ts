/**
 * Qualifying spend: what a customer paid and kept, per the tier rules, within the spend window.
 *
 * Exported API
 * - type SpendSummary = { customerId; currency; qualifyingSpendMinor; qualifyingOrderCount; oldestQualifyingOrderAt }
 * - orderQualifyingSpend(order, rules): MinorUnits          one ledger order, ignoring the window
 * - qualifyingSpend(ledger, customerId, rules, now): SpendSummary
 * - qualifyingSpendByCustomer(ledger, rules, now): Map<customerId, SpendSummary>   one pass, for backfills and previews
 * - emptySpendSummary(customerId, currency): SpendSummary
 *
 * Per order (all in shop money; a different currency throws CurrencyMismatchError):
 *   base     = currentTotal − shipping (unless countShipping) − tax (unless countTax)
 *   each refund lowers it by its money-only part:
 *            transactions − refunded line items − refunded shipping (unless countShipping)
 *   spend    = max(0, base − Σ money-only parts)
 * Shopify's current total already dropped the refunded line items, so only the rest of the money
 * returned is subtracted; together that is "charged minus refunded". A refund that returned less money
 * than the items were worth (a restocking fee kept) therefore adds the kept money back.
 * Cancelled, test, deleted and guest orders count zero; orders of redacted customers count for nobody.
 * A qualifying order is one in the window with spend > 0 (a fully refunded order is not one).
 */
import { assertSameCurrency, type MinorUnits } from "./money.ts";
import { ownerOf, type Ledger, type LedgerOrder } from "./order-ledger.ts";
import { isInWindow } from "./spend-window.ts";
import type { TierRules } from "./tier-rules.ts";

export type SpendSummary = {
  customerId: string;
  currency: string;
  qualifyingSpendMinor: MinorUnits;
  qualifyingOrderCount: number;
  /** processedAt of the oldest qualifying order in the window; its exit from the window is the next time-driven change. */
  oldestQualifyingOrderAt: Date | null;
};

export function emptySpendSummary(customerId: string, currency: string): SpendSummary {
  return { customerId, currency, qualifyingSpendMinor: 0, qualifyingOrderCount: 0, oldestQualifyingOrderAt: null };
}

export function orderQualifyingSpend(order: LedgerOrder, rules: TierRules): MinorUnits {
  const snapshot = order.snapshot;
  if (order.deleted || snapshot === null) return 0;
  assertSameCurrency(rules.currency, snapshot.currency, `order ${snapshot.orderId}`);
  if (snapshot.test || snapshot.cancelledAt !== null) return 0;
  let spend =
    snapshot.currentTotalMinor -
    (rules.countShipping ? 0 : snapshot.currentShippingMinor) -
    (rules.countTax ? 0 : snapshot.currentTaxMinor);
  for (const refund of Object.values(order.refunds)) {
    assertSameCurrency(rules.currency, refund.currency, `refund ${refund.refundId}`);
    spend -= refund.transactionsMinor - refund.lineItemsMinor - (rules.countShipping ? 0 : refund.shippingMinor);
  }
  return Math.max(0, spend);
}

function accumulate(summary: SpendSummary, order: LedgerOrder, rules: TierRules, now: Date): void {
  const snapshot = order.snapshot;
  if (snapshot === null || !isInWindow(rules.window, snapshot.processedAt, now)) {
    // Still validate the currency: an order in another currency is a data error wherever it sits.
    if (snapshot !== null) assertSameCurrency(rules.currency, snapshot.currency, `order ${snapshot.orderId}`);
    return;
  }
  const spend = orderQualifyingSpend(order, rules);
  if (spend <= 0) return;
  summary.qualifyingSpendMinor += spend;
  summary.qualifyingOrderCount += 1;
  if (summary.oldestQualifyingOrderAt === null || snapshot.processedAt.getTime() < summary.oldestQualifyingOrderAt.getTime()) {
    summary.oldestQualifyingOrderAt = snapshot.processedAt;
  }
}

export function qualifyingSpend(ledger: Ledger, customerId: string, rules: TierRules, now: Date): SpendSummary {
  const summary = emptySpendSummary(customerId, rules.currency);
  for (const order of Object.values(ledger.orders)) {
    if (order.deleted || order.snapshot === null || ownerOf(ledger, order.snapshot) !== customerId) continue;
    accumulate(summary, order, rules, now);
  }
  return summary;
}

export function qualifyingSpendByCustomer(ledger: Ledger, rules: TierRules, now: Date): Map<string, SpendSummary> {
  const summaries = new Map<string, SpendSummary>();
  for (const order of Object.values(ledger.orders)) {
    if (order.deleted || order.snapshot === null) continue;
    const owner = ownerOf(ledger, order.snapshot);
    if (owner === null) continue;
    let summary = summaries.get(owner);
    if (!summary) {
      summary = emptySpendSummary(owner, rules.currency);
      summaries.set(owner, summary);
    }
    accumulate(summary, order, rules, now);
  }
  return new Map([...summaries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
