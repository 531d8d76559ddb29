// The promise flow's use-cases against the store simulator (the real Admin schema, cost and
// records) and real databases (SQLite and PostgreSQL): bookings made side by side through
// two database connections never give one day's last place twice; an oversold line waits for
// its SKU's replenishment; the write shares deadline and metafield calls across orders, and
// what it costs in Admin API points per promised order is measured and printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { orderPayload, payloadContext } from "../../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../../simulator/webhooks/webhook-json.ts";
import { loadPromiseSettings, savePromiseRules } from "../adapters/db/promise-settings-repository.server.ts";
import { markRefit } from "../adapters/db/order-promise-repository.server.ts";
import { AdminCostBudget } from "../adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { ShopifyRetryableError } from "../adapters/shopify/shopify-errors.ts";
import { parseJsonLosslessly } from "../adapters/shopify/lossless-json.ts";
import { orderPromiseEvent } from "../adapters/shopify/order-promise-payload.ts";
import type { OrderPromiseRequest } from "../adapters/queues/queue-registry.ts";
import type { SimBulkOperation } from "../../simulator/store/types.ts";
import { settlePromiseTagOperation, promiseTagOperations } from "./settle-promise-tag-operation.server.ts";
import type { PromiseLane } from "../domain/promise-rules.ts";
import { createDb, databaseTarget, type Db } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { cancelOrderPromise, makeOrderPromise, recomputeOrderPromise } from "./make-order-promise.server.ts";
import { writeShopPromises } from "./write-order-promises.server.ts";
import { saveFulfillment } from "../adapters/db/promise-score-repository.server.ts";
import { reconcileOrderPromises, TAG_OPERATION_GRACE_MS } from "./reconcile-order-promises.server.ts";
import { applyBulkOperationFinishWebhook } from "./apply-bulk-operation-webhook.server.ts";
import { fulfillmentDeadlineOf } from "../domain/order-promise-writes.ts";
import { promisePoints, promisePointsLines } from "../../tests/support/promise-points.ts";

const SHOP = "promise-flow.myshopify.com";
const NOW = new Date("2026-11-24T15:00:00Z"); // a Tuesday, after New York's 14:00 cut-off

