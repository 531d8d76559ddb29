/**
 * Decide a member's tier from their spend, the rules and their current state. No I/O: the caller
 * loads, calls evaluateTier, then saves `state` and appends `change` to the history.
 *
 * Exported API
 * - type TierChangeReason = "order" | "refund" | "cancellation" | "window" | "rule_change" | "manual"
 * - type TierPin, type TierGrace, type MemberTierState, type TierChange, type TierDecision, type TierDecisionKind
 * - INITIAL_MEMBER_STATE: MemberTierState                    never evaluated
 * - earnedTierKey(spend, rules): string                      highest tier met by spend and order count alone
 * - evaluateTier({ spend, spendBeforeReversals?, previousSpendMinor?, rules, state, now, cause }): TierDecision
 * - pinMember(state, pin): MemberTierState / unpinMember(state): MemberTierState   then evaluate with cause "manual"
 *
 * Decisions, in priority order:
 * 1. An active pin (until null or now < until) wins: tier = pin, grace cleared. kind PINNED.
 *    A pin that has ended, or names a tier the rules no longer have, is removed. kind PIN_EXPIRED;
 *    the earned tier then applies at once, without grace (the pin's end is the merchant's decision).
 * 2. No current tier (first evaluation, or the tier was removed from the rules): take the earned tier. kind ASSIGNED.
 * 3. Earned above current: upgrade at once, grace cleared. kind UPGRADE.
 * 4. Member still holds the current tier: spend >= its retain threshold (default: entry threshold)
 *    and order count >= its minOrders. kind UNCHANGED, or GRACE_CANCELLED when a grace was running.
 * 5. Otherwise a downgrade is due. When refunds or cancellations took back the money that holds the
 *    tier, the tier is reversed at once, without grace (kind DOWNGRADE, reason "cancellation" when
 *    that was the cause, else "refund"). That is (rules.reverseRefundedUpgrades, on by default):
 *    spendBeforeReversals, the spend had nothing been refunded or cancelled, would still hold the
 *    tier; the cause is not a rule change; and the spend fell since the last evaluation
 *    (previousSpendMinor), or the grace already running was started by a refund or cancellation.
 *    Grace protects members whose orders aged out of the window (their spend before reversals falls
 *    as well) or whom a rule change moved down (their spend did not fall; refunds made before the
 *    change do not count against them).
 * 6. Otherwise, with graceDays > 0 and no grace running, grace starts
 *    (kind GRACE_STARTED, until = now + graceDays); while it runs, UNCHANGED; when it has ended,
 *    DOWNGRADE to the tier earned then, recorded with the reason that started the grace.
 *    Merchant actions (cause "manual") and graceDays 0 downgrade at once.
 */
import type { MinorUnits } from "./money.ts";
import type { SpendSummary } from "./qualifying-spend.ts";
import { addDays } from "./spend-window.ts";
import { tierIndex, type TierDefinition, type TierRules } from "./tier-rules.ts";

export type TierChangeReason = "order" | "refund" | "cancellation" | "window" | "rule_change" | "manual";

export type TierPin = { tierKey: string; until: Date | null };

export type TierGrace = {
  until: Date;
  /** The tier the member would drop to if the grace ended now (display only; recomputed at the end). */
  toTierKey: string;
  /** What caused the fall; recorded on the eventual downgrade. */
  reason: TierChangeReason;
};

export type MemberTierState = {
  tierKey: string | null;
  tierSince: Date | null;
  grace: TierGrace | null;
  pin: TierPin | null;
};

export type TierChange = {
  fromTierKey: string | null;
  toTierKey: string;
  reason: TierChangeReason;
  at: Date;
};

export type TierDecisionKind =
  | "ASSIGNED"
  | "UPGRADE"
  | "DOWNGRADE"
  | "UNCHANGED"
  | "GRACE_STARTED"
  | "GRACE_CANCELLED"
  | "PINNED"
  | "PIN_EXPIRED";

export type TierDecision = {
  kind: TierDecisionKind;
  fromTierKey: string | null;
  /** The member's tier after this decision (state.tierKey). */
  tierKey: string;
  /** The tier spend and orders alone would give. */
  earnedTierKey: string;
  /** The state to save. */
  state: MemberTierState;
  /** The history row to append, when the tier changed. */
  change: TierChange | null;
};

export const INITIAL_MEMBER_STATE: MemberTierState = Object.freeze({ tierKey: null, tierSince: null, grace: null, pin: null });

export function pinMember(state: MemberTierState, pin: TierPin): MemberTierState {
  return { ...state, pin };
}

export function unpinMember(state: MemberTierState): MemberTierState {
  return { ...state, pin: null };
}

function meets(tier: TierDefinition, spendMinor: MinorUnits, orderCount: number, threshold: MinorUnits): boolean {
  return spendMinor >= threshold && orderCount >= (tier.minOrders ?? 0);
}

function earnedIndex(spend: Pick<SpendSummary, "qualifyingSpendMinor" | "qualifyingOrderCount">, rules: TierRules): number {
  for (let i = rules.tiers.length - 1; i > 0; i--) {
    const tier = rules.tiers[i];
    if (meets(tier, spend.qualifyingSpendMinor, spend.qualifyingOrderCount, tier.entryThresholdMinor)) return i;
  }
  return 0;
}

