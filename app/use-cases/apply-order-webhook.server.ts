// orders/* and refunds/create → the ledger → recompute the customers touched.
import { customerOfOrder, saveOrderSnapshot, saveRefund } from "../adapters/db/ledger-repository.server.ts";
import { orderPromiseEvent } from "../adapters/shopify/order-promise-payload.ts";
import {
  embeddedRefundRecords,
  listsRefunds,
  orderNameFromPayload,
  orderSnapshotFromPayload,
  refundRecordFromPayload,
} from "../adapters/shopify/webhook-payloads.ts";
import type { TierRecomputeCause, WebhookContext, WebhookOutcome } from "./webhook-context.ts";

async function shopCurrency(ctx: WebhookContext): Promise<string | null> {
  const shopRow = await ctx.db.shop.findUnique({ where: { domain: ctx.shop }, select: { currencyCode: true } });
  return shopRow?.currencyCode ?? null;
}

export async function applyOrderWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  // Written with the delivery's batch (never for a payload listing refunds: see below), or here.
  const saved = ctx.orderSaved;
  const snapshot = saved?.snapshot ?? orderSnapshotFromPayload(ctx.payload);
  // An order payload can arrive before the refunds/create it already lists: take the order with
  // those refunds, stored as their own webhook stores them, so the ledger never holds money the
  // same payload says was returned. Refunds first: a recomputation running in between then never
  // sees this version of the order without them.
  // The order's shop money names the shop's currency when the shop's own is not known yet.
  const refunds = listsRefunds(ctx.payload) ? embeddedRefundRecords(ctx.payload, (await shopCurrency(ctx)) ?? snapshot.currency) : [];
  let refundsStored = 0;
  for (const refund of refunds) if (await saveRefund(ctx.db, ctx.shop, refund)) refundsStored++;
  const outcome = saved?.outcome ?? (await saveOrderSnapshot(ctx.db, ctx.shop, snapshot, orderNameFromPayload(ctx.payload)));
  // The delivery promise: one enqueue when a version that changed something (paid, cancelled)
  // is stored; the promise job itself is idempotent, so a retry simply asks again.
  if (ctx.requestPromiseWork && ((outcome.stored && outcome.countsChanged) || ctx.retry)) {
    const event = orderPromiseEvent(ctx.payload);
    if (event) await ctx.requestPromiseWork(event);
  }
  // A retry may follow a first try that stored everything and then failed to queue the
  // recomputation: ask again (recomputation is idempotent). A redelivery by Shopify is a new
  // delivery, not a retry, and changes nothing.
  if (!outcome.stored && refundsStored === 0 && !ctx.retry) return { status: "processed", note: "older or identical version; ledger unchanged" };
  // orders/paid after orders/create: a newer version with nothing that counts changed asks for no second recompute.
  if (outcome.stored && !outcome.countsChanged && refundsStored === 0 && !ctx.retry) return { status: "processed", note: "newer version, nothing that counts changed" };
  const touched = new Set<string>();
  // Who the stored version counts for: this payload's customer once stored, else the stored one's.
  if (outcome.stored && snapshot.customerId) touched.add(snapshot.customerId);
  // An order moved to another customer lowers the previous owner's spend.
  if (outcome.previousCustomerGid) touched.add(outcome.previousCustomerGid);
  const cause: TierRecomputeCause = snapshot.cancelledAt ? "cancellation" : refundsStored > 0 ? "refund" : "order";
  await ctx.requestTierRecompute([...touched], cause);
  return { status: "processed" };
}

export async function applyRefundWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const refund = refundRecordFromPayload(ctx.payload, await shopCurrency(ctx));
  const stored = await saveRefund(ctx.db, ctx.shop, refund);
  // Already recorded: by its order's payload or a redelivery (nothing to do), or by this
  // delivery's own first try, which may have failed before queuing the recomputation.
  if (!stored && !ctx.retry) return { status: "processed", note: "refund already recorded" };
  // A refund that arrives before its order is kept; the order's arrival recomputes then.
  const customer = await customerOfOrder(ctx.db, ctx.shop, refund.orderId);
  if (customer) await ctx.requestTierRecompute([customer], "refund");
  return stored ? { status: "processed" } : { status: "processed", note: "refund already recorded; recomputation asked again on retry" };
}
