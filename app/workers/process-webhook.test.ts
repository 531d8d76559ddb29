// A webhook job that runs before its delivery row commits (the intake writes the
// row and queues the job side by side) steps aside without holding a worker slot
// or counting an attempt, and is processed once the row is there; one whose row
// never comes is retried, then given up as gone. Real Redis, real BullMQ worker.
import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../scripts/lib/app-processes.ts";
import type { TestDatabase } from "../../tests/support/test-database.ts";
import { startWebhookWorker, type WebhookWorkerHarness } from "../../tests/support/webhook-worker.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { jobIdFor } from "../adapters/queues/queue-registry.ts";
import { enqueueDeliveries } from "../adapters/queues/webhook-delivery-jobs.server.ts";
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookTopic } from "../adapters/shopify/webhook-topics.ts";
import { createLogger } from "../logger.server.ts";
import { createWebhookProcessor } from "./process-webhook.ts";
import type { WebhookHandler } from "./webhook-handlers.ts";

const SHOP = "late-row.myshopify.com";

describe("webhook job before its row", () => {
  let harness: WebhookWorkerHarness;
  let database: TestDatabase;
  let queues: JobQueues;
  const handled: string[] = [];

  beforeAll(async () => {
    const handlers = new Proxy({}, { get: () => (async (ctx) => (handled.push(ctx.webhookId), { status: "processed" })) as WebhookHandler }) as Record<WebhookTopic, WebhookHandler>;
    harness = await startWebhookWorker("late_row", {
      processor: (db) => createWebhookProcessor({ db: db.db, handlers, requestTierRecompute: async () => {}, schedulePurge: async () => {}, log: createLogger("test", "error") }),
    });
    ({ database, queues } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const enqueue = (webhookId: string) =>
    queues.webhooks.add("orders/create", { webhookId, shop: SHOP, topic: "orders/create" }, { jobId: jobIdFor("wh", webhookId), attempts: 3, backoff: { type: "fixed", delay: 100 } });

  it("steps aside until the row commits, then processes it once, counting one attempt", async () => {
    const webhookId = randomUUID();
    await enqueue(webhookId);
    await new Promise((r) => setTimeout(r, 400));
    // It has been looking every 50 ms, without an attempt counted or the handler run.
    const early = await queues.webhooks.getJob(jobIdFor("wh", webhookId));
    expect(early?.attemptsMade).toBe(0);
    expect(["delayed", "waiting", "active"]).toContain(await early?.getState());
    expect(handled).not.toContain(webhookId);
    await database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic: "orders/create", payload: "{}" } });
    const row = await eventually(async () => {
      const r = await database.db.webhookDelivery.findUnique({ where: { webhookId } });
      return r?.status === "processed" ? r : null;
    }, { timeoutMs: 10_000, what: "processed" });
    expect(row.attempts).toBe(1);
    expect(handled.filter((id) => id === webhookId)).toHaveLength(1);
  });

  it("gives up a job whose row never comes (its write failed and was answered 503) once the grace period is over", async () => {
    // Queued long ago: the grace period is over.
    const stale = { data: { webhookId: randomUUID(), shop: SHOP, topic: "orders/create" }, timestamp: Date.now() - 60_000, attemptsMade: 0 } as Job<{ webhookId: string; shop: string; topic: string }>;
    const processor = createWebhookProcessor({ db: database.db, handlers: {} as Record<WebhookTopic, WebhookHandler>, requestTierRecompute: async () => {}, schedulePurge: async () => {}, log: createLogger("test", "error") });
    await expect(processor(stale, "no-token")).rejects.toThrow(/not stored yet/);
    Object.assign(stale, { attemptsMade: 3 });
    await expect(processor(stale, "no-token")).resolves.toMatchObject({ status: "gone" });
  });
});

// A batch job (deliveries the intake accepted together) runs each delivery once, leaves
// alone those already done, and hands each one that failed or whose row is not there
// yet to a job of its own, with the lone delivery's retries: the batch never reruns whole.
describe("a batch of deliveries", () => {
  let harness: WebhookWorkerHarness;
  let database: TestDatabase;
  let queues: JobQueues;
  const runs: string[] = [];
  const failOnce = new Set<string>();
  const unreadable = new Set<string>();

  beforeAll(async () => {
    const handler: WebhookHandler = async (ctx) => {
      runs.push(ctx.webhookId);
      if (unreadable.has(ctx.webhookId)) throw new PayloadError("orders/create: id is missing");
      if (failOnce.delete(ctx.webhookId)) throw new Error("database is locked");
      return { status: "processed" };
    };
    const handlers = new Proxy({}, { get: () => handler }) as Record<WebhookTopic, WebhookHandler>;
    harness = await startWebhookWorker("batch_jobs", {
      processor: (db) =>
        createWebhookProcessor({
          db: db.db,
          handlers,
          requestTierRecompute: async () => {},
          schedulePurge: async () => {},
          requeueDeliveries: (deliveries, delayMs) => enqueueDeliveries(harness.queues.webhooks, deliveries, { delayMs }),
          log: createLogger("test", "error"),
        }),
      concurrency: 4,
    });
    ({ database, queues } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const row = (webhookId: string) => database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
  const store = (webhookId: string, data: Partial<{ status: string; attempts: number }> = {}) =>
    database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic: "orders/create", payload: "{}", ...data } });

  it("runs each delivery once, skips the done ones, and tries a failed one or a late row again alone", async () => {
    const [ok, done, flaky, broken, late] = ["ok", "done", "flaky", "broken", "late"].map((name) => `${name}-${randomUUID()}`);
    await store(ok);
    await store(done, { status: "processed", attempts: 1 });
    await store(flaky);
    await store(broken);
    failOnce.add(flaky);
    unreadable.add(broken);
    const batch = [ok, done, flaky, broken, late].map((webhookId) => ({ webhookId, shop: SHOP, topic: "orders/create" }));
    await queues.webhooks.add("batch", { batch });
    // The late row commits after the batch ran: its own job waits for it.
    await eventually(async () => (await queues.webhooks.getJob(jobIdFor("wh", late))) ?? null, { timeoutMs: 10_000, what: "the late delivery's own job" });
    await store(late);

    for (const id of [ok, flaky, late]) {
      await eventually(async () => ((await row(id)).status === "processed" ? true : null), { timeoutMs: 10_000, what: `${id} processed` });
    }
    await eventually(async () => ((await row(broken)).status === "failed" ? true : null), { timeoutMs: 10_000, what: "the unreadable one failed" });
    expect(await row(ok)).toMatchObject({ attempts: 1, error: null });
    // The failed try counted, then its own job ran it.
    expect(await row(flaky)).toMatchObject({ attempts: 2, error: null });
    expect(await row(broken)).toMatchObject({ attempts: 1, error: "orders/create: id is missing" });
    expect(await row(done)).toMatchObject({ status: "processed", attempts: 1 });
    expect(await row(late)).toMatchObject({ attempts: 1 });
    const count = (id: string) => runs.filter((r) => r === id).length;
    expect([ok, done, flaky, broken, late].map(count)).toEqual([1, 0, 2, 1, 1]);
  });
});
