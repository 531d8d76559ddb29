// Tier pipeline benchmark (issue 4, "Benchmarks" items 2–4): the whole system as
// production runs it — web process, worker process, private Redis, temp SQLite —
// against the store simulator in this process.
//
//   node --import tsx bench/tier-pipeline.bench.ts      (or: npm run bench -- tier-pipeline)
//
// 1. Order → tag: after install and backfill of a small seeded store, orders at
//    BENCH_RATE/s (default 50) for BENCH_SECONDS (default 20); a share of them
//    (BENCH_CROSSING_SHARE, default 0.5) push a customer across a tier threshold, the
//    rest are small orders to customers who stay in their tier. For each crossing
//    order: time from store.createOrder to the simulator recording the tagsAdd of the
//    new tier's tag. Target p95 < 2 s.
//    Phases 0, 1 and 1c spread their orders over BENCH_SHOPS shops (default
//    ⌈BENCH_RATE / 50⌉: 1 shop at 50/s, 4 at 200/s), all on BENCH_PLAN: order i goes to shop
//    i mod N, so each shop sees the same mix at BENCH_RATE/N. One Plus shop's Admin API budget
//    (1,000 points restored a second, bucket 20,000) carries about 50 orders/s of this mix for a
//    phase's length (a tier change's writes cost ~24 points, and every paid order gets its
//    delivery promise's writes and reads: about 1,500 points a second at 50/s, the bucket
//    covering the difference for some 40 s); past that, one shop's order → tag measures
//    Shopify's rate limit, not the worker, and a worker at 200 orders/s in production serves
//    several shops, not one shop at 200 orders/s. The first shop is bench-live.myshopify.com, shop k (k ≥ 2)
//    bench-live-k.myshopify.com; phase 2's within-tier and test orders, the spend refresh and
//    phase 1b use the first shop only.
// 2. Admin API points: points spent in phase 1 per 1,000 orders and per tier change,
//    against the minimum the actual tier changes need (target ≤ 25 per change); then
//    BENCH_NOCHANGE_ORDERS (default 100) small orders to customers who stay in their
//    tier, and 20 test orders (count zero): target 0 points for both.
// 3. Flash sale: shop A (Standard plan) gets BENCH_FLASH_PER_MINUTE (default 1,000)
//    orders a minute for BENCH_FLASH_SECONDS (default 300; 0 skips), while shop B gets
//    one tier-changing order every BENCH_TRICKLE_SECONDS (default 2). Reports shop A:
//    every order's delivery processed, ledger rows = orders placed, failed jobs; and
//    shop B's order → tag p95 (target < 30 s). Afterwards shop A's queued Shopify
//    writes may drain for up to BENCH_FLASH_DRAIN_SECONDS (default 45).
//
// 0. Warm-up: the same traffic for BENCH_WARMUP_SECONDS (default 10; 0 measures a cold worker)
//    right after the worker started, reported but not held to the targets (V8 is still compiling
//    the code the orders run); the shops' Admin API buckets then refill before phase 1.
//
// 1b. The same tier-changing orders at 2/s for BENCH_FLOOR_SECONDS (default 10; 0 skips), on
//    the first shop: the pipeline's own latency when nothing is queued ahead.
//
// Other environment: BENCH_DATABASE (sqlite, the embedded default, or postgresql, the
// scale-out database), BENCH_SHOPS (above), BENCH_PLAN (phase 1's shop plan, default plus: 50 orders/s is a
// Plus shop's traffic, and a Standard shop's 100 points/s cannot carry 25 tier
// changes a second at any implementation), BENCH_WORKERS (worker processes, default 1),
// BENCH_WORKER_CONCURRENCY (default 16, the production default), BENCH_CPU_PROFILE=<dir> (CPU profiles of
// the web and worker processes), BENCH_NODE_OPTIONS (their NODE_OPTIONS, e.g. --perf-basic-prof-only-functions for perf), BENCH_LOG_LEVEL and BENCH_WORKER_LOG=<file> (the workers' log), BENCH_STRICT=1 (exit 1 when a target is missed).
// Targets are printed as met / NOT MET, never asserted. Everything started here is
// stopped and removed at the end, on error and on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { loadTierRules } from "../app/adapters/db/tier-settings-repository.server.ts";
import { currencyExponent } from "../app/domain/money.ts";
import type { TierRules } from "../app/domain/tier-rules.ts";
import { METAFIELD_OWNER_WEIGHT, MUTATION_COST } from "../simulator/admin-api/cost.ts";
import { mulberry32 } from "../simulator/store/seed-generator.ts";
import { PLANS } from "../simulator/store/store.ts";
import { webhooksEdgeOf } from "../simulator/webhooks/index.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { SYNC_GATHER_MS } from "../app/workers/tier-sync-jobs.ts";
import { runAtRate, type LatencySummary } from "./tier-pipeline/pacing.ts";
import { TagLatencyTracker } from "./tier-pipeline/tag-latency.ts";
import { Timeline } from "./tier-pipeline/timeline.ts";
import { askStatementCounts, readRedisCounters, redisCommandDelta } from "./support/process-costs.ts";
import {
  Cleanups, failedAttemptsLogged, installAndBackfill, jobCounts, outputMarks, seedBenchShop, startTierSystem,
  type PlanName, type SeededShop, type TierSystem,
} from "./tier-pipeline/system.ts";

const num = (name: string, fallback: number, { allowZero = false } = {}) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new Error(`${name} must be a ${allowZero ? "non-negative" : "positive"} number`);
  return value;
};
const SECONDS = num("BENCH_SECONDS", 20);
/**
 * The same traffic run first, unmeasured by the targets, for this many seconds: a worker runs for
 * days, and its first thousand orders also pay V8 for compiling the code they run (over 1.8 s of
 * compilation in a worker's first minute, a tenth of its CPU then). 0 measures a cold worker.
 */
const WARMUP_SECONDS = num("BENCH_WARMUP_SECONDS", 10, { allowZero: true });
const RATE = num("BENCH_RATE", 50);
const CROSSING_SHARE = Math.min(1, num("BENCH_CROSSING_SHARE", 0.5));
const NOCHANGE_ORDERS = Math.round(num("BENCH_NOCHANGE_ORDERS", 100));
const TEST_ORDERS = 20;
const FLASH_SECONDS = num("BENCH_FLASH_SECONDS", 300, { allowZero: true });
const FLASH_PER_MINUTE = num("BENCH_FLASH_PER_MINUTE", 1000);
const TRICKLE_SECONDS = num("BENCH_TRICKLE_SECONDS", 2);
const DRAIN_SECONDS = num("BENCH_FLASH_DRAIN_SECONDS", 45, { allowZero: true });
const LIVE_PLAN = (process.env.BENCH_PLAN ?? "plus") as PlanName;
if (!PLANS[LIVE_PLAN]) throw new Error(`BENCH_PLAN must be one of ${Object.keys(PLANS).join(", ")}`);
/**
 * The shops phases 0, 1 and 1c spread their orders over: one Plus shop's Admin API budget carries
 * about 50 orders/s of this mix, and a worker at 200 orders/s serves several shops (header).
 */
const SHOPS = num("BENCH_SHOPS", Math.max(1, Math.ceil(RATE / 50)));
if (!Number.isInteger(SHOPS)) throw new Error("BENCH_SHOPS must be a positive integer");
/** Orders a second each of those shops gets. */
const SHOP_RATE = RATE / SHOPS;
const FLOOR_SECONDS = num("BENCH_FLOOR_SECONDS", 10, { allowZero: true });
const FLOOR_RATE = 2;
const WORKER_CONCURRENCY = Math.round(num("BENCH_WORKER_CONCURRENCY", 16));
const WORKERS = Math.round(num("BENCH_WORKERS", 1));
const DATABASE = (process.env.BENCH_DATABASE ?? "sqlite") as "sqlite" | "postgresql";
if (DATABASE !== "sqlite" && DATABASE !== "postgresql") throw new Error("BENCH_DATABASE must be sqlite or postgresql");

