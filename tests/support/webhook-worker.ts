// A real BullMQ webhook worker on a private Redis over a fresh test database: the
// setup and teardown the worker tests share. The test supplies the processor.
import { randomUUID } from "node:crypto";
import { Worker, type Processor } from "bullmq";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { createJobQueues, type JobQueues } from "../../app/adapters/queues/job-queues.server.ts";
import { QUEUES } from "../../app/adapters/queues/queue-registry.ts";
import { createProducerConnection, createWorkerConnection, queuePrefix } from "../../app/adapters/queues/redis-connection.server.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

export interface WebhookWorkerHarness {
  redis: PrivateRedis;
  database: TestDatabase;
  queues: JobQueues;
  /** The connection `queues` use. */
  producer: ReturnType<typeof createProducerConnection>;
  worker: Worker;
  close(): Promise<void>;
}

/** Starts Redis and the database, runs `prepare` on the database, then starts the worker with the processor `processor` returns. */
export async function startWebhookWorker(
  databaseName: string,
  options: { processor: (database: TestDatabase) => Processor; prepare?: (database: TestDatabase) => Promise<unknown>; concurrency?: number },
): Promise<WebhookWorkerHarness> {
  const redis = await PrivateRedis.start();
  const database = await createTestDatabase("sqlite", databaseName);
  await options.prepare?.(database);
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const producer = createProducerConnection(redis.url, { enableOfflineQueue: true });
  const consumer = createWorkerConnection(redis.url);
  const queues = createJobQueues(producer, prefix);
  const worker = new Worker(QUEUES.webhooks.name, options.processor(database), { connection: consumer, prefix: queuePrefix(prefix), concurrency: options.concurrency ?? 2 });
  return {
    redis,
    database,
    queues,
    producer,
    worker,
    async close() {
      await worker.close();
      await queues.close();
      producer.disconnect();
      consumer.disconnect();
      await redis.stop();
      await database.drop();
    },
  };
}
