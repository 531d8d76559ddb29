import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_REPLENISHMENT_SETTINGS,
  defaultReorderTrigger,
  defaultReplenishmentSettings,
  parseReplenishmentSettings,
  parseSkuReplenishmentRule,
  reorderTriggerOf,
  replenishmentIssuesForTiers,
  tierPriorityFor,
  tierRank,
  toBasisPoints,
} from "./replenishment-rules.ts";
import { MUG_RULE } from "../../tests/support/replenishment-examples.ts";


const ruleIssues = (patch: Record<string, unknown>) => {
  const result = parseSkuReplenishmentRule({ ...MUG_RULE, ...patch });
  return result.ok ? [] : result.issues;
};
const settingsIssues = (patch: Record<string, unknown>) => {
  const result = parseReplenishmentSettings({ ...DEFAULT_REPLENISHMENT_SETTINGS, ...patch });
  return result.ok ? [] : result.issues;
};

describe("the reorder trigger", () => {
  it("defaults to safety stock + 10 %, so safety stock 50 fires at 55 (not 56 from float rounding)", () => {
    expect(50 * 1.1).not.toBe(55);
    expect(defaultReorderTrigger(50)).toBe(55);
    expect(reorderTriggerOf(MUG_RULE)).toBe(55);
  });

  it("rounds up, so the trigger is never below safety stock + 10 %", () => {
    expect(defaultReorderTrigger(0)).toBe(0);
    expect(defaultReorderTrigger(1)).toBe(2);
    expect(defaultReorderTrigger(9)).toBe(10);
    expect(defaultReorderTrigger(10)).toBe(11);
    expect(defaultReorderTrigger(11)).toBe(13);
    expect(defaultReorderTrigger(100, 12.5)).toBe(113);
    expect(defaultReorderTrigger(80, 12.5)).toBe(90);
  });

  it("uses the merchant's own trigger when set", () => {
    expect(reorderTriggerOf({ safetyStock: 50, reorderTrigger: 70 })).toBe(70);
  });

  it("is the least whole number at or above safety × 1.1, for any safety stock", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (safety) => {
        const trigger = defaultReorderTrigger(safety);
        expect(trigger * 10).toBeGreaterThanOrEqual(safety * 11);
        expect((trigger - 1) * 10).toBeLessThan(safety * 11);
      }),
    );
  });

  it("refuses a negative or fractional safety stock", () => {
    expect(() => defaultReorderTrigger(-1)).toThrow(/safety stock/);
    expect(() => defaultReorderTrigger(1.5)).toThrow(/safety stock/);
  });
});

describe("a SKU's rule", () => {
  it("accepts the example", () => {
    expect(parseSkuReplenishmentRule(MUG_RULE)).toEqual({ ok: true, rule: MUG_RULE });
    expect(ruleIssues({ reorderQuantity: { kind: "cover_days", days: 30 } })).toEqual([]);
  });

  it("needs 2 to 5 suppliers, each once", () => {
    expect(ruleIssues({ suppliers: MUG_RULE.suppliers.slice(0, 1) })).toEqual([{ path: "suppliers", message: "add at least 2 suppliers so there is something to compare" }]);
    const six = Array.from({ length: 6 }, (_, i) => ({ ...MUG_RULE.suppliers[0], supplierId: `s${i}` }));
    expect(ruleIssues({ suppliers: six })).toEqual([{ path: "suppliers", message: "at most 5 suppliers can be asked per SKU" }]);
    expect(ruleIssues({ suppliers: six.slice(0, 5) })).toEqual([]);
    expect(ruleIssues({ suppliers: [MUG_RULE.suppliers[0], MUG_RULE.suppliers[0]] })).toEqual([
      { path: "suppliers.1.supplierId", message: "this supplier is already listed for the SKU" },
    ]);
  });

  it("refuses a trigger below safety stock, zero costs, fractional lead times and ratings out of range", () => {
    expect(ruleIssues({ reorderTrigger: 49 })).toEqual([{ path: "reorderTrigger", message: "reorder trigger must be at least the safety stock (50)" }]);
    expect(ruleIssues({ reorderTrigger: 50 })).toEqual([]);
    const supplier = (patch: Record<string, unknown>) => ruleIssues({ suppliers: [{ ...MUG_RULE.suppliers[0], ...patch }, MUG_RULE.suppliers[1]] });
    expect(supplier({ usualUnitCostMinor: 0 })).toEqual([{ path: "suppliers.0.usualUnitCostMinor", message: "usual cost must be more than zero" }]);
    expect(supplier({ usualUnitCostMinor: 10.5 })).toEqual([{ path: "suppliers.0.usualUnitCostMinor", message: "usual cost must be a whole number of minor units" }]);
    expect(supplier({ usualLeadBusinessDays: 2.5 })).toEqual([{ path: "suppliers.0.usualLeadBusinessDays", message: "usual lead time must be a whole number of business days" }]);
    expect(supplier({ usualLeadBusinessDays: 367 })).toEqual([{ path: "suppliers.0.usualLeadBusinessDays", message: "usual lead time must be at most 366 business days" }]);
    expect(supplier({ qualityRating: 5.5 })).toEqual([{ path: "suppliers.0.qualityRating", message: "quality rating must be between 0 and 5" }]);
    expect(supplier({ qualityRating: 0 })).toEqual([]);
    expect(supplier({ supplierId: "  " })).toEqual([{ path: "suppliers.0.supplierId", message: "supplier is required" }]);
  });

  it("refuses a reorder quantity of zero, negative safety stock and unknown fields", () => {
    expect(ruleIssues({ reorderQuantity: { kind: "fixed", quantity: 0 } })).toEqual([{ path: "reorderQuantity.quantity", message: "reorder quantity must be at least 1 unit" }]);
    expect(ruleIssues({ reorderQuantity: { kind: "cover_days", days: 0 } })).toEqual([{ path: "reorderQuantity.days", message: "days to cover must be at least 1" }]);
    expect(ruleIssues({ safetyStock: -1 })).toEqual([{ path: "safetyStock", message: "safety stock must not be negative" }]);
    expect(ruleIssues({ colour: "red" })).toHaveLength(1);
  });
});

