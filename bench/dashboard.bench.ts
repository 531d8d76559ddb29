// Benchmark: the dashboard on a large store, SQLite and PostgreSQL.
// The simulator's large seed (20,000 customers, 100,000 orders over 18 months, refunds, cancellations,
// guests, tests) is rendered as Shopify's payloads, mapped as the app maps them and stored as the
// history import stores it; members get their tier from the domain, one imported tier change each
// plus 5,000 order-driven moves over the past year, and the last 120 days' member orders a shipped
// promise with one scored line. Then, per database:
//   - the first rollup (every day of the history), wall and CPU;
//   - the cost of keeping the rollups current: rounds of new orders (each with its promise; one in
//     fifty a tier change) stored, then the per-minute rollup job run; CPU and wall per order;
//   - the page's loader (loadDashboard: everything the route does after authentication) over 90 and
//     365 days: p50 / p95. Target: p95 < 300 ms.
//   npm run bench -- dashboard            BENCH_DATABASES=sqlite (or postgresql) for one; DASHBOARD_BENCH_SIZE=medium for a quicker run
import { randomUUID } from "node:crypto";
import { saveLedgerBatch, type LedgerBatchEntry } from "../app/adapters/db/ledger-batch-repository.server.ts";
import { insertCustomersIgnoringExisting, insertTierChanges } from "../app/adapters/db/bulk-insert.server.ts";
import { orderSnapshotFromPayload, refundRecordFromPayload } from "../app/adapters/shopify/webhook-payloads.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import type { OrderSnapshot } from "../app/domain/order-ledger.ts";
import { defaultTierRules, type TierRules } from "../app/domain/tier-rules.ts";
import type { Db } from "../app/db.server.ts";
import { rollUpShopKpis } from "../app/use-cases/kpi-rollup.server.ts";
import { loadDashboard } from "../app/use-cases/kpi-dashboard.server.ts";
import { SimStore } from "../simulator/store/store.ts";
import { mulberry32, seedShop, type SeedSize } from "../simulator/store/seed-generator.ts";
import { orderPayload, payloadContext, refundPayload } from "../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { createTestDatabase, type DatabaseKind } from "../tests/support/test-database.ts";

const SHOP = "bench-dashboard.myshopify.com";
const SIZE = (process.env.DASHBOARD_BENCH_SIZE ?? "large") as SeedSize;
const KINDS = (process.env.BENCH_DATABASES ?? "sqlite,postgresql").split(",") as DatabaseKind[];
const TARGET_P95_MS = 300;
const LOADS = 40;
const ROUNDS = [{ orders: 500 }, { orders: 500 }, { orders: 3_000 }];
const DAY = 86_400_000;

const now = new Date();
const rand = mulberry32(17);

