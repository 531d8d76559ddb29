// The history backfill against the store simulator (the real bulk operation and its
// JSONL) and a real database: the ledger and the tiers end up exactly as computed
// directly from the simulator's store with the domain functions (through the
// webhook payloads, an independent mapping); an import interrupted mid-file resumes
// to the same result; reconciliation repairs an order whose webhook never came;
// the review sweep finds a customer whose oldest order leaves the window.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { AdminCostBudget } from "../app/adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import type { Db } from "../app/db.server.ts";
import { importBackfillResults, latestBackfill, requestBackfill, startBackfillRun, type BackfillDeps } from "../app/use-cases/backfill-order-history.server.ts";
import { reconcileShopOrders } from "../app/use-cases/reconcile-orders.server.ts";
import { recomputeCustomerTier } from "../app/use-cases/recompute-customer-tier.server.ts";
import { refreshShopDetails } from "../app/use-cases/refresh-shop-details.server.ts";
import { requestDueTierReviews } from "../app/use-cases/review-due-tiers.server.ts";
import { applyBulkOperationFinishWebhook } from "../app/use-cases/apply-bulk-operation-webhook.server.ts";
import type { TierRecomputeCause } from "../app/use-cases/webhook-context.ts";
import { expectedTiersFromStore } from "./support/expected-tiers.ts";
import type { SimOrder } from "../simulator/store/types.ts";
import { orderPayload, payloadContext, refundPayload } from "../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import { orderSnapshotFromPayload, refundRecordFromPayload } from "../app/adapters/shopify/webhook-payloads.ts";
import { rowFields } from "../app/adapters/db/ledger-repository.server.ts";
import { startSimulatorInPrivateTmp } from "./support/private-tmp-simulator.ts";
import { createTestDatabase, type DatabaseKind } from "./support/test-database.ts";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

async function tiersInDb(db: Db, shop: string) {
  const rows = await db.customer.findMany({ where: { shop }, select: { customerGid: true, tierKey: true, qualifyingSpend: true, qualifyingOrders: true } });
  return new Map(rows.map((r) => [r.customerGid, { tierKey: r.tierKey, spend: r.qualifyingSpend, orders: r.qualifyingOrders }]));
}

async function expectMatchesStore(db: Db, sim: RunningSimulator, shop: string) {
  const expected = expectedTiersFromStore(sim, shop, NOW);
  expect(await db.ledgerOrder.count({ where: { shop } })).toBe(expected.orders);
  expect(await db.ledgerRefund.count({ where: { shop } })).toBe(expected.refunds);
  const actual = await tiersInDb(db, shop);
  expect(actual.size).toBe(expected.tiers.size);
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected.tiers));
  // Not a vacuous comparison: the seeded history spreads customers over several tiers.
  expect(new Set([...expected.tiers.values()].map((t) => t.tierKey)).size).toBeGreaterThan(1);
}

/** Lines of the shop's history file: each order, then each of its line items on a line of its own. */
function fileLinesOf(sim: RunningSimulator, shop: string): number {
  return [...sim.store.shop(shop).orders.values()].reduce((sum, order) => sum + 1 + order.lineItems.length, 0);
}

