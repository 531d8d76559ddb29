// Which database DATABASE_URL names, shared by the app, the Prisma CLI config and the scripts.
import { mkdirSync } from "node:fs";
import path from "node:path";

export type DatabaseTarget =
  | { kind: "sqlite"; url: string; filePath: string; schemaPath: string }
  | { kind: "postgresql"; url: string; pgSchema: string | undefined; schemaPath: string };

export const DEFAULT_SQLITE_FILE = ".data/tierline.db";

export function resolveDatabase(databaseUrl: string | undefined, projectRoot: string): DatabaseTarget {
  const url = databaseUrl?.trim() || `file:${DEFAULT_SQLITE_FILE}`;
  if (/^postgres(ql)?:\/\//.test(url)) {
    // Prisma's `?schema=` convention: the adapter needs it passed separately.
    const parsed = new URL(url);
    const pgSchema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    return { kind: "postgresql", url: parsed.toString(), pgSchema, schemaPath: path.join(projectRoot, "prisma/postgresql/schema.prisma") };
  }
  if (!url.startsWith("file:")) {
    throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(":")[0]}:…"`);
  }
  const raw = url.slice("file:".length);
  const filePath = raw === ":memory:" ? raw : path.resolve(projectRoot, raw);
  if (filePath !== ":memory:") mkdirSync(path.dirname(filePath), { recursive: true });
  return { kind: "sqlite", url: `file:${filePath}`, filePath, schemaPath: path.join(projectRoot, "prisma/schema.prisma") };
}
