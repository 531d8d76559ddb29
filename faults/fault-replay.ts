// The fault-injection replay: Tierline as production runs it (web and worker processes, Redis with
// append-only persistence, SQLite or PostgreSQL) against the store simulator, live traffic over
// several shops (orders, refunds, edits, cancellations, fulfillments, payments taken later) while
// faults are injected: duplicated, reordered, late and lost webhooks, connections reset, Admin API
// calls throttled, refused (429, 5xx) or slow, workers SIGKILLed and restarted, Redis restarted
// (once losing its last second of writes), web processes killed under load. Then the app's own
// repairs run as its schedulers would run them (delivery sweep, reconciliation, spend refresh),
// and the oracle (oracle.ts) checks every customer and every promise against the store's truth.
//
// runFaultReplay() is a module so other suites (scale-out: several web and worker processes,
// a Redis Cluster) run the same replay and oracle with their own processes and Redis, and watch
// the processes through an observer (what each part costs).
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { createWorkerConnection, queueKeyPrefix, type RedisTarget } from "../app/adapters/queues/redis-connection.server.ts";
import type { MutationRecord } from "../simulator/store/types.ts";
import type { SimCustomer, SimOrder, SimShop } from "../simulator/store/types.ts";
import { startSimulator, type RunningSimulator } from "../simulator/server.ts";
import { mulberry32 } from "../simulator/store/seed-generator.ts";
import type { FaultCounts } from "../simulator/webhooks/faults.ts";
import type { DeliveryAttempt } from "../simulator/webhooks/delivery.ts";
import { appEnv, AppProcess, eventually, startWebProcess, startWorkerProcess, TEST_API_KEY, TEST_API_SECRET } from "../scripts/lib/app-processes.ts";
import { freePort } from "../scripts/lib/private-redis.ts";
import { watchSettling } from "../scripts/lib/settle.ts";
import { startBalancerProcess } from "../scripts/lib/tcp-balancer.ts";
import { grantAndInstall } from "../scripts/lib/tierline-system.ts";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../tests/support/test-database.ts";
import { checkShop, type Divergence, type ShopGroundTruth } from "./oracle.ts";
import { PersistentRedis, PersistentRedisCluster } from "./fault-processes.ts";
import type { FaultProfile } from "./fault-profiles.ts";
import { repeatedWrites, tierChangesOutOfChain, writesMadeTwice, type RepeatedWrite, type WritesMadeTwice } from "./repeated-effects.ts";

/** A Redis the caller runs (one Redis or a cluster): restarts are the caller's to make, or none. */
export interface ReplayRedis {
  /** A redis:// URL, or a cluster's seed nodes (the app gets REDIS_CLUSTER_NODES). */
  target: RedisTarget;
  /** What a Redis restart restarts, for the report. */
  readonly restartsWhat?: string;
  restart?(kind: "clean" | "lossy", downMs: number): Promise<void>;
  sampleMemory?(): Promise<number>;
  readonly peakMemoryBytes?: number;
  stop?(): Promise<void>;
}

/** The app's processes as they are now (a fault replaces them). */
export interface ReplayProcesses {
  web: AppProcess[];
  workers: AppProcess[];
  redis: RedisTarget;
}

/** Hooks for a suite that measures the processes while the replay runs; each is awaited. */
export interface ReplayObserver {
  /** Installed, backfilled and settled; before the faults are switched on and the first order placed. */
  ready?(processes: ReplayProcesses): Promise<void>;
  /** A fault is about to end this process (Redis: to restart it); what it has counted is lost after. */
  ending?(what: "web" | "worker" | "redis", proc: AppProcess | null): Promise<void>;
  /** Its replacement is up (Redis: answering again). */
  started?(what: "web" | "worker" | "redis", proc: AppProcess | null): Promise<void>;
  /** Every delivery of the replay done (retries included) and the app settled, before the scheduled repairs run. */
  drained?(processes: ReplayProcesses): Promise<void>;
}

export interface FaultReplayOptions {
  profile: FaultProfile;
  database: DatabaseKind;
  webProcesses?: number;
  workerProcesses?: number;
  /**
   * Default: a private redis-server with append-only persistence that the replay restarts;
   * "cluster": a private Redis Cluster of three such masters, one master restarted at a time;
   * or a Redis the caller runs.
   */
  redis?: ReplayRedis | "cluster";
  observer?: ReplayObserver;
  /** More app environment (WORKER_CONCURRENCY, …). */
  env?: Record<string, string>;
  /** Longest wait for the app to converge after the last fault. */
  convergeTimeoutMs?: number;
  /** Redis may use at most this much at its peak. */
  redisMemoryLimitBytes?: number;
  log?: (line: string) => void;
}

export interface DivergenceWithTrail extends Divergence {
  trail: string[];
}

