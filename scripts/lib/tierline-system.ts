// The whole of Tierline as production runs it, against the store simulator:
// a fresh database, a private Redis, the simulator in this process, the web
// process and worker processes pointed at it. Used by end-to-end tests and benchmarks.
import { randomUUID } from "node:crypto";
import { createJobQueues } from "../../app/adapters/queues/job-queues.server.ts";
import { createProducerConnection, type RedisTarget } from "../../app/adapters/queues/redis-connection.server.ts";
import { requestTierSync } from "../../app/workers/tier-sync-jobs.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../../tests/support/test-database.ts";
import { appEnv, AppProcess, startWebProcess, startWorkerProcess, TEST_API_KEY, TEST_API_SECRET } from "./app-processes.ts";
import { freePort, PrivateRedis, PrivateRedisCluster } from "./private-redis.ts";
import { watchSettling, type SettleWatcher } from "./settle.ts";

export interface TierlineSystem<R extends PrivateRedis | PrivateRedisCluster = PrivateRedis> {
  sim: RunningSimulator;
  database: TestDatabase;
  redis: R;
  /** What the app processes were given: REDIS_URL, or REDIS_CLUSTER_NODES. */
  redisTarget: RedisTarget;
  web: AppProcess;
  /** Where the web process listens (webhooks are posted here). */
  appUrl: string;
  workers: AppProcess[];
  prefix: string;
  /** The app processes' environment, to start another worker process. */
  env: ReturnType<typeof appEnv>;
  settle: SettleWatcher;
  /** Writes the spend values that moved within a tier now, as the periodic review does, and waits until it is done. */
  refreshSpend(shop: string): Promise<void>;
  /** Stops everything started so far, last first; safe to call after a failed start. */
  close(): Promise<void>;
}

export interface TierlineSystemOptions {
  kind?: DatabaseKind;
  label?: string;
  workers?: number;
  /** A local Redis Cluster of three masters instead of one Redis. */
  redisCluster?: boolean;
  /** More app environment (WORKER_CONCURRENCY, APP_BRIDGE_URL, …). */
  env?: Record<string, string>;
  /** Told of each part started, with how to stop it (benchmarks keep their own cleanup list). */
  onStarted?: (what: string, stop: () => Promise<unknown>) => void;
}

export function startTierlineSystem(options?: TierlineSystemOptions & { redisCluster?: false }): Promise<TierlineSystem>;
export function startTierlineSystem(options: TierlineSystemOptions & { redisCluster: true }): Promise<TierlineSystem<PrivateRedisCluster>>;
export async function startTierlineSystem(options: TierlineSystemOptions = {}): Promise<TierlineSystem<PrivateRedis | PrivateRedisCluster>> {
  const stops: Array<() => Promise<unknown>> = [];
  const started = <T>(what: string, value: T, stop: () => Promise<unknown>): T => {
    stops.push(stop);
    options.onStarted?.(what, stop);
    return value;
  };
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const database = await createTestDatabase(options.kind ?? "sqlite", options.label ?? "system");
    started("temp database", database, () => database.drop());
    const redis = options.redisCluster ? await PrivateRedisCluster.start() : await PrivateRedis.start();
    started(options.redisCluster ? "private Redis Cluster" : "private Redis", redis, () => redis.stop());
    const redisTarget = redis.target;
    const appUrl = `http://127.0.0.1:${await freePort()}`;
    const sim = await startSimulator({ port: 0, host: "127.0.0.1", appUrl, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    started("simulator", sim, () => sim.close());
    const prefix = `s${randomUUID().slice(0, 8)}`;
    const env = appEnv({
      databaseUrl: database.url,
      // On a cluster, REDIS_URL points nowhere: anything that used it instead of the cluster would fail.
      redisUrl: typeof redisTarget === "string" ? redisTarget : "redis://127.0.0.1:9",
      queuePrefix: prefix,
      extra: {
        ...(typeof redisTarget === "string" ? {} : { REDIS_CLUSTER_NODES: redisTarget.clusterNodes.join(",") }),
        PORT: new URL(appUrl).port,
        SHOPIFY_APP_URL: appUrl,
        SHOPIFY_API_ORIGIN: sim.origin,
        // The simulator's App Bridge stand-in, for pages opened in its admin.
        APP_BRIDGE_URL: `${sim.origin}/_sim/app-bridge.js`,
        SCOPES: "read_customers,write_customers,read_orders,write_orders,read_all_orders,read_products,read_inventory,read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders",
        ...options.env,
      },
    });
    const { proc: web } = await startWebProcess(env);
    started("web process", web, () => web.kill());
    const workers: AppProcess[] = [];
    for (let i = 0; i < (options.workers ?? 1); i++) {
      const worker = await startWorkerProcess(env);
      workers.push(started(`worker process ${i + 1}`, worker, () => worker.kill()));
    }
    const settle = watchSettling(database.db, redisTarget, prefix);
    started("settle watcher", settle, () => settle.close());
    const refreshSpend = async (shop: string) => {
      const connection = createProducerConnection(redisTarget, { enableOfflineQueue: true });
      const queues = createJobQueues(connection, prefix);
      try {
        await requestTierSync(queues, shop, { refreshSpend: true });
      } finally {
        await queues.close();
        connection.disconnect();
      }
      await settle.settled();
    };
    return { sim, database, redis, redisTarget, web, appUrl, workers, prefix, env, settle, refreshSpend, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Grants read_all_orders (an approved app) and opens the app as the merchant would. */
export async function grantAndInstall(sim: RunningSimulator, shop: string): Promise<{ installed: boolean }> {
  await fetch(`${sim.origin}/_sim/admin/${shop}/grants`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ read_all_orders: true }) });
  return (await fetch(`${sim.origin}/_sim/admin/${shop}/install`, { method: "POST", body: "{}" })).json();
}
