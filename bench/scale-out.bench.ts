// Scale-out benchmark (issue 14, "Scale-out on existing engines"): Tierline as a scaled-out
// deployment runs it — BENCH_WEB web processes (default 2) behind one address (a round-robin
// TCP balancer), BENCH_WORKERS worker processes (default 3), one PostgreSQL — once against one
// Redis and once against a Redis Cluster of three masters (BENCH_REDIS=single|cluster|both).
//
//   node --import tsx bench/scale-out.bench.ts      (or: npm run bench -- scale-out)
//
// Traffic from the store simulator over BENCH_SHOPS shops (default 2): BENCH_ORDERS orders
// (default 600) at BENCH_RATE a second (default 20), buyers' orders of several sizes (some
// cross a tier), guest orders, merchants tagging orders (orders/updated), and a share of the
// buyers' latest orders refunded in part or cancelled. When everything has settled it checks:
//   - tiers: every customer's tier tag and tier metafield in the store equal what the domain
//     computes from the store's own orders (tests/support/expected-tiers.ts: no pipeline table);
//   - no Shopify write made twice: no tier tag added or removed when the store already had it
//     so (the simulator records what each write changed), no metafieldsSet that sets an owner's
//     metafields to the values the app's previous writes gave them all, no fulfillment deadline set twice to the same time;
//   - no job processed twice to a different result: one ledger row per order, every delivery
//     done, each customer's tier changes a chain (each from the tier the previous one went to),
//     none recorded twice; no failed job.
// Then the cost of each part per order over the traffic and its settling, less what the same
// processes spend idle for as long (measured before the traffic) (web CPU, worker CPU,
// Redis CPU, commands and memory, database statements) and the capacity that implies per
// process: orders a second one core of each part carries at that cost. These are per-core
// costs measured on a shared 2-core machine, where five app processes, Redis, PostgreSQL and
// the simulator share two cores: they size a deployment, they are not a speed-up claim.
// Exit code 1 when a check fails.
import os from "node:os";
import { Queue } from "bullmq";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { createWorkerConnection, queueKeyPrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { processCpuSeconds } from "./support/private-redis.ts";
import { askStatementCounts, readRedisCounters, redisCommandDelta, type RedisCounters, type StatementCount } from "./support/process-costs.ts";
import { mulberry32 } from "../simulator/store/seed-generator.ts";
import type { MutationRecord } from "../simulator/store/types.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import type { PrivateRedis, PrivateRedisCluster } from "../scripts/lib/private-redis.ts";
import { seedBenchShop, type SeededShop } from "./tier-pipeline/system.ts";
import { expectedTiersFromStore } from "../tests/support/expected-tiers.ts";
import { webhooksEdgeOf } from "../simulator/webhooks/index.ts";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const ORDERS = Math.round(num("BENCH_ORDERS", 600));
const RATE = num("BENCH_RATE", 20);
const SHOPS = Math.round(num("BENCH_SHOPS", 2));
const WEBS = Math.round(num("BENCH_WEB", 2));
const WORKERS = Math.round(num("BENCH_WORKERS", 3));
const CUSTOMERS_PER_SHOP = 60;
const IDLE_SECONDS = 15;
const MODES = (process.env.BENCH_REDIS ?? "both") === "both" ? (["single", "cluster"] as const) : ([process.env.BENCH_REDIS] as Array<"single" | "cluster">);
if (MODES.some((m) => m !== "single" && m !== "cluster")) throw new Error("BENCH_REDIS must be single, cluster or both");
const DATABASE = (process.env.BENCH_DATABASE ?? "postgresql") as "sqlite" | "postgresql";

const log = (text: string) => console.log(`  ${text}`);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

type System = TierlineSystem<PrivateRedis | PrivateRedisCluster>;

interface Reading {
  web: number;
  worker: number;
  redis: RedisCounters;
  statements: { web: StatementCount | null; worker: StatementCount | null };
  at: number;
}

async function reading(system: System): Promise<Reading> {
  const [web, worker, redis, webStatements, workerStatements] = await Promise.all([
    Promise.all(system.webs.map((w) => processCpuSeconds(w.child.pid ?? 0))),
    Promise.all(system.workers.map((w) => processCpuSeconds(w.child.pid ?? 0))),
    readRedisCounters(system.redisTarget),
    askStatementCounts(system.webs.map((w) => w.child)),
    askStatementCounts(system.workers.map((w) => w.child)),
  ]);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { web: sum(web), worker: sum(worker), redis, statements: { web: webStatements, worker: workerStatements }, at: performance.now() };
}

/** The traffic: orders of every size, guests, tagged orders, some latest orders refunded in part or cancelled. */
async function placeTraffic(system: System, shops: SeededShop[]): Promise<{ orders: number; refunds: number; cancellations: number; tagged: number }> {
  const random = mulberry32(14);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const prices = ["12.00", "35.00", "60.00", "120.00", "240.00", "480.00", "900.00"] as const;
  const latest = new Map<string, { shop: string; orderId: string }>();
  const counts = { orders: 0, refunds: 0, cancellations: 0, tagged: 0 };
  const started = performance.now();
  for (let i = 0; i < ORDERS; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { shop, extra } = shops[i % shops.length];
    const store = system.sim.store;
    const guest = random() < 0.04;
    const customer = guest ? null : pick(extra);
    const lines = [{ title: `Item ${i}`, price: pick(prices), quantity: 1 + Math.floor(random() * 2) }];
    const order = store.createOrder(shop, guest ? { customerId: null, email: `guest${i}@example.com`, lineItems: lines } : { customerId: customer!.id, lineItems: lines });
    counts.orders++;
    if (customer) latest.set(customer.gid, { shop, orderId: order.id });
    const roll = random();
    // Another buyer's latest order: taking it back takes back any tier it earned (no grace).
    const other = customer ? latest.get(pick(extra).gid) : undefined;
    if (other && roll < 0.06) {
      const taken = store.shop(other.shop).orders.get(other.orderId);
      if (taken && !taken.cancelledAt && taken.refunds.length === 0) {
        store.refundOrder(other.shop, other.orderId, { amount: (Number(taken.currentTotalPriceSet.shopMoney.amount) / 2).toFixed(2), note: "partial" });
        counts.refunds++;
      }
    } else if (other && roll < 0.09) {
      const taken = store.shop(other.shop).orders.get(other.orderId);
      if (taken && !taken.cancelledAt && taken.refunds.length === 0) {
        store.cancelOrder(other.shop, other.orderId, { reason: "CUSTOMER" });
        counts.cancellations++;
      }
    } else if (roll < 0.15) {
      store.addOrderTags(shop, order.id, ["gift-wrap"]);
      counts.tagged++;
    }
  }
  return counts;
}

/** Writes that found the store already as they would leave it: made twice. */
function duplicateWrites(mutations: MutationRecord[]): { tags: number; metafields: number; deadlines: number; samples: string[] } {
  const out = { tags: 0, metafields: 0, deadlines: 0, samples: [] as string[] };
  const lastValue = new Map<string, string | null>();
  const lastDeadline = new Map<string, string>();
  for (const m of mutations) {
    if (!m.ok) continue;
    const d = m.detail;
    if ((d.kind === "tagsAdd" || d.kind === "tagsRemove") && d.tags.some((t) => t.startsWith("tierline:")) && d.changed.length === 0) {
      out.tags++;
      if (out.samples.length < 5) out.samples.push(`${d.kind} ${d.tags.join(",")} on ${d.ownerGid} (seq ${m.seq})`);
    } else if (d.kind === "metafieldsSet") {
      // A call sets all of an owner's tier metafields, some unchanged beside those that move; it
      // was made twice for an owner when none of that owner's values moved.
      const owners = new Map<string, boolean>();
      for (const f of d.metafields) {
        const key = `${f.ownerGid}|${f.namespace}|${f.key}`;
        owners.set(f.ownerGid, (owners.get(f.ownerGid) ?? true) && lastValue.get(key) === f.value);
        lastValue.set(key, f.value);
      }
      for (const [owner, unchanged] of owners) {
        if (!unchanged) continue;
        out.metafields++;
        if (out.samples.length < 5) out.samples.push(`metafieldsSet of nothing new on ${owner} (seq ${m.seq})`);
      }
    } else if (d.kind === "metafieldsDelete") {
      for (const f of d.metafields) lastValue.delete(`${f.ownerGid}|${f.namespace}|${f.key}`);
    } else if (d.kind === "fulfillmentOrdersSetFulfillmentDeadline") {
      for (const gid of d.fulfillmentOrderGids) {
        if (lastDeadline.get(gid) === d.fulfillmentDeadline) out.deadlines++;
        lastDeadline.set(gid, d.fulfillmentDeadline);
      }
    }
  }
  return out;
}

async function runMode(mode: "single" | "cluster"): Promise<Record<string, unknown>> {
  console.log(`\n${WEBS} web + ${WORKERS} worker processes, ${DATABASE}, ${mode === "single" ? "one Redis" : "a Redis Cluster of 3 masters"}; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const options = { kind: DATABASE, label: "scaleout", workers: WORKERS, webProcesses: WEBS, env: { WORKER_CONCURRENCY: "16", WORKER_LOCK_MS: "30000", LOG_LEVEL: "warn" } };
  const system: System = mode === "cluster" ? await startTierlineSystem({ ...options, redisCluster: true }) : await startTierlineSystem(options);
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= system.close());
  process.once("SIGINT", () => void stop().finally(() => process.exit(130)));
  try {
    const shops: SeededShop[] = [];
    for (let s = 0; s < SHOPS; s++) {
      const shop = `scale-out-${s + 1}.myshopify.com`;
      shops.push(seedBenchShop(system.sim, shop, { seed: 100 + s, size: "tiny", plan: "plus", extraCustomers: CUSTOMERS_PER_SHOP, startSpend: "300.00" }));
      if ((await grantAndInstall(system.sim, shop)).installed !== true) throw new Error(`installing on ${shop} failed`);
    }
    for (const { shop } of shops) {
      await eventually(async () => (await system.database.db.backfillRun.findFirst({ where: { shop, status: "completed" } })) !== null, { timeoutMs: 240_000, intervalMs: 250, what: `backfill of ${shop}` });
    }
    await system.settle.settled({ timeoutMs: 300_000 });
    const mark = new Map(shops.map(({ shop }) => [shop, system.sim.store.mutations(shop).length]));
    // What the processes spend doing nothing (schedulers, stalled-job checks, blocking reads), subtracted below.
    const idleFrom = await reading(system);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const before = await reading(system);
    const idle = { seconds: (before.at - idleFrom.at) / 1000, web: before.web - idleFrom.web, worker: before.worker - idleFrom.worker, redis: before.redis.cpuSeconds - idleFrom.redis.cpuSeconds };
    const edge = webhooksEdgeOf(system.sim.store)!;
    const attemptsFrom = edge.delivery.log().length;
    const traffic = await placeTraffic(system, shops);
    const placedIn = (performance.now() - before.at) / 1000;
    // Settled: nothing left in the app, and no delivery the simulator still has to retry (as Shopify would, on its schedule).
    for (let round = 0; round < 2 || edge.delivery.pending > 0; round++) {
      await eventually(async () => edge.delivery.pending === 0, { timeoutMs: 900_000, intervalMs: 500, what: "the simulator's webhook deliveries and retries" });
      await system.settle.settled({ timeoutMs: 600_000 });
    }
    const after = await reading(system);
    const settledIn = (after.at - before.at) / 1000;
    const unanswered = edge.delivery.log().slice(attemptsFrom).filter((a) => !a.ok);
    const byStatus = Object.entries(unanswered.reduce<Record<string, number>>((acc, a) => ((acc[a.error ?? String(a.status)] = (acc[a.error ?? String(a.status)] ?? 0) + 1), acc), {}));
    log(`traffic: ${traffic.orders} orders over ${SHOPS} shops in ${fmt(placedIn)} s (${traffic.refunds} partly refunded, ${traffic.cancellations} cancelled, ${traffic.tagged} tagged by the merchant); settled ${fmt(settledIn)} s after the first`);
    log(`webhook attempts not answered 200 (retried by the simulator as Shopify would): ${unanswered.length}${byStatus.length ? ` (${byStatus.map(([k, n]) => `${k}: ${n}`).join(", ")})` : ""}`);

    // Checks.
    const problems: string[] = [];
    const now = new Date();
    let customersChecked = 0;
    let wrongTiers = 0;
    const samples: string[] = [];
    const duplicates = { tags: 0, metafields: 0, deadlines: 0, samples: [] as string[] };
    for (const { shop } of shops) {
      const expected = expectedTiersFromStore(system.sim, shop, now);
      for (const [customerGid, tier] of expected.tiers) {
        const customer = [...system.sim.store.shop(shop).customers.values()].find((c) => c.gid === customerGid)!;
        const tags = customer.tags.filter((t) => t.startsWith("tierline:"));
        const tierField = [...customer.metafields.entries()].find(([k, f]) => k.startsWith("app--") && f.key === "tier")?.[1].value;
        customersChecked++;
        if (tags.length !== 1 || tags[0] !== `tierline:${tier.tierKey}` || tierField !== tier.tierKey) {
          wrongTiers++;
          if (samples.length < 5) samples.push(`${shop} ${customerGid}: expected ${tier.tierKey}, tags ${JSON.stringify(tags)}, metafield ${tierField}`);
        }
      }
      const dup = duplicateWrites(system.sim.store.mutations(shop).slice(mark.get(shop)));
      duplicates.tags += dup.tags;
      duplicates.metafields += dup.metafields;
      duplicates.deadlines += dup.deadlines;
      duplicates.samples.push(...dup.samples);
      const ledger = await system.database.db.ledgerOrder.count({ where: { shop } });
      if (ledger !== system.sim.store.shop(shop).orders.size) problems.push(`${shop}: ${ledger} ledger rows for ${system.sim.store.shop(shop).orders.size} orders`);
    }
    if (wrongTiers) problems.push(`${wrongTiers} of ${customersChecked} customers with a wrong tier tag or metafield: ${samples.join("; ")}`);
    if (duplicates.tags + duplicates.metafields + duplicates.deadlines) problems.push(`Shopify writes made twice: ${duplicates.tags} tag, ${duplicates.metafields} metafield, ${duplicates.deadlines} deadline (${duplicates.samples.slice(0, 5).join("; ")})`);
    const notDone = await system.database.db.webhookDelivery.count({ where: { status: { notIn: ["processed", "skipped"] } } });
    if (notDone) problems.push(`${notDone} webhook deliveries not done`);
    // Each customer's tier changes form one chain; a job run twice to a different result would break it or repeat a change.
    const changes = await system.database.db.tierChange.findMany({ orderBy: [{ shop: "asc" }, { customerGid: "asc" }, { occurredAt: "asc" }, { id: "asc" }], select: { shop: true, customerGid: true, fromTier: true, toTier: true, occurredAt: true } });
    let brokenChains = 0;
    for (let i = 1; i < changes.length; i++) {
      const [a, b] = [changes[i - 1], changes[i]];
      if (a.shop !== b.shop || a.customerGid !== b.customerGid) continue;
      if (b.fromTier !== a.toTier || (a.toTier === b.toTier && a.occurredAt.getTime() === b.occurredAt.getTime())) brokenChains++;
    }
    if (brokenChains) problems.push(`${brokenChains} tier changes that do not follow their customer's previous one (or repeat it)`);
    let failedJobs = 0;
    const connection = createWorkerConnection(system.redisTarget);
    for (const { name } of Object.values(QUEUES)) {
      const queue = new Queue(name, { connection, prefix: queueKeyPrefix(system.prefix, name, connection.isCluster) });
      failedJobs += (await queue.getJobCounts("failed")).failed ?? 0;
      await queue.close();
    }
    connection.disconnect();
    if (failedJobs) problems.push(`${failedJobs} failed jobs`);
    log(`checks: ${customersChecked} customers' tiers against the store's own orders, ${wrongTiers} wrong; Shopify writes made twice: ${duplicates.tags + duplicates.metafields + duplicates.deadlines}; ${changes.length} tier changes, ${brokenChains} out of chain; failed jobs ${failedJobs}; deliveries not done ${notDone}`);
    for (const problem of problems) log(`CHECK FAILED: ${problem}`);

    // Costs per order.
    const orders = traffic.orders;
    // CPU over the traffic and its settling less what the same processes spend idle for as long.
    const idleShare = settledIn / idle.seconds;
    const perOrder = (spent: number, idleSpent: number) => (Math.max(0, spent - idleSpent * idleShare) * 1000) / orders;
    const webMs = perOrder(after.web - before.web, idle.web);
    const workerMs = perOrder(after.worker - before.worker, idle.worker);
    const redisMs = perOrder(after.redis.cpuSeconds - before.redis.cpuSeconds, idle.redis);
    log(`idle (measured ${fmt(idle.seconds)} s before the traffic, subtracted): web ${fmt((idle.web / idle.seconds) * 100)} %, workers ${fmt((idle.worker / idle.seconds) * 100)} %, Redis ${fmt((idle.redis / idle.seconds) * 100)} % of a core`);
    const commands = redisCommandDelta(before.redis.commands, after.redis.commands);
    const statements = (part: "web" | "worker") => {
      const [a, b] = [before.statements[part], after.statements[part]];
      if (!a || !b) return NaN;
      return (b.hotPath - a.hotPath + b.prisma - a.prisma + (b.deliveryBatches ?? 0) - (a.deliveryBatches ?? 0)) / orders;
    };
    const capacity = (ms: number) => (ms > 0 ? 1000 / ms : Infinity);
    log(`per order (${orders} orders; everything each order caused: webhooks, tier, sync and promise jobs; CPU from /proc and Redis INFO):`);
    log(`  web CPU ${fmt(webMs, 2)} ms (${WEBS} processes together) → ${fmt(capacity(webMs), 0)} orders/s per web core; ${fmt(statements("web"), 2)} database statements`);
    log(`  worker CPU ${fmt(workerMs, 2)} ms (${WORKERS} processes together) → ${fmt(capacity(workerMs), 0)} orders/s per worker core; ${fmt(statements("worker"), 1)} database statements`);
    log(`  Redis CPU ${fmt(redisMs, 2)} ms → ${fmt(capacity(redisMs), 0)} orders/s per Redis core; ${fmt(commands.total / orders, 1)} commands (top: ${commands.top.map(([c, n]) => `${c} ${fmt(n / orders, 1)}`).join(", ")})`);
    log(`  Redis memory ${fmt(after.redis.usedMemoryBytes / 2 ** 20, 1)} MB after (${fmt((after.redis.usedMemoryBytes - before.redis.usedMemoryBytes) / 2 ** 20, 2)} MB more than before the traffic)`);
    if (mode === "cluster") log(`  per master: ${after.redis.perNode.map((n, i) => `${n.node} ${fmt((n.commands - (before.redis.perNode[i]?.commands ?? 0)) / orders, 1)} commands/order, ${fmt(n.usedMemoryBytes / 2 ** 20, 1)} MB`).join("; ")}`);
    log(`  these are per-core costs on a shared 2-core machine (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} now), not a speed-up claim`);
    return {
      redis: mode,
      orders,
      settledSeconds: Number(settledIn.toFixed(1)),
      webhookAttemptsRetried: unanswered.length,
      wrongTiers,
      duplicateWrites: duplicates.tags + duplicates.metafields + duplicates.deadlines,
      brokenChains,
      failedJobs,
      ms: { web: Number(webMs.toFixed(2)), worker: Number(workerMs.toFixed(2)), redis: Number(redisMs.toFixed(2)) },
      ordersPerCore: { web: Math.round(capacity(webMs)), worker: Math.round(capacity(workerMs)), redis: Math.round(capacity(redisMs)) },
      redisCommandsPerOrder: Number((commands.total / orders).toFixed(1)),
      redisMemoryMb: Number((after.redis.usedMemoryBytes / 2 ** 20).toFixed(1)),
      statementsPerOrder: { web: Number(statements("web").toFixed(2)), worker: Number(statements("worker").toFixed(1)) },
      ok: problems.length === 0,
    };
  } finally {
    await stop();
  }
}

const results: Array<Record<string, unknown>> = [];
console.log(`scale-out: ${ORDERS} orders at ${RATE}/s; machine: ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const mode of MODES) results.push(await runMode(mode));
const ok = results.every((r) => r.ok);
console.log(JSON.stringify({ bench: "scale-out", webProcesses: WEBS, workerProcesses: WORKERS, database: DATABASE, runs: results, ok }));
process.exit(ok ? 0 : 1);
