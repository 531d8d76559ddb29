// The shop's tier sync job over real Redis: one job per shop at a time, requests
// collapse while a job is scheduled and a request made while one runs schedules its own,
// and throttling hands the shop back with a delayed follow-up instead of holding a slot.
import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { createTestDatabase, type TestDatabase } from "../../tests/support/test-database.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { createJobQueues, type JobQueues } from "../adapters/queues/job-queues.server.ts";
import { createProducerConnection } from "../adapters/queues/redis-connection.server.ts";
import { AdminCostBudget } from "../adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { createLogger } from "../logger.server.ts";
import { recomputeCustomerTier } from "../use-cases/recompute-customer-tier.server.ts";
import { createTierSyncProcessor, requestTierSync } from "./tier-sync-jobs.ts";

const SHOP = "sync-jobs.myshopify.com";
const NOW = new Date();

describe("tier sync jobs", () => {
  let redis: PrivateRedis;
  let queues: JobQueues;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let token: string;
  let connection: ReturnType<typeof createProducerConnection>;
  let seq = 0;
  const log = createLogger("test", "error");
  const job = (refreshSpend = false) => ({ data: { shop: SHOP, refreshSpend } }) as Job<{ shop: string; refreshSpend: boolean }>;
  const adminFor = async (): Promise<AdminRunner> =>
    createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin }), { budget: new AdminCostBudget(), maxWaitMs: 50, maxThrottleRetries: 0 });
  const queued = async () => (await queues.tierSync.getJobs(["waiting", "delayed"])).filter(Boolean);

  async function pendingMember(): Promise<string> {
    const res = await fetch(`${sim.origin}/_sim/shops/${SHOP}/customers`, { method: "POST", body: JSON.stringify({ email: `j${++seq}@example.com`, tags: [] }) });
    const { customer } = (await res.json()) as { customer: { gid: string } };
    const at = new Date(NOW.getTime() - 86_400_000);
    await saveOrderSnapshot(database.db, SHOP, { orderId: `gid://shopify/Order/${7_000 + seq}`, customerId: customer.gid, processedAt: at, updatedAt: at, currency: "USD", currentTotalMinor: 60_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, `#${seq}`);
    await recomputeCustomerTier({ db: database.db, shop: SHOP, customerGid: customer.gid, cause: "order", now: NOW });
    return customer.gid;
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    connection = createProducerConnection(redis.url, { enableOfflineQueue: true });
    queues = createJobQueues(connection, `t${randomUUID().slice(0, 8)}`);
    database = await createTestDatabase("sqlite", "sync_jobs");
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    sim = await startSimulator({ apiKey: "k", apiSecret: "s", appUrl: "http://127.0.0.1:9", edgeModules: false });
    ({ accessToken: token } = (await (await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: SHOP, currency: "USD" }) })).json()) as { accessToken: string });
  });

  afterAll(async () => {
    await queues?.close();
    connection?.disconnect();
    await redis?.stop();
    await database?.drop();
    await sim?.close();
  });

  beforeEach(async () => {
    await queues.tierSync.obliterate({ force: true });
    await connection.flushdb();
  });

  it("collapses requests while one is outstanding", async () => {
    await requestTierSync(queues, SHOP);
    await requestTierSync(queues, SHOP);
    await requestTierSync(queues, SHOP);
    expect(await queued()).toHaveLength(1);
    // A refresh is its own job.
    await requestTierSync(queues, SHOP, { refreshSpend: true });
    expect((await queued()).map((j) => j.data.refreshSpend).sort()).toEqual([false, true]);
  });

  it("runs one job per shop at a time; a request made meanwhile schedules a job that writes after it", async () => {
    const first = await pendingMember();
    await requestTierSync(queues, SHOP);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow = createTierSyncProcessor({ db: database.db, queues, log, adminFor: async () => {
      entered();
      await gate;
      return adminFor();
    } });
    const running = slow(job());
    await inside;
    // Another job for the same shop does not write beside it (called without a lock token, it gives up at once).
    const other = createTierSyncProcessor({ db: database.db, queues, log, adminFor: async () => { throw new Error("must not run"); } });
    expect(await other(job())).toEqual({ skipped: "another job is syncing this shop" });
    // The running job cleared the flag when it began, so a customer recomputed now schedules its own job.
    const second = await pendingMember();
    const before = (await queued()).length;
    await requestTierSync(queues, SHOP);
    await requestTierSync(queues, SHOP);
    expect((await queued()).length).toBe(before + 1);
    release();
    expect(await running).toMatchObject({ written: 1 });
    expect(await createTierSyncProcessor({ db: database.db, queues, log, adminFor })(job())).toMatchObject({ written: 1 });
    for (const gid of [first, second]) expect(await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).toMatchObject({ syncStatus: "synced" });
  });

  it("when Shopify's bucket is empty, ends and comes back later instead of waiting in its slot", async () => {
    const gid = await pendingMember();
    await fetch(`${sim.origin}/_sim/shops/${SHOP}/throttle`, { method: "POST", body: JSON.stringify({ restoreRate: 1, drain: 1_000_000 }) });
    try {
      const result = await createTierSyncProcessor({ db: database.db, queues, log, adminFor })(job());
      expect(result).toMatchObject({ written: 0, more: true });
    } finally {
      await fetch(`${sim.origin}/_sim/shops/${SHOP}/throttle`, { method: "POST", body: JSON.stringify({ restoreRate: 1_000, drain: 0 }) });
    }
    const [followUp] = await queues.tierSync.getJobs(["delayed"]);
    expect(followUp?.data).toEqual({ shop: SHOP, refreshSpend: false });
    expect(followUp?.opts.delay).toBeGreaterThan(0);
    expect((await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).syncStatus).toBe("pending");
  });
});
