// The hot path's way to the database: cached prepared statements on the very
// connection (SQLite) or pool (PostgreSQL) Prisma's driver adapter uses, so there
// is still one SQLite writer per process and one pool per process. Prisma compiles
// every model query in its query compiler and prepares every statement anew; for
// the few statements each order runs (issue 9) that cost several times the work.
//
// Every statement Prisma sends through the adapter is counted here too, so a
// process can report statements per order (the tier-pipeline benchmark asks).
//
// SQLite: Prisma's interactive and batch transactions hold BEGIN on the shared
// connection across awaits; a hot-path statement waits until they end instead of
// joining them.
import { randomUUID } from "node:crypto";
import { numberedPlaceholders } from "./sql-dialect.ts";

export interface StatementRunner {
  readonly kind: "sqlite" | "postgresql";
  /** Rows of a statement (SQL with `?` placeholders, bound in order). */
  all(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Rows changed by a statement. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
}

/** A statement with its values. */
export interface BoundStatement {
  sql: string;
  params: readonly unknown[];
}

export interface TransactionRunner extends StatementRunner {
  /** A write that goes out with COMMIT (PostgreSQL: in its round trip), after every other statement of the transaction. */
  runAtCommit(sql: string, params: readonly unknown[]): void;
}

export interface StatementDriver extends StatementRunner {
  /**
   * `work` in one transaction holding a lock named `lockKey` to its end: PostgreSQL takes the
   * transaction-scoped advisory lock on one pooled connection; SQLite begins IMMEDIATE (the
   * database's write lock from the start, so nothing it read can change before it commits).
   * Rolled back when `work` throws. `first`: a read run once the lock is held, its rows handed to
   * `work`; on PostgreSQL it goes out with BEGIN and the lock, and writes queued with
   * `runAtCommit` go out with COMMIT: a promise's booking in two round trips instead of four (issue 9).
   */
  transaction<T>(lockKey: string, work: (tx: TransactionRunner, first: Record<string, unknown>[]) => Promise<T>, first?: BoundStatement): Promise<T>;
}

/** Statements sent by this process (hot path and Prisma), for the benchmark. */
export const statementCount = { hotPath: 0, prisma: 0 };

/**
 * TIERLINE_STATEMENT_TIMING=<file>: per hot-path statement text, how often it ran and its time (SQLite: the
 * statement's own; PostgreSQL: the round trip's, waits included), written there at exit (for finding what costs).
 */
export const statementTiming: Map<string, { count: number; ms: number }> | null = process.env.TIERLINE_STATEMENT_TIMING ? new Map() : null;

function timed<T>(sql: string, work: () => T): T {
  if (!statementTiming) return work();
  const started = performance.now();
  const record = () => {
    const entry = statementTiming.get(sql) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += performance.now() - started;
    statementTiming.set(sql, entry);
  };
  const result = work();
  if (result instanceof Promise) return result.finally(record) as T;
  record();
  return result;
}

type AnyAdapter = Record<string | symbol, unknown> & { client?: unknown; underlyingDriver?: () => unknown };
interface AdapterFactory {
  provider: string;
  adapterName: string;
  connect(): Promise<unknown>;
  connectToShadowDb?(): Promise<unknown>;
}

/** Counts a queryable's statements; for SQLite also keeps the transaction gate. */
function countingQueryable<T extends object>(target: T, gate: TransactionGate | null): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== "function") return value;
      if (prop === "queryRaw" || prop === "executeRaw") {
        return (...args: unknown[]) => {
          statementCount.prisma++;
          // With TIERLINE_STATEMENT_TIMING, Prisma's statements are listed too (how many; their time is not measured).
          if (statementTiming) timed(`prisma: ${(args[0] as { sql?: string } | undefined)?.sql ?? "?"}`, () => 0);
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      }
      if (prop === "startTransaction") {
        return async (...args: unknown[]) => {
          while (gate?.hotPathOpen) await gate.whenClosed();
          // Closed before BEGIN is sent, so no hot-path statement can slip into the transaction.
          gate?.open();
          let tx: Record<string, unknown>;
          try {
            tx = (await (value as (...a: unknown[]) => Promise<object>).apply(obj, args)) as Record<string, unknown>;
          } catch (error) {
            gate?.close();
            throw error;
          }
          let ended = false;
          const end = () => {
            if (!ended) gate?.close();
            ended = true;
          };
          const counted = countingQueryable(tx, null);
          return new Proxy(counted, {
            get(t, p) {
              const v = Reflect.get(t, p, t);
              if ((p === "commit" || p === "rollback") && typeof v === "function") {
                return async (...a: unknown[]) => {
                  try {
                    return await (v as (...x: unknown[]) => unknown).apply(t, a);
                  } finally {
                    end();
                  }
                };
              }
              return v;
            },
          });
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(obj);
    },
  });
}

