/**
 * Supplier quotes weighed against each other: which are in play, their scores, and the ways the
 * requested quantity can be awarded (one supplier, or a split where the merchant allows it).
 *
 * Exported API
 * - type SupplierQuote, type QuoteStanding, type QuoteOutReason, type ScoredQuote
 * - type AwardPart, type AwardOption, type CostAgainstUsual
 * - scoreQuotes({ quotes, suppliers, weights, currency, quantity, neededWithinBusinessDays, now }): ScoredQuote[]
 *       every quote, side by side: covering first, then partial, then out; best score first
 * - awardOptions({ scored, quantity, allowSplits }): AwardOption[]   each covering quote alone, plus splits
 * - compareOptions(a, b, { preferEarliestLeadTime }): number          the order bestOption uses
 * - bestOption(options, { preferEarliestLeadTime }): AwardOption | null
 * - costAgainstUsual(option, suppliers): CostAgainstUsual
 * - exceedsBand(cost, percent): boolean                               total > usual × (1 + percent), exactly
 *
 * Standing
 * - out: expired (validUntil before `now`; valid up to and including its instant), too late (lead
 *   time beyond the date needed), another currency, a supplier not preset for the SKU, nothing
 *   offered, or superseded by a later quote from the same supplier (a revised answer replaces it).
 * - partial: in time, but offers less than the quantity: usable only in a split.
 * - covers: in time, and offers the whole quantity.
 *
 * Score (0 to 1, higher is better), over the quotes in play (covers + partial), with the
 * merchant's weights normalised to sum 1: price = lowest price / this price (the usual tender
 * formula: the cheapest gets full marks), lead time = (shortest + 1) / (this + 1) (the +1 keeps a
 * same-day answer finite), quality = rating / 5. Scores are relative to the quotes of one request.
 *
 * Splits: the quantity-weighted score of an allocation is highest when the best-scoring quotes
 * are filled first (a fractional knapsack with whole units), so the split is built greedily in
 * score order. A second split fills the earliest deliveries first, for requests that prefer the
 * earliest lead time. A split is offered only when it uses two or more suppliers; it is chosen
 * only when it outranks every single-supplier option. A split's lead time is its slowest part's.
 *
 * Ties are broken by fixed rules (lower total, earlier lead, fewer parts, then ids) so the same
 * quotes always give the same award, whatever order they arrived in.
 */
import type { MinorUnits } from "./money.ts";
import { toBasisPoints, type ScoringWeights, type SupplierPreset } from "./replenishment-rules.ts";

export type SupplierQuote = {
  quoteId: string;
  supplierId: string;
  currency: string;
  unitPriceMinor: MinorUnits;
  /** How many units the supplier can deliver within the lead time. */
  availableQuantity: number;
  leadBusinessDays: number;
  validUntil: Date;
  receivedAt: Date;
};

export type QuoteStanding = "covers" | "partial" | "out";
export type QuoteOutReason = "expired" | "too_late" | "other_currency" | "unknown_supplier" | "nothing_offered" | "superseded";

export type ScoredQuote = {
  quote: SupplierQuote;
  standing: QuoteStanding;
  outReason: QuoteOutReason | null;
  /** null for quotes that are out. */
  score: number | null;
  criteria: { price: number; leadTime: number; quality: number } | null;
};

export type AwardPart = {
  quoteId: string;
  supplierId: string;
  quantity: number;
  unitPriceMinor: MinorUnits;
  leadBusinessDays: number;
  score: number;
};

export type AwardOption = {
  parts: AwardPart[];
  quantity: number;
  totalMinor: MinorUnits;
  /** The slowest part's. */
  leadBusinessDays: number;
  /** Quantity-weighted mean of the parts' scores. */
  score: number;
  split: boolean;
};

export type CostAgainstUsual = {
  totalMinor: MinorUnits;
  /** What the same parts cost at each supplier's usual unit cost. */
  usualTotalMinor: MinorUnits;
  /** Rise over usual, rounded to two decimals, for people (decisions use exceedsBand). */
  risePercent: number;
};