async function setUp(kind: DatabaseKind, label: string) {
  const { sim, tmp } = await startSimulatorInPrivateTmp("tierline-backfill-sim-", { apiKey: "backfill-key", apiSecret: "backfill-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
  const database = await createTestDatabase(kind, label);
  const control = async <T,>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.origin}/_sim${route}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const tokens = new Map<string, string>();
  const addShop = async (shop: string, size: "tiny" | "small", extra: Record<string, unknown> = {}) => {
    const { accessToken } = await control<{ accessToken: string }>("POST", "/shops", { shop, seed: 11, size, now: NOW.toISOString(), ...extra });
    tokens.set(shop, accessToken);
    await database.db.shop.create({ data: { domain: shop } });
    await refreshShopDetails({ db: database.db, admin: adminFor(shop), shop });
  };
  const budget = new AdminCostBudget();
  const adminFor = (shop: string): AdminRunner =>
    createAdminRunner(createFetchAdminGraphqlClient({ shop, accessToken: tokens.get(shop)!, origin: sim.origin }), { budget });
  const synced: Map<string, Set<string>> = new Map();
  const deps = (extra: Partial<BackfillDeps> = {}): BackfillDeps => ({
    db: database.db,
    admin: async (shop) => adminFor(shop),
    now: () => NOW,
    requestTierSync: async (shop, gids) => {
      let set = synced.get(shop);
      if (!set) synced.set(shop, (set = new Set()));
      for (const gid of gids) set.add(gid);
    },
    ...extra,
  });
  const started: { shop: string; runId: string }[] = [];
  const jobs = { start: async (shop: string, runId: string) => void started.push({ shop, runId }) };
  const close = async () => {
    await database.drop();
    await sim.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  return { close, sim, database, db: database.db, control, addShop, adminFor, deps, synced, jobs, started };
}

describe.each<DatabaseKind>(["sqlite", "postgresql"])("history backfill on %s", (kind) => {
  let env: Awaited<ReturnType<typeof setUp>>;
  let severalRefunds: SimOrder[] = [];
  const SHOP = `backfill-${kind}.myshopify.com`;

  beforeAll(async () => {
    env = await setUp(kind, `backfill_${kind}`);
    await env.addShop(SHOP, "small");
    // Two orders refunded several times with money beyond the items (goodwill, shipping):
    // their bulk lines carry only each refund's money, so the import reads their parts.
    severalRefunds = [...env.sim.store.shop(SHOP).orders.values()].filter((o) => o.customerId && !o.cancelledAt && !o.test && o.refunds.length === 0 && o.financialStatus === "PAID" && o.shippingLines.length > 0).slice(0, 2);
    const [a, b] = severalRefunds;
    env.sim.store.refundOrder(SHOP, a.id, { lineItems: [{ lineItemId: a.lineItems[0].id, quantity: 1 }] }, { silent: true });
    env.sim.store.refundOrder(SHOP, a.id, { amount: "3.00", shipping: { full: true } }, { silent: true });
    env.sim.store.refundOrder(SHOP, b.id, { amount: "4.00" }, { silent: true });
    env.sim.store.refundOrder(SHOP, b.id, { amount: "6.50" }, { silent: true });
  });
  afterAll(async () => {
    await env?.close();
  });

  it("imports the whole history through the bulk operation and computes every tier as the domain does", async () => {
    const { db } = env;
    const shopRow = await db.shop.findUniqueOrThrow({ where: { domain: SHOP } });
    expect(shopRow).toMatchObject({ currencyCode: "USD", allOrdersAccess: true });
    expect(shopRow.ianaTimezone).toBeTruthy();

    const run = await requestBackfill({ db, jobs: env.jobs }, SHOP);
    expect(env.started).toEqual([{ shop: SHOP, runId: run.id }]);
    // On demand while one is active: the same run.
    expect((await requestBackfill({ db, jobs: env.jobs }, SHOP)).id).toBe(run.id);

    const start = await startBackfillRun(env.deps(), run.id);
    expect(start.status).toBe("started");
    expect(await startBackfillRun(env.deps(), run.id)).toEqual({ status: "already_started", bulkOperationId: start.bulkOperationId });
    await env.sim.admin.bulk.idle(SHOP);

    // bulk_operations/finish names the operation; the import of its run is queued.
    const queued: string[] = [];
    const outcome = await applyBulkOperationFinishWebhook(
      { db, shop: SHOP, topic: "bulk_operations/finish", webhookId: "w1", payload: { admin_graphql_api_id: start.bulkOperationId, status: "completed" }, now: NOW, requestTierRecompute: async () => {}, schedulePurge: async () => {} },
      async (_shop, runId) => void queued.push(runId),
    );
    expect(outcome.status).toBe("processed");
    expect(queued).toEqual([run.id]);

    const imported = await importBackfillResults(env.deps({ batchLines: 250 }), run.id);
    const lines = fileLinesOf(env.sim, SHOP);
    expect(lines).toBeGreaterThan(1_000);
    expect(imported).toMatchObject({ status: "completed", ordersRead: 1_000, linesApplied: lines });
    const finished = await latestBackfill(db, SHOP);
    expect(finished).toMatchObject({ status: "completed", ordersRead: 1_000, ordersTotal: 1_000, linesApplied: lines, historyLimited: false, error: null });
    expect((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).reconciledUntil).not.toBeNull();

    await expectMatchesStore(db, env.sim, SHOP);
    // Orders with several refunds hold each refund as its webhook would have stored it (parts, not shares of totals).
    const data = env.sim.store.shop(SHOP);
    for (const order of severalRefunds) {
      const ctx = payloadContext(data.shop, SHOP);
      const expected = order.refunds.map((r) => refundRecordFromPayload(parseJsonLosslessly(toWebhookJson(refundPayload(r, order, ctx))), data.shop.currency));
      const rows = await db.ledgerRefund.findMany({ where: { shop: SHOP, orderGid: order.gid }, orderBy: { createdAt: "asc" } });
      expect(rows.map((r) => [r.refundGid, r.transactions, r.lineItems, r.shipping])).toEqual(expected.map((r) => [r.refundId, r.transactionsMinor, r.lineItemsMinor, r.shippingMinor]));
      expect(rows.length).toBe(2);
    }
    // Every computed customer is queued for its sync to Shopify.
    const customers = await db.customer.findMany({ where: { shop: SHOP }, select: { customerGid: true, syncStatus: true } });
    expect([...(env.synced.get(SHOP) ?? [])].sort()).toEqual(customers.map((c) => c.customerGid).sort());
    expect(new Set(customers.map((c) => c.syncStatus))).toEqual(new Set(["pending"]));

    // Running the import again changes nothing.
    expect(await importBackfillResults(env.deps(), run.id)).toEqual({ status: "not_active" });
  });
});

describe("history backfill: resume, reconciliation, reviews (SQLite)", () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  const SHOP = "backfill-resume.myshopify.com";
  const LIMITED = "backfill-limited.myshopify.com";

  beforeAll(async () => {
    env = await setUp("sqlite", "backfill_resume");
    await env.addShop(SHOP, "small");
  });
  afterAll(async () => {
    await env?.close();
  });

  it("resumes an import interrupted mid-file from the lines applied and ends with the same result", async () => {
    const { db } = env;
    const run = await requestBackfill({ db, jobs: env.jobs }, SHOP);
    await startBackfillRun(env.deps(), run.id);
    await env.sim.admin.bulk.idle(SHOP);

    // The connection drops after about 40% of the file, on the second of the import's two
    // passes over it (the first gathers the gift-card lines; a drop there saves nothing).
    let downloads = 0;
    const dropping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (++downloads === 1) return response;
      const total = Number(response.headers.get("content-length") ?? 0) || 200_000;
      let sent = 0;
      const reader = response.body!.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          sent += value.byteLength;
          if (sent > total * 0.4) return controller.error(new Error("connection reset"));
          controller.enqueue(value);
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    await expect(importBackfillResults(env.deps({ fetch: dropping, batchLines: 100 }), run.id)).rejects.toThrow(/connection reset/);
    const interrupted = await latestBackfill(db, SHOP);
    expect(interrupted?.status).toBe("downloading");
    expect(interrupted?.linesApplied).toBeGreaterThan(0);
    const lines = fileLinesOf(env.sim, SHOP);
    expect(interrupted?.linesApplied).toBeLessThan(lines);
    expect(interrupted?.ordersRead).toBeGreaterThan(0);
    expect(interrupted?.ordersRead).toBeLessThan(1_000);
    expect(await db.ledgerOrder.count({ where: { shop: SHOP } })).toBe(interrupted?.ordersRead);

    const resumed = await importBackfillResults(env.deps({ batchLines: 100 }), run.id);
    expect(resumed).toMatchObject({ status: "completed", ordersRead: 1_000, linesApplied: lines });
    await expectMatchesStore(db, env.sim, SHOP);
  });

  it("reconciliation stores an order and a refund whose webhooks never came, and asks for the customer's recomputation", async () => {
    const { db } = env;
    const data = env.sim.store.shop(SHOP);
    const customer = [...data.customers.values()][3];
    const variant = data.products[0].variants[0];
    // edgeModules are off: the simulator delivers no webhook for these.
    const { order } = await env.control<{ order: { gid: string } }>("POST", `/shops/${SHOP}/orders`, {
      customerId: customer.gid,
      lineItems: [{ variantId: variant.id, quantity: 3 }],
    });
    const refunded = [...data.orders.values()].find((o) => o.customerId && o.refunds.length === 0 && o.financialStatus === "PAID" && !o.cancelledAt && !o.test)!;
    await env.control("POST", `/shops/${SHOP}/orders/${refunded.id}/refunds`, { lineItems: [{ lineItemId: refunded.lineItems[0].id, quantity: 1, restockType: "RETURN" }] });
    expect(await db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid: order.gid } } })).toBeNull();

    const requested: { gids: string[]; cause: TierRecomputeCause }[] = [];
    const before = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).reconciledUntil!;
    const now = new Date();
    const result = await reconcileShopOrders({
      db,
      shop: SHOP,
      admin: async () => env.adminFor(SHOP),
      now,
      requestTierRecompute: async (gids, cause) => void requested.push({ gids, cause }),
    });
    expect(result).toMatchObject({ ordersStored: 2, refundsStored: 1 });
    expect(await db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid: order.gid } } })).toMatchObject({ customerGid: customer.gid });
    expect(requested.flatMap((r) => r.gids).sort()).toEqual([customer.gid, `gid://shopify/Customer/${refunded.customerId}`].sort());
    expect(requested.find((r) => r.cause === "refund")?.gids).toContain(`gid://shopify/Customer/${refunded.customerId}`);
    const after = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).reconciledUntil!;
    expect(after.getTime()).toBe(now.getTime());
    expect(after.getTime()).toBeGreaterThan(before.getTime());

    // Through the same recomputation path, the customer's spend now matches the store.
    for (const { gids, cause } of requested) for (const gid of gids) await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause, now: NOW });
    const expected = expectedTiersFromStore(env.sim, SHOP, NOW).tiers;
    const actual = await tiersInDb(db, SHOP);
    for (const gid of [customer.gid, `gid://shopify/Customer/${refunded.customerId}`]) expect(actual.get(gid)).toEqual(expected.get(gid));

    // Reading back a month of orders already in the ledger (some paid in other currencies) changes nothing.
    await db.shop.update({ where: { domain: SHOP }, data: { reconciledUntil: new Date(Date.now() - 30 * 86_400_000) } });
    const again = await reconcileShopOrders({ db, shop: SHOP, admin: async () => env.adminFor(SHOP), now: new Date(), requestTierRecompute: async () => {} });
    expect(again?.ordersSeen).toBeGreaterThan(20);
    expect(again).toMatchObject({ ordersStored: 0, refundsStored: 0, customers: 0 });
  });

  it("the review sweep recomputes a customer whose oldest qualifying order leaves the window", async () => {
    const { db } = env;
    // The customer due first, by the review date the backfill computed.
    const due = await db.customer.findFirstOrThrow({ where: { shop: SHOP, reviewAt: { not: null }, qualifyingOrders: { gte: 2 } }, orderBy: { reviewAt: "asc" } });
    const at = new Date(due.reviewAt!.getTime() + 1);
    const requested: { shop: string; gids: string[]; cause: TierRecomputeCause }[] = [];
    const sweep = await requestDueTierReviews({ db, now: at, pageSize: 3, requestTierRecompute: async (shop, gids, cause) => void requested.push({ shop, gids, cause }) });
    const dueGids = (await db.customer.findMany({ where: { shop: SHOP, reviewAt: { lte: at } }, select: { customerGid: true } })).map((c) => c.customerGid);
    expect(sweep.customers).toBe(dueGids.length);
    expect(requested.flatMap((r) => r.gids).sort()).toEqual(dueGids.sort());
    expect(new Set(requested.map((r) => r.cause))).toEqual(new Set(["window"]));
    // Nobody is due before the first review date.
    const none = await requestDueTierReviews({ db, now: new Date(due.reviewAt!.getTime() - 1), requestTierRecompute: async () => {} });
    expect(none.customers).toBe(0);

    await recomputeCustomerTier({ db, shop: SHOP, customerGid: due.customerGid, cause: "window", now: at });
    const row = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: due.customerGid } } });
    const expected = expectedTiersFromStore(env.sim, SHOP, at).tiers.get(due.customerGid)!;
    expect(row.qualifyingOrders).toBe(due.qualifyingOrders - 1);
    expect(row.qualifyingSpend).toBe(expected.spend);
    expect(row.qualifyingSpend).toBeLessThan(due.qualifyingSpend);
    expect(row.reviewAt!.getTime()).toBeGreaterThan(at.getTime());
  });

  it("without read_all_orders the run says the history is limited to 60 days", async () => {
    const { db } = env;
    const scopes = ["read_customers", "write_customers", "read_orders"];
    await env.addShop(LIMITED, "tiny", { install: { scopes } });
    expect((await db.shop.findUniqueOrThrow({ where: { domain: LIMITED } })).allOrdersAccess).toBe(false);
    const run = await requestBackfill({ db, jobs: env.jobs }, LIMITED);
    expect(run.historyLimited).toBe(true);
    await startBackfillRun(env.deps(), run.id);
    await env.sim.admin.bulk.idle(LIMITED);
    expect(await importBackfillResults(env.deps(), run.id)).toMatchObject({ status: "completed" });
    expect(await latestBackfill(db, LIMITED)).toMatchObject({ status: "completed", historyLimited: true });
  });
});

