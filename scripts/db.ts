// Database chores that work offline (no Prisma native engine):
//   generate            derive the PostgreSQL schema from prisma/schema.prisma, generate both clients
//   deploy              apply committed migrations to DATABASE_URL (SQLite file by default)
//   new-migration NAME  write the next migration for both databases from the schema diff
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveDatabase } from "../app/adapters/db/database-url.ts";
import { applyMigrations } from "../app/adapters/db/migrate.server.ts";
import { derivePostgresSchema, PG_SCHEMA_PATH, SQLITE_SCHEMA_PATH } from "./postgres-schema.ts";

const root = path.resolve(import.meta.dirname, "..");
const prismaBin = path.join(root, "node_modules/prisma/build/index.js");

function prisma(args: string[], env: NodeJS.ProcessEnv = process.env, capture = false): string {
  const out = execFileSync(process.execPath, [prismaBin, ...args], {
    cwd: root,
    env: { ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
  });
  return out ?? "";
}

export function writePostgresSchema(): void {
  const derived = derivePostgresSchema(readFileSync(path.join(root, SQLITE_SCHEMA_PATH), "utf8"));
  mkdirSync(path.dirname(path.join(root, PG_SCHEMA_PATH)), { recursive: true });
  writeFileSync(path.join(root, PG_SCHEMA_PATH), derived);
}

function generate(): void {
  writePostgresSchema();
  prisma(["generate", "--schema", SQLITE_SCHEMA_PATH]);
  // Generating needs DATABASE_URL to be a PostgreSQL URL (it is not connected to);
  // without one the CLI tries to download a native engine.
  prisma(["generate", "--schema", PG_SCHEMA_PATH], { ...process.env, DATABASE_URL: "postgresql://generate@localhost/none" });
}

async function deploy(): Promise<void> {
  const target = resolveDatabase(process.env.DATABASE_URL, root);
  const applied = await applyMigrations(target);
  const fresh = applied.filter((m) => m.applied).map((m) => m.name);
  console.log(`[db] ${target.kind}: ${fresh.length ? `applied ${fresh.join(", ")}` : "up to date"} (${applied.length} migrations)`);
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

// Prisma's diff needs the state the committed migrations produce: build it in a
// scratch database, then diff that against the schema.
function newMigration(name: string): void {
  if (!name) throw new Error("usage: db.ts new-migration NAME");
  writePostgresSchema();
  const stamp = timestamp();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "tierline-migrate-"));
  try {
    const targets: Array<{ schema: string; url: string; setup?: () => void; teardown?: () => void }> = [
      { schema: SQLITE_SCHEMA_PATH, url: `file:${path.join(scratch, "scratch.db")}` },
    ];
    const pgBase = process.env.MIGRATION_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
    const pgSchema = `tierline_migrate_${process.pid}`;
    targets.push({ schema: PG_SCHEMA_PATH, url: `${pgBase}?schema=${pgSchema}` });
    for (const target of targets) {
      const env = { ...process.env, DATABASE_URL: target.url };
      prisma(["migrate", "deploy"], env, true);
      const sql = prisma(["migrate", "diff", "--from-config-datasource", "--to-schema-datamodel", target.schema, "--script"], env, true);
      const migrationsDir = path.join(root, path.dirname(target.schema), "migrations");
      if (!/CREATE|ALTER|DROP/i.test(sql)) {
        console.log(`${target.schema}: no changes`);
        continue;
      }
      const dir = path.join(migrationsDir, `${stamp}_${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "migration.sql"), sql);
      if (!existsSync(path.join(migrationsDir, "migration_lock.toml"))) {
        const provider = target.schema === PG_SCHEMA_PATH ? "postgresql" : "sqlite";
        writeFileSync(path.join(migrationsDir, "migration_lock.toml"), `provider = "${provider}"\n`);
      }
      console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  void readdirSync;
}

const [command, arg] = process.argv.slice(2);
if (command === "generate") generate();
else if (command === "deploy") await deploy();
else if (command === "new-migration") newMigration(arg ?? "");
else {
  console.error("usage: db.ts generate | deploy | new-migration NAME");
  process.exit(2);
}
