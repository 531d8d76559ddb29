// Merging fulfillment orders and moving them to another location, as fulfillmentOrderMerge and
// fulfillmentOrderMove do. Both are all or nothing: a refused request changes nothing and answers
// the user errors Shopify's schema has for it. A fulfillment order they make is new (new id): it
// carries the delivery method but not the ship-by deadline (fulfillBy), which the app must set again.
import { copyDeliveryMethod } from "./delivery-methods.ts";
import { moveStock } from "./inventory.ts";
import { snapshot, type OperationOptions, type ShopData, type StoreCore } from "./store-core.ts";
import type { Id, SimFulfillmentOrder, SimFulfillmentOrderLineItem, StoreChange } from "./types.ts";

export interface FulfillmentOrderUserError {
  field: string[] | null;
  message: string;
  /** FulfillmentOrderMergeUserErrorCode for merges; moves answer plain UserErrors (no code). */
  code?: "FULFILLMENT_ORDER_NOT_FOUND" | "GREATER_THAN" | "INVALID_LINE_ITEM_QUANTITY" | null;
}

/** Units of fulfillment order line items (their ids), as FulfillmentOrderLineItemInput gives them. */
export interface FulfillmentOrderLineInput {
  id: Id;
  quantity: number;
}

export interface MergeIntentInput {
  fulfillmentOrderId: Id;
  /** Omitted: every unit left to ship on it. */
  lineItems?: FulfillmentOrderLineInput[] | null;
}

export type MergeResult = { ok: true; merged: SimFulfillmentOrder[] } | { ok: false; userErrors: FulfillmentOrderUserError[] };

interface PlannedIntent {
  fo: SimFulfillmentOrder;
  take: { line: SimFulfillmentOrderLineItem; quantity: number }[];
}

/**
 * fulfillmentOrderMerge: each set of merge intents becomes one new OPEN fulfillment order holding
 * the units asked of each; a merged order left with nothing is CLOSED. The orders of one set must
 * be OPEN, of one order and at one location. Emits fulfillment_orders/merged per set.
 */
export function mergeFulfillmentOrders(store: StoreCore, domain: string, sets: MergeIntentInput[][], options?: OperationOptions): MergeResult {
  const data = store.shop(domain);
  const userErrors: FulfillmentOrderUserError[] = [];
  const plans: PlannedIntent[][] = [];
  const seen = new Set<Id>();
  sets.forEach((intents, i) => {
    const at = (...rest: string[]) => ["fulfillmentOrderMergeInputs", String(i), "mergeIntents", ...rest];
    const plan: PlannedIntent[] = [];
    intents.forEach((intent, j) => {
      const fo = data.fulfillmentOrders.get(intent.fulfillmentOrderId);
      if (!fo) {
        userErrors.push({ field: at(String(j), "fulfillmentOrderId"), message: "The fulfillment order could not be found.", code: "FULFILLMENT_ORDER_NOT_FOUND" });
        return;
      }
      if (seen.has(fo.id)) {
        userErrors.push({ field: at(String(j), "fulfillmentOrderId"), message: "A fulfillment order can be merged only once.", code: null });
        return;
      }
      seen.add(fo.id);
      if (fo.status !== "OPEN") {
        userErrors.push({ field: at(String(j), "fulfillmentOrderId"), message: `The fulfillment order is ${fo.status.toLowerCase()} and can't be merged.`, code: null });
        return;
      }
      const take = plannedLines(fo, intent.lineItems, at(String(j), "fulfillmentOrderLineItems"), userErrors, "merge");
      if (take) plan.push({ fo, take });
    });
    if (intents.length < 2) userErrors.push({ field: at(), message: "At least two fulfillment orders are needed to merge.", code: null });
    else if (plan.length === intents.length) {
      const first = plan[0].fo;
      if (plan.some((p) => p.fo.orderId !== first.orderId || p.fo.assignedLocationId !== first.assignedLocationId)) {
        userErrors.push({ field: at(), message: "Fulfillment orders can be merged only when they belong to the same order and location.", code: null });
      }
    }
    plans.push(plan);
  });
  if (userErrors.length) return { ok: false, userErrors };

  const at = store.at(options);
  const merged = plans.map((plan) => {
    const first = plan[0].fo;
    const order = store.order(domain, first.orderId);
    const created: SimFulfillmentOrder = {
      ...store.mint("FulfillmentOrder"), orderId: first.orderId, status: "OPEN", assignedLocationId: first.assignedLocationId,
      fulfillAt: first.fulfillAt, fulfillBy: null, deliveryMethod: copyDeliveryMethod(store, first.deliveryMethod),
      lineItems: [], createdAt: at, updatedAt: at,
    };
    for (const { fo, take } of plan) {
      for (const { line, quantity } of take) {
        const into = created.lineItems.find((l) => l.lineItemId === line.lineItemId);
        if (into) {
          into.totalQuantity += quantity;
          into.remainingQuantity += quantity;
        } else created.lineItems.push({ ...store.mint("FulfillmentOrderLineItem"), lineItemId: line.lineItemId, totalQuantity: quantity, remainingQuantity: quantity });
      }
      giveUp(fo, take, at);
    }
    order.fulfillmentOrders.push(created);
    data.fulfillmentOrders.set(created.id, created);
    store.emitChange({
      shop: data.shop.domain, topic: "fulfillment_orders/merged", occurredAt: at,
      fulfillmentOrder: snapshot(created), related: plan.map((p) => snapshot(p.fo)), order: snapshot(order),
      mergeIntents: plan.map((p) => ({ fulfillmentOrderId: p.fo.id, lineItems: p.take.map((t) => ({ id: t.line.id, gid: t.line.gid, quantity: t.quantity })) })),
    } as StoreChange, options);
    return created;
  });
  return { ok: true, merged };
}