/** Open Prisma transactions on the shared SQLite connection, and a promise of their end. */
class TransactionGate {
  private openCount = 0;
  private waiters: Array<() => void> = [];
  /** A hot-path transaction holds the connection: Prisma's transactions wait for its end too. */
  hotPathOpen = false;
  open() {
    this.openCount++;
  }
  close() {
    this.openCount = Math.max(0, this.openCount - 1);
    if (this.openCount === 0) for (const wake of this.waiters.splice(0)) wake();
  }
  get isOpen() {
    return this.openCount > 0;
  }
  whenClosed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

interface SqliteStatement {
  all(...params: unknown[]): Record<string, unknown>[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
  safeIntegers(on: boolean): SqliteStatement;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

/** Wraps Prisma's better-sqlite3 adapter factory; the driver shares its connection. */
export function sqliteStatementDriver(
  factory: AdapterFactory,
  connectPrisma: () => Promise<void>,
): { factory: AdapterFactory; driver: StatementDriver; connection: () => SqliteConnection | null } {
  const gate = new TransactionGate();
  let connection: SqliteConnection | null = null;
  const wrapped: AdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = (await factory.connect()) as AnyAdapter;
      connection = adapter.client as SqliteConnection;
      // In WAL mode, NORMAL syncs at checkpoints instead of at every commit (the delivery store's
      // setting too): a commit survives any process crash; only a power loss can undo the last few,
      // and they go in commit order, so a delivery is never marked processed without its effect.
      const pragmas = adapter.client as { pragma?(source: string, options?: { simple: boolean }): unknown };
      if (pragmas.pragma?.("journal_mode", { simple: true }) === "wal") {
        pragmas.pragma("synchronous = NORMAL");
        // These connections do every checkpoint (the intake's writer leaves them to them), the
        // worker's nearly all. A checkpoint copies each page once however often the WAL holds it,
        // and syncs: every 10,000 pages (about 40 MB) instead of SQLite's 1,000, a hot page (index,
        // member row) is copied a tenth as often (the worker's statement mix beside a writer:
        // −20 % CPU per statement, issue 9).
        // The WAL file is cut back to 64 MB after a checkpoint if a burst grew it further.
        pragmas.pragma("wal_autocheckpoint = 10000");
        pragmas.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      }
      return countingQueryable(adapter, gate);
    },
    connectToShadowDb: factory.connectToShadowDb?.bind(factory),
  };
  const cache = new Map<string, SqliteStatement>();
  const prepared = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = connection!.prepare(sql).safeIntegers(false);
      cache.set(sql, statement);
    }
    return statement;
  };
  // Callers look again after each wait (`while`), in the continuation that then runs the statement
  // or begins: nothing can open a transaction between the look and the statement.
  const ready = async () => {
    while (!connection || gate.isOpen) {
      if (!connection) await connectPrisma();
      else await gate.whenClosed();
    }
  };
  // The connection's busy timeout, read once: better-sqlite3's pragma() prepares its statement on
  // every call, and three of those per transaction showed in the worker's profile (issue 9).
  let busyTimeout: number | null = null;
  /** BEGIN IMMEDIATE without waiting in the busy handler; false when another connection holds the write lock. */
  const beginImmediate = () => {
    busyTimeout ??= Number((connection as unknown as { pragma(source: string, options?: { simple: boolean }): unknown }).pragma("busy_timeout", { simple: true }));
    prepared("PRAGMA busy_timeout = 0").get();
    try {
      prepared("BEGIN IMMEDIATE").run();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_BUSY") return false;
      throw error;
    } finally {
      prepared(`PRAGMA busy_timeout = ${busyTimeout}`).get();
    }
  };
  const direct: StatementRunner = {
    kind: "sqlite",
    async all(sql, params) {
      statementCount.hotPath++;
      return timed(sql, () => prepared(sql).all(...params));
    },
    async run(sql, params) {
      statementCount.hotPath++;
      return timed(sql, () => prepared(sql).run(...params).changes);
    },
  };
  return {
    factory: wrapped,
    connection: () => connection,
    driver: {
      kind: "sqlite",
      async all(sql, params) {
        while (!connection || gate.isOpen) await ready();
        statementCount.hotPath++;
        return timed(sql, () => prepared(sql).all(...params));
      },
      async run(sql, params) {
        while (!connection || gate.isOpen) await ready();
        statementCount.hotPath++;
        return timed(sql, () => prepared(sql).run(...params).changes);
      },
      async transaction(_lockKey, work, first) {
        // Another connection's write lock is waited for here, a few milliseconds at a time, not in
        // SQLite's busy handler: that would block this process's thread, and with it the holder
        // when it is this process too.
        const deadline = Date.now() + 20_000;
        for (let wait = 2; ; wait = Math.min(50, wait * 2)) {
          while (!connection || gate.isOpen) await ready();
          if (beginImmediate()) break;
          if (Date.now() > deadline) throw new Error("database is locked: no write lock for a hot-path transaction within 20 s");
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
        // One connection per process: other hot-path statements and Prisma's transactions wait for its end.
        gate.open();
        gate.hotPathOpen = true;
        try {
          let result;
          try {
            const atCommit: BoundStatement[] = [];
            const rows = first ? await direct.all(first.sql, first.params) : [];
            result = await work({ ...direct, runAtCommit: (sql, params) => void atCommit.push({ sql, params }) }, rows);
            for (const statement of atCommit) await direct.run(statement.sql, statement.params);
          } catch (error) {
            prepared("ROLLBACK").run();
            throw error;
          }
          prepared("COMMIT").run();
          return result;
        } finally {
          gate.hotPathOpen = false;
          gate.close();
        }
      },
    },
  };
}

