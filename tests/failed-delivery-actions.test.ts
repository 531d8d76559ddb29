// Retry and Dismiss of failed webhook deliveries, on SQLite and PostgreSQL with real
// Redis: only the acting shop's deliveries change; Retry re-opens those whose payload
// is still stored and queues one job each under the delivery's own id (replacing the
// failed job BullMQ kept); Dismiss acknowledges them, after which the Overview count
// is zero, the sweep leaves them and retention and erasure still blank them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";
import { createJobQueues, type JobQueues } from "../app/adapters/queues/job-queues.server.ts";
import { jobIdFor } from "../app/adapters/queues/queue-registry.ts";
import { createProducerConnection, createWorkerConnection, queuePrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { Worker } from "bullmq";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { blankDeliveriesNaming, ERASED_PAYLOAD } from "../app/adapters/db/erasure-repository.server.ts";
import { sweepDeliveries } from "../app/workers/process-shop-lifecycle.ts";
import { dismissFailedDeliveries, retryFailedDeliveries } from "../app/use-cases/failed-deliveries.server.ts";
import { loadOverview } from "../app/use-cases/overview-admin.server.ts";
import { blankExpiredWebhookPayloads } from "../app/use-cases/payload-retention.server.ts";

const A = "shop-a.myshopify.com";
const B = "shop-b.myshopify.com";
const DAY = 86_400_000;

describe.each(DATABASE_KINDS)("failed deliveries: retry and dismiss (%s)", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let connection: ReturnType<typeof createProducerConnection>;
  let queues: JobQueues;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind, "failed_actions");
    redis = await PrivateRedis.start();
    connection = createProducerConnection(redis.url, { enableOfflineQueue: true });
  });
  beforeEach(async () => {
    // No worker serves these queues: jobs stay where the use-case put them.
    prefix = `t${randomUUID().slice(0, 8)}`;
    queues = createJobQueues(connection, prefix);
    await database.db.webhookDelivery.deleteMany({});
  });
  afterAll(async () => {
    await queues?.close();
    connection?.disconnect();
    await redis?.stop();
    await database?.drop();
  });

  const receivedAt = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY);
  const failed = (webhookId: string, shop: string, extra: { payload?: string; payloadErasedAt?: Date; daysAgo?: number } = {}) =>
    database.db.webhookDelivery.create({
      data: { webhookId, shop, topic: "orders/create", payload: extra.payload ?? `{"id": 820982911946154508, "customer": {"id": 115310627314723954}}`, status: "failed", attempts: 10, error: "downstream unavailable", receivedAt: receivedAt(extra.daysAgo ?? 2), payloadErasedAt: extra.payloadErasedAt ?? null },
    });
  const row = (webhookId: string) => database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });

  async function seed() {
    await failed("a-1", A);
    await failed("a-2", A, { daysAgo: 1 });
    await failed("a-erased", A, { payload: ERASED_PAYLOAD, payloadErasedAt: receivedAt(0) });
    await database.db.webhookDelivery.create({ data: { webhookId: "a-done", shop: A, topic: "orders/create", payload: "{}", status: "processed", attempts: 1, receivedAt: receivedAt(2) } });
    await failed("b-1", B);
    await failed("b-erased", B, { payload: ERASED_PAYLOAD, payloadErasedAt: receivedAt(0) });
    // The failed job BullMQ keeps for inspection under a-1's id, as a real failure leaves it.
    await queues.webhooks.add("orders/create", { webhookId: "a-1", shop: A, topic: "orders/create" }, { jobId: jobIdFor("wh", "a-1"), attempts: 1 });
    // Taken by hand (no processor), so the job fails for good without any handler running.
    const manualConnection = createWorkerConnection(redis.url);
    const manual = new Worker(QUEUES.webhooks.name, null, { connection: manualConnection, prefix: queuePrefix(prefix) });
    try {
      const job = await manual.getNextJob("failing-worker");
      await job!.moveToFailed(new Error("downstream unavailable"), "failing-worker", false);
    } finally {
      await manual.close();
      manualConnection.disconnect();
    }
    expect(await queues.webhooks.getJobState(jobIdFor("wh", "a-1"))).toBe("failed");
  }

  it("Retry re-queues the shop's failed deliveries that still have their payload, and nothing of another shop", async () => {
    await seed();
    expect((await loadOverview(database.db, A)).failedDeliveries).toMatchObject({ count: 3, retryable: 2 });

    const result = await retryFailedDeliveries({ db: database.db, webhooks: queues.webhooks }, A);
    expect(result).toEqual({ retried: 2, notRetryable: 1, remaining: 0 });

    for (const id of ["a-1", "a-2"]) {
      expect(await row(id)).toMatchObject({ status: "received", attempts: 0, error: null });
      const job = await queues.webhooks.getJob(jobIdFor("wh", id));
      expect(job?.data).toEqual({ webhookId: id, shop: A, topic: "orders/create" });
      expect(await job!.getState()).toBe("waiting");
    }
    // The erased one can only be dismissed; the processed one is left alone.
    expect(await row("a-erased")).toMatchObject({ status: "failed", attempts: 10 });
    expect(await row("a-done")).toMatchObject({ status: "processed" });
    // Shop B: untouched, and nothing queued for it.
    expect(await row("b-1")).toMatchObject({ status: "failed", attempts: 10, error: "downstream unavailable" });
    expect(await queues.webhooks.getJobState(jobIdFor("wh", "b-1"))).toBe("unknown");
    expect(await queues.webhooks.count()).toBe(2);
    expect((await loadOverview(database.db, A)).failedDeliveries).toMatchObject({ count: 1, retryable: 0 });
    expect((await loadOverview(database.db, B)).failedDeliveries).toMatchObject({ count: 2, retryable: 1 });

    // The sweep sees re-opened rows with their jobs waiting: nothing to give up, nothing to add.
    expect(await sweepDeliveries(database.db, queues.webhooks, new Date())).toEqual({ requeued: 0, failed: 0 });
    // A second Retry has nothing left that it can retry.
    expect(await retryFailedDeliveries({ db: database.db, webhooks: queues.webhooks }, A)).toEqual({ retried: 0, notRetryable: 1, remaining: 0 });
  });

  it("Dismiss acknowledges the shop's failed deliveries: the Overview clears, rows stay, shop B keeps its own", async () => {
    await seed();
    expect(await dismissFailedDeliveries(database.db, A)).toEqual({ dismissed: 3, erased: 1 });
    for (const id of ["a-1", "a-2", "a-erased"]) expect(await row(id)).toMatchObject({ status: "failed_acknowledged", attempts: 10 });
    expect((await row("a-1")).error).toBe("downstream unavailable");
    expect((await loadOverview(database.db, A)).failedDeliveries).toMatchObject({ count: 0, retryable: 0, latest: null });
    expect(await row("b-1")).toMatchObject({ status: "failed" });
    expect(await row("b-erased")).toMatchObject({ status: "failed" });
    expect((await loadOverview(database.db, B)).failedDeliveries.count).toBe(2);
    // Dismissed deliveries are not retried, nor re-queued by the sweep.
    expect(await retryFailedDeliveries({ db: database.db, webhooks: queues.webhooks }, A)).toEqual({ retried: 0, notRetryable: 0, remaining: 0 });
    expect(await sweepDeliveries(database.db, queues.webhooks, new Date())).toEqual({ requeued: 0, failed: 0 });
    expect(await queues.webhooks.getJobState(jobIdFor("wh", "a-2"))).toBe("unknown");
  });

  it("retention and a customer's erasure still blank dismissed deliveries", async () => {
    await seed();
    await dismissFailedDeliveries(database.db, A);
    // a-1 names the customer; erasing them blanks it although it was dismissed.
    await blankDeliveriesNaming(database.db, A, { customerGids: ["gid://shopify/Customer/115310627314723954"], orderGids: [] }, new Date());
    expect(await row("a-1")).toMatchObject({ status: "failed_acknowledged", payload: ERASED_PAYLOAD });
    expect((await row("a-1")).payloadErasedAt).not.toBeNull();
    // Past retention (half a day): a-2, received a day ago, is blanked like any delivery that is done.
    await blankExpiredWebhookPayloads(database.db, { retentionMs: DAY / 2, now: new Date() });
    expect(await row("a-2")).toMatchObject({ status: "failed_acknowledged", payload: ERASED_PAYLOAD });
  });

  it("a delivery blanked after Retry read it is neither re-opened nor queued", async () => {
    await failed("late-blank", A);
    const db = database.db;
    // Retention blanks it between the use-case's read and its write: simulated by a db whose first read is followed by the blanking.
    let blanked = false;
    const racing = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== "webhookDelivery") return Reflect.get(target, prop, receiver);
        const delegate = target.webhookDelivery;
        return new Proxy(delegate, {
          get(d, method, r) {
            const original = Reflect.get(d, method, r) as (...args: unknown[]) => Promise<unknown>;
            if (method !== "updateMany" || blanked) return typeof original === "function" ? original.bind(d) : original;
            return async (...args: unknown[]) => {
              blanked = true;
              await d.update({ where: { webhookId: "late-blank" }, data: { payload: ERASED_PAYLOAD, payloadErasedAt: new Date() } });
              return original.apply(d, args);
            };
          },
        });
      },
    });
    const result = await retryFailedDeliveries({ db: racing, webhooks: queues.webhooks }, A);
    expect(result).toEqual({ retried: 0, notRetryable: 1, remaining: 0 });
    expect(await row("late-blank")).toMatchObject({ status: "failed" });
    expect(await queues.webhooks.getJobState(jobIdFor("wh", "late-blank"))).toBe("unknown");
  });

  it("when queuing fails after the rows were re-opened, the error surfaces and the sweep queues them later", async () => {
    await failed("a-unqueued", A);
    const broken = new Proxy(queues.webhooks, {
      get(target, prop, receiver) {
        if (prop === "addBulk") return async () => Promise.reject(new Error("Redis unavailable"));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await expect(retryFailedDeliveries({ db: database.db, webhooks: broken }, A)).rejects.toThrow("Redis unavailable");
    expect(await row("a-unqueued")).toMatchObject({ status: "received", attempts: 0 });
    expect(await sweepDeliveries(database.db, queues.webhooks, new Date(Date.now() + 2 * 60_000))).toEqual({ requeued: 1, failed: 0 });
    expect(await queues.webhooks.getJobState(jobIdFor("wh", "a-unqueued"))).toBe("waiting");
  });
});
