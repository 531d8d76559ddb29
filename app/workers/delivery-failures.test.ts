// Failures that end: a delivery whose payload cannot be parsed, or whose handler
// fails on every try, is marked failed after its last attempt and is not queued
// again by the sweep; the sweep gives up rows that have used their tries and
// reaches deliveries that are merely late, however many failing rows there are.
// Real Redis, real BullMQ worker, real SQLite.
import { randomUUID } from "node:crypto";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../scripts/lib/app-processes.ts";
import type { TestDatabase } from "../../tests/support/test-database.ts";
import { startWebhookWorker, type WebhookWorkerHarness } from "../../tests/support/webhook-worker.ts";
import { createJobQueues, type JobQueues } from "../adapters/queues/job-queues.server.ts";
import { jobIdFor, QUEUES } from "../adapters/queues/queue-registry.ts";
import { createWorkerConnection, queuePrefix } from "../adapters/queues/redis-connection.server.ts";
import { createLogger } from "../logger.server.ts";
import { MAX_DELIVERY_ATTEMPTS, sweepDeliveries } from "./process-shop-lifecycle.ts";
import { createWebhookProcessor } from "./process-webhook.ts";
import { webhookHandlers } from "./webhook-handlers.ts";
import { retryFailedDeliveries } from "../use-cases/failed-deliveries.server.ts";

const SHOP = "failing.myshopify.com";
const MINUTE = 60_000;

