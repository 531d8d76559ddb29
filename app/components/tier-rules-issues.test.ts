// The Tier rules banner names the tier and the field as the form labels them, never the
// rules' internal paths (tiers.2.entryThresholdMinor, window.days).
import { describe, expect, it } from "vitest";
import { DEFAULT_TIER_RULES } from "../domain/tier-rules.ts";
import { draftFromRules, rulesFromDraft } from "../use-cases/tier-rules-admin.server.ts";
import { describeIssue } from "./tier-rules-issues.ts";

describe("tier rules issues in the merchant's words", () => {
  const linesFor = (edit: (draft: ReturnType<typeof draftFromRules>) => void, edited?: string) => {
    const draft = draftFromRules(DEFAULT_TIER_RULES);
    edit(draft);
    const result = rulesFromDraft(draft, "USD", edited);
    if (result.ok) throw new Error("expected issues");
    return result.issues.map((issue) => describeIssue(issue, draft.tiers.map((t) => t.name)));
  };

  it("names the tier and the field of each issue the form's validation finds", () => {
    const lines = [
      ...linesFor((draft) => void (draft.tiers[2].threshold = "100")),
      ...linesFor((draft) => void (draft.tiers[1].retainThreshold = "abc")),
      ...linesFor((draft) => Object.assign(draft, { windowDays: "-3", graceDays: "two" })),
    ];
    expect(lines).toEqual([
      "Gold, entry threshold: must be above Silver's entry threshold (500.00)",
      "Silver, keep tier while spend stays above: must be an amount such as 500 or 500.00",
      "Days: must be a whole number such as 30",
      "Grace period: must be a whole number such as 30",
    ]);
  });

  it("falls back to the tier's position when it has no name yet, and to the message alone for the whole form", () => {
    expect(describeIssue({ path: "tiers.3.tag", message: "duplicate tag" }, ["Bronze", "Silver", "Gold", " "])).toBe("Tier 4, customer tag: duplicate tag");
    expect(describeIssue({ path: "", message: "The form could not be read; reload the page." }, [])).toBe("The form could not be read; reload the page.");
  });

  it("marks the field the merchant edited: Silver raised above Gold marks Silver", () => {
    expect(linesFor((draft) => void (draft.tiers[1].threshold = "3000"), "tiers.1.entryThresholdMinor")).toEqual([
      "Silver, entry threshold: must be below Gold's entry threshold (2000.01)",
    ]);
    // Gold lowered below Silver marks Gold.
    expect(linesFor((draft) => void (draft.tiers[2].threshold = "100"), "tiers.2.entryThresholdMinor")).toEqual([
      "Gold, entry threshold: must be above Silver's entry threshold (500.00)",
    ]);
  });

  it("refuses two tiers with the same name (whatever the case), on the second", () => {
    expect(linesFor((draft) => void (draft.tiers[2].name = " silver "))).toEqual([
      "silver, name: another tier is already called Silver: each tier needs its own name",
    ]);
  });

  it("never says the validator's words for a number field, empty or not", () => {
    const lines = [
      ...linesFor((draft) => void (draft.tiers[2].minOrders = "3.5")),
      ...linesFor((draft) => Object.assign(draft, { graceDays: "" })),
    ];
    expect(lines).toEqual(["Gold, minimum orders: must be a whole number such as 30", "Grace period: is required"]);
    expect(lines.join()).not.toMatch(/Expected|received/);
  });
});
