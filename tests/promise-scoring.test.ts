// Closing the loop on delivery promises: signed fulfillment and order webhooks over HTTP into the
// real web and worker processes score shipped lines against stored promises, on both databases.
// Promises are stored directly, as the paid-order flow stores them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { promiseKeptRates } from "../app/adapters/db/promise-score-repository.server.ts";
import { listOrderPromises } from "../app/use-cases/list-order-promises.server.ts";
import { scoreOrderShipments } from "../app/use-cases/score-promise-shipments.server.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "promise-score.myshopify.com";
const OTHER_SHOP = "promise-score-other.myshopify.com";
const CUSTOMER_ID = "7300000000000000777";
const CUSTOMER = `gid://shopify/Customer/${CUSTOMER_ID}`;

// Every promise: ship by the end of Friday 4 December 2026 in New York (EST).
const SHIP_BY = "2026-12-05T04:59:59.999Z";
const ON_TIME = "2026-12-03T15:00:00Z"; // Thursday
const LATE = "2026-12-08T15:00:00Z"; // the Tuesday after
const RANGE = { from: "2026-12-01", to: "2026-12-31" };

const orderGid = (n: number) => `gid://shopify/Order/${n}`;
const lineGid = (n: number) => `gid://shopify/LineItem/${n}`;

type Line = { id: number; sku: string; quantity: number };
type Fulfillment = { id: number; order: number; status: string; createdAt: string; updatedAt: string; lines: Line[] };

function fulfillmentObject(f: Fulfillment) {
  return {
    id: f.id,
    order_id: f.order,
    status: f.status,
    created_at: f.createdAt,
    updated_at: f.updatedAt,
    service: "manual",
    tracking_company: "UPS",
    shipment_status: null,
    location_id: 1,
    line_items: f.lines.map((l) => ({ id: l.id, sku: l.sku, quantity: l.quantity, requires_shipping: true, fulfillable_quantity: 0, admin_graphql_api_id: lineGid(l.id) })),
    tracking_number: "1Z999",
    name: `#${f.order}.1`,
    admin_graphql_api_id: `gid://shopify/Fulfillment/${f.id}`,
  };
}

function orderPayload(order: number, updatedAt: string, lines: Line[], fulfillments: Fulfillment[]) {
  return {
    id: order,
    admin_graphql_api_id: orderGid(order),
    name: `#${order}`,
    created_at: "2026-12-01T15:00:00Z",
    processed_at: "2026-12-01T15:00:00Z",
    updated_at: updatedAt,
    currency: "USD",
    financial_status: "paid",
    current_total_price_set: { shop_money: { amount: "100.00", currency_code: "USD" }, presentment_money: { amount: "100.00", currency_code: "USD" } },
    customer: { id: Number(CUSTOMER_ID.slice(0, 6)), admin_graphql_api_id: `gid://shopify/Customer/${CUSTOMER_ID.slice(0, 6)}` },
    line_items: lines.map((l) => ({ id: l.id, admin_graphql_api_id: lineGid(l.id), sku: l.sku, quantity: l.quantity, current_quantity: l.quantity, requires_shipping: true, gift_card: false, price_set: { shop_money: { amount: "10.00", currency_code: "USD" } } })),
    fulfillments: fulfillments.map(fulfillmentObject),
  };
}

