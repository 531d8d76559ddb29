// Benchmark: 1,000 SKUs crossing their reorder triggers within one minute, as production runs it:
// the simulator delivers inventory_levels/update over HTTP (real HMAC) to the web process, a worker
// process reads each level's quantities, opens one request per SKU and location, and a BullMQ flow
// asks three simulated suppliers (answering at once on the signed callback); every request is
// awarded (purchase order, incoming recorded in the simulated Shopify) or escalated (one SKU in ten
// has a usual cost its suppliers now quote more than 30 % above). Each SKU crosses twice (a second
// fall while its request is open), so a duplicate request would show.
// Prints: requests per SKU (duplicates), decided / escalated / left open, RFQs sent per supplier,
// crossing → decision p50/p95/max, Admin API points spent (per request), Redis memory after, and the
// worker's and web's CPU ms per request (/proc). Targets (issue 11): no duplicate request, every
// request decided or escalated — each printed met / NOT MET.
//   npm run bench -- replenishment-fleet
//   BENCH_SKUS (default 1000), BENCH_SPREAD_S (seconds the crossings are spread over, default 60),
//   BENCH_DATABASE=sqlite|postgresql (default sqlite), BENCH_SETTLE_S (how long to wait for the
//   last decision, default 600), BENCH_STRICT=1 (exit 1 when a target is missed).
import { Redis } from "ioredis";
import { saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { startSimulatedSuppliers, type RunningSuppliers } from "../simulator/suppliers/supplier-server.ts";
import { processCpuSeconds } from "./support/private-redis.ts";

const SHOP = "bench-replenishment-fleet.myshopify.com";
const SKUS = Number(process.env.BENCH_SKUS ?? 1000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_S ?? 60) * 1000;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_S ?? 600) * 1000;
const DATABASE = (process.env.BENCH_DATABASE ?? "sqlite") as "sqlite" | "postgresql";
const STRICT = process.env.BENCH_STRICT === "1";
const NAMES = ["north", "east", "west"];

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const verdict = (ok: boolean) => (ok ? "met" : "NOT MET");