const TARGET_P95_MS = 2_000;
const TARGET_POINTS_PER_CHANGE = 25;
/** Promise writes and reads per promised order (issue 10). */
const TARGET_PROMISE_POINTS_PER_ORDER = 20;
const TARGET_TRICKLE_P95_MS = 30_000;
/** Worker CPU per order (issue 9). */
const TARGET_WORKER_MS = 4;
/** The sustained rate one worker must carry (issue 9). */
const TARGET_SUSTAINED_RATE = 200;
/** BENCH_BUSY=0 skips the busy run (phase 1 again beside a CPU hog on one core). */
const BUSY = process.env.BENCH_BUSY !== "0";

type Customer = { id: string; gid: string; spend: number };

/** One of the shops phases 0, 1 and 1c spread their orders over, with its customers for each phase. */
interface LiveShop {
  shop: string;
  rules: TierRules;
  ladder: Customer[];
  busyLadder: Customer[];
  warmupLadder: Customer[];
  steady: Customer[];
  /**
   * The spend each of this shop's customers has once its orders placed so far are counted, by gid.
   * One map per shop: the simulator's customer gids may repeat across shops.
   */
  projected: Map<string, number>;
}

/** A phase's view of one of its shops: the ladder its crossing orders climb this phase. */
type PhaseShop = Pick<LiveShop, "shop" | "rules" | "ladder" | "steady" | "projected">;

/** A process that keeps one core busy, so the busy run is the same every time. */
function startCpuHog(): ChildProcess {
  return spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
}

/** Statements each worker process has sent (hot path and Prisma), asked over its IPC channel. */
const workerStatements = (system: TierSystem) => askStatementCounts(system.workers.map((w) => w.child));

/** Redis's per-command call counts (INFO commandstats). */
const redisCommands = async (system: TierSystem) => (await readRedisCounters(system.redis.url)).commands;

const LIVE_SHOP = "bench-live.myshopify.com";
/** Shop k (0-based) of phases 0, 1 and 1c: LIVE_SHOP, then bench-live-2, bench-live-3, … */
const liveShopName = (k: number) => (k === 0 ? LIVE_SHOP : `bench-live-${k + 1}.myshopify.com`);
const FLASH_SHOP = "bench-flash-a.myshopify.com";
const TRICKLE_SHOP = "bench-flash-b.myshopify.com";
const WRITE_KINDS = ["tagsAdd", "tagsRemove", "metafieldsSet", "metafieldsDelete"] as const;

const cleanups = new Cleanups();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the app's processes, the simulator and Redis, removing the database…`);
    void cleanups.runAll().finally(() => process.exit(130));
  });
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const sec = (ms: number, atLeast = false) => (Number.isFinite(ms) ? `${atLeast ? "≥ " : ""}${(ms / 1000).toFixed(2)} s` : "n/a");
const met = (ok: boolean) => (ok ? "met" : "NOT MET");
const log = (text: string) => console.log(`  ${text}`);
const elapsed = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
/** A rate as short as it reads: 50, 37.5. */
const rate = (perSecond: number) => String(Number(perSecond.toFixed(1)));
/** "on 1 shop", "over 4 shops (50/s each)". */
const shopsText = (n: number) => (n === 1 ? "on 1 shop" : `over ${n} shops (${rate(RATE / n)}/s each)`);

