import { describe, expect, it } from "vitest";
import { MUG_RULE } from "../../tests/support/replenishment-examples.ts";
import { approveQuotes } from "./escalation-approval.ts";
import type { SupplierQuote } from "./quote-scoring.ts";
import { DEFAULT_REPLENISHMENT_SETTINGS } from "./replenishment-rules.ts";

const NOW = new Date("2026-12-02T16:30:00Z");

function quote(supplierId: string, patch: Partial<SupplierQuote> = {}): SupplierQuote {
  return {
    quoteId: `q-${supplierId}`,
    supplierId,
    currency: "USD",
    unitPriceMinor: 1000,
    availableQuantity: 200,
    leadBusinessDays: 5,
    validUntil: new Date("2026-12-09T00:00:00Z"),
    receivedAt: new Date("2026-12-02T15:05:00Z"),
    ...patch,
  };
}

const approve = (quotes: SupplierQuote[], chosenQuoteIds: string[], patch: Partial<Parameters<typeof approveQuotes>[0]> = {}) =>
  approveQuotes({ settings: DEFAULT_REPLENISHMENT_SETTINGS, rule: MUG_RULE, quantity: 200, neededWithinBusinessDays: 8, quotes, chosenQuoteIds, now: NOW, ...patch });

describe("a person approving an escalated request", () => {
  it("may accept a price above the band, and that is recorded", () => {
    const result = approve([quote("acme", { unitPriceMinor: 1400 })], ["q-acme"]);
    expect(result).toMatchObject({ ok: true, award: { option: { quantity: 200, totalMinor: 280_000 }, cost: { risePercent: 40 }, aboveBand: true, late: false, shortBy: 0, approvedAt: NOW } });
    expect(approve([quote("acme", { unitPriceMinor: 1400 })], ["q-acme"], { thresholdPercent: 50 })).toMatchObject({ ok: true, award: { aboveBand: false } });
  });

  it("may accept a late quote and less than the full quantity, and both are recorded", () => {
    expect(approve([quote("cargo", { leadBusinessDays: 12, availableQuantity: 150 })], ["q-cargo"])).toMatchObject({ ok: true, award: { late: true, shortBy: 50, option: { quantity: 150 } } });
  });

  it("fills picked quotes in the order picked", () => {
    const result = approve([quote("acme", { availableQuantity: 120 }), quote("bolt", { availableQuantity: 150, unitPriceMinor: 1100 })], ["q-bolt", "q-acme"]);
    if (!result.ok) throw new Error("expected an approval");
    expect(result.award.option.parts.map((part) => [part.supplierId, part.quantity])).toEqual([
      ["bolt", 150],
      ["acme", 50],
    ]);
    expect(result.award.option.split).toBe(true);
  });

  it("cannot approve a quote that has expired by now, even if it was valid when escalated", () => {
    expect(approve([quote("acme", { validUntil: new Date("2026-12-02T16:00:00Z") })], ["q-acme"])).toEqual({
      ok: false,
      issues: [{ quoteId: "q-acme", message: "this quote expired at 2026-12-02T16:00:00.000Z; ask the supplier for a new one" }],
    });
  });

  it("refuses nothing picked, unknown quotes, other currencies, replaced quotes, the same supplier twice and a pick that adds nothing", () => {
    expect(approve([quote("acme")], [])).toEqual({ ok: false, issues: [{ quoteId: null, message: "pick at least one quote to approve" }] });
    expect(approve([quote("acme")], ["nope"])).toEqual({ ok: false, issues: [{ quoteId: "nope", message: "there is no such quote on this request" }] });
    expect(approve([quote("acme", { currency: "EUR" })], ["q-acme"])).toMatchObject({ ok: false, issues: [{ message: "this quote is in EUR; only quotes in the shop's purchasing currency can be approved" }] });
    const revised = [quote("acme", { quoteId: "old" }), quote("acme", { quoteId: "new", receivedAt: new Date("2026-12-02T15:20:00Z") })];
    expect(approve(revised, ["old"])).toMatchObject({ ok: false, issues: [{ quoteId: "old", message: "the supplier sent a newer quote that replaces this one" }] });
    expect(approve([quote("acme", { quoteId: "a1" }), quote("acme", { quoteId: "a2" })], ["a2", "a2"])).toMatchObject({ ok: false, issues: [{ message: "this supplier is already picked" }] });
    expect(approve([quote("acme"), quote("bolt")], ["q-acme", "q-bolt"])).toEqual({
      ok: false,
      issues: [{ quoteId: "q-bolt", message: "the quotes picked before this one already cover the quantity" }],
    });
  });
});
