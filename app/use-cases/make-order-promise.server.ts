// The delivery promise of one paid order: the tier the buyer held at checkout → Shopify's
// fulfillment orders, delivery-method promises and stock → calculatePromise with the lane's
// bookings, booked one order at a time per shop → an OrderPromise row, pending its write to
// Shopify (write-order-promises.server.ts). A promise once made stays as made.
import type { Db } from "../db.server.ts";
import { erasedAmong, isAnyErased } from "../adapters/db/erasure-repository.server.ts";
import { laneBookings, tierHeldAt, withPromiseLock, type Tx } from "../adapters/db/order-promise-repository.server.ts";
import { loadPromiseSetup, loadSkuLeadTimes } from "../adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import type { OrderPromiseRequest } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readOrderPromiseInputs, type PromiseFulfillmentOrder } from "../adapters/shopify/admin-operations/order-promise-inputs.ts";
import { calculatePromise, type DeliveryPromise, type OrderLineStock, type ShopifyDeliveryPromise } from "../domain/promise-date-calculator.ts";
import { laneForTier } from "../domain/promise-rules.ts";
import { decideStoredPromise } from "../domain/stored-promise-decision.ts";
import type { TierRules } from "../domain/tier-rules.ts";

/** Fulfillment-order statuses that still take a deadline (closed, cancelled and incomplete ones do not). */
const OPEN_FULFILLMENT_ORDER = new Set(["OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD"]);

export const openFulfillmentOrderIds = (fulfillmentOrders: readonly { id: string; status: string }[]) =>
  fulfillmentOrders.filter((fo) => OPEN_FULFILLMENT_ORDER.has(fo.status)).map((fo) => fo.id);

/**
 * The tier a promise is made for: the one the buyer held just before the order (the history's
 * last change before its creation, which is what the checkout showed them); guests, new
 * customers and tiers since removed or without a lane get the base tier (the lowest).
 */
export async function tierAtCheckout(db: Db, shop: string, tierRules: TierRules, promiseLaneOf: (tierKey: string) => unknown, customerGid: string | null, orderedAt: Date): Promise<string> {
  const base = tierRules.tiers[0].key;
  if (!customerGid) return base;
  const held = await tierHeldAt(db, shop, customerGid, orderedAt);
  return held && tierRules.tiers.some((tier) => tier.key === held) && promiseLaneOf(held) ? held : base;
}

export type MakeOrderPromiseResult =
  | { status: "made"; promise: DeliveryPromise }
  | { status: "kept"; reason: "already_made" | "already_shipped" }
  | { status: "skipped"; reason: "erased" | "cancelled" | "order_not_found" };

export interface MakeOrderPromiseInput {
  db: Db;
  shop: string;
  request: OrderPromiseRequest;
  admin: () => Promise<AdminRunner>;
  now: Date;
}

