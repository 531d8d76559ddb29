import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_REPLENISHMENT_SETTINGS, tierRank } from "./replenishment-rules.ts";
import { allocateIncomingStock, allocationOrder, type WaitingOrder } from "./stock-allocation.ts";

const settings = DEFAULT_REPLENISHMENT_SETTINGS;
const day = (n: number) => new Date(Date.UTC(2026, 11, n, 12));
const order = (orderId: string, tierKey: string, waitingSince: Date, quantity: number): WaitingOrder => ({ orderId, tierKey, waitingSince, quantity });

describe("Gold and Bronze competing for the same stock", () => {
  it("the later Gold order is served before the earlier Bronze one", () => {
    const orders = [order("b-early", "bronze", day(1), 5), order("g-late", "gold", day(3), 5)];
    expect(allocateIncomingStock({ settings, arrived: 5, orders })).toEqual({
      allocations: [{ orderId: "g-late", tierKey: "gold", quantity: 5, complete: true }],
      leftover: 0,
      unfilled: [order("b-early", "bronze", day(1), 5)],
    });
  });

  it("Gold, then Silver, then Bronze, oldest first within a tier, with a partial fill where stock runs out", () => {
    const orders = [
      order("b1", "bronze", day(1), 3),
      order("s2", "silver", day(4), 2),
      order("g2", "gold", day(5), 4),
      order("s1", "silver", day(2), 2),
      order("g1", "gold", day(3), 1),
    ];
    expect(allocationOrder(settings, orders).map((entry) => entry.orderId)).toEqual(["g1", "g2", "s1", "s2", "b1"]);
    const result = allocateIncomingStock({ settings, arrived: 8, orders });
    expect(result.allocations).toEqual([
      { orderId: "g1", tierKey: "gold", quantity: 1, complete: true },
      { orderId: "g2", tierKey: "gold", quantity: 4, complete: true },
      { orderId: "s1", tierKey: "silver", quantity: 2, complete: true },
      { orderId: "s2", tierKey: "silver", quantity: 1, complete: false },
    ]);
    expect(result.unfilled.map((entry) => [entry.orderId, entry.quantity])).toEqual([
      ["s2", 1],
      ["b1", 3],
    ]);
    expect(result.leftover).toBe(0);
  });

  it("a Gold order takes the last units even when a small Bronze order would have been filled", () => {
    const result = allocateIncomingStock({ settings, arrived: 2, orders: [order("g", "gold", day(2), 10), order("b", "bronze", day(1), 2)] });
    expect(result.allocations).toEqual([{ orderId: "g", tierKey: "gold", quantity: 2, complete: false }]);
  });

  it("returns what nobody wanted, serves removed tiers last, and breaks ties by order id", () => {
    const result = allocateIncomingStock({ settings, arrived: 10, orders: [order("x", "old-tier", day(1), 1), order("b", "bronze", day(2), 1), order("a", "bronze", day(2), 1)] });
    expect(result.allocations.map((entry) => entry.orderId)).toEqual(["a", "b", "x"]);
    expect(result.leftover).toBe(7);
    expect(allocateIncomingStock({ settings, arrived: 0, orders: [order("a", "gold", day(1), 1)] })).toMatchObject({ allocations: [], leftover: 0 });
  });

  it("refuses bad input rather than guessing", () => {
    expect(() => allocateIncomingStock({ settings, arrived: -1, orders: [] })).toThrow(/arrived/);
    expect(() => allocateIncomingStock({ settings, arrived: 1, orders: [order("a", "gold", day(1), 0)] })).toThrow(/quantity/);
    expect(() => allocateIncomingStock({ settings, arrived: 1, orders: [order("a", "gold", day(1), 1), order("a", "gold", day(1), 1)] })).toThrow(/twice/);
  });
});

describe("properties", () => {
  const ordersArb = fc
    .uniqueArray(
      fc.record({
        orderId: fc.string({ minLength: 1, maxLength: 4 }),
        tierKey: fc.constantFrom("gold", "silver", "bronze", "gone"),
        waitingSince: fc.integer({ min: 0, max: 5 }).map((n) => day(n + 1)),
        quantity: fc.integer({ min: 1, max: 9 }),
      }),
      { selector: (entry) => entry.orderId, maxLength: 12 },
    );

  it("allocates min(arrived, wanted), never more than an order wants, never past a higher-ranked order still short, whatever the input order", () => {
    fc.assert(
      fc.property(ordersArb, fc.nat(60), fc.func(fc.integer()), (orders, arrived, salt) => {
        const result = allocateIncomingStock({ settings, arrived, orders });
        const wanted = orders.reduce((sum, entry) => sum + entry.quantity, 0);
        const given = result.allocations.reduce((sum, entry) => sum + entry.quantity, 0);
        expect(given).toBe(Math.min(arrived, wanted));
        expect(result.leftover).toBe(arrived - given);
        const byId = new Map(orders.map((entry) => [entry.orderId, entry]));
        for (const allocation of result.allocations) expect(allocation.quantity).toBeLessThanOrEqual((byId.get(allocation.orderId) as WaitingOrder).quantity);
        // Only the last served order may be partial, and nobody after it got anything.
        const partials = result.allocations.filter((entry) => !entry.complete);
        expect(partials.length).toBeLessThanOrEqual(1);
        if (result.unfilled.length > 0 && result.allocations.length > 0) {
          const firstShort = result.unfilled[0];
          for (const allocation of result.allocations) {
            const allocated = byId.get(allocation.orderId) as WaitingOrder;
            expect(tierRank(settings, allocated.tierKey)).toBeLessThanOrEqual(tierRank(settings, firstShort.tierKey));
          }
        }
        const shuffled = [...orders].sort((a, b) => salt(a.orderId) - salt(b.orderId));
        expect(allocateIncomingStock({ settings, arrived, orders: shuffled })).toEqual(result);
      }),
    );
  });
});
