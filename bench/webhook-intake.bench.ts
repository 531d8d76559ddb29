// Webhook intake benchmark: the app's real intake path against a bare node:http
// handler doing the same HMAC check and BullMQ enqueue, in one run, on this machine.
//
//   node --import tsx bench/webhook-intake.bench.ts      (or: npm run bench)
//
// Environment: BENCH_SECONDS (each measured phase per server, default 10),
// BENCH_ROUNDS (each phase is split into this many rounds alternating between the
// two servers, so a moment of load from elsewhere hits both; default 2),
// BENCH_WARMUP_SECONDS (default 2), BENCH_CONNECTIONS (max-load connections, default 32), BENCH_RATE
// (fixed rate, default 300), BENCH_CPU_PROF=<dir> (write a --cpu-prof of each
// server there), BENCH_ORDER_FIXTURE (orders/create body; default Shopify's
// reference sample), BENCH_STRICT=1 (exit 1 when a target is missed).
//
// Targets (issue 2, item 7): app throughput ≥ 0.5 × bare; app p99 < 50 ms at 300/s.
// Everything runs on a private Redis and a temp SQLite file, removed at the end.
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { API_VERSION } from "../app/adapters/shopify/api-version.ts";
import { jobIdFor } from "../app/adapters/queues/queue-registry.ts";
import { startChildServer, type ChildServer } from "./support/child-server.ts";
import { processCpuSeconds, startPrivateRedis, type PrivateRedis } from "./support/private-redis.ts";
import { combineRounds, runFixedRate, runMaxLoad, type RunResult } from "./webhook-intake/load-generator.ts";
import { signedOrderDeliveries } from "./webhook-intake/signed-deliveries.ts";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const SECONDS = num("BENCH_SECONDS", 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 32));
const RATE = num("BENCH_RATE", 300);
const ROUNDS = Math.round(num("BENCH_ROUNDS", 2));
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;

const SECRET = "bench-webhook-secret";
const SHOP = "bench-shop.myshopify.com";
const APP_PREFIX = "tierline-bench-app";
const BARE_PREFIX = "tierline-bench-bare";

interface Measured extends RunResult {
  /** CPU used during the phase, in % of one core: the whole server process, and its event loop alone. */
  serverCpuPercent: number;
  eventLoopCpuPercent: number;
  redisCpuPercent: number;
}

interface Side {
  name: "app" | "bare";
  server: ChildServer;
  max?: Measured;
  rate?: Measured;
  okIds: string[];
}

const cleanups: Array<() => Promise<void>> = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error("cleanup:", error));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping servers and Redis…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const errors = (r?: RunResult) => (r ? Object.values(r.non200).reduce((a, b) => a + b, 0) + r.failed : 0);
const errorDetail = (r?: RunResult) =>
  r
    ? [...Object.entries(r.non200).map(([status, count]) => `${count}×${status}`), ...(r.failed ? [`${r.failed}×no answer`] : [])].join(" ") || "0"
    : "-";

interface Round {
  result: RunResult;
  wall: number;
  serverCpu: number;
  eventLoopCpu: number;
  redisCpu: number;
}

async function measureRound(side: Side, redis: PrivateRedis, run: () => Promise<RunResult>): Promise<Round> {
  const cpuBefore = await side.server.ask<number>("cpu");
  const loopBefore = await side.server.ask<number>("mainThreadCpu");
  const redisBefore = await processCpuSeconds(redis.pid);
  const started = performance.now();
  const result = await run();
  const wall = (performance.now() - started) / 1000;
  const cpuAfter = await side.server.ask<number>("cpu");
  const loopAfter = await side.server.ask<number>("mainThreadCpu");
  const redisAfter = await processCpuSeconds(redis.pid);
  side.okIds.push(...result.okIds);
  return { result, wall, serverCpu: cpuAfter - cpuBefore, eventLoopCpu: loopAfter - loopBefore, redisCpu: redisAfter - redisBefore };
}

function combine(rounds: Round[]): Measured {
  const wall = rounds.reduce((sum, r) => sum + r.wall, 0);
  return {
    ...combineRounds(rounds.map((r) => r.result)),
    serverCpuPercent: (rounds.reduce((sum, r) => sum + r.serverCpu, 0) / wall) * 100,
    eventLoopCpuPercent: (rounds.reduce((sum, r) => sum + r.eventLoopCpu, 0) / wall) * 100,
    redisCpuPercent: (rounds.reduce((sum, r) => sum + r.redisCpu, 0) / wall) * 100,
  };
}

