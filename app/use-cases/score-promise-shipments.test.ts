// The scoring use-case on its own, on both databases: a cancelled order's promise stays cancelled
// while its shipped lines are still scored, and a malformed fulfillment stores nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import { applyFulfillmentWebhook } from "./score-promise-shipments.server.ts";
import type { WebhookContext } from "./webhook-context.ts";

const SHOP = "score-use-case.myshopify.com";
const ORDER = "gid://shopify/Order/42";

describe.each(DATABASE_KINDS)("scoring use-case on %s", (kind) => {
  let database: TestDatabase;
  const context = (payload: unknown): WebhookContext => ({
    db: database.db, shop: SHOP, topic: "fulfillments/create", webhookId: "w", payload, now: new Date("2026-12-10T00:00:00Z"),
    requestTierRecompute: async () => {}, schedulePurge: async () => {},
  });
  beforeAll(async () => {
    database = await createTestDatabase(kind, "score_use_case");
    await database.db.shop.create({ data: { domain: SHOP, ianaTimezone: "Asia/Kolkata" } });
    await database.db.orderPromise.create({
      data: {
        shop: SHOP, orderGid: ORDER, tierKey: "gold", laneKey: "priority_production", orderedAt: new Date("2026-12-01T05:00:00Z"), intakeDay: "2026-12-01",
        shipByEarliest: new Date("2026-12-02T18:29:59.999Z"), shipBy: new Date("2026-12-03T18:29:59.999Z"), shipByDay: "2026-12-03", status: "cancelled", cancelledAt: new Date("2026-12-02T00:00:00Z"),
      },
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("scores a cancelled order's shipped line in the shop's zone and leaves its promise cancelled", async () => {
    // 23:50 on 3 December in Kolkata (UTC+5:30): on time, on the shop's 3 December.
    const outcome = await applyFulfillmentWebhook(context({
      admin_graphql_api_id: "gid://shopify/Fulfillment/1", order_id: 42, status: "success", created_at: "2026-12-03T18:20:00Z", updated_at: "2026-12-03T18:20:00Z",
      line_items: [{ admin_graphql_api_id: "gid://shopify/LineItem/1", sku: "X", quantity: 1 }],
    }));
    expect(outcome.status).toBe("processed");
    expect(await database.db.promiseShipmentLine.findFirstOrThrow({ where: { shop: SHOP } })).toMatchObject({ outcome: "kept", shipDay: "2026-12-03", tierKey: "gold" });
    expect(await database.db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: ORDER } } })).toMatchObject({ status: "cancelled", outcome: null });
  });

  it("refuses a fulfillment without its order or lines, naming the field, and stores nothing", async () => {
    const before = await database.db.promiseShipmentLine.count();
    await expect(applyFulfillmentWebhook(context({ admin_graphql_api_id: "gid://shopify/Fulfillment/2", status: "success", created_at: "2026-12-03T10:00:00Z", line_items: [] }))).rejects.toThrow(PayloadError);
    await expect(applyFulfillmentWebhook(context({ admin_graphql_api_id: "gid://shopify/Fulfillment/2", order_id: 42, status: "success", created_at: "2026-12-03T10:00:00Z" }))).rejects.toThrow(/line_items/);
    expect(await database.db.promiseShipmentLine.count()).toBe(before);
  });
});
