// The Tier rules form carries the "take back upgrades when the money is returned" setting both ways,
// and a draft from a page that predates it keeps the default (on).
import { describe, expect, it } from "vitest";
import { defaultTierRules } from "../domain/tier-rules.ts";
import { draftFromRules, rulesFromDraft } from "./tier-rules-admin.server.ts";

describe("the reversal setting in the Tier rules form", () => {
  it("round-trips on and off, and defaults to on when the draft does not say", () => {
    const rules = defaultTierRules("EUR");
    const draft = draftFromRules(rules);
    expect(draft.reverseRefundedUpgrades).toBe(true);
    const off = rulesFromDraft({ ...draft, reverseRefundedUpgrades: false }, "EUR");
    expect(off.ok && off.rules.reverseRefundedUpgrades).toBe(false);
    expect(draftFromRules(off.ok ? off.rules : rules).reverseRefundedUpgrades).toBe(false);
    const { reverseRefundedUpgrades: _absent, ...older } = draft;
    const fromOlderPage = rulesFromDraft(older, "EUR");
    expect(fromOlderPage.ok && fromOlderPage.rules).toEqual(rules);
  });
});
