// Which inventory item carries a SKU (the merchant's spreadsheets name SKUs, Tierline keys supply
// by inventory item). Two items may share a SKU in Shopify: both are returned so the caller can say so.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const INVENTORY_ITEMS_BY_SKU_QUERY = `#graphql
  query InventoryItemsBySku($query: String!) {
    inventoryItems(first: 2, query: $query) {
      nodes {
        id
        sku
      }
    }
  }
`;

export type InventoryItemsBySkuData = { inventoryItems: { nodes: { id: string; sku: string | null }[] } };

export const inventoryItemsBySkuOperation: AdminOperation<InventoryItemsBySkuData, { query: string }> = {
  name: "InventoryItemsBySku",
  query: INVENTORY_ITEMS_BY_SKU_QUERY,
  cost: () => 4,
};

/** The GIDs of the items whose SKU is exactly `sku` (filtered: search terms are not always exact). */
export async function inventoryItemsWithSku(runner: AdminRunner, sku: string): Promise<string[]> {
  const quoted = `"${sku.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const data = await runner.run(inventoryItemsBySkuOperation, { query: `sku:${quoted}` });
  return data.inventoryItems.nodes.filter((n) => n.sku === sku).map((n) => n.id);
}
