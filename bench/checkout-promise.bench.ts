// Checkout promise endpoint benchmark: GET /api/checkout/promise on the real web process (Remix
// build, authenticate.public.checkout, the cached lookup on a temp SQLite file) against a bare
// node:http handler that only verifies the same session tokens with the same verifier, in one run.
//
//   npm run bench -- checkout-promise
//
// Environment: BENCH_SECONDS (each measured phase per server, default 8), BENCH_ROUNDS (alternating
// rounds per phase, default 2), BENCH_CONNECTIONS (max-load connections, default 16), BENCH_RATE
// (fixed rate, default 100), BENCH_STRICT=1 (exit 1 when a target is missed), BENCH_CPU_PROF=<dir>
// (a --cpu-prof of the web process, written when it exits).
//
// Targets (issue 10): p99 < 50 ms at 100 requests/s; throughput ≥ 0.5 × the bare handler.
// Requests mix Gold, Silver and Bronze buyers (half with their own order id, a stored promise) and
// guests, with checkout session tokens signed as Shopify signs them.
import { execFileSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { appEnv, ROOT, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { mintSessionToken } from "../simulator/admin/session-token.ts";
import { createTestDatabase, type TestDatabase } from "../tests/support/test-database.ts";
import { startChildServer, type ChildServer } from "./support/child-server.ts";
import { processCpuSeconds, startPrivateRedis } from "./support/private-redis.ts";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const SECONDS = num("BENCH_SECONDS", 8);
const ROUNDS = Math.round(num("BENCH_ROUNDS", 2));
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 16));
const RATE = num("BENCH_RATE", 100);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const TARGET_P99_MS = 50;
const TARGET_RATIO = 0.5;
const SHOP = "bench-checkout.myshopify.com";
const CUSTOMERS = 300;
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error("cleanup:", error));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const TIERS = ["bronze", "silver", "gold"] as const;
const customerGid = (i: number) => `gid://shopify/Customer/${880_000 + i}`;
const orderGid = (i: number) => `gid://shopify/Order/${990_000 + i}`;

async function seed(database: TestDatabase): Promise<void> {
  const { db } = database;
  await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", scopes: "read_customers" } });
  await db.customer.createMany({
    data: Array.from({ length: CUSTOMERS }, (_, i) => ({ shop: SHOP, customerGid: customerGid(i), tierKey: TIERS[i % 3], qualifyingSpend: [20_000, 90_000, 300_000][i % 3], qualifyingOrders: 1 + (i % 7) })),
  });
  const day = new Date().toISOString().slice(0, 10);
  await db.orderPromise.createMany({
    data: Array.from({ length: CUSTOMERS }, (_, i) => ({
      shop: SHOP,
      orderGid: orderGid(i),
      customerGid: customerGid(i),
      tierKey: TIERS[i % 3],
      laneKey: ["standard_batch", "priority_shipping", "priority_production"][i % 3],
      orderedAt: new Date(),
      intakeDay: day,
      shipByEarliest: new Date(),
      shipBy: new Date(Date.now() + 3 * 86_400_000),
      shipByDay: day,
    })),
  });
}

/** Request paths and tokens, minted fresh for each phase (tokens live 5 minutes). */
function requests(count: number): Array<{ path: string; token: string }> {
  return Array.from({ length: count }, (_, i) => {
    const guest = i % 4 === 3;
    const buyer = i % CUSTOMERS;
    const token = mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, flavour: "checkout", ...(guest ? {} : { customerGid: customerGid(buyer) }) });
    const params = new URLSearchParams({ locale: ["en", "fr", "de-DE"][i % 3], country: "US" });
    if (i % 2 === 0) params.set("orderId", orderGid(buyer));
    return { path: `/api/checkout/promise?${params}`, token };
  });
}

type Run = { ok: number; errors: Record<string, number>; latencies: number[]; seconds: number };

function get(agent: http.Agent, port: number, request: { path: string; token: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: request.path, agent, headers: { Authorization: `Bearer ${request.token}`, "User-Agent": BROWSER, Origin: "https://extensions.shopifycdn.com" } }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

function tally(run: Run, status: number | null, ms: number): void {
  if (status === 200) run.ok++;
  else run.errors[status ?? "no answer"] = (run.errors[status ?? "no answer"] ?? 0) + 1;
  run.latencies.push(ms);
}

async function maxLoad(port: number, seconds: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const pool = requests(2_000);
  const run: Run = { ok: 0, errors: {}, latencies: [], seconds };
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const status = await get(agent, port, pool[next++ % pool.length]).catch(() => null);
        if (performance.now() <= deadline) tally(run, status, performance.now() - started);
      }
    }),
  );
  agent.destroy();
  return run;
}

/** `RATE` requests a second; latency from each request's scheduled instant, so a stall is not hidden. */
async function fixedRate(port: number, seconds: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(RATE * seconds);
  const pool = requests(total);
  const run: Run = { ok: 0, errors: {}, latencies: [], seconds };
  const interval = 1000 / RATE;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      while (next < total && start + next * interval <= performance.now()) {
        const scheduled = start + next * interval;
        inflight.push(get(agent, port, pool[next]).catch(() => null).then((status) => tally(run, status, performance.now() - scheduled)));
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(inflight);
  agent.destroy();
  return run;
}

type Side = { name: "app" | "bare"; port: number; pid: number; max: Run[]; rate: Run[]; cpuMax: number; cpuRate: number };

const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : NaN);
const merged = (runs: Run[]) => {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const errors: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const ok = runs.reduce((s, r) => s + r.ok, 0);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  return { ok, seconds, throughput: ok / seconds, errors, errorCount: Object.values(errors).reduce((a, b) => a + b, 0), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? NaN };
};

