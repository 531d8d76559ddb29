// The statements every webhook job runs (load the stored delivery, record how
// it ended), as cached prepared statements on Prisma's own connection (see
// statement-driver.server.ts): same connection, so no second SQLite writer
// competes for the lock.
import type { Db } from "../../db.server.ts";
import { bindValue, inTextList, sqlOf, textList } from "./hot-path-sql.server.ts";
import { truthy } from "./tier-settings-repository.server.ts";

export interface StoredDelivery {
  webhookId: string;
  shop: string;
  topic: string;
  payload: string;
  status: string;
  /** Attempts that ended before this one (a job re-queued by the sweep starts afresh; this does not). */
  attempts: number;
  /**
   * Whether a run took the delivery up before this one (its load marked it, or an attempt ended):
   * that run may have written and then stopped, its worker killed, before asking for what follows
   * the write. The job running it now can be one BullMQ does not count as a retry (a redelivery's
   * batch, the sweep's fresh job), so this is what tells the handlers to ask again.
   */
  startedBefore: boolean;
  /**
   * Whether the shop had any erasure tombstone when the row was read (the same statement):
   * the erasure guard's first look, so a shop that never had a redaction (nearly all) runs
   * no statement of its own for it. The look after the write is the guard's own.
   */
  shopHasTombstones: boolean;
}

const LOAD = `SELECT d."webhookId", d."shop", d."topic", d."payload", d."status", d."attempts", d."startedAt" IS NOT NULL AS "startedBefore", EXISTS (SELECT 1 FROM "ErasureTombstone" t WHERE t."shop" = d."shop") AS "shopHasTombstones" FROM "WebhookDelivery" d WHERE d."webhookId" = ?`;
const MARK = `UPDATE "WebhookDelivery" SET "startedAt" = ? WHERE "webhookId" = ? AND "status" = 'received' AND "startedAt" IS NULL`;

// Loading a delivery to run it marks it started, before any handler writes: on SQLite a second
// in-process statement when a row needs it, on PostgreSQL the same round trip (the CTE's UPDATE;
// the SELECT returns the rows as they were before it).
const pgLoadAndMark = (load: string) =>
  `WITH "d" AS (${load}), "m" AS (UPDATE "WebhookDelivery" w SET "startedAt" = ?::timestamp(3) FROM "d" ` +
  `WHERE w."webhookId" = "d"."webhookId" AND "d"."status" = 'received' AND NOT "d"."startedBefore") SELECT * FROM "d"`;
const ONE = `"webhookId" = ?`;
// A batch's rows in one statement, the ids bound as one value (one statement text for every batch size).
const SQLITE_MANY = inTextList("sqlite", `"webhookId"`);
const LOAD_ONE = { sqlite: { load: LOAD, mark: MARK }, postgresql: { load: pgLoadAndMark(LOAD), mark: null } };
const LOAD_MANY = {
  sqlite: { load: LOAD.replace(ONE, SQLITE_MANY), mark: MARK.replace(ONE, SQLITE_MANY) },
  postgresql: { load: pgLoadAndMark(LOAD.replace(ONE, inTextList("postgresql", `"webhookId"`))), mark: null },
};

const storedDelivery = (row: Record<string, unknown>): StoredDelivery => ({
  ...(row as unknown as StoredDelivery),
  startedBefore: truthy(row.startedBefore) || Number(row.attempts) > 0,
  shopHasTombstones: truthy(row.shopHasTombstones),
});

async function loadAndMark(db: Db, which: typeof LOAD_ONE, ids: unknown, now: Date): Promise<StoredDelivery[]> {
  const sql = sqlOf(db);
  const at = bindValue(sql.kind, now);
  const { load, mark } = which[sql.kind];
  const rows = (await sql.all(load, sql.kind === "postgresql" ? [ids, at] : [ids])).map(storedDelivery);
  if (mark && rows.some((r) => r.status === "received" && !r.startedBefore)) await sql.run(mark, [at, ids]);
  return rows;
}

/** The stored row of a delivery about to run (marked started), or null when there is none. */
export async function loadStoredDelivery(db: Db, webhookId: string, now = new Date()): Promise<StoredDelivery | null> {
  const [row] = await loadAndMark(db, LOAD_ONE, webhookId, now);
  return row ?? null;
}

/** The stored rows of a batch's deliveries about to run (marked started), by id; an id without a row is absent. */
export async function loadStoredDeliveries(db: Db, webhookIds: readonly string[], now = new Date()): Promise<Map<string, StoredDelivery>> {
  const rows = await loadAndMark(db, LOAD_MANY, textList(sqlOf(db).kind, webhookIds), now);
  return new Map(rows.map((row) => [row.webhookId, row]));
}

