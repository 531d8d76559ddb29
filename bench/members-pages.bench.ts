// Benchmark: the Members page and member page loaders on a large shop (20,000
// customers, 100,000 orders, every tier computed as the history import computes
// it), on SQLite and PostgreSQL. Each loader runs as the route runs it (the use-case
// with the shop's format), over a mix of what merchants ask: the first page, a
// search, a tier filter, a spend range, "changed recently", sorting by name, a deep
// page, a CSV-sized filter; and member pages of random members. Prints p50 / p95 and
// CPU ms per load. Target: p95 < 200 ms for each page on each database.
//   npm run bench -- members-pages      MEMBERS_BENCH_KINDS=sqlite (or postgresql) for one database,
//                                       MEMBERS_BENCH_LOADS=<loads per page> (default 60)
import { performance } from "node:perf_hooks";
import { insertOrdersIgnoringExisting, type OrderInsertRow } from "../app/adapters/db/bulk-insert.server.ts";
import type { Db } from "../app/db.server.ts";
import type { ShopFormat } from "../app/use-cases/admin-formatting.ts";
import { loadMemberPage, loadMembersPage } from "../app/use-cases/members-admin.server.ts";
import { recomputeShopTiers } from "../app/use-cases/recompute-shop-tiers.server.ts";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../tests/support/test-database.ts";

