// A SKU's stock at one location as Shopify counts it. inventory_levels/update carries `available`
// only; the reorder trigger also needs incoming (what is on its way, our awards included), and the
// merchant's pages show on hand and committed.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import type { StockLevels } from "../../../domain/reorder-trigger.ts";

export const INVENTORY_LEVEL_QUANTITIES_QUERY = `#graphql
  query InventoryLevelQuantities($inventoryItemId: ID!, $locationId: ID!) {
    inventoryItem(id: $inventoryItemId) {
      id
      sku
      inventoryLevel(locationId: $locationId) {
        updatedAt
        quantities(names: ["available", "on_hand", "committed", "incoming"]) {
          name
          quantity
        }
      }
    }
  }
`;

export type InventoryLevelQuantitiesData = {
  inventoryItem: { id: string; sku: string | null; inventoryLevel: { updatedAt: string; quantities: { name: string; quantity: number }[] } | null } | null;
};

export const inventoryLevelQuantitiesOperation: AdminOperation<InventoryLevelQuantitiesData, { inventoryItemId: string; locationId: string }> = {
  name: "InventoryLevelQuantities",
  query: INVENTORY_LEVEL_QUANTITIES_QUERY,
  cost: () => 3,
};

export type InventoryLevelRead = { sku: string | null; levels: StockLevels; updatedAt: Date };

/** null when the item is gone or no longer stocked at the location. */
export async function readInventoryLevel(runner: AdminRunner, inventoryItemGid: string, locationGid: string): Promise<InventoryLevelRead | null> {
  const data = await runner.run(inventoryLevelQuantitiesOperation, { inventoryItemId: inventoryItemGid, locationId: locationGid });
  const level = data.inventoryItem?.inventoryLevel;
  if (!data.inventoryItem || !level) return null;
  const of = (name: string) => {
    const found = level.quantities.find((q) => q.name === name);
    if (!found) throw new Error(`InventoryLevelQuantities: Shopify did not answer the ${name} quantity`);
    return found.quantity;
  };
  return {
    sku: data.inventoryItem.sku,
    levels: { available: of("available"), onHand: of("on_hand"), committed: of("committed"), incoming: of("incoming") },
    updatedAt: new Date(level.updatedAt),
  };
}
