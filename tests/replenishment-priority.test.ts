// Gold first on the queues: a request that Gold orders wait on is asked before a plain restock
// queued earlier (BullMQ job priority from requestPriority), through real Redis, with the asks sent
// to simulated suppliers and the decision made once every child has finished.
import { randomUUID } from "node:crypto";
import { FlowProducer, Worker, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { createJobQueues, type JobQueues } from "../app/adapters/queues/job-queues.server.ts";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { createProducerConnection, createWorkerConnection, queuePrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { openReplenishmentRequest, saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { requestPriority } from "../app/domain/replenishment-decision.ts";
import { DEFAULT_REPLENISHMENT_SETTINGS } from "../app/domain/replenishment-rules.ts";
import { prepareRequestRfqs } from "../app/use-cases/replenishment-requests.server.ts";
import { createAskProcessor, startRequestFlow } from "../app/workers/replenishment-jobs.ts";
import { startSimulatedSuppliers, type RunningSuppliers } from "../simulator/suppliers/supplier-server.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SHOP = "gold-first.myshopify.com";
const LOCATION = "gid://shopify/Location/1";

describe("Gold-first replenishment requests", () => {
  let redis: PrivateRedis;
  let database: TestDatabase;
  let suppliers: RunningSuppliers;
  let queues: JobQueues;
  let flows: FlowProducer;
  const prefix = `g${randomUUID().slice(0, 8)}`;
  const producer = () => createProducerConnection(redis.url, { enableOfflineQueue: true });
  let connection: ReturnType<typeof createProducerConnection>;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createTestDatabase("sqlite", "gold_first");
    suppliers = await startSimulatedSuppliers({ profiles: ["a", "b", "c"].map((name) => ({ name, behaviour: "fast" as const, secret: `${name}-secret-0123456789`, baseUnitPriceMinor: 1000, leadBusinessDays: 3 })) });
    connection = producer();
    queues = createJobQueues(connection, prefix);
    flows = new FlowProducer({ connection, prefix: queuePrefix(prefix) });
  });
  afterAll(async () => {
    await flows?.close();
    await queues?.close();
    connection?.disconnect();
    await suppliers?.close();
    await redis?.stop();
    await database?.drop();
  });

  it("asks the suppliers of a Gold-waited SKU before those of a restock queued earlier", async () => {
    const ids: Record<string, string> = {};
    for (const name of ["a", "b", "c"]) ids[name] = (await saveSupplier(database.db, SHOP, { name, endpointUrl: suppliers.endpoint(name), signingSecret: `${name}-secret-0123456789` })).id;
    const requests: Record<string, string> = {};
    // The restock is opened and queued first; the Gold one after it.
    for (const [sku, waiting] of [["RESTOCK-1", []], ["GOLD-1", ["bronze", "gold"]]] as const) {
      const item = `gid://shopify/InventoryItem/${sku === "GOLD-1" ? 2 : 1}`;
      await saveSkuRule(database.db, SHOP, {
        inventoryItemGid: item,
        rule: { sku, locationId: LOCATION, safetyStock: 10, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 20 }, neededWithinBusinessDays: null, suppliers: ["a", "b", "c"].map((n) => ({ supplierId: ids[n], usualUnitCostMinor: 1000, usualLeadBusinessDays: 3, qualityRating: 4 })) },
      });
      const priority = requestPriority(DEFAULT_REPLENISHMENT_SETTINGS, waiting);
      const opened = await openReplenishmentRequest(database.db, {
        shop: SHOP, inventoryItemGid: item, locationGid: LOCATION, sku, quantity: 20, neededWithinBusinessDays: 3, position: 5, reorderTrigger: 11, waitingTierKeys: [...waiting],
        priority, jobPriority: priority.jobPriority, currency: "USD", requestedAt: new Date(), deadline: new Date(Date.now() + 3_600_000),
      });
      if (!opened.created) throw new Error("not created");
      requests[sku] = opened.requestId;
      await prepareRequestRfqs(database.db, SHOP, opened.requestId);
      expect(await startRequestFlow(flows, queues, database.db, SHOP, opened.requestId)).toBe(true);
      // Started twice (a repeated webhook): the flow is not added again.
      expect(await startRequestFlow(flows, queues, database.db, SHOP, opened.requestId)).toBe(false);
    }
    expect(JSON.parse((await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: requests["GOLD-1"] } })).priority)).toMatchObject({ tierKey: "gold", jobPriority: 1, escalationThresholdPercent: 50, preferEarliestLeadTime: true });

    const order: string[] = [];
    const process = createAskProcessor({ db: database.db, appUrl: "http://127.0.0.1:9", pollMs: 60_000 });
    const worker = new Worker(QUEUES.replenishmentAsk.name, async (job: Job, token?: string) => {
      if (job.attemptsMade === 0 && !order.includes(job.data.rfqId)) order.push(job.data.rfqId);
      return process(job, token);
    }, { connection: createWorkerConnection(redis.url), prefix: queuePrefix(prefix), concurrency: 1 });
    try {
      await eventually(async () => order.length === 6, { what: "six asks sent" });
    } finally {
      await worker.close();
    }
    const requestOf = (rfqId: string) => (rfqId.includes(requests["GOLD-1"]) ? "GOLD-1" : "RESTOCK-1");
    expect(order.map(requestOf)).toEqual(["GOLD-1", "GOLD-1", "GOLD-1", "RESTOCK-1", "RESTOCK-1", "RESTOCK-1"]);
    // Each supplier got each RFQ once.
    for (const name of ["a", "b", "c"]) expect(suppliers.received(name)).toHaveLength(2);
    expect(await database.db.supplierRfq.count({ where: { status: { in: ["sent", "answered"] } } })).toBe(6);
  });
});
