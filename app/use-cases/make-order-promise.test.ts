// What Shopify promised at checkout caps the promise: a delivery method with a latest delivery
// date (a Shop Promise) read with the order's fulfillment orders. The store simulator carries no
// delivery methods yet, so this test answers the one Admin query itself, as Shopify's schema shapes it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminOperation, AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { orderPromiseInputsOperation, type OrderPromiseInputsData } from "../adapters/shopify/admin-operations/order-promise-inputs.ts";
import { createTestDatabase, type TestDatabase } from "../../tests/support/test-database.ts";
import { makeOrderPromise } from "./make-order-promise.server.ts";

const SHOP = "shop-promise.myshopify.com";
const NOW = new Date("2026-11-24T15:00:00Z"); // Tuesday 10:00 in New York, before the cut-off

function runnerAnswering(data: OrderPromiseInputsData): AdminRunner {
  return {
    shop: SHOP,
    async run<TData, TVariables extends Record<string, unknown>>(operation: AdminOperation<TData, TVariables>): Promise<TData> {
      if (operation.name !== orderPromiseInputsOperation.name) throw new Error(`unexpected ${operation.name}`);
      return data as unknown as TData;
    },
  };
}

describe("a promise under Shopify's delivery promise", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite", "shoppromise");
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", scopes: "write_orders" } });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("ships no later than a Shop Promise requires, and records the conflict", async () => {
    const admin = async () =>
      runnerAnswering({
        orders: [
          {
            id: "gid://shopify/Order/1",
            cancelledAt: null,
            fulfillmentOrders: {
              nodes: [{ id: "gid://shopify/FulfillmentOrder/11", status: "OPEN", fulfillBy: null, deliveryMethod: { methodType: "SHIPPING", maxDeliveryDateTime: "2026-11-26T22:00:00Z", brandedPromise: { handle: "shop_promise" } } }],
            },
          },
        ],
        variants: [],
      });
    const request = { orderGid: "gid://shopify/Order/1", orderName: "#1", customerGid: null, orderedAt: NOW.toISOString(), destination: { countryCode: "US", provinceCode: "NY" }, lines: [] };
    // A guest: Bronze's 7–10 business days would be long after Thursday's delivery.
    const result = await makeOrderPromise({ db: database.db, shop: SHOP, request, admin, now: NOW });
    expect(result.status).toBe("made");
    const row = await database.db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: request.orderGid } } });
    expect(row.shipBy.getTime()).toBeLessThanOrEqual(new Date("2026-11-26T22:00:00Z").getTime());
    expect(JSON.parse(row.conflict!)).toMatchObject({ brandedPromiseHandle: "shop_promise", maxDeliveryAt: "2026-11-26T22:00:00.000Z", unmeetable: false });
    expect(JSON.parse(row.deadlineFulfillmentOrders)).toEqual(["gid://shopify/FulfillmentOrder/11"]);
    expect([row.destinationCountry, row.destinationProvince]).toEqual(["US", "NY"]);
  });
});
