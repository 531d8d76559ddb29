/**
 * Qualifying spend: what a customer paid and kept, per the tier rules, within the spend window.
 *
 * Exported API
 * - type SpendSummary = { customerId; currency; qualifyingSpendMinor; qualifyingOrderCount; oldestQualifyingOrderAt }
 * - type OrderValuation = { kind: "valued"; spendMinor } | { kind: "unvalued"; reason }
 * - valueOrder(order, rules): OrderValuation                one ledger order, ignoring the window; never throws
 * - orderQualifyingSpend(order, rules): MinorUnits          the same, 0 for an unvalued order
 * - qualifyingSpend(ledger, customerId, rules, now): SpendSummary
 * - qualifyingSpendByCustomer(ledger, rules, now): Map<customerId, SpendSummary>   one pass, for backfills and previews
 * - emptySpendSummary(customerId, currency): SpendSummary
 *
 * Per order, in shop money. Shopify's current total already dropped refunded line items and
 * refunded shipping (with their tax), and it holds shipping, tax, tips, duties and gift cards bought:
 *   kept     = currentTotal − Σ money-only parts of the refunds
 *              money-only part = transactions − refunded line items − refunded shipping
 *              (what went back beyond what the current total already dropped: goodwill; negative when
 *              the merchant kept some, e.g. a restocking fee, which is therefore counted)
 *   spend    = kept − gift-card lines (always: buying a card is not spend; its money counts when the card
 *                    pays for an order, as part of that order's total)
 *                   − tips (unless countTips) − duties (unless countDuties)
 *                   − shipping with its tax (unless countShipping)
 *                   − the rest of the tax (unless countTax)
 *   Shipping tax is part of current tax; in a tax-inclusive shop (taxes_included, EU/UK/AU) it is
 *   also inside the current shipping, so it is taken out once, never twice. Excluding tax there
 *   subtracts the tax included in the prices, which leaves the same net amount an exclusive shop has.
 *
 * Payment (financial status): only money received counts.
 *   pending (payment terms, cash on delivery, manual methods), authorized (not captured), voided and
 *   expired count 0. paid, partially_refunded and refunded count as above (refunds already subtract).
 *   partially_paid, and any order with money still outstanding, counts the share received so far:
 *     spend × received / currentTotal, received = currentTotal − outstanding (rounded down), so the
 *   customer's spend grows with each payment and never exceeds what the order is worth under the rules.
 *   A version stored before the status was recorded (absent) counts as paid; reconciliation rereads it.
 * An order or refund in a currency other than the rules' is unvalued: it counts 0 and is reported
 * (valueOrder), never thrown, so one foreign order cannot stop a customer's recompute.
 * Cancelled, test, deleted and guest orders count zero; orders of redacted customers count for nobody.
 * A qualifying order is one in the window with spend > 0 (a fully refunded order is not one).
 *
 * Spend adjustments (the merchant's, by hand) in the window add their amount, positive or negative,
 * but are not orders (minimum-order rules ignore them); one in another currency counts nothing. The
 * total never goes below zero. An adjustment's date counts toward oldestQualifyingOrderAt, since its
 * exit from the window changes the spend as an order's would.
 */
import type { MinorUnits } from "./money.ts";
import { ownerOf, type FinancialStatus, type Ledger, type LedgerOrder, type SpendAdjustment } from "./order-ledger.ts";
import { isInWindow } from "./spend-window.ts";
import type { TierRules } from "./tier-rules.ts";

export type SpendSummary = {
  customerId: string;
  currency: string;
  qualifyingSpendMinor: MinorUnits;
  qualifyingOrderCount: number;
  /** processedAt of the oldest qualifying order (or adjustment) in the window; its exit from the window is the next time-driven change. */
  oldestQualifyingOrderAt: Date | null;
};

export function emptySpendSummary(customerId: string, currency: string): SpendSummary {
  return { customerId, currency, qualifyingSpendMinor: 0, qualifyingOrderCount: 0, oldestQualifyingOrderAt: null };
}

/** Statuses under which no money has been received (yet, or ever). */
export const UNPAID: ReadonlySet<FinancialStatus> = new Set(["pending", "authorized", "voided", "expired"]);

export type OrderValuation = { kind: "valued"; spendMinor: MinorUnits } | { kind: "unvalued"; reason: string };

