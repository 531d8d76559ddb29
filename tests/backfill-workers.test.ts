// The backfill through the worker process's real wiring (BullMQ on a private Redis,
// the simulator's Admin API, SQLite): an install follow-up stores the shop's details
// and starts the backfill, the import polls until the bulk query is done, every
// tier is computed, and the tier jobs write each customer's tier tag and metafields
// to the simulated store.
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { AdminCostBudget } from "../app/adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { defaultTierRules } from "../app/domain/tier-rules.ts";
import { createLogger } from "../app/logger.server.ts";
import { startWorkers, type RunningWorkers } from "../app/workers/start-workers.ts";
import { startSimulatorInPrivateTmp } from "./support/private-tmp-simulator.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SHOP = "backfill-workers.myshopify.com";

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("history backfill through the workers", () => {
  let sim: RunningSimulator;
  let redis: PrivateRedis;
  let database: TestDatabase;
  let workers: RunningWorkers;
  let tmp: string;

  beforeAll(async () => {
    ({ sim, tmp } = await startSimulatorInPrivateTmp("tierline-backfill-workers-", { apiKey: "workers-key", apiSecret: "workers-secret", appUrl: "http://127.0.0.1:9", edgeModules: false }));
    const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: SHOP, seed: 5, size: "tiny", now: new Date().toISOString() }) });
    const { accessToken } = (await res.json()) as { accessToken: string };
    redis = await PrivateRedis.start();
    database = await createTestDatabase("sqlite", "backfill_workers");
    await database.db.shop.create({ data: { domain: SHOP } });
    const budget = new AdminCostBudget();
    workers = await startWorkers({
      db: database.db,
      redis: redis.url,
      prefix: `bf${randomUUID().slice(0, 8)}`,
      concurrency: 4,
      lockMs: 30_000,
      purgeDelayMs: 60_000,
      log: createLogger("backfill-workers-test", "error"),
      backfillPollMs: 200,
      adminFor: async (shop) => createAdminRunner(createFetchAdminGraphqlClient({ shop, accessToken, origin: sim.origin }), { budget }),
    });
  });

  afterAll(async () => {
    await workers?.close(5_000);
    await redis?.stop();
    await database?.drop();
    await sim?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("install → shop details → bulk query → polled import → tiers → tags and metafields on the store", async () => {
    const { db } = database;
    await workers.queues.shopLifecycle.add("installed", { kind: "installed", shop: SHOP });

    const run = await eventually(() => db.backfillRun.findFirst({ where: { shop: SHOP, status: { in: ["completed", "failed"] } } }), "the backfill to finish");
    expect(run).toMatchObject({ status: "completed", historyLimited: false, error: null });
    const data = sim.store.shop(SHOP);
    expect(run.ordersRead).toBe(data.orders.size);
    const shopRow = await db.shop.findUniqueOrThrow({ where: { domain: SHOP } });
    expect(shopRow).toMatchObject({ currencyCode: data.shop.currency, ianaTimezone: data.shop.ianaTimezone, allOrdersAccess: true });
    expect(await db.ledgerOrder.count({ where: { shop: SHOP } })).toBe(data.orders.size);

    // Every computed customer is synced by its tier job.
    const customers = await eventually(async () => {
      const rows = await db.customer.findMany({ where: { shop: SHOP } });
      return rows.length > 0 && rows.every((r) => r.syncStatus === "synced") ? rows : null;
    }, "every customer synced");
    const rules = defaultTierRules(data.shop.currency);
    const tagOf = new Map(rules.tiers.map((t) => [t.key, t.tag]));
    for (const row of customers) {
      const simCustomer = [...data.customers.values()].find((c) => c.gid === row.customerGid)!;
      const tierTags = simCustomer.tags.filter((t) => t.startsWith("tierline:"));
      expect(tierTags).toEqual([tagOf.get(row.tierKey!)]);
      const tierMetafield = [...simCustomer.metafields.values()].find((m) => m.namespace.startsWith("app--") && m.key === "tier");
      expect(tierMetafield?.value).toBe(row.tierKey);
    }
  });

  it("reconcile-shop stores an order whose webhook never came and syncs the customer; review-due recomputes a due customer", async () => {
    const { db } = database;
    const data = sim.store.shop(SHOP);
    const customer = [...data.customers.values()][0];
    // No webhook: the simulator's edge (delivery) is not running.
    const before = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: customer.gid } } });
    const order = sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ variantId: data.products[0].variants[0].id, quantity: 2 }] });
    await workers.queues.tierMaintenance.add("reconcile-shop", { kind: "reconcile-shop", shop: SHOP });
    await eventually(() => db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid: order.gid } } }), "the missed order in the ledger");
    const recomputed = await eventually(async () => {
      const row = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: customer.gid } } });
      return row.qualifyingSpend > before.qualifyingSpend && (row.syncStatus === "synced" || row.syncStatus === "stale") ? row : null;
    }, "the customer recomputed with the order");
    expect(recomputed.qualifyingOrders).toBe(before.qualifyingOrders + 1);
    // Spend that moved within a tier is written by the periodic refresh (with the review); a new tier at once.
    await workers.queues.tierMaintenance.add("review-due", { kind: "review-due" });
    const after = await eventually(async () => {
      const row = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: customer.gid } } });
      return row.syncStatus === "synced" ? row : null;
    }, "the customer's spend written");
    const metafields = [...sim.store.customer(SHOP, customer.id).metafields.values()];
    expect(metafields.find((m) => m.namespace.startsWith("app--") && m.key === "qualifying_spend")?.value).toContain((after.qualifyingSpend / 100).toFixed(2));

    // A review date that has come: the sweep asks for the recomputation, which sets the next one.
    const due = await db.customer.findFirstOrThrow({ where: { shop: SHOP, customerGid: { not: customer.gid } } });
    await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: due.customerGid } }, data: { reviewAt: new Date(Date.now() - 60_000) } });
    await workers.queues.tierMaintenance.add("review-due", { kind: "review-due" });
    const reviewed = await eventually(async () => {
      const row = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: due.customerGid } } });
      return row.reviewAt === null || row.reviewAt.getTime() > Date.now() ? row : null;
    }, "the due customer recomputed");
    expect(reviewed.tierKey).toBe(due.tierKey);
  });
});
