/**
 * What a proposed rule change would do to members, before the merchant saves it.
 *
 * Exported API
 * - type RuleChangeMember = { customerId; state; spendUnderOldRules; spendUnderNewRules }
 * - type TierMovement = { fromTierKey; toTierKey; direction: "up" | "down"; count; examples }
 * - type RuleChangePreview = { members; unchanged; movedUp; movedDown; pinned; movements; tierCounts }
 * - previewRuleChange({ members, oldRules, newRules, now, examplesPerMovement = 3 }): RuleChangePreview
 *
 * Each member is evaluated twice from the same saved state at the same `now`, once under each rule
 * set, so movements come from the rule change alone (not from time that passed since the last
 * recompute). Spend is passed per rule set because the window and the shipping/tax toggles change it;
 * compute both with qualifyingSpendByCustomer (one pass each), or pass the same summary twice when
 * those settings did not change. A member heading for a downgrade under grace counts as moving down
 * to the grace's target tier. Pinned members stay put and are counted as pinned.
 * Direction compares entry thresholds (old tier under the old rules, new tier under the new rules),
 * so it stays meaningful when a tier is removed.
 */
import type { MinorUnits } from "./money.ts";
import type { SpendSummary } from "./qualifying-spend.ts";
import { evaluateTier, INITIAL_MEMBER_STATE, type MemberTierState } from "./tier-evaluation.ts";
import type { TierRules } from "./tier-rules.ts";

export type RuleChangeMember = {
  customerId: string;
  /** Saved state; null for a customer never evaluated. */
  state: MemberTierState | null;
  spendUnderOldRules: Pick<SpendSummary, "qualifyingSpendMinor" | "qualifyingOrderCount">;
  spendUnderNewRules: Pick<SpendSummary, "qualifyingSpendMinor" | "qualifyingOrderCount">;
};

export type MovementExample = { customerId: string; spendUnderNewRulesMinor: MinorUnits };

export type TierMovement = {
  fromTierKey: string;
  toTierKey: string;
  direction: "up" | "down";
  count: number;
  examples: MovementExample[];
};

export type RuleChangePreview = {
  members: number;
  unchanged: number;
  movedUp: number;
  movedDown: number;
  /** Members held by an active pin (also counted in unchanged). */
  pinned: number;
  /** Sorted by the old rules' order of the from tier, then the new rules' order of the to tier. */
  movements: TierMovement[];
  /** Members per tier before and after, keyed by tier key (old keys for before, new keys for after). */
  tierCounts: { before: Record<string, number>; after: Record<string, number> };
};

function effectiveTier(decision: ReturnType<typeof evaluateTier>): string {
  return decision.state.grace?.toTierKey ?? decision.tierKey;
}

function thresholdOf(rules: TierRules, key: string): number {
  return rules.tiers.find((t) => t.key === key)?.entryThresholdMinor ?? 0;
}

export function previewRuleChange({
  members,
  oldRules,
  newRules,
  now,
  examplesPerMovement = 3,
}: {
  members: Iterable<RuleChangeMember>;
  oldRules: TierRules;
  newRules: TierRules;
  now: Date;
  examplesPerMovement?: number;
}): RuleChangePreview {
  const movements = new Map<string, TierMovement>();
  const before: Record<string, number> = Object.fromEntries(oldRules.tiers.map((t) => [t.key, 0]));
  const after: Record<string, number> = Object.fromEntries(newRules.tiers.map((t) => [t.key, 0]));
  let count = 0;
  let unchanged = 0;
  let movedUp = 0;
  let movedDown = 0;
  let pinned = 0;

  for (const member of members) {
    count++;
    const state = member.state ?? INITIAL_MEMBER_STATE;
    const old = evaluateTier({ spend: member.spendUnderOldRules, rules: oldRules, state, now, cause: "rule_change" });
    const proposed = evaluateTier({ spend: member.spendUnderNewRules, rules: newRules, state, now, cause: "rule_change" });
    const from = effectiveTier(old);
    const to = effectiveTier(proposed);
    before[from]++;
    after[to]++;
    if (proposed.kind === "PINNED") pinned++;
    if (from === to) {
      unchanged++;
      continue;
    }
    const direction = thresholdOf(newRules, to) > thresholdOf(oldRules, from) ? "up" : "down";
    if (direction === "up") movedUp++;
    else movedDown++;
    const id = JSON.stringify([from, to]);
    let movement = movements.get(id);
    if (!movement) {
      movement = { fromTierKey: from, toTierKey: to, direction, count: 0, examples: [] };
      movements.set(id, movement);
    }
    movement.count++;
    if (movement.examples.length < examplesPerMovement) {
      movement.examples.push({ customerId: member.customerId, spendUnderNewRulesMinor: member.spendUnderNewRules.qualifyingSpendMinor });
    }
  }

  const order = (rules: TierRules, key: string) => {
    const i = rules.tiers.findIndex((t) => t.key === key);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const sorted = [...movements.values()].sort(
    (a, b) => order(oldRules, a.fromTierKey) - order(oldRules, b.fromTierKey) || order(newRules, a.toTierKey) - order(newRules, b.toTierKey),
  );
  return { members: count, unchanged, movedUp, movedDown, pinned, movements: sorted, tierCounts: { before, after } };
}