export interface DeliveryEnd {
  /** The new status; undefined keeps it (an attempt that will be retried). */
  status?: "processed" | "skipped" | "failed";
  error: string | null;
  at: Date;
}

// One statement text for every kind of end: a null status keeps the status, a null time keeps processedAt.
const RECORD = `UPDATE "WebhookDelivery" SET "attempts" = "attempts" + 1, "error" = ?, "status" = COALESCE(?, "status"), "processedAt" = COALESCE(?, "processedAt") WHERE "webhookId" = ?`;

/** Records one attempt's end: its status (if it ends the delivery), error and time, and counts the attempt. */
export async function recordDeliveryAttempt(db: Db, webhookId: string, end: DeliveryEnd): Promise<void> {
  const sql = sqlOf(db);
  const done = end.status === "processed" || end.status === "skipped";
  const processedAt = done ? bindValue(sql.kind, end.at) : null;
  await sql.run(sql.kind === "postgresql" ? RECORD.replace(`COALESCE(?, "processedAt")`, `COALESCE(?::timestamp(3), "processedAt")`) : RECORD, [end.error, end.status ?? null, processedAt, webhookId]);
}

// The same end, written only when the shop has no erasure tombstone: the erasure guard's look
// after the write and the delivery's close in one statement (on PostgreSQL one round trip less
// per delivery). Read in the same statement as the close, after the handler's writes committed,
// so it sees any tombstone the look of its own would have seen.
const CLOSE_UNLESS_TOMBSTONES = `UPDATE "WebhookDelivery" SET "attempts" = "attempts" + 1, "error" = NULL, "status" = ?, "processedAt" = ? WHERE "webhookId" = ? AND NOT EXISTS (SELECT 1 FROM "ErasureTombstone" t WHERE t."shop" = ?)`;

/**
 * Records a done delivery's end unless its shop has any erasure tombstone. False when
 * nothing was recorded: the shop has a tombstone (the caller then looks for its subjects
 * and records the end itself), or the row is gone (a shop/redact deleted it).
 */
export async function closeDeliveryUnlessShopHasTombstones(db: Db, webhookId: string, shop: string, end: { status: "processed" | "skipped"; at: Date }): Promise<boolean> {
  const sql = sqlOf(db);
  const text = sql.kind === "postgresql" ? CLOSE_UNLESS_TOMBSTONES.replace(`"processedAt" = ?`, `"processedAt" = ?::timestamp(3)`) : CLOSE_UNLESS_TOMBSTONES;
  return (await sql.run(text, [end.status, bindValue(sql.kind, end.at), webhookId, shop])) === 1;
}

// The same close for many deliveries in one statement (a batch's, shops and statuses mixed): each row
// is closed with its own status unless its own shop has a tombstone, and the statement says which it closed.
const closeMany = (kind: "sqlite" | "postgresql") =>
  `UPDATE "WebhookDelivery" SET "attempts" = "attempts" + 1, "error" = NULL, ` +
  `"status" = CASE WHEN ${inTextList(kind, `"webhookId"`)} THEN 'skipped' ELSE 'processed' END, "processedAt" = ?${kind === "postgresql" ? "::timestamp(3)" : ""} ` +
  `WHERE ${inTextList(kind, `"webhookId"`)} AND NOT EXISTS (SELECT 1 FROM "ErasureTombstone" t WHERE t."shop" = "WebhookDelivery"."shop") RETURNING "webhookId"`;
const CLOSE_MANY = { sqlite: closeMany("sqlite"), postgresql: closeMany("postgresql") };

/** closeDeliveryUnlessShopHasTombstones for many deliveries, each with its status: the ids it closed. */
export async function closeDeliveriesUnlessShopHasTombstones(db: Db, ends: ReadonlyArray<{ webhookId: string; status: "processed" | "skipped" }>, at: Date): Promise<Set<string>> {
  if (ends.length === 0) return new Set();
  const sql = sqlOf(db);
  const skipped = ends.filter((e) => e.status === "skipped").map((e) => e.webhookId);
  const rows = await sql.all(CLOSE_MANY[sql.kind], [textList(sql.kind, skipped), bindValue(sql.kind, at), textList(sql.kind, ends.map((e) => e.webhookId))]);
  return new Set(rows.map((row) => row.webhookId as string));
}