export async function makeOrderPromise({ db, shop, request, admin, now }: MakeOrderPromiseInput): Promise<MakeOrderPromiseResult> {
  const { orderGid } = request;
  // A redelivered or reordered webhook finds the promise made and reads nothing from Shopify.
  const existing = await db.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid } }, select: { tierKey: true, laneKey: true, shipBy: true, shippedAt: true } });
  if (existing) return keep(existing);
  const subjects = { customerGids: request.customerGid ? [request.customerGid] : [], orderGids: [orderGid] };
  if (isAnyErased(await erasedAmong(db, shop, subjects))) return { status: "skipped", reason: "erased" };

  const orderedAt = new Date(request.orderedAt);
  const [setup, tierRules] = await Promise.all([loadPromiseSetup(db, shop, now), loadTierRules(db, shop)]);
  const tierKey = await tierAtCheckout(db, shop, tierRules, (key) => laneForTier(setup.rules, key), request.customerGid, orderedAt);
  const lane = laneForTier(setup.rules, tierKey);
  if (!lane) throw new Error(`no promise lane for the base tier "${tierKey}" of ${shop}`);

  const inputs = await readOrderPromiseInputs(await admin(), orderGid, request.lines.flatMap((line) => (line.variantGid ? [line.variantGid] : [])));
  if (!inputs) return { status: "skipped", reason: "order_not_found" };
  if (inputs.cancelled) return { status: "skipped", reason: "cancelled" };
  const leadTimes = await loadSkuLeadTimes(db, shop, request.lines.flatMap((line) => (line.sku ? [line.sku] : [])));
  const lines: OrderLineStock[] = request.lines.map((line) => {
    // Paid orders have taken their units already: a quantity below zero is this order waiting for stock.
    const available = line.variantGid ? inputs.inventory.get(line.variantGid) : undefined;
    return { sku: line.sku, inStock: available === undefined || available === null || available >= 0, replenishmentBusinessDays: line.sku ? (leadTimes.get(line.sku) ?? null) : null };
  });
  const shopifyPromises = shopifyPromisesOf(inputs.fulfillmentOrders);

  return withPromiseLock(db, shop, async (tx) => {
    // Looked at again under the lock: another job may have made it, or the order was cancelled meanwhile.
    const made = await tx.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid } }, select: { tierKey: true, laneKey: true, shipBy: true, shippedAt: true } });
    if (made) return keep(made);
    if (await cancelledInLedger(tx, shop, orderGid)) return { status: "skipped", reason: "cancelled" } as const;
    const promise = calculatePromise({
      rules: setup.rules, calendar: setup.calendar, tierKey, orderedAt, lines,
      laneBookings: await laneBookings(tx, shop, lane.key),
      destination: request.destination, shopifyPromises, now,
    });
    await tx.orderPromise.create({
      data: {
        shop, orderGid, orderName: request.orderName, customerGid: request.customerGid,
        tierKey: promise.tierKey, laneKey: promise.laneKey, orderedAt, intakeDay: promise.intakeDay,
        shipByEarliest: promise.shipByEarliest, shipBy: promise.shipBy, shipByDay: promise.shipByDay,
        arriveZone: promise.arriveBy?.zone ?? null, arriveEarliestDay: promise.arriveBy?.earliestDay ?? null, arriveLatestDay: promise.arriveBy?.latestDay ?? null,
        adjustments: JSON.stringify(promise.adjustments),
        conflict: promise.conflict ? JSON.stringify(promise.conflict) : null,
        overdueWhenMade: promise.overdueWhenMade,
        rulesVersion: setup.version,
        madeAt: now,
        writeStatus: "pending",
        deadlineFulfillmentOrders: JSON.stringify(openFulfillmentOrderIds(inputs.fulfillmentOrders)),
      },
    });
    return { status: "made", promise } as const;
  });
}

function keep(stored: { tierKey: string; laneKey: string; shipBy: Date; shippedAt: Date | null }): MakeOrderPromiseResult {
  const decision = decideStoredPromise({ stored, currentTierKey: stored.tierKey, currentLaneKey: stored.laneKey, recomputeRequested: false });
  return { status: "kept", reason: decision.action === "keep" ? decision.reason : "already_made" };
}

function shopifyPromisesOf(fulfillmentOrders: readonly PromiseFulfillmentOrder[]): ShopifyDeliveryPromise[] {
  return fulfillmentOrders.flatMap((fo) =>
    fo.deliveryMethod ? [{ brandedPromiseHandle: fo.deliveryMethod.brandedPromise?.handle ?? null, maxDeliveryAt: fo.deliveryMethod.maxDeliveryDateTime ? new Date(fo.deliveryMethod.maxDeliveryDateTime) : null }] : [],
  );
}

async function cancelledInLedger(tx: Tx, shop: string, orderGid: string): Promise<boolean> {
  const order = await tx.ledgerOrder.findUnique({ where: { shop_orderGid: { shop, orderGid } }, select: { cancelledAt: true } });
  return order?.cancelledAt != null;
}

/**
 * The order was cancelled: its promise is cancelled and its lane place freed (bookings count
 * open promises only). Under the booking lock, so a promise being made at the same moment
 * either sees the cancellation in the ledger or is cancelled here after it.
 */
export async function cancelOrderPromise(db: Db, shop: string, orderGid: string, now: Date): Promise<boolean> {
  return withPromiseLock(db, shop, async (tx) => {
    const { count } = await tx.orderPromise.updateMany({ where: { shop, orderGid, status: "open" }, data: { status: "cancelled", cancelledAt: now } });
    return count > 0;
  });
}
