// Products, variants and stock: creating products, adjusting available units, and the units an
// order line takes from or gives back to stock (reported as inventory_levels/update).
import { formatCents, parseCents } from "./money.ts";
import { StoreError, type OperationOptions, type ShopData, type StoreCore } from "./store-core.ts";
import type { Id, IsoDateTime, SimInventoryAdjustmentGroup, SimLineItem, SimLocation, SimOrder, SimProduct, SimVariant, StoreChange } from "./types.ts";

export interface AddLocationInput {
  name: string;
  available?: number;
  stockExisting?: boolean;
}

/**
 * Opens another location (a second warehouse, a store) that stocks every existing variant with
 * `available` units (default 0), or none of them with `stockExisting: false`; products created
 * later are stocked at every location.
 */
export function addLocation(store: StoreCore, domain: string, input: AddLocationInput, options?: OperationOptions): SimLocation {
  const data = store.shop(domain);
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) throw new StoreError("a location needs a name");
  if (data.shop.locations.some((l) => l.name.toLowerCase() === name.toLowerCase())) throw new StoreError(`a location named ${name} exists`, 409);
  const available = input.available ?? 0;
  if (!Number.isInteger(available)) throw new StoreError("available must be an integer");
  const location: SimLocation = { ...store.mint("Location"), name };
  data.shop.locations.push(location);
  const at = store.at(options);
  if (input.stockExisting !== false) for (const variant of data.variants.values()) variant.inventoryLevels.push({ locationId: location.id, available, updatedAt: at });
  return location;
}

export function createProduct(store: StoreCore, domain: string, input: { title: string; vendor?: string; productType?: string; tags?: string[]; variants: { title?: string; sku: string; price: string; grams?: number; inventory?: number }[] }, options?: OperationOptions): SimProduct {
  const data = store.shop(domain);
  const at = store.at(options);
  const { id, gid } = store.mint("Product");
  const product: SimProduct = {
    id, gid, title: input.title,
    handle: input.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""),
    vendor: input.vendor ?? data.shop.name, productType: input.productType ?? "", tags: input.tags ?? [],
    variants: [], createdAt: at, updatedAt: at,
  };
  for (const v of input.variants) {
    const variant: SimVariant = {
      ...store.mint("ProductVariant"),
      productId: id, title: v.title ?? "Default Title", sku: v.sku, price: formatCents(parseCents(v.price)), grams: v.grams ?? 500,
      inventoryItemId: store.ids.next("InventoryItem"),
      inventoryLevels: data.shop.locations.map((l) => ({ locationId: l.id, available: v.inventory ?? 0, updatedAt: at })),
      createdAt: at, updatedAt: at,
    };
    product.variants.push(variant);
    data.variants.set(variant.id, variant);
    data.variantsByInventoryItem.set(variant.inventoryItemId, variant);
  }
  data.products.push(product);
  data.productsById.set(product.id, product);
  return product;
}

export function adjustInventory(store: StoreCore, domain: string, inventoryItemId: Id, locationId: Id, delta: number, options?: OperationOptions): number {
  const data = store.shop(domain);
  const variant = data.variantsByInventoryItem.get(inventoryItemId);
  if (!variant) throw new StoreError(`unknown inventory item ${inventoryItemId}`, 404);
  const available = moveStock(store, data, variant, locationId, delta, store.at(options), options);
  if (available === null) throw new StoreError(`item ${inventoryItemId} is not stocked at ${locationId}`, 404);
  return available;
}

/** Changes a variant's available count at a location and reports it as inventory_levels/update.
 *  Shopify lets available go below zero (overselling), so this does too. Null when not stocked there. */
