// The producer queues of this process, created on first use from the environment.
import { env, redisTargetOf } from "../../env.server.ts";
import { createJobQueues, type JobQueues } from "./job-queues.server.ts";
import { createProducerConnection, type RedisClient } from "./redis-connection.server.ts";

declare global {
  var __tierlineQueues: { connection: RedisClient; queues: JobQueues } | undefined;
}

export function jobQueues(): JobQueues {
  if (!globalThis.__tierlineQueues) {
    const config = env();
    const connection = createProducerConnection(redisTargetOf(config));
    // Errors surface on each failed enqueue; the event only needs a listener so it is not thrown.
    connection.on("error", () => {});
    globalThis.__tierlineQueues = { connection, queues: createJobQueues(connection, config.QUEUE_PREFIX) };
  }
  return globalThis.__tierlineQueues.queues;
}

export async function closeJobQueues(): Promise<void> {
  const current = globalThis.__tierlineQueues;
  globalThis.__tierlineQueues = undefined;
  if (!current) return;
  await current.queues.close();
  current.connection.disconnect();
}

/** PING over this process's producer connection (the web process's health check). */
export async function pingQueueRedis(): Promise<void> {
  jobQueues();
  await globalThis.__tierlineQueues!.connection.ping();
}
