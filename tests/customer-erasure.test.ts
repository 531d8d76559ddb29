// customers/redact really erases, through the real processes on both databases:
// Shopify's own sample payloads, made personal, go in as signed webhooks; after the
// redaction every table (listed from the database's own catalogue) and everything
// the processes wrote to their logs is searched for anything of that customer.
// Late webhooks about them must not bring anything back; shop/redact (and the purge
// after uninstall) leave nothing of the shop; done payloads are blanked after the
// retention period.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../app/db.server.ts";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { complianceBody, customerBody, fulfillmentBody, gidOf, needlesOf, orderBody, refundBody, tagsBody, toBody, type Person } from "./support/personal-webhooks.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { allRows as scanAllRows, findings, tableNames, type ScannedRow } from "./support/database-scan.ts";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "./support/test-database.ts";

const SHOP = "erasure-test.myshopify.com";

// Beyond 2^53, so JSON.parse would round them; unusual values, so a find means a leak.
const ERASED: Person = {
  id: "7300000000000000777",
  email: "adaora.quillfeather@example.org",
  first: "Adaora",
  last: "Quillfeather",
  phone: "+16135550177",
  address1: "88 Zanzibar Crescent",
  city: "Vexholm",
  zip: "K7Z9Q4",
  orders: ["8800000000000000101", "8800000000000000102"],
};
const KEPT: Person = {
  id: "7300000000000000888",
  email: "bertrand.okonkwo@example.org",
  first: "Bertrand",
  last: "Okonkwo",
  phone: "+16135550188",
  address1: "12 Marigold Row",
  city: "Lindqvist",
  zip: "M4B1B3",
  orders: ["8800000000000000201"],
};

/** Every row of every table, checked to include the tables that hold customer data. */
async function allRows(db: Db, kind: DatabaseKind, url: string): Promise<ScannedRow[]> {
  const rows = await scanAllRows(db, kind, url);
  expect((await tableNames(db, kind, url)).tables).toEqual(expect.arrayContaining(["Customer", "LedgerOrder", "LedgerRefund", "TierChange", "WebhookDelivery", "ComplianceRequest", "Session", "Shop"]));
  return rows;
}

