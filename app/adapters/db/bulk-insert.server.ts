// Multi-row INSERT … ON CONFLICT DO NOTHING RETURNING, for the backfill's volume
// (a history of 100,000 orders, 20,000 customers). Prisma's createMany compiles a
// query plan per statement shape and keeps recent plans as large as the rows they
// were built for, which costs three times the insert itself and ~100 MB of heap at
// this volume; a raw statement skips both. Rows that already existed are reported
// back (not returned by RETURNING) so callers take the careful path for them.
// Works on SQLite (dates as ISO-8601 text with "+00:00", booleans as 0/1, as
// Prisma's adapter stores them; one cached prepared statement per table, its values
// bound, run row by row on the client's connection inside its transaction) and
// PostgreSQL (multi-row statements, bound values with typed casts). No value is ever
// written into a statement's text.
import { randomUUID } from "node:crypto";
import type { Db } from "../../db.server.ts";
import { preparedStatement, sqliteConnectionOf } from "./sqlite-connection.server.ts";
import { providerOf, timestampText, type Provider } from "./sql-dialect.ts";

/**
 * Bound values per statement on PostgreSQL (rows per statement = this / columns):
 * small enough for Prisma's query compiler, whose per-statement allocations outlive
 * young-generation collections (are promoted to the old generation) at a rate that
 * climbs steeply past ~250 values (measured).
 */
export const INSERT_VALUES = 195;

type Value = string | number | boolean | Date | null;
type Column = { name: string; type?: "timestamp" | "boolean" };

/** A value as bound for the provider: dates as text (cast on PostgreSQL), booleans as 0/1 on SQLite. */
function bound(provider: Provider, column: Column, value: Value): string | number | boolean {
  if (column.type === "timestamp") return timestampText(provider, value as Date | string);
  if (column.type === "boolean") return provider === "postgresql" ? Boolean(value) : value ? 1 : 0;
  return value as string | number;
}

/** How long a batch may wait for the database's write lock, and take once it has it. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 };

/**
 * A value as bound on SQLite: every numeric column is an INTEGER (money in minor
 * units, counts), so a number that is not a safe integer is a bug upstream, refused
 * rather than stored as REAL; text (any text: quotes, SQL, NUL) is bound as it is.
 */
export function sqliteValue(column: Column, value: Value): string | number | null {
  if (value === null) return null;
  const v = bound("sqlite", column, value);
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new TypeError(`${column.name}: not an integer: ${v}`);
    return v;
  }
  if (typeof v !== "string") throw new TypeError(`${column.name}: unexpected ${typeof v}`);
  return v;
}

/** PostgreSQL: one multi-row statement over rows[from, from + perStatement); `fixed` fills columns equal for every row. */
function statement(provider: Provider, columns: Column[], rows: readonly object[], from: number, perStatement: number, fixed: Record<string, Value>) {
  const values: (string | number | boolean)[] = [];
  const tuples: string[] = [];
  for (let r = from; r < Math.min(from + perStatement, rows.length); r++) {
    const row = rows[r] as Record<string, Value>;
    const cells = columns.map((column) => {
      const value = row[column.name] ?? fixed[column.name] ?? null;
      if (value === null) return "NULL";
      values.push(bound(provider, column, value));
      return column.type === "timestamp" ? `$${values.length}::timestamp(3)` : `$${values.length}`;
    });
    tuples.push(`(${cells.join(", ")})`);
  }
  return { tuples: tuples.join(", "), values };
}

/**
 * Inserts the rows, skipping any whose key exists; returns the keys inserted.
 * `key` names the column (besides "shop") that identifies a row. The statement
 * text is built directly (not with Prisma.sql, which makes an object per value);
 * the values are always bound.
 */
async function insertIgnoringExisting(
  db: Db,
  table: string,
  columns: Column[],
  key: string,
  rows: readonly object[],
  fixed: Record<string, Value> = {},
): Promise<Set<string>> {
  const provider = providerOf(db);
  const inserted = new Set<string>();
  if (rows.length === 0) return inserted;
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c.name}"`).join(", ")}) VALUES `;
  const tail = ` ON CONFLICT DO NOTHING RETURNING "${key}" AS k`;
  if (provider === "sqlite") {
    // One prepared statement, one row per run: better-sqlite3 binds each value
    // natively, and nothing passes through Prisma's query compiler.
    const sql = `${head}(${columns.map(() => "?").join(", ")})${tail}`;
    const cells = new Array<string | number | null>(columns.length);
    await db.$transaction(async () => {
      const insert = preparedStatement(sqliteConnectionOf(db), sql);
      for (const row of rows as readonly Record<string, Value>[]) {
        for (let c = 0; c < columns.length; c++) cells[c] = sqliteValue(columns[c], row[columns[c].name] ?? fixed[columns[c].name] ?? null);
        const returned = insert.get(...cells) as { k: string } | undefined;
        if (returned) inserted.add(returned.k);
      }
    }, TRANSACTION_OPTIONS);
    return inserted;
  }
  const perStatement = Math.max(1, Math.floor(INSERT_VALUES / columns.length));
  // One transaction: one commit for the whole batch. Statements
  // are built and sent one at a time, not as a $transaction([...]) array: Prisma
  // compiles an array into one plan holding every value of the batch, alive until the
  // whole batch is done, long enough for V8 to promote it to the old generation.
  await db.$transaction(async (tx) => {
    for (let from = 0; from < rows.length; from += perStatement) {
      const { tuples, values } = statement(provider, columns, rows, from, perStatement, fixed);
      for (const row of await tx.$queryRawUnsafe<{ k: string }[]>(head + tuples + tail, ...values)) inserted.add(row.k);
    }
  }, TRANSACTION_OPTIONS);
  return inserted;
}

