import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MUG_RULE } from "../../tests/support/replenishment-examples.ts";
import { checkReorder, neededWithinBusinessDaysOf, stockPosition, type StockLevels } from "./reorder-trigger.ts";
import type { SkuReplenishmentRule } from "./replenishment-rules.ts";

const stock = (available: number, incoming = 0): StockLevels => ({ available, onHand: Math.max(available, 0) + 5, committed: 5, incoming });
const check = (levels: StockLevels, patch: Partial<Parameters<typeof checkReorder>[0]> = {}) =>
  checkReorder({ rule: MUG_RULE, stock: levels, trailingSales: null, requestOpen: false, ...patch });
const coverRule: SkuReplenishmentRule = { ...MUG_RULE, reorderQuantity: { kind: "cover_days", days: 30 } };

describe("crossing the trigger", () => {
  it("fires at exactly the trigger (safety 50 → 55), not one above", () => {
    expect(check(stock(56))).toEqual({ action: "none", reason: "above_trigger", position: 56, trigger: 55 });
    expect(check(stock(55))).toMatchObject({ action: "request", position: 55, trigger: 55, quantity: 200, quantityBasis: "fixed" });
  });

  it("counts incoming stock, so what is already on its way is not asked for again", () => {
    expect(check(stock(20, 200))).toMatchObject({ action: "none", reason: "above_trigger", position: 220 });
    expect(check(stock(20, 35))).toMatchObject({ action: "request", position: 55 });
  });

  it("adds nothing while a request is open", () => {
    expect(check(stock(10), { requestOpen: true })).toEqual({ action: "none", reason: "request_open", position: 10, trigger: 55 });
    // Above the trigger an open request does not matter either.
    expect(check(stock(80), { requestOpen: true })).toMatchObject({ reason: "above_trigger" });
  });

  it("asks for at least enough to lift an oversold SKU back above the trigger", () => {
    expect(check(stock(-300))).toMatchObject({ action: "request", position: -300, quantity: 356, quantityBasis: "restore_above_trigger" });
  });

  it("defaults the date needed to the slowest preset supplier's usual lead time", () => {
    expect(neededWithinBusinessDaysOf(MUG_RULE)).toBe(8);
    expect(neededWithinBusinessDaysOf({ ...MUG_RULE, neededWithinBusinessDays: 4 })).toBe(4);
    expect(check(stock(0))).toMatchObject({ neededWithinBusinessDays: 8 });
  });

  it("refuses quantities that are not whole numbers", () => {
    expect(() => stockPosition({ available: 1.5, onHand: 0, committed: 0, incoming: 0 })).toThrow(/available/);
    expect(() => stockPosition({ available: 1, onHand: 0, committed: 0, incoming: -1 })).toThrow(/incoming/);
  });
});

describe("covering N days at the trailing sales rate", () => {
  it("rounds the rate × days up", () => {
    // 100 units in 28 days ≈ 3.57/day × 30 days = 107.1 → 108.
    expect(checkReorder({ rule: coverRule, stock: stock(0), trailingSales: { units: 100, days: 28 }, requestOpen: false })).toMatchObject({ quantity: 108, quantityBasis: "cover_days" });
    expect(checkReorder({ rule: coverRule, stock: stock(0), trailingSales: { units: 84, days: 28 }, requestOpen: false })).toMatchObject({ quantity: 90 });
  });

  it("falls back to the top-up above the trigger without sales or history", () => {
    expect(checkReorder({ rule: coverRule, stock: stock(40), trailingSales: { units: 0, days: 28 }, requestOpen: false })).toMatchObject({ quantity: 16, quantityBasis: "restore_above_trigger", salesHistoryMissing: false });
    expect(checkReorder({ rule: coverRule, stock: stock(40), trailingSales: null, requestOpen: false })).toMatchObject({ quantity: 16, quantityBasis: "restore_above_trigger", salesHistoryMissing: true });
  });

  it("refuses an empty sales window", () => {
    expect(() => checkReorder({ rule: coverRule, stock: stock(0), trailingSales: { units: 5, days: 0 }, requestOpen: false })).toThrow(/sales window/);
  });
});

describe("properties", () => {
  const levels = fc.record({ available: fc.integer({ min: -1000, max: 1000 }), onHand: fc.nat(1000), committed: fc.nat(1000), incoming: fc.nat(1000) });
  const rules = fc.record({ safetyStock: fc.nat(500), fixed: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }), days: fc.integer({ min: 1, max: 90 }) });
  const sales = fc.option(fc.record({ units: fc.nat(5000), days: fc.integer({ min: 1, max: 365 }) }), { nil: null });

  it("a request always lifts the position above the trigger, and fires only at or below it", () => {
    fc.assert(
      fc.property(levels, rules, sales, (levels, r, trailingSales) => {
        const rule: SkuReplenishmentRule = {
          ...MUG_RULE,
          safetyStock: r.safetyStock,
          reorderQuantity: r.fixed === null ? { kind: "cover_days", days: r.days } : { kind: "fixed", quantity: r.fixed },
        };
        const result = checkReorder({ rule, stock: levels, trailingSales, requestOpen: false });
        if (result.action === "request") {
          expect(result.position).toBeLessThanOrEqual(result.trigger);
          expect(result.position + result.quantity).toBeGreaterThan(result.trigger);
          expect(result.quantity).toBeGreaterThanOrEqual(1);
          expect(checkReorder({ rule, stock: levels, trailingSales, requestOpen: true })).toMatchObject({ action: "none", reason: "request_open" });
        } else {
          expect(result.position).toBeGreaterThan(result.trigger);
        }
      }),
    );
  });
});
