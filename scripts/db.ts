// Database chores that work offline (no Prisma native engine):
//   generate            derive the PostgreSQL schema from prisma/schema.prisma, generate both clients
//   deploy              apply committed migrations to DATABASE_URL (SQLite file by default)
//   new-migration NAME  write the next migration for both databases from the schema diff
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
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

// Prisma's offline diff compares two schema files: the schema as last committed
// (what the committed migrations produce, which a test guarantees) and the one
// being edited. The PostgreSQL pair is derived from the SQLite pair.
function newMigration(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("usage: db.ts new-migration NAME (lower-case letters, digits, _)");
  writePostgresSchema();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "tierline-migrate-"));
  try {
    const committed = execFileSync("git", ["show", `HEAD:${SQLITE_SCHEMA_PATH}`], { cwd: root, encoding: "utf8" });
    const pairs = [
      { from: committed, to: SQLITE_SCHEMA_PATH, dir: "prisma/migrations", env: process.env },
      { from: derivePostgresSchema(committed), to: PG_SCHEMA_PATH, dir: "prisma/postgresql/migrations", // The CLI opens (but does not change) a PostgreSQL connection for this diff.
        env: { ...process.env, DATABASE_URL: process.env.MIGRATION_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test" } },
    ];
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
    for (const [i, pair] of pairs.entries()) {
      const fromFile = path.join(scratch, `from-${i}.prisma`);
      writeFileSync(fromFile, pair.from);
      const sql = prisma(["migrate", "diff", "--from-schema-datamodel", fromFile, "--to-schema-datamodel", pair.to, "--script"], pair.env, true)
        .replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, "");
      if (!/CREATE|ALTER|DROP/i.test(sql)) {
        console.log(`${pair.to}: no changes since HEAD`);
        continue;
      }
      const dir = path.join(root, pair.dir, `${stamp}_${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "migration.sql"), sql);
      console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const [command, arg] = process.argv.slice(2);
if (command === "generate") generate();
else if (command === "deploy") await deploy();
else if (command === "new-migration") newMigration(arg ?? "");
else {
  console.error("usage: db.ts generate | deploy | new-migration NAME");
  process.exit(2);
}
