// An erased customer stays erased whatever reads Shopify again: the history backfill,
// the reconciliation (also for an order placed after the redaction, which no
// redaction listed), and a webhook whose write lands just after a customers/redact
// committed (the write checked for tombstones before the redaction, wrote after it).
// Against the store simulator (real bulk operation, real Admin API) and a real database.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { setErasureKeyForTests } from "../app/adapters/db/erasure-repository.server.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import type { Db } from "../app/db.server.ts";
import { importBackfillResults, requestBackfill, startBackfillRun, type BackfillDeps } from "../app/use-cases/backfill-order-history.server.ts";
import { applyOrderWebhook } from "../app/use-cases/apply-order-webhook.server.ts";
import { applyCustomerRedact } from "../app/use-cases/compliance.server.ts";
import { applyUnlessErased } from "../app/use-cases/erasure-guard.server.ts";
import { reconcileShopOrders } from "../app/use-cases/reconcile-orders.server.ts";
import { refreshShopDetails } from "../app/use-cases/refresh-shop-details.server.ts";
import type { WebhookContext } from "../app/use-cases/webhook-context.ts";
import { webhookHandlers } from "../app/workers/webhook-handlers.ts";
import { startSimulatorInPrivateTmp } from "./support/private-tmp-simulator.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

function context(db: Db, shop: string, topic: string, body: string, webhookId: string): WebhookContext {
  return { db, shop, topic, webhookId, payload: parseJsonLosslessly(body), now: new Date(), requestTierRecompute: async () => {}, schedulePurge: async () => {} };
}

/** Everything the database holds that names the customer or one of their orders. */
async function rowsNaming(db: Db, shop: string, customerGid: string, orderGids: string[]) {
  const [customers, orders, refunds, changes] = await Promise.all([
    db.customer.count({ where: { shop, customerGid } }),
    db.ledgerOrder.count({ where: { shop, OR: [{ customerGid }, { orderGid: { in: orderGids } }] } }),
    db.ledgerRefund.count({ where: { shop, orderGid: { in: orderGids } } }),
    db.tierChange.count({ where: { shop, customerGid } }),
  ]);
  return { customers, orders, refunds, changes };
}
const NOTHING = { customers: 0, orders: 0, refunds: 0, changes: 0 };

