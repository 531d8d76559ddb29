// Shopify Flow triggers end to end against the store simulator (which holds each call to the
// trigger's fields declared in extensions/flow-*/shopify.extension.toml) and a real database
// (SQLite and PostgreSQL): a tier change fires "Member tier changed" once, after its sync, however
// often the sync, the recomputation or the queueing runs again; a trigger claimed by a worker that
// died is not fired again; the imported history fires nothing; promises at risk fire once per
// order and risk; a refused call is recorded failed with Shopify's reason; and only a trigger some
// enabled workflow uses (Flow's lifecycle callback) is fired at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { AdminCostBudget } from "../adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import type { Db } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { fireDueFlowTriggers, queuePromiseRiskEvents, queueTierChangeEvents } from "./fire-flow-triggers.server.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { syncShopTiers } from "./sync-shop-tiers.server.ts";
import { recordFlowTriggerUse } from "./flow-trigger-use.server.ts";

const SHOP = "flow-triggers.myshopify.com";
const NOW = new Date("2026-11-20T15:00:00Z");

type Recorded = { kind: string; ok: boolean; userErrors: { field: string[]; message: string }[]; detail: { handle: string; payload: Record<string, unknown> } };

describe.each(DATABASE_KINDS)("Shopify Flow triggers, on %s", (kind) => {
  let sim: RunningSimulator;
  let token: string;
  let database: TestDatabase;
  let db: Db;
  let seq = 0;

  const control = async <T,>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.origin}/_sim${route}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const flowCalls = async () => (await control<{ mutations: Recorded[] }>("GET", `/shops/${SHOP}/mutations`)).mutations.filter((m) => m.kind === "flowTriggerReceive");
  const admin = async () => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin }), { budget: new AdminCostBudget() });
  const sync = () => syncShopTiers({ db, shop: SHOP, admin, now: () => NOW });

  async function order(customerGid: string, totalMinor: number, cause: "order" | "backfill" = "order"): Promise<void> {
    const at = new Date(NOW.getTime() - 5 * 86_400_000);
    seq++;
    await saveOrderSnapshot(db, SHOP, {
      orderId: `gid://shopify/Order/${8_200_000_000_000 + seq}`, customerId: customerGid, processedAt: at, updatedAt: at, currency: "USD",
      currentTotalMinor: totalMinor, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false,
    }, `#${seq}`);
    await recomputeCustomerTier({ db, shop: SHOP, customerGid, cause, now: NOW });
  }
  let clock = 0;
  // What Flow's lifecycle callback records (tests/flow-lifecycle-callback.test.ts sends the real one over HTTP).
  const workflow = (handle: string, hasEnabledFlow: boolean) => recordFlowTriggerUse(db, { shop: SHOP, handle, hasEnabledFlow, timestamp: new Date(NOW.getTime() + ++clock) });
  const newCustomer = async () => (await control<{ customer: { gid: string } }>("POST", `/shops/${SHOP}/customers`, { email: `f${++seq}@example.com`, firstName: "Flow" })).customer.gid;

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "flow-key", apiSecret: "flow-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
    ({ accessToken: token } = await control<{ accessToken: string }>("POST", "/shops", { shop: SHOP, seed: 3, size: "tiny", now: NOW.toISOString() }));
    database = await createTestDatabase(kind, "flow");
    db = database.db;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", scopes: "read_customers,write_customers", ianaTimezone: "America/New_York" } });
    await workflow("member-tier-changed", true);
    await workflow("delivery-promise-at-risk", true);
  });
  afterAll(async () => {
    await database?.drop();
    await sim?.close();
  });

  it("a tier change fires one Member tier changed after its sync, whatever runs again", async () => {
    const gid = await newCustomer();
    await order(gid, 60_000); // Silver
    await sync();
    const joined = await flowCalls();
    await order(gid, 150_000); // 2,100.00: Gold
    // Before its sync the change is not fired: Flow would read the old tier on the customer.
    expect(await queueTierChangeEvents(db, SHOP)).toBe(0);
    await sync();
    // A redelivered order (same state: no new change), a repeated sync, and queueing again add nothing.
    await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "order", now: NOW });
    await sync();
    expect(await queueTierChangeEvents(db, SHOP)).toBe(0);
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 0, failed: 0 });

    const calls = (await flowCalls()).slice(joined.length);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ ok: true, userErrors: [] });
    expect(calls[0].detail).toEqual({
      kind: "flowTriggerReceive",
      handle: "member-tier-changed",
      payload: { customer_id: Number(gid.split("/").pop()), "Old tier": "Silver", "New tier": "Gold", Reason: "order", "Qualifying spend": 2100, Currency: "USD" },
    });
    // The new member's first tier was news too (from no tier), fired by the first sync.
    expect(joined.at(-1)?.detail.payload).toMatchObject({ "Old tier": "", "New tier": "Silver" });
    const rows = await db.flowTriggerFiring.findMany({ where: { shop: SHOP, handle: "member-tier-changed", status: "fired" } });
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it("a trigger claimed by a worker that died is recorded and never fired again", async () => {
    const gid = await newCustomer();
    await order(gid, 10_000);
    // The tier is written, the event queued and claimed; the worker dies before Shopify answers.
    await syncShopTiers({ db, shop: SHOP, admin, now: () => NOW, customerGids: [gid] }).catch(() => {});
    const before = (await flowCalls()).length;
    const row = await db.flowTriggerFiring.findFirstOrThrow({ where: { shop: SHOP, payload: { contains: `"customer_id":${gid.split("/").pop()},` } } });
    await db.flowTriggerFiring.update({ where: { id: row.id }, data: { status: "firing", firedAt: null } });
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 0 });
    expect(await queueTierChangeEvents(db, SHOP)).toBe(0);
    expect((await flowCalls()).length).toBe(before);
  });

  it("the imported order history fires nothing", async () => {
    const gid = await newCustomer();
    const before = (await flowCalls()).length;
    await order(gid, 300_000, "backfill");
    await sync();
    expect((await flowCalls()).length).toBe(before);
    expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: gid, flowDue: true } })).toBe(0);
  });

  it("promises at risk fire once per order and risk, with the order, tier, ship-by and why", async () => {
    const base = { shop: SHOP, laneKey: "priority_production", orderedAt: new Date("2026-11-19T14:00:00Z"), intakeDay: "2026-11-19", shipByEarliest: new Date("2026-11-20T14:00:00Z") };
    // Due today (New York: 20 November), not shipped.
    await db.orderPromise.create({ data: { ...base, orderGid: "gid://shopify/Order/9301", tierKey: "gold", shipBy: new Date("2026-11-20T22:00:00Z"), shipByDay: "2026-11-20" } });
    // Pushed to a later day because its lane was full; and capped by Shopify's own promise.
    await db.orderPromise.create({
      data: {
        ...base, orderGid: "gid://shopify/Order/9302", tierKey: "gold", shipBy: new Date("2026-11-24T22:00:00Z"), shipByDay: "2026-11-24",
        adjustments: JSON.stringify([{ kind: "lane_full", laneKey: "priority_production", dailyCapacity: 2, fullDays: ["2026-11-23"], movedTo: "2026-11-24" }]),
        conflict: JSON.stringify({ brandedPromiseHandle: "shop_promise", maxDeliveryAt: "2026-11-26T00:00:00Z", transitDays: 2, requiredShipBy: "2026-11-24T22:00:00Z" }),
      },
    });
    // On time, nothing at risk; and one already shipped.
    await db.orderPromise.create({ data: { ...base, orderGid: "gid://shopify/Order/9303", tierKey: "gold", shipBy: new Date("2026-11-25T22:00:00Z"), shipByDay: "2026-11-25" } });
    await db.orderPromise.create({ data: { ...base, orderGid: "gid://shopify/Order/9304", tierKey: "gold", shipBy: new Date("2026-11-20T22:00:00Z"), shipByDay: "2026-11-20", shippedAt: new Date("2026-11-20T13:00:00Z"), status: "shipped" } });

    const before = (await flowCalls()).length;
    expect(await queuePromiseRiskEvents(db, SHOP, NOW)).toBe(3);
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 3, failed: 0 });
    // The next hourly run finds the same risks: nothing new.
    expect(await queuePromiseRiskEvents(db, SHOP, new Date(NOW.getTime() + 3_600_000))).toBe(0);
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 0 });

    const calls = (await flowCalls()).slice(before);
    expect(calls.every((c) => c.ok && c.detail.handle === "delivery-promise-at-risk")).toBe(true);
    expect(calls.map((c) => [c.detail.payload.order_id, c.detail.payload.Risk]).sort()).toEqual([
      [9301, "due_today_not_shipped"], [9302, "lane_over_capacity"], [9302, "shopify_promise_conflict"],
    ]);
    expect(calls.find((c) => c.detail.payload.order_id === 9301)?.detail.payload).toEqual({
      order_id: 9301, Tier: "Gold", "Ship by": "2026-11-20T22:00:00.000Z", Risk: "due_today_not_shipped", Why: "Due to ship today and not shipped yet.",
    });
  });

  it("a call Shopify refuses (a handle no extension declares) is recorded failed with its reason", async () => {
    await workflow("member-tier-vanished", true);
    await db.flowTriggerFiring.create({ data: { shop: SHOP, handle: "member-tier-vanished", eventKey: "x", payload: JSON.stringify({ customer_id: 1 }) } });
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 0, failed: 1 });
    const row = await db.flowTriggerFiring.findFirstOrThrow({ where: { shop: SHOP, eventKey: "x" } });
    expect(row.status).toBe("failed");
    expect(row.error).toContain("Invalid handle 'member-tier-vanished'");
    expect((await flowCalls()).at(-1)).toMatchObject({ ok: false, userErrors: [{ field: ["handle"] }] });
  });

  it("fires only while an enabled workflow uses the trigger: none, then once per change, then none again", async () => {
    const fired = async () => (await flowCalls()).length;
    const points = async () => (await control<{ pointsSpent: number }>("GET", `/shops/${SHOP}`)).pointsSpent;
    await workflow("member-tier-changed", false);
    await workflow("delivery-promise-at-risk", false);
    const gid = await newCustomer();
    await order(gid, 60_000); // Silver
    let before = await fired();
    await sync();
    // No workflow: the change is dropped, not stored as due, and nothing is sent.
    expect(await fired()).toBe(before);
    expect(await db.flowTriggerFiring.count({ where: { shop: SHOP, payload: { contains: `"customer_id":${gid.split("/").pop()},` } } })).toBe(0);
    expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: gid, flowDue: true } })).toBe(0);
    const spent = await points();
    expect(await queuePromiseRiskEvents(db, SHOP, NOW)).toBe(0);
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 0 });
    expect(await points()).toBe(spent);

    // Enabled: the next change fires once, however often the sync runs.
    await workflow("member-tier-changed", true);
    before = await fired();
    await order(gid, 150_000); // Gold
    await sync();
    await sync();
    const calls = (await flowCalls()).slice(before);
    expect(calls.map((c) => [c.detail.handle, c.detail.payload["Old tier"], c.detail.payload["New tier"]])).toEqual([["member-tier-changed", "Silver", "Gold"]]);

    // An event already queued when the merchant turns the workflow off is dropped, not sent.
    const other = await newCustomer();
    await order(other, 60_000);
    await syncShopTiers({ db, shop: SHOP, admin, now: () => NOW, customerGids: [other] });
    before = await fired();
    await db.tierChange.create({ data: { shop: SHOP, customerGid: other, fromTier: "silver", toTier: "gold", reason: "manual", spend: 60_000 } });
    await queueTierChangeEvents(db, SHOP);
    const queued = await db.flowTriggerFiring.findFirstOrThrow({ where: { shop: SHOP, status: "due" } });
    await workflow("member-tier-changed", false);
    expect(await fireDueFlowTriggers({ db, shop: SHOP, admin })).toMatchObject({ fired: 0 });
    expect((await db.flowTriggerFiring.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe("dropped");
    await order(other, 200_000);
    await sync();
    expect(await fired()).toBe(before);
  });
});
