// Recompute one customer's tier: load the ledger, rules and state → decide with
// the domain → save the state and the history. Writing the result to Shopify
// (tags, metafields) is the sync step's job, driven by what is saved here.
import type { Db } from "../db.server.ts";
import { loadRecomputeInputs, saveCustomerStateAndChange, type RecomputeInputs } from "../adapters/db/customer-tier-statements.server.ts";
import { qualifyingSpend } from "../domain/qualifying-spend.ts";
import { spendBeforeReversals } from "../domain/spend-before-reversals.ts";
import { evaluateTier, type MemberTierState, type TierChangeReason } from "../domain/tier-evaluation.ts";
import { nextTierReviewAt } from "../domain/tier-review-date.ts";
import { isCustomerErased } from "./erasure-guard.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

type CustomerRow = NonNullable<Awaited<ReturnType<Db["customer"]["findUnique"]>>>;

export function memberStateFromRow(row: CustomerRow | null): MemberTierState {
  if (!row) return { tierKey: null, tierSince: null, grace: null, pin: null };
  return {
    tierKey: row.tierKey,
    tierSince: row.tierSince,
    grace: row.graceUntil && row.downgradeTierKey ? { until: row.graceUntil, toTierKey: row.downgradeTierKey, reason: (row.graceReason ?? "order") as TierChangeReason } : null,
    pin: row.pinnedTierKey ? { tierKey: row.pinnedTierKey, until: row.pinnedUntil } : null,
  };
}

/** The Customer row columns that hold a member's tier state. */
export function stateFields(state: MemberTierState) {
  return {
    tierKey: state.tierKey,
    tierSince: state.tierSince,
    graceUntil: state.grace?.until ?? null,
    downgradeTierKey: state.grace?.toTierKey ?? null,
    graceReason: state.grace?.reason ?? null,
    pinnedTierKey: state.pin?.tierKey ?? null,
    pinnedUntil: state.pin?.until ?? null,
  };
}

/** The history's reason for a recomputation's cause. */
export const REASON_OF_CAUSE: Record<TierRecomputeCause, TierChangeReason> = {
  order: "order",
  refund: "refund",
  cancellation: "cancellation",
  customer: "order",
  manual: "manual",
  rule_change: "rule_change",
  window: "window",
  backfill: "order",
};

export interface RecomputeResult {
  customerGid: string;
  kind: string;
  tierKey: string;
  changed: boolean;
}

/** A member's recomputation inputs read beforehand (with a webhook batch's), and when the read began. */
export type RecomputeRead = { inputs: RecomputeInputs; readAt: Date };

/**
 * `unlessErased`: first look for the member's erasure tombstone, before anything is written
 * (kind ERASED when there is one). The inputs' load says whether the shop has any tombstone,
 * so a shop that never had a redaction runs no statement for it. The look after the write is
 * the caller's (purgeIfCustomerErased).
 *
 * `read`: the inputs as read beforehand, used by the first attempt (the save's compare-and-set on
 * the member's row still holds, and a later attempt reads anew); only for a run no later request
 * joined, since a ledger write after the read would not be in it.
 */
export async function recomputeCustomerTier({ db, shop, customerGid, cause, now, unlessErased = false, read }: { db: Db; shop: string; customerGid: string; cause: TierRecomputeCause; now: Date; unlessErased?: boolean; read?: RecomputeRead }): Promise<RecomputeResult> {
  for (let attempt = 0; attempt < 5; attempt++) {
    // Before the read: a ledger write later than this may not be in what it reads.
    const readAt = attempt === 0 && read ? read.readAt : new Date();
    const { customer: loaded, rules, ledger, shopHasTombstones } = attempt === 0 && read ? read.inputs : await loadRecomputeInputs(db, shop, customerGid);
    if (unlessErased && attempt === 0 && shopHasTombstones && (await isCustomerErased(db, shop, customerGid))) return { customerGid, kind: "ERASED", tierKey: "", changed: false };
    const row = loaded?.row ?? null;
    if (row?.deletedAt || ledger === null) return { customerGid, kind: "REDACTED", tierKey: row?.tierKey ?? "", changed: false };
    const spend = qualifyingSpend(ledger, customerGid, rules, now);
    const decision = evaluateTier({ spend, spendBeforeReversals: spendBeforeReversals(ledger, customerGid, rules, now), previousSpendMinor: row?.qualifyingSpend, rules, state: memberStateFromRow(row), now, cause: REASON_OF_CAUSE[cause] });
    const reviewAt = nextTierReviewAt({ spend, rules, state: decision.state, now });
    const fields = { ...stateFields(decision.state), qualifyingSpend: spend.qualifyingSpendMinor, qualifyingOrders: spend.qualifyingOrderCount, reviewAt, syncStatus: "pending", recomputedAt: readAt };
    const changed = decision.change !== null;
    // Insert-or-nothing for a new member, else a compare-and-set on the row version read:
    // a concurrent recomputation makes this one start over.
    // The row's version is the wall clock (as Prisma's @updatedAt), not the rules' `now`.
    const writtenAt = new Date();
    const change = decision.change && {
      shop, customerGid, fromTier: decision.change.fromTierKey, toTier: decision.change.toTierKey, reason: decision.change.reason, spend: spend.qualifyingSpendMinor, occurredAt: decision.change.at,
      // The imported history is not news for Shopify Flow.
      ...(cause === "backfill" ? { flowDue: false } : {}),
    };
    if (!(await saveCustomerStateAndChange(db, shop, customerGid, fields, loaded, writtenAt, change))) continue;
    return { customerGid, kind: decision.kind, tierKey: decision.tierKey, changed };
  }
  throw new Error(`Could not save the tier of ${customerGid}: too much contention`);
}
