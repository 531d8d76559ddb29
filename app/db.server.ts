// The one Prisma client of a process, on the database DATABASE_URL names.
// SQLite and PostgreSQL have separately generated clients with the same model API,
// generated into node_modules (`npm run db:generate`) so bundlers treat them as packages.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import path from "node:path";
import { PrismaClient as SqliteClient } from "@tierline/prisma-sqlite";
import { PrismaClient as PgClient } from "@tierline/prisma-pg";
import { resolveDatabase, type DatabaseTarget } from "./adapters/db/database-url.ts";
import { exposeSqliteConnection } from "./adapters/db/sqlite-connection.server.ts";

export type Db = SqliteClient;
export type { DatabaseTarget };

export const projectRoot = path.resolve(import.meta.dirname, "..");

export function databaseTarget(databaseUrl = process.env.DATABASE_URL): DatabaseTarget {
  return resolveDatabase(databaseUrl, projectRoot);
}

export function createDb(target: DatabaseTarget = databaseTarget()): Db {
  if (target.kind === "postgresql") {
    const adapter = new PrismaPg(
      {
        connectionString: target.url,
        max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
        connectionTimeoutMillis: 2_000,
        // Raw SQL is not schema-qualified by Prisma: point search_path at the schema too.
        ...(target.pgSchema ? { options: `-c search_path="${target.pgSchema}"` } : {}),
      },
      target.pgSchema ? { schema: target.pgSchema } : undefined,
    );
    // Same models, other provider: the PostgreSQL client is used through the SQLite client's type.
    return new PgClient({ adapter }) as unknown as Db;
  }
  // timeout: how long a writer waits for another process's write lock (web and worker share the file).
  const { adapter, register } = exposeSqliteConnection(new PrismaBetterSQLite3({ url: target.url, timeout: 10_000 }));
  return register(new SqliteClient({ adapter }));
}

declare global {
  var __tierlineDb: Db | undefined;
}

// One client per process, kept across Remix dev rebuilds.
export const db: Db = globalThis.__tierlineDb ?? (globalThis.__tierlineDb = createDb());
export default db;
