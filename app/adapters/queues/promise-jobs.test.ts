// Promise job ids against real Redis: the reconciliation's "still in flight?" look finds the make
// job under the id it was queued with, and no job id names the order in plain text.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { PrivateRedis } from "../../../scripts/lib/private-redis.ts";
import { setErasureKeyForTests } from "../db/erasure-repository.server.ts";
import { createJobQueues, type JobQueues } from "./job-queues.server.ts";
import { promiseJobInFlight, requestLostPromise, requestOrderPromise } from "./promise-jobs.server.ts";
import { createProducerConnection } from "./redis-connection.server.ts";
import { createTestDatabase } from "../../../tests/support/test-database.ts";
import { AdminCostBudget } from "../shopify/admin-cost-budget.ts";
import type { AdminGraphqlClient } from "../shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../shopify/admin-operation-runner.ts";
import { createLogger } from "../../logger.server.ts";
import { createPromiseWorkInline } from "../../workers/promise-jobs.ts";

const SHOP = "promise-ids.myshopify.com";
const ORDER = "gid://shopify/Order/7001";

describe("promise job ids", () => {
  let redis: PrivateRedis;
  let connection: Redis;
  let queues: JobQueues;

  beforeAll(async () => {
    setErasureKeyForTests("promise-ids-key");
    redis = await PrivateRedis.start();
    connection = createProducerConnection(redis.url, { enableOfflineQueue: true });
    queues = createJobQueues(connection, `p${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    await queues?.close();
    connection?.disconnect();
    await redis?.stop();
    setErasureKeyForTests(null);
  });

  it("finds a waiting make job as in flight, and not another order's or a finished one", async () => {
    expect(await promiseJobInFlight(queues, SHOP, ORDER)).toBe(false);
    await requestOrderPromise(queues, SHOP, { orderGid: ORDER, orderName: "#7001", customerGid: null, orderedAt: new Date().toISOString(), lines: [], destination: null });
    expect(await promiseJobInFlight(queues, SHOP, ORDER)).toBe(true);
    expect(await promiseJobInFlight(queues, SHOP, "gid://shopify/Order/7002")).toBe(false);
    expect(await promiseJobInFlight(queues, "other.myshopify.com", ORDER)).toBe(false);
    const [job] = await queues.promises.getJobs(["waiting"]);
    await job.remove();
    expect(await promiseJobInFlight(queues, SHOP, ORDER)).toBe(false);
  });

  it("names no order in plain text in a job id, recoveries included", async () => {
    await requestOrderPromise(queues, SHOP, { orderGid: ORDER, orderName: "#7001", customerGid: null, orderedAt: new Date().toISOString(), lines: [], destination: null });
    await requestLostPromise(queues, SHOP, ORDER, 3);
    await requestLostPromise(queues, SHOP, ORDER, 3);
    const ids = (await queues.promises.getJobs(["waiting"])).map((job) => job.id!);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).not.toMatch(/7001|promise-ids/);
  });

  it("a paid order's promise made in the webhook job, with the shop's Admin API budget spent, goes to a make job at once instead of waiting in the job's lane", async () => {
    const database = await createTestDatabase("sqlite", "inline_budget");
    try {
      const shop = "inline-budget.myshopify.com";
      await database.db.shop.create({ data: { domain: shop, currencyCode: "USD" } });
      const budget = new AdminCostBudget();
      // 63 points for the read, 100 a second: a wait of under a second, which a job would simply take.
      budget.record(shop, { maximumAvailable: 1_000, currentlyAvailable: 0, restoreRate: 100 });
      const waits: number[] = [];
      let requests = 0;
      const client: AdminGraphqlClient = { shop, request: async () => (requests++, Promise.reject(new Error("must not be sent"))) };
      const inline = createPromiseWorkInline({
        db: database.db, queues, log: createLogger("test", "error"),
        adminFor: async () => createAdminRunner(client, { budget, sleep: async (ms) => void waits.push(ms) }),
      });
      const order = { orderGid: "gid://shopify/Order/7101", orderName: "#7101", customerGid: null, orderedAt: new Date().toISOString(), lines: [], destination: null };
      await inline(shop, { kind: "make", order });
      expect({ waits, requests }).toEqual({ waits: [], requests: 0 });
      expect(await promiseJobInFlight(queues, shop, order.orderGid)).toBe(true);
    } finally {
      await database.drop();
    }
  });
});
