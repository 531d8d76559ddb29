// Scale-out benchmark (issue 14, "Scale-out on existing engines"): the fault-injection replay
// (faults/fault-replay.ts, profile `scale-out` of faults/fault-profiles.ts) run as a scaled-out
// deployment runs — BENCH_WEB web processes (default 2) behind one address (the round-robin
// balancer of scripts/lib/tcp-balancer.ts), BENCH_WORKERS worker processes (default 3), one
// PostgreSQL — once against one Redis and once against a Redis Cluster of three masters
// (BENCH_REDIS=single|cluster|both), each with append-only persistence and restarted by the
// replay (on the cluster, one master at a time).
//
//   node --import tsx bench/scale-out.bench.ts      (or: npm run bench -- scale-out)
//
// Correctness is the replay's: its oracle (every tier, tier tag, tier metafield and promise
// computed from the store's truth alone), no order lost, no failed or stuck job, and its checks
// that no Shopify write was made twice and no job processed twice to a different result
// (faults/repeated-effects.ts). The faults are modest (a few duplicated, reordered, late and lost
// webhooks, Admin API errors, 2 worker kills, 2 Redis restarts, a web restart).
// Then the cost of each part per order, over the replay and its settling (before the app's
// scheduled repairs run), less what the same processes spend idle for as long (measured before
// the traffic): web CPU, worker CPU, Redis CPU, commands and memory, database statements; and the
// capacity that implies per process: orders a second one core of each part carries at that cost.
// A process a fault ends is read just before; its replacement counts from when it is up (its
// start-up left out); a Redis restart drops the commands of its ~1 s down. These are per-core
// costs on a shared 2-core machine, where five app processes, Redis, PostgreSQL and the
// simulator share two cores: they size a deployment, they are not a speed-up claim.
// Exit code 1 when a check fails.
import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { FAULT_PROFILES } from "../faults/fault-profiles.ts";
import { formatFaultReport } from "../faults/fault-report.ts";
import { runFaultReplay, type ReplayObserver, type ReplayProcesses } from "../faults/fault-replay.ts";
import type { RedisTarget } from "../app/adapters/queues/redis-connection.server.ts";
import type { AppProcess } from "../scripts/lib/app-processes.ts";
import { processCpuSeconds } from "./support/private-redis.ts";
import { askStatementCounts, readRedisCounters, type RedisCounters } from "./support/process-costs.ts";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const WEBS = Math.round(num("BENCH_WEB", 2));
const WORKERS = Math.round(num("BENCH_WORKERS", 3));
const IDLE_SECONDS = 15;
const MODES = (process.env.BENCH_REDIS ?? "both") === "both" ? (["single", "cluster"] as const) : ([process.env.BENCH_REDIS] as Array<"single" | "cluster">);
if (MODES.some((m) => m !== "single" && m !== "cluster")) throw new Error("BENCH_REDIS must be single, cluster or both");
const DATABASE = (process.env.BENCH_DATABASE ?? "postgresql") as "sqlite" | "postgresql";
const PROFILE = FAULT_PROFILES["scale-out"];

const log = (text: string) => console.log(`  ${text}`);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

type Part = "web" | "worker";

/** Statements a process has sent (prepared, through Prisma, delivery batches), or NaN when it did not answer. */
async function statementsOf(child: ChildProcess): Promise<number> {
  const count = await askStatementCounts([child]);
  return count ? count.hotPath + count.prisma + (count.deliveryBatches ?? 0) : NaN;
}

/**
 * What the app's processes and Redis spend while the replay runs, kept across the processes a
 * fault replaces: each process counts from its baseline until it ends or the replay drains.
 */
class CostMeter implements ReplayObserver {
  readonly spent = { web: { cpu: 0, statements: 0 }, worker: { cpu: 0, statements: 0 }, redisCpu: 0, redisCommands: new Map<string, number>(), perNode: new Map<string, number>() };
  idle = { seconds: 0, web: 0, worker: 0, redis: 0 };
  private readonly baselines = new Map<AppProcess, { part: Part; cpu: number; statements: number }>();
  private redisFrom: RedisCounters | null = null;
  private redis!: RedisTarget;
  startedAt = 0;
  drainedAt = 0;
  redisMemoryBefore = 0;
  redisAfter: RedisCounters | null = null;

  private async mark(part: Part, proc: AppProcess): Promise<void> {
    const [cpu, statements] = await Promise.all([processCpuSeconds(proc.child.pid ?? 0), statementsOf(proc.child)]);
    this.baselines.set(proc, { part, cpu, statements });
  }