describe.each(DATABASE_KINDS)("customer erasure on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let worker: AppProcess;
  let appUrl: string;
  let prefix: string;
  let queueConnection: Redis;
  const OLD = new Date(Date.now() - 40 * 86_400_000);

  const send = async (topic: string, body: string) => {
    const response = await sendWebhook(appUrl, { topic, shop: SHOP, body, secret: TEST_API_SECRET });
    expect(response.status).toBe(200);
    return response.webhookId;
  };
  const settled = async (webhookIds: string[]) => {
    await eventually(async () => (await database.db.webhookDelivery.count({ where: { webhookId: { in: webhookIds }, status: "received" } })) === 0 || null, { what: "deliveries done" });
    // Recomputations are queued with a delay: wait until none is left anywhere in the queue.
    const queue = new Queue(QUEUES.tierRecompute.name, { connection: queueConnection, prefix: `{${prefix}}` });
    try {
      await eventually(async () => {
        const counts = await queue.getJobCounts("wait", "delayed", "active", "prioritized", "waiting-children");
        return Object.values(counts).every((n) => n === 0) || null;
      }, { what: "tier recomputations done" });
    } finally {
      await queue.close();
    }
  };
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  beforeAll(async () => {
    database = await createTestDatabase(kind, "erasure");
    redis = await PrivateRedis.start();
    prefix = `e${randomUUID().slice(0, 8)}`;
    queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const { db } = database;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", accessToken: "shpat_test", isOnline: false } });
    // Retention: one done delivery received long ago (blanked), one not done (kept for its retry), one recent (kept).
    await db.webhookDelivery.createMany({
      data: [
        { webhookId: "old-done", shop: SHOP, topic: "orders/create", payload: '{"note":"old-done-marker"}', status: "processed", receivedAt: OLD, processedAt: OLD },
        { webhookId: "old-failed", shop: SHOP, topic: "orders/create", payload: '{"note":"old-failed-marker"}', status: "failed", error: "boom old-failed-marker", receivedAt: OLD },
        { webhookId: "recent-done", shop: SHOP, topic: "orders/create", payload: '{"note":"recent-done-marker"}', status: "processed", receivedAt: new Date(), processedAt: new Date() },
      ],
    });
    const env = appEnv({
      databaseUrl: database.url,
      redisUrl: redis.url,
      queuePrefix: prefix,
      // The Admin API (tier sync) goes nowhere: a closed loopback port.
      extra: { SHOP_PURGE_DELAY_HOURS: "0", LOG_LEVEL: "debug", SHOPIFY_API_ORIGIN: "http://127.0.0.1:9" },
    });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
    worker = await startWorkerProcess(env);
  });

  afterAll(async () => {
    await Promise.all([web?.kill(), worker?.kill()]);
    await queueConnection?.quit();
    await redis?.stop();
    await database?.drop();
  });

  it("blanks the payloads of deliveries done longer ago than the retention, and only those", async () => {
    const { db } = database;
    await eventually(async () => (await db.webhookDelivery.findUnique({ where: { webhookId: "old-done" } }))?.payloadErasedAt ?? null, { what: "old payload blanked" });
    const rows = Object.fromEntries((await db.webhookDelivery.findMany({ where: { webhookId: { in: ["old-done", "old-failed", "recent-done"] } } })).map((r) => [r.webhookId, r]));
    expect(rows["old-done"].payload).toBe("{}");
    // A failure's reason stays (it says what went wrong, not whom it was about); its payload goes.
    expect(rows["old-failed"]).toMatchObject({ payload: "{}", error: "boom old-failed-marker", status: "failed" });
    expect(rows["recent-done"].payload).toContain("recent-done-marker");
  });

  it("customers/redact leaves nothing of the customer in any table or log, and late webhooks bring nothing back", async () => {
    const { db } = database;
    const [a1, a2] = ERASED.orders;
    const [b1] = KEPT.orders;
    // Both customers' history, as Shopify delivers it.
    const before = [
      await send("customers/create", customerBody(ERASED, minutesAgo(60))),
      await send("customers/create", customerBody(KEPT, minutesAgo(60))),
      await send("orders/create", orderBody(ERASED, a1, "2500.00", minutesAgo(50))),
      await send("orders/create", orderBody(ERASED, a2, "300.00", minutesAgo(45))),
      await send("orders/create", orderBody(KEPT, b1, "700.00", minutesAgo(50))),
      await send("refunds/create", refundBody(ERASED, a1, "8800000000000000301", "100.00", minutesAgo(40))),
      await send("fulfillments/create", fulfillmentBody(ERASED, a1)),
      await send("fulfillments/create", fulfillmentBody(KEPT, b1)),
      await send("customer.tags_added", tagsBody(ERASED, ["tierline:gold"])),
      await send("customers/data_request", complianceBody(SHOP, ERASED, "customers/data_request")),
    ];
    await settled(before);
    await eventually(async () => (await db.customer.findUnique({ where: { shop_customerGid: { shop: SHOP, customerGid: gidOf(ERASED) } } }))?.tierKey === "gold" || null, { what: "erased customer's tier" });
    expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: gidOf(ERASED) } })).toBeGreaterThan(0);
    expect(await db.complianceRequest.count({ where: { shop: SHOP, topic: "customers/data_request" } })).toBe(1);
    // The search finds what is there: before the redaction, every detail of the customer is held somewhere.
    const held = findings(await allRows(db, kind, database.url), needlesOf(ERASED));
    expect([...new Set(held.map((f) => f.split(": ")[1]))].sort()).toEqual([...new Set(needlesOf(ERASED))].sort());

    // One more delivery about them, stored but not processed yet (its job was lost; the sweep would re-queue it).
    await db.webhookDelivery.create({
      data: { webhookId: "pending-about-erased", shop: SHOP, topic: "orders/updated", payload: orderBody(ERASED, a1, "2600.00", minutesAgo(1)), status: "received", receivedAt: new Date() },
    });

    const redact = await send("customers/redact", complianceBody(SHOP, ERASED, "customers/redact"));
    await settled([redact]);

    // Late deliveries about them: a newer order version, a refund, a profile update, tag echoes, a fulfillment.
    const late = [
      await send("orders/updated", orderBody(ERASED, a1, "2700.00", minutesAgo(0))),
      await send("orders/paid", orderBody(ERASED, a2, "300.00", minutesAgo(0))),
      await send("refunds/create", refundBody(ERASED, a2, "8800000000000000302", "50.00", minutesAgo(0))),
      await send("customers/update", customerBody(ERASED, minutesAgo(0))),
      await send("customer.tags_added", tagsBody(ERASED, ["tierline:gold"])),
      await send("fulfillments/create", fulfillmentBody(ERASED, a2)),
      await send("customers/data_request", complianceBody(SHOP, ERASED, "customers/data_request")),
      // And one for the kept customer, so something did happen meanwhile.
      await send("orders/updated", orderBody(KEPT, b1, "900.00", minutesAgo(0))),
    ];
    await settled(late);
    await eventually(async () => (await db.customer.findUnique({ where: { shop_customerGid: { shop: SHOP, customerGid: gidOf(KEPT) } } }))?.qualifyingSpend === 90_000 || null, { what: "kept customer's new spend" });

    const rows = await allRows(db, kind, database.url);
    expect(findings(rows, needlesOf(ERASED))).toEqual([]);
    // Nobody else was touched: the kept customer is still there, by id and email.
    expect(findings(rows, [gidOf(KEPT), KEPT.email]).length).toBeGreaterThan(0);
    expect(await db.ledgerOrder.count({ where: { shop: SHOP } })).toBe(1);
    expect(await db.customer.count({ where: { shop: SHOP } })).toBe(1);

    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: redact } })).status).toBe("processed");
    // The delivery that was waiting is closed, so no sweep ever runs it.
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "pending-about-erased" } })).toMatchObject({ status: "skipped", payload: "{}" });

    const logs = web.output + worker.output;
    expect(logs.length).toBeGreaterThan(0);
    expect(needlesOf(ERASED).filter((needle) => logs.toLowerCase().includes(needle.toLowerCase()))).toEqual([]);
  });

  it("the purge after uninstall, then shop/redact, leave nothing of the shop in any table", async () => {
    const { db } = database;
    const request = await send("customers/data_request", complianceBody(SHOP, KEPT, "customers/data_request"));
    await settled([request]);
    expect(await db.complianceRequest.count({ where: { shop: SHOP, topic: "customers/data_request", customerGid: gidOf(KEPT) } })).toBe(1);
    await send("app/uninstalled", toBody({ id: 1, name: "Erasure test", myshopify_domain: SHOP }));
    await eventually(async () => (await db.shop.count({ where: { domain: SHOP } })) === 0 || null, { what: "shop purged" });
    // The purge takes every table's rows of the shop, data-request exports and tombstones included.
    expect(findings(await allRows(db, kind, database.url), [SHOP, KEPT.email, gidOf(KEPT)])).toEqual([]);
    // Whatever the purge left (it ran while its own delivery was being processed) goes with shop/redact.
    const redact = await send("shop/redact", toBody({ shop_id: 1, shop_domain: SHOP }));
    await eventually(async () => (await db.webhookDelivery.findUnique({ where: { webhookId: redact } }))?.status === "processed" || null, { what: "shop/redact done" });
    const rows = await allRows(db, kind, database.url);
    const left = rows.filter((r) => r.text.includes(SHOP) || r.text.includes(KEPT.email) || r.text.includes(gidOf(KEPT)));
    // Only the record that the shop was redacted: its own delivery and the request's row (no personal data).
    expect(left.map((r) => r.table).sort()).toEqual(["ComplianceRequest", "WebhookDelivery"]);
    expect(findings(left, [...needlesOf(KEPT), ...needlesOf(ERASED)])).toEqual([]);
  });
});