export function earnedTierKey(spend: Pick<SpendSummary, "qualifyingSpendMinor" | "qualifyingOrderCount">, rules: TierRules): string {
  return rules.tiers[earnedIndex(spend, rules)].key;
}

function isPinActive(pin: TierPin, now: Date): boolean {
  return pin.until === null || now.getTime() < pin.until.getTime();
}

type SpendFigures = Pick<SpendSummary, "qualifyingSpendMinor" | "qualifyingOrderCount">;

export type EvaluateTierInput = {
  spend: SpendFigures;
  /**
   * The spend had no refund been given and no order cancelled (spend-before-reversals.ts). Without
   * it, every fall is treated as aging or a rule change (grace).
   */
  spendBeforeReversals?: SpendFigures;
  /** The spend saved at the member's last evaluation (none at the first). */
  previousSpendMinor?: MinorUnits;
  rules: TierRules;
  state: MemberTierState;
  now: Date;
  /** What triggered this evaluation; becomes the history reason of a change. */
  cause: TierChangeReason;
};

export function evaluateTier({ spend, spendBeforeReversals, previousSpendMinor, rules, state, now, cause }: EvaluateTierInput): TierDecision {
  const earned = earnedIndex(spend, rules);
  const earnedKey = rules.tiers[earned].key;
  const from = state.tierKey;

  const decide = (kind: TierDecisionKind, next: MemberTierState, reason: TierChangeReason): TierDecision => {
    const tierKey = next.tierKey as string;
    const changed = tierKey !== from;
    const settled: MemberTierState = changed ? { ...next, tierSince: now } : next;
    return {
      kind,
      fromTierKey: from,
      tierKey,
      earnedTierKey: earnedKey,
      state: settled,
      change: changed ? { fromTierKey: from, toTierKey: tierKey, reason, at: now } : null,
    };
  };

  if (state.pin !== null) {
    if (isPinActive(state.pin, now) && tierIndex(rules, state.pin.tierKey) >= 0) {
      return decide("PINNED", { ...state, tierKey: state.pin.tierKey, grace: null }, "manual");
    }
    // The pin has ended: settle on the earned tier now, no grace.
    const unpinned = evaluateUnpinned(rules, { ...state, pin: null, grace: null }, spend, undefined, earned, now, cause, true);
    return decide("PIN_EXPIRED", unpinned.state, "manual");
  }

  const reversal = spendBeforeReversals === undefined ? undefined : { before: spendBeforeReversals, previousSpendMinor };
  const result = evaluateUnpinned(rules, state, spend, reversal, earned, now, cause, cause === "manual");
  return decide(result.kind, result.state, result.reason);
}

function evaluateUnpinned(
  rules: TierRules,
  state: MemberTierState,
  spend: SpendFigures,
  reversal: { before: SpendFigures; previousSpendMinor: MinorUnits | undefined } | undefined,
  earned: number,
  now: Date,
  cause: TierChangeReason,
  immediate: boolean,
): { kind: TierDecisionKind; state: MemberTierState; reason: TierChangeReason } {
  const earnedKey = rules.tiers[earned].key;
  const current = tierIndex(rules, state.tierKey);
  const moveTo = (kind: TierDecisionKind, reason: TierChangeReason) => ({
    kind,
    state: { ...state, tierKey: earnedKey, grace: null },
    reason,
  });

  if (current < 0) return moveTo("ASSIGNED", state.tierKey === null ? cause : "rule_change");
  if (earned > current) return moveTo("UPGRADE", cause);

  const tier = rules.tiers[current];
  const retainThreshold = tier.retainThresholdMinor ?? tier.entryThresholdMinor;
  const holds = (figures: SpendFigures) => meets(tier, figures.qualifyingSpendMinor, figures.qualifyingOrderCount, retainThreshold);
  if (earned === current || holds(spend)) {
    return state.grace !== null
      ? { kind: "GRACE_CANCELLED", state: { ...state, grace: null }, reason: cause }
      : { kind: "UNCHANGED", state, reason: cause };
  }

  if (immediate || rules.graceDays === 0) return moveTo("DOWNGRADE", cause);
  if (rules.reverseRefundedUpgrades && reversal !== undefined && cause !== "rule_change") {
    // Refunds or cancellations took back the money that holds the tier: reverse it now.
    const { before, previousSpendMinor } = reversal;
    const heldWithoutReversals = holds(before);
    const spendFell = previousSpendMinor !== undefined && spend.qualifyingSpendMinor < previousSpendMinor;
    const graceFromReversal = state.grace !== null && (state.grace.reason === "refund" || state.grace.reason === "cancellation");
    if (heldWithoutReversals && (spendFell || graceFromReversal)) return moveTo("DOWNGRADE", cause === "cancellation" ? "cancellation" : "refund");
  }
  if (state.grace === null) {
    const grace: TierGrace = { until: addDays(now, rules.graceDays), toTierKey: earnedKey, reason: cause };
    return { kind: "GRACE_STARTED", state: { ...state, grace }, reason: cause };
  }
  if (now.getTime() >= state.grace.until.getTime()) return moveTo("DOWNGRADE", state.grace.reason);
  // Grace still running; keep its target current for display.
  const grace = state.grace.toTierKey === earnedKey ? state.grace : { ...state.grace, toTierKey: earnedKey };
  return { kind: "UNCHANGED", state: grace === state.grace ? state : { ...state, grace }, reason: cause };
}