const SHOP = "bench-members.myshopify.com";
const CUSTOMERS = 20_000;
const ORDERS = 100_000;
const TARGET_P95_MS = 200;
const LOADS = Number(process.env.MEMBERS_BENCH_LOADS ?? 60);
const KINDS = (process.env.MEMBERS_BENCH_KINDS ?? "sqlite,postgresql").split(",") as DatabaseKind[];
const FORMAT: ShopFormat = { locale: "en-US", currency: "USD", timeZone: "America/New_York" };
const NOW = new Date("2026-11-20T12:00:00Z");
const FIRST = ["Ada", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu", "Mo", "Ned", "Oz", "Pia"];
const LAST = ["Smith", "Jones", "Garcia", "Chen", "Müller", "Rossi", "Dubois", "Kowalski", "Silva", "Tanaka", "O'Brien", "Novak"];

/** A deterministic generator, so every run seeds the same shop. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(db: Db): Promise<void> {
  const rand = mulberry32(42);
  await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", allOrdersAccess: true } });
  const gid = (n: number) => `gid://shopify/Customer/${7_000_000_000 + n}`;
  for (let start = 0; start < CUSTOMERS; start += 1_000) {
    const rows = Array.from({ length: Math.min(1_000, CUSTOMERS - start) }, (_, i) => {
      const n = start + i;
      const first = FIRST[n % FIRST.length];
      const last = LAST[Math.floor(n / FIRST.length) % LAST.length];
      return { shop: SHOP, customerGid: gid(n), firstName: first, lastName: last, email: `${first}.${last}.${n}@example.com`.toLowerCase() };
    });
    await db.customer.createMany({ data: rows });
  }
  let orders: OrderInsertRow[] = [];
  for (let n = 0; n < ORDERS; n++) {
    // Skewed: a few customers buy a lot, as in real shops.
    const customer = Math.floor(CUSTOMERS * rand() ** 1.6);
    const at = new Date(NOW.getTime() - Math.floor(rand() * 500) * 86_400_000 - Math.floor(rand() * 86_400_000));
    orders.push({
      shop: SHOP, orderGid: `gid://shopify/Order/${9_000_000_000 + n}`, customerGid: gid(customer), name: `#${1000 + n}`, processedAt: at, orderUpdatedAt: at, currencyCode: "USD",
      currentTotal: 1_000 + Math.floor(rand() * 40_000), currentShipping: 500, currentTax: 0, cancelledAt: null, test: false, financialStatus: "paid", outstanding: 0, giftCardLines: 0, tip: 0, duties: 0, taxesIncluded: false, shippingTax: 0,
    });
    if (orders.length === 2_000) {
      await insertOrdersIgnoringExisting(db, orders);
      orders = [];
    }
  }
  if (orders.length) await insertOrdersIgnoringExisting(db, orders);
  // As the history import ends: every tier computed (and its history written) at once.
  await recomputeShopTiers({ db, shop: SHOP, now: NOW, cause: "backfill" });
  // Some members pinned and some in grace, so those filters find someone.
  const some = await db.customer.findMany({ where: { shop: SHOP, tierKey: "silver" }, take: 200, select: { customerGid: true } });
  await db.customer.updateMany({ where: { shop: SHOP, customerGid: { in: some.slice(0, 100).map((c) => c.customerGid) } }, data: { pinnedTierKey: "gold" } });
  await db.customer.updateMany({ where: { shop: SHOP, customerGid: { in: some.slice(100).map((c) => c.customerGid) } }, data: { graceUntil: new Date(NOW.getTime() + 86_400_000 * 10), downgradeTierKey: "bronze", graceReason: "window" } });
}

const QUERIES: Record<string, string>[] = [
  {},
  { q: "smith" },
  { q: "ada.smith.1" },
  { q: "100%" },
  { tier: "gold" },
  { tier: "silver", sort: "name", dir: "asc" },
  { minSpend: "500", maxSpend: "1,500" },
  { changed: "30" },
  { pinned: "yes" },
  { grace: "yes" },
  { sort: "since", dir: "asc" },
  { page: "200" },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(what: string, loads: number, run: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await run(i); // warm the statement caches and the JIT
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < loads; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  const cpuMs = (used.user + used.system) / 1000 / loads;
  console.log(`  ${what.padEnd(14)} p50 ${p50.toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  max ${times[times.length - 1].toFixed(1).padStart(6)} ms  CPU ${cpuMs.toFixed(1)} ms/load  (${loads} loads)  target p95 < ${TARGET_P95_MS} ms: ${p95 < TARGET_P95_MS ? "met" : "NOT MET"}`);
  return { p50: Math.round(p50 * 10) / 10, p95: Math.round(p95 * 10) / 10, cpuMsPerLoad: Math.round(cpuMs * 10) / 10, met: p95 < TARGET_P95_MS };
}

async function main(): Promise<number> {
  const summary: Record<string, unknown> = {};
  let failed = false;
  for (const kind of KINDS) {
    let database: TestDatabase | null = null;
    try {
      database = await createTestDatabase(kind, "membersbench");
      const seeded = performance.now();
      await seed(database.db);
      const { db } = database;
      // A production PostgreSQL's autovacuum analyzes tables after a bulk load like this seed; this
      // machine's runs with autovacuum off, so the planner would work without statistics.
      if (kind === "postgresql") {
        const autovacuum = (await db.$queryRawUnsafe<{ autovacuum: string }[]>("SHOW autovacuum"))[0]?.autovacuum;
        if (autovacuum === "off") await db.$executeRawUnsafe("ANALYZE");
        console.log(`postgresql: autovacuum ${autovacuum}${autovacuum === "off" ? "; ANALYZE run after the seed, as autovacuum would" : ""}`);
      }
      const members = await db.customer.count({ where: { shop: SHOP, tierKey: { not: null } } });
      console.log(`${kind}: ${members.toLocaleString("en-US")} members, ${ORDERS.toLocaleString("en-US")} orders seeded and tiered in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
      const list = await measure("Members page", LOADS, (i) => loadMembersPage({ db, shop: SHOP, params: new URLSearchParams(QUERIES[i % QUERIES.length]), now: NOW, format: FORMAT }));
      // Per query kind, the slowest (p95 over its own loads) so a slow filter is not hidden in the mix.
      const perQuery: Record<string, number> = {};
      for (const query of QUERIES) {
        const params = new URLSearchParams(query);
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await loadMembersPage({ db, shop: SHOP, params, now: NOW, format: FORMAT });
          times.push(performance.now() - started);
        }
        perQuery[params.toString() || "(first page)"] = Math.round(Math.max(...times) * 10) / 10;
      }
      console.log(`  slowest of 5 per query (ms): ${Object.entries(perQuery).map(([q, ms]) => `${q} ${ms}`).join(" · ")}`);
      const gids = (await db.customer.findMany({ where: { shop: SHOP, tierKey: { not: null } }, select: { customerGid: true }, orderBy: { qualifyingSpend: "desc" } })).map((c) => c.customerGid);
      const rand = mulberry32(7);
      // Half the member pages are the heaviest buyers (most orders), half anyone.
      const member = await measure("Member page", LOADS, (i) => loadMemberPage({ db, shop: SHOP, customerGid: i % 2 === 0 ? gids[i % 50] : gids[Math.floor(rand() * gids.length)], now: NOW, format: FORMAT }));
      summary[kind] = { membersPage: list, memberPage: member, perQuery };
      failed ||= !list.met || !member.met;
    } catch (error) {
      console.error(`${kind}: ${error instanceof Error ? error.stack : String(error)}`);
      summary[kind] = { error: error instanceof Error ? error.message : String(error) };
      failed = true;
    } finally {
      await database?.drop().catch(() => undefined);
    }
  }
  console.log(JSON.stringify({ bench: "members-pages", customers: CUSTOMERS, orders: ORDERS, targetP95Ms: TARGET_P95_MS, ...summary }));
  return failed ? 1 : 0;
}

process.exitCode = await main();