const ORDER_COLUMNS: Column[] = [
  { name: "shop" }, { name: "orderGid" }, { name: "customerGid" }, { name: "name" },
  { name: "processedAt", type: "timestamp" }, { name: "orderUpdatedAt", type: "timestamp" }, { name: "currencyCode" },
  { name: "currentTotal" }, { name: "currentShipping" }, { name: "currentTax" }, { name: "cancelledAt", type: "timestamp" },
  { name: "test", type: "boolean" }, { name: "updatedAt", type: "timestamp" },
  { name: "financialStatus" }, { name: "outstanding" }, { name: "giftCardLines" }, { name: "tip" }, { name: "duties" },
  { name: "taxesIncluded", type: "boolean" }, { name: "shippingTax" },
];

export interface OrderInsertRow {
  shop: string;
  orderGid: string;
  customerGid: string | null;
  name: string | null;
  processedAt: Date;
  orderUpdatedAt: Date;
  currencyCode: string;
  currentTotal: number;
  currentShipping: number;
  currentTax: number;
  cancelledAt: Date | null;
  test: boolean;
  financialStatus: string | null;
  outstanding: number;
  giftCardLines: number;
  tip: number;
  duties: number;
  taxesIncluded: boolean;
  shippingTax: number;
}

export function insertOrdersIgnoringExisting(db: Db, rows: OrderInsertRow[], now = new Date()): Promise<Set<string>> {
  return insertIgnoringExisting(db, "LedgerOrder", ORDER_COLUMNS, "orderGid", rows, { updatedAt: now });
}

const REFUND_COLUMNS: Column[] = [
  { name: "shop" }, { name: "refundGid" }, { name: "orderGid" }, { name: "createdAt", type: "timestamp" },
  { name: "transactions" }, { name: "lineItems" }, { name: "shipping" }, { name: "recordedAt", type: "timestamp" },
];

export interface RefundInsertRow {
  shop: string;
  refundGid: string;
  orderGid: string;
  createdAt: Date;
  transactions: number;
  lineItems: number;
  shipping: number;
}

export function insertRefundsIgnoringExisting(db: Db, rows: RefundInsertRow[], now = new Date()): Promise<Set<string>> {
  return insertIgnoringExisting(db, "LedgerRefund", REFUND_COLUMNS, "refundGid", rows, { recordedAt: now });
}

const CUSTOMER_COLUMNS: Column[] = [
  { name: "shop" }, { name: "customerGid" }, { name: "tierKey" }, { name: "tierSince", type: "timestamp" },
  { name: "downgradeTierKey" }, { name: "graceUntil", type: "timestamp" }, { name: "graceReason" },
  { name: "pinnedTierKey" }, { name: "pinnedUntil", type: "timestamp" }, { name: "qualifyingSpend" }, { name: "qualifyingOrders" },
  { name: "reviewAt", type: "timestamp" }, { name: "syncStatus" }, { name: "syncAttempts" }, { name: "updatedAt", type: "timestamp" },
  { name: "recomputedAt", type: "timestamp" },
];

export interface CustomerTierInsertRow {
  shop: string;
  customerGid: string;
  tierKey: string | null;
  tierSince: Date | null;
  downgradeTierKey: string | null;
  graceUntil: Date | null;
  graceReason: string | null;
  pinnedTierKey: string | null;
  pinnedUntil: Date | null;
  qualifyingSpend: number;
  qualifyingOrders: number;
  reviewAt: Date | null;
  syncStatus: string;
  /** When the recomputation that computed this row read its inputs. */
  recomputedAt?: Date;
}

/** New customer rows with their computed tier; a row created meanwhile by someone else is left alone (not returned). */
export function insertCustomersIgnoringExisting(db: Db, rows: CustomerTierInsertRow[], now = new Date()): Promise<Set<string>> {
  return insertIgnoringExisting(db, "Customer", CUSTOMER_COLUMNS, "customerGid", rows, { syncAttempts: 0, updatedAt: now });
}

const TIER_CHANGE_COLUMNS: Column[] = [
  { name: "id" }, { name: "shop" }, { name: "customerGid" }, { name: "fromTier" }, { name: "toTier" }, { name: "reason" }, { name: "spend" }, { name: "occurredAt", type: "timestamp" },
  { name: "flowDue", type: "boolean" },
];

export interface TierChangeInsertRow {
  shop: string;
  customerGid: string;
  fromTier: string | null;
  toTier: string | null;
  reason: string;
  spend: number;
  occurredAt: Date;
  /** Whether the change is news for Shopify Flow (default true; the imported history is not). */
  flowDue?: boolean;
}

export async function insertTierChanges(db: Db, rows: TierChangeInsertRow[]): Promise<number> {
  return (await insertIgnoringExisting(db, "TierChange", TIER_CHANGE_COLUMNS, "id", rows.map((r) => ({ id: randomUUID(), ...r, flowDue: r.flowDue ?? true })))).size;
}