describe.each(DATABASE_KINDS)("promise scoring on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let worker: AppProcess;
  let appUrl: string;

  const deliver = async (topic: string, body: object, shop = SHOP, webhookId?: string) => {
    const response = await sendWebhook(appUrl, { topic, shop, body: JSON.stringify(body), secret: TEST_API_SECRET, ...(webhookId ? { webhookId } : {}) });
    expect(response.status).toBe(200);
    return eventually(async () => {
      const row = await database.db.webhookDelivery.findUnique({ where: { webhookId: response.webhookId } });
      return row && row.status !== "received" ? row : null;
    }, { what: `${topic} processed` });
  };
  const ship = (f: Fulfillment, shop = SHOP, webhookId?: string) => deliver(f.updatedAt === f.createdAt ? "fulfillments/create" : "fulfillments/update", fulfillmentObject(f), shop, webhookId);
  const byTier = (shop = SHOP) => promiseKeptRates(database.db, shop, { ...RANGE, groupBy: "tier" });
  const promiseOf = (order: number, shop = SHOP) => database.db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: orderGid(order) } } });

  async function promise(shop: string, order: number, tierKey: string, customerGid: string | null = null) {
    await database.db.orderPromise.create({
      data: {
        shop, orderGid: orderGid(order), orderName: `#${order}`, customerGid, tierKey, laneKey: `${tierKey}-lane`,
        orderedAt: new Date("2026-12-01T15:00:00Z"), intakeDay: "2026-12-01", shipByEarliest: new Date("2026-12-03T04:59:59.999Z"),
        shipBy: new Date(SHIP_BY), shipByDay: "2026-12-04",
      },
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind, "promise_scoring");
    redis = await PrivateRedis.start();
    for (const shop of [SHOP, OTHER_SHOP]) {
      await database.db.shop.create({ data: { domain: shop, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" } });
      await database.db.session.create({ data: { id: `offline_${shop}`, shop, state: "", accessToken: "shpat_test", isOnline: false } });
    }
    await promise(SHOP, 1001, "gold");
    await promise(SHOP, 1002, "silver", CUSTOMER);
    await promise(SHOP, 1003, "gold");
    await promise(OTHER_SHOP, 1001, "gold");
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `ps${randomUUID().slice(0, 8)}` });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
    worker = await startWorkerProcess(env);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([web?.kill(), worker?.kill()]);
    await redis?.stop();
    await database?.drop();
  });

  const f1: Fulfillment = { id: 501, order: 1001, status: "success", createdAt: ON_TIME, updatedAt: ON_TIME, lines: [{ id: 11, sku: "MUG", quantity: 1 }] };
  const f2: Fulfillment = { id: 502, order: 1002, status: "success", createdAt: LATE, updatedAt: LATE, lines: [{ id: 21, sku: "MUG", quantity: 1 }] };

  it("counts an on-time shipment as kept and a late one as late, per tier, ship day and SKU", async () => {
    const [first] = await Promise.all([ship(f1), ship(f2)]);
    expect(first.status).toBe("processed");
    // Without the order's needs (no orders/updated yet) the order is not taken as fully shipped.
    expect((await promiseOf(1001)).status).toBe("open");
    await deliver("orders/updated", orderPayload(1001, "2026-12-03T15:00:01Z", [{ id: 11, sku: "MUG", quantity: 1 }], [f1]));
    await deliver("orders/updated", orderPayload(1002, "2026-12-08T15:00:01Z", [{ id: 21, sku: "MUG", quantity: 1 }], [f2]));

    expect(await byTier()).toEqual([
      { key: "gold", kept: 1, late: 0, rate: 1 },
      { key: "silver", kept: 0, late: 1, rate: 0 },
    ]);
    expect(await promiseKeptRates(database.db, SHOP, { ...RANGE, groupBy: "day" })).toEqual([
      { key: "2026-12-03", kept: 1, late: 0, rate: 1 },
      { key: "2026-12-08", kept: 0, late: 1, rate: 0 },
    ]);
    expect(await promiseKeptRates(database.db, SHOP, { ...RANGE, groupBy: "sku" })).toEqual([{ key: "MUG", kept: 1, late: 1, rate: 0.5 }]);
    expect(await promiseKeptRates(database.db, SHOP, { from: "2026-12-04", to: "2026-12-31", groupBy: "day" })).toEqual([{ key: "2026-12-08", kept: 0, late: 1, rate: 0 }]);

    expect(await promiseOf(1001)).toMatchObject({ status: "shipped", outcome: "kept", shippedAt: new Date(ON_TIME) });
    expect(await promiseOf(1002)).toMatchObject({ status: "shipped", outcome: "late", shippedAt: new Date(LATE) });
    const late = await database.db.promiseShipmentLine.findFirstOrThrow({ where: { shop: SHOP, orderGid: orderGid(1002) } });
    expect(late).toMatchObject({ tierKey: "silver", laneKey: "silver-lane", shipDay: "2026-12-08", outcome: "late", lateByWorkingDays: 2 });
  });

  it("scores partial shipments per line and the order once fully shipped, late if any line was; a cancelled fulfillment undoes its lines", async () => {
    const lines = [{ id: 31, sku: "TEE", quantity: 2 }, { id: 32, sku: "CAP", quantity: 1 }];
    const first: Fulfillment = { id: 531, order: 1003, status: "success", createdAt: ON_TIME, updatedAt: ON_TIME, lines: [lines[0]!] };
    await ship(first);
    await deliver("orders/updated", orderPayload(1003, "2026-12-03T15:00:01Z", lines, [first]));
    expect(await promiseOf(1003)).toMatchObject({ status: "open", outcome: null });
    expect((await listOrderPromises(database.db, SHOP, { limit: 10, now: new Date("2026-12-04T15:00:00Z") })).items.find((i) => i.orderGid === orderGid(1003))?.status).toBe("due_today");

    const second: Fulfillment = { id: 532, order: 1003, status: "success", createdAt: LATE, updatedAt: LATE, lines: [lines[1]!] };
    await ship(second);
    await deliver("orders/updated", orderPayload(1003, "2026-12-08T15:00:01Z", lines, [first, second]));
    expect(await promiseOf(1003)).toMatchObject({ status: "shipped", outcome: "late", shippedAt: new Date(LATE) });
    expect(await promiseKeptRates(database.db, SHOP, { ...RANGE, groupBy: "sku" })).toEqual([
      { key: "CAP", kept: 0, late: 1, rate: 0 },
      { key: "MUG", kept: 1, late: 1, rate: 0.5 },
      { key: "TEE", kept: 1, late: 0, rate: 1 },
    ]);

    // The late fulfillment is cancelled: its line no longer counts and the order is open again.
    const cancelled = { ...second, status: "cancelled", updatedAt: "2026-12-08T16:00:00Z" };
    await ship(cancelled);
    expect(await promiseOf(1003)).toMatchObject({ status: "open", outcome: null, shippedAt: null });
    expect(await promiseKeptRates(database.db, SHOP, { ...RANGE, groupBy: "sku" })).toEqual([
      { key: "MUG", kept: 1, late: 1, rate: 0.5 },
      { key: "TEE", kept: 1, late: 0, rate: 1 },
    ]);
    // A late redelivery of the older, successful version changes nothing.
    await ship(second);
    expect(await promiseOf(1003)).toMatchObject({ status: "open", outcome: null });
    expect(await database.db.promiseShipmentLine.findFirstOrThrow({ where: { shop: SHOP, lineItemGid: lineGid(32) } })).toMatchObject({ fulfillmentStatus: "cancelled", outcome: null });
  });

  it("gives the same counts under redelivery and reordering", async () => {
    const before = { tier: await byTier(), promise: await promiseOf(1001) };
    const webhookId = randomUUID();
    await ship(f1, SHOP, webhookId);
    const again = await sendWebhook(appUrl, { topic: "fulfillments/create", shop: SHOP, body: JSON.stringify(fulfillmentObject(f1)), secret: TEST_API_SECRET, webhookId });
    expect(again.status).toBe(200);
    await ship(f1); // the same event, delivered again under a new id
    // A tracking update (newer updated_at, same ship time) arrives, then an older copy of the create.
    await ship({ ...f1, updatedAt: "2026-12-03T18:00:00Z" });
    await ship(f1);
    // An older orders/updated listing nothing shipped arrives last.
    await deliver("orders/updated", orderPayload(1001, "2026-12-02T09:00:00Z", [{ id: 11, sku: "MUG", quantity: 3 }], [{ ...f1, status: "pending" }]));
    expect(await byTier()).toEqual(before.tier);
    expect(await promiseOf(1001)).toMatchObject({ status: "shipped", outcome: "kept", shippedAt: new Date(ON_TIME) });
    expect(await database.db.promiseShipmentLine.count({ where: { shop: SHOP, orderGid: orderGid(1001) } })).toBe(1);
    expect(await database.db.promiseShipmentLine.findFirstOrThrow({ where: { shop: SHOP, orderGid: orderGid(1001) } })).toMatchObject({ fulfillmentUpdatedAt: new Date("2026-12-03T18:00:00Z"), outcome: "kept" });
  });

  it("scores nothing for an order without a stored promise", async () => {
    const before = await byTier();
    const unpromised: Fulfillment = { id: 599, order: 1999, status: "success", createdAt: LATE, updatedAt: LATE, lines: [{ id: 91, sku: "MUG", quantity: 1 }] };
    const row = await ship(unpromised);
    expect(row).toMatchObject({ status: "processed", error: null });
    await deliver("orders/updated", orderPayload(1999, "2026-12-08T15:00:01Z", [{ id: 91, sku: "MUG", quantity: 1 }], [unpromised]));
    expect(await byTier()).toEqual(before);
    expect(await database.db.orderPromise.count({ where: { shop: SHOP, orderGid: orderGid(1999) } })).toBe(0);
    expect(await database.db.promiseShipmentLine.findFirstOrThrow({ where: { shop: SHOP, orderGid: orderGid(1999) } })).toMatchObject({ outcome: null, tierKey: null });
  });

  it("keeps each shop's scores to itself", async () => {
    // The other shop ships its own order 1001 late; this shop's counts do not move.
    const before = await byTier();
    await ship({ ...f1, id: 777, createdAt: LATE, updatedAt: LATE }, OTHER_SHOP);
    await deliver("orders/updated", orderPayload(1001, "2026-12-08T15:00:01Z", [{ id: 11, sku: "MUG", quantity: 1 }], [{ ...f1, id: 777, createdAt: LATE, updatedAt: LATE }]), OTHER_SHOP);
    expect(await byTier(OTHER_SHOP)).toEqual([{ key: "gold", kept: 0, late: 1, rate: 0 }]);
    expect(await promiseOf(1001, OTHER_SHOP)).toMatchObject({ status: "shipped", outcome: "late" });
    expect(await byTier()).toEqual(before);
    expect(await promiseOf(1001)).toMatchObject({ status: "shipped", outcome: "kept" });
  });

  it("lists the promises with their status and counts per status, filtered by tier and status", async () => {
    const now = new Date("2026-12-09T12:00:00Z");
    const all = await listOrderPromises(database.db, SHOP, { limit: 10, now });
    expect(all.counts).toEqual({ on_time: 0, due_today: 0, late: 1, kept: 1, broken: 1 });
    expect(all.items.map((i) => [i.orderGid, i.status])).toEqual([[orderGid(1001), "kept"], [orderGid(1002), "broken"], [orderGid(1003), "late"]]);
    const gold = await listOrderPromises(database.db, SHOP, { tier: "gold", limit: 1, now });
    expect(gold.counts).toEqual({ on_time: 0, due_today: 0, late: 1, kept: 1, broken: 0 });
    expect(gold.items.map((i) => i.orderGid)).toEqual([orderGid(1001)]);
    const next = await listOrderPromises(database.db, SHOP, { tier: "gold", limit: 1, now, cursor: gold.nextCursor });
    expect(next.items.map((i) => i.orderGid)).toEqual([orderGid(1003)]);
    expect(next.nextCursor).toBeNull();
    const broken = await listOrderPromises(database.db, SHOP, { status: "broken", limit: 10, now });
    expect(broken.items.map((i) => [i.orderGid, i.status, i.tierKey])).toEqual([[orderGid(1002), "broken", "silver"]]);
    // Before the promised day ends the open one is on time, then due today.
    expect((await listOrderPromises(database.db, SHOP, { status: "on_time", limit: 10, now: new Date("2026-12-02T12:00:00Z") })).items.map((i) => i.orderGid)).toEqual([orderGid(1003)]);
    await expect(listOrderPromises(database.db, SHOP, { limit: 0, now })).rejects.toThrow(/limit/);
    await expect(listOrderPromises(database.db, SHOP, { limit: 10, now, cursor: "gid://shopify/Order/1001" })).rejects.toThrow(/cursor/);
    await expect(promiseKeptRates(database.db, SHOP, { from: "December", to: "2026-12-31", groupBy: "day" })).rejects.toThrow(/YYYY-MM-DD/);
  });

  it("keeps the kept rate when a customer is erased, without their order, and ignores webhooks about the order afterwards", async () => {
    const before = await byTier();
    await deliver("customers/data_request", { shop_id: 1, shop_domain: SHOP, customer: { id: CUSTOMER_ID, email: null, phone: null }, orders_requested: [], data_request: { id: 9 } });
    const request = await database.db.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/data_request" } });
    const exported = JSON.parse(request.export!);
    expect(exported.promises.map((p: { orderGid: string }) => p.orderGid)).toEqual([orderGid(1002)]);
    expect(exported.promiseShipments).toMatchObject([{ orderGid: orderGid(1002), lineItemGid: lineGid(21), outcome: "late" }]);

    await deliver("customers/redact", { shop_id: 1, shop_domain: SHOP, customer: { id: CUSTOMER_ID, email: null, phone: null }, orders_to_redact: [1002] });
    expect(await database.db.orderPromise.count({ where: { shop: SHOP, orderGid: orderGid(1002) } })).toBe(0);
    expect(await database.db.promiseShipmentLine.count({ where: { shop: SHOP, orderGid: orderGid(1002) } })).toBe(0);
    expect(await byTier()).toEqual(before);
    const late = await ship({ ...f2, updatedAt: "2026-12-09T10:00:00Z", status: "cancelled" });
    expect(late.status).toBe("skipped");
    expect(await byTier()).toEqual(before);
  });

  it("scores a fulfillment that came before its promise once the paid-order flow stores the promise and asks", async () => {
    // Order 1999 shipped (late) without a promise earlier in this file.
    await promise(SHOP, 1999, "bronze");
    expect(await scoreOrderShipments(database.db, SHOP, orderGid(1999))).toEqual({ promised: true, counted: 1, orderStatus: "shipped", outcome: "late" });
    expect((await byTier()).find((row) => row.key === "bronze")).toEqual({ key: "bronze", kept: 0, late: 1, rate: 0 });
    expect(await scoreOrderShipments(database.db, SHOP, orderGid(1999))).toEqual({ promised: true, counted: 1, orderStatus: "shipped", outcome: "late" });
  });
});
