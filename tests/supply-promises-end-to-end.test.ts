// Promises follow supply, end to end as production runs it: a SKU's stock falls to its trigger in
// the simulated store (inventory_levels/update over HTTP with a real HMAC), three simulated
// suppliers are asked, one is awarded; a Bronze member's paid order on the short SKU is then promised
// the awarded lead time although units remain, a Gold member's keeps Gold's promise, also on the
// SKU's priority capacity once no unit remains, until that capacity is used up; once the stock
// arrives (available back above the trigger) a Bronze order is promised from stock again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import type { SimCustomer } from "../simulator/store/types.ts";
import { startSimulatedSuppliers, type RunningSuppliers, type SimSupplierProfile } from "../simulator/suppliers/supplier-server.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { loadPromiseSetup } from "../app/adapters/db/promise-settings-repository.server.ts";
import { saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { addWorkingDays, localDateOf, orderIntake } from "../app/domain/business-calendar.ts";
import type { PromiseAdjustment } from "../app/domain/promise-date-calculator.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "supply-promises-e2e.myshopify.com";
const SKU = "SCARF-1";

const PROFILES: SimSupplierProfile[] = [
  { name: "north", behaviour: "fast", secret: "north-secret-0123456789", baseUnitPriceMinor: 1000, leadBusinessDays: 6 },
  { name: "south", behaviour: "fast", secret: "south-secret-0123456789", baseUnitPriceMinor: 1050, leadBusinessDays: 7 },
  { name: "west", behaviour: "fast", secret: "west-secret-0123456789", baseUnitPriceMinor: 1100, leadBusinessDays: 9 },
];

describe.each(DATABASE_KINDS)("promises follow supply end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;
  let suppliers: RunningSuppliers;
  let locationId: string;
  let inventoryItemId: string;
  let variantId: string;
  let gold: SimCustomer;
  let bronze: SimCustomer;
  let levelsAtInstall: { item: string; location: string; available: number }[];

  const requestOf = () => database.db.replenishmentRequest.findFirst({ where: { shop: SHOP, sku: SKU }, orderBy: { requestedAt: "desc" } });
  const stockWaitOf = async (orderGid: string) => {
    const row = await eventually(() => database.db.orderPromise.findUnique({ where: { shop_orderGid: { shop: SHOP, orderGid } } }), { timeoutMs: 60_000, what: `the promise of ${orderGid}` });
    const adjustments = JSON.parse(row.adjustments) as PromiseAdjustment[];
    return { row, wait: adjustments.find((a) => a.kind === "awaiting_stock") ?? null };
  };
  const buy = (customer: SimCustomer) => sim.store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ variantId, quantity: 1 }] });
  const available = () => [...sim.store.shop(SHOP).variants.values()].find((v) => v.sku === SKU)!.inventoryLevels.find((l) => l.locationId === locationId)!.available;

  beforeAll(async () => {
    system = await startTierlineSystem({ kind, label: "supply", env: { SUPPLIER_POLL_MS: "100" } });
    ({ database, sim, settle } = system);
    suppliers = await startSimulatedSuppliers({ profiles: PROFILES, seed: 5 });
    seedShop(sim.store, SHOP, { seed: 5, size: "tiny", now: new Date().toISOString() });
    levelsAtInstall = [...sim.store.shop(SHOP).variants.values()].flatMap((v) => v.inventoryLevels.map((l) => ({ item: `gid://shopify/InventoryItem/${v.inventoryItemId}`, location: `gid://shopify/Location/${l.locationId}`, available: l.available })));
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill completed" });
    locationId = sim.store.shop(SHOP).shop.locations[0].id;

    // The members: a new customer's first order of $2,600 makes Gold, one of $60 Bronze.
    gold = sim.store.createCustomer(SHOP, { email: "gold.supply@example.com", firstName: "Gold" });
    bronze = sim.store.createCustomer(SHOP, { email: "bronze.supply@example.com", firstName: "Bronze" });
    sim.store.createOrder(SHOP, { customerId: gold.id, lineItems: [{ title: "Piano", price: "2600.00", quantity: 1 }] });
    sim.store.createOrder(SHOP, { customerId: bronze.id, lineItems: [{ title: "Socks", price: "60.00", quantity: 1 }] });
    await settle.settled();
    const tiers = await database.db.customer.findMany({ where: { shop: SHOP, customerGid: { in: [gold.gid, bronze.gid] } }, select: { customerGid: true, tierKey: true } });
    expect(Object.fromEntries(tiers.map((t) => [t.customerGid, t.tierKey]))).toEqual({ [gold.gid]: "gold", [bronze.gid]: "bronze" });
    // A promise takes the tier held before the order, to the second: the next orders come a second later.
    const latest = await database.db.tierChange.findFirstOrThrow({ where: { shop: SHOP }, orderBy: { occurredAt: "desc" } });
    const nextSecond = Math.floor(latest.occurredAt.getTime() / 1000) * 1000 + 1000;
    await eventually(async () => Date.now() > nextSecond, { intervalMs: 50, what: "the next second" });

    const product = sim.store.createProduct(SHOP, { title: "Wool scarf", variants: [{ sku: SKU, price: "45.00", inventory: 60 }] });
    inventoryItemId = product.variants[0].inventoryItemId;
    variantId = product.variants[0].id;
    const supplierIds: string[] = [];
    for (const profile of PROFILES) supplierIds.push((await saveSupplier(database.db, SHOP, { name: profile.name, endpointUrl: suppliers.endpoint(profile.name), signingSecret: profile.secret })).id);
    await saveSkuRule(database.db, SHOP, {
      inventoryItemGid: `gid://shopify/InventoryItem/${inventoryItemId}`,
      rule: {
        sku: SKU, locationId: `gid://shopify/Location/${locationId}`, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 100 }, neededWithinBusinessDays: null,
        suppliers: PROFILES.map((p, i) => ({ supplierId: supplierIds[i], usualUnitCostMinor: p.baseUnitPriceMinor, usualLeadBusinessDays: p.leadBusinessDays, qualityRating: 4 })),
      },
    });
  }, 240_000);

  afterAll(async () => {
    await suppliers?.close();
    await system?.close();
  });

  it("reads every stock level at install with a bulk operation", async () => {
    const rows = await eventually(async () => {
      const found = await database.db.stockPosition.findMany({ where: { shop: SHOP, inventoryItemGid: { in: levelsAtInstall.map((l) => l.item) } } });
      return found.length === levelsAtInstall.length ? found : null;
    }, { timeoutMs: 60_000, what: "the stock levels read at install" });
    expect(levelsAtInstall.length).toBeGreaterThan(0);
    expect(Object.fromEntries(rows.map((r) => [`${r.inventoryItemGid}@${r.locationGid}`, r.available]))).toEqual(Object.fromEntries(levelsAtInstall.map((l) => [`${l.item}@${l.location}`, l.available])));
    expect(sim.store.mutations(SHOP).some((m) => m.kind === "bulkOperationRunQuery" && JSON.stringify(m.detail).includes("inventoryLevels"))).toBe(true);
  });

  it("while the SKU is short a Bronze order waits for the awarded lead time and a Gold order keeps its promise; after the stock arrives Bronze is promised from stock", async () => {
    // In stock, above the trigger: a Bronze order is promised from stock.
    const before = await stockWaitOf(buy(bronze).gid);
    expect(before.row.tierKey).toBe("bronze");
    expect(before.wait).toBeNull();

    // The stock falls to the trigger (59 → 49, trigger 55): three suppliers are asked, one is awarded.
    sim.store.adjustInventory(SHOP, inventoryItemId, locationId, -10);
    const awarded = await eventually(async () => {
      const row = await requestOf();
      return row?.status === "awarded" && row.awardedLeadBusinessDays !== null ? row : null;
    }, { timeoutMs: 60_000, what: "the request awarded" });
    for (const profile of PROFILES) expect(suppliers.received(profile.name)).toHaveLength(1);
    const purchaseOrders = await database.db.purchaseOrder.findMany({ where: { requestId: awarded.id } });
    expect(awarded.awardedLeadBusinessDays).toBe(Math.max(...purchaseOrders.map((po) => po.leadBusinessDays)));
    expect(available()).toBeGreaterThan(0);

    const { calendar } = await loadPromiseSetup(database.db, SHOP, new Date());
    const arrival = addWorkingDays(calendar, localDateOf(calendar, awarded.decidedAt!), awarded.awardedLeadBusinessDays!);

    // Bronze: units remain, but they are kept for the priority tiers: the promise waits for the award.
    const bronzeOrder = buy(bronze);
    const short = await stockWaitOf(bronzeOrder.gid);
    expect(short.row.tierKey).toBe("bronze");
    expect(short.wait).toMatchObject({ kind: "awaiting_stock", sku: SKU, defaultLeadTime: false, stockDay: arrival });
    const intake = orderIntake(calendar, short.row.orderedAt).day;
    expect(short.wait!.kind === "awaiting_stock" && addWorkingDays(calendar, intake, short.wait!.leadBusinessDays)).toBe(arrival);
    expect(short.row.shipByDay > before.row.shipByDay).toBe(true);

    // Gold keeps Gold's promise while the units cover it.
    const goldOrder = buy(gold);
    const kept = await stockWaitOf(goldOrder.gid);
    expect(kept.row.tierKey).toBe("gold");
    expect(kept.wait).toBeNull();
    expect(kept.row.shipByDay < short.row.shipByDay).toBe(true);

    // The last units are gone; the merchant can still make 1 more for priority tiers (the SKU's
    // priority capacity on the Promise settings page): one Gold order keeps Gold's promise on it,
    // the next one, with the capacity used up, waits for the award.
    await database.db.skuReplenishment.create({ data: { shop: SHOP, sku: SKU, replenishmentBusinessDays: 5, priorityCapacityUnits: 1 } });
    sim.store.adjustInventory(SHOP, inventoryItemId, locationId, -available());
    const onCapacity = await stockWaitOf(buy(gold).gid);
    expect(onCapacity.row.tierKey).toBe("gold");
    expect(onCapacity.wait).toBeNull();
    const beyondCapacity = await stockWaitOf(buy(gold).gid);
    expect(beyondCapacity.row.tierKey).toBe("gold");
    expect(beyondCapacity.wait).toMatchObject({ kind: "awaiting_stock", sku: SKU, defaultLeadTime: false, stockDay: arrival });

    // The awarded stock arrives (available back above the trigger): the SKU is no longer short.
    sim.store.adjustInventory(SHOP, inventoryItemId, locationId, 100);
    await eventually(async () => (await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: awarded.id } })).suppliedAt !== null, { what: "the award marked supplied" });
    const after = await stockWaitOf(buy(bronze).gid);
    expect(after.wait).toBeNull();
  });
});