describe("shop settings", () => {
  it("default to price 50 / lead 30 / quality 20, +30 %, one hour, no splits, Gold first with a +50 % band", () => {
    expect(parseReplenishmentSettings(DEFAULT_REPLENISHMENT_SETTINGS)).toEqual({ ok: true, settings: DEFAULT_REPLENISHMENT_SETTINGS });
    expect(DEFAULT_REPLENISHMENT_SETTINGS).toMatchObject({ weights: { price: 50, leadTime: 30, quality: 20 }, escalationThresholdPercent: 30, quoteDeadlineMinutes: 60, allowSplits: false });
    expect(tierPriorityFor(DEFAULT_REPLENISHMENT_SETTINGS, "gold")).toMatchObject({ jobPriority: 1, escalationThresholdPercent: 50, preferEarliestLeadTime: true });
    expect(tierPriorityFor(DEFAULT_REPLENISHMENT_SETTINGS, "platinum")).toBeNull();
    expect(defaultReplenishmentSettings("EUR").currency).toBe("EUR");
  });

  it("rank tiers in their order, unknown tiers last", () => {
    expect(["gold", "silver", "bronze", "vip"].map((key) => tierRank(DEFAULT_REPLENISHMENT_SETTINGS, key))).toEqual([0, 1, 2, 3]);
  });

  it("need at least one weight and no negative ones", () => {
    expect(settingsIssues({ weights: { price: 0, leadTime: 0, quality: 0 } })).toEqual([{ path: "weights", message: "at least one of price, lead time or quality must count" }]);
    expect(settingsIssues({ weights: { price: -1, leadTime: 0, quality: 5 } })).toEqual([{ path: "weights.price", message: "weights must not be negative" }]);
    expect(settingsIssues({ weights: { price: 1, leadTime: 0, quality: 0 } })).toEqual([]);
  });

  it("take thresholds with up to two decimals and deadlines from a minute to a week", () => {
    expect(settingsIssues({ escalationThresholdPercent: 12.5 })).toEqual([]);
    expect(settingsIssues({ escalationThresholdPercent: 12.345 })).toEqual([{ path: "escalationThresholdPercent", message: "escalation threshold may have at most two decimals" }]);
    expect(settingsIssues({ escalationThresholdPercent: -1 })).toEqual([{ path: "escalationThresholdPercent", message: "escalation threshold must not be negative" }]);
    expect(settingsIssues({ quoteDeadlineMinutes: 0 })).toEqual([{ path: "quoteDeadlineMinutes", message: "quote deadline must be at least 1 minute" }]);
    expect(settingsIssues({ quoteDeadlineMinutes: 10_081 })).toEqual([{ path: "quoteDeadlineMinutes", message: "quote deadline must be at most 7 days (10080 minutes)" }]);
  });

  it("keep higher tiers asked first, price bands at or above the threshold, and restocks last", () => {
    const [gold, silver, bronze] = DEFAULT_REPLENISHMENT_SETTINGS.tierPriorities;
    expect(settingsIssues({ tierPriorities: [gold, { ...silver, jobPriority: 1 }, bronze] })).toEqual([
      { path: "tierPriorities.1.jobPriority", message: "priority must be a larger number than gold's (1): higher tiers are asked first" },
    ]);
    expect(settingsIssues({ tierPriorities: [{ ...gold, escalationThresholdPercent: 20 }, silver, bronze] })).toEqual([
      { path: "tierPriorities.0.escalationThresholdPercent", message: "price band must be at least the escalation threshold (30 %)" },
    ]);
    expect(settingsIssues({ tierPriorities: [gold, silver, { ...bronze, tierKey: "gold" }] })).toContainEqual({ path: "tierPriorities.2.tierKey", message: 'tier "gold" is ranked twice' });
    expect(settingsIssues({ restockJobPriority: 2 })).toEqual([{ path: "restockJobPriority", message: "a plain restock must not be asked before bronze's requests (priority 3)" }]);
    expect(settingsIssues({ restockJobPriority: 3 })).toEqual([]);
    expect(settingsIssues({ tierPriorities: [{ ...gold, jobPriority: 0 }, silver, bronze] })).toEqual([{ path: "tierPriorities.0.jobPriority", message: "priority must be at least 1 (1 is asked first)" }]);
  });

  it("must rank exactly the shop's tiers", () => {
    expect(replenishmentIssuesForTiers(DEFAULT_REPLENISHMENT_SETTINGS, ["bronze", "silver", "gold"])).toEqual([]);
    expect(replenishmentIssuesForTiers(DEFAULT_REPLENISHMENT_SETTINGS, ["bronze", "gold", "vip"])).toEqual([
      { path: "tierPriorities.1.tierKey", message: 'there is no tier "silver"' },
      { path: "tierPriorities", message: 'tier "vip" has no place in the priority order' },
    ]);
  });

  it("turn percentages into basis points exactly", () => {
    expect(toBasisPoints(30)).toBe(3000);
    expect(toBasisPoints(12.5)).toBe(1250);
    expect(toBasisPoints(0.07)).toBe(7);
    expect(() => toBasisPoints(-1)).toThrow();
  });
});
