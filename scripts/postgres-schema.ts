// The PostgreSQL schema is the SQLite schema with another provider and client
// output. Deriving it (rather than editing two files) keeps them in step.
export const SQLITE_SCHEMA_PATH = "prisma/schema.prisma";
export const PG_SCHEMA_PATH = "prisma/postgresql/schema.prisma";

export function derivePostgresSchema(sqliteSchema: string): string {
  const header =
    "// GENERATED from prisma/schema.prisma by `npm run db:generate`: edit that file, not this one.\n";
  const replaced = sqliteSchema
    .replace(/output\s*=\s*"\.\.\/node_modules\/@tierline\/prisma-sqlite"/, 'output          = "../../node_modules/@tierline/prisma-pg"')
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(/url\s*=\s*"file:[^"]*"/, 'url      = env("DATABASE_URL")')
    // The default-location client is generated once, from the SQLite schema.
    .replace(/\/\/ The default @prisma\/client location[\s\S]*?generator sessionStorageClient \{[^}]*\}\n\n/, "");
  if (replaced === sqliteSchema) throw new Error("prisma/schema.prisma does not have the expected generator/datasource blocks");
  return header + replaced;
}
