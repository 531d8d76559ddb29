// Fulfillments: shipping (part of) an order from its fulfillment orders, tracking updates,
// splitting a fulfillment order, the ship-by deadline, and the order's fulfillment status.
import { copyDeliveryMethod } from "./delivery-methods.ts";
import { customerSnapshot, snapshot, StoreError, type OperationOptions, type StoreCore } from "./store-core.ts";
import type { Id, IsoDateTime, SimFulfillment, SimFulfillmentOrder, SimOrder, StoreChange } from "./types.ts";

export interface FulfillOrderInput {
  /** Fulfil from this fulfillment order only; otherwise from the order's fulfillable ones (one location). */
  fulfillmentOrderId?: Id;
  /** Units to ship; all remaining units when omitted. */
  lineItems?: { lineItemId: Id; quantity: number }[];
  trackingNumber?: string | null;
  trackingCompany?: string | null;
  trackingUrl?: string | null;
  notifyCustomer?: boolean;
}

export interface TrackingUpdateInput {
  trackingNumber?: string | null;
  trackingCompany?: string | null;
  trackingUrl?: string | null;
  notifyCustomer?: boolean;
}

/**
 * A merchant ships (part of) an order, as fulfillmentCreate does: one fulfillment (SUCCESS) from
 * fulfillment orders at one location. Emits fulfillments/create, orders/fulfilled or
 * orders/partially_fulfilled, then orders/updated.
 */
export function fulfillOrder(store: StoreCore, domain: string, orderId: Id, input: FulfillOrderInput = {}, options?: OperationOptions): SimFulfillment {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  if (order.cancelledAt) throw new StoreError("cannot fulfill a cancelled order", 422);
  const fulfillable = (fo: SimFulfillmentOrder) => fo.status === "OPEN" || fo.status === "IN_PROGRESS";
  let candidates: SimFulfillmentOrder[];
  if (input.fulfillmentOrderId !== undefined) {
    const fo = order.fulfillmentOrders.find((f) => f.id === input.fulfillmentOrderId);
    if (!fo) throw new StoreError(`unknown fulfillment order ${input.fulfillmentOrderId} on order ${order.id}`, 404);
    if (!fulfillable(fo)) throw new StoreError(`fulfillment order ${fo.id} is ${fo.status} and cannot be fulfilled`, 422);
    candidates = [fo];
  } else {
    candidates = order.fulfillmentOrders.filter(fulfillable);
  }
  // One fulfillment ships from one location.
  const locationId = candidates[0]?.assignedLocationId;
  candidates = candidates.filter((fo) => fo.assignedLocationId === locationId);
  const wanted = input.lineItems ?? candidates.flatMap((fo) => fo.lineItems.filter((l) => l.remainingQuantity > 0).map((l) => ({ lineItemId: l.lineItemId, quantity: l.remainingQuantity })));
  // Plan first, so a refused request changes nothing.
  const plan: { fl: SimFulfillmentOrder["lineItems"][number]; fo: SimFulfillmentOrder; quantity: number }[] = [];
  for (const { lineItemId, quantity } of wanted) {
    if (!Number.isInteger(quantity) || quantity < 1) throw new StoreError(`quantity must be a positive integer (line item ${lineItemId})`, 422);
    let left = quantity;
    for (const fo of candidates) {
      for (const fl of fo.lineItems) {
        if (fl.lineItemId !== lineItemId || left === 0) continue;
        const already = plan.filter((p) => p.fl === fl).reduce((n, p) => n + p.quantity, 0);
        const take = Math.min(left, fl.remainingQuantity - already);
        if (take > 0) {
          plan.push({ fl, fo, quantity: take });
          left -= take;
        }
      }
    }
    if (left > 0) throw new StoreError(`cannot fulfill ${quantity} of line item ${lineItemId}: not that many remain to fulfill at one location`, 422);
  }
  if (!plan.length || locationId === undefined) throw new StoreError("nothing to fulfill", 422);
  const at = store.at(options);
  const tracking = input.trackingNumber || input.trackingCompany || input.trackingUrl
    ? [trackingInfo(input.trackingCompany ?? null, input.trackingNumber ?? null, input.trackingUrl ?? null)]
    : [];
  const quantities = new Map<Id, number>();
  for (const p of plan) quantities.set(p.fl.lineItemId, (quantities.get(p.fl.lineItemId) ?? 0) + p.quantity);
  const fulfillment: SimFulfillment = {
    ...store.mint("Fulfillment"), orderId: order.id,
    fulfillmentOrderIds: [...new Set(plan.map((p) => p.fo.id))],
    name: `${order.name}.${order.fulfillments.length + 1}`,
    status: "SUCCESS", locationId, trackingInfo: tracking,
    lineItems: [...quantities].map(([lineItemId, quantity]) => ({ ...store.mint("FulfillmentLineItem"), lineItemId, quantity })),
    notifyCustomer: input.notifyCustomer ?? false,
    createdAt: at, updatedAt: at,
  };
  for (const p of plan) p.fl.remainingQuantity -= p.quantity;
  for (const fo of new Set(plan.map((p) => p.fo))) {
    // Shopify closes a fulfillment order once nothing remains; a partly shipped one is in progress.
    fo.status = fo.lineItems.every((l) => l.remainingQuantity === 0) ? "CLOSED" : "IN_PROGRESS";
    fo.updatedAt = at;
  }
  for (const [lineItemId, quantity] of quantities) {
    const line = order.lineItems.find((l) => l.id === lineItemId)!;
    line.unfulfilledQuantity = Math.max(0, line.unfulfilledQuantity - quantity);
  }
  order.fulfillments.push(fulfillment);
  data.fulfillments.set(fulfillment.id, fulfillment);
  recomputeFulfillmentStatus(order);
  order.updatedAt = at;
  if (!options?.silent) {
    store.emitChange({ shop: data.shop.domain, topic: "fulfillments/create", occurredAt: at, fulfillment: snapshot(fulfillment), order: snapshot(order), customer: customerSnapshot(data, order) } as StoreChange, options);
  }
  store.orderChange(order.fulfillmentStatus === "FULFILLED" ? "orders/fulfilled" : "orders/partially_fulfilled", data, order, at, options);
  store.orderChange("orders/updated", data, order, at, options);
  return fulfillment;
}