describe("deliveries that keep failing", () => {
  let harness: WebhookWorkerHarness;
  let database: TestDatabase;
  let queues: JobQueues;
  /** Connections a test opens beyond the harness's own. */
  const connections: ReturnType<typeof createWorkerConnection>[] = [];
  let customerStoreDown = false;

  beforeAll(async () => {
    const real = webhookHandlers({ purgeDelayMs: 0 });
    const handlers = {
      ...real,
      "fulfillments/create": async () => {
        throw new Error("downstream unavailable");
      },
      // Fails while its cause lasts, then is handled by the real handler.
      "customers/update": async (ctx: Parameters<ReturnType<typeof webhookHandlers>["customers/update"]>[0]) => {
        if (customerStoreDown) throw new Error("customer store unavailable");
        return real["customers/update"](ctx);
      },
    };
    harness = await startWebhookWorker("failing", {
      processor: (db) => createWebhookProcessor({ db: db.db, handlers, requestTierRecompute: async () => {}, schedulePurge: async () => {}, log: createLogger("test", "error") }),
    });
    ({ database, queues } = harness);
  });

  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await harness?.close();
  });

  const store = (webhookId: string, topic: string, payload: string, extra: { receivedAt?: Date; attempts?: number } = {}) =>
    database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic, payload, ...extra } });
  const enqueue = (webhookId: string, topic: string) =>
    queues.webhooks.add(topic, { webhookId, shop: SHOP, topic }, { jobId: jobIdFor("wh", webhookId), attempts: 3, backoff: { type: "fixed", delay: 20 } });
  const ended = (webhookId: string) =>
    eventually(async () => {
      const row = await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
      const state = await queues.webhooks.getJobState(jobIdFor("wh", webhookId));
      return row.status !== "received" && (state === "failed" || state === "completed") ? row : null;
    }, { timeoutMs: 15_000, what: `delivery ${webhookId} ended` });
  const inAMinute = () => new Date(Date.now() + 2 * MINUTE);

  it("marks failed, at once, a delivery whose payload cannot be parsed, and the sweep leaves it", async () => {
    const webhookId = randomUUID();
    await store(webhookId, "orders/create", '{"id": 1, "line_items": [');
    await enqueue(webhookId, "orders/create");
    const row = await ended(webhookId);
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row.error).toMatch(/cannot be parsed/);
    const swept = await sweepDeliveries(database.db, queues.webhooks, inAMinute());
    expect(swept.requeued).toBe(0);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("ends a delivery nested thousands of levels deep (stored before the intake refused such bodies)", async () => {
    const webhookId = randomUUID();
    await store(webhookId, "orders/create", '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000));
    await enqueue(webhookId, "orders/create");
    const row = await ended(webhookId);
    expect(row.status).toBe("failed");
    expect(row.error).toBeTruthy();
    expect((await sweepDeliveries(database.db, queues.webhooks, inAMinute())).requeued).toBe(0);
  });

  it("marks failed, with its reason, a delivery whose handler fails on every try, after the last one", async () => {
    const webhookId = randomUUID();
    await store(webhookId, "fulfillments/create", '{"id": 1}');
    await enqueue(webhookId, "fulfillments/create");
    const row = await ended(webhookId);
    expect(row).toMatchObject({ status: "failed", attempts: 3, error: "downstream unavailable" });
    expect((await sweepDeliveries(database.db, queues.webhooks, inAMinute())).requeued).toBe(0);
  });

  it("leaves to its batch a delivery that a batch job still waiting carries, and queues it alone once that batch is gone", async () => {
    const webhookId = randomUUID();
    await store(webhookId, "orders/create", "{}", { receivedAt: new Date(Date.now() - 10 * MINUTE) });
    // A backlog: the batch waits on queues no worker serves.
    const idle = createJobQueues(harness.producer, `t${randomUUID().slice(0, 8)}`);
    try {
      const batch = await idle.webhooks.add("batch", { batch: [{ webhookId, shop: SHOP, topic: "orders/create" }] });
      expect(await sweepDeliveries(database.db, idle.webhooks, new Date())).toEqual({ requeued: 0, failed: 0 });
      await batch.remove();
      expect(await sweepDeliveries(database.db, idle.webhooks, new Date())).toEqual({ requeued: 1, failed: 0 });
      expect(await idle.webhooks.getJobState(jobIdFor("wh", webhookId))).toBe("waiting");
    } finally {
      await idle.webhooks.obliterate({ force: true });
      await idle.close();
      // The tests after this one sweep the same table.
      await database.db.webhookDelivery.delete({ where: { webhookId } });
    }
  });

  it("marks failed a delivery whose job failed without ending it (its worker died on every try)", async () => {
    const webhookId = randomUUID();
    await store(webhookId, "orders/create", "{}", { receivedAt: new Date(Date.now() - 10 * MINUTE) });
    // A job that failed for good while the row says nothing, as a crash loop leaves it
    // (BullMQ fails a job that stalled too often): on queues no worker serves, taken by hand.
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const idle = createJobQueues(harness.producer, prefix);
    const manualConnection = createWorkerConnection(harness.redis.url);
    connections.push(manualConnection);
    const manual = new Worker(QUEUES.webhooks.name, null, { connection: manualConnection, prefix: queuePrefix(prefix) });
    try {
      await idle.webhooks.add("orders/create", { webhookId, shop: SHOP, topic: "orders/create" }, { jobId: jobIdFor("wh", webhookId), attempts: 1 });
      const job = await manual.getNextJob("crashing-worker");
      await job!.moveToFailed(new Error("job stalled more than allowable limit"), "crashing-worker", false);
      expect(await idle.webhooks.getJobState(jobIdFor("wh", webhookId))).toBe("failed");
      const swept = await sweepDeliveries(database.db, idle.webhooks, new Date());
      expect(swept).toEqual({ requeued: 0, failed: 1 });
    } finally {
      await manual.close();
      await idle.close();
    }
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ status: "failed", error: "job stalled more than allowable limit" });
  });

  it("gives up rows that used their tries, so more than a sweep's worth of them cannot crowd out a merely late delivery", async () => {
    const long = Date.now() - 60 * MINUTE;
    // Older than the late one, and more of them than one sweep used to take.
    await database.db.webhookDelivery.createMany({
      data: Array.from({ length: 1_001 }, (_, i) => ({ webhookId: `poisoned-${i}`, shop: SHOP, topic: "orders/create", payload: "{}", attempts: MAX_DELIVERY_ATTEMPTS + 2, error: "boom", receivedAt: new Date(long + i) })),
    });
    const late = randomUUID();
    await store(late, "customers/update", "{}", { receivedAt: new Date(Date.now() - 5 * MINUTE) });
    const swept = await sweepDeliveries(database.db, queues.webhooks, new Date());
    expect(swept.requeued).toBe(1);
    expect(await database.db.webhookDelivery.count({ where: { webhookId: { startsWith: "poisoned-" }, status: "failed" } })).toBe(1_001);
    // The late delivery is queued under its own id and handled.
    const row = await ended(late);
    expect(row.status).not.toBe("received");
    // A second sweep has nothing to do.
    expect(await sweepDeliveries(database.db, queues.webhooks, new Date())).toEqual({ requeued: 0, failed: 0 });
  });

  it("Retry from the Overview re-queues a failed delivery, and once its cause is gone the worker processes it", async () => {
    customerStoreDown = true;
    const webhookId = randomUUID();
    const payload = JSON.stringify({ id: 7064055069303, email: "retry@example.com", first_name: "Retry", last_name: "Later", tags: "", updated_at: "2026-11-30T10:00:00Z", admin_graphql_api_id: "gid://shopify/Customer/7064055069303" });
    // A shop of its own, so Retry has exactly this delivery to re-queue.
    const shop = "retry-later.myshopify.com";
    await database.db.webhookDelivery.create({ data: { webhookId, shop, topic: "customers/update", payload } });
    await queues.webhooks.add("customers/update", { webhookId, shop, topic: "customers/update" }, { jobId: jobIdFor("wh", webhookId), attempts: 3, backoff: { type: "fixed", delay: 20 } });
    expect(await ended(webhookId)).toMatchObject({ status: "failed", attempts: 3, error: "customer store unavailable" });

    customerStoreDown = false;
    expect(await retryFailedDeliveries({ db: database.db, webhooks: queues.webhooks }, shop)).toEqual({ retried: 1, notRetryable: 0, remaining: 0 });
    const row = await eventually(async () => {
      const r = await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
      return r.status === "processed" ? r : null;
    }, { timeoutMs: 15_000, what: "retried delivery processed" });
    expect(row).toMatchObject({ status: "processed", attempts: 1, error: null });
    expect(await database.db.customer.findFirst({ where: { shop, customerGid: "gid://shopify/Customer/7064055069303" } })).toMatchObject({ email: "retry@example.com" });
  });
});
