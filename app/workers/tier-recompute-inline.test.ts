// The tier recomputation a webhook job runs itself (issue 9), over a real database and
// Redis: requests for one customer made while a run is in flight share one more run that
// reads every ledger write made before them, and a run that fails is handed to the queued job.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { loadRecomputeInputs } from "../adapters/db/customer-tier-statements.server.ts";
import { createJobQueues, type JobQueues } from "../adapters/queues/job-queues.server.ts";
import { createProducerConnection } from "../adapters/queues/redis-connection.server.ts";
import { createLogger } from "../logger.server.ts";
import { createTierRecomputeInline, recomputeThenRequestSync } from "./tier-jobs.ts";

const SHOP = "inline-recompute.myshopify.com";
const log = createLogger("test", "error");

describe.each(DATABASE_KINDS)("tier recomputation in the webhook job on %s", (kind) => {
  let redis: PrivateRedis;
  let connection: ReturnType<typeof createProducerConnection>;
  let queues: JobQueues;
  let database: TestDatabase;
  let seq = 0;

  const order = async (customerGid: string, totalMinor: number) => {
    const at = new Date(Date.now() - 3_600_000);
    await saveOrderSnapshot(database.db, SHOP, { orderId: `gid://shopify/Order/${9_000 + ++seq}`, customerId: customerGid, processedAt: at, updatedAt: at, currency: "USD", currentTotalMinor: totalMinor, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, `#${seq}`);
  };
  const spendOf = async (customerGid: string) => (await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid } } })).qualifyingSpend;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    connection = createProducerConnection(redis.url, { enableOfflineQueue: true });
    queues = createJobQueues(connection, `t${randomUUID().slice(0, 8)}`);
    database = await createTestDatabase(kind, "inline_recompute");
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
  });

  afterAll(async () => {
    await queues?.close();
    connection?.disconnect();
    await redis?.stop();
    await database?.drop();
  });

  it("requests made while a run is in flight share one more run, which reads every order written before them", async () => {
    const customerGid = "gid://shopify/Customer/501";
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const inline = createTierRecomputeInline({
      db: database.db,
      queues,
      log,
      // The first run reads the ledger with one order, then is held while nine more land.
      recompute: async (...args) => {
        const result = await recomputeThenRequestSync(...args);
        if (++runs === 1) await held;
        return result;
      },
    });
    await order(customerGid, 10_000);
    const first = inline(SHOP, [customerGid], "order");
    // Once the first run has read the ledger (one order) and is held, nine more orders land, each asking.
    while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await spendOf(customerGid)).toBe(10_000);
    const rest: Promise<void>[] = [];
    for (let i = 0; i < 9; i++) {
      await order(customerGid, 10_000);
      rest.push(inline(SHOP, [customerGid], "order"));
    }
    release();
    await Promise.all([first, ...rest]);
    expect(runs).toBe(2);
    expect(await spendOf(customerGid)).toBe(100_000);
    // The shop's sync was asked for: its write to Shopify gathers every change.
    expect((await queues.tierSync.getJobs(["waiting", "delayed"])).filter(Boolean).map((j) => j.data.shop)).toContain(SHOP);
  });

  it("a later request after the runs ended starts a run of its own", async () => {
    const customerGid = "gid://shopify/Customer/502";
    let runs = 0;
    const inline = createTierRecomputeInline({ db: database.db, queues, log, recompute: async (...args) => (runs++, recomputeThenRequestSync(...args)) });
    await order(customerGid, 20_000);
    await inline(SHOP, [customerGid], "order");
    await order(customerGid, 30_000);
    await inline(SHOP, [customerGid], "order");
    expect(runs).toBe(2);
    expect(await spendOf(customerGid)).toBe(50_000);
  });

  it("inputs read beforehand (with a webhook batch's) serve a run that starts at once; a run that waits for another reads its own", async () => {
    const customerGid = "gid://shopify/Customer/505";
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const given: boolean[] = [];
    let runs = 0;
    const inline = createTierRecomputeInline({
      db: database.db,
      queues,
      log,
      recompute: async (deps, shop, gid, cause, options) => {
        given.push(options?.read !== undefined);
        const result = await recomputeThenRequestSync(deps, shop, gid, cause, options);
        if (++runs === 1) await held;
        return result;
      },
    });
    // Read before the first order was written: the first run computes from this, not from the ledger as it is now.
    const read = new Map([[customerGid, { inputs: await loadRecomputeInputs(database.db, SHOP, customerGid), readAt: new Date() }]]);
    await order(customerGid, 10_000);
    const first = inline(SHOP, [customerGid], "order", read);
    while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await spendOf(customerGid)).toBe(0);
    // An order written while it runs: its request waits for it, and reads the ledger anew even when handed the old read.
    await order(customerGid, 5_000);
    const second = inline(SHOP, [customerGid], "order", read);
    release();
    await Promise.all([first, second]);
    expect(given).toEqual([true, false]);
    expect(await spendOf(customerGid)).toBe(15_000);
  });

  it("a run that fails hands the customer to the queued recomputation job, and the request still succeeds", async () => {
    const customerGid = "gid://shopify/Customer/503";
    const inline = createTierRecomputeInline({
      db: database.db,
      queues,
      log,
      recompute: async () => {
        throw new Error("Could not save the tier: too much contention");
      },
    });
    await order(customerGid, 40_000);
    await inline(SHOP, [customerGid], "refund");
    const queued = (await queues.tierRecompute.getJobs(["waiting", "delayed"])).filter(Boolean).map((j) => j.data);
    expect(queued).toContainEqual({ shop: SHOP, customerGid, cause: "refund" });
  });

  it("when the hand-over fails too, the request fails, so the webhook job is retried", async () => {
    const redisDown = { tierRecompute: { add: async () => Promise.reject(new Error("Connection is closed.")) } } as unknown as JobQueues;
    const inline = createTierRecomputeInline({
      db: database.db,
      queues: redisDown,
      log,
      recompute: async () => {
        throw new Error("database busy");
      },
    });
    await expect(inline(SHOP, ["gid://shopify/Customer/504"], "order")).rejects.toThrow("Connection is closed.");
  });
});
