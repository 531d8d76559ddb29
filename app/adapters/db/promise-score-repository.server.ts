/**
 * Scored shipment lines and what each order needs shipped (tables PromiseShipmentLine and
 * PromiseOrderShipping), and the promise-kept rate the dashboard reads from them.
 *
 * Exported API
 * - saveFulfillment(db, shop, fulfillment): Promise<boolean>
 *       stores the fulfillment's lines unless a newer version of it is stored (by its updated_at;
 *       on a tie the further state wins: undone > shipped > not shipped, so the result never
 *       depends on arrival order). false: older, nothing changed.
 * - saveOrderShippingNeeds(db, shop, needs): Promise<boolean>     same rule by the order's updated_at
 * - type PromiseKeptRateRow, type PromiseKeptRateGrouping
 * - promiseKeptRates(db, shop, { from, to, groupBy }): Promise<PromiseKeptRateRow[]>
 *       kept/late/rate per tier, shop-local ship day or SKU, over the ship days from..to
 *       (inclusive, YYYY-MM-DD). Counts scored fulfillment lines: one line of one fulfillment is
 *       one count, whatever its quantity. Rows sorted by key; a group with no SKU has key null.
 */
import type { Db } from "../../db.server.ts";
import { isLocalDate, type LocalDate } from "../../domain/business-calendar.ts";
import { fulfillmentState, type FulfillmentState } from "../../domain/order-shipment-outcome.ts";
import type { FulfillmentRecord, OrderShippingNeeds } from "../shopify/fulfillment-payloads.ts";

const STATE_RANK: Record<FulfillmentState, number> = { not_shipped: 0, shipped: 1, undone: 2 };

function isNewer(incoming: { updatedAt: Date; status: string }, stored: { updatedAt: Date; status: string }): boolean {
  const a = incoming.updatedAt.getTime();
  const b = stored.updatedAt.getTime();
  if (a !== b) return a > b;
  return STATE_RANK[fulfillmentState(incoming.status)] >= STATE_RANK[fulfillmentState(stored.status)];
}

export async function saveFulfillment(db: Db, shop: string, fulfillment: FulfillmentRecord): Promise<boolean> {
  try {
    return await saveFulfillmentOnce(db, shop, fulfillment);
  } catch (error) {
    // fulfillments/create and the orders/updated listing the same fulfillment often arrive
    // together: the one that lost the race to create the lines compares versions again.
    if ((error as { code?: string }).code !== "P2002") throw error;
    return saveFulfillmentOnce(db, shop, fulfillment);
  }
}

function saveFulfillmentOnce(db: Db, shop: string, fulfillment: FulfillmentRecord): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const stored = await tx.promiseShipmentLine.findMany({
      where: { shop, fulfillmentGid: fulfillment.fulfillmentGid },
      select: { id: true, lineItemGid: true, fulfillmentStatus: true, fulfillmentUpdatedAt: true, quantity: true, shippedAt: true, sku: true },
    });
    const newest = stored[0];
    if (newest && !isNewer(fulfillment, { updatedAt: newest.fulfillmentUpdatedAt, status: newest.fulfillmentStatus })) return false;
    // A fulfillment lists each line once; should one repeat, its quantities add up.
    const lines = new Map<string, { sku: string | null; quantity: number }>();
    for (const line of fulfillment.lines) {
      const seen = lines.get(line.lineItemGid);
      lines.set(line.lineItemGid, { sku: line.sku ?? seen?.sku ?? null, quantity: (seen?.quantity ?? 0) + line.quantity });
    }
    const gone = stored.filter((row) => row.lineItemGid === null || !lines.has(row.lineItemGid)).map((row) => row.id);
    if (gone.length) await tx.promiseShipmentLine.deleteMany({ where: { id: { in: gone } } });
    const version = { fulfillmentStatus: fulfillment.status, fulfillmentUpdatedAt: fulfillment.updatedAt, shippedAt: fulfillment.createdAt };
    for (const [lineItemGid, line] of lines) {
      const row = stored.find((r) => r.lineItemGid === lineItemGid);
      if (row) {
        await tx.promiseShipmentLine.update({ where: { id: row.id }, data: { ...version, quantity: line.quantity, sku: line.sku, orderGid: fulfillment.orderGid } });
      } else {
        await tx.promiseShipmentLine.create({
          data: { shop, orderGid: fulfillment.orderGid, fulfillmentGid: fulfillment.fulfillmentGid, lineItemGid, sku: line.sku, quantity: line.quantity, ...version },
        });
      }
    }
    return true;
  });
}

export async function saveOrderShippingNeeds(db: Db, shop: string, needs: OrderShippingNeeds): Promise<boolean> {
  const lines = JSON.stringify(needs.lines);
  const stored = await db.promiseOrderShipping.findUnique({ where: { shop_orderGid: { shop, orderGid: needs.orderGid } }, select: { orderUpdatedAt: true, lines: true } });
  if (stored && (stored.orderUpdatedAt.getTime() > needs.updatedAt.getTime() || (stored.orderUpdatedAt.getTime() === needs.updatedAt.getTime() && stored.lines === lines))) return false;
  if (!stored) {
    try {
      await db.promiseOrderShipping.create({ data: { shop, orderGid: needs.orderGid, lines, orderUpdatedAt: needs.updatedAt } });
      return true;
    } catch (error) {
      // Another delivery of the same order created it meanwhile: fall through to the versioned update.
      if ((error as { code?: string }).code !== "P2002") throw error;
    }
  }
  const updated = await db.promiseOrderShipping.updateMany({
    where: { shop, orderGid: needs.orderGid, orderUpdatedAt: { lte: needs.updatedAt } },
    data: { lines, orderUpdatedAt: needs.updatedAt },
  });
  return updated.count > 0;
}

export type PromiseKeptRateGrouping = "tier" | "day" | "sku";

export type PromiseKeptRateRow = {
  /** The tier key, the shop-local ship day (YYYY-MM-DD) or the SKU (null: lines without a SKU). */
  key: string | null;
  kept: number;
  late: number;
  /** kept / (kept + late); null when nothing in the group shipped. */
  rate: number | null;
};

const GROUP_COLUMN = { tier: "tierKey", day: "shipDay", sku: "sku" } as const;

export async function promiseKeptRates(db: Db, shop: string, { from, to, groupBy }: { from: LocalDate; to: LocalDate; groupBy: PromiseKeptRateGrouping }): Promise<PromiseKeptRateRow[]> {
  if (!isLocalDate(from) || !isLocalDate(to)) throw new Error(`promiseKeptRates: from and to must be dates as YYYY-MM-DD, got "${from}" and "${to}"`);
  const column = GROUP_COLUMN[groupBy];
  if (!column) throw new Error(`promiseKeptRates: groupBy must be tier, day or sku, got "${String(groupBy)}"`);
  const groups = await db.promiseShipmentLine.groupBy({
    by: [column, "outcome"],
    where: { shop, outcome: { in: ["kept", "late"] }, shipDay: { gte: from, lte: to } },
    _count: { _all: true },
  });
  const rows = new Map<string | null, PromiseKeptRateRow>();
  for (const group of groups) {
    const key = (group as Record<string, unknown>)[column] as string | null;
    const row = rows.get(key) ?? { key, kept: 0, late: 0, rate: null };
    if (group.outcome === "kept") row.kept += group._count._all;
    else row.late += group._count._all;
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
  for (const row of sorted) row.rate = row.kept + row.late === 0 ? null : row.kept / (row.kept + row.late);
  return sorted;
}