describe.each(DATABASE_KINDS)("the promise flow against the store simulator, on %s", (kind) => {
  let sim: RunningSimulator;
  let token: string;
  let database: TestDatabase;
  let db: Db;
  let second: Db;

  const control = async <T,>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.origin}/_sim${route}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const pointsSpent = async () => (await control<{ pointsSpent: number }>("GET", `/shops/${SHOP}/mutations`)).pointsSpent;
  const admin = async () => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin }), { budget: new AdminCostBudget() });
  /** An order placed in the simulator (no webhooks), and what its orders/paid payload tells a promise. */
  const paidOrder = (lineItems: { variantId?: string; title?: string; price?: string; quantity: number }[], customerId: string | null = null): OrderPromiseRequest => {
    const order = sim.store.createOrder(SHOP, { customerId, email: customerId ? undefined : "guest@example.com", lineItems }, { silent: true, at: NOW.toISOString() });
    const customer = customerId ? sim.store.customer(SHOP, customerId) : null;
    const payload = parseJsonLosslessly(toWebhookJson(orderPayload(order, customer, payloadContext(sim.store.shop(SHOP).shop, SHOP))));
    const event = orderPromiseEvent(payload);
    if (event?.kind !== "make") throw new Error("order is not paid");
    return event.order;
  };
  const make = (request: OrderPromiseRequest, client = db) => makeOrderPromise({ db: client, shop: SHOP, request, admin, now: NOW });
  const setLane = async (tierKey: string, changes: Partial<PromiseLane>) => {
    const { rules } = await loadPromiseSettings(db, SHOP);
    await savePromiseRules(db, SHOP, { ...rules, lanes: rules.lanes.map((lane) => (lane.tierKey === tierKey ? { ...lane, ...changes } : lane)) });
  };

  /**
   * The admin, except that the named operation's first call fails with `error`: after Shopify applied
   * it (`applied`: its answer was lost) or before (it never ran).
   */
  const failingOnce = (name: string, error: Error, { applied }: { applied: boolean }) => {
    let failed = false;
    return async (): Promise<AdminRunner> => {
      const runner = await admin();
      return {
        ...runner,
        run: async (operation, variables) => {
          if (operation.name !== name || failed) return runner.run(operation, variables);
          failed = true;
          if (applied) await runner.run(operation, variables);
          throw error;
        },
      };
    };
  };
  const unanswered = () => new ShopifyRetryableError("network", "no answer within 4000 ms");
  /** A bulk mutation of the app that Shopify is running on the shop (the simulator's own record), until `done`. */
  const runningBulkOperation = (id: string) => {
    const op: SimBulkOperation = {
      id, gid: `gid://shopify/BulkOperation/${id}`, shopDomain: SHOP, type: "MUTATION", status: "RUNNING", errorCode: null, query: "mutation { x }",
      objectCount: "0", rootObjectCount: "0", fileSize: null, filePath: null, url: null, partialDataUrl: null, createdAt: NOW.toISOString(), completedAt: null,
    };
    sim.store.shop(SHOP).bulkOperations.set(id, op);
    return { done: () => void sim.store.shop(SHOP).bulkOperations.delete(id) };
  };

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "promise-key", apiSecret: "promise-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
    ({ accessToken: token } = await control<{ accessToken: string }>("POST", "/shops", { shop: SHOP, seed: 5, size: "tiny", now: NOW.toISOString() }));
    database = await createTestDatabase(kind, "promiseflow");
    db = database.db;
    second = createDb(databaseTarget(database.url));
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", scopes: "write_orders" } });
  });

  afterAll(async () => {
    await second?.$disconnect();
    await database?.drop();
    await sim?.close();
  });

  it("books a lane one order at a time: twelve orders made side by side on two connections fill four days of three", async () => {
    await setLane("bronze", { key: "capacity_three", dailyCapacity: 3 });
    const requests = Array.from({ length: 12 }, (_, i) => paidOrder([{ title: `Tote ${i}`, price: "25.00", quantity: 1 }]));
    const results = await Promise.all(requests.map((request, i) => make(request, i % 2 ? second : db)));
    expect(results.every((r) => r.status === "made")).toBe(true);
    const perDay = await db.orderPromise.groupBy({ by: ["shipByDay"], where: { shop: SHOP, laneKey: "capacity_three" }, _count: { _all: true } });
    expect(perDay.map((d) => d._count._all)).toEqual([3, 3, 3, 3]);

    // A cancelled order frees its place: the next order takes it.
    const firstDay = perDay.map((d) => d.shipByDay).sort()[0];
    const onFirstDay = await db.orderPromise.findFirstOrThrow({ where: { shop: SHOP, laneKey: "capacity_three", shipByDay: firstDay } });
    expect(await cancelOrderPromise(db, SHOP, onFirstDay.orderGid, NOW)).toBe(true);
    const next = await make(paidOrder([{ title: "Tote late", price: "25.00", quantity: 1 }]));
    expect(next).toMatchObject({ status: "made", promise: { shipByDay: firstDay } });
  });

  it("a line the order oversold waits for its SKU's replenishment lead time", async () => {
    await setLane("bronze", { key: "standard_batch", dailyCapacity: null });
    const variant = [...sim.store.shop(SHOP).variants.values()].find((v) => v.sku)!;
    const available = variant.inventoryLevels.reduce((sum, level) => sum + level.available, 0);
    await db.skuReplenishment.create({ data: { shop: SHOP, sku: variant.sku!, replenishmentBusinessDays: 4 } });
    const inStock = await make(paidOrder([{ variantId: variant.id, quantity: 1 }]));
    const oversold = await make(paidOrder([{ variantId: variant.id, quantity: available + 1 }]));
    expect(inStock.status === "made" && inStock.promise.adjustments.some((a) => a.kind === "awaiting_stock")).toBe(false);
    expect(oversold.status === "made" && oversold.promise.adjustments).toContainEqual(expect.objectContaining({ kind: "awaiting_stock", sku: variant.sku, leadBusinessDays: 4, defaultLeadTime: false }));
  });

  it("reads no stock for a variant whose stock Shopify does not track (the payload says so): one point less per such variant", async () => {
    const variant = [...sim.store.shop(SHOP).variants.values()].find((v) => v.sku)!;
    const available = variant.inventoryLevels.reduce((sum, level) => sum + level.available, 0);
    const readCost = async (request: OrderPromiseRequest) => {
      const before = await pointsSpent();
      const result = await make(request);
      return { result, points: (await pointsSpent()) - before };
    };
    const tracked = await readCost(paidOrder([{ variantId: variant.id, quantity: 1 }]));
    const oversold = paidOrder([{ variantId: variant.id, quantity: available + 5 }]);
    const untracked = await readCost({ ...oversold, lines: oversold.lines.map((line) => ({ ...line, inventoryTracked: false as const })) });
    // order 1 + fulfillment orders (2 + the one and its delivery method) + the variant 1; untracked: no variant read.
    expect([tracked.points, untracked.points]).toEqual([6, 5]);
    // Untracked stock is always available: no wait for replenishment, however many were ordered.
    expect(untracked.result.status === "made" && untracked.result.promise.adjustments.some((a) => a.kind === "awaiting_stock")).toBe(false);
  });

  it("writes fifty promises in shared calls and measures the Admin API points per promised order", async () => {
    // The promises of the tests above are written first, so only these fifty are measured.
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const customers = [...sim.store.shop(SHOP).customers.values()];
    const before = await pointsSpent();
    const marks = sim.store.mutations(SHOP).length;
    const made = [];
    const requests: OrderPromiseRequest[] = [];
    for (let i = 0; i < 50; i++) {
      requests.push(paidOrder([{ title: `Print ${i}`, price: "40.00", quantity: 1 }], i % 3 ? customers[i % customers.length].id : null));
      made.push(await make(requests[i]));
    }
    const afterRead = await pointsSpent();
    // Fifty tags in a round: one bulk mutation, started and not waited for.
    const written = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    expect(made.every((r) => r.status === "made")).toBe(true);
    expect(written).toMatchObject({ written: 50, failed: 0, tagsAdded: 50, tagsAddedInBulk: 50, bulkOperations: 1, metafieldCalls: 2 });
    const tagging = await db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: requests.map((r) => r.orderGid) } } });
    expect(new Set(tagging.map((r) => r.writeStatus))).toEqual(new Set(["tagging"]));
    const [operationGid] = new Set(tagging.map((r) => r.tagOperationGid));
    expect(tagging.map((r) => r.tagOperationLine).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Its bulk_operations/finish settles it (the webhook's job; here called as that job calls it).
    await sim.admin.bulk.mutations.idle();
    expect(await settlePromiseTagOperation({ db, shop: SHOP, operationGid: operationGid!, admin })).toEqual({ status: "settled", tagged: 50, retry: 0 });
    expect(await settlePromiseTagOperation({ db, shop: SHOP, operationGid: operationGid!, admin })).toEqual({ status: "none", tagged: 0, retry: 0 });
    const afterWrite = await pointsSpent();
    const rows = await db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: requests.map((r) => r.orderGid) } } });
    expect(rows.map((r) => [r.writeStatus, r.tagOperationGid])).toEqual(rows.map(() => ["written", null]));
    for (const row of rows) expect(sim.store.order(SHOP, row.orderGid.split("/").pop()!).tags).toContain(`tierline:${row.tierKey}`);
    // Orders of the same minute and lane share a deadline: far fewer deadline calls than orders.
    expect(written.deadlineCalls).toBeLessThan(10);
    const window = sim.store.mutations(SHOP).slice(marks);
    expect(window.filter((m) => m.kind === "fulfillmentOrdersSetFulfillmentDeadline")).toHaveLength(written.deadlineCalls);
    const points = promisePoints(window, afterWrite - before, 50);
    console.log(`(${kind})\n${promisePointsLines(points).join("\n")}`);
    // What each write costs, per Shopify's rules: a mutation 10; metafieldsSet 10 + 10 per order owner;
    // a bulk operation's lines nothing (its two calls 10 each, reading it once finished 1, counted as a read).
    expect(points.writes.metafieldsSet).toEqual({ calls: 2, points: 2 * (10 + 25 * 10) });
    expect(points.writes.tagsAdd).toEqual({ calls: 50, points: 0 });
    expect(points.tagsInBulk).toBe(50);
    expect(points.writes.stagedUploadsCreate).toEqual({ calls: 1, points: 10 });
    expect(points.writes.bulkOperationRunMutation).toEqual({ calls: 1, points: 10 });
    expect(points.writes.fulfillmentOrdersSetFulfillmentDeadline.points).toBe(10 * written.deadlineCalls);
    // One order, one fulfillment order with its delivery method, no variants to read: 1 + (2 + 1 + 1).
    expect((afterRead - before) / 50).toBe(5);
    expect(points.reads - (afterRead - before)).toBe(1); // the finished bulk operation, read once
    expect(points.met).toBe(true);

    // Written again: nothing new.
    const again = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    expect(again.rounds).toBe(0);
    expect(await pointsSpent()).toBe(afterWrite);
  });

  it("a round whose later call fails after the deadlines landed writes nothing twice when it runs again: it reads what the orders carry", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const requests = Array.from({ length: 3 }, (_, i) => paidOrder([{ title: `Lamp ${i}`, price: "30.00", quantity: 1 }]));
    for (const request of requests) expect((await make(request)).status).toBe("made");
    const marks = sim.store.mutations(SHOP).length;
    // Shopify answers the metafieldsSet with a 5xx once: the deadlines (before it) have landed, the metafields and tags not.
    const failing = failingOnce("MetafieldsSet", new ShopifyRetryableError("server_error", "Internal Server Error", null, 502), { applied: false });
    await expect(writeShopPromises({ db, shop: SHOP, admin: failing, now: () => NOW, bulk: false })).rejects.toThrow("Internal Server Error");
    const first = sim.store.mutations(SHOP).slice(marks);
    expect(first.filter((m) => m.kind === "fulfillmentOrdersSetFulfillmentDeadline").length).toBeGreaterThan(0);
    // The job's retry: the rest lands, and nothing that landed is written again.
    expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: false })).toMatchObject({ written: 3, failed: 0, deadlineCalls: 0, tagsAdded: 3 });
    const all = sim.store.mutations(SHOP).slice(marks);
    expect(all.filter((m) => m.kind === "fulfillmentOrdersSetFulfillmentDeadline")).toHaveLength(first.filter((m) => m.kind === "fulfillmentOrdersSetFulfillmentDeadline").length);
    expect(all.filter((m) => m.kind === "metafieldsSet")).toHaveLength(1);
    for (const request of requests) {
      const order = sim.store.order(SHOP, request.orderGid.split("/").pop()!);
      expect(order.tags.filter((t) => t.startsWith("tierline:"))).toHaveLength(1);
      expect(order.fulfillmentOrders.every((fo) => fo.fulfillBy !== null)).toBe(true);
    }
  });

  /** Tier tags added to an order that already carried them, since `marks`. */
  const tagsAddedTwice = (marks: number) =>
    sim.store.mutations(SHOP).slice(marks).filter((m) => m.detail.kind === "tagsAdd" && m.detail.tags.some((t) => t.startsWith("tierline:")) && m.detail.changed.length === 0);

  it("a tag write given up without an answer, that Shopify applied, is not made again: the retry reads the order first", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const requests = Array.from({ length: 3 }, (_, i) => paidOrder([{ title: `Vase ${i}`, price: "40.00", quantity: 1 }]));
    for (const request of requests) expect((await make(request)).status).toBe("made");
    const marks = sim.store.mutations(SHOP).length;
    // The three orders' tags go in one request (an aliased field each): given up, all three are read.
    await expect(writeShopPromises({ db, shop: SHOP, admin: failingOnce("TagsAddMany", unanswered(), { applied: true }), now: () => NOW, bulk: false })).rejects.toThrow("no answer");
    const retry = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: false });
    expect(retry).toMatchObject({ written: 3, failed: 0, reads: 3, tagsAdded: 0 });
    expect(tagsAddedTwice(marks)).toEqual([]);
    for (const request of requests) expect(sim.store.order(SHOP, request.orderGid.split("/").pop()!).tags.filter((t) => t.startsWith("tierline:"))).toHaveLength(1);
  });

  it("an order whose row moved while its writes landed (shipped, a refit asked for) is read before the next write: nothing is written twice", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const requests = Array.from({ length: 3 }, (_, i) => paidOrder([{ title: `Jug ${i}`, price: "18.00", quantity: 1 }]));
    for (const request of requests) expect((await make(request)).status).toBe("made");
    const marks = sim.store.mutations(SHOP).length;
    // Each tag call lands while something else saves the order's row (a new version).
    const moving = async (): Promise<AdminRunner> => {
      const runner = await admin();
      return {
        ...runner,
        run: async (operation, variables) => {
          const data = await runner.run(operation, variables);
          if (operation.name === "TagsAddMany") {
            const orderGids = Object.entries(variables as Record<string, unknown>).filter(([name]) => name.startsWith("id")).map(([, id]) => id as string);
            await db.orderPromise.updateMany({ where: { shop: SHOP, orderGid: { in: orderGids } }, data: { writeError: null } });
          }
          return data;
        },
      };
    };
    expect(await writeShopPromises({ db, shop: SHOP, admin: moving, now: () => NOW, bulk: false })).toMatchObject({ tagsAdded: 3, more: true });
    expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: false })).toMatchObject({ written: 3, reads: 3, tagsAdded: 0, metafieldCalls: 0, deadlineCalls: 0 });
    expect(tagsAddedTwice(marks)).toEqual([]);
    const rows = await db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: requests.map((r) => r.orderGid) } }, select: { writeStatus: true } });
    expect(rows.map((r) => r.writeStatus)).toEqual(["written", "written", "written"]);
  });

  it("a bulk mutation whose start got no answer: its orders wait out a grace, then any running bulk mutation of the app, and no tag is added twice", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const placed = (title: string) => Array.from({ length: 3 }, (_, i) => paidOrder([{ title: `${title} ${i}`, price: "22.00", quantity: 1 }]));
    const requests = placed("Bowl");
    for (const request of requests) expect((await make(request)).status).toBe("made");
    const marks = sim.store.mutations(SHOP).length;
    // Shopify starts it; the app hears nothing back. No direct call stands in for it.
    await expect(writeShopPromises({ db, shop: SHOP, admin: failingOnce("BulkOperationRunMutation", unanswered(), { applied: true }), now: () => NOW, bulk: { minTags: 3 } })).rejects.toThrow("no answer");
    expect(sim.store.mutations(SHOP).slice(marks).filter((m) => m.kind === "tagsAdd" && m.cost > 0)).toEqual([]);
    // Shopify may still start it late: within the grace the orders wait, whatever the worker.
    expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => new Date(NOW.getTime() + 1_000), bulk: { minTags: 3 } })).toMatchObject({ tagsHeld: 3, tagsAdded: 0, reads: 0, more: true, retryAfterMs: 59_000 });
    await sim.admin.bulk.mutations.idle();
    // After it, with no bulk mutation running, they are read: the operation tagged them, so nothing is added.
    expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: { minTags: 3, unansweredGraceMs: 0 } })).toMatchObject({ written: 3, reads: 3, tagsAdded: 0, tagsHeld: 0 });

    // A start answered with a 5xx that did not run, while another bulk mutation of the app (this one
    // stands in for it) still runs: the untagged orders wait for it to end, then get their tags.
    const later = placed("Cup");
    for (const request of later) expect((await make(request)).status).toBe("made");
    const failingStart = failingOnce("BulkOperationRunMutation", new ShopifyRetryableError("server_error", "Bad Gateway", null, 502), { applied: false });
    await expect(writeShopPromises({ db, shop: SHOP, admin: failingStart, now: () => NOW, bulk: { minTags: 3 } })).rejects.toThrow("Bad Gateway");
    const busy = runningBulkOperation("990002");
    try {
      expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: { minTags: 3, unansweredGraceMs: 0 } })).toMatchObject({ tagsHeld: 3, tagsAdded: 0, more: true, retryAfterMs: 2_000 });
    } finally {
      busy.done();
    }
    expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: { minTags: 100, unansweredGraceMs: 0 } })).toMatchObject({ written: 3, reads: 3, tagsAdded: 3, tagsHeld: 0 });
    expect(tagsAddedTwice(marks)).toEqual([]);
    for (const request of [...requests, ...later]) expect(sim.store.order(SHOP, request.orderGid.split("/").pop()!).tags.filter((t) => t.startsWith("tierline:"))).toHaveLength(1);
  });

  it("a backlog costing more than the shop's bucket is written in rounds it can pay for, each order tagged once", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const plan = sim.store.shop(SHOP).shop.plan;
    const saved = { bucketSize: plan.bucketSize, restoreRate: plan.restoreRate };
    // 160 orders at about 20 points each against a 300-point bucket refilling 200 a second: a
    // round of them all needs more waiting than a call may do (10 s), so it is throttled part-way.
    sim.store.setPlan(SHOP, { bucketSize: 300, restoreRate: 200 });
    const requests = Array.from({ length: 160 }, (_, i) => paidOrder([{ title: `Sticker ${i}`, price: "3.00", quantity: 1 }]));
    for (const request of requests) expect((await make(request)).status).toBe("made");
    const marks = sim.store.mutations(SHOP).length;
    const runner = await admin(); // one process: its budget learns the bucket from Shopify's answers
    try {
      for (let job = 0; job < 200; job++) {
        const written = await writeShopPromises({ db, shop: SHOP, admin: async () => runner, now: () => NOW, bulk: false });
        if (!written.more) break;
        if (written.retryAfterMs) await new Promise((resolve) => setTimeout(resolve, Math.min(written.retryAfterMs!, 2_000)));
      }
    } finally {
      sim.store.setPlan(SHOP, saved);
    }
    const rows = await db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: requests.map((r) => r.orderGid) } }, select: { writeStatus: true } });
    expect(rows.map((r) => r.writeStatus)).toEqual(requests.map(() => "written"));
    const tagged = sim.store.mutations(SHOP).slice(marks).filter((m) => m.kind === "tagsAdd" && m.ok);
    // Finished orders are kept as written when a round is throttled: nothing is tagged over and over.
    expect(tagged.length).toBeLessThanOrEqual(requests.length + 16);
  }, 240_000);

  it("while another bulk mutation of the app runs on the shop, the tags go direct (an aliased field each); none is lost", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const requests = Array.from({ length: 3 }, (_, i) => paidOrder([{ title: `Mug ${i}`, price: "12.00", quantity: 1 }]));
    for (const request of requests) expect((await make(request)).status).toBe("made");
    const busy = runningBulkOperation("990001");
    const marks = sim.store.mutations(SHOP).length;
    try {
      const written = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW, bulk: { minTags: 3 } });
      expect(written).toMatchObject({ written: 3, failed: 0, tagsAdded: 3, tagsAddedInBulk: 0, bulkOperations: 0 });
    } finally {
      busy.done();
    }
    const window = sim.store.mutations(SHOP).slice(marks);
    expect(window.find((m) => m.kind === "bulkOperationRunMutation")).toMatchObject({ ok: false, userErrors: [expect.objectContaining({ code: "OPERATION_IN_PROGRESS" })] });
    expect(window.filter((m) => m.kind === "tagsAdd").map((m) => m.cost)).toEqual([10, 10, 10]);
    for (const request of requests) expect(sim.store.order(SHOP, request.orderGid.split("/").pop()!).tags.some((t) => t.startsWith("tierline:"))).toBe(true);
  });

  it("the reconciliation re-applies a deadline that differs and cancels promises of cancelled orders", async () => {
    const [tampered, cancelled] = await db.orderPromise.findMany({ where: { shop: SHOP, status: "open", writeStatus: "written", shipBy: { gte: NOW } }, orderBy: { orderGid: "asc" }, take: 2 });
    const fulfillmentOrderId = (JSON.parse(tampered.deadlineFulfillmentOrders) as string[])[0].split("/").pop()!;
    sim.store.setFulfillmentDeadline(SHOP, [fulfillmentOrderId], "2030-01-01T00:00:00.000Z");
    await db.ledgerOrder.create({ data: { shop: SHOP, orderGid: cancelled.orderGid, processedAt: NOW, orderUpdatedAt: NOW, currencyCode: "USD", currentTotal: 0, cancelledAt: NOW } });
    const marks = sim.store.mutations(SHOP).length;
    let writes = 0;
    const result = await reconcileOrderPromises(db, SHOP, NOW, async () => {
      writes++;
    });
    expect(result.cancelled).toBe(1);
    expect(result.deadlinesToCheck).toBeGreaterThan(1);
    expect(writes).toBe(1);
    const written = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    expect(written.failed).toBe(0);
    const deadlines = sim.store.mutations(SHOP).slice(marks);
    // Only the differing deadline is written; metafields and tags are not written again.
    expect(deadlines.map((m) => m.kind)).toEqual(["fulfillmentOrdersSetFulfillmentDeadline"]);
    expect(sim.store.shop(SHOP).fulfillmentOrders.get(fulfillmentOrderId)!.fulfillBy).toBe(fulfillmentDeadlineOf(tampered.shipBy).toISOString());
    expect(await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: cancelled.orderGid } } })).toMatchObject({ status: "cancelled" });
  });

  it("a promise is made again only on the merchant's request, and never once shipped", async () => {
    const request = paidOrder([{ title: "Poster", price: "30.00", quantity: 1 }]);
    const made = await make(request);
    expect(made.status).toBe("made");
    const first = made.status === "made" ? made.promise : null;
    await setLane("bronze", { handling: { unit: "business_days", min: 1, max: 2 } });
    // A redelivery after the rules changed keeps the promise as made.
    expect(await make(request)).toEqual({ status: "kept", reason: "already_made" });
    const again = await recomputeOrderPromise({ db, shop: SHOP, orderGid: request.orderGid, admin, now: NOW });
    expect(again).toMatchObject({ status: "recomputed", drift: [], promise: { tierKey: first!.tierKey, orderedAt: first!.orderedAt } });
    expect(again.status === "recomputed" && again.promise.shipBy.getTime() < first!.shipBy.getTime()).toBe(true);
    expect(await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: request.orderGid } } })).toMatchObject({ writeStatus: "pending", shipBy: again.status === "recomputed" ? again.promise.shipBy : null });
    await db.orderPromise.update({ where: { shop_orderGid: { shop: SHOP, orderGid: request.orderGid } }, data: { shippedAt: NOW } });
    expect(await recomputeOrderPromise({ db, shop: SHOP, orderGid: request.orderGid, admin, now: NOW })).toEqual({ status: "kept", reason: "already_shipped" });
  });

  it("an order shipped before its promise was written still gets the promise's metafield and tag (no deadline on its closed fulfillment orders), and the reconciliation asks for that write", async () => {
    const request = paidOrder([{ title: "Shipped at once", price: "25.00", quantity: 1 }]);
    expect((await make(request)).status).toBe("made");
    const orderId = request.orderGid.split("/").pop()!;
    // The merchant ships before the write's turn comes (a backlog, throttling), and the shipment is scored.
    sim.store.fulfillOrder(SHOP, orderId, {}, { silent: true, at: NOW.toISOString() });
    const where = { shop_orderGid: { shop: SHOP, orderGid: request.orderGid } };
    await db.orderPromise.update({ where, data: { status: "shipped", shippedAt: NOW, outcome: "kept" } });
    let writes = 0;
    await reconcileOrderPromises(db, SHOP, NOW, async () => {
      writes++;
    });
    expect(writes).toBe(1);
    const written = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    expect(written.failed).toBe(0);
    const order = sim.store.order(SHOP, orderId);
    const value = [...(order.metafields ?? new Map()).values()].find((m) => m.namespace.startsWith("app--") && m.key === "delivery_promise")?.value;
    expect(JSON.parse(value ?? "null")).toMatchObject({ tier: "bronze", lane: "standard_batch" });
    expect(order.tags).toContain("tierline:bronze");
    expect(order.fulfillmentOrders.map((fo) => [fo.status, fo.fulfillBy])).toEqual([["CLOSED", null]]);
    expect(await db.orderPromise.findUniqueOrThrow({ where })).toMatchObject({ status: "shipped", writeStatus: "written" });
  });

  it("a fulfillment stored before its order's promise was made is scored by the promise's write, even when Shopify cannot be reached", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const request = paidOrder([{ title: "Shipped before its promise", price: "25.00", quantity: 1 }]);
    // The fulfillment webhook came first: its line is kept, unscored (no promise yet).
    await saveFulfillment(db, SHOP, { fulfillmentGid: "gid://shopify/Fulfillment/9901", orderGid: request.orderGid, status: "success", createdAt: NOW, updatedAt: NOW, lines: [{ lineItemGid: "gid://shopify/LineItem/9901", sku: null, quantity: 1 }] });
    expect((await make(request)).status).toBe("made");
    const line = () => db.promiseShipmentLine.findFirstOrThrow({ where: { shop: SHOP, orderGid: request.orderGid } });
    expect(await line()).toMatchObject({ tierKey: null, outcome: null });
    const unreachable = async (): Promise<AdminRunner> => {
      throw new Error("shop not reachable");
    };
    await expect(writeShopPromises({ db, shop: SHOP, admin: unreachable, now: () => NOW })).rejects.toThrow("shop not reachable");
    expect(await line()).toMatchObject({ tierKey: "bronze", laneKey: "standard_batch", outcome: "kept" });
  });

  it("a split before the promise was written puts the deadline on both fulfillment orders", async () => {
    await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    const variant = [...sim.store.shop(SHOP).variants.values()][1];
    const request = paidOrder([{ variantId: variant.id, quantity: 2 }, { title: "Card", price: "3.00", quantity: 1 }]);
    expect((await make(request)).status).toBe("made");
    const order = sim.store.order(SHOP, request.orderGid.split("/").pop()!);
    const original = order.fulfillmentOrders[0];
    const created = sim.store.splitFulfillmentOrder(SHOP, original.id, [{ lineItemId: original.lineItems[0].lineItemId, quantity: 1 }], { silent: true });
    // What the split webhook's job does, while the promise is still pending.
    expect(await markRefit(db, SHOP, [original.gid, created.gid])).toEqual([request.orderGid]);
    const written = await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
    expect(written).toMatchObject({ written: 1, failed: 0, reads: 1, tagsAdded: 1 });
    const row = await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: request.orderGid } } });
    const deadline = fulfillmentDeadlineOf(row.shipBy).toISOString();
    expect(sim.store.shop(SHOP).fulfillmentOrders.get(original.id)!.fulfillBy).toBe(deadline);
    expect(sim.store.shop(SHOP).fulfillmentOrders.get(created.id)!.fulfillBy).toBe(deadline);
    expect(JSON.parse(row.deadlineFulfillmentOrders).sort()).toEqual([original.gid, created.gid].sort());
  });

  it("a tag bulk mutation is routed from its bulk_operations/finish; one that failed, its webhook lost, is settled by the reconciliation and its tags go direct", async () => {
    // Bulk tag operations the tests before started are settled first, and what they leave due is
    // written: no finish webhook is delivered here, and the reconciliation below must find this
    // test's operation alone.
    for (let round = 0; round < 5; round++) {
      await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW });
      await sim.admin.bulk.mutations.idle();
      const earlier = await promiseTagOperations(db, SHOP, { startedBefore: new Date("9999-12-31T00:00:00Z") });
      if (earlier.length === 0) break;
      for (const operationGid of earlier) await settlePromiseTagOperation({ db, shop: SHOP, operationGid, admin });
    }
    expect(await db.orderPromise.count({ where: { shop: SHOP, status: "open", writeStatus: { in: ["pending", "refit", "tagging"] } } })).toBe(0);
    const requests = Array.from({ length: 3 }, (_, i) => paidOrder([{ title: `Badge ${i}`, price: "5.00", quantity: 1 }]));
    for (const request of requests) expect((await make(request)).status).toBe("made");
    // On the real clock: the reconciliation's grace for a bulk operation runs from the rows' version,
    // which is the write's own clock, and the reconciliation below runs on the real one.
    const started = await writeShopPromises({ db, shop: SHOP, admin, now: () => new Date(), bulk: { minTags: 3 } });
    expect(started).toMatchObject({ written: 3, bulkOperations: 1, tagsAddedInBulk: 3 });
    const where = { shop: SHOP, orderGid: { in: requests.map((r) => r.orderGid) } };
    const [{ tagOperationGid }] = await db.orderPromise.findMany({ where });
    await sim.admin.bulk.mutations.idle();

    // The webhook names the operation: a promise write's, so its settling job is asked for.
    const asked: unknown[] = [];
    const ctx = { db, shop: SHOP, topic: "bulk_operations/finish", webhookId: "w-tags", now: NOW, requestTierRecompute: async () => {}, schedulePurge: async () => {}, requestPromiseWork: async (work: unknown) => void asked.push(work) };
    expect(await applyBulkOperationFinishWebhook({ ...ctx, payload: { admin_graphql_api_id: tagOperationGid, status: "completed" } })).toMatchObject({ status: "processed" });
    expect(asked).toEqual([{ kind: "tags", operationGid: tagOperationGid }]);
    expect(await applyBulkOperationFinishWebhook({ ...ctx, payload: { admin_graphql_api_id: "gid://shopify/BulkOperation/424242", status: "completed" } })).toMatchObject({ status: "skipped" });

    // That delivery is lost, and Shopify reports the operation failed before its lines ran.
    const operation = [...sim.store.shop(SHOP).bulkOperations.values()].find((op) => op.gid === tagOperationGid)!;
    Object.assign(operation, { status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", url: null, partialDataUrl: null });
    let writes = 0;
    const settleTags = (operationGid: string) => settlePromiseTagOperation({ db, shop: SHOP, operationGid, admin });
    // Within its grace the reconciliation leaves it to the webhook.
    expect((await reconcileOrderPromises(db, SHOP, new Date(), async () => {}, undefined, settleTags)).tagOperationsSettled).toBe(0);
    const later = new Date(Date.now() + TAG_OPERATION_GRACE_MS + 60_000);
    const reconciled = await reconcileOrderPromises(db, SHOP, later, async () => void writes++, undefined, settleTags);
    expect(reconciled.tagOperationsSettled).toBe(1);
    expect(writes).toBe(1);
    const due = await db.orderPromise.findMany({ where });
    expect(due.map((r) => [r.writeStatus, r.tagOperationGid, r.writeError])).toEqual(due.map(() => ["pending", null, expect.stringContaining("bulk operation failed")]));
    const marks = sim.store.mutations(SHOP).length;
    // (The reconciliation, run on the real clock past these orders' time, also asked deadline checks of
    // the shop's other open promises: they are written in the same round, and only these three are counted.)
    expect(await writeShopPromises({ db, shop: SHOP, admin, now: () => NOW })).toMatchObject({ failed: 0, tagsAddedInBulk: 0 });
    const ours = new Set(requests.map((r) => r.orderGid));
    expect(sim.store.mutations(SHOP).slice(marks).filter((m) => m.kind === "tagsAdd" && "ownerGid" in m.detail && ours.has(m.detail.ownerGid)).map((m) => m.cost)).toEqual([10, 10, 10]);
    expect((await db.orderPromise.findMany({ where })).map((r) => r.writeStatus)).toEqual(["written", "written", "written"]);
  });
});
