// Where accepted webhook deliveries are written, on the intake's hot path (from
// its writer thread: app/webhooks/delivery-writer.server.ts).
//
// This one statement bypasses Prisma: the benchmark showed its query compiler
// and interpreter costing more than the write itself for a statement whose
// shape changes with the batch size. SQLite gets a cached prepared statement in
// one transaction per batch; PostgreSQL one multi-row INSERT over UNNEST.
import type { DatabaseTarget } from "./database-url.ts";

export interface DeliveryRow {
  webhookId: string;
  shop: string;
  topic: string;
  eventId: string | null;
  apiVersion: string | null;
  triggeredAt: Date | null;
  payload: string;
  receivedAt: Date;
}

export interface DeliveryStore {
  /** Inserts the rows; a row whose webhookId exists already is left as it is. */
  insert(rows: DeliveryRow[]): Promise<void>;
  close(): Promise<void>;
}

export async function createDeliveryStore(target: DatabaseTarget): Promise<DeliveryStore> {
  if (target.kind === "postgresql") {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({
      connectionString: target.url,
      max: 4,
      connectionTimeoutMillis: 800,
      ...(target.pgSchema ? { options: `-c search_path="${target.pgSchema}"` } : {}),
    });
    pool.on("error", () => {});
    return {
      async insert(rows) {
        await pool.query(
          `INSERT INTO "WebhookDelivery" ("webhookId", "shop", "topic", "eventId", "apiVersion", "triggeredAt", "payload", "receivedAt")
           SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamp(3)[], $7::text[], $8::timestamp(3)[])
           ON CONFLICT ("webhookId") DO NOTHING`,
          [
            rows.map((r) => r.webhookId),
            rows.map((r) => r.shop),
            rows.map((r) => r.topic),
            rows.map((r) => r.eventId),
            rows.map((r) => r.apiVersion),
            rows.map((r) => r.triggeredAt?.toISOString() ?? null),
            rows.map((r) => r.payload),
            rows.map((r) => r.receivedAt.toISOString()),
          ],
        );
      },
      close: () => pool.end(),
    };
  }
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(target.filePath, { timeout: 800 });
  // WAL with synchronous=NORMAL: a committed delivery survives a crash of any
  // process; only a power loss can lose the last few commits (see docs/decisions).
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Checkpointing copies the WAL into the database file synchronously, stalling
  // every delivery behind it; leave it to the worker processes' connections, which
  // write on every job (SQLite checkpoints from whichever connection commits).
  db.pragma("wal_autocheckpoint = 0");
  const statement = db.prepare(
    `INSERT INTO "WebhookDelivery" ("webhookId", "shop", "topic", "eventId", "apiVersion", "triggeredAt", "payload", "receivedAt", "status", "attempts")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', 0) ON CONFLICT ("webhookId") DO NOTHING`,
  );
  const insertAll = db.transaction(() => {
    for (const r of pending) {
      // Dates as Prisma stores them in SQLite (ISO-8601 text), so the app reads them back as Dates.
      statement.run(r.webhookId, r.shop, r.topic, r.eventId, r.apiVersion, r.triggeredAt?.toISOString() ?? null, r.payload, r.receivedAt.toISOString());
    }
  });
  let pending: DeliveryRow[] = [];
  return {
    async insert(rows) {
      pending = rows;
      try {
        insertAll.immediate();
      } finally {
        pending = [];
      }
    },
    async close() {
      db.close();
    },
  };
}