  private async close(proc: AppProcess): Promise<void> {
    const from = this.baselines.get(proc);
    if (!from) return;
    this.baselines.delete(proc);
    const [cpu, statements] = await Promise.all([processCpuSeconds(proc.child.pid ?? 0), statementsOf(proc.child)]);
    this.spent[from.part].cpu += cpu - from.cpu;
    this.spent[from.part].statements += statements - from.statements;
  }

  private addRedis(from: RedisCounters, to: RedisCounters): void {
    this.spent.redisCpu += to.cpuSeconds - from.cpuSeconds;
    for (const [command, n] of to.commands) this.spent.redisCommands.set(command, (this.spent.redisCommands.get(command) ?? 0) + n - (from.commands.get(command) ?? 0));
    for (const node of to.perNode) this.spent.perNode.set(node.node, (this.spent.perNode.get(node.node) ?? 0) + node.commands - (from.perNode.find((n) => n.node === node.node)?.commands ?? 0));
  }

  async ready(processes: ReplayProcesses): Promise<void> {
    this.redis = processes.redis;
    // What the processes spend doing nothing (schedulers, stalled-job checks, blocking reads), subtracted below.
    const cpuOf = (procs: AppProcess[]) => Promise.all(procs.map((p) => processCpuSeconds(p.child.pid ?? 0))).then((xs) => xs.reduce((a, b) => a + b, 0));
    const [web0, worker0, redis0] = await Promise.all([cpuOf(processes.web), cpuOf(processes.workers), readRedisCounters(this.redis)]);
    const idleFrom = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const [web1, worker1, redis1] = await Promise.all([cpuOf(processes.web), cpuOf(processes.workers), readRedisCounters(this.redis)]);
    this.idle = { seconds: (performance.now() - idleFrom) / 1000, web: web1 - web0, worker: worker1 - worker0, redis: redis1.cpuSeconds - redis0.cpuSeconds };
    await Promise.all([...processes.web.map((p) => this.mark("web", p)), ...processes.workers.map((p) => this.mark("worker", p))]);
    this.redisFrom = await readRedisCounters(this.redis);
    this.redisMemoryBefore = this.redisFrom.usedMemoryBytes;
    this.startedAt = performance.now();
  }

  async ending(what: "web" | "worker" | "redis", proc: AppProcess | null): Promise<void> {
    if (what !== "redis") return proc ? this.close(proc) : undefined;
    if (!this.redisFrom) return;
    this.addRedis(this.redisFrom, await readRedisCounters(this.redis));
    this.redisFrom = null;
  }

  async started(what: "web" | "worker" | "redis", proc: AppProcess | null): Promise<void> {
    if (what === "redis") this.redisFrom = await readRedisCounters(this.redis);
    else if (proc) await this.mark(what, proc);
  }

  async drained(): Promise<void> {
    await Promise.all([...this.baselines.keys()].map((proc) => this.close(proc)));
    this.redisAfter = await readRedisCounters(this.redis);
    if (this.redisFrom) this.addRedis(this.redisFrom, this.redisAfter);
    this.redisFrom = null;
    this.drainedAt = performance.now();
  }
}