export interface FaultReplayReport {
  profile: string;
  database: DatabaseKind;
  shops: number;
  ordersPlaced: number;
  actions: Record<string, number>;
  deliveries: { events: number; attempts: number; failedAttempts: number; duplicatesSent: number; duplicatesAbsorbed: number };
  faults: FaultCounts & { workerKills: number; redisRestartsClean: number; redisRestartsLossy: number; webRestarts: number };
  /** One Redis or a cluster, and what a Redis restart restarted (or why none was made). */
  redis: { kind: "single" | "cluster"; restarts: string };
  webProcesses: number;
  workerProcesses: number;
  repairs: { reconcileRuns: number; ordersStored: number; refundsStored: number; lostRecomputes: number; membersAdded: number; contactsUpdated: number; promisesRecovered: number; deliveriesSwept: number };
  convergeSeconds: number | null;
  setupSeconds: number;
  replaySeconds: number;
  lostOrders: string[];
  jobs: { failed: Record<string, number>; failedReasons: string[]; stuck: number };
  /** How long a slow Admin API answer takes, and the worker's client timeout below it. */
  adminApi: { slowMs: number; clientTimeoutMs: number };
  /**
   * Shopify writes that found the store already as they would leave it (from the replay's start);
   * only those that no process fault explains fail the run.
   */
  writesMadeTwice: WritesMadeTwice;
  /** The first repeats no process fault explains, each with every write made to its resource. */
  repeatTrails: { what: string; trail: string[] }[];
  /** Tier changes that do not follow their customer's previous one: a job processed twice to a different result. */
  tierChangesOutOfChain: { count: number; of: number; samples: string[] };
  redisPeakMemoryBytes: number;
  redisMemoryBounded: boolean;
  customersChecked: number;
  ordersChecked: number;
  promisesBehindTheMoney: number;
  divergences: DivergenceWithTrail[];
  ok: boolean;
}

const SCOPES = "read_customers,write_customers,read_orders,write_orders,read_all_orders,read_products,read_inventory,read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders";
const WORK_QUEUES: string[] = [QUEUES.webhooks.name, QUEUES.tierRecompute.name, QUEUES.tierSync.name, QUEUES.promises.name, QUEUES.promiseWrites.name];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** JSON over the simulator's control API; throws with the answer on a non-2xx. */
function controlApi(origin: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${origin}${path}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
}

/** A shop's ground truth, read through the control API only. */
export async function readGroundTruth(origin: string, shop: string): Promise<ShopGroundTruth> {
  const call = controlApi(origin);
  const { shop: shopRow } = await call<{ shop: SimShop }>("GET", `/_sim/shops/${shop}`);
  const pages = async <T>(path: string, key: string): Promise<T[]> => {
    const out: T[] = [];
    for (let offset = 0; ; offset += 5_000) {
      const page = await call<Record<string, unknown> & { total: number }>("GET", `${path}?limit=5000&offset=${offset}`);
      out.push(...(page[key] as T[]));
      if (out.length >= page.total) return out;
    }
  };
  return { shop: shopRow, customers: await pages<SimCustomer>(`/_sim/shops/${shop}/customers`, "customers"), orders: await pages<SimOrder>(`/_sim/shops/${shop}/orders`, "orders") };
}

interface Running {
  database: TestDatabase;
  redis: ReplayRedis;
  sim: RunningSimulator;
  web: { port: number; proc: AppProcess | null }[];
  workers: AppProcess[];
  env: ReturnType<typeof appEnv>;
  prefix: string;
  observer: ReplayObserver;
  /** When a worker was killed or Redis restarted. */
  processFaults: Date[];
}

/** A process that ends when no fault ended it (a crash) is reported with the end of its output. */
const endedOnPurpose = new WeakSet<AppProcess>();
function reportCrash(proc: AppProcess, log: (line: string) => void): AppProcess {
  proc.child.once("exit", (code, signal) => {
    if (!endedOnPurpose.has(proc)) log(`${proc.name} process ${proc.child.pid} ended by itself (${signal ?? `exit ${code}`}): ${proc.output.slice(-1500)}`);
  });
  return proc;
}
const endOnPurpose = (proc: AppProcess | null | undefined, signal?: NodeJS.Signals) => {
  if (!proc) return;
  endedOnPurpose.add(proc);
  return proc.kill(signal);
};

const processesOf = (running: Running): ReplayProcesses => ({ web: running.web.flatMap((w) => (w.proc && !w.proc.exited ? [w.proc] : [])), workers: running.workers, redis: running.redis.target });

