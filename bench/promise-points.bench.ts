// Admin API points per promised order at 50 paid orders/s (issue 10's target: ≤ 20 on average).
// Paid orders arrive in the store simulator at the rate; each gets its promise made as the
// `promises` job makes it (the Shopify read, the booking), several at a time as the workers
// run them; the shop's pending promises are written as the `promise-writes` job writes them,
// a round after each half-second gather. Points are the simulator's, charged per Shopify's
// cost rules (actual cost of each query, 10 a mutation, metafieldsSet 10 + 10 per order owner);
// the Plus plan's bucket, so the rate is not held back by throttling (Standard refills 100/s).
// Prints each write's cost a call and per order, the reads per order, the average, the target.
//
//   npm run bench -- promise-points     BENCH_ORDERS (default 500), BENCH_RATE (default 50),
//                                       BENCH_DATABASE=postgresql, BENCH_STRICT=1 (exit 1 when not met)
import { startSimulator, type RunningSimulator } from "../simulator/server.ts";
import { orderPayload, payloadContext } from "../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { AdminCostBudget } from "../app/adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import { orderPromiseEvent } from "../app/adapters/shopify/order-promise-payload.ts";
import { makeOrderPromise } from "../app/use-cases/make-order-promise.server.ts";
import { writeShopPromises } from "../app/use-cases/write-order-promises.server.ts";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../tests/support/test-database.ts";
import { promisePoints, promisePointsLines } from "../tests/support/promise-points.ts";
import { runAtRate } from "./tier-pipeline/pacing.ts";

const ORDERS = Number(process.env.BENCH_ORDERS ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const KIND: DatabaseKind = process.env.BENCH_DATABASE === "postgresql" ? "postgresql" : "sqlite";
/** The promises queue's worker concurrency (production's default WORKER_CONCURRENCY). */
const MAKE_CONCURRENCY = 8;
/** The promise-writes job's gather before a round. */
const GATHER_MS = 500;
const SHOP = "bench-promise-points.myshopify.com";

let sim: RunningSimulator | undefined;
let database: TestDatabase | undefined;

async function cleanUp(): Promise<void> {
  await database?.drop().catch(() => undefined);
  await sim?.close().catch(() => undefined);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

/** Deterministic PRNG (mulberry32): every run places the same orders. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function main(): Promise<number> {
  sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
  const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: SHOP, seed: 7, size: "small", plan: "plus" }) });
  if (!res.ok) throw new Error(`create shop: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  database = await createTestDatabase(KIND, "promisepoints");
  const { db } = database;
  await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", scopes: "write_orders" } });
  const running = sim;
  const admin = async () => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken, origin: running.origin }), { budget: new AdminCostBudget() });

  const data = sim.store.shop(SHOP);
  const customers = [...data.customers.values()];
  const variants = [...data.variants.values()];
  const next = random(42);
  const markPoints = data.pointsSpent;
  const markSeq = sim.store.mutations(SHOP).length;

  // Orders placed at the rate; their promises made a few at a time, in arrival order.
  const queue: ReturnType<typeof orderPromiseEvent>[] = [];
  let made = 0;
  let placingDone = false;
  const makers = Array.from({ length: MAKE_CONCURRENCY }, async () => {
    for (;;) {
      const event = queue.shift();
      if (!event) {
        if (placingDone) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      if (event.kind !== "make") throw new Error("placed order is not paid");
      const result = await makeOrderPromise({ db, shop: SHOP, request: event.order, admin, now: new Date() });
      if (result.status !== "made") throw new Error(`promise not made: ${JSON.stringify(result)}`);
      made++;
    }
  });
  // The writes: a round after each gather, as long as orders come or promises wait.
  let writeRounds = 0;
  const writer = (async () => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      const result = await writeShopPromises({ db, shop: SHOP, admin });
      writeRounds += result.rounds;
      if (result.failed) throw new Error(`${result.failed} promise writes failed`);
      const pending = await db.orderPromise.count({ where: { shop: SHOP, writeStatus: { in: ["pending", "refit"] } } });
      if (placingDone && made === ORDERS && pending === 0 && !result.more) return;
    }
  })();

  const paced = await runAtRate(RATE, ORDERS, (i) => {
    const lineCount = next() < 0.3 ? 0 : 1 + Math.floor(next() * 3);
    const lineItems = lineCount === 0
      ? [{ title: `Print ${i}`, price: "40.00", quantity: 1 }]
      : Array.from({ length: lineCount }, () => ({ variantId: variants[Math.floor(next() * variants.length)]!.id, quantity: 1 }));
    const customerId = next() < 0.7 ? customers[Math.floor(next() * customers.length)]!.id : null;
    const order = running.store.createOrder(SHOP, { customerId, email: customerId ? undefined : `guest${i}@example.com`, lineItems }, { silent: true });
    const customer = customerId ? running.store.customer(SHOP, customerId) : null;
    queue.push(orderPromiseEvent(parseJsonLosslessly(toWebhookJson(orderPayload(order, customer, payloadContext(running.store.shop(SHOP).shop, SHOP))))));
  });
  placingDone = true;
  await Promise.all(makers);
  await writer;

  const points = promisePoints(sim.store.mutations(SHOP).slice(markSeq), data.pointsSpent - markPoints, ORDERS);
  console.log(`${ORDERS} paid orders at ${RATE}/s (placed in ${paced.seconds.toFixed(1)} s), ${KIND}, ${writeRounds} write rounds:`);
  for (const line of promisePointsLines(points)) console.log(line);
  console.log(`  at ${RATE} orders/s that is ${(points.perOrder.total * RATE).toFixed(0)} points/s (restore rate: Standard 100, Advanced 200, Plus 1000, Enterprise 2000)`);
  console.log(
    JSON.stringify({
      bench: "promise-points", orders: ORDERS, rate: RATE, database: KIND,
      perOrder: Object.fromEntries(Object.entries(points.perOrder).map(([k, v]) => [k, Number(v.toFixed(2))])),
      target: 20, met: points.met,
    }),
  );
  return points.met || process.env.BENCH_STRICT !== "1" ? 0 : 1;
}

main()
  .then(
    async (code) => {
      await cleanUp();
      process.exit(code);
    },
    async (error) => {
      console.error(error);
      await cleanUp();
      process.exit(1);
    },
  );
