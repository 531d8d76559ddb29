// Health checks and SIGTERM, as a platform sees them: the web process's /healthz says whether
// the database and Redis answer; on SIGTERM it stops accepting connections but a webhook in
// flight is still stored, queued and answered 200 before the process exits 0. A worker
// process answers /healthz on WORKER_HEALTH_PORT and exits 0 on SIGTERM. (That a worker
// finishes the job in hand first is held in webhook-intake.test.ts.)
import { randomUUID } from "node:crypto";
import net from "node:net";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor } from "../app/adapters/queues/queue-registry.ts";
import { queuePrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { freePort, PrivateRedis } from "../scripts/lib/private-redis.ts";
import { signBody } from "./support/signed-webhook.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "drain-test.myshopify.com";

const health = async (url: string) => {
  const response = await fetch(new URL("/healthz", url));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

/**
 * A signed webhook sent in two halves over a raw socket. `started` resolves when the server has
 * read the headers and begun the request (it answered `Expect: 100-continue`); `finish` sends
 * the rest and resolves with the status line and headers of the answer.
 */
function webhookInTwoHalves(port: number, webhookId: string, body: string) {
  const socket = net.connect(port, "127.0.0.1");
  // A reset is reported by the "close" below (as a connection closed before the answer).
  socket.on("error", () => {});
  let received = "";
  const headers = [
    "POST /webhooks/orders/create HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Expect: 100-continue",
    "X-Shopify-Topic: orders/create",
    `X-Shopify-Shop-Domain: ${SHOP}`,
    "X-Shopify-API-Version: 2026-01",
    `X-Shopify-Webhook-Id: ${webhookId}`,
    `X-Shopify-Event-Id: ${randomUUID()}`,
    `X-Shopify-Triggered-At: ${new Date().toISOString()}`,
    `X-Shopify-Hmac-Sha256: ${signBody(body, TEST_API_SECRET)}`,
  ];
  const until = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(received);
        if (match) {
          socket.off("data", check);
          resolve(match[0]);
        }
      };
      socket.on("data", (chunk) => {
        received += chunk.toString();
        check();
      });
      socket.once("close", () => (pattern.test(received) ? undefined : reject(new Error(`connection closed; received: ${JSON.stringify(received)}`))));
    });
  socket.write(`${headers.join("\r\n")}\r\n\r\n${body.slice(0, 40)}`);
  return {
    started: until(/HTTP\/1\.1 100 Continue\r\n\r\n/),
    async finish() {
      socket.write(body.slice(40));
      const answer = await until(/HTTP\/1\.1 (?!100)\d{3}[^]*?\r\n\r\n/);
      socket.end();
      return answer;
    },
  };
}

describe.each(DATABASE_KINDS)("health checks and graceful shutdown on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let env: ReturnType<typeof appEnv>;
  const running: AppProcess[] = [];
  const prefix = `g${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createTestDatabase(kind, "drain");
    redis = await PrivateRedis.start();
    env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: prefix });
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD", scopes: "read_orders" } });
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await redis?.stop();
    await database?.drop();
  });

  it("web: /healthz answers 200 while the database and Redis answer, 503 naming Redis while it is down", async () => {
    const { proc, url } = await startWebProcess(env);
    running.push(proc);
    expect(await health(url)).toEqual({ status: 200, body: { ok: true, database: kind, redis: "ok" } });
    await redis.stop();
    try {
      expect(await health(url)).toEqual({ status: 503, body: { ok: false, database: kind, redis: "unreachable" } });
    } finally {
      await redis.start();
    }
    await eventually(async () => (await health(url)).status === 200, { what: "healthy again once Redis is back" });
    await proc.kill();
  });

  it("web: on SIGTERM it stops accepting, still stores, queues and answers the webhook in flight, then exits 0", async () => {
    const port = await freePort();
    const { proc } = await startWebProcess({ ...env, PORT: String(port) });
    running.push(proc);
    const webhookId = randomUUID();
    const orderId = "8300000000000000001";
    // An order as Shopify shapes it (the intake refuses one missing what the worker reads).
    const money = (amount: string) => `{"shop_money":{"amount":"${amount}","currency_code":"USD"},"presentment_money":{"amount":"${amount}","currency_code":"USD"}}`;
    const body =
      `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}","name":"#1","created_at":"2026-11-20T09:00:00Z","updated_at":"2026-11-20T09:00:00Z",` +
      `"processed_at":"2026-11-20T09:00:00Z","currency":"USD","financial_status":"paid","test":false,"cancelled_at":null,"customer":null,` +
      `"current_total_price_set":${money("10.00")},"current_total_tax_set":${money("0.00")},"current_shipping_price_set":${money("0.00")},"total_shipping_price_set":${money("0.00")},"line_items":[],"refunds":[]}`;
    const request = webhookInTwoHalves(port, webhookId, body);
    await request.started;
    const exited = new Promise<number | null>((resolve) => proc.child.once("exit", (code) => resolve(code)));
    proc.child.kill("SIGTERM");
    // New connections are refused while the request in flight holds the process open.
    await eventually(() => refused(port), { what: "the listener closed" });
    expect(proc.exited).toBe(false);
    const answer = await request.finish();
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/connection: close/i);
    expect(await exited).toBe(0);
    expect(await database.db.webhookDelivery.findUnique({ where: { webhookId } })).toMatchObject({ shop: SHOP, status: "received" });
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const queue = new Queue("webhooks", { connection, prefix: queuePrefix(prefix) });
    try {
      expect(await queue.getJobState(jobIdFor("wh", webhookId))).toBe("waiting");
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it("worker: /healthz on WORKER_HEALTH_PORT answers 200 while running; SIGTERM stops it with exit 0", async () => {
    const healthPort = await freePort();
    const worker = await startWorkerProcess({ ...env, WORKER_HEALTH_PORT: String(healthPort) });
    running.push(worker);
    const { status, body } = await health(`http://127.0.0.1:${healthPort}`);
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, redis: "ok", database: "ok", stopped: [] } });
    // The delivery the web process kept while it drained is processed.
    await eventually(async () => (await database.db.webhookDelivery.count({ where: { status: "received" } })) === 0, { what: "the kept delivery processed" });
    const exited = new Promise<number | null>((resolve) => worker.child.once("exit", (code) => resolve(code)));
    worker.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await refused(healthPort)).toBe(true);
  });
});