export async function runFaultReplay(options: FaultReplayOptions): Promise<FaultReplayReport> {
  const { profile } = options;
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<unknown>> = [];
  const rand = mulberry32(profile.seed);
  const setupStarted = Date.now();
  try {
    // ------------------------------------------------------------------ the system
    const database = await createTestDatabase(options.database, "faults");
    stops.push(() => database.drop());
    const ownRedis = options.redis === undefined || options.redis === "cluster";
    const redis: ReplayRedis = options.redis === "cluster" ? await PersistentRedisCluster.start() : (options.redis ?? (await PersistentRedis.start()));
    if (ownRedis) stops.push(() => redis.stop!());
    const onCluster = typeof redis.target !== "string";
    const doorPort = await freePort();
    const appUrl = `http://127.0.0.1:${doorPort}`;
    const sim = await startSimulator({ port: 0, host: "127.0.0.1", appUrl, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    stops.push(() => sim.close());
    const call = controlApi(sim.origin);
    await call("POST", "/_sim/webhooks/config", { timeCompression: profile.timeCompression });
    const prefix = `f${randomUUID().slice(0, 8)}`;
    const target = redis.target;
    const env = appEnv({
      databaseUrl: database.url,
      // On a cluster, REDIS_URL points nowhere: anything that used it instead of the cluster would fail.
      redisUrl: typeof target === "string" ? target : "redis://127.0.0.1:9",
      queuePrefix: prefix,
      extra: {
        ...(typeof target === "string" ? {} : { REDIS_CLUSTER_NODES: target.clusterNodes.join(",") }), SHOPIFY_APP_URL: appUrl, SHOPIFY_API_ORIGIN: sim.origin, SCOPES,
        // The tests' 2 s job lock makes a killed worker's jobs come back fast, but on a loaded
        // machine a 2 s sync slice outlives its own lock renewal: BullMQ then counts a running
        // job as stalled (and runs it twice), and five of those fail it. Production's lock is 30 s.
        WORKER_LOCK_MS: "10000",
        // Slow answers outlast the client: the call is given up, and Shopify applies it anyway.
        SHOPIFY_ADMIN_TIMEOUT_MS: String(profile.adminTimeoutMs),
        ...options.env,
      },
    });
    const web: Running["web"] = [];
    for (let i = 0; i < (options.webProcesses ?? 1); i++) web.push({ port: await freePort(), proc: null });
    const startWeb = async (slot: Running["web"][number]) => {
      slot.proc = reportCrash((await startWebProcess({ ...env, PORT: String(slot.port) })).proc, log);
    };
    await Promise.all(web.map(startWeb));
    stops.push(async () => Promise.all(web.map((w) => endOnPurpose(w.proc))));
    // The front door: a round-robin balancer (its own process) that skips a web process that is down.
    const door = await startBalancerProcess(doorPort, web.map((w) => w.port));
    stops.push(() => door.kill());
    const workers: AppProcess[] = await Promise.all(Array.from({ length: options.workerProcesses ?? 1 }, async () => reportCrash(await startWorkerProcess(env), log)));
    stops.push(async () => Promise.all(workers.map((w) => endOnPurpose(w))));
    const observer = options.observer ?? {};
    const running: Running = { database, redis, sim, web, workers, env, prefix, observer, processFaults: [] };
    const settle = watchSettling(database.db, target, prefix);
    stops.push(() => settle.close());
    const connection = createWorkerConnection(target);
    // Redis restarts on purpose: the handles reconnect, nothing to report.
    connection.on("error", () => {});
    const queues = new Map<string, Queue>([...WORK_QUEUES, QUEUES.tierMaintenance.name, QUEUES.shopLifecycle.name].map((name) => [name, new Queue(name, { connection, prefix: queueKeyPrefix(prefix, name, onCluster) })]));
    stops.push(async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    });

    // ------------------------------------------------------------------ shops, install and backfill
    const shops = Array.from({ length: profile.shops }, (_, i) => `faults-${profile.name}-${i + 1}.myshopify.com`);
    const customersOf = new Map<string, string[]>();
    for (const [i, shop] of shops.entries()) {
      await call("POST", "/_sim/shops", { shop, size: "tiny", seed: profile.seed + i, plan: "plus", install: false, now: new Date().toISOString() });
      const install = await grantAndInstall(sim, shop);
      if (!install.installed) throw new Error(`install on ${shop} failed`);
      customersOf.set(shop, (await call<{ customers: SimCustomer[] }>("GET", `/_sim/shops/${shop}/customers?limit=1000`)).customers.map((c) => c.id));
    }
    await eventually(async () => (await database.db.backfillRun.count({ where: { status: "completed" } })) >= shops.length, { timeoutMs: 180_000, intervalMs: 500, what: "every shop's backfill" });
    await settle.settled({ timeoutMs: 180_000 });
    // Writes made twice are counted from here (the store's sequence number of its last write).
    const mutationsFrom = new Map<string, number>();
    for (const shop of shops) mutationsFrom.set(shop, (await call<{ mutations: MutationRecord[] }>("GET", `/_sim/shops/${shop}/mutations`)).mutations.at(-1)?.seq ?? 0);
    log(`${shops.length} shops installed and backfilled; replaying ${profile.orders} orders at ${profile.rate}/s with faults`);
    await observer.ready?.(processesOf(running));

    // ------------------------------------------------------------------ faults on, replay
    await call("POST", "/_sim/faults", { seed: profile.seed, webhooks: profile.webhooks, adminApi: { ...profile.adminApi, errorStatus: 503 } });
    // New customers sign up under faults too: a lost customers/create of one who never orders is
    // repaired only by reconciliation's read of customers (the oracle expects each a base-tier tag).
    for (const shop of shops) {
      for (let c = 0; c < profile.customersPerShop; c++) {
        const { customer } = await call<{ customer: SimCustomer }>("POST", `/_sim/shops/${shop}/customers`, { email: `buyer.${c + 1}@${shop.split(".")[0]}.example.com`, firstName: "Replay", lastName: `Buyer ${c + 1}` });
        customersOf.get(shop)!.push(customer.id);
      }
    }
    const trail = new Map<string, string[]>();
    const note = (shop: string, customerId: string | null, text: string) => {
      const key = `${shop} ${customerId ?? "guest"}`;
      trail.set(key, [...(trail.get(key) ?? []), `${new Date().toISOString()} ${text}`]);
    };
    const actions: Record<string, number> = { order: 0, refund: 0, edit: 0, cancel: 0, fulfill: 0, markPaid: 0, refused: 0 };
    const replayOrders: Array<{ shop: string; id: string; customerId: string | null }> = [];
    const replayOrderIds = new Set<string>();
    const replaySeconds = profile.orders / profile.rate;
    const faultPlan = planFaults(profile, replaySeconds * 1000, rand, redis.restart !== undefined);
    const injected = { workerKills: 0, redisRestartsClean: 0, redisRestartsLossy: 0, webRestarts: 0 };
    const started = Date.now();
    const setupSeconds = (started - setupStarted) / 1000;
    const faultRun = runFaultPlan(faultPlan, started, running, injected, log);
    // Redis memory is sampled through the run (a restart samples it too, just before).
    const sampler = setInterval(() => void redis.sampleMemory?.(), 2_000);
    stops.push(async () => clearInterval(sampler));

    // The traffic is planned up front from the seed (who buys what, which earlier order is refunded,
    // edited, cancelled, shipped or paid), then played on time with many requests in flight; the
    // actions on one order keep their planned order.
    const plan = planTraffic(profile, shops, customersOf, rand);
    const placedIds: Array<Promise<string | null>> = [];
    const chains: Array<Promise<unknown>> = [];
    const act = async (what: string, shop: string, target: number, path: string, body: unknown) => {
      const id = await placedIds[target];
      const customerId = plan[target].customerId;
      if (!id) return;
      try {
        await call("POST", `/_sim/shops/${shop}/orders/${id}${path}`, body);
        actions[what]++;
        note(shop, customerId, `${what} ${id} ${JSON.stringify(body)}`);
      } catch (error) {
        actions.refused++;
        note(shop, customerId, `${what} ${id} refused by the store: ${(error as Error).message.slice(0, 120)}`);
      }
    };
    const IN_FLIGHT = 24;
    for (const [n, planned] of plan.entries()) {
      const due = started + (n * 1000) / profile.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (n >= IN_FLIGHT) await placedIds[n - IN_FLIGHT];
      placedIds[n] = call<{ order: SimOrder }>("POST", `/_sim/shops/${planned.shop}/orders`, planned.body).then(
        ({ order }) => {
          replayOrders.push({ shop: planned.shop, id: order.id, customerId: planned.customerId });
          replayOrderIds.add(order.id);
          actions.order++;
          note(planned.shop, planned.customerId, `order ${order.id} ${order.totalPriceSet.shopMoney.amount}${planned.cod ? " (cash on delivery)" : ""}`);
          return order.id;
        },
        (error: unknown) => {
          log(`order ${n} not placed: ${(error as Error).message}`);
          return null;
        },
      );
      chains[n] = placedIds[n];
      for (const followUp of planned.followUps) {
        chains[followUp.target] = chains[followUp.target].then(() => act(followUp.what, planned.shop, followUp.target, followUp.path, followUp.body));
      }
    }
    await Promise.all(chains);
    await faultRun;
    const replayEnded = Date.now();
    const faultState = await call<{ counts: FaultCounts }>("GET", "/_sim/faults");
    await call("DELETE", "/_sim/faults");
    log(`replay done in ${((replayEnded - started) / 1000).toFixed(0)} s; faults off; converging`);

    // ------------------------------------------------------------------ convergence: the app's own repairs
    const repairs = { reconcileRuns: 0, ordersStored: 0, refundsStored: 0, lostRecomputes: 0, membersAdded: 0, contactsUpdated: 0, promisesRecovered: 0, deliveriesSwept: 0 };
    const runJob = async (queueName: string, name: string, data: Record<string, unknown>) => {
      const jobId = `faults-${name}-${randomUUID()}`;
      const queue = queues.get(queueName)!;
      await queue.add(name, data, { jobId, attempts: 3, backoff: { type: "fixed", delay: 1_000 }, removeOnComplete: false, removeOnFail: false });
      return eventually(async () => {
        const job = await queue.getJob(jobId);
        const state = await job?.getState();
        if (state === "failed") throw new Error(`${name} failed: ${job!.failedReason}`);
        return state === "completed" ? ((job!.returnvalue ?? {}) as Record<string, unknown>) : null;
      }, { timeoutMs: 120_000, intervalMs: 250, what: `${name} done` });
    };
    const convergeTimeoutMs = options.convergeTimeoutMs ?? 240_000;
    let converged: number | null = null;
    let result = { customersChecked: 0, ordersChecked: 0, divergences: [] as Divergence[], promisesBehindTheMoney: 0 };
    for (let round = 0; Date.now() - replayEnded < convergeTimeoutMs; round++) {
      await call("POST", `/_sim/webhooks/idle?timeoutMs=${Math.max(1_000, convergeTimeoutMs - (Date.now() - replayEnded))}`);
      await settle.settled({ timeoutMs: 180_000 }).catch((error: Error) => log(`not settled: ${error.message.split("\n")[0]}`));
      if (round === 0) await observer.drained?.(processesOf(running));
      log(`round ${round + 1}: every delivery done and settled ${((Date.now() - replayEnded) / 1000).toFixed(0)} s after the last fault; the scheduled repairs run`);
      // As the schedulers would: the delivery sweep, the hourly reconciliation, the spend refresh.
      const swept = await runJob(QUEUES.shopLifecycle.name, "sweep-deliveries", { kind: "sweep-deliveries" });
      repairs.deliveriesSwept += Number((swept as { requeued?: number }).requeued ?? 0);
      for (const shop of shops) {
        const done = (await runJob(QUEUES.tierMaintenance.name, "reconcile-shop", { kind: "reconcile-shop", shop })) as {
          ordersStored?: number; refundsStored?: number; repaired?: number; customerPass?: { membersAdded?: number; contactsUpdated?: number }; promises?: { recovered?: number } | null;
        };
        repairs.reconcileRuns++;
        repairs.ordersStored += done.ordersStored ?? 0;
        repairs.refundsStored += done.refundsStored ?? 0;
        repairs.lostRecomputes += done.repaired ?? 0;
        repairs.membersAdded += done.customerPass?.membersAdded ?? 0;
        repairs.contactsUpdated += done.customerPass?.contactsUpdated ?? 0;
        repairs.promisesRecovered += done.promises?.recovered ?? 0;
      }
      await settle.settled({ timeoutMs: 180_000 }).catch(() => {});
      await runJob(QUEUES.tierMaintenance.name, "review-due", { kind: "review-due" });
      await settle.settled({ timeoutMs: 180_000 }).catch(() => {});
      result = await oracle(sim.origin, shops, replayOrderIds);
      if (result.divergences.length === 0) {
        converged = (Date.now() - replayEnded) / 1000;
        break;
      }
      log(`${result.divergences.length} divergences ${((Date.now() - replayEnded) / 1000).toFixed(0)} s after the last fault; the next scheduled repairs run in 10 s`);
      await sleep(10_000);
    }

    // ------------------------------------------------------------------ what else must hold
    const lostOrders: string[] = [];
    for (const shop of shops) {
      const truth = await readGroundTruth(sim.origin, shop);
      const held = new Set((await database.db.ledgerOrder.findMany({ where: { shop }, select: { orderGid: true } })).map((r) => r.orderGid));
      for (const order of truth.orders) if (!order.test && !held.has(order.gid)) lostOrders.push(`${shop} ${order.gid}`);
    }
    const failed: Record<string, number> = {};
    const failedReasons = new Set<string>();
    let stuck = 0;
    for (const [name, queue] of queues) {
      const counts = await queue.getJobCounts("failed", "waiting", "active", "delayed", "prioritized");
      if (counts.failed) {
        failed[name] = counts.failed;
        // Why, for the report: the distinct reasons of the queue's failed jobs (a few of each).
        for (const job of await queue.getFailed(0, 199)) if (job) failedReasons.add(`${name}: ${(job.failedReason ?? "").slice(0, 200)}`);
      }
      if (WORK_QUEUES.includes(name)) stuck += counts.waiting + counts.active + counts.delayed + (counts.prioritized ?? 0);
    }
    const repeats: RepeatedWrite[] = [];
    const mutations: MutationRecord[] = [];
    for (const shop of shops) {
      const made = (await call<{ mutations: MutationRecord[] }>("GET", `/_sim/shops/${shop}/mutations?since=${mutationsFrom.get(shop)}`)).mutations;
      mutations.push(...made);
      repeats.push(...repeatedWrites(made));
    }
    const twice = writesMadeTwice(repeats, running.processFaults);
    // Every write the replay made to the resource of a repeat no process fault explains, and what
    // the app holds of its promise: what a reader needs to find the path that wrote it twice.
    const repeatTrails = await Promise.all(
      twice.unexplained.slice(0, 3).map(async (r) => {
        const trail = mutations.filter((m) => JSON.stringify(m.detail).includes(`"${r.owner}"`)).map((m) => `${m.at} ${m.field}${m.cost === 0 ? " (bulk line)" : ""}${m.ok ? "" : " refused"} ${JSON.stringify(m.detail).slice(0, 160)}`);
        const promise = r.owner.startsWith("gid://shopify/Order/")
          ? await database.db.orderPromise.findFirst({ where: { orderGid: r.owner }, select: { tierKey: true, status: true, writeStatus: true, writeAttempts: true, writeError: true, madeAt: true, writtenAt: true, updatedAt: true } })
          : null;
        return { what: `${r.what} at ${r.at}`, trail: [...trail, ...(promise ? [`app holds: promise ${JSON.stringify(promise)}`] : [])] };
      }),
    );
    const changes = await database.db.tierChange.findMany({ where: { shop: { in: shops } }, orderBy: [{ shop: "asc" }, { customerGid: "asc" }, { occurredAt: "asc" }, { id: "asc" }], select: { shop: true, customerGid: true, fromTier: true, toTier: true, occurredAt: true } });
    const outOfChain = tierChangesOutOfChain(changes);
    await redis.sampleMemory?.();
    const peak = redis.peakMemoryBytes ?? 0;
    const memoryLimit = options.redisMemoryLimitBytes ?? 256 * 1024 * 1024;
    const attempts = (await call<{ attempts: DeliveryAttempt[] }>("GET", "/_sim/webhooks")).attempts;
    const deliveries = {
      events: new Set(attempts.map((a) => a.webhookId)).size,
      attempts: attempts.length,
      failedAttempts: attempts.filter((a) => !a.ok).length,
      duplicatesSent: attempts.filter((a) => a.duplicate && a.attempt === 1).length,
      duplicatesAbsorbed: attempts.filter((a) => a.duplicate && a.ok).length,
    };
    const trailOf = (d: Divergence): string[] => {
      const truthKey = d.subject.startsWith("gid://shopify/Customer/") ? `${d.shop} ${d.subject.split("/").pop()}` : null;
      const order = replayOrders.find((o) => `gid://shopify/Order/${o.id}` === d.subject);
      const key = truthKey ?? (order ? `${d.shop} ${order.customerId ?? "guest"}` : null);
      return key ? (trail.get(key) ?? ["(no replay action: history from before the install only)"]) : [];
    };
    // What the app's own tables say about each subject: for whoever reads the report, never for the oracle.
    const appView = async (d: Divergence): Promise<string> => {
      if (d.subject.startsWith("gid://shopify/Order/")) {
        const row = await database.db.orderPromise.findUnique({ where: { shop_orderGid: { shop: d.shop, orderGid: d.subject } }, select: { tierKey: true, status: true, writeStatus: true, writeError: true, writeAttempts: true, madeAt: true } });
        const ledger = await database.db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop: d.shop, orderGid: d.subject } } }).catch(() => null);
        return `app holds: promise ${JSON.stringify(row)}; in ledger: ${ledger !== null}`;
      }
      const row = await database.db.customer.findUnique({ where: { shop_customerGid: { shop: d.shop, customerGid: d.subject } }, select: { tierKey: true, qualifyingSpend: true, syncStatus: true, updatedAt: true, shopifyUpdatedAt: true } });
      const changes = await database.db.tierChange.findMany({ where: { shop: d.shop, customerGid: d.subject }, select: { fromTier: true, toTier: true, occurredAt: true }, orderBy: { occurredAt: "asc" } });
      // The customer's orders as the ledger holds them, and every delivery that named each: where a sum went astray.
      const orderIds = replayOrders.filter((o) => o.shop === d.shop && `gid://shopify/Customer/${o.customerId}` === d.subject).map((o) => o.id);
      const ledger = await database.db.ledgerOrder.findMany({
        where: { shop: d.shop, OR: [{ customerGid: d.subject }, { orderGid: { in: orderIds.map((id) => `gid://shopify/Order/${id}`) } }] },
        select: { orderGid: true, customerGid: true, currentTotal: true, financialStatus: true, outstanding: true, cancelledAt: true, test: true, deletedAt: true, orderUpdatedAt: true, updatedAt: true },
      });
      const deliveries = [];
      for (const id of orderIds) {
        const rows = await database.db.webhookDelivery.findMany({ where: { shop: d.shop, payload: { contains: String(id) } }, select: { topic: true, status: true, attempts: true, receivedAt: true, processedAt: true, error: true }, orderBy: { receivedAt: "asc" } });
        deliveries.push(...rows.map((r) => `${id} ${r.topic} ${r.status}×${r.attempts} ${r.receivedAt.toISOString()}→${r.processedAt?.toISOString() ?? "-"}${r.error ? ` ${r.error.slice(0, 80)}` : ""}`));
      }
      return `app holds: customer ${JSON.stringify(row)}; tier changes ${JSON.stringify(changes)}; ledger ${JSON.stringify(ledger)}; deliveries ${JSON.stringify(deliveries)}`;
    };
    const divergences: DivergenceWithTrail[] = [];
    for (const d of result.divergences) divergences.push({ ...d, trail: [...trailOf(d), await appView(d)] });
    const report: FaultReplayReport = {
      profile: profile.name,
      database: options.database,
      shops: shops.length,
      ordersPlaced: actions.order,
      actions,
      deliveries,
      faults: { ...faultState.counts, ...injected },
      redis: {
        kind: onCluster ? "cluster" : "single",
        restarts: redis.restart ? (redis.restartsWhat ?? "the Redis") : "none: the Redis is the caller's and cannot be restarted by the replay",
      },
      webProcesses: web.length,
      workerProcesses: workers.length,
      repairs,
      convergeSeconds: converged,
      setupSeconds,
      replaySeconds: (replayEnded - started) / 1000,
      lostOrders,
      jobs: { failed, failedReasons: [...failedReasons].slice(0, 20), stuck },
      adminApi: { slowMs: profile.adminApi.slowMs, clientTimeoutMs: profile.adminTimeoutMs },
      writesMadeTwice: twice,
      repeatTrails,
      tierChangesOutOfChain: { count: outOfChain.count, of: changes.length, samples: outOfChain.samples },
      redisPeakMemoryBytes: peak,
      redisMemoryBounded: peak > 0 && peak <= memoryLimit,
      customersChecked: result.customersChecked,
      ordersChecked: result.ordersChecked,
      promisesBehindTheMoney: result.promisesBehindTheMoney,
      divergences,
      ok: false,
    };
    report.ok =
      divergences.length === 0 && lostOrders.length === 0 && Object.keys(failed).length === 0 && stuck === 0 && report.redisMemoryBounded && converged !== null &&
      twice.tags + twice.metafields + twice.deadlines === twice.acrossProcessFault && outOfChain.count === 0;
    return report;
  } finally {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  }
}

