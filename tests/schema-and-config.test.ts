// The things that must never drift apart: the two Prisma schemas, each schema and
// its committed migrations, and shopify.app.toml and the code.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../app/adapters/shopify/api-version.ts";
import { COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS, webhookPath } from "../app/adapters/shopify/webhook-topics.ts";
import { derivePostgresSchema } from "../scripts/postgres-schema.ts";
import { parseToml, readAppToml, type TomlTable } from "../simulator/webhooks/app-toml.ts";
import { SHOP_TIER_LADDER_METAFIELD, TIER_METAFIELD_KEYS } from "../app/domain/tier-metafields.ts";
import { ROOT, WORKER_NODE_FLAGS } from "../scripts/lib/app-processes.ts";
import { createTestDatabase, TEST_PG_URL } from "./support/test-database.ts";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The SQL Prisma itself derives from a schema (what a fresh migration would contain). */
function schemaSql(schemaPath: string, databaseUrl: string): string {
  return execFileSync(process.execPath, [path.join(ROOT, "node_modules/prisma/build/index.js"), "migrate", "diff", "--from-empty", "--to-schema-datamodel", schemaPath, "--script"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n/m, "");
}

function sqliteCatalog(file: string) {
  const db = new Database(file);
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_prisma_migrations' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name);
    return tables.map((table) => ({
      table,
      columns: db.prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`).all(table),
      indexes: (db.prepare(`SELECT name, "unique" FROM pragma_index_list(?) ORDER BY name`).all(table) as Array<{ name: string; unique: number }>).map((index) => ({
        ...index,
        columns: db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(index.name),
      })),
    }));
  } finally {
    db.close();
  }
}

async function pgCatalog(schema: string) {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name != '_prisma_migrations' ORDER BY table_name, ordinal_position`,
      [schema],
    );
    const indexes = await client.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename != '_prisma_migrations' ORDER BY indexname`, [schema]);
    return { columns: columns.rows, indexes: indexes.rows.map((r) => ({ ...r, indexdef: String(r.indexdef).replaceAll(`"${schema}".`, "").replaceAll(`${schema}.`, "") })) };
  } finally {
    await client.end();
  }
}

describe("database schemas and migrations", () => {
  it("keeps the PostgreSQL schema derived from the SQLite one", () => {
    expect(read("prisma/postgresql/schema.prisma")).toBe(derivePostgresSchema(read("prisma/schema.prisma")));
  });

  it("SQLite: the committed migrations produce exactly the schema", async () => {
    const migrated = await createTestDatabase("sqlite", "drift");
    const fresh = await createTestDatabase("sqlite", "fresh");
    try {
      // Rebuild `fresh` from the schema itself instead of the migrations.
      const freshFile = fresh.url.slice("file:".length);
      await fresh.db.$disconnect();
      const db = new Database(freshFile);
      for (const table of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string }>) db.exec(`DROP TABLE "${table.name}"`);
      db.exec(schemaSql("prisma/schema.prisma", "file:/tmp/unused.db"));
      db.close();
      expect(sqliteCatalog(migrated.url.slice("file:".length))).toEqual(sqliteCatalog(freshFile));
    } finally {
      await migrated.drop();
      await fresh.drop();
    }
  });

  it("PostgreSQL: the committed migrations produce exactly the schema", async () => {
    const migrated = await createTestDatabase("postgresql", "drift");
    const freshSchema = `tierline_fresh_${process.pid}`;
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${freshSchema}" CASCADE; CREATE SCHEMA "${freshSchema}"; SET search_path TO "${freshSchema}"`);
      await client.query(schemaSql("prisma/postgresql/schema.prisma", TEST_PG_URL));
      const migratedSchema = new URL(migrated.url).searchParams.get("schema")!;
      expect(await pgCatalog(migratedSchema)).toEqual(await pgCatalog(freshSchema));
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${freshSchema}" CASCADE`);
      await client.end();
      await migrated.drop();
    }
  });
});

describe("shopify.app.toml agrees with the code", () => {
  const toml = readAppToml(read("shopify.app.toml"));

  it("declares every subscribed topic at its /webhooks path, and only those", () => {
    const declared = toml.subscriptions.filter((s) => !s.compliance).flatMap((s) => s.topics.map((topic) => ({ topic, uri: s.uri })));
    expect(declared.map((d) => d.topic).sort()).toEqual([...SUBSCRIBED_TOPICS].sort());
    for (const { topic, uri } of declared) expect(uri).toBe(webhookPath(topic as (typeof SUBSCRIBED_TOPICS)[number]));
  });

  it("declares the three mandatory compliance topics", () => {
    expect(toml.subscriptions.filter((s) => s.compliance).flatMap((s) => s.topics).sort()).toEqual([...COMPLIANCE_TOPICS].sort());
  });

  it("declares an app-owned customer metafield definition for every metafield Tierline writes, with its type", () => {
    const customer = (parseToml(read("shopify.app.toml")).customer as TomlTable).metafields as TomlTable;
    const declared = Object.fromEntries(Object.entries(customer.app as Record<string, TomlTable>).map(([key, def]) => [key, def.type]));
    expect(declared).toEqual(TIER_METAFIELD_KEYS);
  });

  it("declares the tier ladder as an app-owned SHOP metafield the customer account can read", () => {
    const shop = ((parseToml(read("shopify.app.toml")).shop as TomlTable).metafields as TomlTable).app as Record<string, TomlTable>;
    expect(shop.tier_ladder).toMatchObject({ type: SHOP_TIER_LADDER_METAFIELD.type });
    expect((shop.tier_ladder.access as TomlTable).customer_account).toBe("read");
  });

  it("uses the app's one API version", () => {
    expect(toml.webhooksApiVersion).toBe(API_VERSION);
  });

  it("requests the scopes the app asks for, including read_all_orders for history beyond 60 days", () => {
    const example = read(".env.example").match(/^SCOPES=(.*)$/m)![1].split(",");
    expect(toml.scopes.sort()).toEqual(example.sort());
    expect(toml.scopes).toContain("read_all_orders");
  });
});

describe("the worker's start", () => {
  it("runs with the same V8 flags from `npm run worker` as the tests and benchmarks start it with", () => {
    const script = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts.worker;
    const flags = script.split(/\s+/).filter((word) => word.startsWith("--max-"));
    expect(flags).toEqual(WORKER_NODE_FLAGS);
  });
});
