// The two statements every webhook job runs (load the stored delivery, record how
// it ended), as raw SQL on Prisma's own connection. Prisma compiles each model
// query in its WebAssembly query compiler, which costs about three times what the
// statement itself does; every delivery pays it twice, so these two skip it.
// Same connection, so no second SQLite writer competes for the lock.
import type { Db } from "../../db.server.ts";
import { param, providerOf, timestampText } from "./sql-dialect.ts";

export interface StoredDelivery {
  webhookId: string;
  shop: string;
  topic: string;
  payload: string;
  status: string;
}

export async function loadStoredDelivery(db: Db, webhookId: string): Promise<StoredDelivery | null> {
  const rows = await db.$queryRawUnsafe<StoredDelivery[]>(
    `SELECT "webhookId", "shop", "topic", "payload", "status" FROM "WebhookDelivery" WHERE "webhookId" = ${param(providerOf(db), 1)}`,
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
  const provider = providerOf(db);
  const params: unknown[] = [];
  const bind = (value: unknown, pgCast = "") => {
    params.push(value);
    return param(provider, params.length) + (provider === "postgresql" ? pgCast : "");
  };
  const sets = [`"attempts" = "attempts" + 1`, `"error" = ${bind(end.error)}`];
  if (end.status) sets.push(`"status" = ${bind(end.status)}`);
  if (end.status === "processed" || end.status === "skipped") {
    sets.push(`"processedAt" = ${bind(timestampText(provider, end.at), "::timestamp(3)")}`);
  }
  await db.$executeRawUnsafe(`UPDATE "WebhookDelivery" SET ${sets.join(", ")} WHERE "webhookId" = ${bind(webhookId)}`, ...params);
}
