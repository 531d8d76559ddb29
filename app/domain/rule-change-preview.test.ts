import { describe, expect, it } from "vitest";
import { previewRuleChange, type RuleChangeMember } from "./rule-change-preview.ts";
import { DEFAULT_TIER_RULES, type TierRules } from "./tier-rules.ts";
import { at } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-02-01T00:00:00Z");

function members(spends: number[]): RuleChangeMember[] {
  return spends.map((spend, i) => {
    const s = { qualifyingSpendMinor: spend, qualifyingOrderCount: spend > 0 ? 1 : 0 };
    return { customerId: `c${i}`, state: null, spendUnderOldRules: s, spendUnderNewRules: s };
  });
}

describe("previewRuleChange", () => {
  it("reports no movement for identical rules", () => {
    const preview = previewRuleChange({ members: members([0, 60000, 300000]), oldRules: rules, newRules: rules, now: NOW });
    expect(preview).toMatchObject({ members: 3, unchanged: 3, movedUp: 0, movedDown: 0, movements: [] });
    expect(preview.tierCounts.before).toEqual({ bronze: 1, silver: 1, gold: 1 });
  });

  it("limits examples per movement but counts them all", () => {
    const lower: TierRules = { ...rules, tiers: [rules.tiers[0], { ...rules.tiers[1], entryThresholdMinor: 100 }, rules.tiers[2]] };
    const preview = previewRuleChange({ members: members([200, 300, 400, 500, 600]), oldRules: rules, newRules: lower, now: NOW, examplesPerMovement: 2 });
    expect(preview.movements).toEqual([
      {
        fromTierKey: "bronze",
        toTierKey: "silver",
        direction: "up",
        count: 5,
        examples: [
          { customerId: "c0", spendUnderNewRulesMinor: 200 },
          { customerId: "c1", spendUnderNewRulesMinor: 300 },
        ],
      },
    ]);
  });

  it("uses the spend under each rule set (e.g. when shipping starts to count)", () => {
    const withShipping = { ...rules, countShipping: true };
    const member: RuleChangeMember = {
      customerId: "c1",
      state: null,
      spendUnderOldRules: { qualifyingSpendMinor: 49500, qualifyingOrderCount: 1 },
      spendUnderNewRules: { qualifyingSpendMinor: 50500, qualifyingOrderCount: 1 },
    };
    expect(previewRuleChange({ members: [member], oldRules: rules, newRules: withShipping, now: NOW }).movedUp).toBe(1);
  });

  it("maps members of a removed tier by threshold direction", () => {
    const noSilver: TierRules = { ...rules, tiers: [rules.tiers[0], rules.tiers[2]] };
    const preview = previewRuleChange({ members: members([60000]), oldRules: rules, newRules: noSilver, now: NOW });
    expect(preview.movements).toMatchObject([{ fromTierKey: "silver", toTierKey: "bronze", direction: "down", count: 1 }]);
    expect(preview.tierCounts.after).toEqual({ bronze: 1, gold: 0 });
  });
});