// ---------------------------------------------------------------- the store, as the app would hold it
const started = performance.now();
const store = new SimStore();
const seeded = seedShop(store, SHOP, { seed: 42, size: SIZE, now: now.toISOString() });
const data = store.shop(SHOP);
const ctx = payloadContext(data.shop, SHOP);
const entries: LedgerBatchEntry[] = [];
// Members' tiers from their trailing-year sales kept (what the bench needs: a realistic spread; the
// tier rules' exact spend is the tier tests' business).
const yearAgo = now.getTime() - 365 * DAY;
const kept = new Map<string, { minor: number; orders: number }>();
for (const order of data.orders.values()) {
  const customer = order.customerId ? data.customers.get(order.customerId) ?? null : null;
  const snapshot = orderSnapshotFromPayload(JSON.parse(toWebhookJson(orderPayload(order, customer, ctx))));
  const refunds = order.refunds.map((refund) => refundRecordFromPayload(parseJsonLosslessly(toWebhookJson(refundPayload(refund, order, ctx))), data.shop.currency));
  entries.push({ snapshot, name: order.name, refunds });
  if (snapshot.customerId && !snapshot.test && snapshot.processedAt.getTime() >= yearAgo) {
    const sum = kept.get(snapshot.customerId) ?? { minor: 0, orders: 0 };
    sum.minor += snapshot.currentTotalMinor - refunds.reduce((total, refund) => total + refund.transactionsMinor - refund.lineItemsMinor - refund.shippingMinor, 0);
    sum.orders += 1;
    kept.set(snapshot.customerId, sum);
  }
}
const rules: TierRules = defaultTierRules(data.shop.currency);
const tierOf = (minor: number) => [...rules.tiers].reverse().find((tier) => minor >= tier.entryThresholdMinor)!.key;
const members = [...kept.entries()].map(([customerGid, sum]) => ({ customerGid, tierKey: tierOf(sum.minor), summary: { qualifyingSpendMinor: Math.max(0, sum.minor), qualifyingOrderCount: sum.orders } }));
console.log(`store: ${seeded.customers} customers, ${seeded.orders} orders, ${seeded.refunds} refunds, ${members.length} members; rendered in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  return { value, wallMs: performance.now() - t0, cpuMs: cpuMs(cpu) };
}

const promiseRow = (snapshot: OrderSnapshot, tierKey: string, shippedAt: Date) => {
  const shipBy = new Date(snapshot.processedAt.getTime() + (tierKey === "gold" ? 2 : tierKey === "silver" ? 3 : 10) * DAY);
  return {
    shop: SHOP,
    orderGid: snapshot.orderId,
    customerGid: snapshot.customerId,
    tierKey,
    laneKey: `${tierKey}_lane`,
    orderedAt: snapshot.processedAt,
    intakeDay: snapshot.processedAt.toISOString().slice(0, 10),
    shipByEarliest: shipBy,
    shipBy,
    shipByDay: shipBy.toISOString().slice(0, 10),
    adjustments: rand() < 0.3 ? JSON.stringify([{ kind: rand() < 0.5 ? "lane_full" : "awaiting_stock", defaultLeadTime: rand() < 0.5 }]) : "[]",
    status: "shipped",
    shippedAt,
    outcome: shippedAt <= shipBy ? "kept" : "late",
  };
};
const lineRow = (promise: ReturnType<typeof promiseRow>) => ({
  shop: SHOP,
  orderGid: promise.orderGid,
  fulfillmentGid: `gid://shopify/Fulfillment/${promise.orderGid.split("/").pop()}`,
  lineItemGid: `gid://shopify/LineItem/${promise.orderGid.split("/").pop()}`,
  quantity: 1,
  fulfillmentStatus: "success",
  shippedAt: promise.shippedAt,
  fulfillmentUpdatedAt: promise.shippedAt,
  tierKey: promise.tierKey,
  laneKey: promise.laneKey,
  shipBy: promise.shipBy,
  shipDay: promise.shippedAt.toISOString().slice(0, 10),
  outcome: promise.outcome,
});

async function insertPromises(db: Db, rows: ReturnType<typeof promiseRow>[]) {
  for (let i = 0; i < rows.length; i += 1_000) {
    await db.orderPromise.createMany({ data: rows.slice(i, i + 1_000) });
    await db.promiseShipmentLine.createMany({ data: rows.slice(i, i + 1_000).map(lineRow) });
  }
}

