// The delivery promise of one paid order: the tier the buyer held at checkout → Shopify's
// fulfillment orders, delivery-method promises and stock → calculatePromise with the lane's
// bookings, booked one order at a time per shop → an OrderPromise row, pending its write to
// Shopify (write-order-promises.server.ts). A promise once made stays as made.
import type { Db } from "../db.server.ts";
import { erasedAmong, isAnyErased } from "../adapters/db/erasure-repository.server.ts";
import { bookPromise, cancelOpenPromise, loadPromiseContext, type PromiseContext, type StoredPromiseState } from "../adapters/db/order-promise-statements.server.ts";
import { loadSkuSupplySettings, promiseSetupFor } from "../adapters/db/promise-settings-repository.server.ts";
import { loadSupplyShortages } from "../adapters/db/replenishment-repository.server.ts";
import { loadTierRules, tierRulesFrom } from "../adapters/db/tier-settings-repository.server.ts";
import type { OrderPromiseRequest } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readOrderLinesForPromise } from "../adapters/shopify/admin-operations/order-for-promise.ts";
import { readOrderPromiseInputs, type PromiseFulfillmentOrder } from "../adapters/shopify/admin-operations/order-promise-inputs.ts";
import { calculatePromise, type DeliveryPromise, type ShopifyDeliveryPromise } from "../domain/promise-date-calculator.ts";
import { orderLinesFollowingSupply } from "../domain/supply-promise.ts";
import { removeTags } from "../adapters/shopify/admin-operations/tags-remove.ts";
import { orderTierTag } from "../domain/order-promise-writes.ts";
import { laneForTier } from "../domain/promise-rules.ts";
import { localDateOf } from "../domain/business-calendar.ts";
import { decideStoredPromise, type PromiseDrift } from "../domain/stored-promise-decision.ts";
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
export function tierAtCheckout(tierRules: TierRules, promiseLaneOf: (tierKey: string) => unknown, heldTierKey: string | null): string {
  const base = tierRules.tiers[0].key;
  return heldTierKey && tierRules.tiers.some((tier) => tier.key === heldTierKey) && promiseLaneOf(heldTierKey) ? heldTierKey : base;
}

export type MakeOrderPromiseResult =
  | { status: "made"; promise: DeliveryPromise }
  | { status: "recomputed"; promise: DeliveryPromise; drift: PromiseDrift[] }
  | { status: "kept"; reason: "already_made" | "already_shipped" }
  | { status: "skipped"; reason: "erased" | "cancelled" | "order_not_found" };

export interface MakeOrderPromiseInput {
  db: Db;
  shop: string;
  request: OrderPromiseRequest;
  admin: () => Promise<AdminRunner>;
  now: Date;
  /** The order's promise context as read with its webhook batch's (loadPromiseContexts); absent: read here. */
  context?: PromiseContext;
}

const STORED = { tierKey: true, laneKey: true, shipBy: true, shippedAt: true, status: true } as const;
const REQUEST = { orderName: true, customerGid: true, orderedAt: true, destinationCountry: true, destinationProvince: true } as const;

export async function makeOrderPromise({ db, shop, request, admin, now, context }: MakeOrderPromiseInput): Promise<MakeOrderPromiseResult> {
  return book({ db, shop, request, admin, now, recompute: false, ...(context ? { context } : {}) });
}

/**
 * The merchant asks for an order's promise to be made again: from the order's own time and
 * the buyer's tier at checkout, with the current rules and bookings (its own place is given
 * back first). Never once shipped or cancelled: the score would be rewritten after the fact.
 */
export async function recomputeOrderPromise({ db, shop, orderGid, admin, now }: Omit<MakeOrderPromiseInput, "request"> & { orderGid: string }): Promise<MakeOrderPromiseResult> {
  const stored = await db.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid } }, select: { ...STORED, ...REQUEST } });
  // Only a promise that was made can be made again: the order's buyer, time and destination come from it.
  if (!stored) return { status: "skipped", reason: "order_not_found" };
  if (stored.shippedAt !== null || stored.status !== "open") return { status: "kept", reason: "already_shipped" };
  const lines = await readOrderLinesForPromise(await admin(), orderGid);
  if (!lines) return { status: "skipped", reason: "order_not_found" };
  const request: OrderPromiseRequest = {
    orderGid, orderName: stored.orderName, customerGid: stored.customerGid, orderedAt: stored.orderedAt.toISOString(), lines,
    destination: stored.destinationCountry ? { countryCode: stored.destinationCountry, provinceCode: stored.destinationProvince } : null,
  };
  const result = await book({ db, shop, request, admin, now, recompute: true });
  // The order carries its promise's tier tag only: a tier the recompute left loses its tag (the
  // write adds the new one). Every other tier's tag is removed, not just the one read above, so a
  // retry after the row was rewritten still removes it; tagsRemove of an absent tag changes nothing.
  if (result.status === "recomputed") {
    const tierRules = await loadTierRules(db, shop);
    const keep = orderTierTag(tierRules, result.promise.tierKey);
    const others = new Set([orderTierTag(tierRules, stored.tierKey), ...tierRules.tiers.map((tier) => orderTierTag(tierRules, tier.key))]);
    others.delete(keep);
    await removeTags(await admin(), orderGid, [...others]);
  }
  return result;
}

