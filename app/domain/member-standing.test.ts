// A member's standing as the member page explains it (member-standing.ts), on the default rules.
import { describe, expect, it } from "vitest";
import { at, orderEvent } from "../../tests/support/ledger-test-events.ts";
import { countedEntries, spendToKeepTier, tierReachedAt } from "./member-standing.ts";
import { reduceLedger } from "./order-ledger.ts";
import type { MemberTierState } from "./tier-evaluation.ts";
import { DEFAULT_TIER_RULES as rules } from "./tier-rules.ts";

const NOW = at("2026-11-01T00:00:00Z");

describe("member standing", () => {
  it("a tier computed at install reads as held since the order that lifted the member", () => {
    const ledger = reduceLedger([
      orderEvent({ id: "o1", processedAt: "2026-03-01T10:00:00Z", total: "300.00" }),
      orderEvent({ id: "o2", processedAt: "2026-05-01T10:00:00Z", total: "300.00" }),
      orderEvent({ id: "o3", processedAt: "2026-06-01T10:00:00Z", total: "1500.00" }),
    ]);
    expect(tierReachedAt(ledger, "c1", rules, "silver", NOW)).toEqual(at("2026-05-01T10:00:00Z"));
    expect(tierReachedAt(ledger, "c1", rules, "gold", NOW)).toEqual(at("2026-06-01T10:00:00Z"));
    // Gold was reached, then o1 left the window on 2027-03-01 and took spend under 2,000.01.
    expect(tierReachedAt(ledger, "c1", rules, "gold", at("2027-03-02T00:00:00Z"))).toBeNull();
    expect(countedEntries(ledger, "c1", rules, NOW).map((e) => e.id)).toEqual(["o3", "o2", "o1"]);
    const grace: MemberTierState = { tierKey: "gold", tierSince: at("2026-06-01T10:00:00Z"), grace: { until: at("2027-03-20T00:00:00Z"), toTierKey: "silver", reason: "window" }, pin: null };
    // At the grace's end o1 has left the window: 1,800 counts, 200.01 more keeps Gold.
    expect(spendToKeepTier(ledger, "c1", rules, grace)).toEqual({ neededMinor: 20_001, by: at("2027-03-20T00:00:00Z") });
    expect(spendToKeepTier(ledger, "c1", rules, { ...grace, grace: null })).toBeNull();
  });
});
