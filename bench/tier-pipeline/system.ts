// The whole of Tierline for the tier-pipeline benchmark, as production runs it:
// the web process and a worker process (real child processes), a private Redis, a
// temp database (SQLite, or PostgreSQL with BENCH_DATABASE), and the store simulator in this process (so the benchmark
// sees every Admin API mutation the moment the simulator records it).
// Everything started here is registered in `cleanups` before anything else starts.
import { writeFileSync } from "node:fs";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUES } from "../../app/adapters/queues/queue-registry.ts";
import { queuePrefix } from "../../app/adapters/queues/redis-connection.server.ts";
import type { RunningSimulator } from "../../simulator/server.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../../scripts/lib/tierline-system.ts";
import { seedShop, type SeedSize } from "../../simulator/store/seed-generator.ts";
import type { PLANS } from "../../simulator/store/store.ts";
import { eventually } from "../../scripts/lib/app-processes.ts";

export type PlanName = keyof typeof PLANS;

/** Cleanups run last-registered first; each failure is logged and the rest still run. */
export class Cleanups {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> | unknown }> = [];
  add(what: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ what, run });
  }
  async runAll(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`cleanup (${step.what}):`, error instanceof Error ? error.message : error);
      }
    }
  }
}

/** The whole system (its parts are stopped by `cleanups`, not by a close of its own), plus queue handles. */
export interface TierSystem extends Omit<TierlineSystem, "close"> {
  /** Queue handles for job counts (webhooks, tier-recompute, …). */
  queues: Queue[];
  workerConcurrency: number;
}

export async function startTierSystem(
  cleanups: Cleanups,
  options: { workers: number; workerConcurrency: number; lockMs: number; database: "sqlite" | "postgresql" },
): Promise<TierSystem> {
  const { close: _stoppedByCleanups, ...system } = await startTierlineSystem({
    kind: options.database,
    label: "bench",
    workers: options.workers,
    // Production's defaults (env.server.ts), not the tests' small ones.
    env: {
      WORKER_CONCURRENCY: String(options.workerConcurrency),
      WORKER_LOCK_MS: String(options.lockMs),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      // BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of the web and worker processes, written when they stop.
      ...(process.env.TIERLINE_STATEMENT_TIMING ? { TIERLINE_STATEMENT_TIMING: process.env.TIERLINE_STATEMENT_TIMING } : {}),
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...(process.env.BENCH_CPU_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}` } : {}),
    },
    onStarted: (what, stop) => cleanups.add(what, stop),
  });
  // BENCH_WORKER_LOG=<file>: the worker processes' output, written at the end (with BENCH_LOG_LEVEL=debug, every job).
  const workerLog = process.env.BENCH_WORKER_LOG;
  if (workerLog) cleanups.add("worker log", () => writeFileSync(workerLog, system.workers.map((w) => w.output).join("\n")));
  const connection = new Redis(system.redis.url, { maxRetriesPerRequest: null });
  const queues = Object.values(QUEUES).map((q) => new Queue(q.name, { connection, prefix: queuePrefix(system.prefix) }));
  cleanups.add("queue handles", async () => {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  });
  return { ...system, queues, workerConcurrency: options.workerConcurrency };
}

const DAY = 86_400_000;

export interface SeededShop {
  shop: string;
  /** Customers added for the benchmark, each with one past order of `startSpend`. */
  extra: Array<{ id: string; gid: string }>;
}

/**
 * A seeded store (history written silently, as if before the app existed) plus
 * `extraCustomers` customers who each bought once for `startSpend` a month ago, so
 * after the backfill each sits in the first tier with a known spend.
 */
export function seedBenchShop(sim: RunningSimulator, shop: string, options: { seed: number; size: SeedSize; plan: PlanName; extraCustomers: number; startSpend: string }): SeededShop {
  const now = Date.now();
  seedShop(sim.store, shop, { seed: options.seed, size: options.size, now: new Date(now).toISOString(), shop: { plan: options.plan } });
  const extra: SeededShop["extra"] = [];
  for (let i = 0; i < options.extraCustomers; i++) {
    const at = new Date(now - 40 * DAY + i * 1000).toISOString();
    const customer = sim.store.createCustomer(shop, { email: `bench.${i + 1}@${shop.split(".")[0]}.example.com`, firstName: "Bench", lastName: `Buyer ${i + 1}` }, { at, silent: true });
    sim.store.createOrder(
      shop,
      { customerId: customer.id, lineItems: [{ title: "First purchase", price: options.startSpend, quantity: 1 }] },
      { at: new Date(now - 30 * DAY + i * 1000).toISOString(), silent: true },
    );
    extra.push({ id: customer.id, gid: customer.gid });
  }
  return { shop, extra };
}

/** The merchant installs the app (read_all_orders granted, as for an approved app); resolves when the backfill has completed. */
export async function installAndBackfill(system: TierSystem, shop: string, timeoutMs = 240_000): Promise<{ ordersRead: number; seconds: number }> {
  const started = performance.now();
  const install = await grantAndInstall(system.sim, shop);
  if (install.installed !== true) throw new Error(`installing on ${shop} failed: ${JSON.stringify(install).slice(0, 300)}`);
  const run = await eventually(
    async () => {
      const latest = await system.database.db.backfillRun.findFirst({ where: { shop }, orderBy: { startedAt: "desc" } });
      if (latest?.status === "failed") throw new Error(`backfill of ${shop} failed: ${latest.error}`);
      return latest?.status === "completed" ? latest : null;
    },
    { timeoutMs, intervalMs: 250, what: `backfill of ${shop}` },
  );
  return { ordersRead: run.ordersRead, seconds: (performance.now() - started) / 1000 };
}

export interface JobCounts {
  failed: number;
  waiting: number;
  delayed: number;
  active: number;
}

/** BullMQ counts summed per queue name. */
export async function jobCounts(system: TierSystem): Promise<Record<string, JobCounts>> {
  const out: Record<string, JobCounts> = {};
  for (const queue of system.queues) {
    const c = await queue.getJobCounts("failed", "waiting", "delayed", "active", "prioritized");
    out[queue.name] = { failed: c.failed ?? 0, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), delayed: c.delayed ?? 0, active: c.active ?? 0 };
  }
  return out;
}

/** Where each worker's output stands now, for failedAttemptsLogged. */
export function outputMarks(system: TierSystem): number[] {
  return system.workers.map((w) => w.output.length);
}

/** Attempts that failed (and were retried or gave up) since the marks, as the workers logged them ("job failed" warnings). */
export function failedAttemptsLogged(system: TierSystem, marks: number[]): { count: number; byQueue: Record<string, number>; samples: string[] } {
  const byQueue: Record<string, number> = {};
  const samples: string[] = [];
  let count = 0;
  const lines = system.workers.flatMap((w, i) => w.output.slice(marks[i] ?? 0).split("\n"));
  for (const line of lines) {
    if (!line.includes('"job failed"')) continue;
    count++;
    try {
      const entry = JSON.parse(line) as { queue?: string; error?: string };
      byQueue[entry.queue ?? "?"] = (byQueue[entry.queue ?? "?"] ?? 0) + 1;
      if (samples.length < 3 && entry.error && !samples.includes(entry.error)) samples.push(entry.error);
    } catch {
      byQueue["?"] = (byQueue["?"] ?? 0) + 1;
    }
  }
  return { count, byQueue, samples };
}
