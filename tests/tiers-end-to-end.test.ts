// Member tiers end to end, as production runs: the store simulator (a seeded
// store), the web process and a worker process. The merchant installs the app,
// the history is backfilled through a bulk operation, live orders, refunds and a
// cancellation arrive as signed webhooks, and the tags and metafields recorded on
// the simulated store are exactly the ones the domain computes from the store's
// own data; merchant tags are untouched; nothing is written when nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import type { SimCustomer } from "../simulator/store/types.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { formatMoney } from "../app/domain/money.ts";
import { createJobQueues } from "../app/adapters/queues/job-queues.server.ts";
import { createProducerConnection } from "../app/adapters/queues/redis-connection.server.ts";
import { expectedTiersFromStore } from "./support/expected-tiers.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "tiers-e2e.myshopify.com";
const WRITES = new Set(["tagsAdd", "tagsRemove", "metafieldsSet", "metafieldsDelete"]);

function ownedTags(customer: SimCustomer): string[] {
  return customer.tags.filter((t) => t.toLowerCase().startsWith("tierline:"));
}

function appMetafield(customer: SimCustomer, key: string): string | undefined {
  for (const [mapKey, field] of customer.metafields) if (mapKey.startsWith("app--") && field.key === key) return field.value;
  return undefined;
}

