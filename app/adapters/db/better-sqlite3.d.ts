// The slice of better-sqlite3 the migration runner uses (the package ships no types).
declare module "better-sqlite3" {
  interface Statement {
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
    run(...params: unknown[]): { changes: number };
  }
  interface Transaction<T> {
    (): T;
    immediate(): T;
  }
  class Database {
    constructor(filename: string, options?: { timeout?: number });
    pragma(source: string): unknown;
    exec(source: string): this;
    prepare(source: string): Statement;
    transaction<T>(fn: () => T): Transaction<T>;
    close(): void;
  }
  export default Database;
}
