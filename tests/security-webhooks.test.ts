// Hostile and broken webhook deliveries, over HTTP into the real web and worker processes, on
// SQLite and PostgreSQL: signatures that are forged, made for another body or by another app;
// deliveries for shop A that name shop B's customers and orders; bodies that are oversized,
// malformed, not UTF-8, not declared JSON, or of the wrong shape for their topic. Each is refused
// with a clear 4xx and nothing stored or queued, or, once signed and well-formed, never touches
// what it must not; and the server answers normally afterwards.
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor } from "../app/adapters/queues/queue-registry.ts";
import { queuePrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { allRows } from "./support/database-scan.ts";
import { sendWebhook, signBody } from "./support/signed-webhook.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP_A = "hostile-a.myshopify.com";
const SHOP_B = "hostile-b.myshopify.com";
const B_CUSTOMER_ID = "7500000000000000202";
const B_CUSTOMER = `gid://shopify/Customer/${B_CUSTOMER_ID}`;
const B_ORDER_ID = "8500000000000000202";
const B_ORDER = `gid://shopify/Order/${B_ORDER_ID}`;
const B_EMAIL = "brunhild.b-only@example.org";

const money = (amount: string) => `{"shop_money":{"amount":"${amount}","currency_code":"USD"},"presentment_money":{"amount":"${amount}","currency_code":"USD"}}`;
let seq = 0;
function orderBody({ orderId = `86000000000000${String(++seq).padStart(5, "0")}`, customerId = "7500000000000000101", total = "120.00", email = "a.buyer@example.org" } = {}): string {
  const at = new Date().toISOString();
  return `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}","name":"#H${seq}","email":"${email}","created_at":"${at}","processed_at":"${at}","updated_at":"${at}","cancelled_at":null,"test":false,"financial_status":"paid","currency":"USD","current_total_price":"${total}","current_total_price_set":${money(total)},"current_shipping_price_set":${money("0.00")},"current_total_tax_set":${money("0.00")},"customer":{"id":${customerId},"admin_graphql_api_id":"gid://shopify/Customer/${customerId}","email":"${email}"},"line_items":[]}`;
}

/** A raw POST to the intake, for bodies and headers fetch would not send as they are. */
function rawPost(appUrl: string, path: string, headers: Record<string, string>, body: Buffer | (() => AsyncIterable<Buffer>)): Promise<{ status: number; text: string }> {
  const url = new URL(path, appUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        for await (const chunk of body()) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        req.end();
      })();
  });
}

function signedHeaders(topic: string, body: Buffer, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": SHOP_A,
    "X-Shopify-API-Version": "2026-01",
    "X-Shopify-Webhook-Id": randomUUID(),
    "X-Shopify-Hmac-Sha256": createHmac("sha256", TEST_API_SECRET).update(body).digest("base64"),
    ...overrides,
  };
}

