/**
 * The app-owned customer metafields Tierline writes, and a digest so unchanged values are not rewritten.
 *
 * Exported API
 * - TIER_METAFIELD_NAMESPACE = "$app"
 * - TIER_METAFIELD_KEYS: the keys below, with their Shopify types (mirrors the definitions in shopify.app.toml)
 * - type TierMetafield = { namespace; key; type; value: string | null }   null: delete the metafield
 * - tierMetafields({ rules, state, spend, reviewAt }): TierMetafield[]   sorted by key
 * - metafieldDigest(metafields): string                      16 hex chars; equal inputs, equal digest
 * - SPEND_METAFIELD_KEYS: the values that move with every order within a tier
 * - tierSyncDigest(metafields): string                      48 hex chars: digests of the tier values, the spend values, and a fixed third part
 * - spendOnlyChange(written, desired): boolean              two tierSyncDigests differ only in the spend values
 * - spendToNextTierMinor(spendMinor, rules, tierKey): MinorUnits | null   null at the top tier
 * - formatDateTime(instant): string                          "2025-01-31T12:00:00Z" (seconds precision)
 * - type TierLadder; tierLadder(rules, lanes): TierLadder   each tier's name, entry spend and promise
 * - SHOP_TIER_LADDER_METAFIELD: the shop metafield that holds it ($app.tier_ladder, json)
 *
 * Keys and types:
 *   tier                single_line_text_field   tier key ("gold"), stable across renames
 *   tier_name           single_line_text_field   display name ("Gold")
 *   qualifying_spend    money                    {"amount":"1234.50","currency_code":"USD"}
 *   next_tier_name      single_line_text_field   null at the top tier
 *   spend_to_next_tier  money                    entry threshold of the next tier minus spend, >= 0; null at the top
 *   tier_since          date_time
 *   tier_review_at      date_time                next time-driven review (window, grace or pin end); null if none
 *   tier_pinned         boolean                  "true" while a pin holds the tier
 * The ladder (every tier: name, entry spend, delivery promise) is the same for every member: it is a
 * SHOP metafield ($app.tier_ladder), written once per change of the shop's rules (write-shop-tier-ladder.server.ts).
 * Customers written before it moved keep an old $app.tier_ladder value that nothing reads.
 * "Next tier" is the one above the member's current tier (which a pin may hold below or above what was earned).
 */
import { formatMoney, type MinorUnits } from "./money.ts";
import type { SpendSummary } from "./qualifying-spend.ts";
import type { MemberTierState } from "./tier-evaluation.ts";
import { tierIndex, type TierRules } from "./tier-rules.ts";

export const TIER_METAFIELD_NAMESPACE = "$app";

export const TIER_METAFIELD_KEYS = {
  tier: "single_line_text_field",
  tier_name: "single_line_text_field",
  qualifying_spend: "money",
  next_tier_name: "single_line_text_field",
  spend_to_next_tier: "money",
  tier_since: "date_time",
  tier_review_at: "date_time",
  tier_pinned: "boolean",
} as const;

export const SHOP_TIER_LADDER_METAFIELD = { namespace: TIER_METAFIELD_NAMESPACE, key: "tier_ladder", type: "json" } as const;

export type TierMetafieldKey = keyof typeof TIER_METAFIELD_KEYS;

export type TierMetafield = {
  namespace: typeof TIER_METAFIELD_NAMESPACE;
  key: TierMetafieldKey;
  type: (typeof TIER_METAFIELD_KEYS)[TierMetafieldKey];
  /** The value as Shopify expects it; null means the metafield should be deleted. */
  value: string | null;
};