async function oracle(origin: string, shops: string[], replayOrderIds: ReadonlySet<string>) {
  const out = { customersChecked: 0, ordersChecked: 0, divergences: [] as Divergence[], promisesBehindTheMoney: 0 };
  const now = new Date();
  for (const shop of shops) {
    const checked = checkShop(await readGroundTruth(origin, shop), { now, replayOrderIds });
    out.customersChecked += checked.customersChecked;
    out.ordersChecked += checked.ordersChecked;
    out.promisesBehindTheMoney += checked.promisesBehindTheMoney;
    out.divergences.push(...checked.divergences);
  }
  return out;
}

interface PlannedOrder {
  shop: string;
  customerId: string | null;
  cod: boolean;
  body: Record<string, unknown>;
  /** Actions on earlier orders (by plan index) made right after this one is placed. */
  followUps: Array<{ what: string; target: number; path: string; body: unknown }>;
}

/** The replay's traffic, drawn from the seed alone. */
export function planTraffic(profile: FaultProfile, shops: string[], customersOf: Map<string, string[]>, rand: () => number): PlannedOrder[] {
  const money = (lo: number, hi: number) => (lo + rand() * (hi - lo)).toFixed(2);
  const plan: PlannedOrder[] = [];
  const cancelled = new Set<number>();
  const fulfilled = new Set<number>();
  const unpaid = new Set<number>();
  for (let n = 0; n < profile.orders; n++) {
    const shop = shops[n % shops.length];
    const pool = customersOf.get(shop)!;
    const customerId = rand() < 0.08 ? null : pool[Math.floor(rand() * pool.length)];
    const cod = rand() < profile.codShare;
    const big = rand() < 0.06;
    const lineItems = Array.from({ length: rand() < 0.7 ? 1 : 2 }, (_, i) => ({ title: `Replay item ${i + 1}`, price: big ? money(600, 1800) : money(15, 260), quantity: 1 }));
    const body = {
      customerId, email: customerId ? undefined : `guest.${n}@example.net`, lineItems, shipping: { title: "Standard", price: "6.95" }, taxRate: 0.08,
      ...(cod ? { gateway: "Cash on Delivery (COD)" } : {}),
    };
    const followUps: PlannedOrder["followUps"] = [];
    // Follow-ups on an earlier order of the same shop, each one the store accepts: nothing on a
    // cancelled order, no refund before payment, no cancellation once shipped.
    const earlier = plan.map((p, i) => (p.shop === shop && !cancelled.has(i) ? i : -1)).filter((i) => i >= 0);
    if (earlier.length) {
      const target = earlier[Math.floor(rand() * earlier.length)];
      const r = rand();
      let edge = 0;
      if (r < (edge += profile.refundShare)) {
        if (!unpaid.has(target)) followUps.push({ what: "refund", target, path: "/refunds", body: rand() < 0.3 ? { full: true, note: "returned" } : { amount: money(5, 60), note: "goodwill" } });
      } else if (r < (edge += profile.editShare)) followUps.push({ what: "edit", target, path: "/edit", body: { addLineItems: [{ title: "Added by edit", price: money(10, 300), quantity: 1 }] } });
      else if (r < (edge += profile.cancelShare)) {
        if (!fulfilled.has(target)) {
          followUps.push({ what: "cancel", target, path: "/cancel", body: { reason: "CUSTOMER" } });
          cancelled.add(target);
          unpaid.delete(target);
        }
      } else if (r < (edge += profile.fulfillShare)) {
        followUps.push({ what: "fulfill", target, path: "/fulfill", body: {} });
        fulfilled.add(target);
      }
    }
    const waiting = [...unpaid].find((i) => plan[i].shop === shop);
    if (waiting !== undefined && rand() < 0.5) {
      followUps.push({ what: "markPaid", target: waiting, path: "/mark-paid", body: {} });
      unpaid.delete(waiting);
    }
    if (cod) unpaid.add(n);
    plan.push({ shop, customerId, cod, body, followUps });
  }
  return plan;
}

