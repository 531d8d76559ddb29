// The better-sqlite3 connection under a SQLite Prisma client, for statements that
// bind their values through a cached prepared statement instead of Prisma's query
// compiler (which turns every bound value into objects of a query plan). Run inside
// the client's own $transaction, they share its connection and its transaction, so no
// second SQLite writer competes for the lock.
import type { Db } from "../../db.server.ts";

export interface SqliteStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

const connectionOfClient = new WeakMap<object, () => SqliteConnection | null>();
const statementCache = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

/** Ties `db` to the connection its adapter opened (the statement driver's wrapped factory finds it). */
export function registerSqliteConnection<D extends object>(db: D, connection: () => SqliteConnection | null): D {
  connectionOfClient.set(db, connection);
  return db;
}

/** The client's connection; only inside the client's $transaction (which opened it). */
export function sqliteConnectionOf(db: Db): SqliteConnection {
  const connection = connectionOfClient.get(db)?.();
  if (!connection) throw new Error("no SQLite connection registered for this client (created with createDb, inside $transaction?)");
  return connection;
}

/** A prepared statement for this SQL on this connection, prepared once. */
export function preparedStatement(connection: SqliteConnection, sql: string): SqliteStatement {
  let statements = statementCache.get(connection);
  if (!statements) statementCache.set(connection, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = connection.prepare(sql)));
  return statement;
}
