// The merchant's spend adjustments in the database (LedgerAdjustment rows): written
// once under the id the form was given (insert-or-nothing, so a resubmitted form is
// one adjustment), read back as ledger entries beside the customer's orders.
import type { Db } from "../../db.server.ts";
import type { SpendAdjustment } from "../../domain/order-ledger.ts";
import { bindValue, columnList, decodeRow, sqlOf } from "./hot-path-sql.server.ts";
import { param, providerOf } from "./sql-dialect.ts";

type AdjustmentRow = NonNullable<Awaited<ReturnType<Db["ledgerAdjustment"]["findUnique"]>>>;

export interface NewSpendAdjustment extends SpendAdjustment {
  note: string;
}

/** A stored row (as any driver returned it) as the domain's adjustment. */
export function adjustmentFromRow(raw: Record<string, unknown>): SpendAdjustment {
  const row = decodeRow<AdjustmentRow>("LedgerAdjustment", raw);
  return { adjustmentId: row.adjustmentId, customerId: row.customerGid, amountMinor: row.amount, currency: row.currencyCode, effectiveAt: row.effectiveAt };
}

/** Stores the adjustment; false when one with this id was stored already (nothing changes then). */
export async function saveSpendAdjustment(db: Db, shop: string, adjustment: NewSpendAdjustment, now: Date): Promise<boolean> {
  const sql = sqlOf(db);
  const values = [shop, adjustment.adjustmentId, adjustment.customerId, adjustment.amountMinor, adjustment.currency, adjustment.effectiveAt, adjustment.note, now];
  const columns = ["shop", "adjustmentId", "customerGid", "amount", "currencyCode", "effectiveAt", "note", "createdAt"];
  const inserted = await sql.run(
    `INSERT INTO "LedgerAdjustment" (${columnList(columns)}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT ("shop", "adjustmentId") DO NOTHING`,
    values.map((v) => bindValue(sql.kind, v)),
  );
  return inserted === 1;
}

const ADJUSTMENT_COLUMNS = `"adjustmentId", "customerGid", "amount", "currencyCode", "effectiveAt"`;

export async function loadCustomerAdjustments(db: Db, shop: string, customerGid: string): Promise<SpendAdjustment[]> {
  const rows = await sqlOf(db).all(`SELECT ${ADJUSTMENT_COLUMNS} FROM "LedgerAdjustment" WHERE "shop" = ? AND "customerGid" = ?`, [shop, customerGid]);
  return rows.map(adjustmentFromRow);
}

/** The adjustments of these customers, by customer id. */
export async function loadAdjustmentsOfCustomers(db: Db, shop: string, customerGids: readonly string[]): Promise<Map<string, SpendAdjustment[]>> {
  const rows = await sqlOf(db).all(`SELECT ${ADJUSTMENT_COLUMNS} FROM "LedgerAdjustment" WHERE "shop" = ? AND "customerGid" IN (${customerGids.map(() => "?").join(", ")})`, [shop, ...customerGids]);
  return byCustomer(rows.map(adjustmentFromRow));
}

function byCustomer(adjustments: SpendAdjustment[]): Map<string, SpendAdjustment[]> {
  const map = new Map<string, SpendAdjustment[]>();
  for (const adjustment of adjustments) map.set(adjustment.customerId, [...(map.get(adjustment.customerId) ?? []), adjustment]);
  return map;
}

/** The adjustments of every customer whose id lies in [firstGid, lastGid] (the shop-wide recompute's page). */
export async function loadAdjustmentsOfCustomerRange(db: Db, shop: string, firstGid: string, lastGid: string): Promise<Map<string, SpendAdjustment[]>> {
  const provider = providerOf(db);
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT ${ADJUSTMENT_COLUMNS} FROM "LedgerAdjustment" WHERE "shop" = ${param(provider, 1)} AND "customerGid" >= ${param(provider, 2)} AND "customerGid" <= ${param(provider, 3)}`,
    shop,
    firstGid,
    lastGid,
  );
  return byCustomer(rows.map(adjustmentFromRow));
}

/** The adjustments as the ledger holds them (keyed by id). */
export function adjustmentEntries(adjustments: readonly SpendAdjustment[]): Record<string, SpendAdjustment> | undefined {
  return adjustments.length ? Object.fromEntries(adjustments.map((a) => [a.adjustmentId, a])) : undefined;
}
