// Delivery promises where things go wrong, end to end as production runs them: the store
// simulator, the web process and a worker process on SQLite and PostgreSQL with a real Redis,
// signed webhooks over HTTP. A paid order whose promise job was lost (the queue flushed, then a
// job under its id failed for good) gets its promise from the reconciliation run; promise writes
// lost or refused are written by it; fulfillments that arrive before the order's promise is made
// are scored once it is, as in the natural order; a Shop Promise delivery method caps a Bronze
// ship-by and the conflict is stored; merged and moved fulfillment orders get the deadline again;
// the merchant's "Recompute promise" on the Promises page moves the order's tier tag.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { mintSessionToken } from "../simulator/admin/session-token.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import type { CreateOrderInput } from "../simulator/store/orders.ts";
import type { SimFulfillment, SimOrder } from "../simulator/store/types.ts";
import { fulfillmentInput, fulfillmentPayload, orderPayload, payloadContext } from "../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { eventually, TEST_API_KEY, TEST_API_SECRET } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { loadTierRules, saveTierRules } from "../app/adapters/db/tier-settings-repository.server.ts";
import { setErasureKeyForTests } from "../app/adapters/db/erasure-repository.server.ts";
import { orderJobId } from "../app/adapters/queues/promise-jobs.server.ts";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { queuePrefix } from "../app/adapters/queues/redis-connection.server.ts";
import { fulfillmentDeadlineOf } from "../app/domain/order-promise-writes.ts";
import type { RecomputeRequestResult } from "../app/use-cases/promises-admin.server.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "promise-recovery.myshopify.com";
const DAY = 24 * 3_600_000;
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