export type MoveResult =
  | { ok: true; originalFulfillmentOrder: SimFulfillmentOrder; movedFulfillmentOrder: SimFulfillmentOrder }
  | { ok: false; userErrors: FulfillmentOrderUserError[] };

const MOVABLE = new Set<SimFulfillmentOrder["status"]>(["OPEN", "IN_PROGRESS", "SCHEDULED"]);

/**
 * fulfillmentOrderMove: assigns unshipped units to another location. When every unit of an
 * order with nothing shipped moves, and no other live fulfillment order of the order is at the
 * destination, the same fulfillment order changes location (same id, deadline kept). Otherwise a
 * new OPEN one at the destination takes the units (no deadline) and the original keeps the rest,
 * CLOSED when nothing is left to ship on it. The units' committed stock moves with them.
 * Emits fulfillment_orders/moved.
 */
export function moveFulfillmentOrder(store: StoreCore, domain: string, fulfillmentOrderId: Id, newLocationId: Id, lineItems?: FulfillmentOrderLineInput[] | null, options?: OperationOptions): MoveResult {
  const data = store.shop(domain);
  const fo = data.fulfillmentOrders.get(fulfillmentOrderId);
  if (!fo) return refuse(["id"], "Fulfillment order does not exist.");
  const location = data.shop.locations.find((l) => l.id === newLocationId);
  if (!location) return refuse(["newLocationId"], "Location does not exist.");
  if (!MOVABLE.has(fo.status)) return refuse(["id"], `Cannot move a fulfillment order that is ${fo.status.toLowerCase()}.`);
  if (fo.assignedLocationId === newLocationId) return refuse(["newLocationId"], "The fulfillment order is already assigned to this location.");
  const userErrors: FulfillmentOrderUserError[] = [];
  const take = plannedLines(fo, lineItems, ["fulfillmentOrderLineItems"], userErrors, "move");
  if (!take) return { ok: false, userErrors };
  const order = store.order(domain, fo.orderId);
  for (const { line } of take) {
    const variant = variantOf(data, order.lineItems.find((l) => l.id === line.lineItemId)?.variantId ?? null);
    if (variant && !variant.inventoryLevels.some((l) => l.locationId === newLocationId)) {
      return refuse(["newLocationId"], `${location.name} doesn't stock ${variant.sku || "an item of the fulfillment order"}.`);
    }
  }

  const at = store.at(options);
  const sourceLocationId = fo.assignedLocationId;
  const everything = fo.lineItems.every((l) => l.remainingQuantity === l.totalQuantity && take.find((t) => t.line === l)?.quantity === l.remainingQuantity);
  const occupied = order.fulfillmentOrders.some((f) => f !== fo && f.assignedLocationId === newLocationId && MOVABLE.has(f.status));
  let moved: SimFulfillmentOrder;
  if (everything && !occupied) {
    fo.assignedLocationId = newLocationId;
    fo.updatedAt = at;
    moved = fo;
  } else {
    moved = {
      ...store.mint("FulfillmentOrder"), orderId: fo.orderId, status: "OPEN", assignedLocationId: newLocationId,
      fulfillAt: fo.fulfillAt, fulfillBy: null, deliveryMethod: copyDeliveryMethod(store, fo.deliveryMethod),
      lineItems: take.map(({ line, quantity }) => ({ ...store.mint("FulfillmentOrderLineItem"), lineItemId: line.lineItemId, totalQuantity: quantity, remainingQuantity: quantity })),
      createdAt: at, updatedAt: at,
    };
    giveUp(fo, take, at);
    order.fulfillmentOrders.push(moved);
    data.fulfillmentOrders.set(moved.id, moved);
  }
  // Committed units follow the location that will ship them.
  for (const { line, quantity } of take) {
    const variant = variantOf(data, order.lineItems.find((l) => l.id === line.lineItemId)?.variantId ?? null);
    if (!variant) continue;
    moveStock(store, data, variant, sourceLocationId, quantity, at, options);
    moveStock(store, data, variant, newLocationId, -quantity, at, options);
  }
  store.emitChange({
    shop: data.shop.domain, topic: "fulfillment_orders/moved", occurredAt: at,
    fulfillmentOrder: snapshot(fo), related: [snapshot(moved)], order: snapshot(order),
    requestedLineItems: take.map((t) => ({ id: t.line.id, gid: t.line.gid, quantity: t.quantity })), sourceLocationId,
  } as StoreChange, options);
  return { ok: true, originalFulfillmentOrder: fo, movedFulfillmentOrder: moved };
}

