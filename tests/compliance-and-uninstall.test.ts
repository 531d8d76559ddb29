// Privacy webhooks and uninstall, through the real processes, on both databases.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "privacy-test.myshopify.com";
const CUSTOMER_ID = "7300000000000000123"; // beyond 2^53: must survive JSON parsing exactly
const CUSTOMER = `gid://shopify/Customer/${CUSTOMER_ID}`;
const OTHER = "gid://shopify/Customer/42";

describe.each(DATABASE_KINDS)("compliance and uninstall on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let worker: AppProcess;
  let appUrl: string;

  const send = (topic: string, body: string) => sendWebhook(appUrl, { topic, shop: SHOP, body, secret: TEST_API_SECRET });
  const done = (webhookId: string) =>
    eventually(async () => {
      const row = await database.db.webhookDelivery.findUnique({ where: { webhookId } });
      return row && row.status !== "received" ? row : null;
    }, { what: "delivery processed" });

  async function seed() {
    const { db } = database;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", accessToken: "shpat_test", isOnline: false } });
    for (const [gid, order] of [[CUSTOMER, "1"], [CUSTOMER, "2"], [OTHER, "3"]] as const) {
      await db.customer.upsert({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } }, create: { shop: SHOP, customerGid: gid, email: `${order}@example.com`, tierKey: "silver" }, update: {} });
      await db.ledgerOrder.create({ data: { shop: SHOP, orderGid: `gid://shopify/Order/${order}`, customerGid: gid, processedAt: new Date(), orderUpdatedAt: new Date(), currencyCode: "USD", currentTotal: 10_000 } });
    }
    await db.ledgerRefund.create({ data: { shop: SHOP, refundGid: "gid://shopify/Refund/9", orderGid: "gid://shopify/Order/1", createdAt: new Date(), transactions: 500, lineItems: 0 } });
    await db.tierChange.create({ data: { shop: SHOP, customerGid: CUSTOMER, fromTier: "bronze", toTier: "silver", reason: "order", spend: 60_000 } });
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind, "privacy");
    redis = await PrivateRedis.start();
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `p${randomUUID().slice(0, 8)}`, extra: { SHOP_PURGE_DELAY_HOURS: "0" } });
    await seed();
    ({ proc: web, url: appUrl } = await startWebProcess(env));
    worker = await startWorkerProcess(env);
  });

  afterAll(async () => {
    await Promise.all([web?.kill(), worker?.kill()]);
    await redis?.stop();
    await database?.drop();
  });

  it("customers/data_request produces every record held on the customer", async () => {
    const response = await send("customers/data_request", `{"shop_id":1,"shop_domain":"${SHOP}","customer":{"id":${CUSTOMER_ID},"email":"1@example.com","phone":null},"orders_requested":[1,2],"data_request":{"id":9999}}`);
    expect(response.status).toBe(200);
    await done(response.webhookId);
    const request = await database.db.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/data_request" } });
    expect(request.customerGid).toBe(CUSTOMER);
    const exported = JSON.parse(request.export!);
    expect(exported.customer.customerGid).toBe(CUSTOMER);
    expect(exported.orders.map((o: { orderGid: string }) => o.orderGid).sort()).toEqual(["gid://shopify/Order/1", "gid://shopify/Order/2"]);
    expect(exported.refunds).toHaveLength(1);
    expect(exported.tierChanges).toHaveLength(1);
  });

  it("customers/redact deletes the customer's records and nobody else's", async () => {
    const response = await send("customers/redact", `{"shop_id":1,"shop_domain":"${SHOP}","customer":{"id":${CUSTOMER_ID},"email":"1@example.com","phone":null},"orders_to_redact":[1,2]}`);
    await done(response.webhookId);
    const { db } = database;
    expect(await db.customer.count({ where: { shop: SHOP, customerGid: CUSTOMER } })).toBe(0);
    expect(await db.ledgerOrder.count({ where: { shop: SHOP, customerGid: CUSTOMER } })).toBe(0);
    expect(await db.ledgerRefund.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: CUSTOMER } })).toBe(0);
    expect(await db.customer.count({ where: { shop: SHOP, customerGid: OTHER } })).toBe(1);
    expect(await db.ledgerOrder.count({ where: { shop: SHOP, customerGid: OTHER } })).toBe(1);
  });

  it("app/uninstalled removes the sessions at once and purges the shop's data when the delay passes", async () => {
    const response = await send("app/uninstalled", `{"id":1,"name":"Privacy test","myshopify_domain":"${SHOP}"}`);
    expect(response.status).toBe(200);
    // SHOP_PURGE_DELAY_HOURS=0 here: the scheduled purge runs right away, and takes the
    // shop's stored deliveries (this one included) with it.
    await eventually(async () => (await database.db.session.count({ where: { shop: SHOP } })) === 0, { what: "sessions removed" });
    await eventually(async () => (await database.db.shop.count({ where: { domain: SHOP } })) === 0, { what: "shop purged" });
    expect(await database.db.customer.count({ where: { shop: SHOP } })).toBe(0);
    // A second uninstall delivery (Shopify may send it twice) is harmless.
    const again = await send("app/uninstalled", `{"id":1,"name":"Privacy test","myshopify_domain":"${SHOP}"}`);
    expect(again.status).toBe(200);
    expect((await done(again.webhookId)).status).toBe("processed");
  });

  it("shop/redact deletes whatever is left, even with no installation", async () => {
    await database.db.customer.create({ data: { shop: SHOP, customerGid: OTHER, email: "late@example.com" } });
    const response = await send("shop/redact", `{"shop_id":1,"shop_domain":"${SHOP}"}`);
    expect(response.status).toBe(200);
    await done(response.webhookId);
    expect(await database.db.customer.count({ where: { shop: SHOP } })).toBe(0);
    expect(await database.db.webhookDelivery.count({ where: { shop: SHOP, topic: { not: "shop/redact" } } })).toBe(0);
    expect(await database.db.complianceRequest.count({ where: { shop: SHOP, topic: "shop/redact" } })).toBe(1);
  });
});
