// Applies the committed migrations (prisma/migrations for SQLite,
// prisma/postgresql/migrations for PostgreSQL) in order, once each.
//
// Why not `prisma migrate deploy`: its JavaScript schema engine cannot read
// PostgreSQL catalogs through @prisma/adapter-pg (prisma/orm#27403), and the
// native engine cannot be downloaded here. The bookkeeping table has Prisma's
// own shape and checksums, so `prisma migrate deploy` can take over where the
// native engine is available.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DatabaseTarget } from "./database-url.ts";

export interface AppliedMigration {
  name: string;
  applied: boolean;
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`No migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export function migrationsDir(target: DatabaseTarget): string {
  return path.join(path.dirname(target.schemaPath), "migrations");
}

const BOOKKEEPING_SQLITE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`;

const BOOKKEEPING_PG = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

function checkNotEdited(file: MigrationFile, recordedChecksum: string): void {
  if (recordedChecksum !== file.checksum) {
    throw new Error(`Migration ${file.name} was edited after it was applied (checksum differs). Write a new migration instead.`);
  }
}

async function migrateSqlite(target: Extract<DatabaseTarget, { kind: "sqlite" }>, files: MigrationFile[]): Promise<AppliedMigration[]> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(target.filePath, { timeout: 10_000 });
  try {
    // WAL lets the web process and the worker process read while the other writes.
    // Up to date already? Answer with reads only, so a process starting while
    // another holds the write lock does not wait for it.
    const hasTable = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    if (hasTable) {
      const done = new Map(
        (db.prepare(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL`).all() as Array<{ migration_name: string; checksum: string }>).map((r) => [r.migration_name, r.checksum]),
      );
      if (files.every((file) => done.has(file.name))) {
        for (const file of files) checkNotEdited(file, done.get(file.name)!);
        return files.map((file) => ({ name: file.name, applied: false }));
      }
    }
    if (target.filePath !== ":memory:") db.pragma("journal_mode = WAL");
    db.exec(BOOKKEEPING_SQLITE);
    const result: AppliedMigration[] = [];
    for (const file of files) {
      // IMMEDIATE takes the write lock first, so two processes starting at once apply each migration once.
      const apply = db.transaction(() => {
        const row = db.prepare(`SELECT checksum FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL AND finished_at IS NOT NULL`).get(file.name) as { checksum: string } | undefined;
        if (row) {
          checkNotEdited(file, row.checksum);
          return false;
        }
        db.exec(file.sql);
        db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)`).run(
          randomUUID(), file.checksum, file.name, new Date().toISOString(), new Date().toISOString(),
        );
        return true;
      });
      result.push({ name: file.name, applied: apply.immediate() });
    }
    return result;
  } finally {
    db.close();
  }
}

async function migratePostgres(target: Extract<DatabaseTarget, { kind: "postgresql" }>, files: MigrationFile[]): Promise<AppliedMigration[]> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    if (target.pgSchema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${target.pgSchema.replace(/"/g, '""')}"`);
      await client.query(`SET search_path TO "${target.pgSchema.replace(/"/g, '""')}"`);
    }
    // One migrator at a time per database (web and worker may start together).
    await client.query("SELECT pg_advisory_lock(7343001)");
    try {
      await client.query(BOOKKEEPING_PG);
      const result: AppliedMigration[] = [];
      for (const file of files) {
        const { rows } = await client.query(
          `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL AND finished_at IS NOT NULL`,
          [file.name],
        );
        if (rows.length > 0) {
          checkNotEdited(file, rows[0].checksum);
          result.push({ name: file.name, applied: false });
          continue;
        }
        await client.query("BEGIN");
        try {
          await client.query(file.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), now(), 1)`,
            [randomUUID(), file.checksum, file.name],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`Migration ${file.name} failed: ${(error as Error).message}`);
        }
        result.push({ name: file.name, applied: true });
      }
      return result;
    } finally {
      await client.query("SELECT pg_advisory_unlock(7343001)");
    }
  } finally {
    await client.end();
  }
}

export async function applyMigrations(target: DatabaseTarget): Promise<AppliedMigration[]> {
  const files = readMigrations(migrationsDir(target));
  return target.kind === "postgresql" ? migratePostgres(target, files) : migrateSqlite(target, files);
}
