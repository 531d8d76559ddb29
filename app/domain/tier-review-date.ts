/**
 * When time alone could next change what Tierline shows for a member, so the scheduled job
 * recomputes only the customers that are due.
 *
 * Exported API
 * - type TierReviewReason = "window" | "grace_end" | "pin_end"
 * - nextTierReview({ spend, rules, state, now }): { at: Date; reason: TierReviewReason } | null
 * - nextTierReviewAt(input): Date | null                      the same, instant only
 *
 * Candidates (the earliest wins; null when nothing would ever change without a new event):
 * - the oldest qualifying order leaving the window (trailing days: processedAt + N days; calendar
 *   year: the next year start in the rules' time zone; lifetime: never). Counted even while a pin
 *   holds the tier, because the spend and spend-to-next-tier metafields still change.
 * - the end of a running grace period;
 * - the end of a pin.
 * A candidate at or before `now` is returned as is: the member is overdue and should be recomputed.
 */
import type { SpendSummary } from "./qualifying-spend.ts";
import { windowExitAt } from "./spend-window.ts";
import type { MemberTierState } from "./tier-evaluation.ts";
import type { TierRules } from "./tier-rules.ts";

export type TierReviewReason = "window" | "grace_end" | "pin_end";

export type TierReviewInput = {
  spend: Pick<SpendSummary, "oldestQualifyingOrderAt">;
  rules: TierRules;
  state: MemberTierState;
  now: Date;
};

export function nextTierReview({ spend, rules, state, now }: TierReviewInput): { at: Date; reason: TierReviewReason } | null {
  const candidates: { at: Date; reason: TierReviewReason }[] = [];
  if (spend.oldestQualifyingOrderAt !== null) {
    const exit = windowExitAt(rules.window, spend.oldestQualifyingOrderAt, now);
    if (exit !== null) candidates.push({ at: exit, reason: "window" });
  }
  if (state.grace !== null) candidates.push({ at: state.grace.until, reason: "grace_end" });
  if (state.pin?.until) candidates.push({ at: state.pin.until, reason: "pin_end" });
  let earliest: { at: Date; reason: TierReviewReason } | null = null;
  for (const candidate of candidates) {
    if (earliest === null || candidate.at.getTime() < earliest.at.getTime()) earliest = candidate;
  }
  return earliest;
}

export function nextTierReviewAt(input: TierReviewInput): Date | null {
  return nextTierReview(input)?.at ?? null;
}
