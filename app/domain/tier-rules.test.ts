import { describe, expect, it } from "vitest";
import { DEFAULT_TIER_RULES, defaultTierRules, isOwnedTag, parseTierRules, thresholdCurrencyStatus, tierIndex, type TierRules } from "./tier-rules.ts";

function issuesOf(input: unknown): string[] {
  const result = parseTierRules(input);
  if (result.ok) return [];
  return result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

function withTiers(tiers: unknown[]): unknown {
  return { ...DEFAULT_TIER_RULES, tiers };
}

const bronze = { key: "bronze", name: "Bronze", entryThresholdMinor: 0, tag: "tierline:bronze" };
const silver = { key: "silver", name: "Silver", entryThresholdMinor: 50000, tag: "tierline:silver" };
const gold = { key: "gold", name: "Gold", entryThresholdMinor: 200001, tag: "tierline:gold" };

describe("DEFAULT_TIER_RULES", () => {
  it("is Bronze below $500, Silver $500 to $2000, Gold from $2000.01", () => {
    expect(DEFAULT_TIER_RULES.tiers.map((t) => [t.key, t.entryThresholdMinor, t.tag])).toEqual([
      ["bronze", 0, "tierline:bronze"],
      ["silver", 50000, "tierline:silver"],
      ["gold", 200001, "tierline:gold"],
    ]);
    expect(DEFAULT_TIER_RULES.window).toEqual({ kind: "trailing_days", days: 365 });
    expect(DEFAULT_TIER_RULES.graceDays).toBe(30);
    expect(DEFAULT_TIER_RULES.countShipping).toBe(false);
    expect(DEFAULT_TIER_RULES.countTax).toBe(false);
  });

  it("validates", () => {
    expect(parseTierRules(DEFAULT_TIER_RULES)).toEqual({ ok: true, rules: DEFAULT_TIER_RULES });
  });

  it("scales thresholds to the currency's minor unit", () => {
    expect(defaultTierRules("JPY").tiers.map((t) => t.entryThresholdMinor)).toEqual([0, 500, 2001]);
    expect(defaultTierRules("KWD").tiers.map((t) => t.entryThresholdMinor)).toEqual([0, 500000, 2000001]);
    expect(parseTierRules(defaultTierRules("JPY")).ok).toBe(true);
  });
});

describe("parseTierRules", () => {
  it("accepts 2 and 5 tiers, rejects 1 and 6", () => {
    expect(issuesOf(withTiers([bronze, silver]))).toEqual([]);
    const five = [0, 1, 2, 3, 4].map((i) => ({ key: `t${i}`, name: `T${i}`, entryThresholdMinor: i * 100, tag: `tierline:t${i}` }));
    expect(issuesOf(withTiers(five))).toEqual([]);
    expect(issuesOf(withTiers([bronze]))).toEqual(["tiers: at least 2 tiers are required"]);
    const six = [...five, { key: "t5", name: "T5", entryThresholdMinor: 500, tag: "tierline:t5" }];
    expect(issuesOf(withTiers(six))).toEqual(["tiers: at most 5 tiers are allowed"]);
  });

  it("requires the first threshold to be 0 and thresholds to increase strictly", () => {
    expect(issuesOf(withTiers([{ ...bronze, entryThresholdMinor: 1 }, silver]))).toEqual([
      "tiers.0.entryThresholdMinor: the first tier's threshold must be 0 (everyone starts there)",
    ]);
    expect(issuesOf(withTiers([bronze, silver, { ...gold, entryThresholdMinor: 50000 }]))).toEqual([
      "tiers.2.entryThresholdMinor: threshold must be higher than Silver's",
    ]);
    expect(issuesOf(withTiers([bronze, gold, silver]))).toEqual([
      "tiers.2.entryThresholdMinor: threshold must be higher than Gold's",
    ]);
  });

  it("requires whole, non-negative minor units", () => {
    expect(issuesOf(withTiers([bronze, { ...silver, entryThresholdMinor: 500.5 }]))).toEqual([
      "tiers.1.entryThresholdMinor: must be a whole number of minor units",
    ]);
    expect(issuesOf(withTiers([bronze, { ...silver, entryThresholdMinor: -1 }]))).toContain(
      "tiers.1.entryThresholdMinor: must not be negative",
    );
  });

  it("requires unique keys and tags (tags case-insensitively)", () => {
    expect(issuesOf(withTiers([bronze, { ...silver, key: "bronze" }]))).toEqual(['tiers.1.key: duplicate tier key "bronze"']);
    expect(issuesOf(withTiers([bronze, { ...silver, tag: "Tierline:Bronze" }]))).toEqual([
      'tiers.1.tag: duplicate tag "Tierline:Bronze"',
    ]);
  });

  it("requires the retain threshold below entry and not below the previous tier's entry", () => {
    expect(issuesOf(withTiers([bronze, silver, { ...gold, retainThresholdMinor: 150000 }]))).toEqual([]);
    expect(issuesOf(withTiers([bronze, silver, { ...gold, retainThresholdMinor: 200001 }]))).toEqual([
      "tiers.2.retainThresholdMinor: retain threshold must be below the entry threshold",
    ]);
    expect(issuesOf(withTiers([bronze, silver, { ...gold, retainThresholdMinor: 49999 }]))).toEqual([
      "tiers.2.retainThresholdMinor: retain threshold must be at least Silver's entry threshold",
    ]);
    expect(issuesOf(withTiers([{ ...bronze, retainThresholdMinor: 0 }, silver]))).toEqual([
      "tiers.0.retainThresholdMinor: the first tier cannot have a retain threshold (nobody falls below it)",
    ]);
  });

  it("checks minOrders", () => {
    expect(issuesOf(withTiers([bronze, { ...silver, minOrders: 2 }]))).toEqual([]);
    expect(issuesOf(withTiers([bronze, { ...silver, minOrders: 0 }]))).toEqual(["tiers.1.minOrders: minOrders must be at least 1"]);
    expect(issuesOf(withTiers([bronze, { ...silver, minOrders: 1.5 }]))).toEqual(["tiers.1.minOrders: minOrders must be a whole number"]);
    expect(issuesOf(withTiers([{ ...bronze, minOrders: 1 }, silver]))).toEqual([
      "tiers.0.minOrders: the first tier cannot require a minimum number of orders",
    ]);
  });

  it("requires owned tags within Shopify's limits", () => {
    const prefixError = 'tiers.1.tag: tag must start with "tierline:" followed by a name, so Tierline can recognise its own tags';
    expect(issuesOf(withTiers([bronze, { ...silver, tag: "vip" }]))).toEqual([prefixError]);
    expect(issuesOf(withTiers([bronze, { ...silver, tag: "tierline:" }]))).toEqual([prefixError]);
    expect(issuesOf(withTiers([bronze, { ...silver, tag: "tierline:a,b" }]))).toEqual(["tiers.1.tag: tag must not contain a comma"]);
    expect(issuesOf(withTiers([bronze, { ...silver, tag: "tierline:silver " }]))).toEqual([
      "tiers.1.tag: tag must not start or end with spaces",
    ]);
    const longest = "tierline:" + "x".repeat(255 - 9);
    expect(issuesOf(withTiers([bronze, { ...silver, tag: longest }]))).toEqual([]);
    expect(issuesOf(withTiers([bronze, { ...silver, tag: longest + "x" }]))).toEqual([
      "tiers.1.tag: tag must be at most 255 characters (Shopify's limit)",
    ]);
  });

  it("checks keys and names", () => {
    expect(issuesOf(withTiers([bronze, { ...silver, key: "Silver Tier" }]))).toEqual([
      "tiers.1.key: key must be lowercase letters, digits, '-' or '_'",
    ]);
    expect(issuesOf(withTiers([bronze, { ...silver, name: "   " }]))).toEqual(["tiers.1.name: name is required"]);
  });

  it("checks the window, grace, currency and unknown fields", () => {
    const base = DEFAULT_TIER_RULES as TierRules;
    expect(issuesOf({ ...base, window: { kind: "trailing_days", days: 0 } })).toEqual(["window.days: days must be at least 1"]);
    expect(issuesOf({ ...base, window: { kind: "calendar_year", timeZone: "America/New_York" } })).toEqual([]);
    expect(issuesOf({ ...base, window: { kind: "calendar_year", timeZone: "Mars/Olympus" } })).toEqual([
      "window.timeZone: timeZone must be an IANA time zone such as America/New_York",
    ]);
    expect(issuesOf({ ...base, window: { kind: "lifetime" } })).toEqual([]);
    expect(issuesOf({ ...base, window: { kind: "fortnight" } })).toHaveLength(1);
    expect(issuesOf({ ...base, graceDays: -1 })).toEqual(["graceDays: graceDays must not be negative"]);
    expect(issuesOf({ ...base, graceDays: 0 })).toEqual([]);
    expect(issuesOf({ ...base, currency: "usd" })).toEqual(["currency: currency must be an ISO 4217 code such as USD"]);
    expect(issuesOf({ ...base, surprise: true })).toHaveLength(1);
    expect(issuesOf(null)).toHaveLength(1);
  });

  it("trims names", () => {
    const result = parseTierRules(withTiers([bronze, { ...silver, name: " Silver " }]));
    expect(result.ok && result.rules.tiers[1].name).toBe("Silver");
  });
});

describe("helpers", () => {
  it("recognises owned tags by prefix, case-insensitively", () => {
    expect(isOwnedTag("tierline:gold")).toBe(true);
    expect(isOwnedTag("TierLine:Platinum")).toBe(true);
    expect(isOwnedTag("gold")).toBe(false);
    expect(isOwnedTag("vip-tierline:gold")).toBe(false);
  });

  it("finds tiers by key", () => {
    expect(tierIndex(DEFAULT_TIER_RULES, "gold")).toBe(2);
    expect(tierIndex(DEFAULT_TIER_RULES, "platinum")).toBe(-1);
    expect(tierIndex(DEFAULT_TIER_RULES, null)).toBe(-1);
  });
});

describe("tips and duties settings", () => {
  it("are off by default and in rules saved before they existed", () => {
    expect(DEFAULT_TIER_RULES).toMatchObject({ countTips: false, countDuties: false });
    const { countTips: _t, countDuties: _d, ...stored } = DEFAULT_TIER_RULES;
    const parsed = parseTierRules(JSON.parse(JSON.stringify(stored)));
    expect(parsed.ok && parsed.rules).toMatchObject({ countTips: false, countDuties: false });
    const optedIn = parseTierRules({ ...DEFAULT_TIER_RULES, countTips: true, countDuties: true });
    expect(optedIn.ok && optedIn.rules).toMatchObject({ countTips: true, countDuties: true });
    expect(parseTierRules({ ...DEFAULT_TIER_RULES, countTips: "yes" }).ok).toBe(false);
  });
});

describe("thresholdCurrencyStatus: tiers are written once thresholds are meant in the shop's currency", () => {
  const eur = defaultTierRules("EUR");
  it("a USD shop on the defaults is confirmed (the defaults are dollar amounts)", () => {
    expect(thresholdCurrencyStatus({ shopCurrency: "USD", rules: DEFAULT_TIER_RULES, saved: false })).toEqual({ confirmed: true });
  });
  it("another currency waits until the merchant saves thresholds in it", () => {
    expect(thresholdCurrencyStatus({ shopCurrency: "EUR", rules: eur, saved: false })).toEqual({ confirmed: false, reason: "defaults_not_confirmed", shopCurrency: "EUR", rulesCurrency: "EUR" });
    expect(thresholdCurrencyStatus({ shopCurrency: "EUR", rules: eur, saved: true })).toEqual({ confirmed: true });
  });
  it("rules saved in a currency the shop no longer uses wait again; an unknown shop currency waits unless rules were saved", () => {
    expect(thresholdCurrencyStatus({ shopCurrency: "GBP", rules: eur, saved: true })).toMatchObject({ confirmed: false, reason: "rules_in_other_currency" });
    expect(thresholdCurrencyStatus({ shopCurrency: "USD", rules: eur, saved: true })).toMatchObject({ confirmed: false, reason: "rules_in_other_currency" });
    expect(thresholdCurrencyStatus({ shopCurrency: null, rules: DEFAULT_TIER_RULES, saved: false })).toMatchObject({ confirmed: false, reason: "shop_currency_unknown" });
    expect(thresholdCurrencyStatus({ shopCurrency: null, rules: eur, saved: true })).toEqual({ confirmed: true });
  });
});
