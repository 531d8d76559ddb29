// What reconciliation repairs that webhooks alone cannot, end to end as production runs it: the
// store simulator, the web process and a worker process on SQLite and PostgreSQL with a real
// Redis, signed webhooks over HTTP, the hourly reconciliation run as its scheduler runs it.
// - Two edits of one order in the same second carry the same per-second updated_at; the delivery
//   tie rule keeps one of the two versions whatever order they come in, here the older one. After
//   reconciliation the customer's spend, tier and tag are what the store's final order says.
// - A customer whose customers/create never came (and who never orders) ends up as if it had
//   come: a row, the base tier, its tag and metafields in Shopify; a lost customers/update is
//   repaired too; an erased customer is not brought back; customers from before the install
//   stay unknown.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import type { SimCustomer, SimOrder } from "../simulator/store/types.ts";
import { customerPayload, customersRedactPayload, orderPayload, payloadContext } from "../simulator/webhooks/payloads.ts";
import { webhooksEdgeOf } from "../simulator/webhooks/index.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { eventually, TEST_API_SECRET } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { queuePrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { appMetafield, checkShop, expectedCustomers, type ShopGroundTruth } from "../faults/oracle.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "lost-webhooks.myshopify.com";
const WRITES = new Set(["tagsAdd", "tagsRemove", "metafieldsSet", "metafieldsDelete"]);