interface PgQueryable {
  query(config: { name?: string; text: string; values: unknown[]; types?: unknown }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}
interface PgClient extends PgQueryable {
  query(config: { name?: string; text: string; values: unknown[]; types?: unknown }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  /** Without values: the simple protocol, which runs several statements in one round trip (a result each). */
  query(config: { text: string; types?: unknown }): Promise<unknown>;
  escapeLiteral(text: string): string;
  release(error?: Error | boolean): void;
}
interface PgPool extends PgQueryable {
  connect(): Promise<PgClient>;
}

/** Wraps Prisma's pg adapter factory (built on `pool`); the driver uses the same pool. */
export function pgStatementDriver(factory: AdapterFactory, pool: PgPool, getTypeParser: (oid: number, format?: string) => unknown): { factory: AdapterFactory; driver: StatementDriver } {
  const wrapped: AdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      return countingQueryable((await factory.connect()) as object, null);
    },
    connectToShadowDb: factory.connectToShadowDb?.bind(factory),
  };
  // Timestamps come back as the text PostgreSQL sent (UTC wall time): node-pg would read them in local time.
  const types = { getTypeParser: (oid: number, format?: string) => (oid === 1114 || oid === 1184 ? (text: string) => text : getTypeParser(oid, format)) };
  const texts = new Map<string, { name: string; text: string }>();
  const statementOf = (sql: string) => {
    let entry = texts.get(sql);
    if (!entry) {
      entry = { name: `tl_${randomUUID().slice(0, 8)}_${texts.size}`, text: numberedPlaceholders(sql) };
      texts.set(sql, entry);
    }
    return entry;
  };
  const runnerOn = (target: PgQueryable): StatementRunner => ({
    kind: "postgresql",
    async all(sql, params) {
      statementCount.hotPath++;
      const { name, text } = statementOf(sql);
      return (await timed(sql, () => target.query({ name, text, values: params as unknown[], types }))).rows;
    },
    async run(sql, params) {
      statementCount.hotPath++;
      const { name, text } = statementOf(sql);
      return (await timed(sql, () => target.query({ name, text, values: params as unknown[], types }))).rowCount ?? 0;
    },
  });
  // One transaction per lock key at a time in this process: the others wait here, not on the
  // advisory lock with a pooled connection each (sixteen bookings of one shop would hold the whole
  // pool while one of them works, and every other statement would wait for a connection).
  const lockTails = new Map<string, Promise<unknown>>();
  const inTurn = <T>(lockKey: string, work: () => Promise<T>): Promise<T> => {
    const run = (lockTails.get(lockKey) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => {});
    lockTails.set(lockKey, tail);
    void tail.then(() => {
      if (lockTails.get(lockKey) === tail) lockTails.delete(lockKey);
    });
    return run;
  };
  const transaction = async <T>(lockKey: string, work: (tx: TransactionRunner, first: Record<string, unknown>[]) => Promise<T>, first?: BoundStatement): Promise<T> => {
    const client = await pool.connect();
    const atCommit: BoundStatement[] = [];
    const tx: TransactionRunner = { ...runnerOn(client), runAtCommit: (sql, params) => void atCommit.push({ sql, params }) };
    // Several statements in one round trip (each costs a write to the socket, issue 9): the simple
    // protocol, which takes no parameters, so values go as literals; each statement reads what was
    // committed before it began (READ COMMITTED), so `first` sees every booking made before the lock.
    const together = async (label: string, statements: string[]) => {
      statementCount.hotPath++;
      const results = await timed(label, () => client.query({ text: statements.join("; "), types }));
      return ((Array.isArray(results) ? results : [results]) as Array<{ rows: Record<string, unknown>[] }>).at(-1)!.rows;
    };
    let broken: Error | undefined;
    try {
      try {
        // A failure after BEGIN is rolled back below like any other.
        const lock = `SELECT pg_advisory_xact_lock(hashtext(${client.escapeLiteral(lockKey)}))`;
        const rows = await together(first ? `BEGIN; lock; ${first.sql}` : "BEGIN; lock", ["BEGIN", lock, ...(first ? [withLiterals(client, first)] : [])]);
        const result = await work(tx, first ? rows : []);
        await together(atCommit.length ? `${atCommit.map((s) => s.sql).join("; ")}; COMMIT` : "COMMIT", [...atCommit.map((statement) => withLiterals(client, statement)), "COMMIT"]);
        return result;
      } catch (error) {
        await tx.run("ROLLBACK", []).catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      }
    } finally {
      client.release(broken);
    }
  };
  return {
    factory: wrapped,
    driver: {
      ...runnerOn(pool),
      transaction: (lockKey, work, first) => inTurn(lockKey, () => transaction(lockKey, work, first)),
    },
  };
}

/**
 * A statement with its `?` placeholders replaced by its values as literals (the hot path's texts
 * put no `?` inside a quoted string): text through the driver's escaping, numbers, booleans, NULL.
 */
function withLiterals(client: { escapeLiteral(text: string): string }, { sql, params }: BoundStatement): string {
  let n = 0;
  const text = sql.replace(/\?/g, () => {
    if (n >= params.length) throw new Error("more placeholders than values");
    const value = params[n++];
    if (value === null || value === undefined) return "NULL";
    if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
      return String(value);
    }
    if (typeof value === "bigint") return String(value);
    if (typeof value === "string") return client.escapeLiteral(value);
    if (value instanceof Date) return client.escapeLiteral(value.toISOString());
    throw new Error(`no literal for a ${typeof value}`);
  });
  if (n !== params.length) throw new Error("fewer placeholders than values");
  return text;
}