describe("history backfill: gift cards bought (SQLite)", () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  const SHOP = "backfill-gift-cards.myshopify.com";
  /** An order whose gift card is its 11th line, past the first page of lines an ordinary read gets. */
  const elevenLines = (customerId: string, card: string) => ({
    customerId,
    lineItems: [
      ...Array.from({ length: 10 }, (_, i) => ({ title: `Sock ${i + 1}`, price: "12.00", quantity: 1 })),
      { title: "Gift card", price: card, quantity: 2, giftCard: true },
      { title: "Hat", price: "20.00", quantity: 1 },
    ],
  });

  beforeAll(async () => {
    env = await setUp("sqlite", "backfill_gift_cards");
    // moneyMix: a share of the seeded orders buy gift cards, pay with them, tip, pay duties, pay later.
    await env.addShop(SHOP, "small", { moneyMix: true });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Each stored order row of the shop against the snapshot its webhook payload gives. */
  async function expectRowsAsWebhooks(orders: SimOrder[]) {
    const data = env.sim.store.shop(SHOP);
    const ctx = payloadContext(data.shop, SHOP);
    const rows = new Map((await env.db.ledgerOrder.findMany({ where: { shop: SHOP } })).map((row) => [row.orderGid, row]));
    for (const order of orders) {
      const customer = order.customerId ? data.customers.get(order.customerId) ?? null : null;
      const expected = rowFields(orderSnapshotFromPayload(parseJsonLosslessly(toWebhookJson(orderPayload(order, customer, ctx)))));
      const row = rows.get(order.gid);
      expect(row, order.gid).toBeDefined();
      expect(Object.fromEntries(Object.keys(expected).map((k) => [k, row![k as keyof typeof row]])), order.gid).toEqual(expected);
    }
  }

  it("the backfill gives every order the same ledger row as its webhook, gift cards bought included", async () => {
    const { db } = env;
    const data = env.sim.store.shop(SHOP);
    const customer = [...data.customers.values()][5];
    const eleven = env.sim.store.createOrder(SHOP, elevenLines(customer.id, "25.00"), { silent: true });

    const run = await requestBackfill({ db, jobs: env.jobs }, SHOP);
    await startBackfillRun(env.deps(), run.id);
    await env.sim.admin.bulk.idle(SHOP);
    expect(await importBackfillResults(env.deps({ batchLines: 200 }), run.id)).toMatchObject({ status: "completed", ordersRead: data.orders.size });

    const orders = [...data.orders.values()];
    const buyingCards = orders.filter((o) => o.lineItems.some((l) => l.giftCard && l.currentQuantity > 0));
    // Not vacuous: the seed bought gift cards on several orders, and the ledger knows them.
    expect(buyingCards.length).toBeGreaterThan(3);
    const stored = await db.ledgerOrder.findMany({ where: { shop: SHOP, giftCardLines: { gt: 0 } }, select: { orderGid: true } });
    expect(stored.map((r) => r.orderGid).sort()).toEqual(buyingCards.map((o) => o.gid).sort());
    expect((await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: eleven.gid } } })).giftCardLines).toBe(5_000);
    await expectRowsAsWebhooks(orders);
    await expectMatchesStore(db, env.sim, SHOP);
  });

  it("reconciliation reads every line of an order, so a gift card bought as its 11th line is known", async () => {
    const { db } = env;
    const data = env.sim.store.shop(SHOP);
    const customer = [...data.customers.values()][7];
    const eleven = env.sim.store.createOrder(SHOP, elevenLines(customer.id, "40.00"), { silent: true });
    const result = await reconcileShopOrders({ db, shop: SHOP, admin: async () => env.adminFor(SHOP), now: new Date(), requestTierRecompute: async () => {} });
    expect(result?.ordersStored).toBeGreaterThanOrEqual(1);
    expect((await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: eleven.gid } } })).giftCardLines).toBe(8_000);
    await expectRowsAsWebhooks([data.orders.get(eleven.id)!]);
  });
  it("a file whose line items come before their orders (Shopify promises no order without grouping) gives the same rows", async () => {
    const { db } = env;
    await db.ledgerRefund.deleteMany({ where: { shop: SHOP } });
    await db.ledgerOrder.deleteMany({ where: { shop: SHOP } });
    const run = await requestBackfill({ db, jobs: env.jobs }, SHOP);
    await startBackfillRun(env.deps(), run.id);
    await env.sim.admin.bulk.idle(SHOP);
    const reversed: typeof fetch = async (input, init) => {
      const text = await (await fetch(input, init)).text();
      return new Response(text.split("\n").filter((l) => l !== "").reverse().join("\n"), { status: 200 });
    };
    const data = env.sim.store.shop(SHOP);
    expect(await importBackfillResults(env.deps({ fetch: reversed, batchLines: 200 }), run.id)).toMatchObject({ status: "completed", ordersRead: data.orders.size });
    expect(await db.ledgerOrder.count({ where: { shop: SHOP, giftCardLines: { gt: 0 } } })).toBeGreaterThan(3);
    await expectRowsAsWebhooks([...data.orders.values()]);
  });
});