export function valueOrder(order: LedgerOrder, rules: TierRules): OrderValuation {
  const s = order.snapshot;
  if (order.deleted || s === null) return { kind: "valued", spendMinor: 0 };
  if (s.currency !== rules.currency) {
    return { kind: "unvalued", reason: `order ${s.orderId} is in ${s.currency}, the tier rules in ${rules.currency}` };
  }
  const foreign = Object.values(order.refunds).find((refund) => refund.currency !== rules.currency);
  if (foreign) return { kind: "unvalued", reason: `refund ${foreign.refundId} is in ${foreign.currency}, the tier rules in ${rules.currency}` };
  if (s.test || s.cancelledAt !== null) return { kind: "valued", spendMinor: 0 };
  if (s.financialStatus && UNPAID.has(s.financialStatus)) return { kind: "valued", spendMinor: 0 };

  let kept = s.currentTotalMinor;
  for (const refund of Object.values(order.refunds)) kept -= refund.transactionsMinor - refund.lineItemsMinor - refund.shippingMinor;

  const shippingTax = s.currentShippingTaxMinor ?? 0;
  const shippingWithTax = s.currentShippingMinor + (s.taxesIncluded ? 0 : shippingTax);
  let spend = kept - (s.giftCardLinesMinor ?? 0);
  if (!rules.countTips) spend -= s.tipMinor ?? 0;
  if (!rules.countDuties) spend -= s.dutiesMinor ?? 0;
  if (!rules.countShipping) spend -= shippingWithTax;
  if (!rules.countTax) spend -= s.currentTaxMinor - (rules.countShipping ? 0 : shippingTax);
  spend = Math.max(0, spend);

  const outstanding = s.outstandingMinor ?? 0;
  if (outstanding > 0 && spend > 0) {
    const received = Math.max(0, s.currentTotalMinor - outstanding);
    // BigInt: spend × received can pass 2^53 for large amounts.
    spend = s.currentTotalMinor > 0 ? Number((BigInt(spend) * BigInt(received)) / BigInt(s.currentTotalMinor)) : 0;
  }
  return { kind: "valued", spendMinor: spend };
}

export function orderQualifyingSpend(order: LedgerOrder, rules: TierRules): MinorUnits {
  const valuation = valueOrder(order, rules);
  return valuation.kind === "valued" ? valuation.spendMinor : 0;
}

function accumulate(summary: SpendSummary, order: LedgerOrder, rules: TierRules, now: Date): void {
  const snapshot = order.snapshot;
  if (snapshot === null || !isInWindow(rules.window, snapshot.processedAt, now)) return;
  const spend = orderQualifyingSpend(order, rules);
  if (spend <= 0) return;
  summary.qualifyingSpendMinor += spend;
  summary.qualifyingOrderCount += 1;
  if (summary.oldestQualifyingOrderAt === null || snapshot.processedAt.getTime() < summary.oldestQualifyingOrderAt.getTime()) {
    summary.oldestQualifyingOrderAt = snapshot.processedAt;
  }
}

/** Adds the in-window adjustments (already the customer's) and clamps the total at zero. */
function addAdjustments(summary: SpendSummary, adjustments: Iterable<SpendAdjustment>, rules: TierRules, now: Date): void {
  for (const adjustment of adjustments) {
    if (adjustment.currency !== rules.currency || !isInWindow(rules.window, adjustment.effectiveAt, now)) continue;
    summary.qualifyingSpendMinor += adjustment.amountMinor;
    if (summary.oldestQualifyingOrderAt === null || adjustment.effectiveAt.getTime() < summary.oldestQualifyingOrderAt.getTime()) {
      summary.oldestQualifyingOrderAt = adjustment.effectiveAt;
    }
  }
  summary.qualifyingSpendMinor = Math.max(0, summary.qualifyingSpendMinor);
}

export function qualifyingSpend(ledger: Ledger, customerId: string, rules: TierRules, now: Date): SpendSummary {
  const summary = emptySpendSummary(customerId, rules.currency);
  for (const order of Object.values(ledger.orders)) {
    if (order.deleted || order.snapshot === null || ownerOf(ledger, order.snapshot) !== customerId) continue;
    accumulate(summary, order, rules, now);
  }
  if (ledger.adjustments && !ledger.redactedCustomerIds[customerId]) {
    addAdjustments(summary, Object.values(ledger.adjustments).filter((a) => a.customerId === customerId), rules, now);
  }
  return summary;
}

export function qualifyingSpendByCustomer(ledger: Ledger, rules: TierRules, now: Date): Map<string, SpendSummary> {
  const summaries = new Map<string, SpendSummary>();
  const summaryOf = (owner: string) => {
    let summary = summaries.get(owner);
    if (!summary) {
      summary = emptySpendSummary(owner, rules.currency);
      summaries.set(owner, summary);
    }
    return summary;
  };
  for (const order of Object.values(ledger.orders)) {
    if (order.deleted || order.snapshot === null) continue;
    const owner = ownerOf(ledger, order.snapshot);
    if (owner === null) continue;
    accumulate(summaryOf(owner), order, rules, now);
  }
  const adjustmentsByOwner = new Map<string, SpendAdjustment[]>();
  for (const adjustment of Object.values(ledger.adjustments ?? {})) {
    if (ledger.redactedCustomerIds[adjustment.customerId]) continue;
    adjustmentsByOwner.set(adjustment.customerId, [...(adjustmentsByOwner.get(adjustment.customerId) ?? []), adjustment]);
  }
  for (const [owner, adjustments] of adjustmentsByOwner) addAdjustments(summaryOf(owner), adjustments, rules, now);
  return new Map([...summaries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
