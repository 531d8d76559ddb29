// Promise-input reads of one shop sent together while one is in flight; a runner that never
// waits (a webhook job's) is never queued behind one that waits on Shopify's budget.
import { describe, expect, it } from "vitest";
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { readOrderPromiseInputs, type OrderPromiseInputsData } from "./order-promise-inputs.ts";

const SHOP = "inputs.myshopify.com";
const order = (n: number) => `gid://shopify/Order/${n}`;

/** A runner whose requests stay in flight until released; it records the orders each request asked for. */
function heldRunner(waits: boolean) {
  const requests: string[][] = [];
  const release: Array<() => void> = [];
  const runner: AdminRunner = {
    shop: SHOP,
    waits,
    async run<TData, TVariables extends Record<string, unknown>>(_operation: AdminOperation<TData, TVariables>, variables: TVariables): Promise<TData> {
      const ids = (variables as unknown as { ids: string[] }).ids;
      requests.push(ids);
      await new Promise<void>((resolve) => release.push(resolve));
      const data: OrderPromiseInputsData = { orders: ids.map((id) => ({ id, cancelledAt: null, fulfillmentOrders: { nodes: [] } })), variants: [] };
      return data as TData;
    },
  };
  return { runner, requests, releaseAll: () => release.splice(0).forEach((r) => r()) };
}

describe("readOrderPromiseInputs", () => {
  it("reads asked for while one is in flight go together in the next request", async () => {
    const held = heldRunner(true);
    const first = readOrderPromiseInputs(held.runner, order(1), []);
    const later = [readOrderPromiseInputs(held.runner, order(2), []), readOrderPromiseInputs(held.runner, order(3), [])];
    expect(held.requests).toEqual([[order(1)]]);
    held.releaseAll();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(held.requests).toEqual([[order(1)], [order(2), order(3)]]);
    held.releaseAll();
    expect((await Promise.all(later)).map((inputs) => inputs?.cancelled)).toEqual([false, false]);
  });

  it("a runner that never waits is not queued behind a read that may wait on the budget", async () => {
    const waiting = heldRunner(true);
    const immediate = heldRunner(false);
    const slow = readOrderPromiseInputs(waiting.runner, order(10), []);
    const fast = readOrderPromiseInputs(immediate.runner, order(11), []);
    // Sent at once, on its own runner, while the waiting read is still in flight.
    expect(immediate.requests).toEqual([[order(11)]]);
    immediate.releaseAll();
    expect(await fast).toMatchObject({ cancelled: false });
    expect(waiting.requests).toEqual([[order(10)]]);
    waiting.releaseAll();
    await slow;
  });
});
