// Every row of every table, as the database itself lists them (sqlite_master or
// information_schema), so a table added later is scanned without anyone editing a list.
import type { Db } from "../../app/db.server.ts";
import type { DatabaseKind } from "./test-database.ts";

export interface ScannedRow {
  table: string;
  text: string;
}

export async function tableNames(db: Db, kind: DatabaseKind, url: string): Promise<{ tables: string[]; qualified: (table: string) => string }> {
  if (kind === "sqlite") {
    const rows = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table'`);
    return { tables: rows.map((r) => r.name), qualified: (t) => `"${t}"` };
  }
  const schema = new URL(url).searchParams.get("schema")!;
  const rows = await db.$queryRawUnsafe<{ table_name: string }[]>(`SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = $1`, schema);
  return { tables: rows.map((r) => r.table_name), qualified: (t) => `"${schema}"."${t}"` };
}

/** Every row of every table as JSON text (bigints as digits), with its table's name. */
export async function allRows(db: Db, kind: DatabaseKind, url: string): Promise<ScannedRow[]> {
  const { tables, qualified } = await tableNames(db, kind, url);
  const out: ScannedRow[] = [];
  for (const table of tables) {
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM ${qualified(table)}`);
    for (const row of rows) out.push({ table, text: JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) });
  }
  return out;
}

/** "Table: needle" for every needle found (case-insensitive) in a row, once each. */
export function findings(rows: ScannedRow[], needles: string[]): string[] {
  const found: string[] = [];
  for (const { table, text } of rows) for (const needle of needles) if (text.toLowerCase().includes(needle.toLowerCase())) found.push(`${table}: ${needle}`);
  return [...new Set(found)];
}
