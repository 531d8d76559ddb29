// The tier sync's reads and writes of Customer rows (every sync round), as cached
// prepared statements: the round's due rows, the round's saves in one statement
// (a compare-and-set per row on the version the plan was made from), and the
// earliest retry.
import type { Db } from "../../db.server.ts";
import { bindValue, columnList, decodeRow, modelColumns, nextVersion, pgTypeOf, rowsLockedInKeyOrder, sqlOf } from "./hot-path-sql.server.ts";
import type { CustomerRow } from "./customer-tier-statements.server.ts";

const texts = new Map<string, string>();
const cached = (key: string, build: () => string) => {
  let text = texts.get(key);
  if (text === undefined) texts.set(key, (text = build()));
  return text;
};

/** The shop's rows due for a write: pending, failed and due, and (for the refresh) stale; oldest change first. */
export async function loadDueCustomerRows(db: Db, shop: string, { now, refreshSpend, limit }: { now: Date; refreshSpend: boolean; limit: number }): Promise<CustomerRow[]> {
  const sql = sqlOf(db);
  const select = cached(
    `due|${refreshSpend}`,
    // The statuses as one IN list: SQLite then searches the (shop, syncStatus) index; with the ORs it
    // took the first index starting with shop and read every member of the shop (1.6 ms a sync round in the tier-pipeline bench).
    () =>
      `SELECT ${columnList([...modelColumns("Customer").keys()])} FROM "Customer" WHERE "shop" = ? AND "syncStatus" IN ('pending', 'failed'${refreshSpend ? `, 'stale'` : ""}) ` +
      `AND ("syncStatus" <> 'failed' OR "syncDueAt" <= ?) ORDER BY "updatedAt" ASC LIMIT ?`,
  );
  const rows = await sql.all(select, [shop, bindValue(sql.kind, now), limit]);
  return rows.map((raw) => decodeRow<CustomerRow>("Customer", raw));
}

/** When the shop's earliest failed write is due again, if any. */
export async function nextSyncDueAt(db: Db, shop: string): Promise<Date | null> {
  const [row] = await sqlOf(db).all(`SELECT MIN("syncDueAt") AS "syncDueAt" FROM "Customer" WHERE "shop" = ? AND "syncStatus" = 'failed' AND "syncDueAt" IS NOT NULL`, [shop]);
  return row ? decodeRow<{ syncDueAt: Date | null }>("Customer", row).syncDueAt : null;
}

export interface CustomerRowSave {
  customerGid: string;
  /** The row version the write was decided on (its updatedAt). */
  version: Date;
  /** Columns to write; every save of one call names the same columns. */
  data: Record<string, unknown>;
}

/**
 * Writes each row whose version is still the one given, in one statement for the
 * lot. Returns the new version of each row written; a row that moved on is absent.
 */
export async function saveCustomerRows(db: Db, shop: string, saves: readonly CustomerRowSave[], now = new Date()): Promise<Map<string, Date>> {
  return saveVersionedRows(db, { model: "Customer", key: "customerGid" }, shop, saves.map((save) => ({ key: save.customerGid, version: save.version, data: save.data })), now);
}

/** One row's save in saveVersionedRows: its key within the shop, the version it was decided on, the columns to write. */
export interface VersionedRowSave {
  key: string;
  version: Date;
  data: Record<string, unknown>;
}

/**
 * Rows of a shop-scoped model with an `updatedAt` version (Customer, OrderPromise), each written
 * only if its version is still the one given, in one statement for the lot. Returns the new
 * version of each row written, by key; a row that moved on is absent.
 */
export async function saveVersionedRows(db: Db, table: { model: "Customer" | "OrderPromise"; key: string }, shop: string, saves: readonly VersionedRowSave[], now = new Date()): Promise<Map<string, Date>> {
  const written = new Map<string, Date>();
  if (saves.length === 0) return written;
  const sql = sqlOf(db);
  const { model, key } = table;
  const names = Object.keys(saves[0].data);
  for (const save of saves) {
    if (Object.keys(save.data).join() !== names.join()) throw new Error("saveVersionedRows: every save must name the same columns");
  }
  const versions = saves.map((save) => nextVersion(now, save.version));
  const valueColumns = ["gid", "version", "next", ...names.map((_, i) => `c${i}`)];
  let text: string;
  let params: unknown[];
  if (sql.kind === "postgresql") {
    text = cached(`pg|${model}|${names}`, () => {
      const types = ["text", "timestamp(3)", "timestamp(3)", ...names.map((n) => pgTypeOf(model, n))];
      // The rows are locked first, in key order, as a batch's contact writes lock theirs.
      return (
        `WITH "v" AS (SELECT * FROM UNNEST(${types.map((t) => `?::${t}[]`).join(", ")}) AS v(${valueColumns.join(", ")})), ` +
        `${rowsLockedInKeyOrder(model, key)} ` +
        `UPDATE "${model}" AS c SET ${names.map((n, i) => `"${n}" = v.c${i}`).join(", ")}, "updatedAt" = v.next ` +
        `FROM "v" JOIN "l" ON l."key" = v.gid ` +
        `WHERE c."shop" = ? AND c."${key}" = v.gid AND c."updatedAt" = v.version RETURNING c."${key}" AS "key"`
      );
    });
    params = [
      saves.map((s) => s.key),
      saves.map((s) => bindValue(sql.kind, s.version)),
      versions.map((v) => bindValue(sql.kind, v)),
      ...names.map((n) => saves.map((s) => bindValue(sql.kind, s.data[n]))),
      shop,
      shop,
    ];
  } else {
    // SQLite names a VALUES list's columns column1, column2, …; one text per batch size.
    text = cached(`sqlite|${model}|${names}|${saves.length}`, () => {
      const row = `(${valueColumns.map(() => "?").join(", ")})`;
      return (
        `UPDATE "${model}" SET ${names.map((n, i) => `"${n}" = v.column${i + 4}`).join(", ")}, "updatedAt" = v.column3 ` +
        `FROM (VALUES ${saves.map(() => row).join(", ")}) AS v ` +
        `WHERE "${model}"."shop" = ? AND "${model}"."${key}" = v.column1 AND "${model}"."updatedAt" = v.column2 RETURNING "${model}"."${key}" AS "key"`
      );
    });
    params = [...saves.flatMap((s, i) => [s.key, bindValue(sql.kind, s.version), bindValue(sql.kind, versions[i]), ...names.map((n) => bindValue(sql.kind, s.data[n]))]), shop];
  }
  const rows = await sql.all(text, params);
  const versionOf = new Map(saves.map((s, i) => [s.key, versions[i]]));
  for (const row of rows) {
    const gid = row.key as string;
    written.set(gid, versionOf.get(gid)!);
  }
  return written;
}