describe.each(DATABASE_KINDS)("delivery promises recovered end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;
  let redis: Redis;
  let promisesQueue: Queue;
  let writesQueue: Queue;
  let maintenanceQueue: Queue;

  const promiseOf = (orderGid: string) => database.db.orderPromise.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid } } });
  const simOrder = (order: SimOrder) => sim.store.order(SHOP, order.id);
  const ctx = () => payloadContext(sim.store.shop(SHOP).shop, SHOP);
  const payloadOf = (order: SimOrder) => {
    const current = simOrder(order);
    return orderPayload(current, current.customerId ? sim.store.customer(SHOP, current.customerId) : null, ctx());
  };
  const fulfillmentPayloadOf = (order: SimOrder, fulfillment: SimFulfillment) => {
    const current = simOrder(order);
    return fulfillmentPayload(fulfillmentInput(fulfillment, current), current, current.customerId ? sim.store.customer(SHOP, current.customerId) : null, ctx());
  };
  const promiseMetafield = (order: SimOrder) => {
    for (const [mapKey, field] of simOrder(order).metafields ?? new Map()) if (mapKey.startsWith("app--") && field.key === "delivery_promise") return JSON.parse(field.value);
    return undefined;
  };
  /** Posts a signed webhook and waits until the worker has processed it. */
  const deliver = async (topic: string, payload: unknown) => {
    const response = await sendWebhook(system.appUrl, { topic, shop: SHOP, body: toWebhookJson(payload), secret: TEST_API_SECRET });
    expect(response.status).toBe(200);
    return eventually(async () => {
      const row = await database.db.webhookDelivery.findUnique({ where: { webhookId: response.webhookId } });
      return row && row.status !== "received" ? row : null;
    }, { what: `${topic} processed` });
  };
  const line = (title: string, price = "20.00", quantity = 1): CreateOrderInput["lineItems"][number] => ({ title, price, quantity });
  const guestOrder = (title: string, options: { at?: string } = {}) =>
    sim.store.createOrder(SHOP, { customerId: null, email: `${title.toLowerCase().replace(/\W+/g, "-")}@example.com`, lineItems: [line(title)] }, { silent: true, ...options });

  /** The hourly reconciliation of this shop, run now; resolves when its job is done. */
  const reconcile = async () => {
    const jobId = `test-reconcile-${randomUUID()}`;
    await maintenanceQueue.add("reconcile-shop", { kind: "reconcile-shop", shop: SHOP }, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: false });
    await eventually(async () => {
      const job = await maintenanceQueue.getJob(jobId);
      if (!job) return true;
      if ((await job.getState()) === "failed") throw new Error(`reconcile-shop failed: ${job.failedReason}`);
      return false;
    }, { timeoutMs: 60_000, what: "reconcile-shop done" });
    await settle.settled();
  };

  /** A merchant's request to the Promises page's action, with an admin session token. */
  const promisesAction = async (form: Record<string, string>) => {
    const token = mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    const res = await fetch(`${system.appUrl}/app/promises?_data=${encodeURIComponent("routes/app.promises")}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as RecomputeRequestResult };
    } catch {
      throw new Error(`app.promises action: HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
  };

  const expectWritten = async (order: SimOrder, tierKey: string) => {
    const promise = (await promiseOf(order.gid))!;
    expect(promise).toMatchObject({ tierKey, status: "open", writeStatus: "written" });
    const deadline = fulfillmentDeadlineOf(promise.shipBy).toISOString();
    expect(simOrder(order).fulfillmentOrders.length).toBeGreaterThan(0);
    for (const fo of simOrder(order).fulfillmentOrders) expect(fo.fulfillBy).toBe(deadline);
    expect(promiseMetafield(order)).toMatchObject({ tier: tierKey, shipBy: promise.shipBy.toISOString() });
    expect(simOrder(order).tags).toContain(`tierline:${tierKey}`);
    return promise;
  };

  beforeAll(async () => {
    // Job ids are the order's digest keyed with the app secret, as the worker computes them.
    setErasureKeyForTests(TEST_API_SECRET);
    system = await startTierlineSystem({ kind, label: "promise_recovery" });
    ({ database, sim, settle } = system);
    redis = new Redis(system.redis.url, { maxRetriesPerRequest: null });
    const opts = { connection: redis, prefix: queuePrefix(system.prefix) };
    promisesQueue = new Queue(QUEUES.promises.name, opts);
    writesQueue = new Queue(QUEUES.promiseWrites.name, opts);
    maintenanceQueue = new Queue(QUEUES.tierMaintenance.name, opts);
    seedShop(sim.store, SHOP, { seed: 11, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill completed" });
    await settle.settled();
  }, 240_000);

  afterAll(async () => {
    await Promise.all([promisesQueue?.close(), writesQueue?.close(), maintenanceQueue?.close()]);
    redis?.disconnect();
    await system?.close();
  });

  it("a paid order whose promise job was lost, then failed for good under its id, gets its promise from the reconciliation; the history before install gets none", async () => {
    const promisedBefore = await database.db.orderPromise.count({ where: { shop: SHOP } });
    // The promise jobs wait (paused) while the order's webhooks are taken in. The webhook job makes
    // the promise itself unless that fails: a bucket too small for the order's read hands it to a job.
    await promisesQueue.pause();
    sim.admin.setThrottleConfig(SHOP, { bucketSize: 1, restoreRate: 1 });
    const order = guestOrder("Lost lamp");
    try {
      await deliver("orders/create", payloadOf(order));
      await deliver("orders/paid", payloadOf(order));
      const makeId = await orderJobId("promise", SHOP, order.gid);
      const queued = await eventually(() => promisesQueue.getJob(makeId), { what: "the make job queued" });
      sim.admin.setThrottleConfig(SHOP, { bucketSize: undefined, restoreRate: undefined });
      // Redis loses it (a flush), and a job under the same id then fails for good.
      await queued.remove();
      await promisesQueue.add("make", { kind: "make", shop: SHOP, order: { orderGid: order.gid } } as never, { jobId: makeId, attempts: 1, removeOnFail: false });
    } finally {
      sim.admin.setThrottleConfig(SHOP, { bucketSize: undefined, restoreRate: undefined });
      await promisesQueue.resume();
    }
    const makeId = await orderJobId("promise", SHOP, order.gid);
    await eventually(async () => (await (await promisesQueue.getJob(makeId))?.getState()) === "failed", { what: "the make job failed for good" });
    await settle.settled();
    expect(await database.db.ledgerOrder.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid: order.gid } } })).toMatchObject({ financialStatus: "paid", cancelledAt: null });
    expect(await promiseOf(order.gid)).toBeNull();

    await reconcile();
    await expectWritten(order, "bronze");
    // Only the lost order was promised: the imported history (paid before the install) was not.
    expect(await database.db.orderPromise.count({ where: { shop: SHOP } })).toBe(promisedBefore + 1);

    // The next run finds nothing more to do for it.
    const marks = sim.store.mutations(SHOP).length;
    await reconcile();
    expect(sim.store.mutations(SHOP).slice(marks).filter((m) => ["metafieldsSet", "tagsAdd"].includes(m.kind))).toEqual([]);
  });

  it("promise writes lost with the queue, or refused by Shopify, are written by the reconciliation", async () => {
    await writesQueue.pause();
    const lost = guestOrder("Lost vase");
    const refused = guestOrder("Refused vase");
    try {
      await deliver("orders/paid", payloadOf(lost));
      await deliver("orders/paid", payloadOf(refused));
      await eventually(async () => (await promiseOf(lost.gid)) && (await promiseOf(refused.gid)), { what: "both promises made" });
      // Redis loses the shop's write job and its "scheduled" flag (a flush).
      for (const job of await writesQueue.getJobs(["waiting", "delayed", "paused", "prioritized"])) if (job.data.shop === SHOP) await job.remove();
      await redis.del(writesQueue.toKey(`scheduled:${SHOP}`));
    } finally {
      await writesQueue.resume();
    }
    // One write was refused by Shopify earlier, as the write job records it.
    await database.db.orderPromise.update({ where: { shop_orderGid: { shop: SHOP, orderGid: refused.gid } }, data: { writeStatus: "failed", writeAttempts: 1, writeError: "fulfillmentOrdersSetFulfillmentDeadline: FULFILLMENT_ORDERS_NOT_FOUND" } });
    expect(await promiseOf(lost.gid)).toMatchObject({ writeStatus: "pending" });
    expect(simOrder(lost).fulfillmentOrders[0].fulfillBy).toBeNull();

    await reconcile();
    await expectWritten(lost, "bronze");
    await expectWritten(refused, "bronze");
    expect(await promiseOf(refused.gid)).toMatchObject({ writeAttempts: 0, writeError: null });
  });

  it("fulfillments delivered before the order's paid webhooks are scored once the promise is made, as in the natural order", async () => {
    // Two guest orders placed the same way, a day apart, weeks ago; each ships one line early and one weeks late.
    const placedAt = Date.now() - 60 * DAY;
    const scenario = (title: string, offset: number) => {
      const at = placedAt + offset;
      const order = sim.store.createOrder(SHOP, { customerId: null, email: `${title}@example.com`, lineItems: [line(`${title} cup`), line(`${title} plate`)] }, { silent: true, at: new Date(at).toISOString() });
      const placed = payloadOf(order);
      const [cup, plate] = simOrder(order).lineItems;
      const early = sim.store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: cup.id, quantity: 1 }] }, { silent: true, at: new Date(at + 3_600_000).toISOString() });
      const late = sim.store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: plate.id, quantity: 1 }] }, { silent: true, at: new Date(at + 30 * DAY).toISOString() });
      return { order, placed, fulfillments: [fulfillmentPayloadOf(order, early), fulfillmentPayloadOf(order, late)], updated: payloadOf(order) };
    };
    const natural = scenario("natural", 0);
    const reordered = scenario("reordered", DAY);

    await deliver("orders/create", natural.placed);
    await deliver("orders/paid", natural.placed);
    await settle.settled();
    for (const f of natural.fulfillments) await deliver("fulfillments/create", f);
    await deliver("orders/updated", natural.updated);
    await settle.settled();

    // The promise's writes wait: the tag write makes Shopify send orders/updated, which would
    // score the order by itself; here only the promise being made may score it.
    await writesQueue.pause();
    try {
      // The shipments first: no promise yet, so nothing is scored.
      for (const f of reordered.fulfillments) await deliver("fulfillments/create", f);
      expect(await promiseOf(reordered.order.gid)).toBeNull();
      expect(await database.db.promiseShipmentLine.count({ where: { shop: SHOP, orderGid: reordered.order.gid, outcome: { not: null } } })).toBe(0);
      // Then the order, newest version first (it lists the fulfillments and is paid: the promise is made from it).
      await deliver("orders/updated", reordered.updated);
      await deliver("orders/paid", reordered.placed);
      await deliver("orders/create", reordered.placed);
      await eventually(async () => (await promiseOf(reordered.order.gid))?.status === "shipped", { what: "the reordered order's early shipments scored" });
    } finally {
      await writesQueue.resume();
    }
    await settle.settled();

    const outcomes = async (orderGid: string) => {
      const lines = await database.db.promiseShipmentLine.findMany({ where: { shop: SHOP, orderGid }, select: { outcome: true, tierKey: true } });
      const promise = (await promiseOf(orderGid))!;
      return { kept: lines.filter((l) => l.outcome === "kept").length, late: lines.filter((l) => l.outcome === "late").length, tiers: [...new Set(lines.map((l) => l.tierKey))], status: promise.status, outcome: promise.outcome };
    };
    const expected = { kept: 1, late: 1, tiers: ["bronze"], status: "shipped", outcome: "late" };
    expect(await outcomes(natural.order.gid)).toEqual(expected);
    expect(await outcomes(reordered.order.gid)).toEqual(expected);
  });

  it("a Bronze order under Shop Promise is promised no later than Shopify's latest delivery, and the conflict is stored", async () => {
    // Shopify's DateTime has whole seconds.
    const maxDelivery = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000).toISOString();
    const placed = async (deliveryMethod?: unknown) => {
      const res = await fetch(`${sim.origin}/_sim/shops/${SHOP}/orders`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ customerId: null, email: "shop-promise@example.com", lineItems: [line("Kettle", "45.00")], ...(deliveryMethod ? { deliveryMethod } : {}) }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { order: { id: string } }).order.id;
    };
    const promisedId = await placed({ methodType: "SHIPPING", presentedName: "Shop Promise 2-day", brandedPromise: "shop_promise", maxDeliveryDateTime: maxDelivery });
    const plainId = await placed();
    await settle.settled();
    const promisedOrder = sim.store.order(SHOP, promisedId);
    const plainOrder = sim.store.order(SHOP, plainId);
    expect(promisedOrder.fulfillmentOrders[0].deliveryMethod).toMatchObject({ brandedPromise: { handle: "shop_promise" }, maxDeliveryDateTime: maxDelivery });

    const capped = await expectWritten(promisedOrder, "bronze");
    const plain = await expectWritten(plainOrder, "bronze");
    expect(plain.conflict).toBeNull();
    const conflict = JSON.parse(capped.conflict!);
    expect(conflict).toMatchObject({ brandedPromiseHandle: "shop_promise", maxDeliveryAt: maxDelivery, requiredShipBy: capped.shipBy.toISOString() });
    // Bronze's 7–10 days would ship after Shopify's date; the ship-by is pulled in before it.
    expect(capped.shipBy.getTime()).toBeLessThanOrEqual(Date.parse(maxDelivery));
    expect(Date.parse(conflict.computedShipBy)).toBeGreaterThan(capped.shipBy.getTime());
    expect(plain.shipBy.getTime()).toBeGreaterThan(capped.shipBy.getTime());
  });

  it("merged and moved fulfillment orders get the deadline re-applied to the new ones", async () => {
    const order = sim.store.createOrder(SHOP, { customerId: null, email: "merge-move@example.com", lineItems: [line("Stool", "60.00", 4)] });
    await settle.settled();
    const promise = await expectWritten(order, "bronze");
    const deadline = fulfillmentDeadlineOf(promise.shipBy).toISOString();
    const deadlineOn = (id: string) => sim.store.shop(SHOP).fulfillmentOrders.get(id)?.fulfillBy;
    const stored = async () => (JSON.parse((await promiseOf(order.gid))!.deadlineFulfillmentOrders) as string[]).sort();

    // Split (tested elsewhere) to have two fulfillment orders to merge.
    const original = simOrder(order).fulfillmentOrders[0];
    const split = sim.store.splitFulfillmentOrder(SHOP, original.id, [{ lineItemId: original.lineItems[0].lineItemId, quantity: 1 }]);
    await eventually(async () => deadlineOn(split.id) === deadline, { what: "deadline on the split-off fulfillment order" });
    await settle.settled();

    const merged = sim.store.mergeFulfillmentOrders(SHOP, [[{ fulfillmentOrderId: original.id }, { fulfillmentOrderId: split.id }]]);
    if (!merged.ok) throw new Error(JSON.stringify(merged.userErrors));
    const mergedFo = merged.merged[0];
    expect(mergedFo.fulfillBy).toBeNull();
    await eventually(async () => deadlineOn(mergedFo.id) === deadline, { what: "deadline on the merged fulfillment order" });
    await settle.settled();
    expect(await stored()).toEqual([mergedFo.gid]);
    expect(await promiseOf(order.gid)).toMatchObject({ writeStatus: "written", shipBy: promise.shipBy });

    // Part of it moves to a second warehouse: a new fulfillment order there, without a deadline.
    const warehouse = sim.store.addLocation(SHOP, { name: "Second warehouse", available: 50 });
    const moved = sim.store.moveFulfillmentOrder(SHOP, mergedFo.id, warehouse.id, [{ id: mergedFo.lineItems[0].id, quantity: 1 }]);
    if (!moved.ok) throw new Error(JSON.stringify(moved.userErrors));
    expect(moved.movedFulfillmentOrder.id).not.toBe(mergedFo.id);
    expect(moved.movedFulfillmentOrder.fulfillBy).toBeNull();
    await eventually(async () => deadlineOn(moved.movedFulfillmentOrder.id) === deadline, { what: "deadline on the moved fulfillment order" });
    await settle.settled();
    expect(await stored()).toEqual([mergedFo.gid, moved.movedFulfillmentOrder.gid].sort());
    expect(deadlineOn(mergedFo.id)).toBe(deadline);
    const deliveries = await database.db.webhookDelivery.groupBy({ by: ["topic", "status"], where: { shop: SHOP, topic: { in: ["fulfillment_orders/merged", "fulfillment_orders/moved"] } }, _count: { _all: true } });
    expect(deliveries.map((d) => [d.topic, d.status, d._count._all]).sort()).toEqual([["fulfillment_orders/merged", "processed", 1], ["fulfillment_orders/moved", "processed", 1]]);
  });

  it("Recompute promise on the Promises page: a tier the recompute left loses its order tag, the new one is added and the metafield rewritten; shipped and cancelled orders are refused", async () => {
    const silverRow = await database.db.customer.findFirst({ where: { shop: SHOP, tierKey: "silver", pinnedTierKey: null, deletedAt: null }, orderBy: { customerGid: "asc" } });
    expect(silverRow).not.toBeNull();
    const silver = [...sim.store.shop(SHOP).customers.values()].find((c) => c.gid === silverRow!.customerGid)!;
    const order = sim.store.createOrder(SHOP, { customerId: silver.id, lineItems: [line("Teapot", "15.00")] });
    await settle.settled();
    await expectWritten(order, "silver");

    // The merchant retires Silver; the promise stays as made until they ask.
    const rules = await loadTierRules(database.db, SHOP);
    await saveTierRules(database.db, SHOP, { ...rules, tiers: rules.tiers.filter((t) => t.key !== "silver") });
    try {
      expect(await promiseOf(order.gid)).toMatchObject({ tierKey: "silver" });
      const marks = sim.store.mutations(SHOP).length;
      const asked = await promisesAction({ intent: "recompute", orderGid: order.gid });
      expect(asked).toMatchObject({ status: 200, body: { ok: true, orderGid: order.gid } });
      await eventually(async () => (await promiseOf(order.gid))?.tierKey === "bronze", { what: "the promise recomputed" });
      await settle.settled();
      await expectWritten(order, "bronze");
      expect(simOrder(order).tags).not.toContain("tierline:silver");
      const writes = sim.store.mutations(SHOP).slice(marks).filter((m) => "ownerGid" in m.detail && m.detail.ownerGid === order.gid).map((m) => m.kind);
      expect(writes).toEqual(expect.arrayContaining(["tagsRemove", "tagsAdd"]));
    } finally {
      await saveTierRules(database.db, SHOP, rules);
    }

    // Refused: an order already shipped, a cancelled one, one without a promise, one of no shop.
    const shipped = await database.db.orderPromise.findFirstOrThrow({ where: { shop: SHOP, status: "shipped" } });
    const cancelledOrder = guestOrder("Cancelled bowl");
    await deliver("orders/paid", payloadOf(cancelledOrder));
    await settle.settled();
    sim.store.cancelOrder(SHOP, cancelledOrder.id, { reason: "CUSTOMER" });
    await settle.settled();
    expect(await promiseOf(cancelledOrder.gid)).toMatchObject({ status: "cancelled" });
    const before = await database.db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: [shipped.orderGid, cancelledOrder.gid] } }, orderBy: { orderGid: "asc" } });

    const refusedShipped = await promisesAction({ intent: "recompute", orderGid: shipped.orderGid });
    expect(refusedShipped.status).toBe(422);
    expect(refusedShipped.body).toMatchObject({ ok: false, orderGid: shipped.orderGid });
    expect(refusedShipped.body.message).toMatch(/has shipped/);
    const refusedCancelled = await promisesAction({ intent: "recompute", orderGid: cancelledOrder.gid });
    expect(refusedCancelled.status).toBe(422);
    expect(refusedCancelled.body.message).toMatch(/was cancelled/);
    expect((await promisesAction({ intent: "recompute", orderGid: "gid://shopify/Order/1" })).body.message).toMatch(/no promise/);
    expect((await promisesAction({ intent: "recompute", orderGid: "not an order" })).status).toBe(422);
    await settle.settled();
    expect(await database.db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: [shipped.orderGid, cancelledOrder.gid] } }, orderBy: { orderGid: "asc" } })).toEqual(before);
  });
});
