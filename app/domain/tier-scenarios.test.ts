/**
 * Golden scenarios, worked out by hand: webhook events → ledger → qualifying spend → tier → tags.
 * Default rules unless a scenario says otherwise: USD, Bronze 0 / Silver 500.00 / Gold 2000.01,
 * trailing 365 days, grace 30 days, shipping and tax not counted.
 */
import { describe, expect, it } from "vitest";
import { reduceLedger, type LedgerEvent } from "./order-ledger.ts";
import { qualifyingSpend, qualifyingSpendByCustomer } from "./qualifying-spend.ts";
import { previewRuleChange } from "./rule-change-preview.ts";
import { evaluateTier, INITIAL_MEMBER_STATE, pinMember, unpinMember, type MemberTierState, type TierChangeReason } from "./tier-evaluation.ts";
import { nextTierReviewAt } from "./tier-review-date.ts";
import { DEFAULT_TIER_RULES, type TierRules } from "./tier-rules.ts";
import { planTierTags } from "./tier-tags.ts";
import { at, orderEvent, refundEvent } from "../../tests/support/ledger-test-events.ts";

const rules = DEFAULT_TIER_RULES;
const NOW = at("2025-02-01T00:00:00Z");

function spend(events: LedgerEvent[], customer = "c1", r: TierRules = rules, now = NOW) {
  return qualifyingSpend(reduceLedger(events), customer, r, now);
}

function tierOf(events: LedgerEvent[], r: TierRules = rules, now = NOW) {
  return evaluateTier({ spend: spend(events, "c1", r, now), rules: r, state: INITIAL_MEMBER_STATE, now, cause: "order" }).tierKey;
}

function member(tierKey: string, since = "2024-06-01T00:00:00Z"): MemberTierState {
  return { tierKey, tierSince: at(since), grace: null, pin: null };
}

function evaluate(state: MemberTierState, spendMinor: number, now: Date, cause: TierChangeReason = "order", r: TierRules = rules, orders = 1) {
  return evaluateTier({ spend: { qualifyingSpendMinor: spendMinor, qualifyingOrderCount: orders }, rules: r, state, now, cause });
}

// Subtotal 600.00 + shipping 10.00 + tax 48.00.
const placed = orderEvent({ id: "o1", total: "658.00", shipping: "10.00", tax: "48.00", updatedAt: "2025-01-10T10:00:00Z" });

