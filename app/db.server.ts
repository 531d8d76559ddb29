// The one Prisma client of a process, on the database DATABASE_URL names.
// SQLite and PostgreSQL have separately generated clients with the same model API,
// generated into node_modules (`npm run db:generate`) so bundlers treat them as packages.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import path from "node:path";
import { PrismaClient as SqliteClient } from "@tierline/prisma-sqlite";
import { PrismaClient as PgClient } from "@tierline/prisma-pg";
import pg from "pg";
import { resolveDatabase, type DatabaseTarget } from "./adapters/db/database-url.ts";
import { registerSqliteConnection } from "./adapters/db/sqlite-connection.server.ts";
import { pgStatementDriver, sqliteStatementDriver, type StatementDriver } from "./adapters/db/statement-driver.server.ts";

// A failed call's message without the code frame around its call site: Prisma's default reads the
// calling source file to draw it (a flash sale's one "database is locked" printed a screen of the
// bundled client into the log), which costs a file read on every error.
const ERROR_FORMAT = "minimal" as const;

export type Db = SqliteClient;
export type { DatabaseTarget };

export const projectRoot = path.resolve(import.meta.dirname, "..");

export function databaseTarget(databaseUrl = process.env.DATABASE_URL): DatabaseTarget {
  return resolveDatabase(databaseUrl, projectRoot);
}

// Kept on globalThis like the client itself: the Remix build bundles its own copy of this module,
// which finds the web process's client there and must find its statement driver too (otherwise the
// hot path silently falls back to Prisma's raw queries, several times slower).
const drivers: WeakMap<object, StatementDriver> = (globalThis.__tierlineStatementDrivers ??= new WeakMap());

/** The hot path's statement driver on the client's own connection (pool); null for a client not made by createDb. */
export function statementDriverOf(db: Db): StatementDriver | null {
  return drivers.get(db) ?? null;
}

export function createDb(target: DatabaseTarget = databaseTarget()): Db {
  if (target.kind === "postgresql") {
    // The pool is made here so the hot path's prepared statements share it with Prisma.
    const pool = new pg.Pool({
      connectionString: target.url,
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      connectionTimeoutMillis: 2_000,
      // Raw SQL is not schema-qualified by Prisma: point search_path at the schema too.
      ...(target.pgSchema ? { options: `-c search_path="${target.pgSchema}"` } : {}),
    });
    const adapter = new PrismaPg(pool, { ...(target.pgSchema ? { schema: target.pgSchema } : {}), disposeExternalPool: true });
    const { factory, driver } = pgStatementDriver(adapter, pool, (oid, format) => pg.types.getTypeParser(oid, format as "text"));
    // Same models, other provider: the PostgreSQL client is used through the SQLite client's type.
    const client = new PgClient({ adapter: factory as unknown as PrismaPg, errorFormat: ERROR_FORMAT }) as unknown as Db;
    drivers.set(client, driver);
    return client;
  }
  // timeout: how long a writer waits for another process's write lock (web and worker share the file).
  let client: Db | null = null;
  const { factory, driver, connection } = sqliteStatementDriver(new PrismaBetterSQLite3({ url: target.url, timeout: 10_000 }), () => client!.$connect());
  // The bulk inserts bind on the same connection inside Prisma's transactions.
  client = registerSqliteConnection(new SqliteClient({ adapter: factory as unknown as PrismaBetterSQLite3, errorFormat: ERROR_FORMAT }), connection);
  drivers.set(client, driver);
  return client;
}

declare global {
  var __tierlineDb: Db | undefined;
  var __tierlineStatementDrivers: WeakMap<object, StatementDriver> | undefined;
}

// One client per process, kept across Remix dev rebuilds.
export const db: Db = globalThis.__tierlineDb ?? (globalThis.__tierlineDb = createDb());
export default db;
