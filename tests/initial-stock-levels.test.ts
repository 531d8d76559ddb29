// The stock levels read at install: one bulk query against the store simulator (Shopify's schema,
// its JSONL) stores every SKU at every location with its quantities; a level changed since (a newer
// read stored by a webhook) is not overwritten by an older bulk line; another bulk query of the app
// holding the place is waited for. And a stock read between an award and its incoming write (the
// awarded units not yet in Shopify) opens no second request.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReplenishmentRequest, recordStockPosition, saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { applyInventoryLevelWebhook } from "../app/use-cases/replenishment-requests.server.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { readInitialStockLevels } from "../app/use-cases/read-initial-stock-levels.server.ts";
import type { RunningSimulator } from "../simulator/server.ts";
import { startSimulatorInPrivateTmp } from "./support/private-tmp-simulator.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

describe.each(DATABASE_KINDS)("initial stock levels on %s", (kind) => {
  const SHOP = `stock-${kind}.myshopify.com`;
  let sim: RunningSimulator;
  let tmp: string;
  let database: TestDatabase;
  let accessToken: string;
  const admin = () => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken, origin: sim.origin }));

  beforeAll(async () => {
    ({ sim, tmp } = await startSimulatorInPrivateTmp("tierline-stock-sim-", { apiKey: "stock-key", apiSecret: "stock-secret", appUrl: "http://127.0.0.1:9", edgeModules: false }));
    database = await createTestDatabase(kind, `stock_${kind}`);
    const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: SHOP, seed: 4, size: "tiny" }) });
    ({ accessToken } = (await res.json()) as { accessToken: string });
  });

  afterAll(async () => {
    await database?.drop();
    await sim?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("stores every SKU at every location with available, on hand, committed and incoming", async () => {
    const second = sim.store.addLocation(SHOP, { name: "Overflow warehouse", available: 7 });
    const [first] = sim.store.shop(SHOP).shop.locations;
    const product = sim.store.createProduct(SHOP, { title: "Boots", variants: [{ sku: "BOOT-41", price: "90.00", inventory: 12 }, { sku: "BOOT-42", price: "90.00", inventory: 3 }] });
    const boot41 = product.variants[0].inventoryItemId;
    // An order not shipped yet holds 2 units as committed (out of available, still on hand).
    sim.store.createOrder(SHOP, { lineItems: [{ variantId: product.variants[0].id, quantity: 2 }] });
    sim.store.adjustQuantities(SHOP, { name: "incoming", reason: "restock", referenceDocumentUri: "gid://tierline/PurchaseOrder/po-1", changes: [{ inventoryItemId: boot41, locationId: second.id, delta: 30, ledgerDocumentUri: "gid://tierline/PurchaseOrder/po-1" }] });

    const outcome = await readInitialStockLevels({ db: database.db, admin: admin(), pollMs: 50, maxPolls: 200 }, SHOP);

    // What the store holds, level by level, read from its own data (not through the Admin API).
    const expected = [...sim.store.shop(SHOP).variants.values()].flatMap((variant) =>
      variant.inventoryLevels.map((level) => ({
        inventoryItemGid: `gid://shopify/InventoryItem/${variant.inventoryItemId}`,
        locationGid: `gid://shopify/Location/${level.locationId}`,
        available: level.available,
        incoming: level.incoming ?? 0,
      })),
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(outcome).toEqual({ status: "read", levels: expected.length, stored: expected.length });
    const rows = await database.db.stockPosition.findMany({ where: { shop: SHOP } });
    const key = (r: { inventoryItemGid: string; locationGid: string }) => `${r.inventoryItemGid}@${r.locationGid}`;
    expect(Object.fromEntries(rows.map((r) => [key(r), { available: r.available, incoming: r.incoming }]))).toEqual(
      Object.fromEntries(expected.map((e) => [key(e), { available: e.available, incoming: e.incoming }])),
    );
    // On hand is available plus committed (units of orders not shipped yet), as Shopify reports them.
    expect(rows.filter((r) => r.onHand !== r.available + r.committed || r.committed < 0)).toEqual([]);
    const boot = rows.find((r) => r.inventoryItemGid === `gid://shopify/InventoryItem/${boot41}` && r.locationGid === `gid://shopify/Location/${second.id}`);
    expect(boot).toMatchObject({ available: 12, incoming: 30, committed: 0, onHand: 12 });
    expect(rows.find((r) => r.inventoryItemGid === `gid://shopify/InventoryItem/${boot41}` && r.locationGid === `gid://shopify/Location/${first.id}`)).toMatchObject({ available: 10, committed: 2, onHand: 12, incoming: 0 });
  });

  it("leaves a newer read alone, also started beside five other bulk queries of the app", async () => {
    const [variant] = [...sim.store.shop(SHOP).variants.values()];
    const [level] = variant.inventoryLevels;
    const item = `gid://shopify/InventoryItem/${variant.inventoryItemId}`;
    const location = `gid://shopify/Location/${level.locationId}`;
    // A webhook processed after the bulk file was made stored a newer level.
    const later = new Date(Date.now() + 3_600_000);
    await recordStockPosition(database.db, SHOP, { inventoryItemGid: item, locationGid: location, levels: { available: -4, onHand: 0, committed: 4, incoming: 0 }, levelUpdatedAt: later, readAt: later });

    // Five bulk queries of the app started (Shopify's limit from 2026-01): a start refused meanwhile is tried again.
    const runner = admin();
    const { runBulkQuery } = await import("../app/adapters/shopify/admin-operations/bulk-operation-run-query.ts");
    const { readBulkOperation } = await import("../app/adapters/shopify/admin-operations/bulk-operation-status.ts");
    const { INVENTORY_LEVELS_BULK_QUERY } = await import("../app/adapters/shopify/admin-operations/inventory-levels-bulk-query.ts");
    const busy: string[] = [];
    for (let i = 0; i < 5; i++) busy.push(await runBulkQuery(runner, INVENTORY_LEVELS_BULK_QUERY).catch(() => ""));
    const outcome = await readInitialStockLevels({ db: database.db, admin: runner, pollMs: 50, maxPolls: 400 }, SHOP);
    expect(outcome.status).toBe("read");
    for (const id of busy.filter(Boolean)) expect((await readBulkOperation(runner, id))?.status).toBe("COMPLETED");
    expect(await database.db.stockPosition.findUnique({ where: { shop_inventoryItemGid_locationGid: { shop: SHOP, inventoryItemGid: item, locationGid: location } } })).toMatchObject({ available: -4, committed: 4 });
  });

  it("a stock read after an award, before its incoming is written to Shopify, opens no second request", async () => {
    const product = sim.store.createProduct(SHOP, { title: "Gloves", variants: [{ sku: "GLOVE-1", price: "30.00", inventory: 49 }] });
    const itemId = product.variants[0].inventoryItemId;
    const locationId = sim.store.shop(SHOP).shop.locations[0].id;
    const item = `gid://shopify/InventoryItem/${itemId}`;
    const location = `gid://shopify/Location/${locationId}`;
    const supplier = await saveSupplier(database.db, SHOP, { name: "gloves-co", endpointUrl: "http://127.0.0.1:9/rfq", signingSecret: "gloves-secret-0123456789" });
    const other = await saveSupplier(database.db, SHOP, { name: "gloves-two", endpointUrl: "http://127.0.0.1:9/rfq", signingSecret: "gloves-secret-9876543210" });
    await saveSkuRule(database.db, SHOP, {
      inventoryItemGid: item,
      rule: {
        sku: "GLOVE-1", locationId: location, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 100 }, neededWithinBusinessDays: null,
        suppliers: [supplier, other].map((s) => ({ supplierId: s.id, usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 })),
      },
    });
    // The request was awarded: closed (its open key freed) with its purchase order, whose incoming is not written yet.
    const opened = await openReplenishmentRequest(database.db, {
      shop: SHOP, inventoryItemGid: item, locationGid: location, sku: "GLOVE-1", quantity: 100, neededWithinBusinessDays: 5, position: 49, reorderTrigger: 55,
      waitingTierKeys: [], priority: {}, jobPriority: 10, currency: "USD", requestedAt: new Date(), deadline: new Date(Date.now() + 3_600_000),
    });
    if (!opened.created) throw new Error("request not created");
    await database.db.replenishmentRequest.update({ where: { id: opened.requestId }, data: { status: "awarded", openKey: null, decidedAt: new Date(), awardedLeadBusinessDays: 5 } });
    await database.db.purchaseOrder.create({
      data: { id: `po-${opened.requestId}`, shop: SHOP, requestId: opened.requestId, supplierId: supplier.id, quoteId: "q-1", inventoryItemGid: item, locationGid: location, quantity: 100, unitPriceMinor: 1000, currency: "USD", leadBusinessDays: 5, document: "{}" },
    });
    const started: string[] = [];
    const ports = { admin: async () => admin(), startRequest: async (_shop: string, requestId: string) => void started.push(requestId), waitingTierKeys: async () => [] };
    const deliver = () => applyInventoryLevelWebhook({ db: database.db, shop: SHOP, topic: "inventory_levels/update", webhookId: `w-${Math.random()}`, payload: { inventory_item_id: Number(itemId), location_id: Number(locationId) }, now: new Date(), requestTierRecompute: async () => {}, schedulePurge: async () => {} }, ports);

    // Shopify still shows 49 available and nothing incoming: the pending purchase order counts as incoming.
    expect((await deliver()).note).toMatch(/^no request: above_trigger \(position 149, trigger 55\)/);
    expect(await database.db.replenishmentRequest.count({ where: { shop: SHOP, sku: "GLOVE-1" } })).toBe(1);
    expect(started).toEqual([]);
    // Without it (the incoming recorded as written, though Shopify does not show it), the same read would ask again.
    await database.db.purchaseOrder.updateMany({ where: { requestId: opened.requestId }, data: { incomingStatus: "recorded" } });
    expect((await deliver()).note).toMatch(/^request /);
    expect(await database.db.replenishmentRequest.count({ where: { shop: SHOP, sku: "GLOVE-1" } })).toBe(2);
  });
});

