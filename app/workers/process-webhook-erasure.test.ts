// The erasure guard's look after the write rides on the delivery's close: a shop
// without tombstones closes the delivery in that one statement; a redaction that
// commits while the handler writes is still caught (the close finds its tombstone,
// the guard looks for the subjects, removes what was written and the delivery ends
// skipped with its payload blanked). Real use-cases on both databases.
import { readFileSync } from "node:fs";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { ERASED_PAYLOAD, recordTombstones, setErasureKeyForTests } from "../adapters/db/erasure-repository.server.ts";
import { applyOrderWebhook } from "../use-cases/apply-order-webhook.server.ts";
import { recomputeCustomerTier } from "../use-cases/recompute-customer-tier.server.ts";
import { guardedWebhookProcessor } from "../../tests/support/guarded-webhook-processor.ts";
import type { WebhookTopic } from "../adapters/shopify/webhook-topics.ts";
import { createLogger } from "../logger.server.ts";
import { applyUnlessErased } from "../use-cases/erasure-guard.server.ts";
import { createWebhookProcessor } from "./process-webhook.ts";
import { statementCount } from "../adapters/db/statement-driver.server.ts";
import type { WebhookHandler } from "./webhook-handlers.ts";

const SHOP = "close-look.myshopify.com";
const sample = readFileSync(new URL("../../simulator/reference/webhooks/orders_updated.json", import.meta.url), "utf8");

let seq = 0;
function orderPayload(customerGid: string): { orderGid: string; text: string } {
  const body = JSON.parse(sample) as Record<string, unknown>;
  const id = `${5_200_000_000_000_000 + ++seq}`;
  Object.assign(body, {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    cancelled_at: null,
    test: false,
    financial_status: "paid",
    total_outstanding: "0.00",
    customer: { ...(body.customer as object), admin_graphql_api_id: customerGid },
  });
  return { orderGid: `gid://shopify/Order/${id}`, text: JSON.stringify(body) };
}

const job = (webhookId: string) => ({ data: { webhookId, shop: SHOP, topic: "orders/create" }, timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 3 } }) as unknown as Job<{ webhookId: string; shop: string; topic: string }>;

