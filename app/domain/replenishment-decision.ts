/**
 * A replenishment request's outcome: wait for more answers, award automatically, or escalate to a
 * person with the reason and every quote side by side.
 *
 * Exported API
 * - type RequestPriority, type EscalationReason, type DecisionRule, type ReplenishmentDecision
 * - requestPriority(settings, waitingTierKeys): RequestPriority
 *       the highest-ranked tier with open orders waiting on the SKU sets the BullMQ job priority,
 *       the price band and the earliest-lead-time preference; none waiting: a plain restock
 * - quoteDeadline(settings, requestedAt): Date                  requestedAt + quoteDeadlineMinutes
 * - decideReplenishment(input): ReplenishmentDecision
 *
 * Rules
 * - Until the deadline, the decision waits while any asked supplier has neither quoted nor
 *   declined; once all have answered it is decided at once. At the deadline (inclusive) it is
 *   decided with what came in, naming the suppliers that never answered.
 * - Escalate when no quote arrived ("no_quotes"); when quotes arrived but no quote, nor split
 *   where allowed, covers the quantity in time ("no_quote_meets_need"); when the chosen option
 *   costs more than the band above the usual cost of the same parts ("cost_above_threshold";
 *   exactly at the band is awarded). Otherwise award.
 * - The band is the shop's escalation threshold, or the waiting tier's own (Gold: higher).
 * - A request that prefers the earliest lead time takes, among options within its band, the
 *   earliest delivery (then the best score); with none within the band, the best-scored option
 *   is the one a person is asked about. Other requests take the best-scored option.
 * - Every outcome carries the rule it applied and the scored quotes, to be stored as known then.
 */
import {
  awardOptions,
  bestOption,
  costAgainstUsual,
  exceedsBand,
  scoreQuotes,
  type AwardOption,
  type CostAgainstUsual,
  type QuoteOutReason,
  type ScoredQuote,
  type SupplierQuote,
} from "./quote-scoring.ts";
import { tierRank, type ReplenishmentSettings, type ScoringWeights, type SkuReplenishmentRule } from "./replenishment-rules.ts";

export type RequestPriority = {
  /** The tier that made this a priority request; null for a plain restock. */
  tierKey: string | null;
  jobPriority: number;
  escalationThresholdPercent: number;
  /** Where the band came from: the shop's threshold, or the tier's own. */
  thresholdSource: "shop" | "tier";
  preferEarliestLeadTime: boolean;
};

export type EscalationReason =
  | { kind: "no_quotes" }
  | { kind: "no_quote_meets_need"; outReasons: Partial<Record<QuoteOutReason, number>>; partialQuantity: number }
  | { kind: "cost_above_threshold"; cost: CostAgainstUsual; thresholdPercent: number };

export type DecisionRule = {
  quantity: number;
  neededWithinBusinessDays: number;
  weights: ScoringWeights;
  allowSplits: boolean;
  priority: RequestPriority;
  deadline: Date;
};

export type ReplenishmentDecision =
  | { kind: "wait"; until: Date; awaitingSupplierIds: string[] }
  | {
      kind: "award";
      option: AwardOption;
      cost: CostAgainstUsual;
      rule: DecisionRule;
      quotes: ScoredQuote[];
      silentSupplierIds: string[];
      decidedAt: Date;
    }
  | {
      kind: "escalate";
      reason: EscalationReason;
      /** The option a person would approve as is; null when there is none. */
      proposed: AwardOption | null;
      rule: DecisionRule;
      quotes: ScoredQuote[];
      silentSupplierIds: string[];
      decidedAt: Date;
    };

export function requestPriority(settings: ReplenishmentSettings, waitingTierKeys: readonly string[]): RequestPriority {
  const ranked = [...new Set(waitingTierKeys)]
    .map((key) => ({ key, rank: tierRank(settings, key) }))
    .filter(({ rank }) => rank < settings.tierPriorities.length)
    .sort((a, b) => a.rank - b.rank);
  const tier = ranked.length > 0 ? settings.tierPriorities[ranked[0].rank] : null;
  if (!tier) {
    return { tierKey: null, jobPriority: settings.restockJobPriority, escalationThresholdPercent: settings.escalationThresholdPercent, thresholdSource: "shop", preferEarliestLeadTime: false };
  }
  return {
    tierKey: tier.tierKey,
    jobPriority: tier.jobPriority,
    escalationThresholdPercent: tier.escalationThresholdPercent ?? settings.escalationThresholdPercent,
    thresholdSource: tier.escalationThresholdPercent === null ? "shop" : "tier",
    preferEarliestLeadTime: tier.preferEarliestLeadTime,
  };
}

