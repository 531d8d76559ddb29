// orders/* and refunds/create → the ledger → recompute the customers touched.
import { customerOfOrder, markOrderDeleted, saveOrderSnapshot, saveRefund } from "../adapters/db/ledger-repository.server.ts";
import { deletedOrderGid, orderNameFromPayload, orderSnapshotFromPayload, refundRecordFromPayload } from "../adapters/shopify/webhook-payloads.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

export async function applyOrderWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const snapshot = orderSnapshotFromPayload(ctx.payload);
  const outcome = await saveOrderSnapshot(ctx.db, ctx.shop, snapshot, orderNameFromPayload(ctx.payload));
  if (!outcome.stored) return { status: "processed", note: "older or identical version; ledger unchanged" };
  // orders/paid after orders/create: a newer version with nothing that counts changed asks for no second recompute.
  if (!outcome.countsChanged) return { status: "processed", note: "newer version, nothing that counts changed" };
  const touched = new Set<string>();
  if (snapshot.customerId) touched.add(snapshot.customerId);
  // An order moved to another customer lowers the previous owner's spend.
  if (outcome.previousCustomerGid) touched.add(outcome.previousCustomerGid);
  await ctx.requestTierRecompute([...touched], snapshot.cancelledAt ? "cancellation" : "order");
  return { status: "processed" };
}

export async function applyRefundWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const shopRow = await ctx.db.shop.findUnique({ where: { domain: ctx.shop }, select: { currencyCode: true } });
  const refund = refundRecordFromPayload(ctx.payload, shopRow?.currencyCode ?? null);
  const stored = await saveRefund(ctx.db, ctx.shop, refund);
  if (!stored) return { status: "processed", note: "refund already recorded" };
  // A refund that arrives before its order is kept; the order's arrival recomputes then.
  const customer = await customerOfOrder(ctx.db, ctx.shop, refund.orderId);
  if (customer) await ctx.requestTierRecompute([customer], "refund");
  return { status: "processed" };
}

export async function applyOrderDeletedWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const customer = await markOrderDeleted(ctx.db, ctx.shop, deletedOrderGid(ctx.payload), ctx.now);
  if (customer) await ctx.requestTierRecompute([customer], "order");
  return { status: "processed" };
}
