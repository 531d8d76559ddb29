import "@shopify/shopify-api/adapters/node";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookDelivery, SHOPIFY_RETRY_SCHEDULE_S } from "./delivery.ts";
import { Faults } from "./faults.ts";
import { readAppToml } from "./app-toml.ts";
import { payloadContext, payloadForChange } from "./payloads.ts";
import { SHOP_DOMAIN, fixtureChanges, fixtureShop } from "./payload-fixtures.ts";

const SECRET = "shpss_test_secret";
const TOML = `
client_id = "test-api-key"
application_url = "http://127.0.0.1:1"   # replaced by the receiver's URL
embedded = true

[webhooks]
api_version = "2025-10"

  [[webhooks.subscriptions]]
  topics = [ "orders/create", "orders/updated" ]
  uri = "/webhooks/orders"

  [[webhooks.subscriptions]]
  topics = ["app/uninstalled"]
  uri = "/webhooks/app/uninstalled"

  [[webhooks.subscriptions]]
  compliance_topics = ["customers/data_request", "customers/redact", "shop/redact"]
  uri = "/webhooks/compliance"
`;

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  url: string;
  at: number;
}

/** A tiny app endpoint. `answer` decides each response from the count of requests so far. */
async function receiver(answer: (n: number, req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>) {
  const got: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    got.push({ headers: req.headers, body, url: req.url ?? "", at: Date.now() });
    await answer(got.length, req, body, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, got, server };
}

const servers: Server[] = [];
const deliveries: WebhookDelivery[] = [];
afterEach(async () => {
  for (const d of deliveries.splice(0)) d.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function delivery(appUrl: string, extra: Partial<ConstructorParameters<typeof WebhookDelivery>[0]> = {}) {
  const config = readAppToml(TOML);
  const d = new WebhookDelivery({
    appUrl,
    apiSecret: SECRET,
    apiVersion: config.webhooksApiVersion!,
    subscriptions: config.subscriptions,
    ...extra,
  });
  deliveries.push(d);
  return d;
}

const ctx = payloadContext(fixtureShop(), SHOP_DOMAIN);
const orderCreate = fixtureChanges().find((c) => c.topic === "orders/create")!;
const orderEvent = () => ({ topic: "orders/create", shop: SHOP_DOMAIN, body: payloadForChange(orderCreate, ctx), eventId: "evt-1" });

describe("webhook delivery", () => {
  it("signs deliveries so that @shopify/shopify-api's own webhooks.validate accepts them", async () => {
    const api = shopifyApi({
      apiKey: "test-api-key",
      apiSecretKey: SECRET,
      apiVersion: ApiVersion.October25,
      hostName: "127.0.0.1",
      isEmbeddedApp: true,
      logger: { level: LogSeverity.Error },
    });
    const results: unknown[] = [];
    const app = await receiver(async (_n, req, body, res) => {
      results.push(await api.webhooks.validate({ rawBody: body, rawRequest: req, rawResponse: res }));
      res.writeHead(200).end();
    });
    const d = delivery(app.url);
    const [webhookId] = d.send({ ...orderEvent(), triggeredAt: "2022-01-02T00:00:00.000Z" });
    await d.idle();

    expect(results).toEqual([
      {
        valid: true,
        webhookType: "webhooks",
        hmac: expect.any(String),
        topic: "ORDERS_CREATE",
        domain: SHOP_DOMAIN,
        apiVersion: "2025-10",
        webhookId,
        eventId: "evt-1",
        triggeredAt: "2022-01-02T00:00:00.000Z",
      },
    ]);
    const h = app.got[0].headers;
    expect(app.got[0].url).toBe("/webhooks/orders");
    expect(h["content-type"]).toBe("application/json");
    expect(webhookId).toMatch(/^[0-9a-f-]{36}$/);
    // The raw body carries the exact 64-bit id.
    expect(app.got[0].body).toContain('"id":820982911946154508');

    // A body signed with another secret is refused by the same check.
    const tampered = await receiver(async (_n, req, body, res) => {
      results.push(await api.webhooks.validate({ rawBody: body, rawRequest: req, rawResponse: res }));
      res.writeHead(200).end();
    });
    const wrong = new WebhookDelivery({ appUrl: tampered.url, apiSecret: "other", apiVersion: "2025-10", subscriptions: d.subscriptions });
    deliveries.push(wrong);
    wrong.send(orderEvent());
    await wrong.idle();
    expect(results[1]).toMatchObject({ valid: false, reason: "invalid_hmac" });
  });

  it("sends one delivery per subscribed endpoint, none for unsubscribed topics, compliance topics to their uri", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(200).end());
    const d = delivery(app.url);
    expect(d.send({ topic: "customers/update", shop: SHOP_DOMAIN, body: {} })).toEqual([]);
    d.send({ topic: "shop/redact", shop: SHOP_DOMAIN, body: { shop_id: 1, shop_domain: SHOP_DOMAIN } });
    await d.idle();
    expect(app.got.map((g) => [g.url, g.headers["x-shopify-topic"]])).toEqual([["/webhooks/compliance", "shop/redact"]]);
  });

  it("retries a failing endpoint with the same body and Webhook-Id, on a time-compressed schedule", async () => {
    const FAILURES = 3;
    const app = await receiver((n, _req, _body, res) => void res.writeHead(n <= FAILURES ? 500 : 200).end());
    // The 4-hour schedule compressed 1,000×: the first three waits are 10, 30 and 60 ms.
    const d = delivery(app.url, { timeCompression: 1_000 });
    const [id] = d.send({ ...orderEvent(), triggeredAt: "2022-01-02T00:00:00.000Z" });
    await d.idle();

    expect(app.got).toHaveLength(FAILURES + 1);
    // Triggered-At is when the event happened, not when this attempt went out.
    expect(app.got.map((g) => g.headers["x-shopify-triggered-at"])).toEqual(Array(FAILURES + 1).fill("2022-01-02T00:00:00.000Z"));
    expect(new Set(app.got.map((g) => g.headers["x-shopify-webhook-id"]))).toEqual(new Set([id]));
    expect(new Set(app.got.map((g) => g.body)).size).toBe(1);
    expect(new Set(app.got.map((g) => g.headers["x-shopify-hmac-sha256"])).size).toBe(1);
    expect(d.log().map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 500, false],
      [4, 200, true],
    ]);
    // Each retry waits at least its place in Shopify's schedule (10 s, 30 s, 60 s, compressed); timers never
    // fire early, so these lower bounds hold however busy the machine is.
    const gaps = app.got.slice(1).map((g, i) => g.at - app.got[i].at);
    gaps.forEach((gap, i) => expect({ retry: i + 1, gap: gap >= (SHOPIFY_RETRY_SCHEDULE_S[i] * 1000) / 1_000 - 1 }).toEqual({ retry: i + 1, gap: true }));
  });

  it("gives up after 8 retries; a redirect counts as a failure", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(302, { Location: "/elsewhere" }).end());
    const d = delivery(app.url, { timeCompression: 14_400 });
    d.send(orderEvent());
    await d.idle();
    expect(SHOPIFY_RETRY_SCHEDULE_S).toHaveLength(8);
    expect(SHOPIFY_RETRY_SCHEDULE_S.reduce((a, b) => a + b)).toBe(4 * 3600);
    expect(app.got).toHaveLength(9);
    expect(app.got.every((g) => g.url === "/webhooks/orders")).toBe(true);
    expect(d.log().every((a) => a.status === 302 && !a.ok)).toBe(true);
  });

  it("treats an answer slower than the limit as a failure and retries it", async () => {
    const app = await receiver(async (n, _req, _body, res) => {
      if (n === 1) await new Promise((r) => setTimeout(r, 400));
      if (!res.destroyed) res.writeHead(200).end();
    });
    // The 5 s limit shortened to 150 ms so the test stays fast.
    const d = delivery(app.url, { timeCompression: 14_400, answerLimitMs: 150 });
    d.send(orderEvent());
    await d.idle();
    expect(d.log().map((a) => [a.attempt, a.status])).toEqual([
      [1, "timeout"],
      [2, 200],
    ]);
    // Cut at the limit (a "timeout", not the 200 that came at 400 ms), never before it.
    expect(d.log()[0].ms).toBeGreaterThanOrEqual(140);
  });

  it("gives up on a connection not made within the connect limit, long before the answer limit", async () => {
    // Accepts TCP but never completes the TLS handshake: the connection is never made.
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const d = delivery(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`, { connectLimitMs: 100, answerLimitMs: 60_000, retryScheduleS: [] });
      d.send(orderEvent());
      await d.idle();
      expect(d.log().map((a) => [a.status, a.ok, a.error])).toEqual([["timeout", false, "no connection within 100 ms"]]);
      expect(sockets).toHaveLength(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("reuses one kept-alive connection for successive deliveries", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(200).end());
    let connections = 0;
    app.server.on("connection", () => connections++);
    const d = delivery(app.url);
    for (let i = 0; i < 3; i++) {
      d.send(orderEvent());
      await d.idle();
    }
    expect(app.got).toHaveLength(3);
    expect(connections).toBe(1);
  });

  it("sends one delivery per subscription, each with its own Webhook-Id and its X-Shopify-Name", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(200).end());
    const d = delivery(app.url, {
      subscriptions: [
        { topics: ["orders/create"], uri: "/webhooks", compliance: false, name: "tier-intake" },
        { topics: ["orders/create"], uri: "/webhooks", compliance: false, name: "audit" },
        { topics: ["orders/create"], uri: "/webhooks/plain", compliance: false },
      ],
    });
    const ids = d.send(orderEvent());
    await d.idle();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const seen = app.got.map((g) => [g.url, g.headers["x-shopify-name"] ?? null, g.headers["x-shopify-event-id"]]);
    expect(seen.sort()).toEqual([
      ["/webhooks", "audit", "evt-1"],
      ["/webhooks", "tier-intake", "evt-1"],
      ["/webhooks/plain", null, "evt-1"],
    ]);
  });

  it("drops the connection mid-request when asked, counts it as failed and retries the same delivery", async () => {
    const seen: { webhookId: string; complete: boolean; bytes: number; expected: number }[] = [];
    const server = createServer((req, res) => {
      const entry = { webhookId: String(req.headers["x-shopify-webhook-id"]), complete: false, bytes: 0, expected: Number(req.headers["content-length"]) };
      seen.push(entry);
      req.on("data", (c: Buffer) => (entry.bytes += c.length));
      req.on("error", () => {});
      req.on("end", () => {
        entry.complete = true;
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push(server);
    // Only the first attempt is dropped.
    class DropFirst extends Faults {
      drops = 0;
      override webhookIsDropped() {
        return this.drops++ === 0;
      }
    }
    const d = delivery(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { faults: new DropFirst(), timeCompression: 14_400 });
    const [id] = d.send(orderEvent());
    await d.idle();
    expect(d.log().map((a) => [a.attempt, a.status, a.webhookId])).toEqual([
      [1, "error", id],
      [2, 200, id],
    ]);
    expect(seen.map((s) => [s.webhookId, s.complete])).toEqual([
      [id, false],
      [id, true],
    ]);
    // The first request was cut off partway through its body.
    expect(seen[0].bytes).toBeLessThan(seen[0].expected);
    expect(seen[1].bytes).toBe(seen[1].expected);
  });

  it("the drop fault is switched like the others (validated, merged, reset)", () => {
    const f = new Faults();
    expect(f.webhookIsDropped()).toBe(false);
    f.set({ seed: 1, webhooks: { dropProbability: 1 } });
    expect(f.webhookIsDropped()).toBe(true);
    expect(() => f.set({ webhooks: { dropProbability: 1.5 } })).toThrow();
    expect(f.reset().webhooks.dropProbability).toBe(0);
  });

  it("duplicates deliveries (same Webhook-Id and Event-Id) with the configured probability", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(200).end());
    const d = delivery(app.url, { faults: new Faults({ seed: 7, webhooks: { duplicateProbability: 1 } }) });
    const [id] = d.send(orderEvent());
    await d.idle();
    expect(app.got).toHaveLength(2);
    expect(app.got.map((g) => g.headers["x-shopify-webhook-id"])).toEqual([id, id]);
    expect(app.got.map((g) => g.headers["x-shopify-event-id"])).toEqual(["evt-1", "evt-1"]);
    expect(d.log().map((a) => a.duplicate).sort()).toEqual([false, true]);
  });

  it("reorders deliveries within the window, and delays them", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(200).end());
    const faults = new Faults({ seed: 42, webhooks: { reorderWindowMs: 300 } });
    const d = delivery(app.url, { faults });
    const sent = Array.from({ length: 20 }, (_, i) => d.send({ topic: "orders/updated", shop: SHOP_DOMAIN, body: { seq: i } })[0]);
    await d.idle();
    const order = app.got.map((g) => JSON.parse(g.body).seq);
    expect(order).toHaveLength(20);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(new Set(app.got.map((g) => g.headers["x-shopify-webhook-id"]))).toEqual(new Set(sent));

    faults.set({ webhooks: { reorderWindowMs: 0, delayMs: 250 } });
    const t0 = Date.now();
    d.send(orderEvent());
    await d.idle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  it("loses some events for good (no attempt, no retry), holds a share back as late, reorders only a share, and counts each", async () => {
    const app = await receiver((_n, _req, _body, res) => void res.writeHead(200).end());
    const faults = new Faults({ seed: 9, webhooks: { lostProbability: 0.25, lateProbability: 0.2, lateMs: 400, reorderWindowMs: 100, reorderProbability: 0.3 } });
    const d = delivery(app.url, { faults });
    const t0 = Date.now();
    const sent = Array.from({ length: 40 }, (_, i) => d.send({ topic: "orders/updated", shop: SHOP_DOMAIN, body: { seq: i } })[0]);
    await d.idle();
    const { webhookLost, webhookLate, webhookReordered } = faults.counts;
    expect(webhookLost).toBeGreaterThan(0);
    expect(webhookLate).toBeGreaterThan(0);
    expect(webhookReordered).toBeGreaterThan(0);
    expect(webhookReordered).toBeLessThan(40 - webhookLost);
    // The lost ones never reached the app, nor the log; the rest arrived once each.
    expect(app.got).toHaveLength(40 - webhookLost);
    expect(d.log()).toHaveLength(40 - webhookLost);
    expect(new Set(app.got.map((g) => g.headers["x-shopify-webhook-id"])).size).toBe(40 - webhookLost);
    expect(sent).toHaveLength(40);
    const late = app.got.filter((g) => g.at - t0 >= 390);
    expect(late.length).toBeGreaterThanOrEqual(webhookLate);
    faults.resetCounts();
    expect(faults.counts.webhookLost).toBe(0);
  });

  it("idle() waits for everything in flight; a seeded run repeats itself", async () => {
    const run = async () => {
      const app = await receiver((n, _req, _body, res) => void res.writeHead(n % 3 === 0 ? 503 : 200).end());
      const d = delivery(app.url, { timeCompression: 14_400, faults: new Faults({ seed: 3, webhooks: { duplicateProbability: 0.3 } }) });
      for (let i = 0; i < 10; i++) d.send({ topic: "orders/updated", shop: SHOP_DOMAIN, body: { seq: i } });
      await d.idle();
      expect(d.pending).toBe(0);
      return d.log().filter((a) => a.ok).length;
    };
    const a = await run();
    expect(a).toBeGreaterThanOrEqual(10);
    expect(await run()).toBe(a);
  });
});

describe("shopify.app.toml reader", () => {
  it("reads webhook subscriptions, compliance topics, scopes and the API version", () => {
    const t = readAppToml(`${TOML}
[access_scopes]
# comma-separated, as the CLI writes it
scopes = "read_customers,write_customers, read_orders"

[customer.metafields.app.tier]
type = "single_line_text_field"
name = 'Tier'
access.admin = "merchant_read"
`);
    expect(readAppToml(`[[webhooks.subscriptions]]\ntopics = ["orders/create"]\nuri = "/w"\nname = "tier-intake"\n`).subscriptions[0].name).toBe("tier-intake");
    expect(t.clientId).toBe("test-api-key");
    expect(t.webhooksApiVersion).toBe("2025-10");
    expect(t.scopes).toEqual(["read_customers", "write_customers", "read_orders"]);
    expect(t.subscriptions).toEqual([
      { topics: ["orders/create", "orders/updated"], uri: "/webhooks/orders", compliance: false, filter: undefined, includeFields: undefined },
      { topics: ["app/uninstalled"], uri: "/webhooks/app/uninstalled", compliance: false, filter: undefined, includeFields: undefined },
      { topics: ["customers/data_request", "customers/redact", "shop/redact"], uri: "/webhooks/compliance", compliance: true },
    ]);
  });
});
