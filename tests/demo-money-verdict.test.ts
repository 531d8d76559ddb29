// The demo's money step fails `npm run demo -- --once` (and so `npm test`) when Tierline counts
// money the rules say it must not, or keeps an upgrade a refund took back: the verdict it uses.
import { describe, expect, it } from "vitest";
import { describeMoneyStories, judgeMoneyStories, summarizeMoneyStories, type CustomerMoment, type MoneyStories } from "../scripts/lib/demo-money.ts";

const at = (tier: string, spendMinor: number, extra: Partial<CustomerMoment> = {}): CustomerMoment => ({ tier, spendMinor, graceUntil: null, shopifyTag: `tierline:${tier}`, ...extra });
const bronze = at("bronze", 200_00);

/** What the rules say: the outcome a correct Tierline produces in the demo. */
function asTheRulesSay(): MoneyStories {
  return {
    cashOnDelivery: { orderMinor: 450_00, before: bronze, placed: bronze, after: at("silver", 650_00) },
    voidedAuthorization: { orderMinor: 450_00, before: bronze, placed: bronze, after: bronze },
    giftCard: { orderMinor: 500_00, before: bronze, placed: bronze, after: bronze },
    refundedUpgrade: { orderMinor: 450_00, before: bronze, placed: at("silver", 650_00), after: bronze },
  };
}

describe("the demo's verdict on money paid and kept", () => {
  it("passes the outcome the rules say, and tells it in one line per story", () => {
    const stories = asTheRulesSay();
    expect(judgeMoneyStories(stories)).toEqual([]);
    expect(describeMoneyStories(stories)).toEqual([
      "four new customers paid $200.00 each among the live orders: each Bronze ($200.00)",
      "cash on delivery, $450.00: counts $0.00 while unpaid (Bronze → Bronze); marked paid, counts $450.00: Bronze → Silver",
      "card authorized for $450.00, then voided: counts $0.00: Bronze → Bronze",
      "gift card bought for $500.00 (not spend): counts $0.00: Bronze → Bronze",
      "order of $450.00 lifts Bronze → Silver; refunded in full, Silver → Bronze at once (no grace)",
    ]);
    expect(summarizeMoneyStories(stories).cashOnDelivery).toMatchObject({ tierBefore: "bronze", tierPlaced: "bronze", tierAfter: "silver", spendBefore: 200, spendPlaced: 200, spendAfter: 650 });
  });

  it("fails a cash-on-delivery order counted before it is paid, or not counted once paid", () => {
    const early = asTheRulesSay();
    early.cashOnDelivery.placed = at("silver", 650_00);
    expect(judgeMoneyStories(early)).toEqual(["cashOnDelivery (placed): tier silver, the rules say bronze", "cashOnDelivery (placed): spend $650.00, the rules say $200.00"]);
    const never = asTheRulesSay();
    never.cashOnDelivery.after = bronze;
    expect(judgeMoneyStories(never)).toEqual([
      "cashOnDelivery (after): tier bronze, the rules say silver",
      "cashOnDelivery (after): spend $200.00, the rules say $650.00",
      "cashOnDelivery (after): Shopify holds tag tierline:bronze, the rules say tierline:silver",
    ]);
  });

  it("fails an authorization counted, before or after it is voided", () => {
    const authorized = asTheRulesSay();
    authorized.voidedAuthorization.placed = at("silver", 650_00);
    expect(judgeMoneyStories(authorized)).toHaveLength(2);
    const voided = asTheRulesSay();
    voided.voidedAuthorization.after = at("bronze", 400_00);
    expect(judgeMoneyStories(voided)).toEqual(["voidedAuthorization (after): spend $400.00, the rules say $200.00"]);
  });

  it("fails a gift card bought counted as spend", () => {
    const stories = asTheRulesSay();
    stories.giftCard.after = at("silver", 700_00);
    expect(judgeMoneyStories(stories)).toContain("giftCard (after): spend $700.00, the rules say $200.00");
  });

  it("fails a refunded upgrade kept under grace, or one that never happened", () => {
    const kept = asTheRulesSay();
    kept.refundedUpgrade.after = at("silver", 200_00, { graceUntil: "2027-01-01T00:00:00.000Z" });
    expect(judgeMoneyStories(kept)).toEqual([
      "refundedUpgrade (after): tier silver, the rules say bronze",
      "refundedUpgrade (after): a grace period runs until 2027-01-01T00:00:00.000Z, the rules say none",
      "refundedUpgrade (after): Shopify holds tag tierline:silver, the rules say tierline:bronze",
    ]);
    const noUpgrade = asTheRulesSay();
    noUpgrade.refundedUpgrade.placed = bronze;
    expect(judgeMoneyStories(noUpgrade)).toHaveLength(2);
  });

  it("fails when a customer does not start where the story needs (a tag not written counts too)", () => {
    const stories = asTheRulesSay();
    stories.giftCard.before = at("bronze", 200_00, { shopifyTag: null });
    stories.refundedUpgrade.before = { tier: null, spendMinor: 0, graceUntil: null, shopifyTag: null };
    expect(judgeMoneyStories(stories)).toEqual([
      "giftCard (before): Shopify holds tag none, the rules say tierline:bronze",
      "refundedUpgrade (before): tier none, the rules say bronze",
      "refundedUpgrade (before): spend $0.00, the rules say $200.00",
      "refundedUpgrade (before): Shopify holds tag none, the rules say tierline:bronze",
    ]);
  });
});