async function seedDatabase(db: Db) {
  await db.shop.create({ data: { domain: SHOP, currencyCode: data.shop.currency, ianaTimezone: "America/New_York", countryCode: "US" } });
  for (let i = 0; i < entries.length; i += 2_000) await saveLedgerBatch(db, SHOP, entries.slice(i, i + 2_000));
  const importedAt = new Date(now.getTime() - 200 * DAY);
  await insertCustomersIgnoringExisting(
    db,
    members.map((m) => ({ shop: SHOP, customerGid: m.customerGid, tierKey: m.tierKey, tierSince: importedAt, downgradeTierKey: null, graceUntil: null, graceReason: null, pinnedTierKey: null, pinnedUntil: null, qualifyingSpend: m.summary.qualifyingSpendMinor, qualifyingOrders: m.summary.qualifyingOrderCount, reviewAt: null, syncStatus: "synced" })),
  );
  const keys = rules.tiers.map((tier) => tier.key);
  const moves = Array.from({ length: 5_000 }, () => {
    const member = members[Math.floor(rand() * members.length)]!;
    const from = keys[Math.floor(rand() * keys.length)]!;
    return { shop: SHOP, customerGid: member.customerGid, fromTier: from, toTier: member.tierKey, reason: "order", spend: member.summary.qualifyingSpendMinor, occurredAt: new Date(now.getTime() - rand() * 365 * DAY) };
  });
  await insertTierChanges(db, [...members.map((m) => ({ shop: SHOP, customerGid: m.customerGid, fromTier: null, toTier: m.tierKey, reason: "backfill", spend: m.summary.qualifyingSpendMinor, occurredAt: importedAt })), ...moves]);
  const tierByCustomer = new Map(members.map((m) => [m.customerGid, m.tierKey]));
  const recent = entries.filter((e) => e.snapshot.customerId && tierByCustomer.has(e.snapshot.customerId) && e.snapshot.processedAt.getTime() > now.getTime() - 120 * DAY && !e.snapshot.test);
  await insertPromises(db, recent.map((e) => promiseRow(e.snapshot, tierByCustomer.get(e.snapshot.customerId!)!, new Date(e.snapshot.processedAt.getTime() + (1 + rand() * 5) * DAY))));
  return { promises: recent.length, tierChanges: members.length + moves.length };
}

/** A round of new orders as the workers store them: the order, its promise, now and then a tier change. */
async function newOrders(db: Db, count: number) {
  const templates = entries.filter((e) => e.snapshot.customerId && !e.snapshot.test);
  const tierByCustomer = new Map(members.map((m) => [m.customerGid, m.tierKey]));
  const batch: LedgerBatchEntry[] = [];
  for (let i = 0; i < count; i++) {
    const template = templates[Math.floor(rand() * templates.length)]!;
    const at = new Date(Date.now() - rand() * 60_000);
    batch.push({ snapshot: { ...template.snapshot, orderId: `gid://shopify/Order/9${randomUUID().replace(/\D/g, "").slice(0, 15)}`, processedAt: at, updatedAt: at, financialStatus: "paid", cancelledAt: null }, name: null, refunds: [] });
  }
  await saveLedgerBatch(db, SHOP, batch);
  await db.orderPromise.createMany({ data: batch.map((e) => ({ ...promiseRow(e.snapshot, tierByCustomer.get(e.snapshot.customerId!) ?? "bronze", e.snapshot.processedAt), status: "open", shippedAt: null, outcome: null })) });
  const changes = batch.filter(() => rand() < 0.02).map((e) => ({ shop: SHOP, customerGid: e.snapshot.customerId!, fromTier: "bronze", toTier: "silver", reason: "order", spend: 0, occurredAt: new Date() }));
  if (changes.length) await insertTierChanges(db, changes);
}