function checkQuote(quote: SupplierQuote): void {
  const whole = (name: string, value: number) => {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`quote ${quote.quoteId}: ${name} must be a whole number ≥ 0, got ${value}`);
  };
  whole("unit price", quote.unitPriceMinor);
  whole("available quantity", quote.availableQuantity);
  whole("lead time", quote.leadBusinessDays);
  if (Number.isNaN(quote.validUntil.getTime()) || Number.isNaN(quote.receivedAt.getTime())) throw new Error(`quote ${quote.quoteId}: invalid date`);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The later answer from a supplier replaces the earlier; same instant: the larger quote id. */
function latestPerSupplier(quotes: readonly SupplierQuote[]): Set<string> {
  const latest = new Map<string, SupplierQuote>();
  for (const quote of quotes) {
    const seen = latest.get(quote.supplierId);
    if (!seen || quote.receivedAt.getTime() > seen.receivedAt.getTime() || (quote.receivedAt.getTime() === seen.receivedAt.getTime() && quote.quoteId > seen.quoteId)) {
      latest.set(quote.supplierId, quote);
    }
  }
  return new Set([...latest.values()].map((quote) => quote.quoteId));
}

export function scoreQuotes({
  quotes,
  suppliers,
  weights,
  currency,
  quantity,
  neededWithinBusinessDays,
  now,
}: {
  quotes: readonly SupplierQuote[];
  suppliers: readonly SupplierPreset[];
  weights: ScoringWeights;
  currency: string;
  quantity: number;
  neededWithinBusinessDays: number;
  now: Date;
}): ScoredQuote[] {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new Error(`quantity must be a whole number ≥ 1, got ${quantity}`);
  const weightSum = weights.price + weights.leadTime + weights.quality;
  if (!(weightSum > 0)) throw new Error("at least one weight must be above zero");
  quotes.forEach(checkQuote);
  const presets = new Map(suppliers.map((supplier) => [supplier.supplierId, supplier]));
  const current = latestPerSupplier(quotes);

  const outReason = (quote: SupplierQuote): QuoteOutReason | null => {
    if (!presets.has(quote.supplierId)) return "unknown_supplier";
    if (!current.has(quote.quoteId)) return "superseded";
    if (quote.currency !== currency) return "other_currency";
    if (quote.availableQuantity === 0 || quote.unitPriceMinor === 0) return "nothing_offered";
    if (quote.validUntil.getTime() < now.getTime()) return "expired";
    if (quote.leadBusinessDays > neededWithinBusinessDays) return "too_late";
    return null;
  };

  const reasons = quotes.map(outReason);
  const inPlay = quotes.filter((_, i) => reasons[i] === null);
  const lowestPrice = Math.min(...inPlay.map((quote) => quote.unitPriceMinor));
  const shortestLead = Math.min(...inPlay.map((quote) => quote.leadBusinessDays));

  const scored = quotes.map((quote, i): ScoredQuote => {
    const reason = reasons[i];
    if (reason !== null) return { quote, standing: "out", outReason: reason, score: null, criteria: null };
    const criteria = {
      price: lowestPrice / quote.unitPriceMinor,
      leadTime: (shortestLead + 1) / (quote.leadBusinessDays + 1),
      quality: (presets.get(quote.supplierId) as SupplierPreset).qualityRating / 5,
    };
    const score = (weights.price * criteria.price + weights.leadTime * criteria.leadTime + weights.quality * criteria.quality) / weightSum;
    return { quote, standing: quote.availableQuantity >= quantity ? "covers" : "partial", outReason: null, score, criteria };
  });

  const standingOrder: Record<QuoteStanding, number> = { covers: 0, partial: 1, out: 2 };
  return scored.sort((a, b) => standingOrder[a.standing] - standingOrder[b.standing] || compareScored(a, b));
}

function compareScored(a: ScoredQuote, b: ScoredQuote): number {
  return (
    (b.score ?? 0) - (a.score ?? 0) ||
    a.quote.unitPriceMinor - b.quote.unitPriceMinor ||
    a.quote.leadBusinessDays - b.quote.leadBusinessDays ||
    byText(a.quote.supplierId, b.quote.supplierId) ||
    byText(a.quote.quoteId, b.quote.quoteId)
  );
}

