// Shopify's mandatory privacy webhooks, handled for real:
// - customers/data_request: gather every record Tierline holds on the customer
//   into a ComplianceRequest the merchant can hand over;
// - customers/redact: delete the customer's records (and the listed orders);
// - shop/redact: delete everything held for the shop (48 h after uninstall).
import { complianceSubject } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";
import { deleteShopData } from "./shop-lifecycle.server.ts";

async function ordersOf(ctx: WebhookContext, customerGid: string | null, listed: string[]): Promise<string[]> {
  const own = customerGid
    ? (await ctx.db.ledgerOrder.findMany({ where: { shop: ctx.shop, customerGid }, select: { orderGid: true } })).map((o) => o.orderGid)
    : [];
  return [...new Set([...own, ...listed])];
}

export async function applyCustomerDataRequest(ctx: WebhookContext): Promise<WebhookOutcome> {
  const subject = complianceSubject(ctx.payload);
  const orderGids = await ordersOf(ctx, subject.customerGid, subject.orderGids);
  const [customer, orders, refunds, tierChanges] = await Promise.all([
    subject.customerGid ? ctx.db.customer.findUnique({ where: { shop_customerGid: { shop: ctx.shop, customerGid: subject.customerGid } } }) : null,
    ctx.db.ledgerOrder.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    ctx.db.ledgerRefund.findMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    subject.customerGid ? ctx.db.tierChange.findMany({ where: { shop: ctx.shop, customerGid: subject.customerGid }, orderBy: { occurredAt: "asc" } }) : [],
  ]);
  const exported = { customer, orders, refunds, tierChanges, generatedAt: ctx.now.toISOString() };
  await ctx.db.complianceRequest.create({
    data: { shop: ctx.shop, topic: ctx.topic, customerGid: subject.customerGid, export: JSON.stringify(exported), receivedAt: ctx.now, completedAt: ctx.now },
  });
  return { status: "processed" };
}

export async function applyCustomerRedact(ctx: WebhookContext): Promise<WebhookOutcome> {
  const subject = complianceSubject(ctx.payload);
  const orderGids = await ordersOf(ctx, subject.customerGid, subject.orderGids);
  const deletions = await ctx.db.$transaction([
    ctx.db.ledgerRefund.deleteMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    ctx.db.ledgerOrder.deleteMany({ where: { shop: ctx.shop, orderGid: { in: orderGids } } }),
    ...(subject.customerGid
      ? [
          ctx.db.tierChange.deleteMany({ where: { shop: ctx.shop, customerGid: subject.customerGid } }),
          ctx.db.customer.deleteMany({ where: { shop: ctx.shop, customerGid: subject.customerGid } }),
        ]
      : []),
  ]);
  const deletedRows = deletions.reduce((sum, d) => sum + d.count, 0);
  await ctx.db.complianceRequest.create({
    data: { shop: ctx.shop, topic: ctx.topic, customerGid: subject.customerGid, deletedRows, receivedAt: ctx.now, completedAt: ctx.now },
  });
  return { status: "processed" };
}

export async function applyShopRedact(ctx: WebhookContext): Promise<WebhookOutcome> {
  const deletedRows = await deleteShopData(ctx.db, ctx.shop, ctx.webhookId);
  // Deliveries are deleted too; keep the fact that the shop was redacted (no personal data).
  await ctx.db.complianceRequest.deleteMany({ where: { shop: ctx.shop, topic: { not: "shop/redact" } } });
  await ctx.db.complianceRequest.create({ data: { shop: ctx.shop, topic: ctx.topic, deletedRows, receivedAt: ctx.now, completedAt: ctx.now } });
  return { status: "processed" };
}
