// Installation ends: app/uninstalled removes the shop's sessions at once and
// schedules the purge of its data; reinstalling before then cancels the purge.
import type { Db } from "../db.server.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

export async function applyAppUninstalled(ctx: WebhookContext, purgeDelayMs: number): Promise<WebhookOutcome> {
  // Uninstall can be delivered more than once, and after the session is gone.
  await ctx.db.session.deleteMany({ where: { shop: ctx.shop } });
  const shop = await ctx.db.shop.findUnique({ where: { domain: ctx.shop } });
  if (!shop) return { status: "processed", note: "shop was never recorded; sessions removed" };
  const uninstalledAt = shop.uninstalledAt ?? ctx.now;
  await ctx.db.shop.update({
    where: { domain: ctx.shop },
    data: { uninstalledAt, purgeAfter: new Date(uninstalledAt.getTime() + purgeDelayMs) },
  });
  await ctx.schedulePurge(uninstalledAt);
  return { status: "processed" };
}

/** Deletes everything Tierline holds for a shop. */
export async function deleteShopData(db: Db, shop: string, keepWebhookId?: string): Promise<number> {
  const counts = await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    db.customer.deleteMany({ where: { shop } }),
    db.ledgerOrder.deleteMany({ where: { shop } }),
    db.ledgerRefund.deleteMany({ where: { shop } }),
    db.ledgerAdjustment.deleteMany({ where: { shop } }),
    db.tierChange.deleteMany({ where: { shop } }),
    db.flowTriggerFiring.deleteMany({ where: { shop } }),
    db.flowTriggerUse.deleteMany({ where: { shop } }),
    db.tierSettings.deleteMany({ where: { shop } }),
    db.tierRecomputeRun.deleteMany({ where: { shop } }),
    db.promiseSettings.deleteMany({ where: { shop } }),
    db.skuReplenishment.deleteMany({ where: { shop } }),
    db.orderPromise.deleteMany({ where: { shop } }),
    db.promiseShipmentLine.deleteMany({ where: { shop } }),
    db.promiseOrderShipping.deleteMany({ where: { shop } }),
    db.replenishmentSettings.deleteMany({ where: { shop } }),
    db.replenishmentRule.deleteMany({ where: { shop } }),
    db.skuSupplier.deleteMany({ where: { shop } }),
    db.supplier.deleteMany({ where: { shop } }),
    db.stockPosition.deleteMany({ where: { shop } }),
    db.replenishmentRequest.deleteMany({ where: { shop } }),
    db.supplierRfq.deleteMany({ where: { shop } }),
    db.supplierQuote.deleteMany({ where: { shop } }),
    db.replenishmentDecision.deleteMany({ where: { shop } }),
    db.purchaseOrder.deleteMany({ where: { shop } }),
    db.backfillRun.deleteMany({ where: { shop } }),
    db.kpiDailyFact.deleteMany({ where: { shop } }),
    db.kpiRollupState.deleteMany({ where: { shop } }),
    db.webhookDelivery.deleteMany({ where: { shop, ...(keepWebhookId ? { webhookId: { not: keepWebhookId } } : {}) } }),
    // Data-request exports and erasure tombstones go with the shop (shop/redact keeps only its own record).
    db.complianceRequest.deleteMany({ where: { shop, topic: { not: "shop/redact" } } }),
    db.erasureTombstone.deleteMany({ where: { shop } }),
    db.shop.deleteMany({ where: { domain: shop } }),
  ]);
  return counts.reduce((sum, c) => sum + c.count, 0);
}

/** The delayed purge after uninstall: runs only if the shop did not come back. */
export async function purgeShopIfStillUninstalled(db: Db, shop: string, uninstalledAt: Date): Promise<{ purged: boolean; rows: number }> {
  const row = await db.shop.findUnique({ where: { domain: shop } });
  if (!row || row.uninstalledAt === null || row.uninstalledAt.getTime() !== uninstalledAt.getTime()) return { purged: false, rows: 0 };
  return { purged: true, rows: await deleteShopData(db, shop) };
}