function refuse(field: string[], message: string): MoveResult {
  return { ok: false, userErrors: [{ field, message }] };
}

function variantOf(data: ShopData, variantId: Id | null) {
  return variantId ? data.variants.get(variantId) : undefined;
}

/**
 * The units asked of a fulfillment order (all it has left to ship when not given), checked
 * against what it has left; null (with errors added) when the ask is wrong.
 */
function plannedLines(
  fo: SimFulfillmentOrder,
  lines: FulfillmentOrderLineInput[] | null | undefined,
  base: string[],
  userErrors: FulfillmentOrderUserError[],
  kind: "merge" | "move",
): PlannedIntent["take"] | null {
  const before = userErrors.length;
  const codes = kind === "merge";
  const field = (k: number, rest: string) => [...base, String(k), rest];
  let take: PlannedIntent["take"];
  if (lines === undefined || lines === null) {
    take = fo.lineItems.filter((l) => l.remainingQuantity > 0).map((line) => ({ line, quantity: line.remainingQuantity }));
  } else {
    take = [];
    lines.forEach((input, k) => {
      const line = fo.lineItems.find((l) => l.id === input.id);
      if (!line) {
        userErrors.push({ field: field(k, "id"), message: "The fulfillment order line item could not be found.", ...(codes ? { code: "INVALID_LINE_ITEM_QUANTITY" as const } : {}) });
        return;
      }
      if (!Number.isInteger(input.quantity) || input.quantity < 1) {
        userErrors.push({ field: field(k, "quantity"), message: "The fulfillment order line item quantity must be greater than 0.", ...(codes ? { code: "GREATER_THAN" as const } : {}) });
        return;
      }
      const planned = take.find((t) => t.line === line);
      const quantity = (planned?.quantity ?? 0) + input.quantity;
      if (quantity > line.remainingQuantity) {
        userErrors.push({ field: field(k, "quantity"), message: "The fulfillment order line item quantity is invalid.", ...(codes ? { code: "INVALID_LINE_ITEM_QUANTITY" as const } : {}) });
        return;
      }
      if (planned) planned.quantity = quantity;
      else take.push({ line, quantity });
    });
  }
  if (userErrors.length > before) return null;
  if (!take.length) {
    userErrors.push({ field: base, message: `The fulfillment order has no units left to ${kind}.`, ...(codes ? { code: "INVALID_LINE_ITEM_QUANTITY" as const } : {}) });
    return null;
  }
  return take;
}

/** Takes units off a fulfillment order (as a split does); CLOSED when nothing is left to ship on it. */
function giveUp(fo: SimFulfillmentOrder, take: PlannedIntent["take"], at: string): void {
  for (const { line, quantity } of take) {
    line.remainingQuantity -= quantity;
    line.totalQuantity -= quantity;
  }
  fo.lineItems = fo.lineItems.filter((l) => l.totalQuantity > 0);
  if (fo.lineItems.every((l) => l.remainingQuantity === 0)) fo.status = "CLOSED";
  fo.updatedAt = at;
}