async function book({ db, shop, request, admin, now, recompute, context: read }: MakeOrderPromiseInput & { recompute: boolean }): Promise<MakeOrderPromiseResult> {
  const { orderGid } = request;
  const orderedAt = new Date(request.orderedAt);
  // One statement: the promise if made, the buyer's tier history before the order, the rules, and
  // whether the shop has any erasure tombstone (only then are this order's subjects looked up).
  // Or read with the order's webhook batch: unlocked either way, the booking looks again under the lock.
  const context = read ?? (await loadPromiseContext(db, shop, orderGid, request.customerGid, orderedAt));
  // A redelivered or reordered webhook finds the promise made and reads nothing from Shopify.
  if (context.existing && !recompute) return keep(context.existing);
  const subjects = { customerGids: request.customerGid ? [request.customerGid] : [], orderGids: [orderGid] };
  if (context.shopHasTombstones && isAnyErased(await erasedAmong(db, shop, subjects))) return { status: "skipped", reason: "erased" };

  const setup = await promiseSetupFor(db, shop, context.settingsStamp, now);
  const tierRules = tierRulesFrom(shop, context.tierSettings);
  const tierKey = tierAtCheckout(tierRules, (key) => laneForTier(setup.rules, key), context.heldTierKey);
  const lane = laneForTier(setup.rules, tierKey);
  if (!lane) throw new Error(`no promise lane for the base tier "${tierKey}" of ${shop}`);

  // Stock is read only for variants whose stock Shopify tracks (an untracked one is always available).
  const inputs = await readOrderPromiseInputs(await admin(), orderGid, request.lines.flatMap((line) => (line.variantGid && line.inventoryTracked !== false ? [line.variantGid] : [])));
  if (!inputs) return { status: "skipped", reason: "order_not_found" };
  if (inputs.cancelled) return { status: "skipped", reason: "cancelled" };
  const skus = request.lines.flatMap((line) => (line.sku ? [line.sku] : []));
  const [{ leadTimes, priorityCapacity }, supply] = await Promise.all([loadSkuSupplySettings(db, shop, skus), loadSupplyShortages(db, shop, skus)]);
  // Paid orders have taken their units already: a quantity below zero is this order waiting for stock;
  // while a SKU is short, its supply (and, for priority tiers, the SKU's priority capacity) decides per tier (supply-promise.ts).
  const lines = orderLinesFollowingSupply({
    lines: request.lines.map((line) => ({ sku: line.sku, availableAfterOrder: line.variantGid ? inputs.inventory.get(line.variantGid) : undefined })),
    leadTimes, priorityCapacity, supply, tierKey, calendar: setup.calendar, orderedAt,
  });
  const shopifyPromises = shopifyPromisesOf(inputs.fulfillmentOrders);

  return bookPromise(db, shop, orderGid, { laneKey: lane.key, fromDay: localDateOf(setup.calendar, orderedAt) }, async (booking): Promise<MakeOrderPromiseResult> => {
    // Looked at again under the lock: another job may have made it (or shipped it), or the order was cancelled meanwhile.
    const { made } = booking;
    const decision = decideStoredPromise({ stored: made, currentTierKey: tierKey, currentLaneKey: lane.key, recomputeRequested: recompute });
    if (decision.action === "keep" || (made && made.status !== "open")) return keep(made!);
    if (booking.cancelled) return { status: "skipped", reason: "cancelled" };
    // A recompute gives its own place back before booking again.
    if (made) await booking.remove();
    const promise = calculatePromise({
      rules: setup.rules, calendar: setup.calendar, tierKey, orderedAt, lines,
      laneBookings: booking.laneBookings,
      destination: request.destination, shopifyPromises, now,
    });
    booking.insert({
        shop, orderGid, orderName: request.orderName, customerGid: request.customerGid,
        destinationCountry: request.destination?.countryCode ?? null, destinationProvince: request.destination?.provinceCode ?? null,
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
        updatedAt: now,
    });
    return decision.action === "recompute" ? { status: "recomputed", promise, drift: decision.drift } : { status: "made", promise };
  });
}

function keep(stored: StoredPromiseState): MakeOrderPromiseResult {
  const decision = decideStoredPromise({ stored, currentTierKey: stored.tierKey, currentLaneKey: stored.laneKey, recomputeRequested: false });
  return { status: "kept", reason: decision.action === "keep" ? decision.reason : "already_made" };
}

function shopifyPromisesOf(fulfillmentOrders: readonly PromiseFulfillmentOrder[]): ShopifyDeliveryPromise[] {
  return fulfillmentOrders.flatMap((fo) =>
    fo.deliveryMethod ? [{ brandedPromiseHandle: fo.deliveryMethod.brandedPromise?.handle ?? null, maxDeliveryAt: fo.deliveryMethod.maxDeliveryDateTime ? new Date(fo.deliveryMethod.maxDeliveryDateTime) : null }] : [],
  );
}

/**
 * The order was cancelled: its promise is cancelled and its lane place freed (bookings count
 * open promises only). Under the booking lock, so a promise being made at the same moment
 * either sees the cancellation in the ledger or is cancelled here after it.
 */
export async function cancelOrderPromise(db: Db, shop: string, orderGid: string, now: Date): Promise<boolean> {
  return cancelOpenPromise(db, shop, orderGid, now);
}
