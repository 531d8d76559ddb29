// Waits until Tierline has caught up: no stored delivery waiting, no tier or
// promise job queued, no customer or promise waiting for its Shopify write (a tag bulk mutation included; spend values
// left stale for the batched refresh do not count). Used by the demo and tests.
import { Queue } from "bullmq";
import type { Db } from "../../app/db.server.ts";
import { QUEUES } from "../../app/adapters/queues/queue-registry.ts";
import { createWorkerConnection, queueKeyPrefix, type RedisTarget } from "../../app/adapters/queues/redis-connection.server.ts";
import { eventually } from "./app-processes.ts";

export interface SettleWatcher {
  /** Resolves when everything has settled; `progress` hears the counts while it waits. */
  settled(options?: { timeoutMs?: number; progress?: (counts: { deliveries: number; queued: number; pendingSync: number }) => void }): Promise<void>;
  close(): Promise<void>;
}

export function watchSettling(db: Db, redis: RedisTarget, prefix: string): SettleWatcher {
  const connection = createWorkerConnection(redis);
  // A Redis restarted on purpose (the fault-injection suite): it reconnects; nothing to report.
  connection.on("error", () => {});
  const queues = [QUEUES.webhooks.name, QUEUES.tierRecompute.name, QUEUES.tierSync.name, QUEUES.promises.name, QUEUES.promiseWrites.name].map((name) => new Queue(name, { connection, prefix: queueKeyPrefix(prefix, name, connection.isCluster) }));
  return {
    async settled({ timeoutMs = 180_000, progress } = {}) {
      // Settled twice in a row, a moment apart: a job can be between queues.
      let calm = 0;
      await eventually(async () => {
        const [deliveries, pendingSync, ...counts] = await Promise.all([
          db.webhookDelivery.count({ where: { status: "received" } }),
          db.customer.count({ where: { syncStatus: "pending" } }).then(async (customers) => customers + (await db.orderPromise.count({ where: { status: { in: ["open", "shipped"] }, writeStatus: { in: ["pending", "refit", "tagging"] } } }))),
          ...queues.map((q) => q.getJobCounts("waiting", "delayed", "active", "prioritized")),
        ]);
        const queued = counts.reduce((sum, c) => sum + c.waiting + c.delayed + c.active + (c.prioritized ?? 0), 0);
        progress?.({ deliveries, queued, pendingSync });
        calm = deliveries === 0 && queued === 0 && pendingSync === 0 ? calm + 1 : 0;
        return calm >= 2;
      }, { timeoutMs, intervalMs: 400, what: "Tierline to settle" });
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}
