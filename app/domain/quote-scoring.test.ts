import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MUG_RULE } from "../../tests/support/replenishment-examples.ts";
import { awardOptions, bestOption, costAgainstUsual, exceedsBand, scoreQuotes, type AwardOption, type SupplierQuote } from "./quote-scoring.ts";
import { DEFAULT_REPLENISHMENT_SETTINGS } from "./replenishment-rules.ts";

const NOW = new Date("2026-12-02T15:00:00Z");
const LATER = new Date("2026-12-09T15:00:00Z");

function quote(supplierId: string, patch: Partial<SupplierQuote> = {}): SupplierQuote {
  return {
    quoteId: `q-${supplierId}`,
    supplierId,
    currency: "USD",
    unitPriceMinor: 1000,
    availableQuantity: 200,
    leadBusinessDays: 5,
    validUntil: LATER,
    receivedAt: NOW,
    ...patch,
  };
}

const score = (quotes: SupplierQuote[], patch: Partial<Parameters<typeof scoreQuotes>[0]> = {}) =>
  scoreQuotes({
    quotes,
    suppliers: MUG_RULE.suppliers,
    weights: DEFAULT_REPLENISHMENT_SETTINGS.weights,
    currency: "USD",
    quantity: 200,
    neededWithinBusinessDays: 8,
    now: NOW,
    ...patch,
  });

const usual = [quote("acme"), quote("bolt", { unitPriceMinor: 1100, leadBusinessDays: 3 }), quote("cargo", { unitPriceMinor: 900, leadBusinessDays: 8 })];

describe("scores", () => {
  it("weigh price (cheapest gets full marks), lead time and quality by the merchant's weights", () => {
    const scored = score(usual);
    expect(scored.map((entry) => entry.quote.supplierId)).toEqual(["bolt", "acme", "cargo"]);
    const byId = Object.fromEntries(scored.map((entry) => [entry.quote.supplierId, entry]));
    // bolt: 0.5 × 900/1100 + 0.3 × 4/4 + 0.2 × 5/5
    expect(byId.bolt.score).toBeCloseTo(0.5 * (900 / 1100) + 0.3 + 0.2, 12);
    expect(byId.acme.criteria).toEqual({ price: 0.9, leadTime: 4 / 6, quality: 0.8 });
    expect(byId.acme.score).toBeCloseTo(0.81, 12);
    expect(byId.cargo.score).toBeCloseTo(0.5 + 0.3 * (4 / 9) + 0.2 * 0.6, 12);
  });

  it("follow the weights: price alone picks the cheapest", () => {
    const scored = score(usual, { weights: { price: 1, leadTime: 0, quality: 0 } });
    expect(scored[0].quote.supplierId).toBe("cargo");
    expect(scored[0].score).toBe(1);
  });

  it("never depend on the order the quotes arrived in", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(usual, { minLength: 3, maxLength: 3 }), (shuffled) => {
        expect(score(shuffled)).toEqual(score(usual));
      }),
    );
  });
});

describe("what is in play", () => {
  it("an expired quote is out; one valid until exactly now is still in", () => {
    expect(score([quote("acme", { validUntil: new Date(NOW.getTime() - 1) })])[0]).toMatchObject({ standing: "out", outReason: "expired", score: null });
    expect(score([quote("acme", { validUntil: NOW })])[0]).toMatchObject({ standing: "covers", outReason: null });
  });

  it("a lead time past the date needed is out; exactly on the date is in", () => {
    expect(score([quote("acme", { leadBusinessDays: 9 })])[0]).toMatchObject({ standing: "out", outReason: "too_late" });
    expect(score([quote("acme", { leadBusinessDays: 8 })])[0]).toMatchObject({ standing: "covers" });
  });

  it("a quote one unit short only counts as partial", () => {
    expect(score([quote("acme", { availableQuantity: 199 })])[0]).toMatchObject({ standing: "partial", outReason: null });
    expect(score([quote("acme", { availableQuantity: 200 })])[0]).toMatchObject({ standing: "covers" });
  });

  it("refuses other currencies, unknown suppliers, empty offers, and replaces an earlier answer by a later one", () => {
    const scored = score([
      quote("acme", { quoteId: "old", unitPriceMinor: 500 }),
      quote("acme", { quoteId: "new", receivedAt: new Date(NOW.getTime() + 1000) }),
      quote("bolt", { currency: "EUR" }),
      quote("zeta"),
      quote("cargo", { availableQuantity: 0 }),
    ]);
    const reasons = Object.fromEntries(scored.map((entry) => [entry.quote.quoteId, entry.outReason]));
    expect(reasons).toEqual({ old: "superseded", new: null, "q-bolt": "other_currency", "q-zeta": "unknown_supplier", "q-cargo": "nothing_offered" });
    // Out quotes do not set the scale: the superseded 5.00 is not "the cheapest".
    expect(scored[0].criteria).toMatchObject({ price: 1 });
  });

  it("refuses malformed figures rather than scoring them", () => {
    expect(() => score([quote("acme", { unitPriceMinor: 10.5 })])).toThrow(/unit price/);
    expect(() => score([quote("acme", { availableQuantity: -1 })])).toThrow(/available quantity/);
    expect(() => score([quote("acme", { validUntil: new Date("nope") })])).toThrow(/invalid date/);
    expect(() => score(usual, { quantity: 0 })).toThrow(/quantity/);
    expect(() => score(usual, { weights: { price: 0, leadTime: 0, quality: 0 } })).toThrow(/weight/);
  });
});

