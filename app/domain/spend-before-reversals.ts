/**
 * Spend before reversals: what a member's qualifying spend would be had no refund been given and no
 * order cancelled, under the same rules, window and `now`. Comparing it with the actual spend tells
 * why a member fell below their tier: when this spend still holds the tier, refunds or cancellations
 * took the money back (no grace); when it does not, the window aged their orders out or the rules
 * moved (grace).
 *
 * Exported API
 * - spendBeforeReversals(ledger, customerId, rules, now): { qualifyingSpendMinor; qualifyingOrderCount }
 *
 * Per order: its qualifying spend (orderQualifyingSpend) as if not cancelled and without refunds,
 * plus the refunded line items, which Shopify's current total already left out. Refunded line items
 * are stored with their tax, so with tax not counting this slightly overstates; it only ever decides
 * between "taken back" and "grace", never a tier. Test, deleted and guest orders still count zero.
 * The merchant's spend adjustments in the window count as they are, except negative ones: a
 * correction that takes spend away is a reversal like a refund (no grace when it takes the tier).
 */
import type { MinorUnits } from "./money.ts";
import { adjustmentsOfCustomer, ownerOf, type Ledger } from "./order-ledger.ts";
import { orderQualifyingSpend, type SpendSummary } from "./qualifying-spend.ts";
import { isInWindow } from "./spend-window.ts";
import type { TierRules } from "./tier-rules.ts";

export function spendBeforeReversals(
  ledger: Ledger,
  customerId: string,
  rules: TierRules,
  now: Date,
): Pick<SpendSummary, "qualifyingSpendMinor" | "qualifyingOrderCount"> {
  let qualifyingSpendMinor: MinorUnits = 0;
  let qualifyingOrderCount = 0;
  for (const order of Object.values(ledger.orders)) {
    const snapshot = order.snapshot;
    if (order.deleted || snapshot === null || ownerOf(ledger, snapshot) !== customerId) continue;
    if (!isInWindow(rules.window, snapshot.processedAt, now)) continue;
    const unreversed = orderQualifyingSpend({ ...order, snapshot: { ...snapshot, cancelledAt: null }, refunds: {} }, rules);
    const returnedItems = Object.values(order.refunds).reduce((sum, refund) => sum + refund.lineItemsMinor, 0);
    const spend = snapshot.test ? 0 : unreversed + returnedItems;
    if (spend <= 0) continue;
    qualifyingSpendMinor += spend;
    qualifyingOrderCount += 1;
  }
  for (const adjustment of adjustmentsOfCustomer(ledger, customerId)) {
    if (adjustment.amountMinor > 0 && adjustment.currency === rules.currency && isInWindow(rules.window, adjustment.effectiveAt, now)) qualifyingSpendMinor += adjustment.amountMinor;
  }
  return { qualifyingSpendMinor, qualifyingOrderCount };
}