async function runMode(mode: "single" | "cluster"): Promise<Record<string, unknown>> {
  console.log(`\n${WEBS} web + ${WORKERS} worker processes, ${DATABASE}, ${mode === "single" ? "one Redis" : "a Redis Cluster of 3 masters"}; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const meter = new CostMeter();
  const report = await runFaultReplay({
    profile: PROFILE,
    database: DATABASE,
    webProcesses: WEBS,
    workerProcesses: WORKERS,
    redis: mode === "cluster" ? "cluster" : undefined,
    // Production's worker settings (the replay's tests run 4 jobs and a 2 s lock).
    env: { WORKER_CONCURRENCY: "16", WORKER_LOCK_MS: "30000", LOG_LEVEL: "warn" },
    observer: meter,
    redisMemoryLimitBytes: 256 * 1024 * 1024,
    log,
  });
  console.log(formatFaultReport(report));
  const twice = report.writesMadeTwice.tags + report.writesMadeTwice.metafields + report.writesMadeTwice.deadlines;
  if (!meter.redisAfter) {
    log("the replay did not get as far as draining: no cost figures");
    return { redis: mode, ok: false };
  }

  // Costs per order: CPU over the replay and its settling less what the same processes spend idle for as long.
  const orders = report.ordersPlaced;
  const settledIn = (meter.drainedAt - meter.startedAt) / 1000;
  const idleShare = settledIn / meter.idle.seconds;
  const perOrder = (spent: number, idleSpent: number) => (Math.max(0, spent - idleSpent * idleShare) * 1000) / orders;
  const webMs = perOrder(meter.spent.web.cpu, meter.idle.web);
  const workerMs = perOrder(meter.spent.worker.cpu, meter.idle.worker);
  const redisMs = perOrder(meter.spent.redisCpu, meter.idle.redis);
  const commands = [...meter.spent.redisCommands.entries()].filter(([, n]) => n > 0);
  const commandTotal = commands.reduce((sum, [, n]) => sum + n, 0);
  const top = commands.sort((a, b) => b[1] - a[1]).slice(0, 5);
  const capacity = (ms: number) => (ms > 0 ? 1000 / ms : Infinity);
  const redisMb = meter.redisAfter.usedMemoryBytes / 2 ** 20;
  log(`costs over ${orders} orders and their follow-ups (refunds, edits, cancellations, fulfillments, payments), faults and retries included, settled ${fmt(settledIn)} s after the first order:`);
  log(`idle (measured ${fmt(meter.idle.seconds)} s before the traffic, subtracted): web ${fmt((meter.idle.web / meter.idle.seconds) * 100)} %, workers ${fmt((meter.idle.worker / meter.idle.seconds) * 100)} %, Redis ${fmt((meter.idle.redis / meter.idle.seconds) * 100)} % of a core`);
  log(`  web CPU ${fmt(webMs, 2)} ms per order (${WEBS} processes together) → ${fmt(capacity(webMs), 0)} orders/s per web process on a core of its own; ${fmt(meter.spent.web.statements / orders, 2)} database statements`);
  log(`  worker CPU ${fmt(workerMs, 2)} ms per order (${WORKERS} processes together) → ${fmt(capacity(workerMs), 0)} orders/s per worker process on a core of its own; ${fmt(meter.spent.worker.statements / orders, 1)} database statements`);
  log(`  Redis CPU ${fmt(redisMs, 2)} ms per order → ${fmt(capacity(redisMs), 0)} orders/s per Redis core; ${fmt(commandTotal / orders, 1)} commands (top: ${top.map(([c, n]) => `${c} ${fmt(n / orders, 1)}`).join(", ")})`);
  log(`  Redis memory ${fmt(redisMb, 1)} MB after (${fmt((meter.redisAfter.usedMemoryBytes - meter.redisMemoryBefore) / 2 ** 20, 2)} MB more than before the traffic; peak ${fmt(report.redisPeakMemoryBytes / 2 ** 20, 1)} MB)`);
  if (mode === "cluster") log(`  per master: ${meter.redisAfter.perNode.map((n) => `${n.node} ${fmt((meter.spent.perNode.get(n.node) ?? 0) / orders, 1)} commands/order, ${fmt(n.usedMemoryBytes / 2 ** 20, 1)} MB`).join("; ")}`);
  log(`  these are per-core costs on a shared 2-core machine (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} now), not a speed-up claim`);
  return {
    redis: mode,
    orders,
    settledSeconds: Number(settledIn.toFixed(1)),
    convergeSeconds: report.convergeSeconds,
    oracle: { customers: report.customersChecked, promisedOrders: report.ordersChecked, divergences: report.divergences.length },
    lostOrders: report.lostOrders.length,
    failedJobs: Object.values(report.jobs.failed).reduce((a, b) => a + b, 0),
    stuckJobs: report.jobs.stuck,
    writesMadeTwice: twice,
    tierChangesOutOfChain: report.tierChangesOutOfChain.count,
    faults: { workerKills: report.faults.workerKills, redisRestarts: report.faults.redisRestartsClean + report.faults.redisRestartsLossy, webRestarts: report.faults.webRestarts },
    ms: { web: Number(webMs.toFixed(2)), worker: Number(workerMs.toFixed(2)), redis: Number(redisMs.toFixed(2)) },
    ordersPerCore: { web: Math.round(capacity(webMs)), worker: Math.round(capacity(workerMs)), redis: Math.round(capacity(redisMs)) },
    redisCommandsPerOrder: Number((commandTotal / orders).toFixed(1)),
    redisMemoryMb: Number(redisMb.toFixed(1)),
    statementsPerOrder: { web: Number((meter.spent.web.statements / orders).toFixed(2)), worker: Number((meter.spent.worker.statements / orders).toFixed(1)) },
    ok: report.ok,
  };
}

const results: Array<Record<string, unknown>> = [];
console.log(`scale-out: the fault replay's profile "${PROFILE.name}", ${PROFILE.orders} orders at ${PROFILE.rate}/s over ${PROFILE.shops} shops; machine: ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const mode of MODES) results.push(await runMode(mode));
const ok = results.every((r) => r.ok);
console.log(JSON.stringify({ bench: "scale-out", webProcesses: WEBS, workerProcesses: WORKERS, database: DATABASE, runs: results, ok }));
process.exit(ok ? 0 : 1);
