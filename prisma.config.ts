// Prisma CLI configuration. Prisma's native engines cannot be downloaded here,
// so the CLI runs its JavaScript schema engine over the same driver adapters the
// app uses. DATABASE_URL picks the database: postgres(ql):// → PostgreSQL,
// anything else (or nothing) → the embedded SQLite file.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { resolveDatabase } from "./app/adapters/db/database-url.ts";

const database = resolveDatabase(process.env.DATABASE_URL, import.meta.dirname);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: database.schemaPath,
  migrations: { path: path.join(path.dirname(database.schemaPath), "migrations") },
  async adapter() {
    if (database.kind === "postgresql") {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({ connectionString: database.url }, database.pgSchema ? { schema: database.pgSchema } : undefined);
    }
    const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSQLite3({ url: database.url });
  },
});