const summary: Record<string, unknown> = { bench: "dashboard", size: SIZE };
let allMet = true;
for (const kind of KINDS) {
  const database = await createTestDatabase(kind, "bench_dashboard");
  try {
    const db = database.db;
    const seeding = await timed(() => seedDatabase(db));
    console.log(`\n[${kind}] seeded ${entries.length} orders, ${seeding.value.promises} shipped promises, ${seeding.value.tierChanges} tier changes in ${(seeding.wallMs / 1000).toFixed(1)} s`);

    // The import finished two minutes ago, so the job's look-back (a minute) does not see it again.
    const ago = new Date(Date.now() - 120_000);
    await db.ledgerOrder.updateMany({ where: { shop: SHOP }, data: { updatedAt: ago } });
    await db.ledgerRefund.updateMany({ where: { shop: SHOP }, data: { recordedAt: ago } });
    await db.orderPromise.updateMany({ where: { shop: SHOP }, data: { updatedAt: ago } });
    await db.promiseShipmentLine.updateMany({ where: { shop: SHOP }, data: { updatedAt: ago } });
    const first = await timed(() => rollUpShopKpis({ db, shop: SHOP, now: new Date() }));
    const factRows = await db.kpiDailyFact.count({ where: { shop: SHOP } });
    console.log(`[${kind}] first rollup (whole history): ${(first.wallMs / 1000).toFixed(2)} s wall, ${(first.cpuMs / 1000).toFixed(2)} s CPU of this process; ${factRows} fact rows`);

    const perOrder: { orders: number; wallMs: number; cpuMs: number; days: number }[] = [];
    for (const round of ROUNDS) {
      await newOrders(db, round.orders);
      const run = await timed(() => rollUpShopKpis({ db, shop: SHOP, now: new Date() }));
      perOrder.push({ orders: round.orders, wallMs: run.wallMs, cpuMs: run.cpuMs, days: run.value.days });
      console.log(`[${kind}] rollup after ${round.orders} new orders: ${run.wallMs.toFixed(0)} ms wall, ${run.cpuMs.toFixed(0)} ms CPU (${run.value.days} days rebuilt, members ${run.value.members ? "recomputed" : "kept"}) = ${(run.wallMs / round.orders).toFixed(3)} ms wall, ${(run.cpuMs / round.orders).toFixed(3)} ms CPU per order`);
    }
    // Nothing new since the look-back: what a quiet shop costs every minute.
    await db.ledgerOrder.updateMany({ where: { shop: SHOP }, data: { updatedAt: ago } });
    await db.orderPromise.updateMany({ where: { shop: SHOP }, data: { updatedAt: ago } });
    const idle = await timed(() => rollUpShopKpis({ db, shop: SHOP, now: new Date() }));
    console.log(`[${kind}] rollup with nothing new (the per-minute floor of a quiet shop): ${idle.wallMs.toFixed(0)} ms wall, ${idle.cpuMs.toFixed(0)} ms CPU, ${idle.value.days} days`);

    const loads: Record<string, number[]> = { "90": [], "365": [] };
    for (const days of Object.keys(loads)) {
      for (let i = 0; i < 3; i++) await loadDashboard({ db, shop: SHOP, params: new URLSearchParams({ days }), now: new Date() });
      for (let i = 0; i < LOADS; i++) loads[days]!.push((await timed(() => loadDashboard({ db, shop: SHOP, params: new URLSearchParams({ days }), now: new Date() }))).wallMs);
    }
    const all = Object.values(loads).flat();
    const p95 = percentile(all, 0.95);
    const met = p95 < TARGET_P95_MS;
    allMet &&= met;
    for (const [days, values] of Object.entries(loads)) console.log(`[${kind}] loader, last ${days} days: p50 ${percentile(values, 0.5).toFixed(1)} ms, p95 ${percentile(values, 0.95).toFixed(1)} ms (${values.length} loads)`);
    console.log(`[${kind}] loader p95 ${p95.toFixed(1)} ms < ${TARGET_P95_MS} ms: ${met ? "met" : "NOT MET"}`);
    const big = perOrder.at(-1)!;
    summary[kind] = {
      firstRollupS: +(first.wallMs / 1000).toFixed(2),
      rollupCpuMsPerOrder: +(big.cpuMs / big.orders).toFixed(3),
      rollupWallMsPerOrder: +(big.wallMs / big.orders).toFixed(3),
      idleRollupMs: +idle.wallMs.toFixed(0),
      loaderP50Ms: +percentile(all, 0.5).toFixed(1),
      loaderP95Ms: +p95.toFixed(1),
      met,
    };
  } finally {
    await database.drop();
  }
}
console.log(JSON.stringify({ ...summary, met: allMet }));