type PlannedFault = { atMs: number; kind: "worker-kill" | "redis-clean" | "redis-lossy" | "web-restart" };

/** When each process fault happens: spread at random over the replay's middle 90 %, seeded. */
export function planFaults(profile: FaultProfile, replayMs: number, rand: () => number, redisRestartable: boolean): PlannedFault[] {
  const at = () => replayMs * (0.05 + 0.85 * rand());
  const plan: PlannedFault[] = [];
  for (let i = 0; i < profile.workerKills; i++) plan.push({ atMs: at(), kind: "worker-kill" });
  if (redisRestartable) {
    for (let i = 0; i < profile.redisRestarts; i++) plan.push({ atMs: at(), kind: i < profile.lossyRedisRestarts ? "redis-lossy" : "redis-clean" });
  }
  for (let i = 0; i < profile.webRestarts; i++) plan.push({ atMs: at(), kind: "web-restart" });
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** A promise awaited later: its failure is reported then, not as an unhandled rejection now. */
function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** A process restarted as its supervisor would: tried again when it does not come up (a busy machine can take a minute). */
async function restarting<T>(what: string, start: () => Promise<T>, log: (line: string) => void, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= tries) throw error;
      log(`${what} did not come back (${(error as Error).message.split("\n")[0]}); starting it again`);
    }
  }
}

