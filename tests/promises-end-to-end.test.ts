// Delivery promises end to end, as production runs them: the store simulator, the web
// process and a worker process on SQLite and PostgreSQL with a real Redis. Paid orders
// arrive as signed webhooks; the promise for the buyer's tier at checkout lands on the
// simulated store as the deadline of the order's fulfillment orders, an app-owned order
// metafield and the tier's order tag (many at once through a bulk mutation, settled by its
// bulk_operations/finish); redelivered and reordered webhooks change nothing;
// a split re-applies the deadline; a full lane rolls over; a later tier change leaves the
// promise as made; guests get the base tier; an erased order gets no promise.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import type { CreateOrderInput } from "../simulator/store/orders.ts";
import type { SimOrder } from "../simulator/store/types.ts";
import { customersRedactPayload, orderPayload, payloadContext } from "../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { eventually, TEST_API_SECRET } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { loadPromiseSettings, savePromiseRules } from "../app/adapters/db/promise-settings-repository.server.ts";
import { fulfillmentDeadlineOf } from "../app/domain/order-promise-writes.ts";
import { AdminCostBudget } from "../app/adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { startBulkMutation } from "../app/adapters/shopify/admin-operations/bulk-mutation.ts";
import { TAGS_ADD_MUTATION } from "../app/adapters/shopify/admin-operations/tags-add.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "promises-e2e.myshopify.com";
const PROMISE_WRITES = new Set(["fulfillmentOrdersSetFulfillmentDeadline", "metafieldsSet", "tagsAdd"]);

