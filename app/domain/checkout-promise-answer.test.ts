import { describe, expect, it } from "vitest";
import { buyerLocale, checkoutPromiseAnswer, formatLocalDay, standingTierKey } from "./checkout-promise-answer.ts";
import { defaultTierRules, DEFAULT_TIER_RULES, type TierRules } from "./tier-rules.ts";

const facts = (tierKey: string, shipByDay: string) => ({ tierKey, shipByDay, arriveBy: null });

describe("checkout promise answer", () => {
  it("places guests, unplaced buyers and retired tiers in the base tier", () => {
    expect(standingTierKey(DEFAULT_TIER_RULES, { kind: "guest" })).toBe("bronze");
    expect(standingTierKey(DEFAULT_TIER_RULES, { kind: "member", tierKey: null, qualifyingSpendMinor: 0, qualifyingOrders: 0 })).toBe("bronze");
    expect(standingTierKey(DEFAULT_TIER_RULES, { kind: "member", tierKey: "platinum", qualifyingSpendMinor: 0, qualifyingOrders: 0 })).toBe("bronze");
    expect(standingTierKey(DEFAULT_TIER_RULES, { kind: "member", tierKey: "gold", qualifyingSpendMinor: 0, qualifyingOrders: 0 })).toBe("gold");
  });

  it("offers the top tier nothing more", () => {
    const answer = checkoutPromiseAnswer({ tierRules: DEFAULT_TIER_RULES, buyer: { kind: "member", tierKey: "gold", qualifyingSpendMinor: 500_000, qualifyingOrders: 3 }, promise: { source: "order", facts: facts("gold", "2026-11-25") }, nextPromise: null, locale: "en-GB" });
    expect(answer).toMatchObject({ tier: { key: "gold", member: true }, source: "order", promise: { shipBy: "Wed 25 Nov", arriveBy: null }, next: null });
  });

  it("says what a member still needs: spend and orders, none when already met", () => {
    const rules: TierRules = { ...DEFAULT_TIER_RULES, tiers: DEFAULT_TIER_RULES.tiers.map((t) => (t.key === "silver" ? { ...t, minOrders: 3 } : t)) };
    const short = checkoutPromiseAnswer({ tierRules: rules, buyer: { kind: "member", tierKey: "bronze", qualifyingSpendMinor: 49_999, qualifyingOrders: 1 }, promise: { source: "preview", facts: facts("bronze", "2026-12-09") }, nextPromise: facts("silver", "2026-11-26"), locale: "en-US" });
    expect(short.next).toMatchObject({ tier: { key: "silver" }, qualifies: { spend: "$0.01", spendMinor: 1, orders: 2, more: true } });
    // Spend met, orders missing: only the orders are asked for.
    const orders = checkoutPromiseAnswer({ tierRules: rules, buyer: { kind: "member", tierKey: "bronze", qualifyingSpendMinor: 60_000, qualifyingOrders: 2 }, promise: { source: "preview", facts: null }, nextPromise: null, locale: "en-US" });
    expect(orders.next?.qualifies).toMatchObject({ spend: null, spendMinor: 0, orders: 1 });
  });

  it("formats money in the shop's currency and the buyer's locale", () => {
    const answer = checkoutPromiseAnswer({ tierRules: defaultTierRules("JPY"), buyer: { kind: "guest" }, promise: { source: "preview", facts: null }, nextPromise: null, locale: "ja-JP" });
    expect(answer.next?.qualifies).toMatchObject({ spend: "￥500", spendMinor: 500, more: false, window: { kind: "trailing_days", days: 365 } });
  });

  it("formats a shop-local day as that day whatever the buyer's zone, and a same-day range once", () => {
    expect(formatLocalDay("2026-03-08", "en-US")).toBe("Sun, Mar 8");
    const answer = checkoutPromiseAnswer({ tierRules: DEFAULT_TIER_RULES, buyer: { kind: "guest" }, promise: { source: "preview", facts: { tierKey: "bronze", shipByDay: "2026-12-09", arriveBy: { earliestDay: "2026-12-11", latestDay: "2026-12-11" } } }, nextPromise: null, locale: "de-DE" });
    expect(answer.promise?.arriveBy).toBe("Fr., 11. Dez.");
  });

  it("falls back to English for a locale Intl does not know or a malformed one", () => {
    expect(buyerLocale("fr-CA")).toBe("fr-CA");
    expect(buyerLocale("not a locale!")).toBe("en");
    expect(buyerLocale(null)).toBe("en");
    expect(buyerLocale("")).toBe("en");
  });
});
