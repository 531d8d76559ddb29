// customers/create|update|delete → the Customer row. Newer payloads (by
// updated_at) win; a deleted customer keeps only a tombstone without personal data.
import { saveCustomerContact, type CustomerContact } from "../adapters/db/customer-tier-statements.server.ts";
import { customerFromPayload, deletedCustomerGid, type CustomerRecord } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

/** The row's contact columns from what Shopify reports: a customers/* payload, or reconciliation's read. */
export function contactOf(customer: CustomerRecord): CustomerContact {
  return { email: customer.email, firstName: customer.firstName, lastName: customer.lastName, shopifyUpdatedAt: customer.updatedAt };
}

/**
 * Of several versions of one customer, the one whose contact, once stored, leaves the others
 * nothing to change (saveCustomerContact keeps a strictly newer updated_at): the newest, provided
 * no other of the same time differs from it (the first stored would win such a tie). null when
 * none does, or a version has no time.
 */
export function leadingContactVersion(versions: readonly CustomerRecord[]): number | null {
  if (versions.some((v) => v.updatedAt === null)) return null;
  const time = (v: CustomerRecord) => v.updatedAt!.getTime();
  const lead = versions.reduce((best, v, i) => (time(v) > time(versions[best]) ? i : best), 0);
  const leader = versions[lead];
  const tied = versions.some((v) => v !== leader && time(v) === time(leader) && (v.email !== leader.email || v.firstName !== leader.firstName || v.lastName !== leader.lastName));
  return tied ? null : lead;
}

export async function applyCustomerWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const customer = customerFromPayload(ctx.payload);
  // Conditional on the stored version, so a concurrent newer update is never overwritten (or
  // already written so with its batch's contacts).
  const saved = ctx.contactSaved ?? (await saveCustomerContact(ctx.db, ctx.shop, customer.customerGid, contactOf(customer)));
  switch (saved) {
    case "DELETED":
      return { status: "skipped", note: "customer was deleted" };
    case "INSERTED":
      await ctx.requestTierRecompute([customer.customerGid], "customer");
      return { status: "processed" };
    case "NOT_NEWER":
    case "UPDATED":
      // A retry may follow a first try that inserted the member and stopped before its recomputation:
      // ask again (recomputation is idempotent). A first try has nothing to ask for.
      if (ctx.retry) {
        await ctx.requestTierRecompute([customer.customerGid], "customer");
        return { status: "processed", note: "recomputation asked again on retry" };
      }
      return saved === "UPDATED" ? { status: "processed" } : { status: "processed", note: "older or identical version; unchanged" };
  }
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
