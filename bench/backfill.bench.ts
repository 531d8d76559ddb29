// Benchmark: the history backfill of a large shop (100,000 orders, 20,000
// customers) into SQLite, through the simulator's real bulk operation and JSONL
// download, ending with every tier computed. Prints seconds (total and per phase)
// and the peak RSS of the process doing the backfill, sampled every 20 ms, once
// with the Node flags `npm run worker` runs the worker with (production) and once
// with Node's defaults (for reference).
// Targets: under 60 s and 256 MB. The simulator runs in its own process so its
// in-memory store of 100k orders does not count against the app; "app side"
// excludes the time the simulator takes to run the bulk query (Shopify's time in
// production); the tiers' sync to Shopify is queued work paced by the Admin API's
// cost budget and is not part of the figure.
//   npm run bench -- backfill        BACKFILL_BENCH_SIZE=medium for a quicker run,
//                                    BACKFILL_BENCH_BATCH=<lines per batch>, BENCH_DEBUG=1 for a memory trace,
//                                    BACKFILL_BENCH_RUNS=production|defaults for one run only
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import v8 from "node:v8";
import { applyMigrations } from "../app/adapters/db/migrate.server.ts";
import { AdminCostBudget } from "../app/adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { readBulkOperation } from "../app/adapters/shopify/admin-operations/bulk-operation-status.ts";
import { createDb, databaseTarget } from "../app/db.server.ts";
import { importBackfillResults, requestBackfill, startBackfillRun } from "../app/use-cases/backfill-order-history.server.ts";
import { refreshShopDetails } from "../app/use-cases/refresh-shop-details.server.ts";

const SIZE = (process.env.BACKFILL_BENCH_SIZE ?? "large") as "small" | "medium" | "large";
const SHOP = "bench-backfill.myshopify.com";
const TARGET_SECONDS = 60;
const TARGET_MB = 256;
const root = path.resolve(import.meta.dirname, "..");

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

// BENCH_DEBUG: WebAssembly memories (Prisma's query compiler) only grow and are not in memoryUsage().
const wasmMemories: WebAssembly.Memory[] = [];
if (process.env.BENCH_DEBUG) {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    const instance = new Instance(module, imports);
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) wasmMemories.push(value);
    return instance;
  } as unknown as typeof WebAssembly.Instance;
}

/** Anonymous (heap, malloc, wasm) and file-backed (code) resident memory, from /proc (Linux). */
function residentKinds(): string {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return ` anon ${mb(kb("RssAnon"))} file ${mb(kb("RssFile"))}`;
  } catch {
    return "";
  }
}

