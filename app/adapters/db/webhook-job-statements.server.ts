// The two statements every webhook job runs (load the stored delivery, record how
// it ended), as cached prepared statements on Prisma's own connection (see
// statement-driver.server.ts): same connection, so no second SQLite writer
// competes for the lock.
import type { Db } from "../../db.server.ts";
import { bindValue, sqlOf } from "./hot-path-sql.server.ts";

export interface StoredDelivery {
  webhookId: string;
  shop: string;
  topic: string;
  payload: string;
  status: string;
  /** Attempts that ended before this one (a job re-queued by the sweep starts afresh; this does not). */
  attempts: number;
}

const LOAD = `SELECT "webhookId", "shop", "topic", "payload", "status", "attempts" FROM "WebhookDelivery" WHERE "webhookId" = ?`;

export async function loadStoredDelivery(db: Db, webhookId: string): Promise<StoredDelivery | null> {
  const rows = await sqlOf(db).all(LOAD, [webhookId]);
  return (rows[0] as unknown as StoredDelivery | undefined) ?? null;
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