async function main() {
  let system: TierlineSystem | undefined;
  let suppliers: RunningSuppliers | undefined;
  let redis: Redis | undefined;
  const stop = async () => {
    redis?.disconnect();
    await suppliers?.close();
    await system?.close();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop().then(() => process.exit(130)));
  try {
    system = await startTierlineSystem({ kind: DATABASE, label: "bench_fleet", env: { LOG_LEVEL: "warn" } });
    const { sim, database } = system;
    const db = database.db;
    suppliers = await startSimulatedSuppliers({
      seed: 9,
      profiles: NAMES.map((name, i) => ({ name, behaviour: "fast", secret: `${name}-secret-0123456789`, baseUnitPriceMinor: 1000 + i * 40, leadBusinessDays: 3 + i })),
    });
    seedShop(sim.store, SHOP, { seed: 2, size: "tiny", now: new Date().toISOString() });
    await grantAndInstall(sim, SHOP);
    await eventually(async () => (await db.shop.findUnique({ where: { domain: SHOP } }))?.currencyCode, { what: "shop installed", timeoutMs: 60_000 });
    await eventually(async () => (await db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill completed" });
    const ids: string[] = [];
    for (const name of NAMES) ids.push((await saveSupplier(db, SHOP, { name, endpointUrl: suppliers.endpoint(name), signingSecret: `${name}-secret-0123456789` })).id);
    const location = sim.store.shop(SHOP).shop.locations[0];

    const setupStarted = performance.now();
    const items: { sku: string; item: string }[] = [];
    for (let i = 0; i < SKUS; i++) {
      const sku = `FLEET-${String(i + 1).padStart(4, "0")}`;
      const item = sim.store.createProduct(SHOP, { title: sku, variants: [{ sku, price: "10.00", inventory: 60 }] }, { silent: true }).variants[0].inventoryItemId;
      // One SKU in ten: its usual cost is from before a price rise (every quote > 30 % above it).
      const usualFactor = i % 10 === 9 ? 0.7 : 1;
      await saveSkuRule(db, SHOP, {
        inventoryItemGid: `gid://shopify/InventoryItem/${item}`,
        rule: {
          sku, locationId: `gid://shopify/Location/${location.id}`, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 100 }, neededWithinBusinessDays: null,
          suppliers: ids.map((supplierId, k) => ({ supplierId, usualUnitCostMinor: Math.round((1000 + k * 40) * usualFactor), usualLeadBusinessDays: 3 + k, qualityRating: 4 })),
        },
      });
      items.push({ sku, item });
    }
    console.log(`${SKUS} SKUs with rules and three suppliers each (${Math.round((performance.now() - setupStarted) / 1000)} s to set up, ${DATABASE})`);

    redis = new Redis(system.redis.url);
    const pointsBefore = sim.store.shop(SHOP).pointsSpent;
    const cpuBefore = await cpu(system, redis);

    // Every SKU falls to its trigger (60 → 50, trigger 55) within the spread, then once more (→ 49)
    // a second later, while its request is open.
    const crossedAt = new Map<string, number>();
    const started = Date.now();
    const timers: NodeJS.Timeout[] = [];
    await new Promise<void>((resolve) => {
      let left = items.length * 2;
      items.forEach(({ sku, item }, i) => {
        const at = Math.floor((i * SPREAD_MS) / items.length);
        for (const [delay, delta] of [[at, -10], [at + 1_000, -1]] as const) {
          timers.push(setTimeout(() => {
            if (delta === -10) crossedAt.set(sku, Date.now());
            sim.store.adjustInventory(SHOP, item, location.id, delta);
            if (--left === 0) resolve();
          }, delay));
        }
      });
    });
    const crossingSeconds = (Date.now() - started) / 1000;
    console.log(`crossings made over ${crossingSeconds.toFixed(1)} s (twice per SKU); waiting for every request to be decided…`);

    const decidedCount = () => db.replenishmentRequest.count({ where: { shop: SHOP, status: { in: ["awarded", "escalated"] } } });
    await eventually(async () => (await decidedCount()) >= SKUS, { timeoutMs: SETTLE_MS, intervalMs: 1_000, what: "every request decided" }).catch(() => null);
    // The award's incoming write follows its decision: wait for those too (bounded).
    await eventually(async () => (await db.purchaseOrder.count({ where: { shop: SHOP, incomingStatus: { not: "recorded" } } })) === 0, { timeoutMs: 60_000, intervalMs: 500, what: "incoming recorded" }).catch(() => null);
    const settledSeconds = (Date.now() - started) / 1000;
    const cpuAfter = await cpu(system, redis);

    const requests = await db.replenishmentRequest.findMany({ where: { shop: SHOP }, select: { sku: true, status: true, decidedAt: true } });
    const perSku = new Map<string, number>();
    for (const r of requests) perSku.set(r.sku, (perSku.get(r.sku) ?? 0) + 1);
    const duplicates = [...perSku.values()].filter((n) => n > 1).length;
    const missing = items.filter(({ sku }) => !perSku.has(sku)).length;
    const byStatus: Record<string, number> = {};
    for (const r of requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const decided = (byStatus.awarded ?? 0) + (byStatus.escalated ?? 0);
    const latencies = requests.flatMap((r) => (r.decidedAt && crossedAt.has(r.sku) ? [r.decidedAt.getTime() - crossedAt.get(r.sku)!] : [])).sort((a, b) => a - b);
    const rfqsSent = Object.fromEntries(NAMES.map((name) => [name, suppliers!.received(name).length]));
    const rfqsPosted = Object.fromEntries(NAMES.map((name) => [name, suppliers!.deliveries(name)]));
    // Where the time went: RFQ states of the requests, and the median wait at each stage.
    const rfqs = await db.supplierRfq.findMany({ where: { shop: SHOP }, select: { requestId: true, status: true, sendingAt: true, sentAt: true, answeredAt: true } });
    const rfqStates: Record<string, number> = {};
    for (const r of rfqs) rfqStates[r.status] = (rfqStates[r.status] ?? 0) + 1;
    const requestRows = await db.replenishmentRequest.findMany({ where: { shop: SHOP }, select: { id: true, requestedAt: true, decidedAt: true } });
    const median = (values: number[]) => (values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] : NaN);
    const openedToSend = median(rfqs.flatMap((r) => { const q = requestRows.find((x) => x.id === r.requestId); return q && r.sendingAt ? [r.sendingAt.getTime() - q.requestedAt.getTime()] : []; }));
    const sendToAnswer = median(rfqs.flatMap((r) => (r.sendingAt && r.answeredAt ? [r.answeredAt.getTime() - r.sendingAt.getTime()] : [])));
    const answerToDecision = median(requestRows.flatMap((q) => { const last = Math.max(...rfqs.filter((r) => r.requestId === q.id && r.answeredAt).map((r) => r.answeredAt!.getTime())); return q.decidedAt && Number.isFinite(last) ? [q.decidedAt.getTime() - last] : []; }));
    console.log(`RFQ states ${JSON.stringify(rfqStates)}; medians: request opened → RFQ sending ${Math.round(openedToSend)} ms, sending → answer stored ${Math.round(sendToAnswer)} ms, last answer → decision ${Math.round(answerToDecision)} ms`);
    const deliveries = Object.fromEntries((await db.webhookDelivery.groupBy({ by: ["status"], where: { shop: SHOP, topic: "inventory_levels/update" }, _count: { _all: true } })).map((d) => [d.status, d._count._all]));
    const [purchaseOrders, incomingRecorded, failedJobs] = await Promise.all([
      db.purchaseOrder.count({ where: { shop: SHOP } }),
      db.purchaseOrder.count({ where: { shop: SHOP, incomingStatus: "recorded" } }),
      failedJobCount(redis, system.prefix),
    ]);
    const points = sim.store.shop(SHOP).pointsSpent - pointsBefore;
    const memory = await redis.info("memory");
    const usedMemory = Number(memory.match(/^used_memory:(\d+)/m)?.[1] ?? 0);
    const keys = await redis.dbsize();
    const cpuMs = (key: keyof Cpu) => Math.round(((cpuAfter[key] - cpuBefore[key]) * 1000 * 100) / Math.max(1, requests.length)) / 100;

    // A SKU without a request is not a duplicate; it fails the second target (not decided).
    const noDuplicate = duplicates === 0;
    const allDecided = decided === SKUS && missing === 0;
    console.log(`requests: ${requests.length} for ${SKUS} SKUs crossing twice; SKUs with more than one request: ${duplicates}; without any: ${missing} — no duplicate request: ${verdict(noDuplicate)}`);
    console.log(`decided: ${byStatus.awarded ?? 0} awarded, ${byStatus.escalated ?? 0} escalated, ${byStatus.open ?? 0} still open (all done ${settledSeconds.toFixed(1)} s after the first crossing) — every one decided or escalated: ${verdict(allDecided)}`);
    console.log(`RFQs kept per supplier ${JSON.stringify(rfqsSent)} (HTTP deliveries ${JSON.stringify(rfqsPosted)}); purchase orders ${purchaseOrders}, incoming recorded ${incomingRecorded}; failed jobs ${failedJobs}`);
    console.log(`inventory_levels/update deliveries stored by the app: ${JSON.stringify(deliveries)} (${items.length * 2} stock changes made)`);
    console.log(`crossing → decision: p50 ${Math.round(percentile(latencies, 50))} ms, p95 ${Math.round(percentile(latencies, 95))} ms, max ${Math.round(latencies.at(-1) ?? NaN)} ms`);
    console.log(`Admin API points spent: ${points} (${(points / Math.max(1, requests.length)).toFixed(1)} per request: the level read, and inventoryAdjustQuantities per award)`);
    console.log(`Redis after: used_memory ${(usedMemory / 1024 / 1024).toFixed(1)} MB, ${keys} keys`);
    console.log(`CPU ms per request (/proc utime+stime): worker ${cpuMs("worker")}, web ${cpuMs("web")}, Redis ${cpuMs("redis")}, simulator + suppliers + load ${cpuMs("bench")}`);
    console.log(JSON.stringify({
      bench: "replenishment-fleet", database: DATABASE, skus: SKUS, crossingSeconds: Math.round(crossingSeconds * 10) / 10, settledSeconds: Math.round(settledSeconds * 10) / 10,
      requests: requests.length, duplicates, missing, byStatus, deliveries, rfqsSent, purchaseOrders, incomingRecorded, failedJobs,
      decisionP50Ms: Math.round(percentile(latencies, 50)), decisionP95Ms: Math.round(percentile(latencies, 95)),
      adminApiPoints: points, redisUsedMemoryBytes: usedMemory, redisKeys: keys,
      cpuMsPerRequest: { worker: cpuMs("worker"), web: cpuMs("web"), redis: cpuMs("redis"), bench: cpuMs("bench") },
      targets: { noDuplicateRequest: verdict(noDuplicate), everyOneDecidedOrEscalated: verdict(allDecided) },
    }));
    if (STRICT && !(noDuplicate && allDecided)) process.exitCode = 1;
  } finally {
    await stop();
  }
}

type Cpu = { worker: number; web: number; redis: number; bench: number };

async function cpu(system: TierlineSystem, redis: Redis): Promise<Cpu> {
  const usage = process.cpuUsage();
  const [web, workers, info] = await Promise.all([processCpuSeconds(system.web.child.pid ?? 0), Promise.all(system.workers.map((w) => processCpuSeconds(w.child.pid ?? 0))), redis.info("cpu")]);
  const redisSeconds = ["used_cpu_sys", "used_cpu_user"].reduce((sum, name) => sum + Number(info.match(new RegExp(`^${name}:([0-9.]+)`, "m"))?.[1] ?? 0), 0);
  return { web, worker: workers.reduce((a, b) => a + b, 0), redis: redisSeconds, bench: (usage.user + usage.system) / 1e6 };
}

/** Jobs in any queue's failed set (BullMQ keeps them under <prefix>:<queue>:failed). */
async function failedJobCount(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `*${prefix}*:failed`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) total += await redis.zcard(key);
  } while (cursor !== "0");
  return total;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