/** BENCH_DEBUG=1: memory at each step (rss, heap used, heap total, external, wasm; MB). */
function traceMemory(step: string, count: number) {
  if (!process.env.BENCH_DEBUG) return;
  const u = process.memoryUsage();
  const wasm = wasmMemories.reduce((sum, m) => sum + m.buffer.byteLength, 0);
  const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name.replace("_space", "")} ${mb(s.space_used_size)}`).join(" ");
  console.log(`  ${step} ${count}: rss ${mb(u.rss)}${residentKinds()} heap ${mb(u.heapUsed)}/${mb(u.heapTotal)} external ${mb(u.external)} wasm ${mb(wasm)} (${spaces})`);
}

async function startSimulatorProcess(tmp: string): Promise<{ origin: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "simulator/main.ts")], {
    cwd: root,
    // A private temp dir: the simulator names bulk result files by operation id, which
    // every simulator process numbers alike, and deletes them when it closes.
    env: { ...process.env, TMPDIR: tmp, SIMULATOR_PORT: "0", SHOPIFY_API_KEY: "bench-key", SHOPIFY_API_SECRET: "bench-secret", SHOPIFY_APP_URL: "http://127.0.0.1:9", SIMULATOR_SEED_SHOP: "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop().then(() => process.exit(130)));
  const origin = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve(line.trim()));
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { origin, stop };
}

/**
 * BACKFILL_BENCH_HEAP_PROFILE=<file>: a sampling heap profile of what outlives young-generation
 * collections (the objects that fill the old generation, garbage or not), for DevTools.
 */
async function startPromotionProfile(): Promise<{ stop(): Promise<void> } | null> {
  const file = process.env.BACKFILL_BENCH_HEAP_PROFILE;
  if (!file) return null;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  return {
    async stop() {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      writeFileSync(`${file}.${process.pid}.heapprofile`, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** The Node flags of the worker process: those before `--import` in package.json's "worker" script. */
function workerNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const words = scripts.worker.split(/\s+/);
  const flags = words.slice(words.indexOf("node") + 1, words.indexOf("--import"));
  if (words.indexOf("node") < 0 || flags.some((f) => !f.startsWith("--"))) throw new Error(`unexpected "worker" script: ${scripts.worker}`);
  return flags;
}

interface Measurement {
  node: string;
  orders: number;
  customers: number;
  seconds: number;
  appSeconds: number;
  phases: Record<string, number>;
  peakRssMb: number;
  baselineRssMb: number;
}

/** One backfill into a fresh SQLite file, in this process (run as a child, one per Node configuration). */
async function measure(origin: string, accessToken: string, dir: string, node: string): Promise<Measurement> {
  const target = databaseTarget(`file:${path.join(dir, `bench-${process.pid}.db`)}`);
  await applyMigrations(target);
  const db = createDb(target);
  const admin = createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken, origin }), { budget: new AdminCostBudget() });
  await db.shop.create({ data: { domain: SHOP } });
  await refreshShopDetails({ db, admin, shop: SHOP });

  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) {
      peakRss = usage.rss;
      atPeak = usage;
    }
  }, 20);

  let queuedForSync = 0;
  const phases: Record<string, number> = {};
  const profiling = await startPromotionProfile();
  const started = performance.now();
  let mark = started;
  const phase = (name: string) => {
    const at = performance.now();
    phases[name] = Math.round(at - mark) / 1000;
    mark = at;
  };
  const deps = {
    db,
    ...(process.env.BACKFILL_BENCH_BATCH ? { batchLines: Number(process.env.BACKFILL_BENCH_BATCH) } : {}),
    admin: async () => admin,
    requestTierSync: async (_shop: string, gids: string[]) => {
      queuedForSync += gids.length;
      traceMemory("tiers computed", queuedForSync);
    },
    onProgress: ({ status, linesApplied }: { status: string; linesApplied: number }) => {
      traceMemory(status, linesApplied);
      if (status === "computing" && phases.import === undefined) phase("import");
    },
  };
  const run = await requestBackfill({ db, jobs: { start: async () => {} } }, SHOP);
  const { bulkOperationId } = await startBackfillRun(deps, run.id);
  // Poll as the worker's fallback does, but often: the wait is Shopify's (here the simulator's) time.
  for (;;) {
    const op = await readBulkOperation(admin, bulkOperationId!);
    if (op && op.status !== "CREATED" && op.status !== "RUNNING") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  phase("bulkOperation");
  const outcome = await importBackfillResults(deps, run.id);
  phase("computeTiers");
  const seconds = (performance.now() - started) / 1000;
  await profiling?.stop();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (outcome.status !== "completed") throw new Error(`backfill ended ${JSON.stringify(outcome)}`);

  const tiers = await db.customer.groupBy({ by: ["tierKey"], where: { shop: SHOP }, _count: true });
  const appSeconds = seconds - phases.bulkOperation;
  console.log(`[${node}] bulk operation (simulator): ${phases.bulkOperation.toFixed(1)} s`);
  console.log(`[${node}] download + ledger import:   ${phases.import.toFixed(1)} s (${outcome.ordersRead} orders, ${outcome.linesApplied} lines)`);
  console.log(`[${node}] tier computation:           ${phases.computeTiers.toFixed(1)} s (${outcome.customers} customers, ${outcome.tierChanges} tier changes, ${queuedForSync} queued for sync)`);
  console.log(`[${node}] tiers: ${tiers.map((t) => `${t.tierKey}=${t._count}`).join(", ")}`);
  console.log(`[${node}] total ${seconds.toFixed(1)} s (app side ${appSeconds.toFixed(1)} s), peak RSS ${mb(peakRss)} MB (baseline ${mb(baselineRss)} MB)`);
  console.log(`[${node}] at the peak: heap ${mb(atPeak.heapUsed)}/${mb(atPeak.heapTotal)} MB, external ${mb(atPeak.external)} MB, array buffers ${mb(atPeak.arrayBuffers)} MB`);
  await db.$disconnect();
  return {
    node,
    orders: outcome.ordersRead,
    customers: outcome.customers,
    seconds: Math.round(seconds * 10) / 10,
    appSeconds: Math.round(appSeconds * 10) / 10,
    phases,
    peakRssMb: mb(peakRss),
    baselineRssMb: mb(baselineRss),
  };
}

/** Runs `measure` in a child Node process with these flags; its RSS is the backfill's alone. */
function measureInChild(execArgv: string[], node: string, origin: string, accessToken: string, dir: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, "--import", "tsx", import.meta.filename], {
      cwd: root,
      env: { ...process.env, BACKFILL_BENCH_CHILD: JSON.stringify({ origin, accessToken, dir, node }) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let result: Measurement | null = null;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7)) as Measurement;
      else console.log(line);
    });
    child.once("exit", (code) => (result && code === 0 ? resolve(result) : reject(new Error(`${node} run exited with ${code}`))));
  });
}

async function main() {
  const child = process.env.BACKFILL_BENCH_CHILD;
  if (child) {
    const { origin, accessToken, dir, node } = JSON.parse(child) as { origin: string; accessToken: string; dir: string; node: string };
    console.log(`RESULT ${JSON.stringify(await measure(origin, accessToken, dir, node))}`);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierline-bench-backfill-"));
  const sim = await startSimulatorProcess(dir);
  try {
    const seeding = performance.now();
    const res = await fetch(`${sim.origin}/_sim/shops`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shop: SHOP, seed: 42, size: SIZE, now: new Date().toISOString() }),
    });
    if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    const { accessToken, summary } = (await res.json()) as { accessToken: string; summary: { orders: number; customers: number; refunds: number } };
    console.log(`seeded ${SIZE}: ${summary.orders} orders, ${summary.customers} customers, ${summary.refunds} refunds in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

    // The same backfill twice, each in a fresh process and database: with the worker's
    // Node flags, and with Node's defaults. With a bounded old generation V8 collects it
    // once it holds about twice its live data (~20-30 MB here); by default it lets it
    // grow to ~4x first (its growing factor depends on the heap's maximum size).
    const runs: Measurement[] = [];
    const extra = (process.env.BACKFILL_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const only = process.env.BACKFILL_BENCH_RUNS;
    const production = workerNodeFlags();
    if (only !== "defaults") runs.push(await measureInChild([...production, ...extra], `npm run worker (${production.join(" ") || "no flags"})`, sim.origin, accessToken, dir));
    if (only !== "production") runs.push(await measureInChild([...extra], "node defaults", sim.origin, accessToken, dir));
    for (const r of runs) {
      console.log(`${r.node}: ${r.seconds} s (app side ${r.appSeconds} s), peak RSS ${r.peakRssMb} MB; targets < ${TARGET_SECONDS} s ${r.seconds < TARGET_SECONDS ? "met" : "MISSED"}, < ${TARGET_MB} MB ${r.peakRssMb < TARGET_MB ? "met" : "MISSED"}`);
    }
    console.log(JSON.stringify({ bench: "backfill", size: SIZE, runs, targets: { seconds: TARGET_SECONDS, rssMb: TARGET_MB } }));
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
