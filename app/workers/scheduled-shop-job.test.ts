// The shop's "job scheduled" flag over real Redis: one job for requests arriving together, and
// the requests this process can answer itself (its job cannot have started) never reach Redis.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { requestScheduledShopJob, scheduledShopJobStarted, type ScheduledShopJob } from "./scheduled-shop-job.ts";

describe("scheduled shop job", () => {
  let server: PrivateRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  function setup(flagKey: string) {
    let now = 1_000;
    const delays: number[] = [];
    const queue = {};
    const job = (): ScheduledShopJob => ({ queue, redis, flagKey, flagTtlSeconds: 60, gatherMs: 500, enqueue: async (delayMs) => void delays.push(delayMs), clock: () => now });
    return { job, delays, queue, advance: (ms: number) => (now += ms) };
  }

  it("queues one job, delayed by the gather, for requests while it waits", async () => {
    const { job, delays } = setup("flag:a");
    await requestScheduledShopJob("a.myshopify.com", job());
    await requestScheduledShopJob("a.myshopify.com", job());
    expect(delays).toEqual([500]);
    expect(await redis.get("flag:a")).toBe("1");
  });

  it("for most of the gather, answers from memory; after that, asks Redis (which still says scheduled)", async () => {
    const { job, delays, advance } = setup("flag:b");
    await requestScheduledShopJob("b.myshopify.com", job());
    // Were Redis asked, the missing flag would queue a second job.
    await redis.del("flag:b");
    advance(349);
    await requestScheduledShopJob("b.myshopify.com", job());
    expect(delays).toEqual([500]);
    expect(await redis.exists("flag:b")).toBe(0);
    advance(1);
    await redis.set("flag:b", "1");
    await requestScheduledShopJob("b.myshopify.com", job());
    expect(delays).toEqual([500]);
    await redis.del("flag:b");
    await requestScheduledShopJob("b.myshopify.com", job());
    expect(delays).toEqual([500, 500]);
  });

  it("once the job took the flag in this process, the next request asks Redis at once", async () => {
    const { job, delays, queue } = setup("flag:c");
    await requestScheduledShopJob("c.myshopify.com", job());
    scheduledShopJobStarted(queue, "c.myshopify.com");
    await redis.del("flag:c");
    await requestScheduledShopJob("c.myshopify.com", job());
    expect(delays).toEqual([500, 500]);
  });

  it("a recovery run's request asks Redis even while memory says queued: a flushed flag and job are queued again", async () => {
    const { job, delays, advance } = setup("flag:r");
    await requestScheduledShopJob("r.myshopify.com", job());
    await redis.del("flag:r");
    advance(10);
    await requestScheduledShopJob("r.myshopify.com", job());
    expect(delays).toEqual([500]);
    await requestScheduledShopJob("r.myshopify.com", { ...job(), askRedis: true });
    expect(delays).toEqual([500, 500]);
    expect(await redis.get("flag:r")).toBe("1");
  });

  it("a failed enqueue leaves neither the flag nor the memory: the next request queues the job", async () => {
    const { job, delays } = setup("flag:d");
    await expect(requestScheduledShopJob("d.myshopify.com", { ...job(), enqueue: async () => Promise.reject(new Error("redis down")) })).rejects.toThrow("redis down");
    expect(await redis.exists("flag:d")).toBe(0);
    await requestScheduledShopJob("d.myshopify.com", job());
    expect(delays).toEqual([500]);
  });

  it("each shop and each queue knows only its own", async () => {
    const first = setup("flag:e");
    const second = setup("flag:f");
    await requestScheduledShopJob("e.myshopify.com", first.job());
    await requestScheduledShopJob("e.myshopify.com", second.job());
    await requestScheduledShopJob("f.myshopify.com", { ...first.job(), flagKey: "flag:g" });
    expect(first.delays).toEqual([500, 500]);
    expect(second.delays).toEqual([500]);
  });
});
