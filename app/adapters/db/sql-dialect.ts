// What raw SQL must know about the database behind a Prisma client: which one it
// is, how a bound value is written, and how a timestamp is bound so Prisma reads
// it back and its own filters match it.
import type { Db } from "../../db.server.ts";

export type Provider = "sqlite" | "postgresql";

/** The database behind a client (the PostgreSQL client is used through the SQLite client's type). */
export function providerOf(db: Db): Provider {
  const provider = (db as unknown as { _activeProvider?: string })._activeProvider;
  return provider === "postgresql" || provider === "postgres" ? "postgresql" : "sqlite";
}

/** The n-th bound value (from 1): `$n` on PostgreSQL, `?` on SQLite, where values bind in order of appearance. */
export function param(provider: Provider, n: number): string {
  return provider === "postgresql" ? `$${n}` : "?";
}

/** SQL written with `?` placeholders as PostgreSQL takes it: `$1`, `$2`, … in order of appearance. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** A timestamp as bound: ISO text (cast on PostgreSQL); on SQLite exactly the text Prisma's adapter writes ("…+00:00"). */
export function timestampText(provider: Provider, value: Date | string): string {
  const iso = value instanceof Date ? value.toISOString() : String(value);
  return provider === "postgresql" ? iso : iso.replace("Z", "+00:00");
}
