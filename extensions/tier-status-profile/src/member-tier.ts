// The buyer's tier as the app-owned customer metafields hold it ($app.*, written by Tierline's tier
// sync: app/domain/tier-metafields.ts), and every tier from the app-owned SHOP metafield
// $app.tier_ladder (the same for every member), read in one query through the Customer Account API
// Shopify serves to the extension. Nothing here calls the app: a buyer without a tier, or an answer without one,
// gets null and the block renders nothing.
export const METAFIELD_KEYS = ["tier", "tier_name", "qualifying_spend", "next_tier_name", "spend_to_next_tier"] as const;
type Key = (typeof METAFIELD_KEYS)[number];
/** The shop metafield with every tier, its entry spend and promise. */
export const LADDER_KEY = "tier_ladder";

export const MEMBER_TIER_QUERY = `query TierlineMemberTier {
  customer {
    metafields(identifiers: [${METAFIELD_KEYS.map((key) => `{namespace: "$app", key: "${key}"}`).join(", ")}]) { key value }
  }
  shop {
    metafield(namespace: "$app", key: "${LADDER_KEY}") { value }
  }
}`;

/** The Customer Account API, as an extension reaches it (no network_access needed). */
export const CUSTOMER_ACCOUNT_API = "shopify://customer-account/api/2026-07/graphql.json";

export type Money = { amount: number; currency: string };
export type Shipping = { unit: "business_hours" | "business_days"; min: number; max: number } | null;
export type SpendWindow = { kind: "trailing_days"; days: number } | { kind: "calendar_year" } | { kind: "lifetime" };

export type MemberTier = {
  tierKey: string;
  tierName: string;
  spent: Money | null;
  window: SpendWindow | null;
  /** null at the top tier. */
  next: { name: string; more: Money | null } | null;
  tiers: { key: string; name: string; from: Money; ships: Shipping }[];
};

function money(value: string | undefined): Money | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as { amount?: unknown; currency_code?: unknown };
    const amount = Number(parsed.amount);
    return typeof parsed.currency_code === "string" && Number.isFinite(amount) ? { amount, currency: parsed.currency_code } : null;
  } catch {
    return null;
  }
}

type Ladder = { currency: string; window: SpendWindow; tiers: { key: string; name: string; from: string; ships: Shipping }[] };

function ladder(value: string | undefined): Ladder | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as Ladder;
    return Array.isArray(parsed?.tiers) && typeof parsed.currency === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** The block's content from the query's answer; null without a tier. */
export function memberTierFrom(answer: unknown): MemberTier | null {
  const data = (answer as { data?: { customer?: { metafields?: ({ key: string; value: string } | null)[] } | null; shop?: { metafield?: { value?: unknown } | null } | null } })?.data;
  const list = data?.customer?.metafields;
  if (!Array.isArray(list)) return null;
  const values = new Map<Key, string>();
  for (const entry of list) if (entry && typeof entry.value === "string") values.set(entry.key as Key, entry.value);
  const tierKey = values.get("tier");
  if (!tierKey) return null;
  const shopLadder = data?.shop?.metafield?.value;
  const tiers = ladder(typeof shopLadder === "string" ? shopLadder : undefined);
  const nextName = values.get("next_tier_name");
  return {
    tierKey,
    tierName: values.get("tier_name") ?? tierKey,
    spent: money(values.get("qualifying_spend")),
    window: tiers?.window ?? null,
    next: nextName ? { name: nextName, more: money(values.get("spend_to_next_tier")) } : null,
    tiers: (tiers?.tiers ?? []).map((t) => ({ key: t.key, name: t.name, from: { amount: Number(t.from), currency: tiers!.currency }, ships: t.ships })),
  };
}

export async function loadMemberTier(fetchImpl: typeof fetch): Promise<MemberTier | null> {
  try {
    const response = await fetchImpl(CUSTOMER_ACCOUNT_API, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query: MEMBER_TIER_QUERY }) });
    return response.ok ? memberTierFrom(await response.json()) : null;
  } catch {
    return null;
  }
}
