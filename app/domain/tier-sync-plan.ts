// What one customer's tier sync must write to Shopify, decided from the saved row
// alone (no I/O): nothing, a spend-only change left for the batched refresh, or a
// plan of tags and metafields (with whether Shopify must be read first). The
// use-case (sync-shop-tiers.server.ts) loads the rows, runs the plans against the
// Admin API and saves what was written.
import { SPEND_METAFIELD_KEYS, spendOnlyChange, tierMetafields, tierSyncDigest, type TierMetafield } from "./tier-metafields.ts";
import type { MemberTierState } from "./tier-evaluation.ts";
import { tierIndex, type TierRules } from "./tier-rules.ts";

/** The saved row as the sync plans from it (a Customer row has these fields). */
export interface TierSyncRow {
  customerGid: string;
  deletedAt: Date | null;
  tierKey: string | null;
  updatedAt: Date;
  qualifyingSpend: number;
  reviewAt: Date | null;
  writtenTierTag: string | null;
  writtenDigest: string | null;
}

export interface TierSyncPlan {
  gid: string;
  tierKey: string;
  /** The row version the plan was made from. */
  version: Date;
  digest: string;
  targetTag: string;
  /** null: the tier tag was not added (the customer holds 250 tags). */
  writtenTierTag: string | null;
  desired: TierMetafield[];
  /** Read tags (and metafields, when `compareMetafields`) before deciding. */
  read: boolean;
  compareMetafields: boolean;
  tagsSettledByMerchant: boolean;
  /** Read-free plan: the one tier tag the last sync wrote. */
  knownTierTag: string | null;
  toSet: TierMetafield[];
  toDelete: TierMetafield[];
  add: string[];
  remove: string[];
}

export type TierSyncDecision =
  /** Deleted, or never evaluated: nothing to write. */
  | { kind: "SKIP" }
  /** Its tier is not in the current rules: its recomputation (which marks it pending again) comes first. */
  | { kind: "AWAIT_RECOMPUTE" }
  /** Shopify holds what the row wants. */
  | { kind: "UNCHANGED" }
  /** Only spend values moved: left for the batched refresh. */
  | { kind: "STALE" }
  | { kind: "WRITE"; plan: TierSyncPlan };

export interface TierSyncOptions {
  /** Compare with Shopify instead of trusting what was last written. */
  force?: boolean;
  /** Write spend-only changes too (the periodic refresh). */
  refreshSpend?: boolean;
}

const sameTag = (a: string | null | undefined, b: string | null | undefined) => (a ?? "").trim().toLowerCase() === (b ?? "").trim().toLowerCase();

/** What Shopify should hold for a row with a tier under the current rules: its metafields and their digest. */
export function desiredTierSync(row: TierSyncRow, state: MemberTierState, rules: TierRules) {
  const desired = tierMetafields({ rules, state, spend: { qualifyingSpendMinor: row.qualifyingSpend }, reviewAt: row.reviewAt });
  return { desired, digest: tierSyncDigest(desired) };
}

export function planTierSync(row: TierSyncRow, state: MemberTierState, rules: TierRules, options: TierSyncOptions): TierSyncDecision {
  if (row.deletedAt || row.tierKey === null) return { kind: "SKIP" };
  const index = tierIndex(rules, row.tierKey);
  if (index < 0) return { kind: "AWAIT_RECOMPUTE" };
  const { desired, digest } = desiredTierSync(row, state, rules);
  const tier = rules.tiers[index];
  const force = options.force ?? false;
  const tagWritten = sameTag(row.writtenTierTag, tier.tag);

  if (!force && tagWritten && row.writtenDigest === digest) return { kind: "UNCHANGED" };
  const spendOnly = !force && tagWritten && spendOnlyChange(row.writtenDigest, digest);
  if (spendOnly && !options.refreshSpend) return { kind: "STALE" };

  // The last complete sync wrote `writtenTierTag`, and tag edits since then arrive as
  // webhooks that clear the digest, so a complete last sync means the tags are known.
  const lastSyncComplete = !force && row.writtenDigest !== null && row.writtenTierTag !== null;
  const plan: TierSyncPlan = {
    gid: row.customerGid,
    tierKey: tier.key,
    version: row.updatedAt,
    digest,
    targetTag: tier.tag,
    writtenTierTag: tier.tag,
    desired,
    read: !lastSyncComplete,
    compareMetafields: force || row.writtenDigest === null,
    // A pinned member's tier tag is written once; after that a merchant's hand edits of it stand.
    tagsSettledByMerchant: state.pin !== null && tagWritten,
    knownTierTag: lastSyncComplete ? row.writtenTierTag : null,
    toSet: [],
    toDelete: [],
    add: [],
    remove: [],
  };
  if (spendOnly) {
    // Only spend values moved, and the first digest half says none became absent.
    plan.toSet = desired.filter((m) => SPEND_METAFIELD_KEYS.has(m.key) && m.value !== null);
    plan.read = false;
    plan.compareMetafields = false;
    return { kind: "WRITE", plan };
  }
  if (!plan.compareMetafields) ({ toSet: plan.toSet, toDelete: plan.toDelete } = metafieldChanges(desired, null));
  if (!plan.read && !plan.tagsSettledByMerchant && !tagWritten) {
    plan.add = [tier.tag];
    plan.remove = plan.knownTierTag ? [plan.knownTierTag] : [];
  }
  return { kind: "WRITE", plan };
}

/** Which values to set and delete; without the current values (not read), every value is set and every absent one deleted. */
export function metafieldChanges(desired: TierMetafield[], current: Map<string, { type: string; value: string }> | null) {
  const toSet: TierMetafield[] = [];
  const toDelete: TierMetafield[] = [];
  for (const m of desired) {
    const existing = current?.get(m.key);
    if (m.value === null) {
      if (current === null || existing) toDelete.push(m);
    } else if (current === null || !existing || existing.value !== m.value || existing.type !== m.type) {
      toSet.push(m);
    }
  }
  return { toSet, toDelete };
}

/** Customers' values packed into calls of at most `max` values, a customer never split. */
export function packByCustomer<P extends { toSet: readonly unknown[] }>(plans: P[], max: number): P[][] {
  const chunks: P[][] = [];
  let chunk: P[] = [];
  let size = 0;
  for (const plan of plans) {
    if (size + plan.toSet.length > max && chunk.length) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(plan);
    size += plan.toSet.length;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** Whether a row that changed since the plan still wants exactly what the plan wrote. */
export function stillWantsPlan(row: TierSyncRow, state: MemberTierState, plan: TierSyncPlan, rules: TierRules): boolean {
  if (row.deletedAt || row.tierKey !== plan.tierKey || tierIndex(rules, row.tierKey) < 0) return false;
  return desiredTierSync(row, state, rules).digest === plan.digest;
}
