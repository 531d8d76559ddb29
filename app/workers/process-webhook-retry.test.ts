// A retried webhook job finishes what its first try began: the first try stores the
// order (or refund) and then fails to queue the tier recomputation (Redis restarting);
// BullMQ retries the job, which finds the effect already stored and must still ask
// for the recomputation. Also when the retry is a fresh job the stuck-delivery sweep
// queued (the first job lost, as Redis loses it on a restart). Real BullMQ worker on a private Redis, the real processor
// and webhook handlers, a real SQLite database.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../scripts/lib/app-processes.ts";
import type { TestDatabase } from "../../tests/support/test-database.ts";
import { startWebhookWorker, type WebhookWorkerHarness } from "../../tests/support/webhook-worker.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { jobIdFor } from "../adapters/queues/queue-registry.ts";
import { createLogger } from "../logger.server.ts";
import { createWebhookProcessor } from "./process-webhook.ts";
import { webhookHandlers } from "./webhook-handlers.ts";
import { SWEEP_AFTER_MS, sweepDeliveries } from "./process-shop-lifecycle.ts";

const SHOP = "retry.myshopify.com";
const CUSTOMER = "gid://shopify/Customer/6100000000000000001";
const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });

describe("a retried webhook job after the recomputation could not be queued", () => {
  let harness: WebhookWorkerHarness;
  let database: TestDatabase;
  let queues: JobQueues;
  /** Per webhook: how many times its recomputation was asked for, and of whom. */
  const asked = new Map<string, string[][]>();
  const failOnce = new Set<string>();

  beforeAll(async () => {
    let current = "";
    harness = await startWebhookWorker("retry", {
      prepare: (db) => db.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } }),
      processor: (db) => {
        const processor = createWebhookProcessor({
          db: db.db,
          handlers: webhookHandlers({ purgeDelayMs: 0 }),
          requestTierRecompute: async (_shop, gids) => {
            // The first try's enqueue fails as it does while Redis restarts.
            if (failOnce.delete(current)) throw new Error("Connection is closed.");
            asked.set(current, [...(asked.get(current) ?? []), gids]);
          },
          schedulePurge: async () => {},
          log: createLogger("test", "error"),
        });
        return async (job, token) => {
          current = job.data.webhookId;
          return processor(job, token);
        };
      },
      concurrency: 1,
    });
    ({ database, queues } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function deliver(topic: string, payload: object): Promise<string> {
    const webhookId = randomUUID();
    failOnce.add(webhookId);
    await database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic, payload: JSON.stringify(payload) } });
    await queues.webhooks.add(topic, { webhookId, shop: SHOP, topic }, { jobId: jobIdFor("wh", webhookId), attempts: 3, backoff: { type: "fixed", delay: 20 } });
    const row = await eventually(async () => {
      const r = await database.db.webhookDelivery.findUnique({ where: { webhookId } });
      return r?.status === "processed" ? r : null;
    }, { timeoutMs: 15_000, what: `${topic} processed` });
    // One failed attempt (stored, not queued), then the retry.
    expect(row.attempts).toBe(2);
    expect(failOnce.has(webhookId)).toBe(false);
    return webhookId;
  }

  it("refunds/create: the refund is recorded on the first try; the retry still asks for the recomputation", async () => {
    const at = new Date("2026-11-01T10:00:00Z");
    await saveOrderSnapshot(database.db, SHOP, { orderId: "gid://shopify/Order/6200000000000000001", customerId: CUSTOMER, processedAt: at, updatedAt: at, currency: "USD", currentTotalMinor: 250_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, null);
    const webhookId = await deliver("refunds/create", {
      id: "6300000000000000001",
      admin_graphql_api_id: "gid://shopify/Refund/6300000000000000001",
      order_id: "6200000000000000001",
      created_at: "2026-11-02T10:00:00Z",
      refund_line_items: [],
      refund_shipping_lines: [],
      order_adjustments: [],
      transactions: [{ kind: "refund", status: "success", amount: "600.00", currency: "USD" }],
    });
    expect(await database.db.ledgerRefund.count({ where: { shop: SHOP } })).toBe(1);
    expect(asked.get(webhookId)).toEqual([[CUSTOMER]]);
  });

  it("orders/create: the order is stored on the first try; the retry still asks for the recomputation", async () => {
    const webhookId = await deliver("orders/create", {
      id: "6200000000000000002",
      admin_graphql_api_id: "gid://shopify/Order/6200000000000000002",
      created_at: "2026-11-03T10:00:00Z",
      updated_at: "2026-11-03T10:00:00Z",
      currency: "USD",
      test: false,
      current_total_price_set: money("80.00"),
      customer: { id: "6100000000000000001", admin_graphql_api_id: CUSTOMER },
    });
    expect(await database.db.ledgerOrder.count({ where: { shop: SHOP, orderGid: "gid://shopify/Order/6200000000000000002" } })).toBe(1);
    expect(asked.get(webhookId)).toEqual([[CUSTOMER]]);
  });
  it("a delivery re-queued by the sweep after a failed attempt is a retry too: it still asks for the recomputation", async () => {
    const at = new Date("2026-11-05T10:00:00Z");
    await saveOrderSnapshot(database.db, SHOP, { orderId: "gid://shopify/Order/6200000000000000003", customerId: CUSTOMER, processedAt: at, updatedAt: at, currency: "USD", currentTotalMinor: 90_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, null);
    const webhookId = randomUUID();
    const topic = "refunds/create";
    failOnce.add(webhookId);
    const payload = {
      id: "6300000000000000003",
      admin_graphql_api_id: "gid://shopify/Refund/6300000000000000003",
      order_id: "6200000000000000003",
      created_at: "2026-11-06T10:00:00Z",
      refund_line_items: [],
      refund_shipping_lines: [],
      order_adjustments: [],
      transactions: [{ kind: "refund", status: "success", amount: "100.00", currency: "USD" }],
    };
    await database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic, payload: JSON.stringify(payload) } });
    // The first job's retry is far off, and then lost with the queue's data: only the sweep brings the delivery back.
    const jobId = jobIdFor("wh", webhookId);
    await queues.webhooks.add(topic, { webhookId, shop: SHOP, topic }, { jobId, attempts: 2, backoff: { type: "fixed", delay: 3_600_000 } });
    await eventually(async () => ((await database.db.webhookDelivery.findUnique({ where: { webhookId } }))?.attempts === 1 ? true : null), { timeoutMs: 15_000, what: "first attempt recorded" });
    await eventually(async () => ((await queues.webhooks.getJobState(jobId)) === "delayed" ? true : null), { timeoutMs: 15_000, what: "first job waiting for its retry" });
    await queues.webhooks.remove(jobId);
    expect(await database.db.ledgerRefund.count({ where: { shop: SHOP, refundGid: payload.admin_graphql_api_id } })).toBe(1);
    expect(asked.get(webhookId)).toBeUndefined();

    const row = await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
    expect(await sweepDeliveries(database.db, queues.webhooks, new Date(row.receivedAt.getTime() + SWEEP_AFTER_MS + 1_000))).toMatchObject({ requeued: 1 });
    const done = await eventually(async () => {
      const r = await database.db.webhookDelivery.findUnique({ where: { webhookId } });
      return r?.status === "processed" ? r : null;
    }, { timeoutMs: 15_000, what: "swept delivery processed" });
    expect(done.attempts).toBe(2);
    expect(asked.get(webhookId)).toEqual([[CUSTOMER]]);
  });
});
