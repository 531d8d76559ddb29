// Redis connections for BullMQ. Producers fail fast (no offline queue, one try)
// so a failed enqueue turns into a 503 and Shopify retries the webhook; workers
// wait for Redis forever (maxRetriesPerRequest: null, as BullMQ requires).
import { Redis, type RedisOptions } from "ioredis";

export function createProducerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    // Keep trying to come back, but never make a caller wait for it.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...extra,
  });
}

export function createWorkerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 500, 5_000),
    ...extra,
  });
}

/** BullMQ key prefix; the braces make it a Redis Cluster hash tag so a queue's keys share a slot. */
export function queuePrefix(prefix: string): string {
  return `{${prefix}}`;
}
