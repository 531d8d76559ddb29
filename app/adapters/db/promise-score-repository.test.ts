// Stored fulfillment lines and order needs: newest version wins whatever the arrival order,
// concurrent deliveries of one fulfillment store it once, on both databases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import type { FulfillmentRecord } from "../shopify/fulfillment-payloads.ts";
import { saveFulfillment, saveOrderShippingNeeds } from "./promise-score-repository.server.ts";

const SHOP = "repo-score.myshopify.com";
const fulfillment = (id: number, status: string, updatedAt: string, lines: FulfillmentRecord["lines"] = [{ lineItemGid: "gid://shopify/LineItem/1", sku: "A", quantity: 1 }]): FulfillmentRecord => ({
  fulfillmentGid: `gid://shopify/Fulfillment/${id}`,
  orderGid: "gid://shopify/Order/1",
  status,
  createdAt: new Date("2026-12-03T10:00:00Z"),
  updatedAt: new Date(updatedAt),
  lines,
});

describe.each(DATABASE_KINDS)("promise score storage on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "promise_score_repo");
  });
  afterAll(async () => {
    await database?.drop();
  });
  const linesOf = (id: number) => database.db.promiseShipmentLine.findMany({ where: { shop: SHOP, fulfillmentGid: `gid://shopify/Fulfillment/${id}` }, orderBy: { lineItemGid: "asc" } });

  it("stores one fulfillment delivered many times at once, once", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => saveFulfillment(database.db, SHOP, fulfillment(1, "success", "2026-12-03T10:00:00Z"))));
    expect(results).toContain(true);
    expect(await linesOf(1)).toHaveLength(1);
  });

  it("keeps the newest version, and on equal timestamps the further state, whatever arrives first", async () => {
    for (const order of [["success", "cancelled"], ["cancelled", "success"]]) {
      const id = order[0] === "success" ? 2 : 3;
      for (const status of order) await saveFulfillment(database.db, SHOP, fulfillment(id, status, "2026-12-03T12:00:00Z"));
      expect((await linesOf(id)).map((l) => l.fulfillmentStatus)).toEqual(["cancelled"]);
    }
    await saveFulfillment(database.db, SHOP, fulfillment(4, "success", "2026-12-03T12:00:00Z"));
    expect(await saveFulfillment(database.db, SHOP, fulfillment(4, "pending", "2026-12-03T11:00:00Z"))).toBe(false);
    // A newer version with other lines replaces the lines.
    await saveFulfillment(database.db, SHOP, fulfillment(4, "success", "2026-12-03T13:00:00Z", [{ lineItemGid: "gid://shopify/LineItem/2", sku: null, quantity: 2 }]));
    expect((await linesOf(4)).map((l) => [l.lineItemGid, l.fulfillmentStatus, l.quantity])).toEqual([["gid://shopify/LineItem/2", "success", 2]]);
  });

  it("keeps the newest needs of an order", async () => {
    const needs = (updatedAt: string, quantity: number) => ({ orderGid: "gid://shopify/Order/1", updatedAt: new Date(updatedAt), lines: [{ lineItemGid: "gid://shopify/LineItem/1", sku: "A", quantity }], fulfillments: [] });
    expect(await saveOrderShippingNeeds(database.db, SHOP, needs("2026-12-03T12:00:00Z", 2))).toBe(true);
    expect(await saveOrderShippingNeeds(database.db, SHOP, needs("2026-12-03T11:00:00Z", 5))).toBe(false);
    expect(await saveOrderShippingNeeds(database.db, SHOP, needs("2026-12-03T12:00:00Z", 2))).toBe(false);
    expect(await saveOrderShippingNeeds(database.db, SHOP, needs("2026-12-03T13:00:00Z", 1))).toBe(true);
    const row = await database.db.promiseOrderShipping.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: "gid://shopify/Order/1" } } });
    expect(JSON.parse(row.lines)).toEqual([{ lineItemGid: "gid://shopify/LineItem/1", sku: "A", quantity: 1 }]);
  });
});
