// customers/redact really erases, through the real processes on both databases:
// Shopify's own sample payloads, made personal, go in as signed webhooks; after the
// redaction every table (listed from the database's own catalogue) and everything
// the processes wrote to their logs is searched for anything of that customer.
// Late webhooks about them must not bring anything back; shop/redact (and the purge
// after uninstall) leave nothing of the shop; done payloads are blanked after the
// retention period.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../app/db.server.ts";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { allRows as scanAllRows, findings, tableNames, type ScannedRow } from "./support/database-scan.ts";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "./support/test-database.ts";

const SHOP = "erasure-test.myshopify.com";
const REFERENCE = path.resolve(import.meta.dirname, "../simulator/reference/webhooks");

interface Person {
  id: string;
  email: string;
  first: string;
  last: string;
  phone: string;
  address1: string;
  city: string;
  zip: string;
  orders: string[];
}

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

const gidOf = (p: Person) => `gid://shopify/Customer/${p.id}`;
const needlesOf = (p: Person) => [p.id, gidOf(p), p.email, p.first, p.last, p.phone, p.address1, p.city, p.zip, ...p.orders];

const sample = (name: string) => JSON.parse(readFileSync(path.join(REFERENCE, name), "utf8")) as Record<string, unknown>;

/** Big ids go in as placeholders and come out as bare JSON numbers, exactly. */
const num = (digits: string) => `__NUM_${digits}__`;
const toBody = (value: unknown) => JSON.stringify(value).replace(/"__NUM_(\d+)__"/g, "$1");

/** Shopify's sample payload with the person's details wherever the sample has a person's. */
function personalize(value: unknown, p: Person): unknown {
  if (Array.isArray(value)) return value.map((v) => personalize(v, p));
  if (typeof value !== "object" || value === null) return value;
  const object = { ...(value as Record<string, unknown>) };
  const isPersonish = "first_name" in object || "last_name" in object;
  for (const [key, inner] of Object.entries(object)) {
    if (key === "email" || key === "contact_email") object[key] = p.email;
    else if (key === "first_name") object[key] = p.first;
    else if (key === "last_name") object[key] = p.last;
    else if (key === "name" && isPersonish) object[key] = `${p.first} ${p.last}`;
    else if (key === "phone") object[key] = p.phone;
    else if (key === "address1") object[key] = p.address1;
    else if (key === "city") object[key] = p.city;
    else if (key === "zip") object[key] = p.zip;
    else if (key === "customer_id") object[key] = num(p.id);
    else object[key] = personalize(inner, p);
  }
  return object;
}

const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });

function customerBody(p: Person, updatedAt: string): string {
  const body = personalize(sample("customers_create.json"), p) as Record<string, unknown>;
  return toBody({ ...body, id: num(p.id), admin_graphql_api_id: gidOf(p), updated_at: updatedAt, created_at: updatedAt });
}

function orderBody(p: Person, orderId: string, total: string, updatedAt: string): string {
  const body = personalize(sample("orders_create.json"), p) as Record<string, unknown>;
  const customer = body.customer as Record<string, unknown>;
  return toBody({
    ...body,
    id: num(orderId),
    admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
    created_at: updatedAt,
    processed_at: updatedAt,
    updated_at: updatedAt,
    cancelled_at: null,
    cancel_reason: null,
    test: false,
    // Paid in full: only money received counts (the sample is a voided order).
    financial_status: "paid",
    total_outstanding: "0.00",
    current_total_price: total,
    current_total_price_set: money(total),
    current_shipping_price_set: money("0.00"),
    current_total_tax_set: money("0.00"),
    customer: { ...customer, id: num(p.id), admin_graphql_api_id: gidOf(p) },
  });
}

function refundBody(p: Person, orderId: string, refundId: string, amount: string, createdAt: string): string {
  const body = personalize(sample("refunds_create.json"), p) as Record<string, unknown>;
  return toBody({
    ...body,
    id: num(refundId),
    admin_graphql_api_id: `gid://shopify/Refund/${refundId}`,
    order_id: num(orderId),
    created_at: createdAt,
    processed_at: createdAt,
    refund_line_items: [],
    refund_shipping_lines: [],
    order_adjustments: [],
    transactions: [{ id: 1, order_id: num(orderId), kind: "refund", status: "success", amount, currency: "USD", gateway: "bogus" }],
  });
}

function fulfillmentBody(p: Person, orderId: string): string {
  const body = personalize(sample("fulfillments_create.json"), p) as Record<string, unknown>;
  return toBody({ ...body, order_id: num(orderId) });
}

const tagsBody = (p: Person, tags: string[]) => toBody({ ...sample("customer_tags_added.json"), customerId: gidOf(p), tags });

function complianceBody(p: Person, kind: "customers/data_request" | "customers/redact"): string {
  const customer = { id: num(p.id), email: p.email, phone: p.phone };
  return kind === "customers/redact"
    ? toBody({ shop_id: 1, shop_domain: SHOP, customer, orders_to_redact: p.orders.map(num) })
    : toBody({ shop_id: 1, shop_domain: SHOP, customer, orders_requested: p.orders.map(num), data_request: { id: 9999 } });
}

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
      await send("customers/data_request", complianceBody(ERASED, "customers/data_request")),
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

    const redact = await send("customers/redact", complianceBody(ERASED, "customers/redact"));
    await settled([redact]);

    // Late deliveries about them: a newer order version, a refund, a profile update, tag echoes, a fulfillment.
    const late = [
      await send("orders/updated", orderBody(ERASED, a1, "2700.00", minutesAgo(0))),
      await send("orders/paid", orderBody(ERASED, a2, "300.00", minutesAgo(0))),
      await send("refunds/create", refundBody(ERASED, a2, "8800000000000000302", "50.00", minutesAgo(0))),
      await send("customers/update", customerBody(ERASED, minutesAgo(0))),
      await send("customer.tags_added", tagsBody(ERASED, ["tierline:gold"])),
      await send("fulfillments/create", fulfillmentBody(ERASED, a2)),
      await send("customers/data_request", complianceBody(ERASED, "customers/data_request")),
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
    const request = await send("customers/data_request", complianceBody(KEPT, "customers/data_request"));
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
