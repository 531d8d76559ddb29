// The demo's supplier step fails `npm run demo -- --once` (and so `npm test`) when a fall to the
// trigger opens more than one request, a supplier is asked twice or not at all, the award or the
// escalation does not happen, or the Bronze promise on the short SKU does not move while Gold's does:
// the verdict it uses, held to outcomes the app must never produce.
import { describe, expect, it } from "vitest";
import { describeSupplyStories, judgeSupplyStories, type SupplyStories } from "../scripts/lib/demo-supply.ts";

/** What the rules say: the outcome a correct Tierline produces in the demo. */
function asTheRulesSay(): SupplyStories {
  const asked = { northwind: 1, southbay: 1, westfield: 1 };
  const quotes = [
    { supplier: "westfield", unitPriceMinor: 1690, leadBusinessDays: 9, availableQuantity: 60 },
    { supplier: "northwind", unitPriceMinor: 1810, leadBusinessDays: 6, availableQuantity: 120 },
    { supplier: "southbay", unitPriceMinor: 1880, leadBusinessDays: 4, availableQuantity: 120 },
  ];
  return {
    currency: "USD",
    thresholdPercent: 30,
    award: {
      sku: "DEMO-SCARF", position: 47, trigger: 55, requests: 1, asked, quotes,
      decision: { kind: "award", reason: null, risePercent: 1 },
      purchaseOrders: [{ id: "po-1", supplier: "northwind", quantity: 120, unitPriceMinor: 1810, leadBusinessDays: 6, incomingStatus: "recorded" }],
      incomingInStore: 120, awardedLeadBusinessDays: 6, arrivalDay: "2026-12-11",
    },
    escalation: {
      sku: "DEMO-BEANIE", position: 48, trigger: 55, requests: 1, asked, quotes,
      decision: { kind: "escalate", reason: "cost_above_threshold", risePercent: 44 },
      purchaseOrders: [], incomingInStore: 0, awardedLeadBusinessDays: null, arrivalDay: null,
    },
    orders: [
      { name: "#1101", buyer: "bronze", when: "in_stock", tierKey: "bronze", shipByDay: "2026-12-16", stockDay: null },
      { name: "#1102", buyer: "bronze", when: "short", tierKey: "bronze", shipByDay: "2026-12-28", stockDay: "2026-12-11" },
      { name: "#1103", buyer: "gold", when: "short", tierKey: "gold", shipByDay: "2026-12-04", stockDay: null },
    ],
  };
}

describe("the demo's supplier step verdict", () => {
  it("passes what the rules say and prints the award, the escalation and the promises", () => {
    const stories = asTheRulesSay();
    expect(judgeSupplyStories(stories)).toEqual([]);
    const lines = describeSupplyStories(stories);
    expect(lines.some((l) => l.includes("→ awarded: 120 from northwind"))).toBe(true);
    expect(lines.some((l) => l.includes("→ escalated to a person: best quote 44 % above usual cost (more than 30 %)"))).toBe(true);
    expect(lines.at(-1)).toContain("#1102 Bronze while short: ships by Mon, Dec 28 (waits for the awarded stock, Fri, Dec 11)");
  });

  it("fails a second request, a supplier asked twice, or a supplier left out", () => {
    const s = asTheRulesSay();
    s.award.requests = 2;
    s.escalation.asked = { northwind: 2, southbay: 1 };
    const problems = judgeSupplyStories(s);
    expect(problems).toContain("DEMO-SCARF: 2 requests opened for one fall to the trigger, the rules say one");
    expect(problems).toContain("DEMO-BEANIE: suppliers asked northwind 2×, southbay 1×, the rules say three, once each");
  });

  it("fails an award above the band, an escalation for another reason, and incoming stock the store does not hold", () => {
    const s = asTheRulesSay();
    s.award.decision.risePercent = 31;
    s.award.incomingInStore = 0;
    s.escalation.decision.reason = "no_quotes";
    expect(judgeSupplyStories(s)).toEqual([
      "DEMO-SCARF: 120 units ordered, the store holds 0 incoming",
      "DEMO-SCARF: awarded at 31 % above usual cost, above the 30 % that sends it to a person",
      "DEMO-BEANIE: escalated for no_quotes, the demo's suppliers all quote above the band",
    ]);
  });

  it("fails a Bronze promise that does not wait for the award, and a Gold promise that does", () => {
    const s = asTheRulesSay();
    s.orders[1] = { ...s.orders[1], stockDay: null, shipByDay: "2026-12-16" };
    s.orders[2] = { ...s.orders[2], stockDay: "2026-12-11" };
    expect(judgeSupplyStories(s)).toEqual([
      "#1102 (Bronze member, DEMO-SCARF short): promised from stock, the rules say it waits for the awarded stock due 2026-12-11",
      "#1103 (Gold member, DEMO-SCARF short): waits for stock until 2026-12-11, the rules say from stock",
      "the Bronze promise on the short DEMO-SCARF did not move (2026-12-16 → 2026-12-16)",
    ]);
  });

  it("fails a request never decided", () => {
    const s = asTheRulesSay();
    s.escalation.decision = { kind: "none", reason: null, risePercent: null };
    expect(judgeSupplyStories(s)).toEqual(["DEMO-BEANIE: not decided, the rules say escalated"]);
  });
});