describe.each(DATABASE_KINDS)("delivery promises end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;

  const promiseOf = (orderGid: string) => database.db.orderPromise.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid } } });
  const simOrder = (order: SimOrder) => sim.store.order(SHOP, order.id);
  const promiseMetafield = (order: SimOrder) => {
    for (const [mapKey, field] of simOrder(order).metafields ?? new Map()) if (mapKey.startsWith("app--") && field.key === "delivery_promise") return JSON.parse(field.value);
    return undefined;
  };
  /** Promise writes recorded by the simulator that touch this order or its fulfillment orders. */
  const promiseWritesOf = (order: SimOrder, from = 0) => {
    const fulfillmentOrders = new Set(simOrder(order).fulfillmentOrders.map((fo) => fo.gid));
    return sim.store.mutations(SHOP).slice(from).filter((m) => {
      if (!PROMISE_WRITES.has(m.kind)) return false;
      const detail = m.detail;
      if (detail.kind === "fulfillmentOrdersSetFulfillmentDeadline") return detail.fulfillmentOrderGids.some((gid) => fulfillmentOrders.has(gid));
      if (detail.kind === "metafieldsSet") return detail.metafields.some((f) => f.ownerGid === order.gid);
      return "ownerGid" in detail && detail.ownerGid === order.gid;
    });
  };
  const deliver = (topic: string, payload: unknown, webhookId?: string) =>
    sendWebhook(system.appUrl, { topic, shop: SHOP, body: toWebhookJson(payload), secret: TEST_API_SECRET, webhookId }).then((r) => {
      expect(r.status).toBe(200);
      return r;
    });
  const payloadOf = (order: SimOrder) => {
    const current = simOrder(order);
    const customer = current.customerId ? sim.store.customer(SHOP, current.customerId) : null;
    return orderPayload(current, customer, payloadContext(sim.store.shop(SHOP).shop, SHOP));
  };
  /** A customer whose tier (as Tierline recorded it) is `tierKey`; a Gold one is made by a big order when the seed has none. */
  const memberOf = async (tierKey: string) => {
    const find = () => database.db.customer.findFirst({ where: { shop: SHOP, tierKey, pinnedTierKey: null, deletedAt: null }, orderBy: { customerGid: "asc" } });
    let row = await find();
    if (!row && tierKey === "gold") {
      const customer = sim.store.createCustomer(SHOP, { email: "gold-member@example.com", firstName: "Gold" });
      sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [line("Piano", "3000.00")] });
      await settle.settled();
      row = await find();
    }
    if (!row) throw new Error(`no ${tierKey} member`);
    return [...sim.store.shop(SHOP).customers.values()].find((c) => c.gid === row.customerGid)!;
  };
  const line = (title: string, price = "20.00", quantity = 1): CreateOrderInput["lineItems"][number] => ({ title, price, quantity });

  beforeAll(async () => {
    system = await startTierlineSystem({ kind, label: "promises" });
    ({ database, sim, settle } = system);
    seedShop(sim.store, SHOP, { seed: 11, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill completed" });
    await settle.settled();
  });

  afterAll(async () => {
    await system?.close();
  });

  it("a Gold member's paid order gets Gold's promise: deadline on its fulfillment orders, order metafield and tag", async () => {
    const gold = await memberOf("gold");
    const order = sim.store.createOrder(SHOP, { customerId: gold.id, lineItems: [line("Desk lamp", "80.00", 2)] });
    await settle.settled();
    const promise = await promiseOf(order.gid);
    expect(promise).toMatchObject({ tierKey: "gold", laneKey: "priority_production", status: "open", writeStatus: "written", customerGid: gold.gid });
    const deadline = fulfillmentDeadlineOf(promise!.shipBy).toISOString();
    const fulfillmentOrders = simOrder(order).fulfillmentOrders;
    expect(fulfillmentOrders.length).toBeGreaterThan(0);
    for (const fo of fulfillmentOrders) expect(fo.fulfillBy).toBe(deadline);
    expect(JSON.parse(promise!.deadlineFulfillmentOrders)).toEqual(fulfillmentOrders.map((fo) => fo.gid));
    expect(promiseMetafield(order)).toEqual({ tier: "gold", lane: "priority_production", shipBy: promise!.shipBy.toISOString(), shipByEarliest: promise!.shipByEarliest.toISOString(), arriveBy: null });
    expect(simOrder(order).tags).toContain("tierline:gold");
    expect(promiseWritesOf(order).map((m) => m.kind).sort()).toEqual(["fulfillmentOrdersSetFulfillmentDeadline", "metafieldsSet", "tagsAdd"]);

    // Redelivered (the same delivery, and the same event as a new delivery): nothing new is written.
    const mark = sim.store.mutations(SHOP).length;
    const payload = payloadOf(order);
    await deliver("orders/paid", payload);
    await deliver("orders/updated", payload);
    await settle.settled();
    expect(promiseWritesOf(order, mark)).toEqual([]);
    expect((await promiseOf(order.gid))!.shipBy).toEqual(promise!.shipBy);
  });

  it("reordered deliveries make the same promise as deliveries in order", async () => {
    const silver = await memberOf("silver");
    const at = new Date().toISOString();
    const inOrder = sim.store.createOrder(SHOP, { customerId: silver.id, lineItems: [line("Vase")] }, { silent: true, at });
    const reordered = sim.store.createOrder(SHOP, { customerId: silver.id, lineItems: [line("Vase")] }, { silent: true, at });
    await deliver("orders/create", payloadOf(inOrder));
    await deliver("orders/paid", payloadOf(inOrder));
    // Paid before created, then paid again.
    await deliver("orders/paid", payloadOf(reordered));
    await deliver("orders/create", payloadOf(reordered));
    await deliver("orders/paid", payloadOf(reordered));
    await settle.settled();
    const [a, b] = [await promiseOf(inOrder.gid), await promiseOf(reordered.gid)];
    expect(a).toMatchObject({ tierKey: "silver", writeStatus: "written" });
    expect({ tier: b!.tierKey, shipBy: b!.shipBy, shipByEarliest: b!.shipByEarliest, adjustments: b!.adjustments }).toEqual({ tier: a!.tierKey, shipBy: a!.shipBy, shipByEarliest: a!.shipByEarliest, adjustments: a!.adjustments });
    expect(promiseWritesOf(reordered).filter((m) => m.kind === "tagsAdd")).toHaveLength(1);
  });

  it("a flash sale: sixty orders paid at once are all promised and tagged once each, through bulk mutations or directly", async () => {
    const mark = sim.store.mutations(SHOP).length;
    const at = new Date().toISOString();
    const orders = Array.from({ length: 60 }, (_, i) => sim.store.createOrder(SHOP, { customerId: null, email: `flash-${i}@example.com`, lineItems: [line(`Print ${i}`)] }, { silent: true, at }));
    await Promise.all(orders.map((order) => deliver("orders/paid", payloadOf(order))));
    await settle.settled();
    for (const order of orders) {
      expect(await promiseOf(order.gid)).toMatchObject({ tierKey: "bronze", writeStatus: "written" });
      expect(simOrder(order).tags).toContain("tierline:bronze");
      // Once each, whether a bulk operation's line (cost 0) or a direct call.
      expect(promiseWritesOf(order, mark).filter((m) => m.kind === "tagsAdd")).toHaveLength(1);
    }
    const window = sim.store.mutations(SHOP).slice(mark);
    const inBulk = window.filter((m) => m.kind === "tagsAdd" && m.cost === 0).length;
    const operations = window.filter((m) => m.kind === "bulkOperationRunMutation" && m.ok).length;
    const uploads = window.filter((m) => m.kind === "stagedUploadsCreate").length;
    console.log(`flash sale (${kind}): ${inBulk} of 60 tags through ${operations} bulk mutations (${uploads} staged uploads), ${60 - inBulk} direct`);
    // A bulk operation started is one that finished here: its upload went through.
    expect(operations).toBe(uploads);
    // Which rounds reach 25 depends on how the makes interleave with the write's gather; every bulk operation carried at least 25.
    expect(inBulk).toBeGreaterThanOrEqual(25 * operations);
    // The write job only started them: each was settled from its bulk_operations/finish, sent by the simulator.
    const finished = await database.db.webhookDelivery.findMany({ where: { shop: SHOP, topic: "bulk_operations/finish", receivedAt: { gte: new Date(at) } }, select: { status: true, error: true } });
    expect(finished.filter((d) => d.status === "processed")).toHaveLength(operations);
    expect(await database.db.orderPromise.count({ where: { shop: SHOP, tagOperationGid: { not: null } } })).toBe(0);
  });

  it("a tag bulk mutation is settled from the bulk_operations/finish the store sends: its promises are saved as their lines say", async () => {
    const orders = Array.from({ length: 3 }, (_, i) => sim.store.createOrder(SHOP, { customerId: null, email: `bulk-${i}@example.com`, lineItems: [line(`Card ${i}`)] }));
    await settle.settled();
    for (const order of orders) expect(await promiseOf(order.gid)).toMatchObject({ writeStatus: "written" });
    // As a write round of many does: the tags go to a bulk mutation, and the promises wait for it.
    const session = await database.db.session.findFirstOrThrow({ where: { shop: SHOP, isOnline: false } });
    const admin = createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: session.accessToken, origin: sim.origin }), { budget: new AdminCostBudget() });
    const operationGid = await startBulkMutation(admin, TAGS_ADD_MUTATION, [...orders.map((o) => ({ id: o.gid, tags: ["tierline:bronze"] })), { id: "gid://shopify/Order/1", tags: ["tierline:bronze"] }]);
    expect(operationGid).not.toBeNull();
    for (const [line, order] of orders.entries()) {
      await database.db.orderPromise.update({ where: { shop_orderGid: { shop: SHOP, orderGid: order.gid } }, data: { writeStatus: "tagging", tagOperationGid: operationGid, tagOperationLine: line } });
    }
    await sim.admin.bulk.mutations.idle();
    await settle.settled();
    await eventually(async () => (await database.db.orderPromise.count({ where: { shop: SHOP, tagOperationGid: operationGid } })) === 0, { timeoutMs: 60_000, what: "bulk operation settled" });
    for (const order of orders) expect(await promiseOf(order.gid)).toMatchObject({ writeStatus: "written", tagOperationGid: null, writeError: null });
    const delivery = await database.db.webhookDelivery.findFirst({ where: { shop: SHOP, topic: "bulk_operations/finish", payload: { contains: operationGid! } } });
    expect(delivery?.status).toBe("processed");
  });

  it("a guest gets the base tier's promise", async () => {
    const order = sim.store.createOrder(SHOP, { customerId: null, email: "guest-promise@example.com", lineItems: [line("Rug", "300.00")] });
    await settle.settled();
    expect(await promiseOf(order.gid)).toMatchObject({ tierKey: "bronze", laneKey: "standard_batch", customerGid: null, writeStatus: "written" });
    expect(simOrder(order).tags).toContain("tierline:bronze");
  });

  it("a tier change after the promise leaves it as made (and the order that caused it is promised at the tier before it)", async () => {
    const bronze = await memberOf("bronze");
    const small = sim.store.createOrder(SHOP, { customerId: bronze.id, lineItems: [line("Candle", "15.00")] });
    await settle.settled();
    const before = await promiseOf(small.gid);
    expect(before).toMatchObject({ tierKey: "bronze", writeStatus: "written" });
    const metafieldBefore = promiseMetafield(small);

    const big = sim.store.createOrder(SHOP, { customerId: bronze.id, lineItems: [line("Sofa", "2500.00")] });
    await settle.settled();
    expect(await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: bronze.gid } } })).toMatchObject({ tierKey: "gold" });
    // The upgrading order was bought as Bronze: that is what the checkout showed.
    expect(await promiseOf(big.gid)).toMatchObject({ tierKey: "bronze" });
    const after = await promiseOf(small.gid);
    expect({ tierKey: after!.tierKey, shipBy: after!.shipBy, writtenAt: after!.writtenAt }).toEqual({ tierKey: before!.tierKey, shipBy: before!.shipBy, writtenAt: before!.writtenAt });
    expect(promiseMetafield(small)).toEqual(metafieldBefore);

    // Their next order is promised as Gold.
    const next = sim.store.createOrder(SHOP, { customerId: bronze.id, lineItems: [line("Cushion")] });
    await settle.settled();
    expect(await promiseOf(next.gid)).toMatchObject({ tierKey: "gold" });
  });

  it("a split fulfillment order gets the deadline re-applied to the new one", async () => {
    const gold = await memberOf("gold");
    const order = sim.store.createOrder(SHOP, { customerId: gold.id, lineItems: [line("Chair", "120.00", 3)] });
    await settle.settled();
    const promise = (await promiseOf(order.gid))!;
    const deadline = fulfillmentDeadlineOf(promise.shipBy).toISOString();
    const original = simOrder(order).fulfillmentOrders[0];
    expect(original.fulfillBy).toBe(deadline);
    const created = sim.store.splitFulfillmentOrder(SHOP, original.id, [{ lineItemId: original.lineItems[0].lineItemId, quantity: 1 }]);
    expect(created.fulfillBy).toBeNull();
    await eventually(async () => sim.store.shop(SHOP).fulfillmentOrders.get(created.id)?.fulfillBy === deadline, { what: "deadline on the split-off fulfillment order" });
    await settle.settled();
    expect(JSON.parse((await promiseOf(order.gid))!.deadlineFulfillmentOrders).sort()).toEqual([original.gid, created.gid].sort());
    expect(await promiseOf(order.gid)).toMatchObject({ writeStatus: "written", shipBy: promise.shipBy });
  });

  it("a full lane moves the next promise to the next working day with room", async () => {
    const { rules } = await loadPromiseSettings(database.db, SHOP);
    // Guests' lane, fresh and with room for one order a day.
    await savePromiseRules(database.db, SHOP, { ...rules, lanes: rules.lanes.map((lane) => (lane.tierKey === "bronze" ? { ...lane, key: "capped_batch", dailyCapacity: 1 } : lane)) });
    const at = new Date().toISOString();
    const first = sim.store.createOrder(SHOP, { customerId: null, email: "cap1@example.com", lineItems: [line("Mug")] }, { silent: true, at });
    const second = sim.store.createOrder(SHOP, { customerId: null, email: "cap2@example.com", lineItems: [line("Mug")] }, { silent: true, at });
    await deliver("orders/paid", payloadOf(first));
    await settle.settled();
    await deliver("orders/paid", payloadOf(second));
    await settle.settled();
    const [a, b] = [(await promiseOf(first.gid))!, (await promiseOf(second.gid))!];
    expect(a.laneKey).toBe("capped_batch");
    expect(JSON.parse(a.adjustments).some((adj: { kind: string }) => adj.kind === "lane_full")).toBe(false);
    expect(b.shipByDay > a.shipByDay).toBe(true);
    expect(JSON.parse(b.adjustments)).toContainEqual(expect.objectContaining({ kind: "lane_full", laneKey: "capped_batch", dailyCapacity: 1, fullDays: [a.shipByDay], movedTo: b.shipByDay }));
    expect(simOrder(second).fulfillmentOrders[0].fulfillBy).toBe(fulfillmentDeadlineOf(b.shipBy).toISOString());

    // The first order is cancelled (orders/cancelled): its place is freed and the next order takes it.
    sim.store.cancelOrder(SHOP, first.id, { reason: "CUSTOMER" });
    await settle.settled();
    expect(await promiseOf(first.gid)).toMatchObject({ status: "cancelled" });
    const third = sim.store.createOrder(SHOP, { customerId: null, email: "cap3@example.com", lineItems: [line("Mug")] }, { silent: true, at });
    await deliver("orders/paid", payloadOf(third));
    await settle.settled();
    expect(await promiseOf(third.gid)).toMatchObject({ shipByDay: a.shipByDay, status: "open" });
  });

  it("an erased order makes no promise", async () => {
    const customer = sim.store.createCustomer(SHOP, { email: "erase-me@example.com", firstName: "Erase" });
    const order = sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [line("Frame")] }, { silent: true });
    await deliver("customers/redact", customersRedactPayload(payloadContext(sim.store.shop(SHOP).shop, SHOP), { id: customer.id, email: customer.email, phone: null }, [order.id]));
    await settle.settled();
    await deliver("orders/paid", payloadOf(order));
    await settle.settled();
    expect(await promiseOf(order.gid)).toBeNull();
    expect(promiseWritesOf(order)).toEqual([]);
  });
});
