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
});