describe.each(DATABASE_KINDS)("hostile webhooks on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let worker: AppProcess;
  let appUrl: string;
  let redisClient: Redis;
  const queuePrefixName = `h${randomUUID().slice(0, 8)}`;

  const send = (topic: string, body: string, extra: Partial<Parameters<typeof sendWebhook>[1]> = {}) => sendWebhook(appUrl, { topic, shop: SHOP_A, body, secret: TEST_API_SECRET, ...extra });
  const stored = () => database.db.webhookDelivery.count();
  const done = (webhookId: string) =>
    eventually(async () => {
      const row = await database.db.webhookDelivery.findUnique({ where: { webhookId } });
      return row && row.status !== "received" ? row : null;
    }, { what: `delivery ${webhookId} done` });
  /**
   * Every row of shop B (its shop column, or the Shop row itself), in every table: what A's deliveries
   * must never touch. The dashboard's rollups are left out: the worker rebuilds them each minute from
   * B's own rows, which are compared.
   */
  const shopBRows = async () =>
    (await allRows(database.db, kind, database.url))
      .filter((r) => !r.table.startsWith("Kpi") && (r.text.includes(`"shop":"${SHOP_B}"`) || r.text.includes(`"domain":"${SHOP_B}"`)))
      .map((r) => `${r.table} ${r.text}`)
      .sort();
  /** The server still takes a genuine delivery, end to end. */
  async function stillServing() {
    const body = orderBody({ total: "10.00" });
    const response = await send("orders/create", body);
    expect(response.status).toBe(200);
    expect((await done(response.webhookId)).status).toBe("processed");
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind, "hostile");
    const { db } = database;
    for (const shop of [SHOP_A, SHOP_B]) await db.shop.create({ data: { domain: shop, currencyCode: "USD" } });
    // Shop B's customer and order, with B's own values.
    await db.customer.create({ data: { shop: SHOP_B, customerGid: B_CUSTOMER, email: B_EMAIL, firstName: "Brunhild", tierKey: "gold", qualifyingSpend: 250_000, qualifyingOrders: 1 } });
    await db.ledgerOrder.create({ data: { shop: SHOP_B, orderGid: B_ORDER, customerGid: B_CUSTOMER, processedAt: new Date(), orderUpdatedAt: new Date(Date.now() - 60_000), currencyCode: "USD", currentTotal: 250_000, financialStatus: "paid" } });
    await db.webhookDelivery.create({ data: { webhookId: "b-order", shop: SHOP_B, topic: "orders/create", payload: orderBody({ orderId: B_ORDER_ID, customerId: B_CUSTOMER_ID, total: "2500.00", email: B_EMAIL }), status: "processed", processedAt: new Date() } });
    redis = await PrivateRedis.start();
    // The Admin API (tier sync) goes nowhere: a closed loopback port.
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: queuePrefixName, extra: { SHOPIFY_API_ORIGIN: "http://127.0.0.1:9" } });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
    worker = await startWorkerProcess(env);
    redisClient = new Redis(redis.url);
  });

  afterAll(async () => {
    redisClient?.disconnect();
    await Promise.all([web?.kill(), worker?.kill()]);
    await redis?.stop();
    await database?.drop();
  });

  it("refuses signatures forged, made for another body, replayed onto another body, or made with another app's secret: 401, nothing stored", async () => {
    const before = await stored();
    const genuine = orderBody({ total: "50.00" });
    const other = orderBody({ total: "5000.00" });
    const cases: Record<string, string> = {
      forged: Buffer.from("not-a-signature-at-all-0123456789").toString("base64"),
      "a valid signature of another body (altered body)": signBody(genuine, TEST_API_SECRET),
      "another app's secret": signBody(other, "another-apps-secret"),
      "the right digest in hex, not base64": createHmac("sha256", TEST_API_SECRET).update(other).digest("hex"),
      "the right digest, truncated": signBody(other, TEST_API_SECRET).slice(0, 20),
      "the right digest with junk appended": `${signBody(other, TEST_API_SECRET)}AAAA`,
      empty: "",
    };
    // The genuine delivery goes through once; its signature then replayed with another body does not.
    const first = await send("orders/create", genuine);
    expect(first.status).toBe(200);
    for (const [name, hmac] of Object.entries(cases)) {
      const response = await send("orders/create", other, { hmac });
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
    }
    expect(await stored()).toBe(before + 1);
    expect(await database.db.ledgerOrder.count({ where: { currentTotal: 500_000 } })).toBe(0);
    await stillServing();
  });

  it("a delivery for shop A naming shop B's customer and order changes nothing of B: orders, profile updates, redaction, data request", async () => {
    const before = await shopBRows();
    expect(before.length).toBeGreaterThanOrEqual(3);
    const redactBody = `{"shop_id":1,"shop_domain":"${SHOP_B}","customer":{"id":${B_CUSTOMER_ID},"email":"${B_EMAIL}","phone":null},"orders_to_redact":[${B_ORDER_ID}]}`;
    // The data request made for A, naming B's customer, exports nothing of B.
    const asked = await send("customers/data_request", redactBody.replace("orders_to_redact", "orders_requested"));
    await done(asked.webhookId);
    const request = await database.db.complianceRequest.findFirstOrThrow({ where: { shop: SHOP_A, topic: "customers/data_request" } });
    expect(JSON.parse(request.export!)).toMatchObject({ customer: null, orders: [], refunds: [], tierChanges: [] });
    expect(request.export).not.toContain(B_EMAIL);
    const ids = [
      (await send("orders/updated", orderBody({ orderId: B_ORDER_ID, customerId: B_CUSTOMER_ID, total: "1.00", email: "attacker@example.org" }))).webhookId,
      (await send("orders/cancelled", orderBody({ orderId: B_ORDER_ID, customerId: B_CUSTOMER_ID, total: "0.00" }).replace('"cancelled_at":null', `"cancelled_at":"${new Date().toISOString()}"`))).webhookId,
      (await send("customers/update", `{"id":${B_CUSTOMER_ID},"admin_graphql_api_id":"${B_CUSTOMER}","email":"attacker@example.org","first_name":"Mallory","updated_at":"${new Date().toISOString()}"}`)).webhookId,
      // The body names shop B; the signed delivery is for shop A (its header): only A's rows may go.
      (await send("customers/redact", redactBody)).webhookId,
      (await send("shop/redact", `{"shop_id":2,"shop_domain":"${SHOP_B}"}`, { shop: "hostile-c.myshopify.com" })).webhookId,
    ];
    for (const id of ids) expect((await done(id)).status).not.toBe("received");
    expect(await shopBRows()).toEqual(before);
  });

  it("refuses a 10 MB body with a 413 before reading it into memory or checking its signature, declared or streamed, and keeps serving", async () => {
    const before = await stored();
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    big.write('{"id":1,"pad":"', 0);
    big.write('"}', big.length - 2);
    const declared = await rawPost(appUrl, "/webhooks/orders/create", signedHeaders("orders/create", big, { "Content-Length": String(big.length) }), big);
    expect(declared.status).toBe(413);
    expect(declared.text).toMatch(/too large/);
    // No Content-Length: chunked, 1 MB at a time.
    const streamed = await rawPost(appUrl, "/webhooks/orders/create", signedHeaders("orders/create", big, { "Transfer-Encoding": "chunked" }), async function* () {
      for (let at = 0; at < big.length; at += 1024 * 1024) yield big.subarray(at, at + 1024 * 1024);
    });
    expect(streamed.status).toBe(413);
    expect(await stored()).toBe(before);
    await stillServing();
  });

  it("refuses a 10 MB body on every other route that takes one (Flow's callback, supplier answers, the login form, page actions) with a 413, before reading it or checking who sent it", async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const routes = ["/flow/lifecycle", "/suppliers/some-supplier/answers", "/auth/login", "/app/suppliers?_data=routes%2Fapp.suppliers"];
    for (const route of routes) {
      const declared = await rawPost(appUrl, route, { "Content-Type": "application/json", "Content-Length": String(big.length), "User-Agent": "Mozilla/5.0 Chrome/131.0" }, big);
      const streamed = await rawPost(appUrl, route, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "User-Agent": "Mozilla/5.0 Chrome/131.0" }, async function* () {
        for (let at = 0; at < big.length; at += 1024 * 1024) yield big.subarray(at, at + 1024 * 1024);
      });
      expect({ route, declared: declared.status }).toEqual({ route, declared: 413 });
      // A page action without a session is sent to log in before its body is read; the others read it and stop at the limit.
      if (route.startsWith("/app/")) expect({ route, streamed: streamed.status }).toEqual({ route, streamed: 302 });
      else expect({ route, streamed: streamed.status, says: JSON.parse(streamed.text).error }).toEqual({ route, streamed: 413, says: expect.stringMatching(/too large/) });
    }
    expect(web.exited).toBe(false);
    await stillServing();
  });

  it("refuses malformed bodies with a 400 or 415 that says why, storing nothing", async () => {
    const before = await stored();
    const utf8 = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => Buffer.from(p as string)));
    const cases: Array<{ name: string; body: Buffer; headers?: Record<string, string>; status: number; message: RegExp }> = [
      { name: "nested 20,000 deep", body: Buffer.from('{"a":'.repeat(20_000) + "1" + "}".repeat(20_000)), status: 400, message: /nested deeper than/ },
      { name: "arrays nested 100,000 deep", body: Buffer.from("[".repeat(100_000) + "]".repeat(100_000)), status: 400, message: /nested deeper than/ },
      { name: "cut off", body: Buffer.from(orderBody().slice(0, -40)), status: 400, message: /Malformed JSON/ },
      { name: "empty", body: Buffer.alloc(0), status: 401, message: /signature/ },
      { name: "a JSON array", body: Buffer.from(`[${orderBody()}]`), status: 400, message: /not a JSON object/ },
      { name: "a JSON string", body: Buffer.from('"orders"'), status: 400, message: /not a JSON object/ },
      { name: "null", body: Buffer.from("null"), status: 400, message: /not a JSON object/ },
      { name: "invalid UTF-8 in a string", body: utf8('{"id":1,"email":"', [0xff, 0xfe], '@example.org"}'), status: 400, message: /not valid UTF-8/ },
      { name: "an encoded surrogate", body: utf8('{"id":1,"note":"', [0xed, 0xa0, 0x80], '"}'), status: 400, message: /not valid UTF-8/ },
      { name: "UTF-16", body: Buffer.from(`{"id":1}`, "utf16le"), status: 400, message: /Malformed JSON/ },
      { name: "declared as a form", body: Buffer.from(orderBody()), headers: { "Content-Type": "application/x-www-form-urlencoded" }, status: 415, message: /application\/json/ },
      { name: "declared as text", body: Buffer.from(orderBody()), headers: { "Content-Type": "text/plain;charset=UTF-8" }, status: 415, message: /application\/json/ },
      { name: "declared as XML", body: Buffer.from(orderBody()), headers: { "Content-Type": "application/xml" }, status: 415, message: /application\/json/ },
    ];
    for (const c of cases) {
      const response = await rawPost(appUrl, "/webhooks/orders/create", signedHeaders("orders/create", c.body, c.headers), c.body);
      const message = (JSON.parse(response.text) as { message: string }).message;
      expect({ name: c.name, status: response.status, message }).toEqual({ name: c.name, status: c.status, message: expect.stringMatching(c.message) });
    }
    // JSON declared with a charset, or in capitals, is JSON.
    const declared = Buffer.from(orderBody({ total: "11.00" }));
    expect((await rawPost(appUrl, "/webhooks/orders/create", signedHeaders("orders/create", declared, { "Content-Type": "Application/JSON; charset=utf-8" }), declared)).status).toBe(200);
    expect(await stored()).toBe(before + 1);
    await stillServing();
  });

  it("refuses a signed, well-formed delivery of the wrong shape (wrong types, missing fields) with a 422 naming the field: nothing stored, nothing queued, nothing changed", async () => {
    // Customers are left out: an earlier test's orders still recompute tiers in the background.
    const before = { deliveries: await stored(), orders: await database.db.ledgerOrder.count() };
    const at = new Date().toISOString();
    const cases: Array<{ name: string; topic: string; body: string; field: RegExp }> = [
      { name: "total is an object", topic: "orders/create", body: orderBody({ total: "12.00" }).replace(`"current_total_price_set":${money("12.00")}`, '"current_total_price_set":{"shop_money":{"amount":{"$gt":0},"currency_code":"USD"}}'), field: /current_total_price_set\.shop_money\.amount must be a decimal amount/ },
      { name: "total is not a number", topic: "orders/create", body: orderBody({ total: "twelve" }), field: /current_total_price_set\.shop_money\.amount must be a decimal amount/ },
      { name: "id is a string of letters", topic: "orders/updated", body: orderBody().replace(/"admin_graphql_api_id":"gid:\/\/shopify\/Order\/\d+"/, '"admin_graphql_api_id":"gid://shopify/Order/abc"'), field: /admin_graphql_api_id must be a gid:\/\/shopify\/Order\/<number> id/ },
      { name: "customer is a number", topic: "orders/paid", body: orderBody().replace(/"customer":\{[^}]*\}/, '"customer":5'), field: /customer must be an object/ },
      { name: "updated_at missing", topic: "orders/cancelled", body: orderBody().replace(/"updated_at":"[^"]*",/, ""), field: /updated_at is missing/ },
      { name: "no ids at all", topic: "orders/create", body: '{"name":"#1","line_items":[]}', field: /admin_graphql_api_id is missing/ },
      { name: "customer update without an id", topic: "customers/update", body: `{"email":"x@example.org","updated_at":"${at}"}`, field: /admin_graphql_api_id is missing/ },
      { name: "refund with a text order id", topic: "refunds/create", body: `{"admin_graphql_api_id":"gid://shopify/Refund/1","order_id":"one","created_at":"${at}"}`, field: /order_id must be a numeric id/ },
      { name: "tags not a list", topic: "customer.tags_added", body: `{"customerId":"gid://shopify/Customer/1","tags":"gold"}`, field: /tags must be an array/ },
      { name: "fulfillment line without quantity", topic: "fulfillments/create", body: `{"admin_graphql_api_id":"gid://shopify/Fulfillment/1","order_id":1,"status":"success","created_at":"${at}","line_items":[{"admin_graphql_api_id":"gid://shopify/LineItem/1"}]}`, field: /line_items\[0\]\.quantity is missing/ },
      { name: "stock level without a location", topic: "inventory_levels/update", body: '{"inventory_item_id":1,"available":3}', field: /location_id is missing/ },
      { name: "redaction naming no shop", topic: "customers/redact", body: '{"customer":{"id":1},"orders_to_redact":[]}', field: /shop_domain is missing/ },
    ];
    const refused: string[] = [];
    for (const c of cases) {
      const response = await send(c.topic, c.body);
      refused.push(response.webhookId);
      expect({ name: c.name, status: response.status, message: response.body.message }).toEqual({ name: c.name, status: 422, message: expect.stringMatching(c.field) });
    }
    expect({ deliveries: await stored(), orders: await database.db.ledgerOrder.count() }).toEqual(before);
    // BullMQ records every job it adds in the queue's event stream: none of these was ever queued,
    // while the genuine delivery sent next was.
    const queuedJobIds = async () => {
      const events = await redisClient.xrange(`${queuePrefix(queuePrefixName)}:webhooks:events`, "-", "+");
      return new Set(events.map(([, fields]) => fields).filter((fields) => fields[1] === "added").map((fields) => fields[fields.indexOf("jobId") + 1]));
    };
    const genuine = await send("orders/create", orderBody({ total: "13.00" }));
    expect(genuine.status).toBe(200);
    await done(genuine.webhookId);
    const queued = await queuedJobIds();
    expect(queued.has(jobIdFor("wh", genuine.webhookId))).toBe(true);
    expect(refused.filter((id) => queued.has(jobIdFor("wh", id)))).toEqual([]);
    expect(worker.exited).toBe(false);
    expect(web.exited).toBe(false);
  });
});
