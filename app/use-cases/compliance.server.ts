// Shopify's mandatory privacy webhooks, handled for real:
// - customers/data_request: gather every record Tierline holds on the customer
//   into a ComplianceRequest the merchant can hand over;
// - customers/redact: erase the customer: their rows, their orders and refunds, the
//   stored webhook payloads that name them (also ones not processed yet), earlier
//   data-request exports; leave only keyed-hash tombstones so no later webhook,
//   backfill or reconciliation brings them back (docs/decisions/0007);
// - shop/redact: delete everything held for the shop (48 h after uninstall).
import {
  blankDeliveriesNaming,
  blankDelivery,
  deleteSubjectRows,
  deliveriesNaming,
  erasedAmong,
  flowEventsAbout,
  isAnyErased,
  ordersHeldFor,
  recordTombstones,
} from "../adapters/db/erasure-repository.server.ts";
import { complianceSubject } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";
import { deleteShopData } from "./shop-lifecycle.server.ts";

/** A payload blanked by an erasure (this delivery's work was done before it was blanked). */
const isBlanked = (payload: unknown) => typeof payload === "object" && payload !== null && Object.keys(payload).length === 0;

async function ordersOf(ctx: WebhookContext, customerGid: string | null, listed: string[]): Promise<string[]> {
  const own = customerGid ? await ordersHeldFor(ctx.db, ctx.shop, customerGid) : [];
  // A promise names its buyer even when the ledger holds no row for the order.
  const promised = customerGid ? await ctx.db.orderPromise.findMany({ where: { shop: ctx.shop, customerGid }, select: { orderGid: true } }) : [];
  return [...new Set([...own, ...promised.map((p) => p.orderGid), ...listed])];
}

export async function applyCustomerDataRequest(ctx: WebhookContext): Promise<WebhookOutcome> {
  if (isBlanked(ctx.payload)) return { status: "processed", note: "payload erased" };
  const subject = complianceSubject(ctx.payload);
  const erased = await erasedAmong(ctx.db, ctx.shop, { customerGids: subject.customerGid ? [subject.customerGid] : [], orderGids: [] });
  if (isAnyErased(erased)) {
    // Nothing is held any more; keeping the request would keep their id and email.
    await blankDelivery(ctx.db, ctx.webhookId, ctx.now);
    const exported = { erased: true, note: "This customer's data was erased after a customers/redact request; Tierline holds nothing on them.", generatedAt: ctx.now.toISOString() };
    await ctx.db.complianceRequest.create({ data: { shop: ctx.shop, topic: ctx.topic, export: JSON.stringify(exported), receivedAt: ctx.now, completedAt: ctx.now } });
    return { status: "processed", note: "customer was erased" };
  }
  const orderGids = await ordersOf(ctx, subject.customerGid, subject.orderGids);
  const subjects = { customerGids: subject.customerGid ? [subject.customerGid] : [], orderGids };
  const [customer, orders, refunds, tierChanges, promises, promiseShipments, orderShipping, spendAdjustments, flowTriggers, deliveries] = await Promise.all([
    subject.customerGid ? ctx.db.customer.findUnique({ where: { shop_customerGid: { shop: ctx.shop, customerGid: subject.customerGid } } }) : null,
    ctx.db.ledgerOrder.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    ctx.db.ledgerRefund.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    subject.customerGid ? ctx.db.tierChange.findMany({ where: { shop: ctx.shop, customerGid: subject.customerGid }, orderBy: { occurredAt: "asc" } }) : [],
    ctx.db.orderPromise.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    ctx.db.promiseShipmentLine.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } }, orderBy: { shippedAt: "asc" } }),
    ctx.db.promiseOrderShipping.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    subject.customerGid ? ctx.db.ledgerAdjustment.findMany({ where: { shop: ctx.shop, customerGid: subject.customerGid }, orderBy: { effectiveAt: "asc" } }) : [],
    flowEventsAbout(ctx.db, ctx.shop, subjects).then((where) => ctx.db.flowTriggerFiring.findMany({ where, orderBy: { createdAt: "asc" } })),
    // The stored webhook payloads naming them hold their name, email, phone and addresses as Shopify sent them.
    deliveriesNaming(ctx.db, ctx.shop, subjects, { except: ctx.webhookId }),
  ]);
  // Once each, though one may name ids of two batches.
  const webhookDeliveries = [...new Map(deliveries.flat().map(({ webhookId, topic, receivedAt, payload }) => [webhookId, { webhookId, topic, receivedAt, payload }])).values()];
  const exported = { customer, orders, refunds, tierChanges, promises, promiseShipments, orderShipping, spendAdjustments, flowTriggers, webhookDeliveries, generatedAt: ctx.now.toISOString() };
  await ctx.db.complianceRequest.create({
    data: { shop: ctx.shop, topic: ctx.topic, customerGid: subject.customerGid, export: JSON.stringify(exported), receivedAt: ctx.now, completedAt: ctx.now },
  });
  return { status: "processed" };
}

export async function applyCustomerRedact(ctx: WebhookContext): Promise<WebhookOutcome> {
  // A retry after the erasure blanked this very delivery: the work is done.
  if (isBlanked(ctx.payload)) return { status: "processed", note: "already erased" };
  const subject = complianceSubject(ctx.payload);
  const subjects = { customerGids: subject.customerGid ? [subject.customerGid] : [], orderGids: await ordersOf(ctx, subject.customerGid, subject.orderGids) };
  // Tombstones first and committed: a writer racing with this erasure sees them on its second look.
  await recordTombstones(ctx.db, ctx.shop, subjects, ctx.now);
  const deletedRows = await deleteSubjectRows(ctx.db, ctx.shop, subjects);
  // The other deliveries naming them, then (last, so a retry before it redoes everything idempotently) this one.
  const blanked = await blankDeliveriesNaming(ctx.db, ctx.shop, subjects, ctx.now, { except: ctx.webhookId });
  // The record of the request keeps counts only: no id, no email.
  await ctx.db.complianceRequest.create({ data: { shop: ctx.shop, topic: ctx.topic, deletedRows: deletedRows + blanked, receivedAt: ctx.now, completedAt: ctx.now } });
  await blankDelivery(ctx.db, ctx.webhookId, ctx.now);
  return { status: "processed" };
}

export async function applyShopRedact(ctx: WebhookContext): Promise<WebhookOutcome> {
  const deletedRows = await deleteShopData(ctx.db, ctx.shop, ctx.webhookId);
  // Deliveries are deleted too; keep the fact that the shop was redacted (no personal data).
  await ctx.db.complianceRequest.deleteMany({ where: { shop: ctx.shop, topic: { not: "shop/redact" } } });
  await ctx.db.complianceRequest.create({ data: { shop: ctx.shop, topic: ctx.topic, deletedRows, receivedAt: ctx.now, completedAt: ctx.now } });
  return { status: "processed" };
}
