// The shop's webhook deliveries that ended failed, as the merchant acts on them from
// the Overview: counted, re-opened for another try, or acknowledged (dismissed).
// An acknowledged delivery keeps its row, reason and attempts for support; the
// sweep leaves it (it only looks at "received") and retention blanks its payload
// like any other delivery that is done.
import type { Db } from "../../db.server.ts";

export const FAILED = "failed";
/** A failed delivery the merchant dismissed: no longer on the Overview, still in the table. */
export const FAILED_ACKNOWLEDGED = "failed_acknowledged";

export type FailedDeliverySummary = {
  count: number;
  /** Those whose payload is still stored, so they can be tried again. */
  retryable: number;
  latest: { topic: string; reason: string; receivedAt: Date } | null;
};

export async function summarizeFailedDeliveries(db: Db, shop: string): Promise<FailedDeliverySummary> {
  const where = { shop, status: FAILED };
  const [count, retryable, latest] = await Promise.all([
    db.webhookDelivery.count({ where }),
    db.webhookDelivery.count({ where: { ...where, payloadErasedAt: null } }),
    db.webhookDelivery.findFirst({ where, orderBy: { receivedAt: "desc" }, select: { topic: true, error: true, receivedAt: true } }),
  ]);
  return { count, retryable, latest: latest && { topic: latest.topic, reason: latest.error ?? "no reason recorded", receivedAt: latest.receivedAt } };
}

export type DeliveryToRetry = { webhookId: string; shop: string; topic: string };

/** The shop's failed deliveries whose payload is still stored, oldest first. */
export async function retryableFailedDeliveries(db: Db, shop: string, limit: number): Promise<DeliveryToRetry[]> {
  return db.webhookDelivery.findMany({
    where: { shop, status: FAILED, payloadErasedAt: null },
    orderBy: [{ receivedAt: "asc" }, { webhookId: "asc" }],
    select: { webhookId: true, shop: true, topic: true },
    take: limit,
  });
}

/**
 * Puts these failed deliveries of the shop back to "received" with no attempts
 * counted, unless their payload was blanked meanwhile (retention, a privacy request)
 * or they are no longer failed. Returns those re-opened.
 */
export async function reopenFailedDeliveries(db: Db, shop: string, webhookIds: string[]): Promise<string[]> {
  if (webhookIds.length === 0) return [];
  const reopenable = { shop, webhookId: { in: webhookIds }, status: FAILED, payloadErasedAt: null };
  // Read then write by the same filter, so a row blanked between the two is neither
  // re-opened nor queued (its job would find nothing to process).
  const rows = await db.webhookDelivery.findMany({ where: reopenable, select: { webhookId: true } });
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.webhookId);
  await db.webhookDelivery.updateMany({ where: { ...reopenable, webhookId: { in: ids } }, data: { status: "received", attempts: 0, error: null, processedAt: null } });
  const reopened = await db.webhookDelivery.findMany({ where: { shop, webhookId: { in: ids }, status: "received" }, select: { webhookId: true } });
  return reopened.map((r) => r.webhookId);
}

/** Acknowledges every failed delivery of the shop; returns how many, and how many of them could no longer be retried. */
export async function acknowledgeFailedDeliveries(db: Db, shop: string): Promise<{ dismissed: number; erased: number }> {
  const erased = await db.webhookDelivery.count({ where: { shop, status: FAILED, payloadErasedAt: { not: null } } });
  const { count } = await db.webhookDelivery.updateMany({ where: { shop, status: FAILED }, data: { status: FAILED_ACKNOWLEDGED } });
  return { dismissed: count, erased: Math.min(erased, count) };
}
