import { describe, expect, it } from "vitest";
import type { MemberTierState } from "./tier-evaluation.ts";
import { formatDateTime, metafieldDigest, spendOnlyChange, spendToNextTierMinor, tierLadder, tierMetafields, tierSyncDigest } from "./tier-metafields.ts";
import { DEFAULT_TIER_RULES } from "./tier-rules.ts";
import { at } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const silver: MemberTierState = { tierKey: "silver", tierSince: at("2025-01-10T10:00:00.123Z"), grace: null, pin: null };

describe("tierMetafields", () => {
  it("builds every app-owned metafield with its Shopify type", () => {
    const fields = tierMetafields({ rules, state: silver, spend: { qualifyingSpendMinor: 123450 }, reviewAt: at("2026-01-10T10:00:00Z") });
    expect(fields.map((f) => [f.key, f.type, f.value])).toEqual([
      ["next_tier_name", "single_line_text_field", "Gold"],
      ["qualifying_spend", "money", '{"amount":"1234.50","currency_code":"USD"}'],
      ["spend_to_next_tier", "money", '{"amount":"765.51","currency_code":"USD"}'],
      ["tier", "single_line_text_field", "silver"],
      ["tier_name", "single_line_text_field", "Silver"],
      ["tier_pinned", "boolean", "false"],
      ["tier_review_at", "date_time", "2026-01-10T10:00:00Z"],
      ["tier_since", "date_time", "2025-01-10T10:00:00Z"],
    ]);
    expect(fields.every((f) => f.namespace === "$app")).toBe(true);
  });

  it("deletes next-tier fields at the top tier and the review date when there is none", () => {
    const gold: MemberTierState = { ...silver, tierKey: "gold", pin: { tierKey: "gold", until: null } };
    const fields = Object.fromEntries(
      tierMetafields({ rules, state: gold, spend: { qualifyingSpendMinor: 0 }, reviewAt: null }).map((f) => [f.key, f.value]),
    );
    expect(fields).toMatchObject({ next_tier_name: null, spend_to_next_tier: null, tier_review_at: null, tier_pinned: "true" });
  });

  it("refuses a member without a tier", () => {
    expect(() => tierMetafields({ rules, state: { ...silver, tierKey: null }, spend: { qualifyingSpendMinor: 0 }, reviewAt: null })).toThrow();
  });
});

describe("spendToNextTierMinor", () => {
  it("never goes negative and is null at the top", () => {
    expect(spendToNextTierMinor(0, rules, "bronze")).toBe(50000);
    expect(spendToNextTierMinor(900000, rules, "bronze")).toBe(0); // a pin can hold a big spender low
    expect(spendToNextTierMinor(0, rules, "gold")).toBeNull();
  });
});

describe("metafieldDigest", () => {
  const input = { rules, state: silver, spend: { qualifyingSpendMinor: 123450 }, reviewAt: null };
  it("is stable and independent of field order", () => {
    const fields = tierMetafields(input);
    expect(metafieldDigest(fields)).toBe(metafieldDigest([...fields].reverse()));
    expect(metafieldDigest(fields)).toMatch(/^[0-9a-f]{16}$/);
    expect(metafieldDigest(tierMetafields(input))).toBe(metafieldDigest(fields));
  });

  it("changes when any value changes", () => {
    const base = metafieldDigest(tierMetafields(input));
    expect(metafieldDigest(tierMetafields({ ...input, spend: { qualifyingSpendMinor: 123451 } }))).not.toBe(base);
    expect(metafieldDigest(tierMetafields({ ...input, reviewAt: at("2026-01-01T00:00:00Z") }))).not.toBe(base);
  });

  it("formats date_time values at second precision", () => {
    expect(formatDateTime(at("2025-01-10T10:00:00.999Z"))).toBe("2025-01-10T10:00:00Z");
  });
});

describe("tierSyncDigest and spendOnlyChange", () => {
  const input = { rules, state: silver, spend: { qualifyingSpendMinor: 123450 }, reviewAt: at("2026-01-10T10:00:00Z") };
  const base = tierSyncDigest(tierMetafields(input));

  it("tells a spend change within a tier from a tier change", () => {
    expect(base).toMatch(/^[0-9a-f]{48}$/);
    expect(spendOnlyChange(base, tierSyncDigest(tierMetafields({ ...input, spend: { qualifyingSpendMinor: 150000 } })))).toBe(true);
    expect(spendOnlyChange(base, tierSyncDigest(tierMetafields({ ...input, reviewAt: at("2026-02-01T00:00:00Z") })))).toBe(true);
    expect(spendOnlyChange(base, tierSyncDigest(tierMetafields({ ...input, state: { ...silver, tierKey: "gold" } })))).toBe(false);
    // A review date that disappears must be deleted: not a spend-only change.
    expect(spendOnlyChange(base, tierSyncDigest(tierMetafields({ ...input, reviewAt: null })))).toBe(false);
    expect(spendOnlyChange(base, tierSyncDigest(tierMetafields({ ...input, state: { ...silver, pin: { tierKey: "silver", until: null } } })))).toBe(false);
    expect(spendOnlyChange(base, tierSyncDigest(tierMetafields({ ...input, state: { ...silver, tierSince: at("2025-06-01T00:00:00Z") } })))).toBe(false);
  });

  it("is not a spend-only change when nothing changed, nothing was written, or the digest is of another form", () => {
    expect(spendOnlyChange(base, base)).toBe(false);
    expect(spendOnlyChange(null, base)).toBe(false);
    expect(spendOnlyChange(base.slice(0, 16), base)).toBe(false);
  });
});

describe("the tier ladder (each tier's name, entry spend and promise, for the buyer's account page)", () => {
  const lanes = [
    { tierKey: "gold", handling: { unit: "business_hours" as const, min: 24, max: 48 } },
    { tierKey: "bronze", handling: { unit: "business_days" as const, min: 7, max: 10 } },
  ];
  const ladder = tierLadder(rules, lanes);
  const input = { rules, state: silver, spend: { qualifyingSpendMinor: 123450 }, reviewAt: at("2026-01-10T10:00:00Z") };

  it("lists every tier lowest first; a tier without a lane promises nothing", () => {
    expect(ladder).toEqual({
      currency: "USD",
      window: rules.window,
      tiers: [
        { key: "bronze", name: "Bronze", from: "0.00", ships: { unit: "business_days", min: 7, max: 10 } },
        { key: "silver", name: "Silver", from: "500.00", ships: null },
        { key: "gold", name: "Gold", from: "2000.01", ships: { unit: "business_hours", min: 24, max: 48 } },
      ],
    });
  });

  it("is a shop metafield: no member's set carries it", () => {
    expect(tierMetafields(input).map((m) => m.key)).not.toContain("tier_ladder");
  });

  it("a member written with the old per-customer ladder is a spend-only change (refreshed in a batch, not rewritten at once)", () => {
    const now = tierSyncDigest(tierMetafields(input));
    const withLadder = now.slice(0, 32) + metafieldDigest([{ namespace: "$app", key: "tier_ladder" as never, type: "json" as never, value: JSON.stringify(ladder) }]);
    expect(now).toHaveLength(withLadder.length);
    expect(spendOnlyChange(withLadder, now)).toBe(true);
  });
});
