// Closing the loop against the store simulator: the merchant ships orders (whole, in parts, with a
// tracking update) and the simulator's own fulfillments/create, fulfillments/update and
// orders/updated webhooks reach the app as Shopify sends them. Promises are stored directly, as
// the paid-order flow stores them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { promiseKeptRates } from "../app/adapters/db/promise-score-repository.server.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "promise-sim.myshopify.com";
const HOUR = 3_600_000;
// Webhook payloads carry whole seconds.
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
const WIDE = { from: "2000-01-01", to: "2100-12-31" };

describe.each(DATABASE_KINDS)("promise scoring from the simulator's fulfillments on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;

  beforeAll(async () => {
    system = await startTierlineSystem({ kind, label: "promise_sim" });
    ({ database, sim, settle } = system);
    seedShop(sim.store, SHOP, { seed: 3, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) ?? null, { timeoutMs: 120_000, what: "backfill completed" });
    await settle.settled();
  }, 240_000);

  afterAll(async () => {
    await system?.close();
  });

  /**
   * The order's promise, as stated here (whether or not the paid-order flow made one from the
   * order's own webhooks first); taken as written to Shopify, so nothing waits for a write.
   */
  async function promise(orderGid: string, tierKey: string, shipBy: Date) {
    const data = { tierKey, laneKey: `${tierKey}-lane`, orderedAt: new Date(shipBy.getTime() - 48 * HOUR), intakeDay: "2026-01-01", shipByEarliest: shipBy, shipBy, shipByDay: "2026-01-01", writeStatus: "written" };
    await database.db.orderPromise.upsert({ where: { shop_orderGid: { shop: SHOP, orderGid } }, create: { shop: SHOP, orderGid, ...data }, update: data });
  }

  it("counts whole and partial shipments, tracking updates change nothing, each as promised", async () => {
    const customer = [...sim.store.shop(SHOP).customers.values()][0]!;
    const split = sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ title: "Tee", sku: "TEE", price: "20.00", quantity: 2 }, { title: "Cap", sku: "CAP", price: "15.00", quantity: 1 }] });
    const whole = sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ title: "Mug", sku: "MUG", price: "12.00", quantity: 1 }] });
    const placed = Date.parse(split.createdAt);
    await promise(split.gid, "gold", new Date(placed + 48 * HOUR));
    await promise(whole.gid, "silver", new Date(placed + 24 * HOUR));
    await settle.settled();

    const tee = split.lineItems.find((l) => l.sku === "TEE")!;
    const cap = split.lineItems.find((l) => l.sku === "CAP")!;
    const first = sim.store.fulfillOrder(SHOP, split.id, { lineItems: [{ lineItemId: tee.id, quantity: 2 }], trackingNumber: "1Z1", trackingCompany: "UPS" }, { at: new Date(placed + 2 * HOUR).toISOString() });
    sim.store.fulfillOrder(SHOP, whole.id, {}, { at: new Date(placed + 30 * HOUR).toISOString() });
    await settle.settled();
    expect(await database.db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: split.gid } } })).toMatchObject({ status: "open", outcome: null });
    expect(await database.db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: whole.gid } } })).toMatchObject({ status: "shipped", outcome: "late" });

    sim.store.updateFulfillmentTracking(SHOP, first.id, { trackingNumber: "1Z2", trackingCompany: "UPS" }, { at: new Date(placed + 5 * HOUR).toISOString() });
    sim.store.fulfillOrder(SHOP, split.id, { lineItems: [{ lineItemId: cap.id, quantity: 1 }] }, { at: new Date(placed + 40 * HOUR).toISOString() });
    await settle.settled();

    const deliveries = await database.db.webhookDelivery.groupBy({ by: ["topic", "status"], where: { shop: SHOP, topic: { startsWith: "fulfillments/" } }, _count: { _all: true } });
    expect(deliveries.map((d) => [d.topic, d.status, d._count._all]).sort()).toEqual([["fulfillments/create", "processed", 3], ["fulfillments/update", "processed", 1]]);
    expect(await database.db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: split.gid } } })).toMatchObject({ status: "shipped", outcome: "kept", shippedAt: wholeSeconds(placed + 40 * HOUR) });
    expect(await promiseKeptRates(database.db, SHOP, { ...WIDE, groupBy: "tier" })).toEqual([
      { key: "gold", kept: 2, late: 0, rate: 1 },
      { key: "silver", kept: 0, late: 1, rate: 0 },
    ]);
    expect(await promiseKeptRates(database.db, SHOP, { ...WIDE, groupBy: "sku" })).toEqual([
      { key: "CAP", kept: 1, late: 0, rate: 1 },
      { key: "MUG", kept: 0, late: 1, rate: 0 },
      { key: "TEE", kept: 1, late: 0, rate: 1 },
    ]);
    // Orders of the seeded history shipped without a stored promise: kept unscored, counted nowhere.
    expect(await database.db.promiseShipmentLine.count({ where: { shop: SHOP, outcome: { not: null } } })).toBe(3);
  });
});
