/**
 * Closing the loop: fulfillment webhooks score each shipped line against its order's stored
 * promise, and the order's own outcome once it is fully shipped (rule: order-shipment-outcome.ts).
 *
 * Exported API
 * - applyFulfillmentWebhook(ctx)        fulfillments/create, fulfillments/update
 * - applyOrderShippingWebhook(ctx)      orders/updated: what the order needs shipped, and the
 *                                       fulfillments it lists (a lost fulfillment webhook is made good)
 * - scoreOrderShipments(db, shop, orderGid): Promise<ScoreSummary>
 *       (re)scores everything stored for the order from the stored rows alone, so any arrival
 *       order of the webhooks ends in the same result. The flow that creates a promise calls it
 *       after storing one, for fulfillments that arrived before the promise did.
 *
 * No stored promise: the fulfillment's lines are kept unscored (no customer data in them) and
 * nothing counts. A webhook about an erased order never gets here (the erasure guard).
 */
import type { Db } from "../db.server.ts";
import { loadPromiseSetup } from "../adapters/db/promise-settings-repository.server.ts";
import { saveFulfillment, saveOrderShippingNeeds } from "../adapters/db/promise-score-repository.server.ts";
import { fulfillmentFromPayload, orderShippingNeedsFromPayload } from "../adapters/shopify/fulfillment-payloads.ts";
import { localDateOf, type BusinessCalendar } from "../domain/business-calendar.ts";
import { fulfillmentState, orderShipmentOutcome, type CountedLine, type LineNeed } from "../domain/order-shipment-outcome.ts";
import { scoreShipment } from "../domain/promise-score.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

export type ScoreSummary = {
  /** false: the order has no stored promise, nothing was scored. */
  promised: boolean;
  /** Lines counted (shipped, scored) now. */
  counted: number;
  /** The promise's state afterwards. */
  orderStatus: string | null;
  outcome: string | null;
};

export async function applyFulfillmentWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const fulfillment = fulfillmentFromPayload(ctx.payload);
  const stored = await saveFulfillment(ctx.db, ctx.shop, fulfillment);
  // Scored even when this version was not newer: an earlier delivery may have stored it and
  // stopped before scoring. Scoring writes nothing when nothing changed.
  const summary = await scoreOrderShipments(ctx.db, ctx.shop, fulfillment.orderGid);
  return { status: "processed", note: `${stored ? "" : "older or identical version of the fulfillment; "}${describe(summary)}` };
}

export async function applyOrderShippingWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  // Before anything shipped there is nothing to cover: no row, no statement (this runs for every
  // orders/updated). Every fulfillment change makes Shopify send orders/updated, listing them.
  const listed = (ctx.payload as { fulfillments?: unknown } | null)?.fulfillments;
  if (!Array.isArray(listed) || listed.length === 0) return { status: "skipped", note: "nothing fulfilled yet" };
  const needs = orderShippingNeedsFromPayload(ctx.payload);
  let changed = await saveOrderShippingNeeds(ctx.db, ctx.shop, needs);
  for (const fulfillment of needs.fulfillments) if (await saveFulfillment(ctx.db, ctx.shop, fulfillment)) changed = true;
  if (!changed && !ctx.retry) return { status: "processed", note: "shipping state unchanged" };
  return { status: "processed", note: describe(await scoreOrderShipments(ctx.db, ctx.shop, needs.orderGid)) };
}

function describe(summary: ScoreSummary): string {
  if (!summary.promised) return "no stored promise for the order; nothing scored";
  return `${summary.counted} shipped line(s) scored; promise ${summary.orderStatus}${summary.outcome ? ` (${summary.outcome})` : ""}`;
}

const MAX_ATTEMPTS = 5;

export async function scoreOrderShipments(db: Db, shop: string, orderGid: string): Promise<ScoreSummary> {
  let calendar: BusinessCalendar | null = null;
  for (let attempt = 1; ; attempt++) {
    const [promise, lines, shipping] = await Promise.all([
      db.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid } } }),
      db.promiseShipmentLine.findMany({ where: { shop, orderGid } }),
      db.promiseOrderShipping.findUnique({ where: { shop_orderGid: { shop, orderGid } } }),
    ]);
    if (!promise) return { promised: false, counted: 0, orderStatus: null, outcome: null };
    // Holidays of the promise's year and the next: the ship days a score walks over, whenever it runs.
    calendar ??= (await loadPromiseSetup(db, shop, promise.shipBy)).calendar;

    const counted: CountedLine[] = [];
    for (const line of lines) {
      const shipped = fulfillmentState(line.fulfillmentStatus) === "shipped";
      const score = shipped ? scoreShipment({ shipBy: promise.shipBy, shippedAt: line.shippedAt, calendar }) : null;
      const next = score
        ? { tierKey: promise.tierKey, laneKey: promise.laneKey, shipBy: promise.shipBy, shipDay: localDateOf(calendar, line.shippedAt), outcome: score.outcome, lateByWorkingDays: score.outcome === "late" ? score.lateByWorkingDays : 0 }
        : { tierKey: promise.tierKey, laneKey: promise.laneKey, shipBy: promise.shipBy, shipDay: null, outcome: null, lateByWorkingDays: null };
      if (score && line.lineItemGid) counted.push({ lineItemGid: line.lineItemGid, quantity: line.quantity, shippedAt: line.shippedAt, outcome: score.outcome });
      const same = line.tierKey === next.tierKey && line.laneKey === next.laneKey && line.shipBy?.getTime() === next.shipBy.getTime() && line.shipDay === next.shipDay && line.outcome === next.outcome && line.lateByWorkingDays === next.lateByWorkingDays;
      // Only over the version read: a newer delivery of this fulfillment scores itself.
      if (!same) await db.promiseShipmentLine.updateMany({ where: { id: line.id, fulfillmentStatus: line.fulfillmentStatus, fulfillmentUpdatedAt: line.fulfillmentUpdatedAt }, data: next });
    }

    // Only open and shipped promises follow their shipments (a cancelled order's stays cancelled).
    if (promise.status !== "open" && promise.status !== "shipped") return { promised: true, counted: counted.length, orderStatus: promise.status, outcome: promise.outcome };
    const needs = shipping ? (JSON.parse(shipping.lines) as LineNeed[]) : null;
    const result = orderShipmentOutcome({ needs, shipped: counted });
    const target = result.fullyShipped
      ? { status: "shipped", shippedAt: result.shippedAt, outcome: result.outcome }
      : { status: "open", shippedAt: null, outcome: null };
    if (promise.status === target.status && promise.shippedAt?.getTime() === target.shippedAt?.getTime() && promise.outcome === target.outcome) {
      return { promised: true, counted: counted.length, orderStatus: target.status, outcome: target.outcome };
    }
    // Optimistic: written only over the promise as read; if anything changed it meanwhile, read again.
    const written = await db.orderPromise.updateMany({ where: { shop, orderGid, updatedAt: promise.updatedAt, status: promise.status }, data: target });
    if (written.count > 0 || attempt >= MAX_ATTEMPTS) {
      if (written.count === 0) throw new Error(`promise of ${orderGid} kept changing while it was scored; try again`);
      return { promised: true, counted: counted.length, orderStatus: target.status, outcome: target.outcome };
    }
  }
}