describe.each(DATABASE_KINDS)("the look after the write, folded into the close, on %s", (kind) => {
  let database: TestDatabase;
  /** Set by a test: a redaction of this customer commits while the handler writes. */
  let redactDuringWrite: string | null = null;
  /** The same for one delivery of a batch: its webhook id → the customer redacted while it writes. */
  const redactWhileWriting = new Map<string, string>();
  const requeued: string[] = [];

  beforeAll(async () => {
    setErasureKeyForTests("test-erasure-key");
    database = await createTestDatabase(kind, "close_look");
  });
  afterAll(async () => {
    setErasureKeyForTests(null);
    await database?.drop();
  });

  const processor = () =>
    guardedWebhookProcessor(
      database.db,
      async (c) => {
        const outcome = await applyOrderWebhook(c);
        const redacted = redactDuringWrite ?? redactWhileWriting.get(c.webhookId);
        if (redacted) await recordTombstones(c.db, c.shop, { customerGids: [redacted], orderGids: [] }, c.now);
        return outcome;
      },
      { requeued },
    );

  const store = async (webhookId: string, payload: string, shop = SHOP) => {
    await database.db.webhookDelivery.create({ data: { webhookId, shop, topic: "orders/create", payload } });
  };

  it("closes a delivery of a shop without tombstones in the statement that looks for them", async () => {
    const { orderGid, text } = orderPayload("gid://shopify/Customer/71");
    await store("wh-clean", text);
    expect(await processor()(job("wh-clean"), undefined)).toMatchObject({ status: "processed", closed: true });
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-clean" } })).toMatchObject({ status: "processed", attempts: 1, error: null });
    expect(await database.db.ledgerOrder.count({ where: { shop: SHOP, orderGid } })).toBe(1);
  });

  it("still catches a redaction that commits while the handler writes: what it wrote is removed, the delivery ends skipped and blanked", async () => {
    const customer = "gid://shopify/Customer/72";
    const { orderGid, text } = orderPayload(customer);
    await store("wh-raced", text);
    redactDuringWrite = customer;
    try {
      expect(await processor()(job("wh-raced"), undefined)).toMatchObject({ status: "skipped" });
    } finally {
      redactDuringWrite = null;
    }
    expect(await database.db.ledgerOrder.count({ where: { shop: SHOP, orderGid } })).toBe(0);
    expect(await database.db.customer.count({ where: { shop: SHOP, customerGid: customer } })).toBe(0);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-raced" } })).toMatchObject({ status: "skipped", attempts: 1, payload: ERASED_PAYLOAD });
  });

  it("closes normally a delivery of a shop that has tombstones for other customers", async () => {
    const { orderGid, text } = orderPayload("gid://shopify/Customer/73");
    await store("wh-other", text);
    const outcome = await processor()(job("wh-other"), undefined);
    expect(outcome).toMatchObject({ status: "processed" });
    expect(outcome).not.toHaveProperty("closed");
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-other" } })).toMatchObject({ status: "processed", attempts: 1, error: null });
    expect(await database.db.ledgerOrder.count({ where: { shop: SHOP, orderGid } })).toBe(1);
  });

  it("a customer its recomputation wrote, not named by the payload and erased after that write, is removed by the delivery's own look", async () => {
    // The worker's recomputation leaves the look after its write to the delivery (tier-jobs.ts).
    // The order's previous owner is recomputed too (the order moved away from them).
    const previousOwner = "gid://shopify/Customer/79";
    const { text } = orderPayload("gid://shopify/Customer/78");
    await store("wh-recomputed", text);
    const movedOrder: WebhookHandler = (ctx) =>
      applyUnlessErased(ctx, async (c) => {
        const outcome = await applyOrderWebhook(c);
        await c.requestTierRecompute([previousOwner], "order");
        return outcome;
      });
    const recomputeThenRedact = async (shop: string, customerGids: string[]) => {
      for (const customerGid of customerGids) await recomputeCustomerTier({ db: database.db, shop, customerGid, cause: "order", now: new Date() });
      if (customerGids.includes(previousOwner)) await recordTombstones(database.db, shop, { customerGids: [previousOwner], orderGids: [] }, new Date());
    };
    const moved = createWebhookProcessor({
      db: database.db, handlers: new Proxy({}, { get: () => movedOrder }) as Record<WebhookTopic, WebhookHandler>,
      requestTierRecompute: recomputeThenRedact, schedulePurge: async () => {}, log: createLogger("test", "error"),
    });
    expect(await moved(job("wh-recomputed"), undefined)).toMatchObject({ status: "processed" });
    expect(await database.db.customer.count({ where: { shop: SHOP, customerGid: previousOwner } })).toBe(0);
    expect(await database.db.customer.count({ where: { shop: SHOP, customerGid: "gid://shopify/Customer/78" } })).toBe(1);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-recomputed" } })).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("a batch larger than its lanes closes its deliveries in one statement at its end: one waiting on its close gives its lane to the next", async () => {
    const shop = "batch-lanes.myshopify.com";
    const deliveries = Array.from({ length: 12 }, (_, i) => ({ webhookId: `wh-lanes-${i}`, ...orderPayload(`gid://shopify/Customer/${300 + i}`) }));
    for (const d of deliveries) await store(d.webhookId, d.text, shop);
    const batchJob = { data: { batch: deliveries.map(({ webhookId }) => ({ webhookId, shop, topic: "orders/create" })) }, timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 3 } };
    expect(await processor()(batchJob as unknown as Job<{ webhookId: string; shop: string; topic: string }>, undefined)).toMatchObject({ status: "batch", note: expect.stringMatching(/^12 done, 0 failed/) });
    const rows = await database.db.webhookDelivery.findMany({ where: { webhookId: { in: deliveries.map((d) => d.webhookId) } } });
    expect(rows.map((r) => r.status)).toEqual(Array(12).fill("processed"));
    expect(new Set(rows.map((r) => r.processedAt?.getTime())).size).toBe(1);
  });

  it("in a batch, deliveries whose handler names no subject (no guard, no close of its own) close with the batch's too, unless their shop has a tombstone", async () => {
    const clean = "batch-unguarded.myshopify.com";
    const plain: WebhookHandler = async () => ({ status: "processed", note: "names no customer or order" });
    const unguarded = createWebhookProcessor({
      db: database.db, handlers: new Proxy({}, { get: () => plain }) as Record<WebhookTopic, WebhookHandler>,
      requestTierRecompute: async () => {}, schedulePurge: async () => {}, requeueDeliveries: async () => {}, log: createLogger("test", "error"),
    });
    const deliveries = [
      { webhookId: "wh-u-1", shop: clean }, { webhookId: "wh-u-2", shop: clean }, { webhookId: "wh-u-3", shop: clean },
      // SHOP has tombstones (the tests above): its delivery records its own end.
      { webhookId: "wh-u-tombstoned", shop: SHOP },
    ];
    for (const d of deliveries) await database.db.webhookDelivery.create({ data: { webhookId: d.webhookId, shop: d.shop, topic: "inventory_levels/update", payload: "{}" } });
    const batchJob = { data: { batch: deliveries.map(({ webhookId, shop }) => ({ webhookId, shop, topic: "inventory_levels/update" })) }, timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 3 } };
    const before = statementCount.hotPath;
    expect(await unguarded(batchJob as unknown as Job<{ webhookId: string; shop: string; topic: string }>, undefined)).toMatchObject({ status: "batch", note: expect.stringMatching(/^4 done, 0 failed/) });
    // The batch's load, its closes in one statement, and the tombstoned shop's own end.
    expect(statementCount.hotPath - before).toBe(kind === "postgresql" ? 3 : 4);
    const rows = await database.db.webhookDelivery.findMany({ where: { webhookId: { in: deliveries.map((d) => d.webhookId) } }, orderBy: { webhookId: "asc" } });
    expect(rows.map((r) => [r.webhookId, r.status, r.attempts, r.error])).toEqual(deliveries.map((d) => [d.webhookId, "processed", 1, null]).sort());
    expect(new Set(rows.filter((r) => r.shop === clean).map((r) => r.processedAt?.getTime())).size).toBe(1);
  });

  it("in a batch, closes the clean deliveries together and still catches a redaction that commits while one of them writes", async () => {
    const clean = "batch-clean.myshopify.com";
    const raced = "gid://shopify/Customer/74";
    const deliveries = [
      { webhookId: "wh-b-clean-1", shop: clean, ...orderPayload("gid://shopify/Customer/75") },
      { webhookId: "wh-b-clean-2", shop: clean, ...orderPayload("gid://shopify/Customer/76") },
      // SHOP has tombstones (the tests above): its deliveries are closed by the guard's own statements.
      { webhookId: "wh-b-raced", shop: SHOP, ...orderPayload(raced) },
      { webhookId: "wh-b-other", shop: SHOP, ...orderPayload("gid://shopify/Customer/77") },
    ];
    for (const d of deliveries) await store(d.webhookId, d.text, d.shop);
    redactWhileWriting.set("wh-b-raced", raced);
    const batchJob = { data: { batch: deliveries.map(({ webhookId, shop }) => ({ webhookId, shop, topic: "orders/create" })) }, timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 3 } };
    expect(await processor()(batchJob as unknown as Job<{ webhookId: string; shop: string; topic: string }>, undefined)).toMatchObject({ status: "batch", note: expect.stringMatching(/^4 done, 0 failed, 0 to try again alone/) });
    expect(requeued).toEqual([]);
    const row = (webhookId: string) => database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
    for (const id of ["wh-b-clean-1", "wh-b-clean-2", "wh-b-other"]) expect(await row(id)).toMatchObject({ status: "processed", attempts: 1, error: null });
    // Both clean ones closed in one statement, at one time.
    expect((await row("wh-b-clean-1")).processedAt).toEqual((await row("wh-b-clean-2")).processedAt);
    expect(await row("wh-b-raced")).toMatchObject({ status: "skipped", attempts: 1, payload: ERASED_PAYLOAD });
    expect(await database.db.ledgerOrder.count({ where: { shop: SHOP, orderGid: deliveries[2].orderGid } })).toBe(0);
    for (const d of [deliveries[0], deliveries[1]]) expect(await database.db.ledgerOrder.count({ where: { shop: clean, orderGid: d.orderGid } })).toBe(1);
    expect(await database.db.ledgerOrder.count({ where: { shop: SHOP, orderGid: deliveries[3].orderGid } })).toBe(1);
  });
});
