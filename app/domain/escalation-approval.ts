/**
 * A person's answer to an escalated request: approve the proposed quote, pick others, or cancel.
 *
 * Exported API
 * - type ApprovalIssue = { quoteId: string | null; message }
 * - type ApprovedAward                                     the option to turn into purchase orders, with what the person overrode
 * - approveQuotes({ settings, rule, quantity, neededWithinBusinessDays, quotes, chosenQuoteIds, now }):
 *       { ok: true; award: ApprovedAward } | { ok: false; issues: ApprovalIssue[] }
 *
 * A person may knowingly accept what the automatic rules refuse: a price above the band, a lead
 * time past the date needed, less than the full quantity. Those are reported back (`aboveBand`,
 * `late`, `shortBy`) to be stored with the approval. What no one can accept: a quote that has
 * expired by the time of approval (`now`, not the escalation's time), one in another currency,
 * one from a supplier not set up for the SKU, one replaced by a later answer from the same
 * supplier, or one offering nothing. Chosen quotes are filled in the order the person picked.
 */
import { costAgainstUsual, exceedsBand, scoreQuotes, type AwardOption, type AwardPart, type CostAgainstUsual, type QuoteOutReason, type SupplierQuote } from "./quote-scoring.ts";
import type { ReplenishmentSettings, SkuReplenishmentRule } from "./replenishment-rules.ts";

export type ApprovalIssue = { quoteId: string | null; message: string };

export type ApprovedAward = {
  option: AwardOption;
  cost: CostAgainstUsual;
  /** Above the shop's escalation threshold (the person accepted the price). */
  aboveBand: boolean;
  /** Some part arrives after the date needed. */
  late: boolean;
  /** Units of the request the chosen quotes cannot supply. */
  shortBy: number;
  approvedAt: Date;
};

const REFUSED: Partial<Record<QuoteOutReason, (quote: SupplierQuote) => string>> = {
  expired: (quote) => `this quote expired at ${quote.validUntil.toISOString()}; ask the supplier for a new one`,
  other_currency: (quote) => `this quote is in ${quote.currency}; only quotes in the shop's purchasing currency can be approved`,
  unknown_supplier: () => "this supplier is not set up for the SKU",
  superseded: () => "the supplier sent a newer quote that replaces this one",
  nothing_offered: () => "this quote offers nothing at a price",
};

export function approveQuotes({
  settings,
  rule,
  quantity,
  neededWithinBusinessDays,
  quotes,
  chosenQuoteIds,
  thresholdPercent = settings.escalationThresholdPercent,
  now,
}: {
  settings: ReplenishmentSettings;
  rule: SkuReplenishmentRule;
  quantity: number;
  neededWithinBusinessDays: number;
  quotes: readonly SupplierQuote[];
  chosenQuoteIds: readonly string[];
  /** The band the request was held to (the decision's rule.priority.escalationThresholdPercent). */
  thresholdPercent?: number;
  now: Date;
}): { ok: true; award: ApprovedAward } | { ok: false; issues: ApprovalIssue[] } {
  if (chosenQuoteIds.length === 0) return { ok: false, issues: [{ quoteId: null, message: "pick at least one quote to approve" }] };
  // Lateness is the person's call here, so nothing is out for being late; it is reported instead.
  const scored = scoreQuotes({ quotes, suppliers: rule.suppliers, weights: settings.weights, currency: settings.currency, quantity, neededWithinBusinessDays: Number.POSITIVE_INFINITY, now });
  const issues: ApprovalIssue[] = [];
  const seenSuppliers = new Set<string>();
  const chosen = chosenQuoteIds.flatMap((quoteId) => {
    const entry = scored.find((candidate) => candidate.quote.quoteId === quoteId);
    if (!entry) {
      issues.push({ quoteId, message: "there is no such quote on this request" });
      return [];
    }
    const refusal = entry.outReason ? REFUSED[entry.outReason] : undefined;
    if (refusal) {
      issues.push({ quoteId, message: refusal(entry.quote) });
      return [];
    }
    if (seenSuppliers.has(entry.quote.supplierId)) {
      issues.push({ quoteId, message: "this supplier is already picked" });
      return [];
    }
    seenSuppliers.add(entry.quote.supplierId);
    return [entry];
  });
  if (issues.length > 0) return { ok: false, issues };

  const parts: AwardPart[] = [];
  let left = quantity;
  for (const entry of chosen) {
    if (left === 0) {
      issues.push({ quoteId: entry.quote.quoteId, message: "the quotes picked before this one already cover the quantity" });
      continue;
    }
    const take = Math.min(left, entry.quote.availableQuantity);
    left -= take;
    parts.push({ quoteId: entry.quote.quoteId, supplierId: entry.quote.supplierId, quantity: take, unitPriceMinor: entry.quote.unitPriceMinor, leadBusinessDays: entry.quote.leadBusinessDays, score: entry.score as number });
  }
  if (issues.length > 0) return { ok: false, issues };

  const supplied = quantity - left;
  const option: AwardOption = {
    parts,
    quantity: supplied,
    totalMinor: parts.reduce((sum, part) => sum + part.quantity * part.unitPriceMinor, 0),
    leadBusinessDays: Math.max(...parts.map((part) => part.leadBusinessDays)),
    score: parts.reduce((sum, part) => sum + part.quantity * part.score, 0) / supplied,
    split: parts.length > 1,
  };
  const cost = costAgainstUsual(option, rule.suppliers);
  return {
    ok: true,
    award: { option, cost, aboveBand: exceedsBand(cost, thresholdPercent), late: option.leadBusinessDays > neededWithinBusinessDays, shortBy: left, approvedAt: now },
  };
}
