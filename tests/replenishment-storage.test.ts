// Replenishment storage on both databases: rules and presets round-trip, one open request per SKU
// and location under a race, an escalation keeps it open and an award frees it, an older stock
// read never overwrites a newer one, one RFQ per supplier per request, and shop deletion removes it all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeRequest,
  hasOpenRequest,
  loadReplenishmentSettings,
  loadSkuRule,
  openReplenishmentRequest,
  recordStockPosition,
  waitingTierKeysForSku,
  saveSkuRule,
  saveSupplier,
  type OpenRequestInput,
} from "../app/adapters/db/replenishment-repository.server.ts";
import { deleteShopData } from "../app/use-cases/shop-lifecycle.server.ts";
import { MUG_RULE } from "./support/replenishment-examples.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "store-a.myshopify.com";
const OTHER = "store-b.myshopify.com";
const ITEM = "gid://shopify/InventoryItem/11";
const LOCATION = "gid://shopify/Location/1";

describe.each(DATABASE_KINDS)("replenishment storage on %s", (kind) => {
  let database: TestDatabase;
  const supplierIds: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase(kind, "repl_storage");
    for (const shop of [SHOP, OTHER]) {
      for (const name of ["acme", "bolt", "cargo"]) {
        const row = await saveSupplier(database.db, shop, { name, endpointUrl: `https://${name}.example/rfq`, signingSecret: `secret-of-${name}-0123456789` });
        if (shop === SHOP) supplierIds[name] = row.id;
      }
    }
  });
  afterAll(async () => database?.drop());

  const request = (shop = SHOP): OpenRequestInput => ({
    shop, inventoryItemGid: ITEM, locationGid: LOCATION, sku: "MUG-1", quantity: 200, neededWithinBusinessDays: 8, position: 55, reorderTrigger: 55,
    waitingTierKeys: [], priority: { tierKey: null }, jobPriority: 4, currency: "USD", requestedAt: new Date("2026-12-02T10:00:00Z"), deadline: new Date("2026-12-02T11:00:00Z"),
  });

  it("stores a SKU's rule with its preset suppliers in the merchant's order", async () => {
    const rule = { ...MUG_RULE, locationId: LOCATION, suppliers: MUG_RULE.suppliers.map((s) => ({ ...s, supplierId: supplierIds[s.supplierId] })) };
    await saveSkuRule(database.db, SHOP, { inventoryItemGid: ITEM, rule });
    expect(await loadSkuRule(database.db, SHOP, ITEM, LOCATION)).toEqual(rule);
    expect(await loadSkuRule(database.db, OTHER, ITEM, LOCATION)).toBeNull();
    // A rule naming another shop's supplier is refused, and the stored one stays.
    const foreign = await database.db.supplier.findFirstOrThrow({ where: { shop: OTHER } });
    await expect(saveSkuRule(database.db, SHOP, { inventoryItemGid: ITEM, rule: { ...rule, suppliers: [...rule.suppliers.slice(1), { ...rule.suppliers[0], supplierId: foreign.id }] } })).rejects.toThrow(/supplier this shop does not have/);
    expect(await loadSkuRule(database.db, SHOP, ITEM, LOCATION)).toEqual(rule);
    expect((await loadReplenishmentSettings(database.db, SHOP)).escalationThresholdPercent).toBe(30);
  });

  it("finds the tiers of open orders whose promise waits on the SKU, and only those", async () => {
    const promise = (orderGid: string, tierKey: string, sku: string, status = "open", shop = SHOP) => ({
      shop, orderGid, tierKey, laneKey: "standard", orderedAt: new Date(), intakeDay: "2026-12-02", shipByEarliest: new Date(), shipBy: new Date(), shipByDay: "2026-12-04", status,
      adjustments: JSON.stringify([{ kind: "after_cutoff", cutoff: "14:00", orderDay: "2026-12-02", intakeDay: "2026-12-03" }, { kind: "awaiting_stock", sku, leadBusinessDays: 5, defaultLeadTime: false, stockDay: "2026-12-09" }]),
    });
    await database.db.orderPromise.createMany({
      data: [
        promise("gid://shopify/Order/1", "bronze", "MUG-1"),
        promise("gid://shopify/Order/2", "gold", "MUG-1"),
        promise("gid://shopify/Order/3", "silver", "MUG-1", "shipped"),
        promise("gid://shopify/Order/4", "silver", "MUG-10"),
        promise("gid://shopify/Order/5", "platinum", "MUG-1", "open", OTHER),
      ],
    });
    expect(await waitingTierKeysForSku(database.db, SHOP, "MUG-1")).toEqual(["bronze", "gold"]);
    expect(await waitingTierKeysForSku(database.db, SHOP, "MUG-2")).toEqual([]);
    await database.db.orderPromise.deleteMany({});
  });

  it("keeps the newest stock read: an older one is ignored", async () => {
    const levels = (available: number) => ({ available, onHand: available + 2, committed: 2, incoming: 0 });
    const at = (minute: number) => new Date(`2026-12-02T10:0${minute}:00Z`);
    expect(await recordStockPosition(database.db, SHOP, { inventoryItemGid: ITEM, locationGid: LOCATION, levels: levels(60), levelUpdatedAt: at(2), readAt: at(2) })).toBe("stored");
    expect(await recordStockPosition(database.db, SHOP, { inventoryItemGid: ITEM, locationGid: LOCATION, levels: levels(70), levelUpdatedAt: at(1), readAt: at(3) })).toBe("stale");
    expect(await recordStockPosition(database.db, SHOP, { inventoryItemGid: ITEM, locationGid: LOCATION, levels: levels(50), levelUpdatedAt: at(2), readAt: at(4) })).toBe("stored");
    const row = await database.db.stockPosition.findUniqueOrThrow({ where: { shop_inventoryItemGid_locationGid: { shop: SHOP, inventoryItemGid: ITEM, locationGid: LOCATION } } });
    expect(row).toMatchObject({ available: 50, onHand: 52, committed: 2, incoming: 0 });
  });

  it("opens one request per SKU and location however many workers race for it", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => openReplenishmentRequest(database.db, request())));
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const id = created[0].created ? created[0].requestId : "";
    for (const r of results) if (!r.created) expect(r.openRequestId).toBe(id);
    expect(await database.db.replenishmentRequest.count({ where: { shop: SHOP } })).toBe(1);
    // Another shop's identical SKU and location is its own request.
    expect((await openReplenishmentRequest(database.db, request(OTHER))).created).toBe(true);

    // An escalation waits for a person: the SKU stays taken. An award frees it.
    expect(await closeRequest(database.db, id, "escalated", new Date())).toBe(true);
    expect(await hasOpenRequest(database.db, SHOP, ITEM, LOCATION)).toBe(true);
    expect((await openReplenishmentRequest(database.db, request())).created).toBe(false);
    await database.db.replenishmentRequest.update({ where: { id }, data: { status: "open" } });
    expect(await closeRequest(database.db, id, "awarded", new Date())).toBe(true);
    expect(await closeRequest(database.db, id, "awarded", new Date())).toBe(false);
    expect(await hasOpenRequest(database.db, SHOP, ITEM, LOCATION)).toBe(false);
    expect((await openReplenishmentRequest(database.db, request())).created).toBe(true);
  });

  it("holds one RFQ per supplier per request", async () => {
    const open = await database.db.replenishmentRequest.findFirstOrThrow({ where: { shop: SHOP, status: "open" } });
    const rfq = { shop: SHOP, requestId: open.id, supplierId: supplierIds.acme, document: "{}" };
    await database.db.supplierRfq.create({ data: { ...rfq, id: `RFQ-${open.id}-acme`, sendKey: "k1" } });
    await expect(database.db.supplierRfq.create({ data: { ...rfq, id: `RFQ-${open.id}-acme-2`, sendKey: "k2" } })).rejects.toThrow();
  });

  it("deleting the shop removes its replenishment rows and leaves the other shop's", async () => {
    const open = await database.db.replenishmentRequest.findFirstOrThrow({ where: { shop: SHOP, status: "open" } });
    await database.db.supplierQuote.create({ data: { id: "Q1", shop: SHOP, requestId: open.id, supplierId: supplierIds.acme, rfqId: "R", currency: "USD", unitPriceMinor: 1000, availableQuantity: 200, leadBusinessDays: 4, validUntil: new Date(), receivedAt: new Date(), document: "{}" } });
    await database.db.replenishmentDecision.create({ data: { requestId: open.id, shop: SHOP, kind: "escalate", rule: "{}", quotes: "[]", decidedAt: new Date() } });
    await database.db.purchaseOrder.create({ data: { id: "PO1", shop: SHOP, requestId: open.id, supplierId: supplierIds.acme, quoteId: "Q1", inventoryItemGid: ITEM, locationGid: LOCATION, quantity: 200, unitPriceMinor: 1000, currency: "USD", leadBusinessDays: 4, document: "{}" } });
    await database.db.replenishmentSettings.create({ data: { shop: SHOP, settings: "{}" } });
    await deleteShopData(database.db, SHOP);
    const db = database.db;
    const counts = await Promise.all([
      db.replenishmentSettings, db.replenishmentRule, db.skuSupplier, db.supplier, db.stockPosition, db.replenishmentRequest, db.supplierRfq, db.supplierQuote, db.replenishmentDecision, db.purchaseOrder,
    ].map((model) => (model as unknown as { count(args: unknown): Promise<number> }).count({ where: { shop: SHOP } })));
    expect(counts).toEqual(Array(10).fill(0));
    expect(await db.supplier.count({ where: { shop: OTHER } })).toBe(3);
    expect(await db.replenishmentRequest.count({ where: { shop: OTHER } })).toBe(1);
  });
});