export function moveStock(store: StoreCore, data: ShopData, variant: SimVariant, locationId: Id, delta: number, at: IsoDateTime, options?: OperationOptions): number | null {
  const level = variant.inventoryLevels.find((l) => l.locationId === locationId);
  if (!level) return null;
  if (delta === 0) return level.available;
  level.available += delta;
  level.updatedAt = at;
  variant.updatedAt = at;
  store.emitChange({ shop: data.shop.domain, topic: "inventory_levels/update", occurredAt: at, inventoryItemId: variant.inventoryItemId, locationId, available: level.available, updatedAt: at } as StoreChange, options);
  return level.available;
}

/** Units an order line takes from (negative) or gives back to stock at the order's fulfillment location. */
export function stockForLine(store: StoreCore, data: ShopData, order: SimOrder, line: SimLineItem, delta: number, at: IsoDateTime, options?: OperationOptions): void {
  const variant = line.variantId ? data.variants.get(line.variantId) : undefined;
  if (!variant) return; // custom line items hold no stock
  const locationId = order.fulfillmentOrders[0]?.assignedLocationId ?? data.shop.locations[0].id;
  moveStock(store, data, variant, locationId, delta, at, options);
}

/** The quantity names inventoryAdjustQuantities can move here (Shopify's list is longer; the rest are refused). */
export const ADJUSTABLE_QUANTITY_NAMES = ["available", "incoming"] as const;

export interface QuantityAdjustment {
  name: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: { inventoryItemId: Id; locationId: Id; delta: number; ledgerDocumentUri: string | null }[];
}

/**
 * inventoryAdjustQuantities, all or nothing: every change is checked before any is applied, as
 * Shopify answers a bad change with a user error and changes nothing. `available` moves stock
 * (and reports inventory_levels/update); `incoming` records units on their way and needs a
 * ledger document URI that is not a gid://shopify one.
 */
export function adjustQuantities(store: StoreCore, domain: string, input: QuantityAdjustment, options?: OperationOptions): SimInventoryAdjustmentGroup {
  const data = store.shop(domain);
  if (!(ADJUSTABLE_QUANTITY_NAMES as readonly string[]).includes(input.name)) throw new StoreError(`The quantity name ${input.name} is not supported here`, 422);
  if (!input.reason.trim()) throw new StoreError("The reason is required", 422);
  if (input.changes.length === 0) throw new StoreError("At least one change is required", 422);
  const targets = input.changes.map((change) => {
    if (!Number.isSafeInteger(change.delta)) throw new StoreError("delta must be an integer", 422);
    const variant = data.variantsByInventoryItem.get(change.inventoryItemId);
    if (!variant) throw new StoreError(`The specified inventory item could not be found: ${change.inventoryItemId}`, 404);
    const level = variant.inventoryLevels.find((l) => l.locationId === change.locationId);
    if (!level) throw new StoreError(`The specified inventory item is not stocked at the location: ${change.locationId}`, 404);
    if (input.name !== "available") {
      const uri = change.ledgerDocumentUri ?? "";
      if (!/^[a-z][a-z0-9+.-]*:\/\/?\S+$/i.test(uri) || uri.startsWith("gid://shopify/")) throw new StoreError("A ledger document URI (not gid://shopify) is required for this quantity name", 422);
    }
    return { change, variant, level };
  });
  const at = store.at(options);
  const group: SimInventoryAdjustmentGroup = { ...store.mint("InventoryAdjustmentGroup"), createdAt: at, reason: input.reason, referenceDocumentUri: input.referenceDocumentUri, changes: [] };
  for (const { change, variant, level } of targets) {
    let after: number;
    if (input.name === "available") after = moveStock(store, data, variant, change.locationId, change.delta, at, options) ?? level.available;
    else {
      level.incoming = (level.incoming ?? 0) + change.delta;
      level.updatedAt = at;
      after = level.incoming;
    }
    group.changes.push({ inventoryItemId: change.inventoryItemId, locationId: change.locationId, name: input.name, delta: change.delta, quantityAfterChange: after, ledgerDocumentUri: change.ledgerDocumentUri });
  }
  data.inventoryAdjustmentGroups.push(group);
  return group;
}
