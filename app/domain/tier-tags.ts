/**
 * Which customer tags to add and remove for a tier, and whether an incoming tag change is
 * Tierline's own echo or a merchant's edit.
 *
 * Exported API
 * - MAX_CUSTOMER_TAGS = 250                                  Shopify's per-customer limit
 * - type TagPlan = { add; remove; tags; blockedByTagLimit }
 * - planTierTags({ currentTags, rules, tierKey }): TagPlan   tierKey null removes every owned tag
 * - ownedTierTags(tags): string[]                            the Tierline-owned tags among `tags`
 * - type TagChangeClassification, classifyTagChange({ added, removed, expectedOwnedTags, pinned }): TagChangeClassification
 * - suggestedTierTag(tierName): string                       "Platinum Club" → "tierline:platinum-club"
 *
 * Ownership: a tag is Tierline's when it starts with "tierline:" (TIERLINE_TAG_PREFIX, compared
 * case-insensitively). That covers tags of tiers that were since renamed or removed, so they are
 * cleaned up on the next write. The prefix is reserved: a merchant tag using it would be treated
 * as Tierline's. Every other tag is the merchant's and is never added or removed here.
 * Tags are compared case-insensitively and trimmed, as Shopify does.
 */
import { isOwnedTag, TIERLINE_TAG_PREFIX, type TierRules } from "./tier-rules.ts";

export const MAX_CUSTOMER_TAGS = 250;
const MAX_TAG_LENGTH = 255;

export type TagPlan = {
  add: string[];
  remove: string[];
  /** The customer's tags after the plan is applied. */
  tags: string[];
  /** The tier tag could not be added without exceeding MAX_CUSTOMER_TAGS; merchant tags were left alone. */
  blockedByTagLimit: boolean;
};

const norm = (tag: string) => tag.trim().toLowerCase();

function uniqueTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === "" || seen.has(norm(tag))) continue;
    seen.add(norm(tag));
    out.push(tag);
  }
  return out;
}

export function ownedTierTags(tags: readonly string[]): string[] {
  return uniqueTags(tags).filter(isOwnedTag);
}

export function planTierTags({
  currentTags,
  rules,
  tierKey,
}: {
  currentTags: readonly string[];
  rules: TierRules;
  tierKey: string | null;
}): TagPlan {
  const tags = uniqueTags(currentTags);
  let target: string | null = null;
  if (tierKey !== null) {
    const tier = rules.tiers.find((t) => t.key === tierKey);
    if (!tier) throw new Error(`Unknown tier key "${tierKey}"`);
    target = tier.tag;
  }
  const remove = tags.filter((tag) => isOwnedTag(tag) && (target === null || norm(tag) !== norm(target)));
  const removed = new Set(remove.map(norm));
  const kept = tags.filter((tag) => !removed.has(norm(tag)));
  const present = target !== null && kept.some((tag) => norm(tag) === norm(target));
  const wanted = target !== null && !present;
  const blockedByTagLimit = wanted && kept.length + 1 > MAX_CUSTOMER_TAGS;
  const add = wanted && !blockedByTagLimit ? [target as string] : [];
  return { add, remove, tags: [...kept, ...add], blockedByTagLimit };
}

export type TagChangeClassification =
  /** No Tierline-owned tag involved: the merchant's business. */
  | { kind: "NOT_OURS" }
  /** Matches what Tierline last wrote: ignore. */
  | { kind: "ECHO" }
  /** A merchant changed a tier tag: write the planned tags back. */
  | { kind: "CORRECT"; ownedAdded: string[]; ownedRemoved: string[] }
  /** A merchant changed a pinned member's tier tag: leave it, and expect these owned tags from now on. */
  | { kind: "RESPECT"; ownedAdded: string[]; ownedRemoved: string[]; expectedOwnedTags: string[] };

/**
 * Classify one customer.tags_added / tags_removed webhook. `expectedOwnedTags` are the owned tags
 * Tierline last wrote for this customer. A stale echo (of a write already superseded) may be
 * classified as CORRECT; that costs one idempotent re-plan, never a wrong tag.
 */
export function classifyTagChange({
  added,
  removed,
  expectedOwnedTags,
  pinned,
}: {
  added: readonly string[];
  removed: readonly string[];
  expectedOwnedTags: readonly string[];
  pinned: boolean;
}): TagChangeClassification {
  const ownedAdded = ownedTierTags(added);
  const ownedRemoved = ownedTierTags(removed);
  if (ownedAdded.length === 0 && ownedRemoved.length === 0) return { kind: "NOT_OURS" };
  const expected = new Set(expectedOwnedTags.map(norm));
  const isEcho = ownedAdded.every((tag) => expected.has(norm(tag))) && ownedRemoved.every((tag) => !expected.has(norm(tag)));
  if (isEcho) return { kind: "ECHO" };
  if (!pinned) return { kind: "CORRECT", ownedAdded, ownedRemoved };
  const gone = new Set(ownedRemoved.map(norm));
  const next = uniqueTags([...expectedOwnedTags.filter((tag) => !gone.has(norm(tag))), ...ownedAdded]);
  return { kind: "RESPECT", ownedAdded, ownedRemoved, expectedOwnedTags: next };
}

/** A default tag for a tier the merchant creates in the rules page. */
export function suggestedTierTag(tierName: string): string {
  const slug = tierName.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `${TIERLINE_TAG_PREFIX}${slug || "tier"}`.slice(0, MAX_TAG_LENGTH);
}
