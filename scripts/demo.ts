// `npm run demo`: Tierline on embedded defaults against the local store simulator.
//
//   1. a private Redis (or REDIS_URL), a fresh SQLite database under .data/demo/
//   2. the store simulator, seeded with a deterministic store
//   3. the app's web process and worker process, pointed at the simulator
//   4. the merchant opens the app: real token exchange, installation, history backfill
//   5. live orders, a refund and a cancellation stream in as webhooks
//   6. money paid and kept: cash on delivery, a voided authorization, a gift card bought,
//      an upgrade whose money is refunded (scripts/lib/demo-money.ts)
//   7. delivery promises per tier: deadlines written onto orders, a full lane rolling over,
//      late and on-time shipments, the kept rate per tier, a Gold buyer's thank-you page
//      (scripts/lib/demo-promises.ts)
//   8. supplier priority requests: a SKU's stock falls to its trigger, three suppliers are asked,
//      one award and one escalation (a cost rise above 30 %), the Bronze promise on the short SKU
//      moves to the awarded lead time, Gold's does not (scripts/lib/demo-supply.ts)
//   9. a summary of tiers, tier changes, tags and metafields written, Admin API points
//
// `--once` runs the same scenario without waiting for a person and exits; its last
// line is a one-line JSON summary. It exits non-zero when step 6, 7 or 8 ends otherwise than
// the rules say (the summary then has ok: false and the reasons). Options:
// --size tiny|small|medium (default small), --orders N (live orders, default 40), --seed N (default 42):
// checked before anything starts (scripts/lib/demo-options.mjs).
import { randomBytes } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { createDb, databaseTarget } from "../app/db.server.ts";
import { MERCHANT_BROWSER } from "../simulator/admin/install.ts";
import { readAppTomlFile } from "../simulator/webhooks/app-toml.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "./lib/chromium.ts";
import { ROOT, eventually, startSimulatorProcess, startWebProcess, startWorkerProcess, type AppProcess } from "./lib/app-processes.ts";
import { freePort, PrivateRedis } from "./lib/private-redis.ts";
import { castMoneyStories, describeMoneyStories, judgeMoneyStories, playMoneyStories, quiet, summarizeMoneyStories } from "./lib/demo-money.ts";
import { describePromiseStories, judgePromiseStories, playPromiseStories, readThankYouPromise, summarizePromiseStories } from "./lib/demo-promises.ts";
import { describeSupplyStories, judgeSupplyStories, playSupplyStories, summarizeSupplyStories } from "./lib/demo-supply.ts";
import { watchSettling } from "./lib/settle.ts";
import { DEMO_USAGE, parseDemoOptions } from "./lib/demo-options.mjs";
import { describeWrites, type RecordedMutation } from "./lib/demo-writes.ts";

// Checked again here (scripts/demo.mjs checks first, before installing): run directly, a typo stops it too.
const parsed = parseDemoOptions(process.argv.slice(2));
if (!parsed.ok) {
  console.error(`✖ ${parsed.message}\n\n${DEMO_USAGE}`);
  process.exit(2);
}
const { once, size, orders: liveOrders, seed } = parsed.options;
const SHOP = "tierline-demo.myshopify.com";

const started = Date.now();
const step = (n: number, text: string) => console.log(`\n[${n}/9] ${text}`);
const note = (text: string) => console.log(`      ${text}`);
const cleanups: Array<() => Promise<unknown> | unknown> = [];

