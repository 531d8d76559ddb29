// Producer side: the Queue objects a process enqueues into, with the defaults
// every job gets (retries with exponential backoff, bounded history in Redis).
import { Queue, type JobsOptions } from "bullmq";
import { QUEUES, type JobPayload, type QueueKey } from "./queue-registry.ts";
import { queueKeyPrefix, type RedisClient } from "./redis-connection.server.ts";

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  // Completed jobs are removed as they complete (keeping them costs Redis memory and a
  // trim on every completion); failed ones stay for inspection a week, bounded.
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3_600, count: 50_000 },
};

export type JobQueues = { [K in QueueKey]: Queue<JobPayload<K>> } & { close(): Promise<void> };

export function createJobQueues(connection: RedisClient, prefix: string): JobQueues {
  const queues = Object.fromEntries(
    (Object.keys(QUEUES) as QueueKey[]).map((key) => [
      key,
      new Queue(QUEUES[key].name, { connection, prefix: queueKeyPrefix(prefix, QUEUES[key].name, connection.isCluster), defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    ]),
  ) as unknown as JobQueues;
  queues.close = async () => {
    await Promise.all((Object.keys(QUEUES) as QueueKey[]).map((key) => queues[key].close()));
  };
  return queues;
}
