/**
 * A member's standing as the member page explains it: what counts now, since when the member has
 * held their tier on the money alone, and what keeps the tier while a grace period runs.
 *
 * Exported API
 * - type CountedEntry = { kind: "order" | "adjustment"; id; at; spendMinor }
 * - countedEntries(ledger, customerId, rules, now): CountedEntry[]       newest first, spend > 0 orders and every adjustment in the window
 * - tierReachedAt(ledger, customerId, rules, tierKey, now): Date | null  start of the unbroken run of spend at or over the tier's entry
 * - spendToKeepTier(ledger, customerId, rules, state): { neededMinor; by } | null   while in grace
 *
 * tierReachedAt replays the ledger as it stands: at each order's date and each exit from the window
 * it asks whether the spend then met the tier's entry threshold, and returns the first moment of the
 * last unbroken run that lasts until now. A tier first computed by the history import therefore reads
 * as held since the order that lifted the member, not since the app was installed. Refunds are taken
 * as they are now (their dates do not move the run), which is what the merchant sees on the orders.
 */
import type { MinorUnits } from "./money.ts";
import { adjustmentsOfCustomer, ownerOf, type Ledger } from "./order-ledger.ts";
import { orderQualifyingSpend, qualifyingSpend } from "./qualifying-spend.ts";
import { isInWindow, windowExitAt } from "./spend-window.ts";
import type { MemberTierState } from "./tier-evaluation.ts";
import { tierIndex, type TierRules } from "./tier-rules.ts";

export type CountedEntry = { kind: "order" | "adjustment"; id: string; at: Date; spendMinor: MinorUnits };

/** Every entry that would count at some time: orders with spend, adjustments in the rules' currency. */
function allEntries(ledger: Ledger, customerId: string, rules: TierRules): CountedEntry[] {
  const entries: CountedEntry[] = [];
  for (const order of Object.values(ledger.orders)) {
    const s = order.snapshot;
    if (order.deleted || s === null || ownerOf(ledger, s) !== customerId) continue;
    const spendMinor = orderQualifyingSpend(order, rules);
    if (spendMinor > 0) entries.push({ kind: "order", id: order.orderId, at: s.processedAt, spendMinor });
  }
  for (const a of adjustmentsOfCustomer(ledger, customerId)) {
    if (a.currency === rules.currency) entries.push({ kind: "adjustment", id: a.adjustmentId, at: a.effectiveAt, spendMinor: a.amountMinor });
  }
  return entries;
}

export function countedEntries(ledger: Ledger, customerId: string, rules: TierRules, now: Date): CountedEntry[] {
  return allEntries(ledger, customerId, rules)
    .filter((e) => isInWindow(rules.window, e.at, now))
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? -1 : 1));
}

export function tierReachedAt(ledger: Ledger, customerId: string, rules: TierRules, tierKey: string, now: Date): Date | null {
  const index = tierIndex(rules, tierKey);
  if (index < 0) return null;
  const threshold = rules.tiers[index].entryThresholdMinor;
  // A sweep over time: each entry adds its spend when made and takes it back when it leaves the
  // window; the spend is checked after every moment something changed (a member with hundreds of
  // orders costs n log n, not n²).
  const changes: { at: number; delta: number }[] = [];
  for (const e of allEntries(ledger, customerId, rules)) {
    if (e.at.getTime() > now.getTime()) continue;
    changes.push({ at: e.at.getTime(), delta: e.spendMinor });
    const exit = windowExitAt(rules.window, e.at, e.at);
    if (exit && exit.getTime() <= now.getTime()) changes.push({ at: exit.getTime(), delta: -e.spendMinor });
  }
  if (changes.length === 0) return null;
  changes.sort((a, b) => a.at - b.at);
  let spend = 0;
  let start: number | null = null;
  for (let i = 0; i < changes.length; i++) {
    spend += changes[i].delta;
    if (i + 1 < changes.length && changes[i + 1].at === changes[i].at) continue;
    if (Math.max(0, spend) >= threshold) start ??= changes[i].at;
    else start = null;
  }
  return start === null ? null : new Date(start);
}

export function spendToKeepTier(ledger: Ledger, customerId: string, rules: TierRules, state: MemberTierState): { neededMinor: MinorUnits; by: Date } | null {
  if (state.grace === null || state.pin !== null) return null;
  const index = tierIndex(rules, state.tierKey);
  if (index < 0) return null;
  const tier = rules.tiers[index];
  const retain = tier.retainThresholdMinor ?? tier.entryThresholdMinor;
  // What will still count when the grace ends: orders leaving the window before then no longer help.
  const atEnd = qualifyingSpend(ledger, customerId, rules, state.grace.until).qualifyingSpendMinor;
  return { neededMinor: Math.max(0, retain - atEnd), by: state.grace.until };
}