function table(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  for (const r of rows) console.log("    " + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
}

function money(minor: number, rules: TierRules): string {
  return (minor / 10 ** currencyExponent(rules.currency)).toFixed(currencyExponent(rules.currency));
}

/** Spend and tier of the given customers, as Tierline holds them. */
async function customerStates(system: TierSystem, shop: string, gids: string[]): Promise<Map<string, { tierKey: string | null; spend: number }>> {
  const out = new Map<string, { tierKey: string | null; spend: number }>();
  for (let i = 0; i < gids.length; i += 400) {
    const rows = await system.database.db.customer.findMany({ where: { shop, customerGid: { in: gids.slice(i, i + 400) } }, select: { customerGid: true, tierKey: true, qualifyingSpend: true } });
    for (const row of rows) out.set(row.customerGid, { tierKey: row.tierKey, spend: row.qualifyingSpend });
  }
  return out;
}

/** Customers who sit in the first tier after the backfill (the ones the benchmark moves). */
async function firstTierCustomers(system: TierSystem, seeded: SeededShop, rules: TierRules) {
  const states = await customerStates(system, seeded.shop, seeded.extra.map((c) => c.gid));
  const ready = seeded.extra.filter((c) => states.get(c.gid)?.tierKey === rules.tiers[0].key).map((c) => ({ ...c, spend: states.get(c.gid)!.spend }));
  if (ready.length < seeded.extra.length) log(`note: ${seeded.extra.length - ready.length} of ${seeded.extra.length} bench customers of ${seeded.shop} were not in ${rules.tiers[0].key} after the backfill; left out`);
  return ready;
}

interface PointsWindow {
  points: number;
  byKind: Record<string, { calls: number; points: number }>;
  writePoints: number;
  /** Writes of the delivery promises: onto orders and fulfillment orders, and their bulk mutations. */
  promiseWritePoints: number;
  /** Reads of the promise flow (the orders' promise inputs, fulfillment orders read for a write or a lost promise), by operation name. */
  promiseReadPoints: number;
  promisedOrders: number;
  readPoints: number;
  tierChanges: number;
}

/** Promise writes own orders and fulfillment orders (deadlines, order metafields, order tags) or run a bulk mutation of them. */
const PROMISE_ONLY_KINDS = new Set(["fulfillmentOrdersSetFulfillmentDeadline", "stagedUploadsCreate", "bulkOperationRunMutation", "fulfillmentOrderMerge", "fulfillmentOrderMove"]);
function isPromiseWrite(m: { kind: string; detail: unknown }): boolean {
  if (PROMISE_ONLY_KINDS.has(m.kind)) return true;
  const detail = m.detail as { kind?: string; ownerGid?: string; metafields?: { ownerGid: string }[] };
  const owners = detail.metafields ? detail.metafields.map((f) => f.ownerGid) : detail.ownerGid ? [detail.ownerGid] : [];
  return owners.length > 0 && owners.every((gid) => gid.startsWith("gid://shopify/Order/"));
}

/** The promise flow's reads (the simulator records points per operation name). */
const PROMISE_READS = ["OrderPromiseInputs", "OrderFulfillmentOrders", "OrderForLostPromise", "OrderLinesForPromise"];
const promiseReadPointsOf = (system: TierSystem, shop: string) => PROMISE_READS.reduce((sum, name) => sum + (system.sim.store.shop(shop).pointsByOperation.get(name) ?? 0), 0);

/** Where a shop's points, mutations and promise reads stood at a moment. */
interface Mark {
  shop: string;
  points: number;
  seq: number;
  at: Date;
  promiseReads: number;
}

/** Points the shops spent, and tier changes Tierline recorded, since their marks: summed over the marks' shops. */
async function pointsSince(system: TierSystem, marks: Mark | Mark[]): Promise<PointsWindow> {
  const windows = await Promise.all([marks].flat().map((mark) => shopPointsSince(system, mark)));
  const sum: PointsWindow = { points: 0, byKind: {}, writePoints: 0, promiseWritePoints: 0, promiseReadPoints: 0, promisedOrders: 0, readPoints: 0, tierChanges: 0 };
  for (const w of windows) {
    for (const key of ["points", "writePoints", "promiseWritePoints", "promiseReadPoints", "promisedOrders", "readPoints", "tierChanges"] as const) sum[key] += w[key];
    for (const [kind, k] of Object.entries(w.byKind)) {
      const entry = (sum.byKind[kind] ??= { calls: 0, points: 0 });
      entry.calls += k.calls;
      entry.points += k.points;
    }
  }
  return sum;
}

/** Points one shop spent, and tier changes Tierline recorded for it, since its mark. */
async function shopPointsSince(system: TierSystem, mark: Mark): Promise<PointsWindow> {
  const shop = mark.shop;
  const byKind: PointsWindow["byKind"] = {};
  let promiseWritePoints = 0;
  for (const m of system.sim.store.mutations(shop, { since: mark.seq })) {
    const entry = (byKind[m.kind] ??= { calls: 0, points: 0 });
    entry.calls++;
    entry.points += m.cost;
    if (isPromiseWrite(m)) promiseWritePoints += m.cost;
  }
  const writePoints = Object.values(byKind).reduce((sum, k) => sum + k.points, 0);
  const points = system.sim.store.shop(shop).pointsSpent - mark.points;
  const [tierChanges, promisedOrders] = await Promise.all([
    system.database.db.tierChange.count({ where: { shop, occurredAt: { gte: mark.at } } }),
    system.database.db.orderPromise.count({ where: { shop, madeAt: { gte: mark.at } } }),
  ]);
  return { points, byKind, writePoints, promiseWritePoints, promiseReadPoints: promiseReadPointsOf(system, shop) - mark.promiseReads, promisedOrders, readPoints: points - writePoints, tierChanges };
}

function markOf(system: TierSystem, shop: string): Mark {
  const mutations = system.sim.store.mutations(shop);
  return { shop, points: system.sim.store.shop(shop).pointsSpent, seq: mutations.length ? mutations[mutations.length - 1].seq : 0, at: new Date(), promiseReads: promiseReadPointsOf(system, shop) };
}

function kindsLine(w: PointsWindow): string {
  const parts = WRITE_KINDS.filter((k) => w.byKind[k]).map((k) => `${k} ${w.byKind[k].calls}× (${w.byKind[k].points} pts)`);
  return [...parts, `reads ${w.readPoints} pts`].join(", ");
}

async function settle(system: TierSystem, what: string, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  try {
    await system.settle.settled({ timeoutMs });
    return (performance.now() - started) / 1000;
  } catch {
    log(`note: ${what} did not settle within ${fmt(timeoutMs / 1000)} s`);
    return null;
  }
}

async function livePhase(system: TierSystem, { title, shops, busy, seconds = SECONDS }: { title: string; shops: PhaseShop[]; busy: boolean; seconds?: number }) {
  // ---------------------------------------------------------------- 1. order → tag at RATE/s
  console.log(`\n${title}`);
  const hog = busy ? startCpuHog() : null;
  if (hog) cleanups.add("CPU hog", () => hog.kill("SIGKILL"));
  const names = shops.map((s) => s.shop);
  const tracker = new TagLatencyTracker(system.sim.store, names);
  cleanups.add("latency tracker", () => tracker.close());
  const liveMarks = names.map((shop) => markOf(system, shop));
  const failedBefore = outputMarks(system);
  // Each shop's own counters (its ladder's rounds, its steady customers' turns), and their totals.
  const counts = shops.map(() => ({ crossing: 0, steady: 0 }));
  let crossing = 0;
  let steadyPlaced = 0;
  const statementsBefore = await workerStatements(system);
  const commandsBefore = await redisCommands(system);
  const liveTimeline = new Timeline(system, names, () => ({ placed: crossing + steadyPlaced, tagged: tracker.recorded }));
  cleanups.add("phase 1 timeline", () => liveTimeline.stop());
  await liveTimeline.start();
  const crossingAt = (i: number) => Math.floor((i + 1) * CROSSING_SHARE) > Math.floor(i * CROSSING_SHARE);
  const liveRun = await runAtRate(RATE, Math.round(RATE * seconds), (i) => {
    // Order i goes to shop i mod N as that shop's order ⌊i / N⌋: each shop gets the same mix at RATE/N.
    const { shop, ladder, steady, projected, rules } = shops[i % shops.length];
    const count = counts[i % shops.length];
    if (crossingAt(Math.floor(i / shops.length)) && count.crossing < ladder.length * (rules.tiers.length - 1)) {
      // Round r moves each ladder customer up one tier; a customer's next order comes a round later.
      const customer = ladder[count.crossing % ladder.length];
      const target = 1 + Math.floor(count.crossing / ladder.length);
      count.crossing++;
      crossing++;
      const spend = projected.get(customer.gid)!;
      const amount = rules.tiers[target].entryThresholdMinor - spend + 25 * 10 ** currencyExponent(rules.currency);
      projected.set(customer.gid, spend + amount);
      tracker.expect(customer.gid, rules.tiers[target].tag, shop);
      system.sim.store.createOrder(shop, { customerId: customer.id, lineItems: [{ title: `Step up to ${rules.tiers[target].name}`, price: money(amount, rules), quantity: 1 }] });
    } else {
      const customer = steady[count.steady++ % steady.length];
      steadyPlaced++;
      projected.set(customer.gid, projected.get(customer.gid)! + 1000);
      system.sim.store.createOrder(shop, { customerId: customer.id, lineItems: [{ title: "Socks", price: "10.00", quantity: 1 }] });
    }
  });
  log(
    `placed ${liveRun.placed} orders ${shopsText(shops.length)} in ${fmt(liveRun.seconds, 1)} s (${fmt(liveRun.placed / liveRun.seconds, 1)}/s; largest pacing lag ${fmt(liveRun.maxLagMs)} ms): ${crossing} crossing, ${steadyPlaced} within a tier` +
      (shops.length > 1 ? ` (per shop: ${counts.map((c) => `${c.crossing} + ${c.steady}`).join(", ")})` : ""),
  );
  const lastOrderAt = performance.now();
  const allTagged = await tracker.drained(120_000);
  const taggedAfter = (performance.now() - lastOrderAt) / 1000;
  await settle(system, "phase 1", 180_000);
  const liveSettle = (performance.now() - lastOrderAt) / 1000;
  await liveTimeline.stop();
  hog?.kill("SIGKILL");
  const statementsAfter = await workerStatements(system);
  const commandsAfter = await redisCommands(system);
  const latency = tracker.summary();
  tracker.close();
  const livePoints = await pointsSince(system, liveMarks);
  const liveFailures = failedAttemptsLogged(system, failedBefore);
  const latencyMet = allTagged && latency.p95 < TARGET_P95_MS;
  table([
    ["", "tagged", "missing", "p50", "p95", "max"],
    ["order → tier tag", String(latency.count), String(latency.missing), sec(latency.p50), sec(latency.p95, latency.atLeast), sec(latency.max, latency.missing > 0)],
  ]);
  log(`p95 order → tag: ${sec(latency.p95)} (target < ${sec(TARGET_P95_MS)}${allTagged ? "" : `, every tag recorded: ${latency.missing} never came`}: ${met(latencyMet)})`);
  log(`the last tag came ${fmt(taggedAfter, 1)} s after the last order; everything (webhooks, tier jobs, Shopify writes) settled ${fmt(liveSettle, 1)} s after it`);
  const liveCpu = liveTimeline.cpuPercent();
  log(`timeline (every 2 s; deliveries = webhook deliveries stored by the web process, processed by the worker; CPU in % of one core, ${os.cpus().length} CPUs):`);
  table(liveTimeline.rows());
  log(
    `CPU over the phase: web ${liveCpu.web}%, worker${WORKERS > 1 ? "s" : ""} ${liveCpu.worker}%, Redis ${liveCpu.redis}%, this process (load generator + simulator) ${liveCpu.bench}%` +
      (DATABASE === "postgresql" ? `, PostgreSQL's server processes ${liveCpu.database}%` : ""),
  );
  const perOrder = liveTimeline.cpuSecondsDelta();
  const ms = (seconds: number) => (seconds * 1000) / Math.max(1, liveRun.placed);
  const cpuMsPerOrder = { web: ms(perOrder.web), worker: ms(perOrder.worker), redis: ms(perOrder.redis), simulator: ms(perOrder.bench), database: ms(perOrder.database) };
  const statementsPerOrder = statementsAfter && statementsBefore ? (statementsAfter.hotPath + statementsAfter.prisma - statementsBefore.hotPath - statementsBefore.prisma) / Math.max(1, liveRun.placed) : Number.NaN;
  const hotPathShare = statementsAfter && statementsBefore ? (statementsAfter.hotPath - statementsBefore.hotPath) / Math.max(1, liveRun.placed) : Number.NaN;
  const commands = redisCommandDelta(commandsBefore, commandsAfter);
  const commandsPerOrder = commands.total / Math.max(1, liveRun.placed);
  table([
    ["CPU ms per order (/proc utime+stime)", "web", "worker", "Redis", "simulator + load generator", ...(DATABASE === "postgresql" ? ["PostgreSQL server"] : [])],
    [busy ? "busy (CPU hog on one core)" : "quiet", fmt(cpuMsPerOrder.web, 2), fmt(cpuMsPerOrder.worker, 2), fmt(cpuMsPerOrder.redis, 2), fmt(cpuMsPerOrder.simulator, 2), ...(DATABASE === "postgresql" ? [fmt(cpuMsPerOrder.database, 2)] : [])],
  ]);
  log(
    `worker CPU per order: ${fmt(cpuMsPerOrder.worker, 2)} ms (target ≤ ${TARGET_WORKER_MS} ms: ${met(cpuMsPerOrder.worker <= TARGET_WORKER_MS)}); ` +
      `database statements per order (worker): ${fmt(statementsPerOrder, 1)} (${fmt(hotPathShare, 1)} on the hot path's prepared statements); ` +
      `Redis commands per order: ${fmt(commandsPerOrder, 1)} (${commands.top.map(([c, n]) => `${c} ${fmt(n / Math.max(1, liveRun.placed), 1)}`).join(", ")}; includes the benchmark's own sampling)`,
  );
  if (liveFailures.count) log(`worker logged ${liveFailures.count} failed job attempts (${Object.entries(liveFailures.byQueue).map(([q, n]) => `${q} ${n}`).join(", ")}), e.g. ${liveFailures.samples.join(" | ")}`);

  const livePeak = liveTimeline.peakPercent();
  const machine = liveTimeline.machineBusy();
  if (machine) log(`the machine's ${machine.cpus} CPUs (every process on it, the pipeline's and others'): ${machine.average}% busy over the phase, ${machine.peak}% at the busiest 2 s; each process at its busiest: web ${livePeak.web}%, worker ${livePeak.worker}%, Redis ${livePeak.redis}%, this process ${livePeak.bench}% of one core${DATABASE === "postgresql" ? `; PostgreSQL's server processes ${livePeak.database}% together` : ""}`);

  return { liveRun, crossing, steadyPlaced, latency, latencyMet, allTagged, taggedAfter, liveCpu, livePeak, machine, livePoints, liveMarks, cpuMsPerOrder, statementsPerOrder, commandsPerOrder };
}

/** Waits (at most 30 s) until every given shop's Admin API bucket is back to 95 %, as a shop at rest has it. */
async function bucketRefilled(system: TierSystem, before: string, shops: string[]): Promise<void> {
  const buckets = shops.map((shop) => system.sim.admin.bucket(shop));
  const waitStarted = Date.now();
  while (buckets.some((b) => b.available() < b.size * 0.95) && Date.now() - waitStarted < 30_000) await new Promise((r) => setTimeout(r, 250));
  const lowest = buckets.reduce((low, b) => (b.available() / b.size < low.available() / low.size ? b : low));
  log(
    `Admin API bucket${shops.length > 1 ? `s of the ${shops.length} shops` : ""} before ${before}: ${shops.length > 1 ? "the lowest " : ""}${Math.floor(lowest.available())} of ${lowest.size} points ` +
      `(waited ${sec(Date.now() - waitStarted)} for ${shops.length > 1 ? "them" : "it"} to refill)`,
  );
}

async function main(): Promise<number> {
  const loadBefore = os.loadavg();
  const benchStarted = performance.now();
  const totalOrders = Math.round(RATE * SECONDS);
  const crossingOrders = Math.round(totalOrders * CROSSING_SHARE);
  const steadyOrders = totalOrders - crossingOrders;
  // Each live shop's customers: its share of a phase's crossing and steady orders (rounded up).
  const perShop = (orders: number) => Math.ceil(orders / SHOPS);
  const ladderCount = Math.max(1, Math.ceil(perShop(crossingOrders) / 2));
  const warmupLadderCount = WARMUP_SECONDS > 0 ? Math.max(1, Math.ceil(perShop(Math.round(RATE * WARMUP_SECONDS * CROSSING_SHARE)) / 2)) : 0;
  const steadyCount = Math.max(25, Math.ceil(Math.max(perShop(steadyOrders), NOCHANGE_ORDERS) / 8));
  const trickleOrders = FLASH_SECONDS > 0 ? Math.floor(FLASH_SECONDS / TRICKLE_SECONDS) : 0;
  const flashOrders = Math.round((FLASH_PER_MINUTE / 60) * FLASH_SECONDS);

  console.log(
    `tier pipeline: ${RATE} orders/s × ${SECONDS} s (${crossingOrders} cross a tier threshold) on ${SHOPS} ${PLANS[LIVE_PLAN].displayName}-plan shop${SHOPS > 1 ? `s, ${rate(SHOP_RATE)} orders/s each` : ""} (BENCH_SHOPS); ` +
      `${NOCHANGE_ORDERS} within-tier orders and ${TEST_ORDERS} test orders; ` +
      (FLASH_SECONDS > 0 ? `flash sale ${FLASH_PER_MINUTE}/min × ${FLASH_SECONDS} s on a Shopify (Standard) plan shop, 1 order / ${TRICKLE_SECONDS} s on another` : "no flash sale") +
      `; ${DATABASE}; ${WORKERS} worker process${WORKERS > 1 ? "es" : ""} × concurrency ${WORKER_CONCURRENCY}; ${os.cpus().length} CPUs (load average ${loadBefore.map((l) => fmt(l, 2)).join(" ")}); node ${process.version}`,
  );

  // ---------------------------------------------------------------- setup
  const setupStarted = performance.now();
  const system = await startTierSystem(cleanups, { workers: WORKERS, workerConcurrency: WORKER_CONCURRENCY, lockMs: 30_000, database: DATABASE });
  // While the histories are imported and every customer's first tier is written, all
  // shops run on Plus limits so setup is quick; the measured phases use their own plans.
  const liveSeeds = Array.from({ length: SHOPS }, (_, k) =>
    seedBenchShop(system.sim, liveShopName(k), { seed: 11 + 10 * k, size: "small", plan: "plus", extraCustomers: (BUSY ? 2 : 1) * ladderCount + warmupLadderCount + steadyCount, startSpend: "100.00" }),
  );
  const flash = FLASH_SECONDS > 0 ? seedBenchShop(system.sim, FLASH_SHOP, { seed: 12, size: "small", plan: "plus", extraCustomers: 100, startSpend: "60.00" }) : null;
  const trickle = FLASH_SECONDS > 0 ? seedBenchShop(system.sim, TRICKLE_SHOP, { seed: 13, size: "tiny", plan: "plus", extraCustomers: trickleOrders + 5, startSpend: "100.00" }) : null;
  const installs = await Promise.all([...liveSeeds, flash, trickle].filter((s): s is SeededShop => s !== null).map(async (s) => ({ shop: s.shop, ...(await installAndBackfill(system, s.shop)) })));
  for (const i of installs) log(`${i.shop}: installed, ${i.ordersRead} orders backfilled (${fmt(i.seconds, 1)} s)`);
  const setupSettle = await settle(system, "the initial tier sync", 300_000);
  const tiersText = (rules: TierRules) => `tiers ${rules.tiers.map((t) => `${t.name} ≥ ${money(t.entryThresholdMinor, rules)}`).join(", ")} ${rules.currency}`;
  const liveShops: LiveShop[] = [];
  for (const seeded of liveSeeds) {
    // Each shop its own tier rules and its own customers, in its own slices.
    const shopRules = await loadTierRules(system.database.db, seeded.shop);
    system.sim.store.setPlan(seeded.shop, LIVE_PLAN);
    const ready = await firstTierCustomers(system, seeded, shopRules);
    const shop: LiveShop = {
      shop: seeded.shop,
      rules: shopRules,
      ladder: ready.slice(0, ladderCount),
      busyLadder: BUSY ? ready.slice(ladderCount, 2 * ladderCount) : [],
      warmupLadder: ready.slice((BUSY ? 2 : 1) * ladderCount, (BUSY ? 2 : 1) * ladderCount + warmupLadderCount),
      steady: ready.slice((BUSY ? 2 : 1) * ladderCount + warmupLadderCount),
      projected: new Map(ready.map((c) => [c.gid, c.spend])),
    };
    if (shop.ladder.length === 0 || shop.steady.length === 0) throw new Error(`no bench customers of ${seeded.shop} in the first tier after the backfill`);
    liveShops.push(shop);
  }
  const live = liveShops[0];
  const { rules, steady } = live;
  log(`setup: ${elapsed(setupStarted)} s (initial tier sync of every customer settled ${setupSettle === null ? "—not" : `in ${fmt(setupSettle, 1)} s`}); ${tiersText(rules)}`);
  for (const other of liveShops.slice(1)) log(`${other.shop}: ${tiersText(other.rules)}`);
  const liveNames = liveShops.map((s) => s.shop);
  const phaseShops = (ladderOf: (s: LiveShop) => Customer[]): PhaseShop[] =>
    liveShops.map((s) => ({ shop: s.shop, rules: s.rules, ladder: ladderOf(s), steady: s.steady, projected: s.projected }));

  // ---------------------------------------------------------------- 1. order → tag at RATE/s
  // 0. The worker warms up on the same traffic (its own ladder customers), then the shops' buckets refill.
  const warmup = WARMUP_SECONDS > 0
    ? await livePhase(system, {
        title: `0. warm-up: the same traffic ${shopsText(SHOPS)} for ${WARMUP_SECONDS} s, right after the worker started (not held to the targets)`,
        shops: phaseShops((s) => s.warmupLadder),
        busy: false,
        seconds: WARMUP_SECONDS,
      })
    : null;
  if (warmup) await bucketRefilled(system, "phase 1", liveNames);
  const quietPhase = await livePhase(system, { title: `1. order → tag at ${RATE} orders/s ${shopsText(SHOPS)} for ${SECONDS} s (quiet)`, shops: phaseShops((s) => s.ladder), busy: false });
  const { liveRun, crossing, steadyPlaced, latency, latencyMet, taggedAfter, liveCpu, livePoints, liveMarks } = quietPhase;

  // ---------------------------------------------------------------- 2. Admin API points
  console.log("\n2. Admin API cost points");
  // The writes a tier change needs: its two tag operations, and its share of a metafieldsSet that
  // carries three customers' eight values (25 per call), 10 + 1 per customer.
  const minimumPerChange = 2 * MUTATION_COST + (MUTATION_COST + 3 * METAFIELD_OWNER_WEIGHT.Customer) / 3;
  // Since delivery promises landed, paid orders also get promise writes (onto the order) and the
  // promise flow's order reads: the tier target counts the tier's own writes (customer tags and
  // metafields) and the tier's reads; the promise flow's writes and reads (told apart by operation
  // name) are reported per promised order beside it.
  const tierPoints = livePoints.points - livePoints.promiseWritePoints - livePoints.promiseReadPoints;
  const pointsPerChange = livePoints.tierChanges ? tierPoints / livePoints.tierChanges : Number.NaN;
  const changePoints = (livePoints.byKind.tagsAdd?.points ?? 0) + (livePoints.byKind.tagsRemove?.points ?? 0);
  // The steady customers' writes are all metafieldsSet; attribute them by owner, shop by shop.
  let steadyWritePoints = 0;
  let steadyWrites = 0;
  for (const mark of liveMarks) {
    const steadyGids = new Set(liveShops.find((s) => s.shop === mark.shop)!.steady.map((c) => c.gid));
    for (const m of system.sim.store.mutations(mark.shop, { since: mark.seq })) {
      const owners = m.detail.kind === "metafieldsSet" ? m.detail.metafields.map((f) => f.ownerGid) : "ownerGid" in m.detail ? [m.detail.ownerGid] : [];
      if (owners.length && owners.every((g) => steadyGids.has(g))) {
        steadyWritePoints += m.cost;
        steadyWrites++;
      }
    }
  }
  const ladderPoints = tierPoints - steadyWritePoints;
  table([
    ["phase 1", "orders", "tier changes", "points", "per 1,000 orders", "minimum", "min per 1,000", "per change"],
    [
      `${RATE}/s × ${SECONDS} s${SHOPS > 1 ? ` over ${SHOPS} shops` : ""}`,
      String(liveRun.placed),
      `${livePoints.tierChanges} (${crossing} expected)`,
      String(livePoints.points),
      fmt((livePoints.points / liveRun.placed) * 1000),
      fmt(livePoints.tierChanges * minimumPerChange),
      fmt(((livePoints.tierChanges * minimumPerChange) / liveRun.placed) * 1000),
      fmt(pointsPerChange, 1),
    ],
  ]);
  log(`spent on: ${kindsLine(livePoints)}`);
  if (process.env.BENCH_DEBUG) {
    // Customers written more than once per kind in phase 1: the writes beyond one per change.
    const perOwner = new Map<string, string[]>();
    for (const mark of liveMarks) {
      for (const m of system.sim.store.mutations(mark.shop, { since: mark.seq })) {
        if (m.detail.kind !== "tagsAdd" && m.detail.kind !== "tagsRemove") continue;
        const owner = `${mark.shop} ${m.detail.ownerGid}`;
        perOwner.set(owner, [...(perOwner.get(owner) ?? []), `${m.kind}(${m.detail.tags.join(",")}→${m.detail.changed.join(",") || "nothing"})`]);
      }
    }
    const odd = [...perOwner.entries()].filter(([, w]) => w.length > 4);
    for (const [owner, w] of odd.slice(0, 5)) log(`debug: ${owner}: ${w.join(" ")}`);
  }
  log(
    `minimum per tier change: ${fmt(minimumPerChange, 1)} points as the simulator prices Tierline's writes (tagsAdd ${MUTATION_COST} + tagsRemove ${MUTATION_COST} + a third of a metafieldsSet shared by three customers, ${MUTATION_COST} + 3 × ${METAFIELD_OWNER_WEIGHT.Customer}); ` +
      `of which the tag writes: ${fmt(changePoints / Math.max(1, livePoints.tierChanges), 1)} per change`,
  );
  const promisePointsPerOrder = (livePoints.promiseWritePoints + livePoints.promiseReadPoints) / Math.max(1, livePoints.promisedOrders);
  log(
    `delivery promises beside the tiers: ${livePoints.promiseWritePoints} write points and ${livePoints.promiseReadPoints} read points for ${livePoints.promisedOrders} promised orders ` +
      `(${fmt(promisePointsPerOrder, 1)} per promised order: target ≤ ${TARGET_PROMISE_POINTS_PER_ORDER}: ${met(promisePointsPerOrder <= TARGET_PROMISE_POINTS_PER_ORDER)})`,
  );
  log(
    `points per tier change: ${fmt(pointsPerChange, 1)} overall, the tier's reads included, the promise flow's writes and reads not (target ≤ ${TARGET_POINTS_PER_CHANGE}: ${met(pointsPerChange <= TARGET_POINTS_PER_CHANGE)}); ` +
      `${fmt((livePoints.writePoints - livePoints.promiseWritePoints) / Math.max(1, livePoints.tierChanges), 1)} in tier writes alone; ` +
      `${fmt(ladderPoints / Math.max(1, livePoints.tierChanges), 1)} counting only the customers who changed tier; ` +
      `the ${steadyPlaced} within-tier orders cost ${steadyWritePoints} points in ${steadyWrites} writes`,
  );

  // Orders that change no tier: small orders to customers who stay in the first tier.
  const quietMark = markOf(system, LIVE_SHOP);
  await runAtRate(20, NOCHANGE_ORDERS, (i) => {
    const customer = steady[i % steady.length];
    system.sim.store.createOrder(LIVE_SHOP, { customerId: customer.id, lineItems: [{ title: "Sticker", price: "5.00", quantity: 1 }] });
  });
  await settle(system, "the within-tier orders", 120_000);
  const quiet = await pointsSince(system, quietMark);
  // Test orders count zero: they change nothing Tierline holds.
  const testMark = markOf(system, LIVE_SHOP);
  await runAtRate(20, TEST_ORDERS, (i) => {
    const customer = steady[i % steady.length];
    system.sim.store.createOrder(LIVE_SHOP, { customerId: customer.id, test: true, lineItems: [{ title: "Test order", price: "900.00", quantity: 1 }] });
  });
  await settle(system, "the test orders", 120_000);
  const tests = await pointsSince(system, testMark);
  table([
    ["orders that change no tier", "orders", "tier changes", "points", "writes"],
    [`within-tier ($5 each)`, String(NOCHANGE_ORDERS), String(quiet.tierChanges), String(quiet.points), kindsLine(quiet)],
    [`test orders (count zero)`, String(TEST_ORDERS), String(tests.tierChanges), String(tests.points), kindsLine(tests)],
  ]);
  // The target is the tier's own cost: a within-tier order is still a paid order, whose delivery
  // promise (reads, order metafield and tag) is counted per promised order above, not here.
  const tierPointsOf = (w: PointsWindow) => w.points - w.promiseWritePoints - w.promiseReadPoints;
  const quietMet = tierPointsOf(quiet) === 0 && tests.points === 0;
  log(
    `points for orders that change no tier: ${tierPointsOf(quiet)} within-tier (${quiet.points} with their ${quiet.promisedOrders} promises), ` +
      `${tests.points} test orders, which get no promise (target 0: ${met(quietMet)})`,
  );
  // What those orders cost later: their spend values, refreshed in batches by the periodic review.
  const staleCustomers = await system.database.db.customer.count({ where: { shop: LIVE_SHOP, syncStatus: "stale" } });
  const refreshMark = markOf(system, LIVE_SHOP);
  await system.refreshSpend(LIVE_SHOP);
  const refresh = await pointsSince(system, refreshMark);
  log(
    `the periodic spend refresh then wrote ${staleCustomers} customers' spend values for ${refresh.points} points ` +
      `(${fmt(refresh.points / Math.max(1, staleCustomers), 2)} per customer, at most once per review period however many orders they placed): ${kindsLine(refresh)}`,
  );

  // ---------------------------------------------------------------- 1b. the same path unhurried
  // Phase 1 measures a backlog when this machine cannot keep up with 50/s; the same
  // tier-changing orders at a slow rate show the pipeline's own latency.
  let floor: ReturnType<TagLatencyTracker["summary"]> | null = null;
  if (FLOOR_SECONDS > 0) {
    const floorCount = Math.min(steady.length, Math.round(FLOOR_RATE * FLOOR_SECONDS));
    console.log(`\n1b. order → tag unhurried: ${floorCount} tier-changing orders at ${FLOOR_RATE}/s on ${LIVE_SHOP}`);
    const floorCustomers = steady.slice(0, floorCount);
    const states = await customerStates(system, LIVE_SHOP, floorCustomers.map((c) => c.gid));
    const floorTracker = new TagLatencyTracker(system.sim.store, LIVE_SHOP);
    cleanups.add("floor latency tracker", () => floorTracker.close());
    await runAtRate(FLOOR_RATE, floorCount, (i) => {
      const customer = floorCustomers[i];
      const state = states.get(customer.gid);
      if (!state || state.tierKey !== rules.tiers[0].key) return;
      const amount = rules.tiers[1].entryThresholdMinor - state.spend + 25 * 10 ** currencyExponent(rules.currency);
      floorTracker.expect(customer.gid, rules.tiers[1].tag);
      system.sim.store.createOrder(LIVE_SHOP, { customerId: customer.id, lineItems: [{ title: `Step up to ${rules.tiers[1].name}`, price: money(amount, rules), quantity: 1 }] });
    });
    await floorTracker.drained(60_000);
    floor = floorTracker.summary();
    floorTracker.close();
    await settle(system, "the unhurried orders", 60_000);
    table([
      ["", "tagged", "missing", "p50", "p95", "max"],
      [`order → tier tag at ${FLOOR_RATE}/s`, String(floor.count), String(floor.missing), sec(floor.p50), sec(floor.p95, floor.atLeast), sec(floor.max, floor.missing > 0)],
    ]);
    log(`includes the ${sec(SYNC_GATHER_MS)} the shop's tier sync waits so that changes arriving together share calls (SYNC_GATHER_MS)`);
  }

  // ---------------------------------------------------------------- 1c. busy machine
  // The busy phase measures the CPU hog, not the shops' Admin API budget: it starts, as the
  // quiet phase did, with each bucket as a shop at rest has it. Run right after phase 1 it
  // inherited a bucket that 40 s of 50 orders/s (half of them tier changes, each with its
  // promise) had drained faster than a Plus shop's 1,000 points a second refill it.
  if (BUSY) await bucketRefilled(system, "the busy phase", liveNames);
  const busyPhase = BUSY
    ? await livePhase(system, {
        title: `1c. order → tag at ${RATE} orders/s ${shopsText(SHOPS)} for ${SECONDS} s, busy: a CPU hog on one of the ${os.cpus().length} cores`,
        shops: phaseShops((s) => s.busyLadder),
        busy: true,
      })
    : null;
  const busyMet = busyPhase ? busyPhase.latencyMet : null;

  // ---------------------------------------------------------------- 3. flash sale
  let flashSummary: Record<string, unknown> | null = null;
  let flashMet: { nothingLost: boolean; noFailedJob: boolean; trickleP95: boolean } | null = null;
  if (flash && trickle) {
    console.log(`\n3. flash sale: ${FLASH_PER_MINUTE} orders/min for ${FLASH_SECONDS} s on ${FLASH_SHOP} (Standard plan), 1 tier-changing order / ${TRICKLE_SECONDS} s on ${TRICKLE_SHOP}`);
    system.sim.store.setPlan(FLASH_SHOP, "standard");
    system.sim.store.setPlan(TRICKLE_SHOP, "standard");
    const trickleRules = await loadTierRules(system.database.db, TRICKLE_SHOP);
    const trickleCustomers = await firstTierCustomers(system, trickle, trickleRules);
    const flashCustomers = [...system.sim.store.shop(FLASH_SHOP).customers.values()];
    const jobsBefore = await jobCounts(system);
    const outputMark = outputMarks(system);
    const flashMark = markOf(system, FLASH_SHOP);
    const trickleTracker = new TagLatencyTracker(system.sim.store, TRICKLE_SHOP);
    cleanups.add("trickle latency tracker", () => trickleTracker.close());
    const rand = mulberry32(99);
    const placedGids: string[] = [];
    let guests = 0;
    const saleStarted = performance.now();
    const flashTimeline = new Timeline(system, FLASH_SHOP, () => ({ placed: placedGids.length, tagged: trickleTracker.recorded }), 10_000);
    cleanups.add("flash timeline", () => flashTimeline.stop());
    await flashTimeline.start();
    const [flashRun, trickleRun] = await Promise.all([
      runAtRate(FLASH_PER_MINUTE / 60, flashOrders, () => {
        const guest = rand() < 0.05;
        const customer = guest ? null : flashCustomers[Math.floor(rand() * flashCustomers.length)];
        const lines = Array.from({ length: rand() < 0.7 ? 1 : 2 }, () => ({ title: "Flash deal", price: `${15 + Math.floor(rand() * 145)}.${rand() < 0.5 ? "00" : "99"}`, quantity: 1 }));
        if (guest) guests++;
        const order = system.sim.store.createOrder(FLASH_SHOP, {
          customerId: customer?.id ?? null,
          email: customer ? undefined : `flash.guest.${placedGids.length}@example.net`,
          lineItems: lines,
          shipping: { title: "Standard", price: "6.95" },
          taxRate: 0.08,
        });
        placedGids.push(order.gid);
      }),
      runAtRate(1 / TRICKLE_SECONDS, Math.min(trickleOrders, trickleCustomers.length), (i) => {
        const customer = trickleCustomers[i];
        const amount = trickleRules.tiers[1].entryThresholdMinor - customer.spend + 25 * 10 ** currencyExponent(trickleRules.currency);
        trickleTracker.expect(customer.gid, trickleRules.tiers[1].tag);
        system.sim.store.createOrder(TRICKLE_SHOP, { customerId: customer.id, lineItems: [{ title: `Step up to ${trickleRules.tiers[1].name}`, price: money(amount, trickleRules), quantity: 1 }] });
      }),
    ]);
    const saleEnded = performance.now();
    const saleSeconds = (saleEnded - saleStarted) / 1000;
    log(`placed ${flashRun.placed} orders on A (${guests} guest) in ${fmt(saleSeconds, 1)} s (${fmt((flashRun.placed / flashRun.seconds) * 60)}/min), ${trickleRun.placed} on B`);
    const endOfSale = {
      pendingSync: await system.database.db.customer.count({ where: { shop: FLASH_SHOP, syncStatus: "pending" } }),
      jobs: await jobCounts(system),
    };

    // Every delivery stored and processed: the simulator has nothing left to send, the app nothing left to process.
    const edge = webhooksEdgeOf(system.sim.store);
    const deliveredAll = await eventually(
      async () => (edge?.delivery.pending ?? 0) === 0 && (await system.database.db.webhookDelivery.count({ where: { status: "received" } })) === 0,
      { timeoutMs: 180_000, intervalMs: 500, what: "webhook deliveries processed" },
    ).catch(() => false);
    const deliveries = await system.database.db.webhookDelivery.groupBy({ by: ["status"], where: { shop: FLASH_SHOP, topic: "orders/create", receivedAt: { gte: flashMark.at } }, _count: { _all: true } });
    const deliveriesBy = Object.fromEntries(deliveries.map((d) => [d.status, d._count._all]));
    const processedCreates = deliveriesBy.processed ?? 0;
    let ledgerRows = 0;
    for (let i = 0; i < placedGids.length; i += 400) {
      ledgerRows += await system.database.db.ledgerOrder.count({ where: { shop: FLASH_SHOP, orderGid: { in: placedGids.slice(i, i + 400) } } });
    }
    const failedDeliveryAttempts = (edge?.delivery.log() ?? []).filter((a) => a.shop === FLASH_SHOP && !a.ok && Date.parse(a.at) >= flashMark.at.getTime()).length;

    // Shop A's queued Shopify writes drain at its budget's pace; wait a bounded while
    // (shop B's tags still count while they come).
    const drainStarted = performance.now();
    const drained = DRAIN_SECONDS > 0 ? await settle(system, `the backlog (${DRAIN_SECONDS} s allowed)`, DRAIN_SECONDS * 1000) : null;
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const trickleTagged = await trickleTracker.drained(drained === null ? 0 : 10_000);
    const trickleLatency = trickleTracker.summary();
    trickleTracker.close();
    const afterDrain = {
      pendingSync: await system.database.db.customer.count({ where: { shop: FLASH_SHOP, syncStatus: "pending" } }),
      failedSync: await system.database.db.customer.count({ where: { shop: FLASH_SHOP, syncStatus: "failed" } }),
    };
    const jobsAfter = await jobCounts(system);
    const afterJobsQueued = jobsAfter["tier-recompute"].waiting + jobsAfter["tier-recompute"].delayed + jobsAfter["tier-recompute"].active;
    const failedJobs = Object.fromEntries(Object.keys(jobsAfter).map((q) => [q, jobsAfter[q].failed - (jobsBefore[q]?.failed ?? 0)]));
    const failedJobTotal = Object.values(failedJobs).reduce((a, b) => a + b, 0);
    const attempts = failedAttemptsLogged(system, outputMark);
    await flashTimeline.stop();
    const flashPoints = await pointsSince(system, flashMark);
    const plan = PLANS.standard;
    // What a Standard shop's bucket allows from the start of the sale to this moment.
    const budget = plan.bucketSize + plan.restoreRate * ((Date.now() - flashMark.at.getTime()) / 1000);
    const placed = flashRun.placed;

    table([
      ["shop A", "orders", "orders/create processed", "ledger rows", "failed jobs", "failed attempts", "tier changes", "points", "budget"],
      [
        "flash sale",
        String(placed),
        `${processedCreates}${Object.keys(deliveriesBy).length > 1 ? ` (${Object.entries(deliveriesBy).map(([s, n]) => `${s} ${n}`).join(", ")})` : ""}`,
        String(ledgerRows),
        String(failedJobTotal),
        String(attempts.count),
        String(flashPoints.tierChanges),
        String(flashPoints.points),
        fmt(budget),
      ],
    ]);
    table([
      ["shop B during the sale", "tagged", "missing", "p50", "p95", "max"],
      ["order → tier tag", String(trickleLatency.count), String(trickleLatency.missing), sec(trickleLatency.p50), sec(trickleLatency.p95, trickleLatency.atLeast), sec(trickleLatency.max, trickleLatency.missing > 0)],
    ]);
    const nothingLost = deliveredAll !== false && processedCreates === placed && ledgerRows === placed;
    const noFailedJob = failedJobTotal === 0;
    const trickleMet = trickleTagged && trickleLatency.p95 < TARGET_TRICKLE_P95_MS;
    flashMet = { nothingLost, noFailedJob, trickleP95: trickleMet };
    log(`nothing lost (every orders/create processed, ledger rows = ${placed} orders placed): ${met(nothingLost)}${failedDeliveryAttempts ? `; ${failedDeliveryAttempts} delivery attempts were refused and retried by the simulator` : ""}`);
    log(
      `no failed job (BullMQ failed count, all queues): ${met(noFailedJob)}${noFailedJob ? "" : ` — ${Object.entries(failedJobs).filter(([, n]) => n).map(([q, n]) => `${q} ${n}`).join(", ")}`}` +
        (attempts.count ? `; the worker logged ${attempts.count} failed attempts that were retried (${Object.entries(attempts.byQueue).map(([q, n]) => `${q} ${n}`).join(", ")}), e.g. ${attempts.samples.join(" | ")}` : "; no attempt failed"),
    );
    log(
      `shop B order → tag p95 during the sale: ${sec(trickleLatency.p95, trickleLatency.atLeast)} (target < ${sec(TARGET_TRICKLE_P95_MS)}${trickleTagged ? "" : `; ${trickleLatency.missing} tags not recorded by the end, counted with the time waited`}: ${met(trickleMet)})`,
    );
    log(`shop A spent ${kindsLine(flashPoints)}`);
    log(`timeline (every 10 s; orders = shop A's, tags = shop B's, awaiting write = shop A's customers):`);
    table(flashTimeline.rows(40));
    const flashCpu = flashTimeline.cpuPercent();
    log(`CPU over the sale and its drain: web ${flashCpu.web}%, worker ${flashCpu.worker}%, Redis ${flashCpu.redis}%, this process ${flashCpu.bench}%`);
    log(
      `shop A at the end of the sale: ${endOfSale.pendingSync} customers awaiting their Shopify write, ` +
        `${endOfSale.jobs["tier-recompute"].waiting + endOfSale.jobs["tier-recompute"].delayed + endOfSale.jobs["tier-recompute"].active} tier jobs queued; ` +
        (drained !== null
          ? `everything settled ${fmt((drainStarted - saleEnded) / 1000 + drained, 1)} s after the sale`
          : `${afterDrain.pendingSync} still awaiting and ${afterJobsQueued} tier jobs queued ${fmt((drainStarted - saleEnded) / 1000 + drainSeconds)} s after the sale (paced by the Standard plan's ${plan.restoreRate} points/s)`) +
        (afterDrain.failedSync ? `; ${afterDrain.failedSync} customers' sync marked failed` : ""),
    );
    flashSummary = {
      seconds: FLASH_SECONDS,
      perMinute: FLASH_PER_MINUTE,
      ordersA: placed,
      guestOrdersA: guests,
      ordersCreateProcessedA: processedCreates,
      ledgerRowsA: ledgerRows,
      failedJobs: failedJobTotal,
      failedAttempts: attempts.count,
      tierChangesA: flashPoints.tierChanges,
      cpuPercent: flashCpu,
      pointsA: flashPoints.points,
      budgetA: Math.round(budget),
      pendingSyncAtSaleEnd: endOfSale.pendingSync,
      drainedSeconds: drained === null ? null : Number(drained.toFixed(1)),
      pendingSyncAfterDrain: afterDrain.pendingSync,
      ordersB: trickleRun.placed,
      trickleB: latencyJson(trickleLatency),
    };
  }

  const loadAfter = os.loadavg();
  console.log("");
  log(`load average ${loadBefore.map((l) => fmt(l, 2)).join(" ")} before, ${loadAfter.map((l) => fmt(l, 2)).join(" ")} after, on ${os.cpus().length} CPUs; whole run ${elapsed(benchStarted)} s`);
  if (Math.max(loadBefore[0], loadAfter[0]) > os.cpus().length * 0.75) {
    log(
      "note: the machine was busy: other processes competed for the CPUs with the web and worker processes, Redis and the simulator, " +
        "so latencies are longer and noisier than on an idle machine; points and counts do not depend on it.",
    );
  }

  // What limits a faster run: the worker when it filled its one core at its busiest; else the
  // simulator + load generator, one Node process (at most one core), when it filled its core;
  // else the machine when all its CPUs were busy (whoever used them: the pipeline's processes,
  // PostgreSQL, other sessions); else Shopify's budget when the mix spends more points a second
  // per shop than the plan restores; else no CPU at all (the pipeline waited on something else).
  const { livePeak, machine } = quietPhase;
  const PROCESS_NAMES: Record<string, string> = { web: "the web process", worker: "the worker", redis: "Redis", bench: "the simulator + load generator", database: "PostgreSQL's server processes (together)" };
  const busiest = (Object.entries(livePeak) as Array<[string, number]>).sort((a, b) => b[1] - a[1])[0];
  const workerMs = quietPhase.cpuMsPerOrder.worker;
  // Shopify's budget: the points this mix spends a second in each shop (RATE/N orders/s) against what
  // a shop's plan restores (each shop has its own bucket).
  const plan = PLANS[LIVE_PLAN];
  const pointsPerOrder = livePoints.points / Math.max(1, liveRun.placed);
  const pointsNeededPerSecond = pointsPerOrder * SHOP_RATE;
  const limitedBy =
    livePeak.worker >= 90
      ? `the worker (${livePeak.worker}% of its one core at its busiest)`
      : livePeak.bench >= 90
        ? `the simulator + load generator: one process, ${livePeak.bench}% of its one core at its busiest, ${fmt(quietPhase.cpuMsPerOrder.simulator, 2)} ms CPU per order ` +
          `(it places the orders, sends the webhooks and answers every Admin API call; the worker used at most ${livePeak.worker}% of a core` +
          `${machine && machine.peak >= 90 ? `; the machine's ${machine.cpus} CPUs were ${machine.peak}% busy at the peak, every process on it counted (a database server's too)` : ""})`
        : machine && machine.peak >= 90
          ? `the machine: its ${machine.cpus} CPUs were ${machine.peak}% busy at the peak (${machine.average}% over the phase, load average ${fmt(Math.max(loadBefore[0], loadAfter[0]), 1)}), ` +
            `while the worker used at most ${livePeak.worker}% of a core; busiest of the pipeline: ${PROCESS_NAMES[busiest[0]]} (${busiest[1]}%)`
          : pointsNeededPerSecond > plan.restoreRate
            ? `Shopify's Admin API budget: this mix spends about ${fmt(pointsNeededPerSecond)} points a second in each shop at ${rate(SHOP_RATE)} orders/s a shop ` +
              `(${RATE} orders/s over ${SHOPS} shop${SHOPS > 1 ? "s" : ""}; ${fmt(pointsPerOrder, 1)} an order), ` +
              `a ${plan.displayName} shop restores ${plan.restoreRate} (bucket ${plan.bucketSize}); no process ran out of CPU (busiest: ${PROCESS_NAMES[busiest[0]]}, ${busiest[1]}% of a core)`
            : `no process ran out of CPU (busiest: ${PROCESS_NAMES[busiest[0]]}, ${busiest[1]}% of a core${machine ? `; the machine ${machine.peak}% busy at the peak` : ""})`;
  const sustained = RATE >= TARGET_SUSTAINED_RATE && latencyMet;
  console.log("");
  log(`worker ≤ ${TARGET_WORKER_MS} ms CPU per order at ${RATE}/s on ${DATABASE}: ${fmt(quietPhase.cpuMsPerOrder.worker, 2)} ms quiet${busyPhase ? `, ${fmt(busyPhase.cpuMsPerOrder.worker, 2)} ms busy` : ""}: ${met(quietPhase.cpuMsPerOrder.worker <= TARGET_WORKER_MS)}${warmup ? ` (its first ${warmup.liveRun.placed} orders after it started: ${fmt(warmup.cpuMsPerOrder.worker, 2)} ms, V8 compiling what they run)` : " (a cold worker: BENCH_WARMUP_SECONDS=0)"}`);
  log(
    `one worker sustains ≥ ${TARGET_SUSTAINED_RATE} orders/s with p95 ≤ 2 s: ${RATE >= TARGET_SUSTAINED_RATE ? met(sustained) : `not tried at this rate (BENCH_RATE=${TARGET_SUSTAINED_RATE})`}; ` +
      `the worker's headroom: ≈ ${fmt(workerMs > 0 ? 1000 / workerMs : Number.NaN)} orders/s on one core at its ${fmt(workerMs, 2)} ms CPU per order ` +
      `(at ${RATE}/s it used ${liveCpu.worker}% of a core over the phase, ${livePeak.worker}% at its busiest)`,
  );
  const carried = latencyMet && liveRun.placed / liveRun.seconds >= RATE * 0.95;
  log(
    carried
      ? `at ${RATE}/s nothing limited the run (every order placed on time, p95 ≤ 2 s); had it been, the first to run out: ${limitedBy}`
      : `what limited this run at ${RATE}/s (${fmt(liveRun.placed / liveRun.seconds, 1)} orders/s placed, p95 ${sec(latency.p95)}): ${limitedBy}`,
  );
  if (busyPhase) log(`busy machine, ${RATE}/s, order → tag p95 ${sec(busyPhase.latency.p95)} (target ≤ 2 s): ${met(busyPhase.latencyMet)}`);

  const targets = {
    tagP95: latencyMet,
    workerCpuPerOrder: quietPhase.cpuMsPerOrder.worker <= TARGET_WORKER_MS,
    ...(busyMet === null ? {} : { busyTagP95: busyMet }),
    ...(RATE >= TARGET_SUSTAINED_RATE ? { sustainedRate: sustained } : {}),
    pointsPerChange: pointsPerChange <= TARGET_POINTS_PER_CHANGE,
    noPointsWithoutChange: quietMet,
    ...(flashMet ? { flashNothingLost: flashMet.nothingLost, flashNoFailedJob: flashMet.noFailedJob, flashOtherShopP95: flashMet.trickleP95 } : {}),
  };
  const summary = {
    bench: "tier-pipeline",
    seconds: SECONDS,
    rate: RATE,
    plan: LIVE_PLAN,
    shops: SHOPS,
    database: DATABASE,
    workers: WORKERS,
    workerConcurrency: WORKER_CONCURRENCY,
    loadAverage: [Number(loadBefore[0].toFixed(2)), Number(loadAfter[0].toFixed(2))],
    orders: liveRun.placed,
    crossingOrders: crossing,
    tag: latencyJson(latency),
    lastTagAfterSeconds: Number(taggedAfter.toFixed(1)),
    tagUnhurried: floor ? { rate: FLOOR_RATE, ...latencyJson(floor) } : null,
    cpuPercent: liveCpu,
    cpuPeakPercent: livePeak,
    machineBusyPercent: machine,
    limitedBy: carried ? null : limitedBy,
    cpuMsPerOrder: roundAll(quietPhase.cpuMsPerOrder),
    statementsPerOrder: Number(quietPhase.statementsPerOrder.toFixed(1)),
    redisCommandsPerOrder: Number(quietPhase.commandsPerOrder.toFixed(1)),
    busy: busyPhase ? { tag: latencyJson(busyPhase.latency), cpuMsPerOrder: roundAll(busyPhase.cpuMsPerOrder), cpuPercent: busyPhase.liveCpu } : null,
    warmup: warmup ? { seconds: WARMUP_SECONDS, orders: warmup.liveRun.placed, cpuMsPerOrder: roundAll(warmup.cpuMsPerOrder) } : null,
    points: {
      live: livePoints.points,
      per1000Orders: Math.round((livePoints.points / liveRun.placed) * 1000),
      tierChanges: livePoints.tierChanges,
      perChange: Number(pointsPerChange.toFixed(1)),
      minimumPerChange,
      withinTierOrders: tierPointsOf(quiet),
      testOrders: tests.points,
      spendRefresh: { customers: staleCustomers, points: refresh.points },
    },
    flash: flashSummary,
    targets,
  };
  await cleanups.runAll();
  console.log(JSON.stringify(summary));
  if (process.env.BENCH_STRICT === "1" && Object.values(targets).some((ok) => !ok)) return 1;
  return 0;
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v.toFixed(2))]));
}

function latencyJson(l: LatencySummary & { missing: number; atLeast: boolean }) {
  const ms = (n: number) => (Number.isFinite(n) ? Math.round(n) : null);
  return { count: l.count, missing: l.missing, p50Ms: ms(l.p50), p95Ms: ms(l.p95), p95IsLowerBound: l.atLeast, maxMs: ms(l.max) };
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    await cleanups.runAll();
    process.exit(1);
  },
);
