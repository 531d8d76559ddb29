// The rest of an order's line items: pages followed to the end and appended; an order that
// changed between its reads left out rather than mixing two versions; orders without more
// lines not read again. A scripted runner stands in for the Admin API (the simulator-backed
// reconciliation test in tests/backfill-order-history.test.ts covers the real query).
import { describe, expect, it } from "vitest";
import type { AdminRunner } from "../admin-operation-runner.ts";
import { orderLineItemsAfterOperation, withAllLineItems } from "./order-line-items.ts";

const line = (n: number, giftCard = false) => ({ isGiftCard: giftCard, currentQuantity: 1, originalUnitPriceSet: { shopMoney: { amount: `${n}.00`, currencyCode: "USD" } } });
const order = (id: number, lines: object[], more: string | null, updatedAt = "2026-11-01T10:00:00Z") => ({
  id: `gid://shopify/Order/${id}`,
  updatedAt,
  lineItems: { nodes: lines, pageInfo: { hasNextPage: more !== null, endCursor: more } },
});

function scripted(pages: Record<string, { updatedAt: string; lines: object[]; next: string | null }>) {
  const calls: string[] = [];
  const runner: AdminRunner = {
    shop: "lines.myshopify.com",
    run: async (operation, variables) => {
      expect(operation).toBe(orderLineItemsAfterOperation);
      const { id, after } = variables as unknown as { id: string; after: string };
      calls.push(`${id} ${after}`);
      const page = pages[`${id} ${after}`];
      return { node: { updatedAt: page.updatedAt, lineItems: { nodes: page.lines, pageInfo: { hasNextPage: page.next !== null, endCursor: page.next } } } } as never;
    },
  };
  return { runner, calls };
}

describe("withAllLineItems", () => {
  it("follows each order's pages of lines to the end and reads nothing for orders without more", async () => {
    const { runner, calls } = scripted({
      "gid://shopify/Order/1 c1": { updatedAt: "2026-11-01T10:00:00Z", lines: [line(3)], next: "c2" },
      "gid://shopify/Order/1 c2": { updatedAt: "2026-11-01T10:00:00Z", lines: [line(40, true)], next: null },
    });
    const nodes = await withAllLineItems(runner, [order(1, [line(1), line(2)], "c1"), order(2, [line(5)], null)]);
    expect(calls).toEqual(["gid://shopify/Order/1 c1", "gid://shopify/Order/1 c2"]);
    expect(nodes).toHaveLength(2);
    expect((nodes[0] as ReturnType<typeof order>).lineItems.nodes).toEqual([line(1), line(2), line(3), line(40, true)]);
    expect(nodes[1]).toEqual(order(2, [line(5)], null));
  });

  it("leaves out an order that changed between its reads", async () => {
    const { runner } = scripted({ "gid://shopify/Order/1 c1": { updatedAt: "2026-11-01T10:00:07Z", lines: [line(40, true)], next: null } });
    expect(await withAllLineItems(runner, [order(1, [line(1)], "c1"), order(2, [line(5)], null)])).toEqual([order(2, [line(5)], null)]);
  });
});