/** fulfillmentTrackingInfoUpdate: replaces the tracking info; emits fulfillments/update. */
export function updateFulfillmentTracking(store: StoreCore, domain: string, fulfillmentId: Id, input: TrackingUpdateInput, options?: OperationOptions): SimFulfillment {
  const data = store.shop(domain);
  const f = store.fulfillment(domain, fulfillmentId);
  if (f.status === "CANCELLED") throw new StoreError("cannot update the tracking of a cancelled fulfillment", 422);
  if (!input.trackingNumber && !input.trackingCompany && !input.trackingUrl) throw new StoreError("trackingNumber, trackingCompany or trackingUrl is required", 422);
  const at = store.at(options);
  f.trackingInfo = [trackingInfo(input.trackingCompany ?? f.trackingInfo[0]?.company ?? null, input.trackingNumber ?? null, input.trackingUrl ?? null)];
  if (input.notifyCustomer !== undefined) f.notifyCustomer = input.notifyCustomer;
  f.updatedAt = at;
  if (!options?.silent) {
    const order = store.order(domain, f.orderId);
    store.emitChange({ shop: data.shop.domain, topic: "fulfillments/update", occurredAt: at, fulfillment: snapshot(f), order: snapshot(order), customer: customerSnapshot(data, order) } as StoreChange, options);
  }
  return f;
}

/** Splits quantities off a fulfillment order into a new one (as the admin's "split" does). */
export function splitFulfillmentOrder(store: StoreCore, domain: string, fulfillmentOrderId: Id, lines: { lineItemId: Id; quantity: number }[], options?: OperationOptions): SimFulfillmentOrder {
  const data = store.shop(domain);
  const fo = data.fulfillmentOrders.get(fulfillmentOrderId);
  if (!fo) throw new StoreError(`unknown fulfillment order ${fulfillmentOrderId}`, 404);
  if (!SPLITTABLE.has(fo.status)) throw new StoreError(`fulfillment order ${fo.id} is ${fo.status} and cannot be split`, 422);
  const order = store.order(domain, fo.orderId);
  const at = store.at(options);
  // The new order does not carry the deadline: Shopify leaves fulfillBy to be set again.
  const created: SimFulfillmentOrder = { ...store.mint("FulfillmentOrder"), orderId: fo.orderId, status: "OPEN", assignedLocationId: fo.assignedLocationId, fulfillAt: fo.fulfillAt, fulfillBy: null, deliveryMethod: copyDeliveryMethod(store, fo.deliveryMethod), lineItems: [], createdAt: at, updatedAt: at };
  // Check everything first, so a refused split changes nothing.
  for (const { lineItemId, quantity } of lines) {
    const fl = fo.lineItems.find((l) => l.lineItemId === lineItemId);
    const asked = lines.filter((l) => l.lineItemId === lineItemId).reduce((n, l) => n + l.quantity, 0);
    if (!fl || !Number.isInteger(quantity) || quantity < 1 || asked > fl.remainingQuantity) throw new StoreError(`cannot split ${quantity} of line item ${lineItemId}`, 422);
  }
  if (!lines.length) throw new StoreError("a split needs at least one line item", 422);
  for (const { lineItemId, quantity } of lines) {
    const fl = fo.lineItems.find((l) => l.lineItemId === lineItemId)!;
    fl.remainingQuantity -= quantity;
    fl.totalQuantity -= quantity;
    created.lineItems.push({ ...store.mint("FulfillmentOrderLineItem"), lineItemId, totalQuantity: quantity, remainingQuantity: quantity });
  }
  fo.lineItems = fo.lineItems.filter((l) => l.totalQuantity > 0);
  fo.updatedAt = at;
  order.fulfillmentOrders.push(created);
  data.fulfillmentOrders.set(created.id, created);
  store.emitChange({ shop: data.shop.domain, topic: "fulfillment_orders/split", occurredAt: at, fulfillmentOrder: snapshot(fo), related: [snapshot(created)], order: snapshot(order) } as StoreChange, options);
  return created;
}