async function phase(sides: Side[], kind: "max" | "rate"): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const before = await processCpuSeconds(side.pid);
      const run = kind === "max" ? await maxLoad(side.port, SECONDS / ROUNDS) : await fixedRate(side.port, SECONDS / ROUNDS);
      const cpu = (await processCpuSeconds(side.pid)) - before;
      if (kind === "max") {
        side.max.push(run);
        side.cpuMax += cpu;
      } else {
        side.rate.push(run);
        side.cpuRate += cpu;
      }
    }
  }
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "tierline-bench-checkout-"));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
  console.log("checkout promise: building the Remix app…");
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"], { cwd: ROOT, stdio: "ignore" });
  const database = await createTestDatabase("sqlite", "bench_checkout");
  cleanups.push(() => database.drop());
  await seed(database);
  const redis = await startPrivateRedis(tmp);
  cleanups.push(() => redis.stop());
  const env = {
    ...appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: "bench-checkout" }),
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    SHOPIFY_APP_URL: "https://tierline.example.com",
    ...(CPU_PROF_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(CPU_PROF_DIR)}` } : {}),
  };
  const { proc: web, url } = await startWebProcess(env);
  cleanups.push(() => web.kill());
  const bare: ChildServer = await startChildServer({
    name: "bare token check",
    script: path.join(import.meta.dirname, "checkout-promise/bare-token-server.ts"),
    logFile: path.join(tmp, "bare.log"),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", SHOPIFY_API_KEY: TEST_API_KEY, SHOPIFY_API_SECRET: TEST_API_SECRET },
  });
  cleanups.push(() => bare.stop());
  const sides: Side[] = [
    { name: "app", port: Number(new URL(url).port), pid: (web as AppProcess).child.pid!, max: [], rate: [], cpuMax: 0, cpuRate: 0 },
    { name: "bare", port: bare.port, pid: bare.pid, max: [], rate: [], cpuMax: 0, cpuRate: 0 },
  ];
  const loadBefore = os.loadavg()[0];
  console.log(`checkout promise: ${CONNECTIONS} connections × ${SECONDS} s at max load, ${RATE}/s × ${SECONDS} s, ${ROUNDS} alternating rounds; ${os.cpus().length} CPUs (load average ${fmt(loadBefore)}); node ${process.version}`);
  // Warm-up: JIT, the shop cache, prepared statements.
  for (const side of sides) await maxLoad(side.port, 2);
  await phase(sides, "max");
  await phase(sides, "rate");
  const loadAfter = os.loadavg()[0];

  const result = sides.map((side) => {
    const max = merged(side.max);
    const rate = merged(side.rate);
    return { side, max, rate, cpuMsPerRequestMax: (side.cpuMax * 1000) / Math.max(1, max.ok + max.errorCount), cpuMsPerRequestRate: (side.cpuRate * 1000) / Math.max(1, rate.ok + rate.errorCount) };
  });
  const [app, bareResult] = result;
  const rows = [
    ["", "max req/s", "errors", `p50@${RATE}/s`, `p99@${RATE}/s`, "max", "errors", "CPU ms/req (max)", `CPU ms/req (${RATE}/s)`],
    ...result.map((r) => [
      r.side.name,
      fmt(r.max.throughput, 0),
      String(r.max.errorCount),
      `${fmt(r.rate.p50, 2)} ms`,
      `${fmt(r.rate.p99, 2)} ms`,
      `${fmt(r.rate.max, 1)} ms`,
      String(r.rate.errorCount),
      fmt(r.cpuMsPerRequestMax, 3),
      fmt(r.cpuMsPerRequestRate, 3),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log("");
  for (const r of rows) console.log("  " + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  const ratio = app.max.throughput / bareResult.max.throughput;
  const ratioMet = ratio >= TARGET_RATIO && app.max.errorCount === 0;
  const p99Met = app.rate.p99 < TARGET_P99_MS && app.rate.errorCount === 0;
  console.log("");
  console.log(`  app p99 at ${RATE}/s: ${fmt(app.rate.p99, 2)} ms (target < ${TARGET_P99_MS} ms, no errors: ${p99Met ? "met" : "NOT MET"})`);
  console.log(`  throughput app/bare: ${fmt(ratio, 2)} (target ≥ ${TARGET_RATIO}: ${ratioMet ? "met" : "NOT MET"})`);
  if (app.max.errorCount || app.rate.errorCount) console.log(`  app errors: ${JSON.stringify({ max: app.max.errors, rate: app.rate.errors })}`);
  if (Math.max(loadBefore, loadAfter) > os.cpus().length * 0.75) {
    console.log(`  note: the machine was busy (load average ${fmt(loadBefore)} before, ${fmt(loadAfter)} after, on ${os.cpus().length} CPUs); the ratio is the steadier figure.`);
  }
  const summary = {
    bench: "checkout-promise",
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    rate: RATE,
    loadAverage: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
    ...Object.fromEntries(
      result.map((r) => [
        r.side.name,
        { reqPerSec: Math.round(r.max.throughput), p50Ms: Number(r.rate.p50.toFixed(2)), p99Ms: Number(r.rate.p99.toFixed(2)), errors: r.max.errorCount + r.rate.errorCount, cpuMsPerRequest: Number(r.cpuMsPerRequestMax.toFixed(3)) },
      ]),
    ),
    ratio: Number(ratio.toFixed(3)),
    targets: { p99: p99Met, ratio: ratioMet },
  };
  await cleanUp();
  console.log(JSON.stringify(summary));
  if (process.env.BENCH_STRICT === "1" && !(ratioMet && p99Met)) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  },
);
