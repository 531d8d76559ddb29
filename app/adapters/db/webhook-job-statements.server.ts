// The two statements every webhook job runs (load the stored delivery, record how
// it ended), as raw SQL on Prisma's own connection. Prisma compiles each model
// query in its WebAssembly query compiler, which costs about three times what the
// statement itself does; every delivery pays it twice, so these two skip it.
// Same connection, so no second SQLite writer competes for the lock.
import type { Db } from "../../db.server.ts";
import { providerOf } from "./bulk-insert.server.ts";

export interface StoredDelivery {
  webhookId: string;
  shop: string;
  topic: string;
  payload: string;
  status: string;
}

export async function loadStoredDelivery(db: Db, webhookId: string): Promise<StoredDelivery | null> {
  const placeholder = providerOf(db) === "postgresql" ? "$1" : "?";
  const rows = await db.$queryRawUnsafe<StoredDelivery[]>(
    `SELECT "webhookId", "shop", "topic", "payload", "status" FROM "WebhookDelivery" WHERE "webhookId" = ${placeholder}`,
    webhookId,
  );
  return rows[0] ?? null;
}

export interface DeliveryEnd {
  /** The new status; undefined keeps it (an attempt that will be retried). */
  status?: "processed" | "skipped" | "failed";
  error: string | null;
  at: Date;
}

/** Records one attempt's end: its status (if it ends the delivery), error and time, and counts the attempt. */
export async function recordDeliveryAttempt(db: Db, webhookId: string, end: DeliveryEnd): Promise<void> {
  const pg = providerOf(db) === "postgresql";
  const params: unknown[] = [];
  const bind = (value: unknown, cast = "") => {
    params.push(value);
    return (pg ? `$${params.length}` : "?") + (pg ? cast : "");
  };
  const sets = [`"attempts" = "attempts" + 1`, `"error" = ${bind(end.error)}`];
  if (end.status) sets.push(`"status" = ${bind(end.status)}`);
  if (end.status === "processed" || end.status === "skipped") {
    // Dates as Prisma writes them: ISO text with "+00:00" on SQLite, timestamp(3) on PostgreSQL.
    const iso = end.at.toISOString();
    sets.push(`"processedAt" = ${bind(pg ? iso : iso.replace("Z", "+00:00"), "::timestamp(3)")}`);
  }
  await db.$executeRawUnsafe(`UPDATE "WebhookDelivery" SET ${sets.join(", ")} WHERE "webhookId" = ${bind(webhookId)}`, ...params);
}