describe.each(DATABASE_KINDS)("member tiers end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;
  const merchantTagged = new Map<string, string[]>();
  const writes = () => sim.store.mutations(SHOP).filter((m) => WRITES.has(m.kind));

  beforeAll(async () => {
    system = await startTierlineSystem({ kind, label: "e2e" });
    ({ database, sim, settle } = system);
    seedShop(sim.store, SHOP, { seed: 7, size: "tiny", now: new Date().toISOString() });
    // The merchant's own tags, and a stale Tierline tag from an old tier name.
    const customers = [...sim.store.shop(SHOP).customers.values()];
    for (const [i, customer] of customers.slice(0, 3).entries()) {
      const tags = i === 0 ? ["VIP", "tierline:platinum"] : ["wholesale"];
      sim.store.addTags(SHOP, customer.id, tags);
      merchantTagged.set(customer.gid, tags.filter((t) => !t.startsWith("tierline:")));
    }
  });

  afterAll(async () => {
    await system?.close();
  });

  it("installs through token exchange and backfills the whole history", async () => {
    const install = await grantAndInstall(sim, SHOP);
    expect(install.installed).toBe(true);
    const run = await eventually(async () => {
      const latest = await database.db.backfillRun.findFirst({ where: { shop: SHOP }, orderBy: { startedAt: "desc" } });
      return latest?.status === "completed" ? latest : null;
    }, { timeoutMs: 120_000, what: "backfill completed" });
    expect(run.historyLimited).toBe(false);
    expect(run.ordersRead).toBe(sim.store.shop(SHOP).orders.size);
    await settle.settled();
  });

  it("after live orders, a money-only refund and a cancellation, Shopify holds exactly the computed tiers", async () => {
    const customers = [...sim.store.shop(SHOP).customers.values()];
    // The lamp buyer: a Silver member whom $600 more keeps Silver (below $2000), whatever the seed.
    const lampRow = await database.db.customer.findFirstOrThrow({
      where: { shop: SHOP, tierKey: "silver", qualifyingSpend: { lte: 140_000 }, pinnedTierKey: null, deletedAt: null, customerGid: { notIn: [customers[3].gid, customers[5].gid] } },
      orderBy: { customerGid: "asc" },
    });
    const lampCustomer = customers.find((c) => c.gid === lampRow.customerGid)!;
    const big = sim.store.createOrder(SHOP, { customerId: customers[3].id, lineItems: [{ title: "Sofa", price: "2400.00", quantity: 1 }], shipping: { price: "50.00" }, taxRate: 0.08 });
    sim.store.createOrder(SHOP, { customerId: lampCustomer.id, lineItems: [{ title: "Lamp", price: "300.00", quantity: 2 }] });
    const refunded = sim.store.createOrder(SHOP, { customerId: customers[5].id, lineItems: [{ title: "Chair", price: "700.00", quantity: 1 }] });
    sim.store.refundOrder(SHOP, refunded.id, { amount: "250.00", note: "goodwill" });
    sim.store.createOrder(SHOP, { customerId: null, email: "guest@example.com", lineItems: [{ title: "Guest rug", price: "5000.00", quantity: 1 }] });
    sim.store.cancelOrder(SHOP, big.id, { reason: "CUSTOMER" });
    await settle.settled();

    const expected = expectedTiersFromStore(sim, SHOP, new Date());
    expect(new Set([...expected.tiers.values()].map((t) => t.tierKey)).size).toBeGreaterThan(1);
    const currency = sim.store.shop(SHOP).shop.currency;
    const customerOf = (gid: string) => [...sim.store.shop(SHOP).customers.values()].find((c) => c.gid === gid)!;
    const spendOf = (gid: string) => JSON.parse(appMetafield(customerOf(gid), "qualifying_spend") ?? "null");
    // Tiers are written at once: tags and tier metafields.
    for (const [customerGid, tier] of expected.tiers) {
      expect({ customerGid, tags: ownedTags(customerOf(customerGid)) }).toEqual({ customerGid, tags: [`tierline:${tier.tierKey}`] });
      expect(appMetafield(customerOf(customerGid), "tier")).toBe(tier.tierKey);
    }
    // A spend change within a tier waits for the batched refresh (the lamp order: $600 more, still Silver).
    const lampBuyer = lampCustomer.gid;
    expect(await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: lampBuyer } } })).toMatchObject({ syncStatus: "stale" });
    expect(spendOf(lampBuyer)).not.toEqual({ amount: formatMoney(expected.tiers.get(lampBuyer)!.spend, currency), currency_code: currency });
    await system.refreshSpend(SHOP);
    expect(await database.db.customer.count({ where: { shop: SHOP, syncStatus: { not: "synced" } } })).toBe(0);
    for (const [customerGid, tier] of expected.tiers) {
      expect({ customerGid, spend: spendOf(customerGid) }).toEqual({ customerGid, spend: { amount: formatMoney(tier.spend, currency), currency_code: currency } });
    }
    for (const [customerGid, tags] of merchantTagged) {
      const customer = [...sim.store.shop(SHOP).customers.values()].find((c) => c.gid === customerGid)!;
      for (const tag of tags) expect(customer.tags).toContain(tag);
      expect(customer.tags).not.toContain("tierline:platinum");
    }
  });

  it("coalesces a burst: ten orders from one customer landing together make one write to Shopify", async () => {
    const row = await database.db.customer.findFirstOrThrow({ where: { shop: SHOP, tierKey: "bronze", pinnedTierKey: null, deletedAt: null }, orderBy: { customerGid: "asc" } });
    const customer = [...sim.store.shop(SHOP).customers.values()].find((c) => c.gid === row.customerGid)!;
    const mark = sim.store.mutations(SHOP).length;
    // The shop's sync queue is held until all ten orders are recomputed, so the burst is the
    // same however slowly the machine delivers it: whether ten recomputations land inside the
    // sync's gathering delay is timing, not the property under test.
    const connection = createProducerConnection(system.redis.url, { enableOfflineQueue: true });
    const queues = createJobQueues(connection, system.prefix);
    await queues.tierSync.pause();
    try {
      // Ten orders that pass Silver on the way to Gold, placed at once.
      const target = 210_000;
      const each = ((target - row.qualifyingSpend) / 10 / 100).toFixed(2);
      for (let i = 0; i < 10; i++) sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ title: `Burst ${i + 1}`, price: each, quantity: 1 }] });
      await eventually(async () => (await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: row.customerGid } } })).tierKey === "gold", { what: "the burst recomputed to Gold" });
    } finally {
      await queues.tierSync.resume();
      await queues.close();
      connection.disconnect();
    }
    await settle.settled();
    const mine = sim.store.mutations(SHOP).slice(mark).filter((m) => {
      const detail = m.detail;
      const owners = detail.kind === "metafieldsSet" || detail.kind === "metafieldsDelete" ? detail.metafields.map((f) => f.ownerGid) : "ownerGid" in detail ? [detail.ownerGid] : [];
      return owners.includes(row.customerGid);
    });
    expect(mine.map((m) => m.kind).sort()).toEqual(["metafieldsDelete", "metafieldsSet", "tagsAdd", "tagsRemove"]);
    expect(ownedTags(sim.store.customer(SHOP, customer.id))).toEqual(["tierline:gold"]);
  });

  it("writes nothing to Shopify when an order changes in a way that moves no tier", async () => {
    const before = writes().length;
    const order = [...sim.store.shop(SHOP).orders.values()].find((o) => o.customerId && !o.cancelledAt)!;
    const deliveriesBefore = await database.db.webhookDelivery.count({ where: { topic: "orders/updated" } });
    sim.store.addOrderTags(SHOP, order.id, ["gift-wrapped"]);
    await eventually(async () => (await database.db.webhookDelivery.count({ where: { topic: "orders/updated" } })) > deliveriesBefore, { what: "orders/updated received" });
    await settle.settled();
    expect(writes().length).toBe(before);
  });
});
