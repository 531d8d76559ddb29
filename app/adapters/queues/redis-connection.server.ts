// Redis connections for BullMQ, to one Redis (a redis:// URL) or a Redis Cluster (its
// nodes). Producers fail fast (no offline queue, one try) so a failed enqueue turns into
// a 503 and Shopify retries the webhook; workers wait for Redis forever
// (maxRetriesPerRequest: null, as BullMQ requires).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { slotGroupOf } from "./queue-registry.ts";

/** Where Redis is: a redis:// (or rediss://) URL, or the seed nodes of a Redis Cluster. */
export type RedisTarget = string | { clusterNodes: string[] };
/** A connection to either; both speak the same commands and BullMQ takes both. */
export type RedisClient = Redis | Cluster;

/**
 * A Cluster from its seed nodes, each `host:port` or a redis(s):// URL; credentials and TLS
 * are taken from the first node that has them (a cluster's nodes share them).
 */
function createCluster(nodes: string[], perNode: RedisOptions, extra: ClusterOptions): Cluster {
  const urls = nodes.map((node) => new URL(node.includes("://") ? node : `redis://${node}`));
  const withAuth = urls.find((url) => url.password || url.username);
  const tls = urls.some((url) => url.protocol === "rediss:");
  return new Cluster(
    urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
    {
      ...extra,
      redisOptions: {
        ...perNode,
        ...(withAuth ? { username: decodeURIComponent(withAuth.username) || undefined, password: decodeURIComponent(withAuth.password) } : {}),
        ...(tls ? { tls: {} } : {}),
      },
    },
  );
}

const PRODUCER: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 1_000,
  // Keep trying to come back, but never make a caller wait for it.
  retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
};

const WORKER: RedisOptions = {
  maxRetriesPerRequest: null,
  enableReadyCheck: true,
  retryStrategy: (attempt) => Math.min(attempt * 500, 5_000),
};

export function createProducerConnection(target: string, extra?: RedisOptions): Redis;
export function createProducerConnection(target: RedisTarget, extra?: RedisOptions): RedisClient;
export function createProducerConnection(target: RedisTarget, extra: RedisOptions = {}): RedisClient {
  if (typeof target === "string") return new Redis(target, { ...PRODUCER, ...extra });
  const { enableOfflineQueue, retryStrategy, ...perNode } = { ...PRODUCER, ...extra };
  return createCluster(target.clusterNodes, perNode, { enableOfflineQueue, clusterRetryStrategy: retryStrategy });
}

export function createWorkerConnection(target: string, extra?: RedisOptions): Redis;
export function createWorkerConnection(target: RedisTarget, extra?: RedisOptions): RedisClient;
export function createWorkerConnection(target: RedisTarget, extra: RedisOptions = {}): RedisClient {
  if (typeof target === "string") return new Redis(target, { ...WORKER, ...extra });
  const { retryStrategy, ...perNode } = { ...WORKER, ...extra };
  return createCluster(target.clusterNodes, perNode, { clusterRetryStrategy: retryStrategy });
}

/** BullMQ key prefix on one Redis; the braces make it a Redis Cluster hash tag so a queue's keys share a slot. */
export function queuePrefix(prefix: string): string {
  return `{${prefix}}`;
}

/**
 * The key prefix of one queue. On one Redis every queue shares `{prefix}` (unchanged, so a
 * running deployment keeps its queued jobs). On a Redis Cluster each queue gets a hash tag
 * of its own, `{prefix-queue}`, so the queues spread over the masters while each queue's
 * keys (and its locks, which live under the queue's keys) stay in one slot; queues that
 * BullMQ touches in one script (a flow's parent and children) share theirs.
 */
export function queueKeyPrefix(prefix: string, queueName: string, cluster: boolean): string {
  return cluster ? `{${prefix}-${slotGroupOf(queueName)}}` : queuePrefix(prefix);
}