export function quoteDeadline(settings: Pick<ReplenishmentSettings, "quoteDeadlineMinutes">, requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + settings.quoteDeadlineMinutes * 60_000);
}

export type DecisionInput = {
  settings: ReplenishmentSettings;
  rule: SkuReplenishmentRule;
  quantity: number;
  neededWithinBusinessDays: number;
  requestedAt: Date;
  /** Tiers of the open orders waiting on the SKU now (requestPriority of the same set gave the job priority when asking). */
  waitingTierKeys: readonly string[];
  askedSupplierIds: readonly string[];
  quotes: readonly SupplierQuote[];
  /** Suppliers that answered they cannot quote. */
  declinedSupplierIds: readonly string[];
  now: Date;
};

function countOutReasons(quotes: readonly ScoredQuote[]): Partial<Record<QuoteOutReason, number>> {
  const counts: Partial<Record<QuoteOutReason, number>> = {};
  for (const entry of quotes) if (entry.outReason) counts[entry.outReason] = (counts[entry.outReason] ?? 0) + 1;
  return counts;
}

export function decideReplenishment(input: DecisionInput): ReplenishmentDecision {
  const { settings, rule, now } = input;
  const deadline = quoteDeadline(settings, input.requestedAt);
  const answered = new Set([...input.quotes.map((quote) => quote.supplierId), ...input.declinedSupplierIds]);
  const unanswered = [...new Set(input.askedSupplierIds)].filter((id) => !answered.has(id)).sort();
  if (unanswered.length > 0 && now.getTime() < deadline.getTime()) return { kind: "wait", until: deadline, awaitingSupplierIds: unanswered };

  const priority = requestPriority(settings, input.waitingTierKeys);
  const decisionRule: DecisionRule = {
    quantity: input.quantity,
    neededWithinBusinessDays: input.neededWithinBusinessDays,
    weights: settings.weights,
    allowSplits: settings.allowSplits,
    priority,
    deadline,
  };
  const quotes = scoreQuotes({
    quotes: input.quotes,
    suppliers: rule.suppliers,
    weights: settings.weights,
    currency: settings.currency,
    quantity: input.quantity,
    neededWithinBusinessDays: input.neededWithinBusinessDays,
    now,
  });
  const common = { rule: decisionRule, quotes, silentSupplierIds: unanswered, decidedAt: now };

  if (input.quotes.length === 0) return { kind: "escalate", reason: { kind: "no_quotes" }, proposed: null, ...common };

  const options = awardOptions({ scored: quotes, quantity: input.quantity, allowSplits: settings.allowSplits });
  if (options.length === 0) {
    const partialQuantity = quotes.filter((entry) => entry.standing === "partial").reduce((sum, entry) => sum + entry.quote.availableQuantity, 0);
    return { kind: "escalate", reason: { kind: "no_quote_meets_need", outReasons: countOutReasons(quotes), partialQuantity }, proposed: null, ...common };
  }

  const threshold = priority.escalationThresholdPercent;
  const withinBand = (option: AwardOption) => !exceedsBand(costAgainstUsual(option, rule.suppliers), threshold);
  const chosen = priority.preferEarliestLeadTime
    ? (bestOption(options.filter(withinBand), { preferEarliestLeadTime: true }) ?? bestOption(options, { preferEarliestLeadTime: false }))
    : bestOption(options, { preferEarliestLeadTime: false });
  const option = chosen as AwardOption;
  const cost = costAgainstUsual(option, rule.suppliers);
  if (exceedsBand(cost, threshold)) {
    return { kind: "escalate", reason: { kind: "cost_above_threshold", cost, thresholdPercent: threshold }, proposed: option, ...common };
  }
  return { kind: "award", option, cost, ...common };
}
