// A fresh database for one test file: a temp SQLite file, or its own schema in
// the local PostgreSQL (TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/test).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, databaseTarget, type Db } from "../../app/db.server.ts";
import { applyMigrations } from "../../app/adapters/db/migrate.server.ts";

export type DatabaseKind = "sqlite" | "postgresql";
export const DATABASE_KINDS: DatabaseKind[] = ["sqlite", "postgresql"];

export const TEST_PG_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind, label = "t"): Promise<TestDatabase> {
  const unique = `${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
  let url: string;
  let cleanup: () => Promise<void>;
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tierline-test-"));
    url = `file:${path.join(dir, "test.db")}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const schema = `tierline_${unique}`;
    // TEST_PG_URL may carry its own query (e.g. `?host=/var/run/postgresql`, a Unix socket).
    const withSchema = new URL(TEST_PG_URL);
    withSchema.searchParams.set("schema", schema);
    url = withSchema.toString();
    cleanup = async () => {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    };
  }
  const target = databaseTarget(url);
  await applyMigrations(target);
  const db = createDb(target);
  return {
    kind,
    url,
    db,
    async drop() {
      await db.$disconnect();
      await cleanup();
    },
  };
}
