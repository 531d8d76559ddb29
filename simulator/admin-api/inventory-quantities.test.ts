// The inventory side of the simulated Admin API the replenishment pipeline uses, sent as the app
// sends it (its own documents): InventoryLevel.quantities with incoming, and inventoryAdjustQuantities
// for "incoming" (ledger document required, gid://shopify refused, all or nothing, write_inventory needed).
import { describe, expect, it } from "vitest";
import { SimStore } from "../store/store.ts";
import { seedShop } from "../store/seed-generator.ts";
import { AdminApi } from "./handler.ts";
import { INVENTORY_LEVEL_QUANTITIES_QUERY } from "../../app/adapters/shopify/admin-operations/inventory-level-quantities.ts";
import { INVENTORY_ADJUST_QUANTITIES_MUTATION } from "../../app/adapters/shopify/admin-operations/inventory-adjust-incoming.ts";

const SHOP = "stock-store.myshopify.com";
const NOW = "2026-03-01T00:00:00.000Z";

function setup(scopes?: string[]) {
  const store = new SimStore({ now: () => new Date(NOW) });
  seedShop(store, SHOP, { seed: 5, size: "tiny", now: NOW });
  const install = store.installApp(SHOP, { apiKey: "test-key", ...(scopes ? { scopes } : {}) });
  const api = new AdminApi({ store, origin: () => "http://sim.test", clock: () => 0 });
  api.resetBuckets();
  const gql = async (query: string, variables: Record<string, unknown> = {}) => (await api.graphql(SHOP, install.accessToken, { query, variables })) as { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const variant = store.shop(SHOP).variants.values().next().value!;
  const location = store.shop(SHOP).shop.locations[0];
  return { store, gql, variant, location, item: `gid://shopify/InventoryItem/${variant.inventoryItemId}`, loc: `gid://shopify/Location/${location.id}` };
}

const change = (item: string, loc: string, delta: number, ledgerDocumentUri?: string) => ({ inventoryItemId: item, locationId: loc, delta, ...(ledgerDocumentUri ? { ledgerDocumentUri } : {}) });

describe("simulated inventory quantities", () => {
  it("records incoming with its reference and ledger documents, and reads it back in quantities", async () => {
    const { gql, store, item, loc, variant } = setup();
    const before = variant.inventoryLevels[0].available;
    const adjusted = await gql(INVENTORY_ADJUST_QUANTITIES_MUTATION, {
      input: { name: "incoming", reason: "movement_created", referenceDocumentUri: "gid://tierline/PurchaseOrder/PO-1", changes: [change(item, loc, 200, "gid://tierline/PurchaseOrderIncoming/PO-1")] },
    });
    expect(adjusted.body.errors).toBeUndefined();
    expect(adjusted.body.data.inventoryAdjustQuantities).toEqual({
      inventoryAdjustmentGroup: { id: expect.stringMatching(/^gid:\/\/shopify\/InventoryAdjustmentGroup\/\d+$/), referenceDocumentUri: "gid://tierline/PurchaseOrder/PO-1", changes: [{ name: "incoming", delta: 200, quantityAfterChange: 200, ledgerDocumentUri: "gid://tierline/PurchaseOrderIncoming/PO-1" }] },
      userErrors: [],
    });
    const read = await gql(INVENTORY_LEVEL_QUANTITIES_QUERY, { inventoryItemId: item, locationId: loc });
    const [availableRead, onHand, committed, incoming] = read.body.data.inventoryItem.inventoryLevel.quantities;
    expect([availableRead, committed, incoming]).toEqual([{ name: "available", quantity: before }, { name: "committed", quantity: expect.any(Number) }, { name: "incoming", quantity: 200 }]);
    expect(onHand).toEqual({ name: "on_hand", quantity: before + committed.quantity });
    expect(store.mutations(SHOP).at(-1)).toMatchObject({ kind: "inventoryAdjustQuantities", ok: true, detail: { name: "incoming", referenceDocumentUri: "gid://tierline/PurchaseOrder/PO-1" } });
  });

  it("holds an order's unshipped units as committed, as Shopify does: on hand until they ship, back to available on cancel", async () => {
    const { gql, store, item, loc, variant } = setup();
    const quantities = async () => {
      const read = await gql(INVENTORY_LEVEL_QUANTITIES_QUERY, { inventoryItemId: item, locationId: loc });
      return Object.fromEntries((read.body.data.inventoryItem.inventoryLevel.quantities as { name: string; quantity: number }[]).map((q) => [q.name, q.quantity]));
    };
    const start = await quantities();
    expect(start.on_hand).toBe(start.available + start.committed);
    const { available, committed, on_hand: onHand } = start;

    const order = store.createOrder(SHOP, { lineItems: [{ variantId: variant.id, quantity: 3 }] });
    expect(await quantities()).toEqual({ available: available - 3, on_hand: onHand, committed: committed + 3, incoming: 0 });

    // Two of the three ship: they leave committed and on hand; available does not move.
    const line = order.lineItems[0];
    store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: line.id, quantity: 2 }] });
    expect(await quantities()).toEqual({ available: available - 3, on_hand: onHand - 2, committed: committed + 1, incoming: 0 });

    // A second order adds its units; cancelling it with restock gives them back to available.
    const second = store.createOrder(SHOP, { lineItems: [{ variantId: variant.id, quantity: 4 }] });
    expect(await quantities()).toMatchObject({ available: available - 7, committed: committed + 5, on_hand: onHand - 2 });
    store.cancelOrder(SHOP, second.id, { restock: true });
    expect(await quantities()).toEqual({ available: available - 3, on_hand: onHand - 2, committed: committed + 1, incoming: 0 });
  });

  it("refuses incoming without a ledger document, with a gid://shopify one, or for an unknown item, changing nothing", async () => {
    const { gql, item, loc, variant } = setup();
    for (const ledger of [undefined, "gid://shopify/Order/1"]) {
      const answer = await gql(INVENTORY_ADJUST_QUANTITIES_MUTATION, { input: { name: "incoming", reason: "movement_created", referenceDocumentUri: "gid://tierline/PurchaseOrder/PO-2", changes: [change(item, loc, 5, ledger)] } });
      expect(answer.body.data.inventoryAdjustQuantities).toMatchObject({ inventoryAdjustmentGroup: null, userErrors: [{ message: expect.stringMatching(/ledger document URI/) }] });
    }
    const mixed = await gql(INVENTORY_ADJUST_QUANTITIES_MUTATION, {
      input: { name: "incoming", reason: "movement_created", referenceDocumentUri: "gid://tierline/PurchaseOrder/PO-3", changes: [change(item, loc, 5, "gid://tierline/X/1"), change("gid://shopify/InventoryItem/999", loc, 5, "gid://tierline/X/2")] },
    });
    expect(mixed.body.data.inventoryAdjustQuantities.userErrors).toHaveLength(1);
    expect(variant.inventoryLevels[0].incoming ?? 0).toBe(0);
  });

  it("needs write_inventory", async () => {
    const { gql, item, loc } = setup(["read_products", "read_inventory"]);
    const answer = await gql(INVENTORY_ADJUST_QUANTITIES_MUTATION, { input: { name: "incoming", reason: "movement_created", referenceDocumentUri: "gid://tierline/PurchaseOrder/PO-4", changes: [change(item, loc, 5, "gid://tierline/X/1")] } });
    expect(answer.body.errors[0]).toMatchObject({ extensions: { code: "ACCESS_DENIED" } });
  });
});
