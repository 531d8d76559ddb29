// The sync's plan for one saved row, with no I/O: typed outcomes for skip, await
// recomputation, unchanged, spend-only (stale) and write; a write's tags are known
// without a read after a complete sync.
import { describe, expect, it } from "vitest";
import type { MemberTierState } from "./tier-evaluation.ts";
import { DEFAULT_TIER_RULES } from "./tier-rules.ts";
import { desiredTierSync, planTierSync, stillWantsPlan, type TierSyncRow } from "./tier-sync-plan.ts";

const rules = DEFAULT_TIER_RULES;
const silver = rules.tiers[1];
const gold = rules.tiers[2];
const state = (tierKey: string): MemberTierState => ({ tierKey, tierSince: new Date("2026-10-01T00:00:00Z"), grace: null, pin: null });
const row = (over: Partial<TierSyncRow> = {}): TierSyncRow => ({
  customerGid: "gid://shopify/Customer/1",
  deletedAt: null,
  tierKey: silver.key,
  updatedAt: new Date("2026-11-01T00:00:00Z"),
  qualifyingSpend: 60_000,
  reviewAt: null,
  writtenTierTag: null,
  writtenDigest: null,
  ...over,
});

describe("planTierSync", () => {
  it("skips a deleted or unevaluated row, and waits for the recomputation of a tier the rules no longer have", () => {
    expect(planTierSync(row({ deletedAt: new Date() }), state(silver.key), rules, {})).toEqual({ kind: "SKIP" });
    expect(planTierSync(row({ tierKey: null }), state(silver.key), rules, {})).toEqual({ kind: "SKIP" });
    expect(planTierSync(row({ tierKey: "platinum" }), state("platinum"), rules, {})).toEqual({ kind: "AWAIT_RECOMPUTE" });
  });

  it("writes nothing when Shopify holds what the row wants, and leaves a spend-only change for the refresh", () => {
    const written = row({ writtenTierTag: silver.tag, writtenDigest: desiredTierSync(row(), state(silver.key), rules).digest });
    expect(planTierSync(written, state(silver.key), rules, {})).toEqual({ kind: "UNCHANGED" });
    const richer = { ...written, qualifyingSpend: 70_000 };
    expect(planTierSync(richer, state(silver.key), rules, {})).toEqual({ kind: "STALE" });
    const refresh = planTierSync(richer, state(silver.key), rules, { refreshSpend: true });
    expect(refresh.kind).toBe("WRITE");
    if (refresh.kind === "WRITE") expect([refresh.plan.read, refresh.plan.add, refresh.plan.remove]).toEqual([false, [], []]);
  });

  it("after a complete sync, a tier change swaps the known tag without reading Shopify; a changed row that wants the same is still saved", () => {
    const synced = row({ writtenTierTag: silver.tag, writtenDigest: desiredTierSync(row(), state(silver.key), rules).digest });
    const moved = { ...synced, tierKey: gold.key, qualifyingSpend: 250_000 };
    const decision = planTierSync(moved, state(gold.key), rules, {});
    expect(decision.kind).toBe("WRITE");
    if (decision.kind !== "WRITE") return;
    expect([decision.plan.read, decision.plan.add, decision.plan.remove]).toEqual([false, [gold.tag], [silver.tag]]);
    expect(stillWantsPlan({ ...moved, updatedAt: new Date("2026-11-02T00:00:00Z") }, state(gold.key), decision.plan, rules)).toBe(true);
    expect(stillWantsPlan({ ...moved, tierKey: silver.key }, state(silver.key), decision.plan, rules)).toBe(false);
    // Without a complete last sync the tags must be read first.
    const unknown = planTierSync({ ...moved, writtenDigest: null }, state(gold.key), rules, {});
    expect(unknown.kind === "WRITE" && unknown.plan.read).toBe(true);
  });
});