const SPLITTABLE = new Set<SimFulfillmentOrder["status"]>(["OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD"]);

/** Fulfillment orders that are finished (nothing left to ship on them): no deadline can apply. */
export const FINISHED_FULFILLMENT_ORDER = new Set<SimFulfillmentOrder["status"]>(["CLOSED", "CANCELLED", "INCOMPLETE"]);

/**
 * Sets FulfillmentOrder.fulfillBy, all or nothing: when any id is not one of the shop's live
 * fulfillment orders (unknown, another shop's, closed, cancelled), nothing changes and the answer
 * is FULFILLMENT_ORDERS_NOT_FOUND, the one refusal Shopify's schema has for it. Repeated ids count
 * once. Shopify sends no webhook for this.
 */
export function setFulfillmentDeadline(store: StoreCore, domain: string, fulfillmentOrderIds: Id[], deadline: IsoDateTime): { ok: true; fulfillmentOrders: SimFulfillmentOrder[] } | { ok: false; message: string } {
  const data = store.shop(domain);
  const fos = [...new Set(fulfillmentOrderIds)].map((id) => data.fulfillmentOrders.get(id));
  if (fos.some((fo) => !fo || FINISHED_FULFILLMENT_ORDER.has(fo.status))) return { ok: false, message: "The fulfillment orders could not be found." };
  const at = store.now().toISOString();
  for (const fo of fos as SimFulfillmentOrder[]) {
    fo.fulfillBy = deadline;
    fo.updatedAt = at;
  }
  return { ok: true, fulfillmentOrders: fos as SimFulfillmentOrder[] };
}
/** Lowers what remains to fulfill of a line item, from fulfillable fulfillment orders first. */
export function takeFromFulfillmentOrders(order: SimOrder, lineItemId: Id, units: number): void {
  const rank = (s: SimFulfillmentOrder["status"]) => (s === "OPEN" || s === "IN_PROGRESS" ? 0 : 1);
  const fos = [...order.fulfillmentOrders].sort((a, b) => rank(a.status) - rank(b.status));
  for (const fo of fos) {
    for (const fl of fo.lineItems) {
      if (units === 0) return;
      if (fl.lineItemId !== lineItemId) continue;
      const take = Math.min(units, fl.remainingQuantity);
      fl.remainingQuantity -= take;
      units -= take;
    }
  }
}

/** Order.displayFulfillmentStatus from what has shipped of the items still on the order. */
export function recomputeFulfillmentStatus(order: SimOrder): void {
  // Returns don't undo a shipment: once something shipped, the order stays (partially) fulfilled.
  if (!order.fulfillments.some((f) => f.status === "SUCCESS")) return;
  const live = order.lineItems.filter((l) => l.currentQuantity > 0);
  // Items that need no shipping have no fulfillment order in the store, so they cannot hold the order back.
  const done = live.filter((l) => l.requiresShipping).every((l) => l.unfulfilledQuantity === 0);
  order.fulfillmentStatus = done ? "FULFILLED" : "PARTIALLY_FULFILLED";
}

/** Tracking URL prefixes of carriers Shopify knows. */
const CARRIER_TRACKING_URLS: Record<string, string> = {
  UPS: "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=",
  USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
  FedEx: "https://www.fedex.com/fedextrack/?trknbr=",
  "DHL Express": "https://www.dhl.com/en/express/tracking.html?AWB=",
};

/** Shopify fills in a tracking URL for carriers it knows. */
function trackingInfo(company: string | null, number: string | null, url: string | null): SimFulfillment["trackingInfo"][number] {
  const base = company ? CARRIER_TRACKING_URLS[company] : undefined;
  if (!url && number && base) url = base + encodeURIComponent(number);
  return { company, number, url };
}

