// The Redis lock that keeps one shop's writes to Shopify (tier sync, promise writes) to one
// job at a time. A job renews it before every round; a renewal that finds the lock gone (it
// lapsed, or a Redis restart lost it) takes it again if nobody else has, and otherwise stops
// the job: two jobs writing the same rows at once could each save what the other overwrote.
import type { Redis } from "ioredis";

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
// Extends our own lock; takes it again when nobody holds it; 0 when another job does.
const RENEW = `local holder = redis.call("get", KEYS[1])
if holder == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end
if not holder then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
return 0`;

/** Thrown by `renew` when another job holds the shop's lock: this job must stop writing. */
export class ShopLockLost extends Error {
  constructor(readonly lock: string) {
    super(`the shop's write lock ${lock} is held by another job`);
  }
}

export interface ShopWriteLock {
  /** Takes the lock; false when another job holds it. */
  acquire(): Promise<boolean>;
  /** Keeps it for another period (or takes it back if it was lost); throws ShopLockLost if another job has it. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export function shopWriteLock(redis: Redis, lock: string, owner: string, ms: number): ShopWriteLock {
  return {
    acquire: async () => (await redis.set(lock, owner, "PX", ms, "NX")) !== null,
    renew: async () => {
      if (Number(await redis.eval(RENEW, 1, lock, owner, String(ms))) !== 1) throw new ShopLockLost(lock);
    },
    release: async () => void (await redis.eval(RELEASE, 1, lock, owner)),
  };
}
