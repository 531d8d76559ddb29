// The shop's write lock over real Redis: renewed while held, taken back when a restart lost
// it, and a job whose lock another job took is told to stop.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { ShopLockLost, shopWriteLock } from "./shop-write-lock.ts";

describe("shop write lock", () => {
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

  it("one holder at a time; renewing extends it; release lets the next job take it", async () => {
    const first = shopWriteLock(redis, "lock:a", "job-1", 5_000);
    const second = shopWriteLock(redis, "lock:a", "job-2", 5_000);
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    await redis.pexpire("lock:a", 100);
    await first.renew();
    expect(await redis.pttl("lock:a")).toBeGreaterThan(1_000);
    await second.release(); // not its lock: nothing happens
    expect(await redis.get("lock:a")).toBe("job-1");
    await first.release();
    expect(await second.acquire()).toBe(true);
    await second.release();
  });

  it("a lock that Redis lost (a restart, a lapse) is taken back on renewal when nobody else took it", async () => {
    const lock = shopWriteLock(redis, "lock:b", "job-1", 5_000);
    expect(await lock.acquire()).toBe(true);
    await redis.del("lock:b");
    await lock.renew();
    expect(await redis.get("lock:b")).toBe("job-1");
    await lock.release();
  });

  it("a job whose lock another job took is told to stop, and its release leaves the other's lock alone", async () => {
    const stale = shopWriteLock(redis, "lock:c", "job-1", 5_000);
    expect(await stale.acquire()).toBe(true);
    await redis.del("lock:c");
    const other = shopWriteLock(redis, "lock:c", "job-2", 5_000);
    expect(await other.acquire()).toBe(true);
    await expect(stale.renew()).rejects.toBeInstanceOf(ShopLockLost);
    await stale.release();
    expect(await redis.get("lock:c")).toBe("job-2");
  });
});