describe("golden scenarios", () => {
  it("plain order: spend is the subtotal after discounts (no shipping, no tax)", () => {
    expect(spend([placed]).qualifyingSpendMinor).toBe(60000);
    expect(tierOf([placed])).toBe("silver");
  });

  it("refund with returned line items: Shopify's current total already dropped them, so nothing more is subtracted", () => {
    // Item 200.00 + tax 16.00 returned and refunded; the order now shows total 442.00, tax 32.00.
    const edited = orderEvent({ id: "o1", total: "442.00", shipping: "10.00", tax: "32.00", updatedAt: "2025-01-20T10:00:00Z" });
    const refund = refundEvent({ id: "r1", order: "o1", money: "216.00", lineItems: "216.00" });
    // 442 − 10 − 32 − (216 − 216) = 400.00
    expect(spend([placed, edited, refund]).qualifyingSpendMinor).toBe(40000);
    expect(tierOf([placed, edited, refund])).toBe("bronze");
    // Until the updated order arrives, the refund alone changes nothing (it holds no money-only part).
    expect(spend([placed, refund]).qualifyingSpendMinor).toBe(60000);
  });

  it("money-only refund (goodwill): subtracted exactly once", () => {
    const goodwill = refundEvent({ id: "r1", order: "o1", money: "50.00" });
    // 600 − 50
    expect(spend([placed, goodwill]).qualifyingSpendMinor).toBe(55000);
    expect(spend([placed, goodwill, goodwill, goodwill]).qualifyingSpendMinor).toBe(55000);
  });

  it("money-only refund (shipping): only lowers spend when shipping counts, and only once", () => {
    const shippingRefund = refundEvent({ id: "r2", order: "o1", money: "10.00", shipping: "10.00" });
    const goodwill = refundEvent({ id: "r1", order: "o1", money: "50.00" });
    // Shopify's current totals drop the refunded shipping: the order now shows total 648.00, shipping 0.00.
    const shippingGone = orderEvent({ id: "o1", total: "648.00", shipping: "0.00", tax: "48.00", updatedAt: "2025-01-21T10:00:00Z" });
    expect(spend([placed, goodwill, shippingRefund, shippingGone]).qualifyingSpendMinor).toBe(55000);
    // Counting shipping: received 658, returned 50 + 10, tax 48 not counted: 658 − 60 − 48 = 550.00
    const withShipping = { ...rules, countShipping: true };
    expect(spend([placed, goodwill], "c1", withShipping).qualifyingSpendMinor).toBe(56000);
    expect(spend([placed, goodwill, shippingRefund, shippingGone], "c1", withShipping).qualifyingSpendMinor).toBe(55000);
    // Counting tax as well: 658 − 60 = 598.00
    const withTax = { ...withShipping, countTax: true };
    expect(spend([placed, goodwill, shippingRefund, shippingGone], "c1", withTax).qualifyingSpendMinor).toBe(59800);
  });

  it("restocking fee kept by the merchant still counts: money refunded is less than the returned items", () => {
    const edited = orderEvent({ id: "o1", total: "442.00", shipping: "10.00", tax: "32.00", updatedAt: "2025-01-20T10:00:00Z" });
    const refund = refundEvent({ id: "r1", order: "o1", money: "196.00", lineItems: "216.00" });
    // 400 + 20 kept
    expect(spend([placed, edited, refund]).qualifyingSpendMinor).toBe(42000);
  });

  it("full refund: spend 0 and the order no longer qualifies", () => {
    // Everything returned, shipping too: Shopify's current totals drop to zero.
    const emptied = orderEvent({ id: "o1", total: "0.00", shipping: "0.00", tax: "0.00", updatedAt: "2025-01-20T10:00:00Z" });
    const refund = refundEvent({ id: "r1", order: "o1", money: "658.00", lineItems: "648.00", shipping: "10.00" });
    const summary = spend([placed, emptied, refund]);
    expect(summary).toMatchObject({ qualifyingSpendMinor: 0, qualifyingOrderCount: 0, oldestQualifyingOrderAt: null });
    expect(spend([placed, emptied, refund], "c1", { ...rules, countShipping: true, countTax: true }).qualifyingSpendMinor).toBe(0);
    // A second order is unaffected.
    const other = orderEvent({ id: "o2", total: "120.00" });
    expect(spend([placed, emptied, refund, other]).qualifyingSpendMinor).toBe(12000);
  });

  it("refund larger than what the order still holds clamps the order at zero", () => {
    const goodwill = refundEvent({ id: "r1", order: "o1", money: "700.00" });
    const other = orderEvent({ id: "o2", total: "120.00" });
    expect(spend([placed, goodwill, other]).qualifyingSpendMinor).toBe(12000);
  });

  it("cancellation: a cancelled order counts zero, whatever its refunds", () => {
    const cancelled = orderEvent({ id: "o1", total: "658.00", shipping: "10.00", tax: "48.00", cancelledAt: "2025-01-11T09:00:00Z", updatedAt: "2025-01-11T09:00:00Z" });
    const refund = refundEvent({ id: "r1", order: "o1", money: "658.00" });
    expect(spend([placed, cancelled, refund]).qualifyingSpendMinor).toBe(0);
    expect(spend([cancelled, placed]).qualifyingSpendMinor).toBe(0); // the older uncancelled version arrives late
    expect(tierOf([placed, cancelled])).toBe("bronze");
  });

  it("order edit: a newer version lowers the total; the older one arriving late changes nothing", () => {
    // An item of 100.00 + 8.00 tax removed: total 550.00, tax 40.00.
    const edit = orderEvent({ id: "o1", total: "550.00", shipping: "10.00", tax: "40.00", updatedAt: "2025-01-12T10:00:00Z" });
    // 550 − 10 − 40 = 500.00: exactly Silver's threshold, which qualifies.
    expect(spend([placed, edit]).qualifyingSpendMinor).toBe(50000);
    expect(spend([edit, placed]).qualifyingSpendMinor).toBe(50000);
    expect(tierOf([edit, placed])).toBe("silver");
  });

  it("guest order: counts for nobody", () => {
    const guest = orderEvent({ id: "o9", customer: null, total: "5000.00" });
    const ledger = reduceLedger([placed, guest]);
    expect([...qualifyingSpendByCustomer(ledger, rules, NOW).keys()]).toEqual(["c1"]);
    expect(qualifyingSpend(ledger, "c1", rules, NOW).qualifyingSpendMinor).toBe(60000);
  });

  it("two presentment currencies: only shop money counts", () => {
    // Paid €280 and £210; the shop (USD) received 300.00 and 250.00.
    const euros = orderEvent({ id: "o1", total: "300.00", presentment: "EUR" });
    const pounds = orderEvent({ id: "o2", total: "250.00", presentment: "GBP" });
    expect(spend([euros, pounds]).qualifyingSpendMinor).toBe(55000);
    expect(tierOf([euros, pounds])).toBe("silver");
    // Shop money in another currency than the rules is never silently added, nor thrown: it is left unvalued.
    const wrong = orderEvent({ id: "o3", total: "100.00", currency: "CAD" });
    expect(spend([euros, wrong]).qualifyingSpendMinor).toBe(30000);
  });

  it("test order: counts zero", () => {
    const test = orderEvent({ id: "o2", total: "5000.00", test: true });
    expect(spend([placed, test])).toMatchObject({ qualifyingSpendMinor: 60000, qualifyingOrderCount: 1 });
  });

  it("aging out of the window: the order leaves 365 days after it was placed, then grace, then the drop", () => {
    const order = orderEvent({ id: "o1", total: "600.00", processedAt: "2024-03-01T12:00:00Z" });
    const dayBefore = at("2025-02-28T12:00:00Z");
    const leaves = at("2025-03-01T12:00:00Z"); // 2024 is a leap year: 365 days later
    const before = spend([order], "c1", rules, dayBefore);
    expect(before.qualifyingSpendMinor).toBe(60000);
    expect(nextTierReviewAt({ spend: before, rules, state: member("silver"), now: dayBefore })).toEqual(leaves);
    expect(spend([order], "c1", rules, at("2025-03-01T11:59:59.999Z")).qualifyingSpendMinor).toBe(60000);
    const after = spend([order], "c1", rules, leaves);
    expect(after.qualifyingSpendMinor).toBe(0);

    const started = evaluate(member("silver"), after.qualifyingSpendMinor, leaves, "window", rules, 0);
    expect(started).toMatchObject({ kind: "GRACE_STARTED", tierKey: "silver", change: null });
    expect(started.state.grace).toEqual({ until: at("2025-03-31T12:00:00Z"), toTierKey: "bronze", reason: "window" });
    expect(nextTierReviewAt({ spend: after, rules, state: started.state, now: leaves })).toEqual(at("2025-03-31T12:00:00Z"));

    const dropped = evaluate(started.state, 0, at("2025-03-31T12:00:00Z"), "window", rules, 0);
    expect(dropped).toMatchObject({ kind: "DOWNGRADE", tierKey: "bronze" });
    expect(dropped.change).toEqual({ fromTierKey: "silver", toTierKey: "bronze", reason: "window", at: at("2025-03-31T12:00:00Z") });
  });

  it("grace period: drop only after grace; the reason is what started it", () => {
    const gold = member("gold");
    const t0 = at("2025-02-01T00:00:00Z");
    const started = evaluate(gold, 150000, t0, "refund");
    expect(started).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold", change: null });
    expect(started.state.grace?.until).toEqual(at("2025-03-03T00:00:00Z"));

    const during = evaluate(started.state, 150000, at("2025-03-02T23:59:59Z"), "order");
    expect(during).toMatchObject({ kind: "UNCHANGED", tierKey: "gold", change: null });
    expect(during.state).toEqual(started.state);

    // Fell further meanwhile: the drop goes to the tier earned at the end.
    const further = evaluate(started.state, 40000, at("2025-02-10T00:00:00Z"), "refund");
    expect(further.state.grace).toMatchObject({ toTierKey: "bronze", until: at("2025-03-03T00:00:00Z"), reason: "refund" });

    const ended = evaluate(started.state, 150000, at("2025-03-03T00:00:00Z"), "window");
    expect(ended).toMatchObject({ kind: "DOWNGRADE", fromTierKey: "gold", tierKey: "silver" });
    expect(ended.state).toEqual({ tierKey: "silver", tierSince: at("2025-03-03T00:00:00Z"), grace: null, pin: null });
    expect(ended.change?.reason).toBe("refund");
  });

  it("grace period: recovering during grace cancels it; an upgrade during grace is immediate", () => {
    const started = evaluate(member("gold"), 150000, NOW, "refund");
    const recovered = evaluate(started.state, 210000, at("2025-02-10T00:00:00Z"), "order");
    expect(recovered).toMatchObject({ kind: "GRACE_CANCELLED", tierKey: "gold", change: null });
    expect(recovered.state).toEqual(member("gold"));

    const silverInGrace = evaluate(member("silver"), 30000, NOW, "refund");
    expect(silverInGrace.kind).toBe("GRACE_STARTED");
    const upgraded = evaluate(silverInGrace.state, 210000, at("2025-02-05T00:00:00Z"), "order");
    expect(upgraded).toMatchObject({ kind: "UPGRADE", fromTierKey: "silver", tierKey: "gold" });
    expect(upgraded.state).toEqual({ tierKey: "gold", tierSince: at("2025-02-05T00:00:00Z"), grace: null, pin: null });
  });

  it("grace of zero days: the drop is immediate", () => {
    const noGrace = { ...rules, graceDays: 0 };
    expect(evaluate(member("gold"), 150000, NOW, "refund", noGrace)).toMatchObject({ kind: "DOWNGRADE", tierKey: "silver" });
  });

  it("retain threshold: Gold is kept at or above 1500.00, lost below", () => {
    const withRetain: TierRules = {
      ...rules,
      tiers: rules.tiers.map((t) => (t.key === "gold" ? { ...t, retainThresholdMinor: 150000 } : t)),
    };
    // A new customer at 1600.00 is only Silver: retain does not grant entry.
    expect(evaluate(INITIAL_MEMBER_STATE, 160000, NOW, "order", withRetain).tierKey).toBe("silver");
    // A Gold member refunded down to 1600.00, then to exactly 1500.00, stays Gold with no grace.
    expect(evaluate(member("gold"), 160000, NOW, "refund", withRetain)).toMatchObject({ kind: "UNCHANGED", tierKey: "gold" });
    expect(evaluate(member("gold"), 150000, NOW, "refund", withRetain)).toMatchObject({ kind: "UNCHANGED", tierKey: "gold" });
    // Below it, grace starts.
    const below = evaluate(member("gold"), 149999, NOW, "refund", withRetain);
    expect(below).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold" });
    // Back above retain during grace cancels it, though still below entry.
    expect(evaluate(below.state, 150000, at("2025-02-02T00:00:00Z"), "order", withRetain).kind).toBe("GRACE_CANCELLED");
  });

  it("pin with an end date: wins until it ends, then the earned tier applies at once", () => {
    const until = at("2025-03-01T00:00:00Z");
    const pinned = pinMember(member("bronze"), { tierKey: "gold", until });
    const applied = evaluate(pinned, 10000, NOW, "manual");
    expect(applied).toMatchObject({ kind: "PINNED", fromTierKey: "bronze", tierKey: "gold", earnedTierKey: "bronze" });
    expect(applied.change).toEqual({ fromTierKey: "bronze", toTierKey: "gold", reason: "manual", at: NOW });
    // Spend changes do not move a pinned member.
    expect(evaluate(applied.state, 0, at("2025-02-15T00:00:00Z"), "refund")).toMatchObject({ kind: "PINNED", tierKey: "gold", change: null });
    expect(nextTierReviewAt({ spend: { oldestQualifyingOrderAt: null }, rules, state: applied.state, now: NOW })).toEqual(until);

    const expired = evaluate(applied.state, 10000, until, "window");
    expect(expired).toMatchObject({ kind: "PIN_EXPIRED", tierKey: "bronze" });
    expect(expired.state).toEqual({ tierKey: "bronze", tierSince: until, grace: null, pin: null });
    expect(expired.change).toEqual({ fromTierKey: "gold", toTierKey: "bronze", reason: "manual", at: until });
  });

  it("pin without an end date: holds forever, even below the earned tier; unpinning applies the earned tier at once", () => {
    const pinned = pinMember(member("gold"), { tierKey: "silver", until: null });
    const applied = evaluate(pinned, 500000, NOW, "manual");
    expect(applied).toMatchObject({ kind: "PINNED", tierKey: "silver", earnedTierKey: "gold" });
    const years = evaluate(applied.state, 500000, at("2035-01-01T00:00:00Z"), "window");
    expect(years).toMatchObject({ kind: "PINNED", tierKey: "silver", change: null });

    const gold = evaluate(unpinMember(years.state), 500000, at("2035-01-02T00:00:00Z"), "manual");
    expect(gold).toMatchObject({ kind: "UPGRADE", tierKey: "gold" });
    const pinnedHigh = evaluate(pinMember(member("bronze"), { tierKey: "gold", until: null }), 0, NOW, "manual");
    expect(evaluate(unpinMember(pinnedHigh.state), 0, NOW, "manual")).toMatchObject({ kind: "DOWNGRADE", tierKey: "bronze" });
  });

  it("pin to a tier the rules no longer have is dropped", () => {
    const pinned = pinMember(member("silver"), { tierKey: "platinum", until: null });
    expect(evaluate(pinned, 60000, NOW, "rule_change")).toMatchObject({ kind: "PIN_EXPIRED", tierKey: "silver", change: null });
  });

  it("rule change: lower Silver to 300.00 and raise Gold to 3000.00", () => {
    const proposed: TierRules = {
      ...rules,
      tiers: [rules.tiers[0], { ...rules.tiers[1], entryThresholdMinor: 30000 }, { ...rules.tiers[2], entryThresholdMinor: 300000 }],
    };
    const members = [
      { customerId: "a", state: member("bronze"), spend: 40000 }, // bronze → silver
      { customerId: "b", state: member("bronze"), spend: 35000 }, // bronze → silver
      { customerId: "c", state: member("gold"), spend: 250000 }, // gold → silver after grace
      { customerId: "d", state: member("gold"), spend: 310000 }, // stays gold
      { customerId: "e", state: member("bronze"), spend: 10000 }, // stays bronze
      { customerId: "f", state: pinMember(member("gold"), { tierKey: "gold", until: null }), spend: 0 }, // pinned
    ];
    expect(evaluate(members[0].state, 40000, NOW, "rule_change", proposed)).toMatchObject({
      kind: "UPGRADE",
      change: { fromTierKey: "bronze", toTierKey: "silver", reason: "rule_change", at: NOW },
    });
    expect(evaluate(members[2].state, 250000, NOW, "rule_change", proposed)).toMatchObject({ kind: "GRACE_STARTED", tierKey: "gold" });

    const preview = previewRuleChange({
      members: members.map((m) => {
        const s = { qualifyingSpendMinor: m.spend, qualifyingOrderCount: 1 };
        return { customerId: m.customerId, state: m.state, spendUnderOldRules: s, spendUnderNewRules: s };
      }),
      oldRules: rules,
      newRules: proposed,
      now: NOW,
    });
    expect(preview).toEqual({
      members: 6,
      unchanged: 3,
      movedUp: 2,
      movedDown: 1,
      pinned: 1,
      movements: [
        {
          fromTierKey: "bronze",
          toTierKey: "silver",
          direction: "up",
          count: 2,
          examples: [
            { customerId: "a", spendUnderNewRulesMinor: 40000 },
            { customerId: "b", spendUnderNewRulesMinor: 35000 },
          ],
        },
        { fromTierKey: "gold", toTierKey: "silver", direction: "down", count: 1, examples: [{ customerId: "c", spendUnderNewRulesMinor: 250000 }] },
      ],
      tierCounts: { before: { bronze: 3, silver: 0, gold: 3 }, after: { bronze: 1, silver: 3, gold: 2 } },
    });
  });

  it("rule change that removes a tier reassigns its members at once", () => {
    const twoTiers: TierRules = { ...rules, tiers: [rules.tiers[0], rules.tiers[2]] };
    const decision = evaluate(member("silver"), 60000, NOW, "order", twoTiers);
    expect(decision).toMatchObject({ kind: "ASSIGNED", tierKey: "bronze" });
    expect(decision.change).toEqual({ fromTierKey: "silver", toTierKey: "bronze", reason: "rule_change", at: NOW });
  });

  it("minOrders: Silver needs 2 qualifying orders", () => {
    const needsTwo: TierRules = {
      ...rules,
      tiers: rules.tiers.map((t) => (t.key === "silver" ? { ...t, minOrders: 2 } : t)),
    };
    const big = orderEvent({ id: "o1", total: "600.00" });
    expect(tierOf([big], needsTwo)).toBe("bronze");
    const small = orderEvent({ id: "o2", total: "50.00" });
    expect(spend([big, small], "c1", needsTwo)).toMatchObject({ qualifyingSpendMinor: 65000, qualifyingOrderCount: 2 });
    expect(tierOf([big, small], needsTwo)).toBe("silver");
    // A fully refunded second order does not count toward the minimum.
    const refunded = refundEvent({ id: "r1", order: "o2", money: "50.00" });
    expect(tierOf([big, small, refunded], needsTwo)).toBe("bronze");
    // Gold has no minimum: one big order is enough, skipping Silver's rule.
    expect(tierOf([orderEvent({ id: "o3", total: "2500.00" })], needsTwo)).toBe("gold");
  });

  it("tags follow the tier: the old tier tag goes, merchant tags stay", () => {
    const downgrade = evaluate({ ...member("gold"), grace: { until: NOW, toTierKey: "silver", reason: "refund" } }, 150000, NOW, "window");
    expect(downgrade.tierKey).toBe("silver");
    const plan = planTierTags({ currentTags: ["wholesale", "tierline:gold", "VIP"], rules, tierKey: downgrade.tierKey });
    expect(plan).toEqual({ add: ["tierline:silver"], remove: ["tierline:gold"], tags: ["wholesale", "VIP", "tierline:silver"], blockedByTagLimit: false });
  });
});