function optionOf(parts: AwardPart[]): AwardOption {
  const quantity = parts.reduce((sum, part) => sum + part.quantity, 0);
  const totalMinor = parts.reduce((sum, part) => sum + part.quantity * part.unitPriceMinor, 0);
  if (!Number.isSafeInteger(totalMinor)) throw new RangeError("award total overflows");
  return {
    parts,
    quantity,
    totalMinor,
    leadBusinessDays: Math.max(...parts.map((part) => part.leadBusinessDays)),
    score: parts.reduce((sum, part) => sum + part.quantity * part.score, 0) / quantity,
    split: parts.length > 1,
  };
}

function partOf(scored: ScoredQuote, quantity: number): AwardPart {
  return {
    quoteId: scored.quote.quoteId,
    supplierId: scored.quote.supplierId,
    quantity,
    unitPriceMinor: scored.quote.unitPriceMinor,
    leadBusinessDays: scored.quote.leadBusinessDays,
    score: scored.score as number,
  };
}

function greedySplit(ordered: readonly ScoredQuote[], quantity: number): AwardOption | null {
  const parts: AwardPart[] = [];
  let left = quantity;
  for (const scored of ordered) {
    if (left === 0) break;
    const take = Math.min(left, scored.quote.availableQuantity);
    parts.push(partOf(scored, take));
    left -= take;
  }
  return left === 0 && parts.length > 1 ? optionOf(parts) : null;
}

export function awardOptions({ scored, quantity, allowSplits }: { scored: readonly ScoredQuote[]; quantity: number; allowSplits: boolean }): AwardOption[] {
  const options = scored.filter((entry) => entry.standing === "covers").map((entry) => optionOf([partOf(entry, quantity)]));
  if (!allowSplits) return options;
  // Best score first, whether a quote covers or not; then the same fixed tie-breaks as scoreQuotes.
  const inPlay = scored.filter((entry) => entry.standing !== "out").sort(compareScored);
  const splits = [
    greedySplit(inPlay, quantity),
    greedySplit(
      [...inPlay].sort((a, b) => a.quote.leadBusinessDays - b.quote.leadBusinessDays || compareScored(a, b)),
      quantity,
    ),
  ];
  const keys = new Set<string>();
  for (const split of splits) {
    if (!split) continue;
    const key = split.parts.map((part) => `${part.quoteId}:${part.quantity}`).join("|");
    if (keys.has(key)) continue;
    keys.add(key);
    options.push(split);
  }
  return options;
}

export function compareOptions(a: AwardOption, b: AwardOption, { preferEarliestLeadTime }: { preferEarliestLeadTime: boolean }): number {
  const ids = (option: AwardOption) => option.parts.map((part) => part.quoteId).join("|");
  return (
    (preferEarliestLeadTime ? a.leadBusinessDays - b.leadBusinessDays : 0) ||
    b.score - a.score ||
    a.totalMinor - b.totalMinor ||
    a.leadBusinessDays - b.leadBusinessDays ||
    a.parts.length - b.parts.length ||
    byText(ids(a), ids(b))
  );
}

export function bestOption(options: readonly AwardOption[], { preferEarliestLeadTime }: { preferEarliestLeadTime: boolean }): AwardOption | null {
  let best: AwardOption | null = null;
  for (const option of options) if (best === null || compareOptions(option, best, { preferEarliestLeadTime }) < 0) best = option;
  return best;
}

export function costAgainstUsual(option: AwardOption, suppliers: readonly SupplierPreset[]): CostAgainstUsual {
  const usualTotalMinor = option.parts.reduce((sum, part) => {
    const preset = suppliers.find((supplier) => supplier.supplierId === part.supplierId);
    if (!preset) throw new Error(`supplier ${part.supplierId} is not preset for this SKU`);
    return sum + part.quantity * preset.usualUnitCostMinor;
  }, 0);
  const risePercent = usualTotalMinor === 0 ? 0 : Math.round(((option.totalMinor - usualTotalMinor) / usualTotalMinor) * 10_000) / 100;
  return { totalMinor: option.totalMinor, usualTotalMinor, risePercent };
}

/** "More than 30 % above": exactly 30 % is inside. Integers only (BigInt: totals × 10 000 can pass 2^53). */
export function exceedsBand(cost: Pick<CostAgainstUsual, "totalMinor" | "usualTotalMinor">, percent: number): boolean {
  const basisPoints = BigInt(toBasisPoints(percent));
  return BigInt(cost.totalMinor) * 10_000n > BigInt(cost.usualTotalMinor) * (10_000n + basisPoints);
}
