import { describe, expect, it } from "vitest";
import { DEFAULT_TIER_RULES, type TierRules } from "./tier-rules.ts";
import { classifyTagChange, MAX_CUSTOMER_TAGS, ownedTierTags, planTierTags, suggestedTierTag } from "./tier-tags.ts";

const rules = DEFAULT_TIER_RULES;

describe("planTierTags", () => {
  it("adds the tier tag to a customer without one", () => {
    expect(planTierTags({ currentTags: ["newsletter"], rules, tierKey: "bronze" })).toEqual({
      add: ["tierline:bronze"],
      remove: [],
      tags: ["newsletter", "tierline:bronze"],
      blockedByTagLimit: false,
    });
  });

  it("changes nothing when the tag is already there (in any case)", () => {
    expect(planTierTags({ currentTags: ["Tierline:Gold", "vip"], rules, tierKey: "gold" })).toEqual({
      add: [],
      remove: [],
      tags: ["Tierline:Gold", "vip"],
      blockedByTagLimit: false,
    });
  });

  it("removes owned tags of renamed or removed tiers, never merchant tags", () => {
    const plan = planTierTags({
      currentTags: ["gold", "tierline:platinum", "TIERLINE:silver", "my-tierline:gold", "tierline:gold"],
      rules,
      tierKey: "gold",
    });
    expect(plan.add).toEqual([]);
    expect(plan.remove).toEqual(["tierline:platinum", "TIERLINE:silver"]);
    expect(plan.tags).toEqual(["gold", "my-tierline:gold", "tierline:gold"]);
  });

  it("removes every owned tag when the customer has no tier", () => {
    expect(planTierTags({ currentTags: ["tierline:gold", "vip"], rules, tierKey: null })).toMatchObject({
      add: [],
      remove: ["tierline:gold"],
      tags: ["vip"],
    });
  });

  it("uses the renamed tag of the current rules", () => {
    const renamed: TierRules = { ...rules, tiers: rules.tiers.map((t) => (t.key === "gold" ? { ...t, name: "VIP", tag: "tierline:vip" } : t)) };
    expect(planTierTags({ currentTags: ["tierline:gold"], rules: renamed, tierKey: "gold" })).toMatchObject({
      add: ["tierline:vip"],
      remove: ["tierline:gold"],
    });
  });

  it("ignores blank and duplicate tags", () => {
    expect(planTierTags({ currentTags: ["vip", " VIP ", "", "  "], rules, tierKey: "bronze" }).tags).toEqual(["vip", "tierline:bronze"]);
  });

  it("respects the 250-tag limit without touching merchant tags", () => {
    const full = Array.from({ length: MAX_CUSTOMER_TAGS }, (_, i) => `merchant-${i}`);
    expect(planTierTags({ currentTags: full, rules, tierKey: "gold" })).toEqual({
      add: [],
      remove: [],
      tags: full,
      blockedByTagLimit: true,
    });
    // Replacing an owned tag frees its slot.
    const almost = [...full.slice(1), "tierline:silver"];
    expect(planTierTags({ currentTags: almost, rules, tierKey: "gold" })).toMatchObject({
      add: ["tierline:gold"],
      remove: ["tierline:silver"],
      blockedByTagLimit: false,
    });
    expect(planTierTags({ currentTags: full.slice(1), rules, tierKey: "gold" }).tags).toHaveLength(MAX_CUSTOMER_TAGS);
  });

  it("refuses an unknown tier key", () => {
    expect(() => planTierTags({ currentTags: [], rules, tierKey: "platinum" })).toThrow('Unknown tier key "platinum"');
  });
});

describe("classifyTagChange", () => {
  it("ignores changes that involve no Tierline tag", () => {
    expect(classifyTagChange({ added: ["vip"], removed: [], expectedOwnedTags: ["tierline:gold"], pinned: false })).toEqual({ kind: "NOT_OURS" });
  });

  it("recognises Tierline's own writes coming back", () => {
    const expectedOwnedTags = ["tierline:gold"];
    expect(classifyTagChange({ added: ["tierline:gold"], removed: [], expectedOwnedTags, pinned: false })).toEqual({ kind: "ECHO" });
    expect(classifyTagChange({ added: [], removed: ["tierline:silver"], expectedOwnedTags, pinned: false })).toEqual({ kind: "ECHO" });
    expect(classifyTagChange({ added: ["TierLine:Gold", "vip"], removed: ["tierline:silver"], expectedOwnedTags, pinned: false })).toEqual({
      kind: "ECHO",
    });
  });

  it("corrects a merchant removing the tier tag by hand", () => {
    expect(classifyTagChange({ added: [], removed: ["tierline:gold"], expectedOwnedTags: ["tierline:gold"], pinned: false })).toEqual({
      kind: "CORRECT",
      ownedAdded: [],
      ownedRemoved: ["tierline:gold"],
    });
  });

  it("corrects a merchant adding a tier tag by hand", () => {
    expect(classifyTagChange({ added: ["tierline:gold"], removed: [], expectedOwnedTags: ["tierline:bronze"], pinned: false })).toMatchObject({
      kind: "CORRECT",
      ownedAdded: ["tierline:gold"],
    });
  });

  it("respects a merchant's edit on a pinned customer and says what to expect from now on", () => {
    expect(classifyTagChange({ added: [], removed: ["tierline:gold"], expectedOwnedTags: ["tierline:gold"], pinned: true })).toEqual({
      kind: "RESPECT",
      ownedAdded: [],
      ownedRemoved: ["tierline:gold"],
      expectedOwnedTags: [],
    });
  });
});

describe("small helpers", () => {
  it("lists owned tags", () => {
    expect(ownedTierTags(["a", "tierline:x", "Tierline:X", "b"])).toEqual(["tierline:x"]);
  });

  it("suggests a prefixed tag for a tier name", () => {
    expect(suggestedTierTag("Platinum Club!")).toBe("tierline:platinum-club");
    expect(suggestedTierTag("★")).toBe("tierline:tier");
    expect(suggestedTierTag("x".repeat(400))).toHaveLength(255);
  });
});