/** Runs one phase on both servers in alternating rounds: app, bare, bare, app, … */
async function phase(sides: Side[], redis: PrivateRedis, run: (side: Side, seconds: number) => Promise<RunResult>): Promise<Map<Side, Measured>> {
  const rounds = new Map<Side, Round[]>(sides.map((side) => [side, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      rounds.get(side)!.push(await measureRound(side, redis, () => run(side, SECONDS / ROUNDS)));
    }
  }
  return new Map(sides.map((side) => [side, combine(rounds.get(side)!)]));
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "tierline-bench-"));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
  const redis = await startPrivateRedis(tmp);
  cleanups.push(() => redis.stop());

  const here = import.meta.dirname;
  const profArgs = (name: string) => {
    if (!CPU_PROF_DIR) return [];
    const dir = path.resolve(CPU_PROF_DIR);
    mkdirSync(dir, { recursive: true });
    return ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-name", `${name}-intake.cpuprofile`];
  };
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: "UTC", LOG_LEVEL: "warn", NODE_ENV: "production" };
  // One at a time, each registered for cleanup as soon as it runs.
  const appServer = await startChildServer({
    name: "app intake",
    script: path.join(here, "webhook-intake/app-intake-server.ts"),
    logFile: path.join(tmp, "app.log"),
    execArgv: profArgs("app"),
    env: {
      ...baseEnv,
      DATABASE_URL: `file:${path.join(tmp, "bench.db")}`,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: APP_PREFIX,
      SHOPIFY_API_KEY: "bench-api-key",
      SHOPIFY_API_SECRET: SECRET,
      SHOPIFY_APP_URL: "https://tierline.example.com",
      SCOPES: "read_orders",
      BENCH_SHOP: SHOP,
    },
  });
  cleanups.push(() => appServer.stop());
  const bareServer = await startChildServer({
    name: "bare intake",
    script: path.join(here, "webhook-intake/bare-intake-server.ts"),
    logFile: path.join(tmp, "bare.log"),
    execArgv: profArgs("bare"),
    env: { ...baseEnv, REDIS_URL: redis.url, SHOPIFY_API_SECRET: SECRET, BARE_QUEUE_PREFIX: BARE_PREFIX },
  });
  cleanups.push(() => bareServer.stop());

  const source = signedOrderDeliveries({ secret: SECRET, shop: SHOP, apiVersion: API_VERSION, fixture: process.env.BENCH_ORDER_FIXTURE });
  const sides: Side[] = [
    { name: "app", server: appServer, okIds: [] },
    { name: "bare", server: bareServer, okIds: [] },
  ];
  const loadBefore = os.loadavg()[0];
  console.log(
    `webhook intake: orders/create ${(source.bodyBytes / 1024).toFixed(1)} KB from ${source.origin}; ` +
      `${CONNECTIONS} connections × ${SECONDS} s at max load, ${RATE}/s × ${SECONDS} s, ` +
      `in ${ROUNDS} alternating rounds; ${os.cpus().length} CPUs (load average ${fmt(loadBefore, 1)}); node ${process.version}`
  );

  for (const side of sides) {
    // Warm-up: JIT, connection pools, the SQLite file and the installed-shop cache.
    if (WARMUP_SECONDS > 0) {
      const warm = await runMaxLoad({ port: side.server.port, source, connections: CONNECTIONS, seconds: WARMUP_SECONDS });
      side.okIds.push(...warm.okIds);
    }
  }
  const maxLoad = await phase(sides, redis, (side, seconds) => runMaxLoad({ port: side.server.port, source, connections: CONNECTIONS, seconds }));
  for (const side of sides) {
    side.max = maxLoad.get(side)!;
    console.log(
      `  ${side.name}: max load ${fmt(side.max.throughput, 0)} req/s (server CPU ${fmt(side.max.serverCpuPercent, 0)}%, of which event loop ${fmt(
        side.max.eventLoopCpuPercent,
        0
      )}%; load generator CPU ${fmt(
        side.max.clientCpuPercent,
        0
      )}%)`
    );
  }
  const fixedRate = await phase(sides, redis, (side, seconds) => runFixedRate({ port: side.server.port, source, rate: RATE, seconds }));
  for (const side of sides) {
    side.rate = fixedRate.get(side)!;
    console.log(`  ${side.name}: at ${RATE}/s p50 ${fmt(side.rate.latencyMs.p50, 2)} ms, p99 ${fmt(side.rate.latencyMs.p99, 2)} ms`);
  }
  const loadAfter = os.loadavg()[0];

  // Did every 200 correspond to a kept delivery? Rows read back through the app's own client; jobs looked up in Redis.
  const [app, bare] = sides;
  const storedIds = new Set(await appServer.ask<string[]>("storedIds"));
  const notStored = app.okIds.filter((id) => !storedIds.has(id)).length;
  const check = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const missingJobs = async (prefix: string, queue: string, ids: string[]) => {
    let missing = 0;
    for (let i = 0; i < ids.length; i += 5_000) {
      const pipeline = check.pipeline();
      for (const id of ids.slice(i, i + 5_000)) pipeline.exists(`{${prefix}}:${queue}:${jobIdFor("wh", id)}`);
      const replies = (await pipeline.exec()) ?? [];
      missing += replies.filter(([error, exists]) => error || exists !== 1).length;
    }
    return missing;
  };
  const appJobsMissing = await missingJobs(APP_PREFIX, "webhooks", app.okIds);
  const bareJobsMissing = await missingJobs(BARE_PREFIX, "bare-webhooks", bare.okIds);
  const appWaiting = await check.llen(`{${APP_PREFIX}}:webhooks:wait`);
  const bareWaiting = await check.llen(`{${BARE_PREFIX}}:bare-webhooks:wait`);
  check.disconnect();

  const ratio = app.max!.throughput / bare.max!.throughput;
  const ratioMet = ratio >= TARGET_RATIO;
  const p99Met = app.rate!.latencyMs.p99 < TARGET_P99_MS && errors(app.rate) === 0;
  const keptAll = notStored === 0 && appJobsMissing === 0 && bareJobsMissing === 0;

  const rows = [
    ["", "max req/s", "errors", "srv CPU", "redis CPU", `p50@${RATE}/s`, `p99@${RATE}/s`, "max", "errors"],
    ...sides.map((s) => [
      s.name,
      fmt(s.max!.throughput, 0),
      errorDetail(s.max),
      `${fmt(s.max!.serverCpuPercent, 0)}%`,
      `${fmt(s.max!.redisCpuPercent, 0)}%`,
      `${fmt(s.rate!.latencyMs.p50, 2)} ms`,
      `${fmt(s.rate!.latencyMs.p99, 2)} ms`,
      `${fmt(s.rate!.latencyMs.max, 1)} ms`,
      errorDetail(s.rate),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log("");
  for (const r of rows) console.log("  " + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  console.log("");
  console.log(`  throughput app/bare: ${fmt(ratio, 2)} (target ≥ ${TARGET_RATIO}: ${ratioMet ? "met" : "NOT MET"})`);
  console.log(
    `  app p99 at ${RATE}/s: ${fmt(app.rate!.latencyMs.p99, 2)} ms (target < ${TARGET_P99_MS} ms, no errors: ${p99Met ? "met" : "NOT MET"})`
  );
  console.log(
    `  kept: app answered 200 for ${app.okIds.length}, ${app.okIds.length - notStored} stored (${notStored} missing), ` +
      `${app.okIds.length - appJobsMissing} queued (${appJobsMissing} missing; ${appWaiting} waiting); ` +
      `bare answered 200 for ${bare.okIds.length}, ${bare.okIds.length - bareJobsMissing} queued (${bareJobsMissing} missing; ${bareWaiting} waiting)`
  );
  const busy = Math.max(loadBefore, loadAfter) > os.cpus().length * 0.75;
  if (busy) {
    console.log(
      `  note: the machine was busy (load average ${fmt(loadBefore, 1)} before, ${fmt(loadAfter, 1)} after, on ${os.cpus().length} CPUs): ` +
        "other processes competed for the CPUs, so absolute figures are lower and noisier than on an idle machine; the ratio is the steadier figure."
    );
  }
  if (CPU_PROF_DIR) console.log(`  CPU profiles: ${path.resolve(CPU_PROF_DIR)} (written when the servers exit)`);

  const summary = {
    bench: "webhook-intake",
    seconds: SECONDS,
    connections: CONNECTIONS,
    rate: RATE,
    rounds: ROUNDS,
    loadAverage: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
    bodyBytes: source.bodyBytes,
    app: {
      reqPerSec: Math.round(app.max!.throughput),
      p50Ms: Number(app.rate!.latencyMs.p50.toFixed(2)),
      p99Ms: Number(app.rate!.latencyMs.p99.toFixed(2)),
      errorsMax: errors(app.max),
      errorsRate: errors(app.rate),
    },
    bare: {
      reqPerSec: Math.round(bare.max!.throughput),
      p50Ms: Number(bare.rate!.latencyMs.p50.toFixed(2)),
      p99Ms: Number(bare.rate!.latencyMs.p99.toFixed(2)),
      errorsMax: errors(bare.max),
      errorsRate: errors(bare.rate),
    },
    ratio: Number(ratio.toFixed(3)),
    targets: { ratio: ratioMet, p99: p99Met },
    kept: {
      appOk: app.okIds.length,
      appNotStored: notStored,
      appNotQueued: appJobsMissing,
      bareOk: bare.okIds.length,
      bareNotQueued: bareJobsMissing,
    },
  };
  await cleanUp();
  console.log(JSON.stringify(summary));
  if (!keptAll) return 1;
  if (process.env.BENCH_STRICT === "1" && !(ratioMet && p99Met)) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    await cleanUp();
    process.exit(1);
  }
);
