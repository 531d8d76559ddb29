// A run that stopped after its write (the worker SIGKILLed between the ledger write and the
// recomputation) is taken up again by a job BullMQ does not count as a retry: the batch of a
// redelivery Shopify sent meanwhile, or the sweep's fresh job. That run must still be a retry for
// the handlers: it finds the order (or customer) stored and unchanged, and only a retry asks again
// for the recomputation the first run never made. The fault replay lost a customer's spend this
// way (an order stored, the worker killed, the redelivery's batch closing it as "identical").
// Real handlers and processor on both databases; the stopped run is a processor whose
// recomputation never returns, left behind as a killed process leaves its work.
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../scripts/lib/app-processes.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { createLogger } from "../logger.server.ts";
import { createWebhookProcessor } from "./process-webhook.ts";
import { webhookHandlers } from "./webhook-handlers.ts";

const SHOP = "stopped-run.myshopify.com";
const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });
type AnyJob = Job<{ webhookId: string; shop: string; topic: string }>;

describe.each(DATABASE_KINDS)("a delivery whose first run stopped after its write, on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "stopped_run");
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A worker process: its recomputation requests are recorded; `stops` makes them never return (the process killed mid-way). */
  const worker = (stops: boolean) => {
    const asked: string[][] = [];
    const processor = createWebhookProcessor({
      db: database.db,
      handlers: webhookHandlers({ purgeDelayMs: 0 }),
      requestTierRecompute: (_shop, gids) => {
        asked.push(gids);
        return stops ? new Promise<void>(() => {}) : Promise.resolve();
      },
      schedulePurge: async () => {},
      requeueDeliveries: async () => {},
      log: createLogger("test", "error"),
    });
    return { asked, processor };
  };
  const batchJob = (webhookIds: Array<{ webhookId: string; topic: string }>) =>
    ({ data: { batch: webhookIds.map((d) => ({ ...d, shop: SHOP })) }, timestamp: Date.now(), attemptsMade: 0, stalledCounter: 0, opts: { attempts: 10 } }) as unknown as AnyJob;
  const loneJob = ({ webhookId, topic }: { webhookId: string; topic: string }) =>
    ({ data: { webhookId, shop: SHOP, topic }, timestamp: Date.now(), attemptsMade: 0, stalledCounter: 0, opts: { attempts: 10 } }) as unknown as AnyJob;

  let seq = 0;
  const orderPayload = (id: string, customerId: string) =>
    JSON.stringify({
      id, admin_graphql_api_id: `gid://shopify/Order/${id}`, created_at: "2026-11-03T10:00:00Z", updated_at: "2026-11-03T10:00:00Z", currency: "USD", test: false,
      financial_status: "paid", current_total_price_set: money("80.00"), customer: { id: customerId, admin_graphql_api_id: `gid://shopify/Customer/${customerId}` },
    });
  const customerPayload = (id: string) =>
    JSON.stringify({ id, admin_graphql_api_id: `gid://shopify/Customer/${id}`, email: `c${id}@example.com`, first_name: "Ada", last_name: "L", updated_at: "2026-11-03T10:00:00Z", created_at: "2026-11-03T10:00:00Z" });

  it.each([
    { what: "orders/create, taken up again in a redelivery's batch", topic: "orders/create", again: "batch" as const },
    { what: "orders/create, taken up again by a lone job (the sweep's, or a redelivery's)", topic: "orders/create", again: "lone" as const },
    { what: "customers/create, taken up again in a redelivery's batch", topic: "customers/create", again: "batch" as const },
  ])("$what: the second run asks for the recomputation the first never finished", async ({ topic, again }) => {
    const n = ++seq;
    const customerId = `71000000${n}`;
    const customerGid = `gid://shopify/Customer/${customerId}`;
    const webhookId = `wh-stopped-${kind}-${n}`;
    const payload = topic === "orders/create" ? orderPayload(`72000000${n}`, customerId) : customerPayload(customerId);
    await database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic, payload } });

    // The first run stores, asks for the recomputation, and never comes back: the worker was killed.
    const first = worker(true);
    void first.processor(batchJob([{ webhookId, topic }]), undefined);
    await eventually(async () => (first.asked.length ? true : null), { timeoutMs: 10_000, what: "the first run's recomputation request" });
    expect(first.asked).toEqual([[customerGid]]);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ status: "received", attempts: 0 });

    // A new worker process takes the delivery up in a job of its own making (not a BullMQ retry).
    const second = worker(false);
    await second.processor(again === "batch" ? batchJob([{ webhookId, topic }]) : loneJob({ webhookId, topic }), undefined);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ status: "processed" });
    expect(second.asked).toEqual([[customerGid]]);
  });

  it("a delivery taken up for the first time is no retry: a version already stored asks for nothing", async () => {
    const customerId = "7100000099";
    const webhookId = `wh-stopped-${kind}-fresh`;
    const payload = orderPayload("7200000099", customerId);
    const stored = `${webhookId}-stored`;
    await database.db.webhookDelivery.create({ data: { webhookId: stored, shop: SHOP, topic: "orders/paid", payload } });
    await database.db.webhookDelivery.create({ data: { webhookId, shop: SHOP, topic: "orders/create", payload } });
    const one = worker(false);
    await one.processor(loneJob({ webhookId: stored, topic: "orders/paid" }), undefined);
    expect(one.asked).toEqual([[`gid://shopify/Customer/${customerId}`]]);
    const other = worker(false);
    await other.processor(batchJob([{ webhookId, topic: "orders/create" }]), undefined);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ status: "processed", attempts: 1 });
    expect(other.asked).toEqual([]);
  });
});