describe("award options", () => {
  const partials = [
    quote("acme", { availableQuantity: 120, unitPriceMinor: 800 }),
    quote("bolt", { availableQuantity: 100, unitPriceMinor: 1000, leadBusinessDays: 3 }),
    quote("cargo", { availableQuantity: 200, unitPriceMinor: 1200, leadBusinessDays: 8 }),
  ];

  it("without splits, only quotes that cover the whole quantity", () => {
    const options = awardOptions({ scored: score(partials), quantity: 200, allowSplits: false });
    expect(options.map((option) => option.parts.map((part) => part.supplierId))).toEqual([["cargo"]]);
    expect(options[0]).toMatchObject({ quantity: 200, totalMinor: 240_000, leadBusinessDays: 8, split: false });
  });

  it("with splits, fills the best-scored quotes first and the earliest deliveries first", () => {
    // Price alone: acme (8.00) is best, bolt (10.00) delivers first.
    const scored = score(partials, { weights: { price: 1, leadTime: 0, quality: 0 } });
    const options = awardOptions({ scored, quantity: 200, allowSplits: true });
    const shapes = options.map((option) => option.parts.map((part) => `${part.supplierId}×${part.quantity}`));
    expect(shapes).toEqual([["cargo×200"], ["acme×120", "bolt×80"], ["bolt×100", "acme×100"]]);
    const best = bestOption(options, { preferEarliestLeadTime: false }) as AwardOption;
    expect(best.parts.map((part) => `${part.supplierId}×${part.quantity}`)).toEqual(["acme×120", "bolt×80"]);
    expect(best).toMatchObject({ totalMinor: 120 * 800 + 80 * 1000, leadBusinessDays: 5, split: true });
  });

  it("does not split when the best quote covers everything alone", () => {
    const options = awardOptions({ scored: score(usual), quantity: 200, allowSplits: true });
    expect(options.every((option) => !option.split)).toBe(true);
  });

  it("no split can cover more than everything offered in time", () => {
    const scored = score([quote("acme", { availableQuantity: 50 }), quote("bolt", { availableQuantity: 50 }), quote("cargo", { availableQuantity: 500, leadBusinessDays: 20 })]);
    expect(awardOptions({ scored, quantity: 200, allowSplits: true })).toEqual([]);
  });

  it("the greedy split is the best allocation there is (brute force on small cases)", () => {
    const quoteArb = fc.record({ price: fc.integer({ min: 1, max: 50 }), available: fc.integer({ min: 1, max: 6 }), lead: fc.integer({ min: 0, max: 8 }) });
    fc.assert(
      fc.property(fc.array(quoteArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 8 }), (specs, quantity) => {
        const quotes = specs.map((spec, i) => quote(MUG_RULE.suppliers[i].supplierId, { unitPriceMinor: spec.price, availableQuantity: spec.available, leadBusinessDays: spec.lead }));
        const scored = score(quotes, { quantity });
        const best = bestOption(awardOptions({ scored, quantity, allowSplits: true }), { preferEarliestLeadTime: false });
        const inPlay = scored.filter((entry) => entry.standing !== "out");
        let bestBrute = -1;
        const walk = (i: number, left: number, sum: number) => {
          if (i === inPlay.length) {
            if (left === 0) bestBrute = Math.max(bestBrute, sum / quantity);
            return;
          }
          for (let take = 0; take <= Math.min(left, inPlay[i].quote.availableQuantity); take++) walk(i + 1, left - take, sum + take * (inPlay[i].score as number));
        };
        walk(0, quantity, 0);
        if (bestBrute < 0) expect(best).toBeNull();
        else expect((best as AwardOption).score).toBeCloseTo(bestBrute, 9);
      }),
      { numRuns: 500 },
    );
  });
});

describe("cost against usual", () => {
  const option = (parts: [string, number, number][]): AwardOption => ({
    parts: parts.map(([supplierId, quantity, unitPriceMinor]) => ({ quoteId: `q-${supplierId}`, supplierId, quantity, unitPriceMinor, leadBusinessDays: 5, score: 1 })),
    quantity: parts.reduce((sum, [, q]) => sum + q, 0),
    totalMinor: parts.reduce((sum, [, q, p]) => sum + q * p, 0),
    leadBusinessDays: 5,
    score: 1,
    split: parts.length > 1,
  });

  it("exactly 30 % above usual is within the band; one minor unit more is not", () => {
    const exactly = costAgainstUsual(option([["acme", 200, 1300]]), MUG_RULE.suppliers);
    expect(exactly).toEqual({ totalMinor: 260_000, usualTotalMinor: 200_000, risePercent: 30 });
    expect(exceedsBand(exactly, 30)).toBe(false);
    const above = costAgainstUsual(option([["acme", 200, 1301]]), MUG_RULE.suppliers);
    expect(above.risePercent).toBe(30.1);
    expect(exceedsBand(above, 30)).toBe(true);
    expect(exceedsBand(above, 30.1)).toBe(false);
  });

  it("compares a split with each part's own supplier's usual cost", () => {
    const cost = costAgainstUsual(option([["acme", 100, 1000], ["cargo", 100, 900]]), MUG_RULE.suppliers);
    expect(cost).toEqual({ totalMinor: 190_000, usualTotalMinor: 190_000, risePercent: 0 });
  });

  it("stays exact for totals far beyond 2^53 / 10 000", () => {
    const big = { totalMinor: 900_000_000_000_001, usualTotalMinor: 900_000_000_000_000 };
    expect(exceedsBand(big, 0)).toBe(true);
    expect(exceedsBand({ ...big, totalMinor: big.usualTotalMinor }, 0)).toBe(false);
  });

  it("refuses a part from a supplier not preset for the SKU", () => {
    expect(() => costAgainstUsual(option([["zeta", 1, 1]]), MUG_RULE.suppliers)).toThrow(/zeta/);
  });
});