/**
 * Runs the plan on time: a killed process is restarted in the background (a kill of a process
 * still restarting waits for it first), so a slow start does not push the later faults back.
 */
async function runFaultPlan(plan: PlannedFault[], started: number, running: Running, injected: { workerKills: number; redisRestartsClean: number; redisRestartsLossy: number; webRestarts: number }, log: (line: string) => void) {
  const workerRestarts = new Map<number, Promise<void>>();
  const webRestarts = new Map<number, Promise<void>>();
  let nextWorker = 0;
  let nextWeb = 0;
  for (const fault of plan) {
    const wait = started + fault.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    switch (fault.kind) {
      case "worker-kill": {
        const i = nextWorker++ % running.workers.length;
        await workerRestarts.get(i);
        await running.observer.ending?.("worker", running.workers[i]);
        running.processFaults.push(new Date());
        await endOnPurpose(running.workers[i], "SIGKILL");
        injected.workerKills++;
        workerRestarts.set(i, background(restarting("worker", async () => reportCrash(await startWorkerProcess(running.env), log), log).then(async (proc) => {
          running.workers[i] = proc;
          await running.observer.started?.("worker", proc);
        })));
        break;
      }
      case "redis-clean":
      case "redis-lossy":
        await running.observer.ending?.("redis", null);
        running.processFaults.push(new Date());
        await running.redis.restart!(fault.kind === "redis-clean" ? "clean" : "lossy", 1_000);
        await running.observer.started?.("redis", null);
        if (fault.kind === "redis-clean") injected.redisRestartsClean++;
        else injected.redisRestartsLossy++;
        break;
      case "web-restart": {
        const i = nextWeb++ % running.web.length;
        await webRestarts.get(i);
        const slot = running.web[i];
        await running.observer.ending?.("web", slot.proc);
        await endOnPurpose(slot.proc, "SIGKILL");
        injected.webRestarts++;
        webRestarts.set(i, background(restarting("web process", async () => reportCrash((await startWebProcess({ ...running.env, PORT: String(slot.port) })).proc, log), log).then(async (proc) => {
          slot.proc = proc;
          await running.observer.started?.("web", proc);
        })));
        break;
      }
    }
    log(`fault: ${fault.kind} at ${((Date.now() - started) / 1000).toFixed(1)} s (${new Date().toISOString()})`);
  }
  await Promise.all([...workerRestarts.values(), ...webRestarts.values()]);
}
