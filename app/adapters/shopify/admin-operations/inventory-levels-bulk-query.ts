// Every inventory level of the shop (each SKU at each location) with Shopify's quantities, read
// once at install through a bulk query: inventory_levels/update only reports later changes, and
// carries `available` alone. From API 2026-01 the JSONL does not group children after their
// parent, so each level line stands on its own (`__parentId` is its inventory item).
import type { StockLevels } from "../../../domain/reorder-trigger.ts";

export const INVENTORY_LEVELS_BULK_QUERY = `#graphql
  query InventoryLevelsBulk {
    inventoryItems {
      edges {
        node {
          id
          sku
          inventoryLevels {
            edges {
              node {
                id
                updatedAt
                location {
                  id
                }
                quantities(names: ["available", "on_hand", "committed", "incoming"]) {
                  name
                  quantity
                }
              }
            }
          }
        }
      }
    }
  }
`;

export type InitialStockLevel = { inventoryItemGid: string; locationGid: string; levels: StockLevels; updatedAt: Date };

type LevelLine = { id?: unknown; updatedAt?: unknown; location?: { id?: unknown } | null; quantities?: { name?: unknown; quantity?: unknown }[]; __parentId?: unknown };

/** A level line of the result file as the domain's levels; null for the item lines. Throws on a level line it cannot read. */
export function inventoryLevelOfLine(line: string): InitialStockLevel | null {
  // Item lines carry no quantities: recognised on their text, not parsed.
  if (!line.includes('"quantities"')) return null;
  const parsed = JSON.parse(line) as LevelLine;
  const parent = parsed.__parentId;
  const location = parsed.location?.id;
  if (typeof parent !== "string" || !parent.startsWith("gid://shopify/InventoryItem/") || typeof location !== "string" || typeof parsed.updatedAt !== "string" || !Array.isArray(parsed.quantities)) {
    throw new Error(`inventory levels bulk file: a level line without its item, location, time or quantities: ${line.slice(0, 200)}`);
  }
  const of = (name: string) => {
    const found = parsed.quantities!.find((q) => q.name === name);
    if (!found || typeof found.quantity !== "number" || !Number.isSafeInteger(found.quantity)) throw new Error(`inventory levels bulk file: no ${name} quantity for ${parent} at ${location}`);
    return found.quantity;
  };
  return {
    inventoryItemGid: parent,
    locationGid: location,
    levels: { available: of("available"), onHand: of("on_hand"), committed: of("committed"), incoming: of("incoming") },
    updatedAt: new Date(parsed.updatedAt),
  };
}