export function formatDateTime(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

function moneyValue(amountMinor: MinorUnits, currency: string): string {
  return JSON.stringify({ amount: formatMoney(amountMinor, currency), currency_code: currency });
}

export function spendToNextTierMinor(spendMinor: MinorUnits, rules: TierRules, tierKey: string): MinorUnits | null {
  const index = tierIndex(rules, tierKey);
  if (index < 0) throw new Error(`Unknown tier key "${tierKey}"`);
  const next = rules.tiers[index + 1];
  return next ? Math.max(0, next.entryThresholdMinor - spendMinor) : null;
}

/** How a tier's lane ships, as the promise rules say (handling time); null: the tier has no lane. */
export type LadderShipping = { unit: "business_hours" | "business_days"; min: number; max: number } | null;

/** Every tier, lowest first, as the buyer's account page shows them (the shop's $app.tier_ladder value). */
export type TierLadder = { currency: string; window: TierRules["window"]; tiers: { key: string; name: string; from: string; ships: LadderShipping }[] };

export function tierLadder(rules: TierRules, lanes: readonly { tierKey: string; handling: { unit: "business_hours" | "business_days"; min: number; max: number } }[]): TierLadder {
  return {
    currency: rules.currency,
    window: rules.window,
    tiers: rules.tiers.map((tier) => {
      const lane = lanes.find((l) => l.tierKey === tier.key);
      return { key: tier.key, name: tier.name, from: formatMoney(tier.entryThresholdMinor, rules.currency), ships: lane ? { unit: lane.handling.unit, min: lane.handling.min, max: lane.handling.max } : null };
    }),
  };
}

export function tierMetafields({
  rules,
  state,
  spend,
  reviewAt,
}: {
  rules: TierRules;
  state: MemberTierState;
  spend: Pick<SpendSummary, "qualifyingSpendMinor">;
  reviewAt: Date | null;
}): TierMetafield[] {
  if (state.tierKey === null) throw new Error("Cannot build metafields for a member without a tier");
  const index = tierIndex(rules, state.tierKey);
  if (index < 0) throw new Error(`Unknown tier key "${state.tierKey}"`);
  const tier = rules.tiers[index];
  const next = rules.tiers[index + 1];
  const toNext = spendToNextTierMinor(spend.qualifyingSpendMinor, rules, tier.key);
  const values: Record<TierMetafieldKey, string | null> = {
    tier: tier.key,
    tier_name: tier.name,
    qualifying_spend: moneyValue(spend.qualifyingSpendMinor, rules.currency),
    next_tier_name: next ? next.name : null,
    spend_to_next_tier: toNext === null ? null : moneyValue(toNext, rules.currency),
    tier_since: state.tierSince ? formatDateTime(state.tierSince) : null,
    tier_review_at: reviewAt ? formatDateTime(reviewAt) : null,
    tier_pinned: String(state.pin !== null),
  };
  return (Object.keys(TIER_METAFIELD_KEYS) as TierMetafieldKey[]).sort().map((key) => ({
    namespace: TIER_METAFIELD_NAMESPACE,
    key,
    type: TIER_METAFIELD_KEYS[key],
    value: values[key],
  }));
}

// FNV-1a, 64-bit: dependency-free and stable across processes; collisions only risk a skipped write
// with probability ~2^-64 per change. Computed on two 32-bit halves (BigInt arithmetic per byte cost more than the rest of a
// sync round): the prime is 2^40 + 0x1b3, so hash × prime = (hash << 40) + hash × 0x1b3 mod 2^64.
const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;
const FNV_PRIME_LOW = 0x1b3;
const TWO_32 = 0x1_0000_0000;
const utf8 = new TextEncoder();

export function metafieldDigest(metafields: readonly TierMetafield[]): string {
  const canonical = JSON.stringify(
    [...metafields].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((m) => [m.namespace, m.key, m.type, m.value]),
  );
  let hi = FNV_OFFSET_HI;
  let lo = FNV_OFFSET_LO;
  const bytes = utf8.encode(canonical);
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // Exact in doubles (every sum below 2^42); `>>> 0` keeps it mod 2^32.
    const low = lo * FNV_PRIME_LOW;
    hi = (hi * FNV_PRIME_LOW + Math.floor(low / TWO_32) + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/**
 * Values that move with every order, without a tier change. Writing them on every
 * order would spend Admin API points on orders that change nothing a merchant acts
 * on, so they are refreshed in batches (many customers per metafieldsSet) and
 * written at once only together with a tier change.
 */
export const SPEND_METAFIELD_KEYS: ReadonlySet<TierMetafieldKey> = new Set(["qualifying_spend", "spend_to_next_tier", "tier_review_at"]);

/**
 * What was written, in two halves, so a sync can tell a tier change from a spend
 * change. The first half also covers which spend values are absent, so a spend-only
 * change never needs a metafield deleted.
 */
export function tierSyncDigest(metafields: readonly TierMetafield[]): string {
  const tierHalf = metafields.map((m) => (SPEND_METAFIELD_KEYS.has(m.key) ? { ...m, value: m.value === null ? null : "present" } : m));
  const spend = metafields.filter((m) => SPEND_METAFIELD_KEYS.has(m.key));
  // The third part held the per-customer ladder, now a shop metafield: kept, fixed, so digests keep
  // their length and a member written with a ladder is only refreshed with the spend values, in a batch.
  return metafieldDigest(tierHalf) + metafieldDigest(spend) + NO_LADDER_DIGEST;
}

const NO_LADDER_DIGEST = metafieldDigest([]);

export function spendOnlyChange(written: string | null, desired: string): boolean {
  return written !== null && written.length === desired.length && written.slice(0, 16) === desired.slice(0, 16) && written !== desired;
}