describe.each(DATABASE_KINDS)("what reconciliation repairs, end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;
  let redis: Redis;
  let maintenanceQueue: Queue;
  let editedBeforeInstall: SimCustomer;

  const ctx = () => payloadContext(sim.store.shop(SHOP).shop, SHOP);
  const truth = (): ShopGroundTruth => {
    const data = sim.store.shop(SHOP);
    return { shop: data.shop, customers: [...data.customers.values()], orders: [...data.orders.values()] };
  };
  const rowOf = (customerGid: string) => database.db.customer.findUnique({ where: { shop_customerGid: { shop: SHOP, customerGid } } });
  const simCustomer = (customer: SimCustomer) => sim.store.customer(SHOP, customer.id);
  const tierTags = (customer: SimCustomer) => simCustomer(customer).tags.filter((t) => t.startsWith("tierline:"));
  /** Posts a signed webhook (a body serialized when the event happened) and waits until the worker has processed it. */
  const deliver = async (topic: string, body: string) => {
    const response = await sendWebhook(system.appUrl, { topic, shop: SHOP, body, secret: TEST_API_SECRET });
    expect(response.status).toBe(200);
    await eventually(async () => {
      const row = await database.db.webhookDelivery.findUnique({ where: { webhookId: response.webhookId } });
      return row && row.status !== "received" ? row : null;
    }, { what: `${topic} processed` });
  };
  /** The app settled, and Shopify's echoes of its writes (customers/update) delivered and settled too. */
  const quiet = async () => {
    await settle.settled();
    await webhooksEdgeOf(sim.store)!.delivery.idle();
    await settle.settled();
  };
  /** The hourly reconciliation of this shop, run now; resolves when its job and what it asked for are done. */
  const reconcile = async () => {
    const jobId = `test-reconcile-${randomUUID()}`;
    await maintenanceQueue.add("reconcile-shop", { kind: "reconcile-shop", shop: SHOP }, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
    const result = await eventually(async () => {
      const job = await maintenanceQueue.getJob(jobId);
      const state = await job?.getState();
      if (state === "failed") throw new Error(`reconcile-shop failed: ${job!.failedReason}`);
      return state === "completed" ? (job!.returnvalue as { ordersStored: number; customerPass: { membersAdded: number; contactsUpdated: number } }) : null;
    }, { timeoutMs: 60_000, what: "reconcile-shop done" });
    await quiet();
    return result;
  };

  beforeAll(async () => {
    system = await startTierlineSystem({ kind, label: "lost_webhooks" });
    ({ database, sim, settle } = system);
    redis = new Redis(system.redis.url, { maxRetriesPerRequest: null });
    maintenanceQueue = new Queue(QUEUES.tierMaintenance.name, { connection: redis, prefix: queuePrefix(system.prefix) });
    seedShop(sim.store, SHOP, { seed: 23, size: "tiny", now: new Date().toISOString() });
    // A customer the merchant added moments before installing the app: no webhook ever tells the app of it.
    editedBeforeInstall = sim.store.createCustomer(SHOP, { email: "before-install@example.com", firstName: "Before" }, { silent: true });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill completed" });
    await settle.settled();
  }, 240_000);

  afterAll(async () => {
    await maintenanceQueue?.close();
    redis?.disconnect();
    await system?.close();
  });

  it.each([
    ["the older version delivered last", [2, 1]],
    ["the newer version delivered last", [1, 2]],
  ])("two edits in one second, %s: after reconciliation the spend, tier and tag are the final order's", async (_, sequence) => {
    // Every webhook the store sends on its own is lost meanwhile: the orders/updated that the app's own
    // promise tag on the order would fire carries the final version at a later second, and would
    // repair the tie before reconciliation does.
    const faults = webhooksEdgeOf(sim.store)!.faults;
    faults.set({ webhooks: { lostProbability: 1 } });
    try {
      await sameSecondEdits(sequence);
    } finally {
      faults.set({ webhooks: { lostProbability: 0 } });
      await quiet();
    }
  });

  async function sameSecondEdits(sequence: number[]) {
    const buyer = sim.store.createCustomer(SHOP, { email: `same-second-${randomUUID().slice(0, 8)}@example.com`, firstName: "Same", lastName: "Second" }, { silent: true });
    await deliver("customers/create", toWebhookJson(customerPayload(buyer, ctx())));
    // Bodies serialized as each version stood, as Shopify sends them.
    const versions: string[] = [];
    const snapshot = (order: SimOrder) => versions.push(toWebhookJson(orderPayload(sim.store.order(SHOP, order.id), buyer, ctx())));
    const order = sim.store.createOrder(SHOP, { customerId: buyer.id, lineItems: [{ title: "Lamp", price: "300.00", quantity: 2 }], taxRate: 0 }, { silent: true });
    snapshot(order); // 600.00, paid
    // Its promise is made and written to the order (a tag, which moves the order's updated_at).
    await deliver("orders/create", versions[0]);
    await quiet();
    // Later, two edits in one whole second after every change so far: nothing touches the order after them.
    const second = Math.floor(Date.parse(sim.store.order(SHOP, order.id).updatedAt) / 1000) * 1000 + 1_000;
    const at = (ms: number) => ({ at: new Date(second + ms).toISOString(), silent: true });
    sim.store.editOrder(SHOP, order.id, { setQuantities: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] }, at(100));
    snapshot(order); // 300.00, paid, at second:00.100
    sim.store.editOrder(SHOP, order.id, { addLineItems: [{ title: "Vase", price: "400.00", quantity: 1 }] }, at(700));
    snapshot(order); // 700.00 (100.00 of it still to pay) at second:00.700, the order as it stands
    expect(JSON.parse(versions[1]).updated_at).toBe(JSON.parse(versions[2]).updated_at);

    for (const index of sequence) await deliver("orders/updated", versions[index]);
    await quiet();
    // The tie rule (further along in payment, then the lower total, wins a tie) kept the first edit
    // (paid in full), whatever the order of arrival: 300.00, Silver held only by the grace period.
    expect(await rowOf(buyer.gid)).toMatchObject({ tierKey: "silver", qualifyingSpend: 30_000, graceUntil: expect.any(Date) });

    const run = await reconcile();
    const want = expectedCustomers(truth(), new Date()).get(buyer.gid)!;
    // Hand-checked: 2 × 300.00 paid, one lamp taken off, a 400.00 vase added and not yet paid for:
    // 700.00 with 100.00 outstanding counts the 600.00 received, Silver.
    expect(want).toMatchObject({ tierKey: "silver", spendMinor: 60_000 });
    expect(await rowOf(buyer.gid)).toMatchObject({ tierKey: want.tierKey, qualifyingSpend: want.spendMinor, graceUntil: null });
    expect(tierTags(buyer)).toEqual(["tierline:silver"]);
    expect(run.ordersStored).toBeGreaterThanOrEqual(1);
    expect(checkShop(truth(), { now: new Date(), replayOrderIds: new Set() }).divergences.filter((d) => d.subject === buyer.gid)).toEqual([]);
  }

  it("a customer whose customers/create was lost ends up as if it had come; a lost update is repaired; an erased customer stays erased", async () => {
    const unique = randomUUID().slice(0, 8);
    // The same kind of customer twice, both never ordering: one customers/create delivered, one lost.
    const heard = sim.store.createCustomer(SHOP, { email: `heard-${unique}@example.com`, firstName: "Heard", lastName: "Of" }, { silent: true });
    const lost = sim.store.createCustomer(SHOP, { email: `lost-${unique}@example.com`, firstName: "Never", lastName: "Heard" }, { silent: true });
    const erased = sim.store.createCustomer(SHOP, { email: `erased-${unique}@example.com`, firstName: "Gone", lastName: "Away" }, { silent: true });
    await deliver("customers/create", toWebhookJson(customerPayload(heard, ctx())));
    await deliver("customers/redact", toWebhookJson(customersRedactPayload(ctx(), { id: erased.id, email: erased.email, phone: null }, [])));
    await quiet();
    expect(await rowOf(heard.gid)).toMatchObject({ tierKey: "bronze" });
    expect(tierTags(heard)).toEqual(["tierline:bronze"]);
    expect(await rowOf(lost.gid)).toBeNull();
    expect(tierTags(lost)).toEqual([]);
    // The merchant renames the member a second later; that customers/update is lost as well.
    sim.store.updateCustomer(SHOP, heard.id, { lastName: "Renamed" }, { at: new Date(Date.parse(simCustomer(heard).updatedAt) + 1_000).toISOString(), silent: true });

    const run = await reconcile();
    // Contacts updated: the rename, and the same-second buyers' (their tag echoes were lost above).
    expect(run.customerPass.membersAdded).toBe(1);
    expect(run.customerPass.contactsUpdated).toBeGreaterThanOrEqual(1);

    const columns = (row: Awaited<ReturnType<typeof rowOf>>) => row && { tierKey: row.tierKey, qualifyingSpend: row.qualifyingSpend, qualifyingOrders: row.qualifyingOrders, syncStatus: row.syncStatus, graceUntil: row.graceUntil, deletedAt: row.deletedAt };
    const [heardRow, lostRow] = [await rowOf(heard.gid), await rowOf(lost.gid)];
    expect(lostRow).toMatchObject({ email: lost.email, firstName: "Never", lastName: "Heard", shopifyUpdatedAt: new Date(Math.floor(Date.parse(lost.updatedAt) / 1000) * 1000) });
    expect(columns(lostRow)).toEqual(columns(heardRow));
    expect(columns(lostRow)).toMatchObject({ tierKey: "bronze", qualifyingSpend: 0 });
    expect(heardRow).toMatchObject({ lastName: "Renamed" });
    // In Shopify: the same tag and the same tier metafields as the customer whose webhook came.
    expect(tierTags(lost)).toEqual(["tierline:bronze"]);
    for (const key of ["tier", "tier_name", "qualifying_spend", "next_tier_name", "spend_to_next_tier", "tier_pinned"]) {
      expect(appMetafield(simCustomer(lost).metafields, key)).toBe(appMetafield(simCustomer(heard).metafields, key));
    }
    expect(await rowOf(erased.gid)).toBeNull();
    expect(tierTags(erased)).toEqual([]);
    // Changed within the reconciliation's look-back, but before the install: not the app's to hear of.
    expect(await rowOf(editedBeforeInstall.gid)).toBeNull();
    expect(tierTags(editedBeforeInstall)).toEqual([]);
    // Every other customer of the store, including those from before the install that the
    // reconciliation read nothing of, is as the oracle computes it from the store alone.
    expect(checkShop(truth(), { now: new Date(), replayOrderIds: new Set() }).divergences.filter((d) => d.subject !== erased.gid)).toEqual([]);

    // Nothing left to repair: the next run writes nothing to Shopify.
    const marks = sim.store.mutations(SHOP).length;
    const again = await reconcile();
    expect(again.customerPass).toMatchObject({ membersAdded: 0, contactsUpdated: 0 });
    expect(sim.store.mutations(SHOP).slice(marks).filter((m) => WRITES.has(m.kind))).toEqual([]);
  });
});