function bar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  return `[${"#".repeat(Math.round(ratio * width)).padEnd(width, ".")}] ${done}/${total}`;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, headers: { "Content-Type": "application/json", ...init?.headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function main() {
  step(1, "Redis and the database");
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    if (spawnSync("sh", ["-c", "command -v redis-server"], { stdio: "ignore" }).status !== 0) {
      throw new Error("No Redis: install redis-server (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), or set REDIS_URL to a Redis you run.");
    }
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    redisUrl = redis.url;
    note(`started a private Redis at ${redisUrl}`);
  } else note(`using REDIS_URL=${redisUrl}`);
  const dataDir = path.join(ROOT, ".data/demo");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = `file:${path.join(dataDir, "tierline-demo.db")}`;
  note(`SQLite database ${path.relative(ROOT, databaseUrl.slice(5))}`);
  note("building the Remix app…");
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"], { cwd: ROOT, stdio: "ignore" });

  step(2, `store simulator, seeded (${size}, seed ${seed})`);
  const appPort = process.env.PORT ? Number(process.env.PORT) : await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  // A secret made for this run only: demo conveniences never share production secrets.
  const secrets = { SHOPIFY_API_KEY: "tierline-demo", SHOPIFY_API_SECRET: randomBytes(24).toString("hex"), SHOPIFY_APP_URL: appUrl };
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: "UTC", ...secrets };
  const sim = await startSimulatorProcess({ ...base, SIMULATOR_PORT: "0" });
  cleanups.push(() => sim.proc.kill());
  note(`simulator at ${sim.origin}`);
  const seeded = await json<{ summary: { customers: number; orders: number; millis: number } }>(`${sim.origin}/_sim/shops`, {
    method: "POST",
    body: JSON.stringify({ shop: SHOP, seed, size, install: false, name: "Tierline Demo Store", currency: "USD" }),
  });
  note(`${SHOP}: ${seeded.summary.customers} customers, ${seeded.summary.orders} orders over 18 months (${seeded.summary.millis} ms)`);

  step(3, "Tierline web and worker processes");
  const env = {
    ...base,
    NODE_ENV: "development",
    PORT: String(appPort),
    // The scopes the app declares, so the demo asks for exactly what a real install grants.
    SCOPES: readAppTomlFile(path.join(ROOT, "shopify.app.toml")).scopes.join(","),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `demo-${randomBytes(3).toString("hex")}`,
    SHOPIFY_API_ORIGIN: sim.origin,
    APP_BRIDGE_URL: `${sim.origin}/_sim/app-bridge.js`,
    LOG_LEVEL: "warn",
  };
  const web = await startWebProcess(env);
  const worker: AppProcess = await startWorkerProcess(env);
  cleanups.push(() => worker.kill(), () => web.proc.kill());
  note(`app at ${appUrl} (web pid ${web.proc.child.pid}, worker pid ${worker.child.pid})`);
  const db = createDb(databaseTarget(databaseUrl));
  cleanups.push(() => db.$disconnect());

  step(4, "the merchant opens Tierline: token exchange, installation, history backfill");
  // An approved app: Shopify granted read_all_orders, so the whole 18-month history counts.
  await json(`${sim.origin}/_sim/admin/${SHOP}/grants`, { method: "POST", body: JSON.stringify({ read_all_orders: true }) });
  const install = await json<{ installed: boolean; status: number; scopes: string[] }>(`${sim.origin}/_sim/admin/${SHOP}/install`, { method: "POST", body: "{}" });
  if (!install.installed) throw new Error(`installation failed: the app answered ${install.status}`);
  note(`installed with scopes ${install.scopes.join(",")}`);
  // The merchant turns on a Flow workflow for each trigger: Flow's signed lifecycle callback tells the
  // app, which fires a trigger only while some enabled workflow uses it.
  for (const handle of ["member-tier-changed", "delivery-promise-at-risk"]) {
    await json(`${sim.origin}/_sim/shops/${SHOP}/flow-workflows`, { method: "POST", body: JSON.stringify({ handle, enabled: true }) });
  }
  note("Flow workflows enabled for Member tier changed and Delivery promise at risk");
  const latestRun = () => db.backfillRun.findFirst({ where: { shop: SHOP }, orderBy: { startedAt: "desc" } });
  const runStarted = await eventually(latestRun, { timeoutMs: 20_000, intervalMs: 250, what: "a backfill run" }).catch(() => null);
  const backfill = runStarted && await eventually(async () => {
    const run = await latestRun();
    if (run && process.stdout.isTTY) process.stdout.write(`\r      backfill ${bar(run.ordersRead, run.ordersTotal ?? run.ordersRead)} ${run.status}   `);
    return run && (run.status === "completed" || run.status === "failed") ? run : null;
  }, { timeoutMs: 300_000, intervalMs: 250, what: "the history backfill" }).catch(() => null);
  if (process.stdout.isTTY) process.stdout.write("\n");
  if (backfill) note(`backfill ${backfill.status}: ${bar(backfill.ordersRead, backfill.ordersTotal ?? backfill.ordersRead)}${backfill.historyLimited ? " (history limited to 60 days: read_all_orders not granted)" : ""}`);
  else note("no backfill run finished (history import unavailable); tiers start from live orders");

  step(5, `live orders: ${liveOrders} orders, a refund, a cancellation`);
  const { customers } = await json<{ customers: Array<{ id: string }> }>(`${sim.origin}/_sim/shops/${SHOP}/customers?limit=12`);
  const created: string[] = [];
  for (let i = 0; i < liveOrders; i++) {
    const customer = customers[i % customers.length];
    const { order } = await json<{ order: { id: string } }>(`${sim.origin}/_sim/shops/${SHOP}/orders`, {
      method: "POST",
      body: JSON.stringify({ customerId: customer.id, lineItems: [{ title: "Demo jacket", price: String(120 + (i % 5) * 85) + ".00", quantity: 1 + (i % 3) }], shipping: { price: "9.00" }, taxRate: 0.08 }),
    });
    created.push(order.id);
  }
  await json(`${sim.origin}/_sim/shops/${SHOP}/orders/${created[0]}/refunds`, { method: "POST", body: JSON.stringify({ amount: "40.00", note: "goodwill" }) });
  await json(`${sim.origin}/_sim/shops/${SHOP}/orders/${created[1]}/cancel`, { method: "POST", body: JSON.stringify({ reason: "CUSTOMER" }) });
  // Step 6's four customers and their first $200.00 orders, settled with these.
  const cast = await castMoneyStories({ simOrigin: sim.origin, shop: SHOP, json });
  note(`${created.length} orders placed; waiting for webhooks, tier jobs and Shopify writes to settle…`);
  const settle = watchSettling(db, redisUrl, env.QUEUE_PREFIX);
  cleanups.push(() => settle.close());
  await quiet({ simOrigin: sim.origin, settle, json }, {
    progress: ({ deliveries, queued, pendingSync }) => {
      if (process.stdout.isTTY) process.stdout.write(`\r      deliveries pending ${deliveries}, jobs queued ${queued}, customers awaiting sync ${pendingSync}     `);
    },
  });
  if (process.stdout.isTTY) process.stdout.write("\n");

  step(6, "money paid and kept: only what a customer paid and did not get back counts");
  const moneyStarted = Date.now();
  const stories = await playMoneyStories({ simOrigin: sim.origin, shop: SHOP, db, settle, json }, cast);
  for (const text of describeMoneyStories(stories)) note(text);
  const moneyProblems = judgeMoneyStories(stories);
  for (const problem of moneyProblems) console.log(`      ✖ not what the rules say: ${problem}`);
  const moneySeconds = Math.round((Date.now() - moneyStarted) / 100) / 10;
  if (!moneyProblems.length) note(`as the rules say (docs/decisions/0008, 0009), in ${moneySeconds.toFixed(1)} s`);

  step(7, "delivery promises per tier: a ship-by on every order, a full lane rolls over, some ship late");
  const promisesStarted = Date.now();
  const chromiumForPromises = chromiumPlan();
  const thankYouCheck = chromiumForPromises.run ? (url: string) => browser().then((b) => readThankYouPromise(b, url, MERCHANT_BROWSER)) : null;
  const promises = await playPromiseStories({ simOrigin: sim.origin, shop: SHOP, db, settle, json }, thankYouCheck);
  for (const text of describePromiseStories(promises)) note(text);
  const promiseProblems = judgePromiseStories(promises);
  for (const problem of promiseProblems) console.log(`      ✖ not what the rules say: ${problem}`);
  const promiseSeconds = Math.round((Date.now() - promisesStarted) / 100) / 10;
  note(`a Gold buyer's thank-you page: ${promises.thankYou.url}`);
  if (promises.thankYou.checked && promises.thankYou.seen === promises.thankYou.expected) note(`it shows "${promises.thankYou.seen}" (read in Chromium from the built checkout extension)`);
  else if (!chromiumForPromises.run) note(`not opened in a browser (${chromiumForPromises.reason}); it should read "${promises.thankYou.expected}"`);
  if (!promiseProblems.length) note(`as the rules say (docs/decisions/0011, 0013, 0014), in ${promiseSeconds.toFixed(1)} s`);

  step(8, "supplier priority requests: stock falls to the trigger, three suppliers asked, an award and an escalation");
  const supplyStarted = Date.now();
  const supply = await playSupplyStories({ simOrigin: sim.origin, shop: SHOP, db, settle, json });
  for (const text of describeSupplyStories(supply)) note(text);
  const supplyProblems = judgeSupplyStories(supply);
  for (const problem of supplyProblems) console.log(`      ✖ not what the rules say: ${problem}`);
  const supplySeconds = Math.round((Date.now() - supplyStarted) / 100) / 10;
  if (!supplyProblems.length) note(`as the rules say (docs/decisions/0012), in ${supplySeconds.toFixed(1)} s`);

  step(9, "what happened");
  const [tiers, changes, deliveries, failed, stale] = await Promise.all([
    db.customer.groupBy({ by: ["tierKey"], where: { shop: SHOP, deletedAt: null }, _count: { _all: true } }),
    db.tierChange.groupBy({ by: ["fromTier", "toTier"], where: { shop: SHOP }, _count: { _all: true } }),
    db.webhookDelivery.groupBy({ by: ["status"], where: { shop: SHOP }, _count: { _all: true } }),
    db.customer.count({ where: { shop: SHOP, syncStatus: "failed" } }),
    db.customer.count({ where: { shop: SHOP, syncStatus: "stale" } }),
  ]);
  const rawRecord = `${sim.origin}/_sim/shops/${SHOP}/mutations`;
  const recorded = await json<{ pointsSpent: number; mutations: RecordedMutation[] }>(rawRecord);
  // Every kind the store recorded (tags, metafields, definitions, ship-by deadlines, bulk
  // queries…), so a new kind of write shows up here without touching the demo.
  const writesByKind: Record<string, number> = {};
  const refusedByKind: Record<string, number> = {};
  for (const m of recorded.mutations) {
    const tally = m.ok ? writesByKind : refusedByKind;
    tally[m.kind] = (tally[m.kind] ?? 0) + 1;
  }
  const metafieldsWritten = recorded.mutations.filter((m) => m.kind === "metafieldsSet" && m.ok).reduce((sum, m) => sum + (m.detail.metafields?.length ?? 0), 0);
  const tierCounts = Object.fromEntries(tiers.map((t) => [t.tierKey ?? "none", t._count._all]));
  const migrations = Object.fromEntries(changes.map((c) => [`${c.fromTier ?? "new"}→${c.toTier}`, c._count._all]));
  const summary = {
    shop: SHOP,
    size,
    seed,
    customersInTiers: tierCounts,
    tierChanges: changes.reduce((sum, c) => sum + c._count._all, 0),
    tierMigrations: migrations,
    webhookDeliveries: Object.fromEntries(deliveries.map((d) => [d.status, d._count._all])),
    backfill: backfill ? { status: backfill.status, ordersRead: backfill.ordersRead, historyLimited: backfill.historyLimited } : null,
    metafieldsWritten,
    mutations: writesByKind,
    mutationsRefused: refusedByKind,
    adminApiPointsSpent: recorded.pointsSpent,
    customersWithFailedSync: failed,
    customersAwaitingSpendRefresh: stale,
    moneyPaidAndKept: { asTheRulesSay: moneyProblems.length === 0, problems: moneyProblems, ...summarizeMoneyStories(stories), seconds: moneySeconds },
    deliveryPromises: { asTheRulesSay: promiseProblems.length === 0, problems: promiseProblems, ...summarizePromiseStories(promises), seconds: promiseSeconds },
    supplierRequests: { asTheRulesSay: supplyProblems.length === 0, problems: supplyProblems, ...summarizeSupplyStories(supply), seconds: supplySeconds },
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  console.log(`      customers per tier: ${Object.entries(tierCounts).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`      tier changes: ${summary.tierChanges} (${Object.entries(migrations).map(([k, v]) => `${k} ${v}`).join(", ")})`);
  console.log(`      webhooks: ${Object.entries(summary.webhookDeliveries).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const line of describeWrites(recorded.mutations, rawRecord, recorded.pointsSpent)) console.log(`      ${line}`);
  if (stale) console.log(`      ${stale} customers' spend moved within their tier: their spend metafields are written by the next 15-minute refresh, in batches`);
  const adminPage = `${sim.origin}/_sim/admin/${SHOP}/apps/tierline`;
  const framed = await checkFramedApp(adminPage, path.join(dataDir, "admin.png"));
  if (framed) note(`the simulated admin shows the app in its frame (screenshot ${path.relative(ROOT, framed)})`);
  if (!once) {
    console.log(`\n      Merchant pages (the simulated Shopify admin framing the app): ${adminPage}`);
    console.log(`      Promises (the merchant's page): ${adminPage}/app/promises   A Gold buyer's thank-you page: ${promises.thankYou.url}`);
    console.log(`      What the app wrote to the store: ${sim.origin}/_sim/shops/${SHOP}/mutations`);
    console.log(`      Database: ${databaseUrl}   Logs: this terminal.   Ctrl-C stops everything.`);
  }
  return summary;
}

/**
 * Opens the admin page the demo prints in headless Chromium and checks that the app
 * rendered inside its frame (a frame the app's CSP refuses stays empty). Returns the
 * screenshot's path; null when Chromium is absent outside CI (in CI that is a failure).
 */
async function checkFramedApp(adminPage: string, screenshot: string): Promise<string | null> {
  const plan = chromiumPlan();
  if (!plan.run) {
    if (!plan.skip) throw new Error(plan.reason);
    note(`not checking the admin frame in a browser: ${plan.reason}`);
    return null;
  }
  // Headless Chromium says "HeadlessChrome", which shopify-app-remix turns away as a bot.
  const page = await (await browser()).newPage({ viewport: { width: 1280, height: 900 }, userAgent: MERCHANT_BROWSER });
  try {
    await page.goto(adminPage);
    const app = page.frameLocator("iframe");
    try {
      await app.getByText("Members per tier").waitFor({ timeout: 30_000 });
    } catch {
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
      throw new Error(`the simulated admin at ${adminPage} does not show the app in its frame (screenshot ${path.relative(ROOT, screenshot)})`);
    }
    await page.screenshot({ path: screenshot, fullPage: true });
    return screenshot;
  } finally {
    await page.close();
  }
}

let launched: Promise<Browser> | null = null;
/** One headless Chromium for the demo's browser checks, launched on first use, closed at cleanup. */
function browser(): Promise<Browser> {
  if (!launched) {
    const plan = chromiumPlan();
    if (!plan.run) throw new Error(plan.reason);
    launched = chromium.launch({ executablePath: plan.path, args: CHROMIUM_ARGS });
    const closing = launched;
    cleanups.push(() => closing.then((b) => b.close()));
  }
  return launched;
}

async function cleanup(): Promise<void> {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
}

main()
  .then(async (summary) => {
    if (!once) {
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
    await cleanup();
    // The money and promise steps are the demo's check of the rules: an outcome they do not allow fails it.
    const problems = [...summary.moneyPaidAndKept.problems, ...summary.deliveryPromises.problems, ...summary.supplierRequests.problems];
    const ok = summary.moneyPaidAndKept.asTheRulesSay && summary.deliveryPromises.asTheRulesSay && summary.supplierRequests.asTheRulesSay;
    if (!ok) console.error(`\n✖ demo failed: ${problems.join("; ")}`);
    console.log(JSON.stringify({ ok, ...summary }));
    process.exit(ok ? 0 : 1);
  })
  .catch(async (error) => {
    console.error(`\n✖ demo failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    console.log(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }));
    process.exit(1);
  });
