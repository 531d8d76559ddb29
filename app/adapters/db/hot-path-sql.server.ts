// What the hot path's statements share: the driver of a client, and how a row's
// values cross the driver in each database. Column types come from the Prisma
// schema itself (the generated client's datamodel), so the hot path reads and
// writes a column exactly as Prisma would; Prisma stays the source of the schema.
import { Prisma } from "@tierline/prisma-sqlite";
import { statementDriverOf, type Db } from "../../db.server.ts";
import { statementCount, type StatementDriver, type StatementRunner } from "./statement-driver.server.ts";
import { numberedPlaceholders, providerOf } from "./sql-dialect.ts";

export type ModelName = "WebhookDelivery" | "LedgerOrder" | "LedgerRefund" | "LedgerAdjustment" | "Customer" | "TierChange" | "TierSettings" | "Shop" | "OrderPromise" | "PromiseSettings" | "SkuReplenishment" | "PromiseShipmentLine" | "ReplenishmentRequest";

const FIELD_TYPES = new Map<string, Map<string, string>>(
  Prisma.dmmf.datamodel.models.map((model) => [model.name, new Map(model.fields.filter((f) => f.kind === "scalar").map((f) => [f.name, f.type]))]),
);

const PG_TYPES: Record<string, string> = { String: "text", Int: "integer", DateTime: "timestamp(3)", Boolean: "boolean", Float: "double precision" };

/** A column's PostgreSQL type, for a cast where the statement gives a parameter no type of its own (UNNEST, INSERT … SELECT). */
export function pgTypeOf(model: ModelName, column: string): string {
  return PG_TYPES[modelColumns(model).get(column) ?? "String"] ?? "text";
}

/** The model's scalar columns and their Prisma types (String, Int, DateTime, Boolean, …). */
export function modelColumns(model: ModelName): Map<string, string> {
  const columns = FIELD_TYPES.get(model);
  if (!columns) throw new Error(`No model ${model} in the Prisma schema`);
  return columns;
}

/** The statement driver of `db`, or Prisma's raw queries when the client was not made by createDb. */
export function sqlOf(db: Db): StatementDriver {
  const driver = statementDriverOf(db);
  if (driver) return driver;
  const kind = providerOf(db);
  const numbered = (sql: string) => (kind === "postgresql" ? numberedPlaceholders(sql) : sql);
  type Raw = Pick<Db, "$queryRawUnsafe" | "$executeRawUnsafe">;
  const runnerOn = (client: Raw): StatementRunner => ({
    kind,
    all: (sql, params) => {
      statementCount.hotPath++;
      return client.$queryRawUnsafe<Record<string, unknown>[]>(numbered(sql), ...params);
    },
    run: (sql, params) => {
      statementCount.hotPath++;
      return client.$executeRawUnsafe(numbered(sql), ...params);
    },
  });
  return {
    ...runnerOn(db),
    transaction: (lockKey, work, first) =>
      db.$transaction(
        async (tx) => {
          const runner = runnerOn(tx);
          if (kind === "postgresql") await runner.all(`SELECT pg_advisory_xact_lock(hashtext(?))`, [lockKey]);
          // SQLite: the first statement writes, so the transaction holds the write lock from its start.
          else await runner.run(`UPDATE "OrderPromise" SET "shop" = "shop" WHERE 1 = 0`, []);
          const atCommit: Array<{ sql: string; params: readonly unknown[] }> = [];
          const result = await work({ ...runner, runAtCommit: (sql, params) => void atCommit.push({ sql, params }) }, first ? await runner.all(first.sql, first.params) : []);
          for (const statement of atCommit) await runner.run(statement.sql, statement.params);
          return result;
        },
        { timeout: 20_000, maxWait: 20_000 },
      ),
  };
}

/** A value as bound: timestamps as ISO text (SQLite: the "+00:00" text Prisma's adapter writes), booleans as 0/1 on SQLite. */
export function bindValue(kind: StatementDriver["kind"], value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return kind === "sqlite" ? value.toISOString().replace("Z", "+00:00") : value.toISOString();
  if (typeof value === "boolean") return kind === "sqlite" ? (value ? 1 : 0) : value;
  return value;
}

/** A stored timestamp as read back: SQLite text (either ISO form), PostgreSQL's UTC wall-time text, or a Date (Prisma raw). */
function dateOf(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const text = String(value);
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(text)) return new Date(text);
  return new Date(`${text.replace(" ", "T")}Z`);
}

/** A row as the driver returned it, typed as Prisma returns the model (Dates, booleans, numbers). */
export function decodeRow<T>(model: ModelName, raw: Record<string, unknown>): T {
  const columns = modelColumns(model);
  const row: Record<string, unknown> = {};
  for (const key in raw) {
    const value = raw[key];
    const type = columns.get(key);
    if (value === null || value === undefined) row[key] = null;
    else if (type === "DateTime") row[key] = dateOf(value);
    else if (type === "Boolean") row[key] = value === true || value === 1 || value === "1" || value === "t" || value === 1n;
    else if (type === "Int" || type === "Float") row[key] = Number(value);
    else row[key] = value;
  }
  return row as T;
}

/**
 * `column` is one of a list bound as one value, so one statement text serves every list size:
 * SQLite reads the value as JSON, PostgreSQL as an array. Bind the list with `textList`.
 */
export const inTextList = (kind: StatementDriver["kind"], column: string) =>
  kind === "postgresql" ? `${column} = ANY(?::text[])` : `${column} IN (SELECT value FROM json_each(?))`;

/** A list of texts as `inTextList` binds it. */
export const textList = (kind: StatementDriver["kind"], values: readonly string[]): unknown => (kind === "postgresql" ? values : JSON.stringify(values));

/**
 * PostgreSQL: a CTE "l" locking the shop's rows of `model` whose `key` is among the "gid"s of a CTE
 * "v", in key order (the lock sits above the sort), as `"key"`. Many-row writes that lock their rows
 * through it never wait on each other in a cycle. Its one `?` is the shop.
 */
export const rowsLockedInKeyOrder = (model: ModelName, key: string, condition = "") =>
  `"l" AS (SELECT c."${key}" AS "key" FROM "${model}" c WHERE c."shop" = ? AND c."${key}" IN (SELECT "gid" FROM "v")${condition} ORDER BY c."${key}" FOR UPDATE)`;

/** `"a", "b", "c"` for a column list. */
export const columnList = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(", ");

/** A version later than `previous` (ms resolution), so a compare-and-set on it never matches an older write. */
export function nextVersion(now: Date, previous: Date | null | undefined): Date {
  return previous && previous.getTime() >= now.getTime() ? new Date(previous.getTime() + 1) : now;
}