describe.each(DATABASE_KINDS)("an erased customer stays erased on %s", (kind) => {
  const SHOP = `erasure-replays-${kind}.myshopify.com`;
  let sim: RunningSimulator;
  let database: TestDatabase;
  let tmp: string;
  let accessToken: string;
  const admin = (): AdminRunner => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken, origin: sim.origin }));
  const control = async <T,>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.origin}/_sim${route}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    setErasureKeyForTests("erasure-replays-key");
    ({ sim, tmp } = await startSimulatorInPrivateTmp("tierline-erasure-sim-", { apiKey: "erasure-key", apiSecret: "erasure-secret", appUrl: "http://127.0.0.1:9", edgeModules: false }));
    database = await createTestDatabase(kind, "erasure_replays");
    ({ accessToken } = await control<{ accessToken: string }>("POST", "/shops", { shop: SHOP, seed: 5, size: "tiny", now: NOW.toISOString() }));
    await database.db.shop.create({ data: { domain: SHOP } });
    await refreshShopDetails({ db: database.db, admin: admin(), shop: SHOP });
  });
  afterAll(async () => {
    setErasureKeyForTests(null);
    await database?.drop();
    await sim?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("the backfill and the reconciliation do not bring back a customer redacted before they ran", async () => {
    const { db } = database;
    const data = sim.store.shop(SHOP);
    const orders = [...data.orders.values()];
    // The customer with the most orders, so the check is not vacuous.
    const counts = new Map<string, number>();
    for (const o of orders) if (o.customerId) counts.set(o.customerId, (counts.get(o.customerId) ?? 0) + 1);
    const [customerId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    const customerGid = `gid://shopify/Customer/${customerId}`;
    const theirs = orders.filter((o) => o.customerId === customerId);
    expect(theirs.length).toBeGreaterThan(1);

    // Redacted before anything was imported: only the tombstones know them.
    const redact = `{"shop_id":1,"shop_domain":"${SHOP}","customer":{"id":${customerId},"email":"x@example.com","phone":null},"orders_to_redact":[${theirs.map((o) => o.id).join(",")}]}`;
    await db.webhookDelivery.create({ data: { webhookId: "redact-1", shop: SHOP, topic: "customers/redact", payload: redact } });
    expect(await applyCustomerRedact(context(db, SHOP, "customers/redact", redact, "redact-1"))).toEqual({ status: "processed" });

    const deps: BackfillDeps = { db, admin: async () => admin(), now: () => NOW, requestTierSync: async () => {} };
    const run = await requestBackfill({ db, jobs: { start: async () => {} } }, SHOP);
    await startBackfillRun(deps, run.id);
    await sim.admin.bulk.idle(SHOP);
    expect(await importBackfillResults(deps, run.id)).toMatchObject({ status: "completed" });
    const theirGids = theirs.map((o) => o.gid);
    expect(await rowsNaming(db, SHOP, customerGid, theirGids)).toEqual(NOTHING);
    // Everybody else's history came in.
    expect(await db.ledgerOrder.count({ where: { shop: SHOP } })).toBe(orders.length - theirs.length);

    // They order again after the redaction: no redaction listed this order, it is still theirs.
    const variant = data.products[0].variants[0];
    const { order } = await control<{ order: { gid: string } }>("POST", `/shops/${SHOP}/orders`, { customerId: customerGid, lineItems: [{ variantId: variant.id, quantity: 2 }] });
    await db.shop.update({ where: { domain: SHOP }, data: { reconciledUntil: new Date(NOW.getTime() - 800 * 86_400_000) } });
    const requested: string[] = [];
    const result = await reconcileShopOrders({ db, shop: SHOP, admin: async () => admin(), now: new Date(), requestTierRecompute: async (gids) => void requested.push(...gids) });
    expect(result?.ordersSeen).toBeGreaterThan(theirs.length);
    expect(await rowsNaming(db, SHOP, customerGid, [...theirGids, order.gid])).toEqual(NOTHING);
    expect(requested).not.toContain(customerGid);
  });

  it("a webhook that checked before a redaction committed and wrote after it leaves nothing behind", async () => {
    const { db } = database;
    const customerId = "7300000000000000999";
    const customerGid = `gid://shopify/Customer/${customerId}`;
    const orderId = "9900000000000000001";
    const money = `{"shop_money":{"amount":"120.00","currency_code":"USD"},"presentment_money":{"amount":"120.00","currency_code":"USD"}}`;
    const orderBody = `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}","name":"#9001","email":"late@example.com","created_at":"${NOW.toISOString()}","processed_at":"${NOW.toISOString()}","updated_at":"${NOW.toISOString()}","cancelled_at":null,"test":false,"currency":"USD","current_total_price_set":${money},"current_shipping_price_set":${money.replaceAll("120.00", "0.00")},"current_total_tax_set":${money.replaceAll("120.00", "0.00")},"customer":{"id":${customerId},"admin_graphql_api_id":"${customerGid}","email":"late@example.com","first_name":"Late","last_name":"Writer"}}`;
    const redact = `{"shop_id":1,"shop_domain":"${SHOP}","customer":{"id":${customerId},"email":"late@example.com","phone":null},"orders_to_redact":[]}`;
    await db.webhookDelivery.createMany({
      data: [
        { webhookId: "order-late", shop: SHOP, topic: "orders/create", payload: orderBody },
        { webhookId: "redact-2", shop: SHOP, topic: "customers/redact", payload: redact },
      ],
    });
    const handlers = webhookHandlers({ purgeDelayMs: 0 });
    // The order's own use-case, made to write right after the redaction commits (its look for tombstones came first).
    let redacted = false;
    const outcome = await applyUnlessErased(context(db, SHOP, "orders/create", orderBody, "order-late"), async (ctx) => {
      await handlers["customers/redact"](context(db, SHOP, "customers/redact", redact, "redact-2"));
      redacted = true;
      return applyOrderWebhook(ctx);
    });
    expect(redacted).toBe(true);
    expect(outcome.status).toBe("skipped");
    expect(await rowsNaming(db, SHOP, customerGid, [`gid://shopify/Order/${orderId}`])).toEqual(NOTHING);
    const stored = await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "order-late" } });
    expect(stored.payload).toBe("{}");
  });
});
