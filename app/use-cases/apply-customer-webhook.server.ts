// customers/create|update|delete → the Customer row. Newer payloads (by
// updated_at) win; a deleted customer keeps only a tombstone without personal data.
import { customerFromPayload, deletedCustomerGid } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

export async function applyCustomerWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const customer = customerFromPayload(ctx.payload);
  const key = { shop_customerGid: { shop: ctx.shop, customerGid: customer.customerGid } };
  const existing = await ctx.db.customer.findUnique({ where: key, select: { shopifyUpdatedAt: true, deletedAt: true } });
  if (existing?.deletedAt) return { status: "skipped", note: "customer was deleted" };
  const fields = { email: customer.email, firstName: customer.firstName, lastName: customer.lastName, shopifyUpdatedAt: customer.updatedAt };
  if (!existing) {
    await ctx.db.customer.upsert({ where: key, create: { shop: ctx.shop, customerGid: customer.customerGid, ...fields }, update: {} });
    await ctx.requestTierRecompute([customer.customerGid], "customer");
    return { status: "processed" };
  }
  if (existing.shopifyUpdatedAt && customer.updatedAt && customer.updatedAt <= existing.shopifyUpdatedAt) {
    return { status: "processed", note: "older or identical version; unchanged" };
  }
  // Conditional on the version read, so a concurrent newer update is never overwritten.
  await ctx.db.customer.updateMany({ where: { shop: ctx.shop, customerGid: customer.customerGid, shopifyUpdatedAt: existing.shopifyUpdatedAt }, data: fields });
  return { status: "processed" };
}

export async function applyCustomerDeletedWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const customerGid = deletedCustomerGid(ctx.payload);
  await ctx.db.customer.upsert({
    where: { shop_customerGid: { shop: ctx.shop, customerGid } },
    create: { shop: ctx.shop, customerGid, deletedAt: ctx.now },
    update: { deletedAt: ctx.now, email: null, firstName: null, lastName: null },
  });
  return { status: "processed" };
}
