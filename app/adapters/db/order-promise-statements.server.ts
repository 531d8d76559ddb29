// The statements every paid order's promise runs (issue 9, after the promise flow landed): cached
// prepared statements on the hot path's driver, as the tier path's are. The Prisma client compiled
// each of them anew and ran the booking as an interactive transaction; a third of the worker's
// time went there. Columns come from the Prisma schema (hot-path-statements.test.ts holds them to
// the migrated tables on both databases).
//
// Exported API
// - loadPromiseContext(db, shop, orderGid, customerGid, orderedAt): PromiseContext
//       in one statement: the order's promise if made, the tier the buyer held before `orderedAt`,
//       the tier rules, what the promise settings depend on, whether the shop has any erasure tombstone
// - loadPromiseContexts(db, shop, orders): the same for several orders (PostgreSQL: one statement)
// - bookPromise(db, shop, orderGid, lane, decide): the booking under the shop's lock, its reads in one statement;
//       bookings of a shop waiting for its lock in this process go together in the next transaction
// - cancelOpenPromise(db, shop, orderGid, now): boolean          under the same lock
// - ordersWithShipmentLines(db, shop, orderGids): the ones with a fulfillment line stored
// - loadDuePromises(db, shop, limit): OrderPromise rows whose write is due (pending, refit), oldest first; shipped
//   ones too (an order shipped before its write still gets its metafield and tag)
// - loadPromisesAwaitingTags(db, shop, operationGid), settleTaggedPromises(db, shop, operationGid, writeStatus, orderGids, now):
//   a bulk tag operation's settle (one per promise write round, with its bulk_operations/finish)
// - loadBulkOperationOwner(db, shop, operationGid): a backfill's run or promises awaiting its tags, in one statement
import type { Db } from "../../db.server.ts";
import type { PromiseSettingsStamp } from "./promise-settings-repository.server.ts";
import { bindValue, columnList, decodeRow, inTextList, modelColumns, sqlOf, textList } from "./hot-path-sql.server.ts";
import type { StatementRunner } from "./statement-driver.server.ts";
import { truthy } from "./tier-settings-repository.server.ts";

/** The promise's lock, the same key on every path that books or frees a lane place. */
export const PROMISE_LOCK_SPACE = "tierline-promise-booking:";

export type StoredPromiseState = { tierKey: string; laneKey: string; shipBy: Date; shippedAt: Date | null; status: string };

export interface PromiseContext {
  existing: StoredPromiseState | null;
  /** The toTier of the buyer's last change before the order (null: none recorded, or a guest). */
  heldTierKey: string | null;
  tierSettings: { rules: string | null; currencyCode: string | null };
  settingsStamp: PromiseSettingsStamp;
  shopHasTombstones: boolean;
}

const STATE_COLUMNS = `p."tierKey", p."laneKey", p."shipBy", p."shippedAt", p."status"`;

const CONTEXT =
  `SELECT ${STATE_COLUMNS}, ` +
  `(SELECT "toTier" FROM "TierChange" WHERE "shop" = ? AND "customerGid" = ? AND "occurredAt" < ? ORDER BY "occurredAt" DESC, "id" DESC LIMIT 1) AS "heldTierKey", ` +
  `(SELECT "rules" FROM "TierSettings" WHERE "shop" = ?) AS "tierRules", ` +
  `(SELECT "version" FROM "PromiseSettings" WHERE "shop" = ?) AS "settingsVersion", ` +
  `(SELECT "updatedAt" FROM "PromiseSettings" WHERE "shop" = ?) AS "settingsUpdatedAt", ` +
  `s."currencyCode", s."ianaTimezone", s."countryCode", ` +
  `EXISTS (SELECT 1 FROM "ErasureTombstone" WHERE "shop" = ?) AS "shopHasTombstones" ` +
  `FROM (SELECT 1 AS "one") AS "one" LEFT JOIN "OrderPromise" p ON p."shop" = ? AND p."orderGid" = ? LEFT JOIN "Shop" s ON s."domain" = ?`;

const stateOf = (raw: Record<string, unknown>): StoredPromiseState | null => (raw.tierKey === null || raw.tierKey === undefined ? null : decodeRow<StoredPromiseState>("OrderPromise", { tierKey: raw.tierKey, laneKey: raw.laneKey, shipBy: raw.shipBy, shippedAt: raw.shippedAt, status: raw.status }));

export async function loadPromiseContext(db: Db, shop: string, orderGid: string, customerGid: string | null, orderedAt: Date): Promise<PromiseContext> {
  const sql = sqlOf(db);
  const [raw] = await sql.all(CONTEXT, [shop, customerGid, bindValue(sql.kind, orderedAt), shop, shop, shop, shop, shop, orderGid, shop]);
  return contextOf(raw, customerGid);
}

// loadPromiseContext for several orders of one shop (PostgreSQL): the same columns, a row per order.
const CONTEXTS_PG =
  `WITH "v" AS (SELECT * FROM UNNEST(?::text[], ?::text[], ?::timestamp(3)[]) AS v("orderGid", "customerGid", "orderedAt")) ` +
  `SELECT v."orderGid" AS "tlOrderGid", ${STATE_COLUMNS}, ` +
  `(SELECT "toTier" FROM "TierChange" WHERE "shop" = ? AND "customerGid" = v."customerGid" AND "occurredAt" < v."orderedAt" ORDER BY "occurredAt" DESC, "id" DESC LIMIT 1) AS "heldTierKey", ` +
  `(SELECT "rules" FROM "TierSettings" WHERE "shop" = ?) AS "tierRules", ` +
  `(SELECT "version" FROM "PromiseSettings" WHERE "shop" = ?) AS "settingsVersion", ` +
  `(SELECT "updatedAt" FROM "PromiseSettings" WHERE "shop" = ?) AS "settingsUpdatedAt", ` +
  `s."currencyCode", s."ianaTimezone", s."countryCode", ` +
  `EXISTS (SELECT 1 FROM "ErasureTombstone" WHERE "shop" = ?) AS "shopHasTombstones" ` +
  `FROM "v" LEFT JOIN "OrderPromise" p ON p."shop" = ? AND p."orderGid" = v."orderGid" LEFT JOIN "Shop" s ON s."domain" = ?`;

/**
 * The promise contexts of several orders of one shop, as loadPromiseContext reads each: on
 * PostgreSQL in one statement (a webhook batch's paid orders, issue 9), on SQLite each in turn.
 */
export async function loadPromiseContexts(db: Db, shop: string, orders: ReadonlyArray<{ orderGid: string; customerGid: string | null; orderedAt: Date }>): Promise<Map<string, PromiseContext>> {
  const contexts = new Map<string, PromiseContext>();
  const sql = sqlOf(db);
  if (sql.kind !== "postgresql") {
    for (const o of orders) contexts.set(o.orderGid, await loadPromiseContext(db, shop, o.orderGid, o.customerGid, o.orderedAt));
    return contexts;
  }
  if (orders.length === 0) return contexts;
  const rows = await sql.all(CONTEXTS_PG, [
    orders.map((o) => o.orderGid), orders.map((o) => o.customerGid), orders.map((o) => bindValue(sql.kind, o.orderedAt)),
    shop, shop, shop, shop, shop, shop, shop,
  ]);
  const customerOf = new Map(orders.map((o) => [o.orderGid, o.customerGid]));
  for (const raw of rows) contexts.set(raw.tlOrderGid as string, contextOf(raw, customerOf.get(raw.tlOrderGid as string) ?? null));
  return contexts;
}

function contextOf(raw: Record<string, unknown>, customerGid: string | null): PromiseContext {
  return {
    existing: stateOf(raw),
    heldTierKey: customerGid ? ((raw.heldTierKey as string | null) ?? null) : null,
    tierSettings: { rules: (raw.tierRules as string | null) ?? null, currencyCode: (raw.currencyCode as string | null) ?? null },
    settingsStamp: { settingsVersion: raw.settingsVersion, settingsUpdatedAt: raw.settingsUpdatedAt, ianaTimezone: raw.ianaTimezone, countryCode: raw.countryCode },
    shopHasTombstones: truthy(raw.shopHasTombstones),
  };
}

// From the order's own day on (a promise never ships before its order was placed): a range of the
// (shop, laneKey, status, shipByDay) index, never the lane's whole history, and no table rows read.
const BOOKINGS = `SELECT "shipByDay", COUNT(*) AS "n" FROM "OrderPromise" WHERE "shop" = ? AND "laneKey" = ? AND "status" = 'open' AND "shipByDay" >= ? GROUP BY "shipByDay"`;

// What the booking reads under the lock, in one statement: the order's promise if made, the
// ledger's cancellation, and the lane's bookings per day as a JSON object (its own place among
// them; subtracted in bookPromise, so the index range stays free of table reads).
const underLock = (kind: StatementRunner["kind"]) =>
  `SELECT ${STATE_COLUMNS}, p."shipByDay" AS "madeShipByDay", ` +
  `(SELECT "cancelledAt" FROM "LedgerOrder" WHERE "shop" = ? AND "orderGid" = ?) AS "ledgerCancelledAt", ` +
  `(SELECT ${kind === "postgresql" ? "json_object_agg" : "json_group_object"}(b."shipByDay", b."n") FROM (${BOOKINGS}) AS b) AS "bookings" ` +
  `FROM (SELECT 1 AS "one") AS "one" LEFT JOIN "OrderPromise" p ON p."shop" = ? AND p."orderGid" = ?`;

/** What the booking sees under the lock, and may do there. */
export interface BookingView {
  /** The order's promise as stored now (another job may have made it). */
  made: StoredPromiseState | null;
  /** The ledger holds the order cancelled. */
  cancelled: boolean;
  /** Open promises of the lane asked for, per ship-by day (shop-local date) from the day asked for on, the order's own not counted. */
  laneBookings: Record<string, number>;
  /** Gives the order's own place back (a recompute, before booking again). */
  remove(): Promise<void>;
  /** Inserts the OrderPromise row (columns as the model names them), with the booking's commit. */
  insert(row: Record<string, unknown>): void;
}

const inserts = new Map<string, string>();

type BookingRequest = {
  orderGid: string;
  lane: { laneKey: string; fromDay: string };
  decide: (view: BookingView) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
};
/** A lane place taken (+1) or given back (-1) by a booking earlier in the same transaction. */
type PlaceChange = { laneKey: string; day: string; delta: 1 | -1 };

/** Bookings waiting for their shop's transaction in this process, per database client and shop. */
const waitingBookings = new WeakMap<object, Map<string, BookingRequest[]>>();
/** At most this many bookings share one transaction (its read is one statement per booking, UNION ALL). */
const MAX_BOOKINGS_TOGETHER = 25;

/**
 * One booking of the shop at a time: PostgreSQL's transaction-scoped advisory lock on the shop;
 * SQLite's write lock from the transaction's start. Two orders booked side by side would
 * otherwise both see a day's last place free. `lane`: whose bookings to read, from which day.
 *
 * Bookings of one shop that arrive while its transaction runs (a webhook batch's paid orders,
 * whose reads from Shopify end together) wait for it anyway: the next transaction takes them
 * together (issue 9: PostgreSQL's BEGIN, lock and read, then the inserts with COMMIT, two round
 * trips for them all instead of two each). Each is decided in arrival order on what it would have
 * seen alone: the places the ones before it took in the same transaction are counted in its lane's
 * bookings. One whose decision fails writes nothing and the others stand; one order twice waits
 * for the next transaction.
 */
export function bookPromise<T>(db: Db, shop: string, orderGid: string, lane: { laneKey: string; fromDay: string }, decide: (view: BookingView) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let shops = waitingBookings.get(db);
    if (!shops) waitingBookings.set(db, (shops = new Map()));
    const request: BookingRequest = { orderGid, lane, decide, resolve: resolve as (value: unknown) => void, reject };
    const waiting = shops.get(shop);
    if (waiting) return void waiting.push(request);
    shops.set(shop, [request]);
    void bookInTurn(db, shop, shops);
  });
}

async function bookInTurn(db: Db, shop: string, shops: Map<string, BookingRequest[]>): Promise<void> {
  const waiting = shops.get(shop)!;
  while (waiting.length) {
    const orders = new Set<string>();
    const group: BookingRequest[] = [];
    for (let i = 0; i < waiting.length && group.length < MAX_BOOKINGS_TOGETHER; ) {
      if (orders.has(waiting[i].orderGid)) i++;
      else {
        orders.add(waiting[i].orderGid);
        group.push(...waiting.splice(i, 1));
      }
    }
    await bookTogether(db, shop, group);
  }
  shops.delete(shop);
}

/** Books `group` (distinct orders of one shop) in one transaction; settles each request. */
async function bookTogether(db: Db, shop: string, group: readonly BookingRequest[]): Promise<void> {
  const driver = sqlOf(db);
  const paramsOf = ({ orderGid, lane }: BookingRequest) => [shop, orderGid, shop, lane.laneKey, lane.fromDay, shop, orderGid];
  // The reads go out with the lock, the inserts with the commit (PostgreSQL: two round trips in all).
  const read = { sql: group.map((_, i) => `SELECT ${i} AS "tlMember", m.* FROM (${underLock(driver.kind)}) AS m`).join(" UNION ALL "), params: group.flatMap(paramsOf) };
  const settle: Array<() => void> = [];
  try {
    await driver.transaction(`${PROMISE_LOCK_SPACE}${shop}`, async (tx, rows) => {
      const taken: PlaceChange[] = [];
      for (const [i, request] of group.entries()) {
        const raw = rows.find((row) => Number(row.tlMember) === i)!;
        const statements: Array<{ sql: string; params: unknown[] }> = [];
        const changes: PlaceChange[] = [];
        try {
          const value = await request.decide(viewOf(tx.kind, shop, request, raw, taken, statements, changes));
          for (const statement of statements) tx.runAtCommit(statement.sql, statement.params);
          taken.push(...changes);
          settle.push(() => request.resolve(value));
        } catch (error) {
          settle.push(() => request.reject(error));
        }
      }
    }, read);
  } catch (error) {
    // The transaction failed (its read or its commit): nothing of it was written.
    for (const request of group) request.reject(error);
    return;
  }
  for (const done of settle) done();
}

/** What one booking sees: its order's row as read under the lock, its lane's bookings with the places taken before it in the same transaction. */
function viewOf(
  kind: StatementRunner["kind"], shop: string, { orderGid, lane }: BookingRequest, raw: Record<string, unknown>,
  takenBefore: readonly PlaceChange[], statements: Array<{ sql: string; params: unknown[] }>, changes: PlaceChange[],
): BookingView {
  const made = stateOf(raw);
  const bookings = bookingsOf(raw.bookings);
  const count = (day: string, delta: number) => {
    const n = (bookings[day] ?? 0) + delta;
    if (n > 0) bookings[day] = n;
    else delete bookings[day];
  };
  // A recompute gives its own place back before booking again; a kept promise books nothing.
  const ownDay = raw.madeShipByDay as string | null;
  const ownPlace = made && made.status === "open" && ownDay !== null ? { laneKey: made.laneKey, day: ownDay } : null;
  if (ownPlace && ownPlace.laneKey === lane.laneKey && ownPlace.day >= lane.fromDay && bookings[ownPlace.day]) count(ownPlace.day, -1);
  for (const change of takenBefore) if (change.laneKey === lane.laneKey && change.day >= lane.fromDay) count(change.day, change.delta);
  return {
    made,
    cancelled: raw.ledgerCancelledAt !== null && raw.ledgerCancelledAt !== undefined,
    laneBookings: bookings,
    // With the commit, before the insert: nothing reads the lane again in this transaction.
    remove: async () => {
      statements.push({ sql: `DELETE FROM "OrderPromise" WHERE "shop" = ? AND "orderGid" = ?`, params: [shop, orderGid] });
      if (ownPlace) changes.push({ ...ownPlace, delta: -1 });
    },
    insert: (row) => {
      const names = Object.keys(row);
      let text = inserts.get(names.join(","));
      if (!text) inserts.set(names.join(","), (text = `INSERT INTO "OrderPromise" (${columnList(names)}) VALUES (${names.map(() => "?").join(", ")})`));
      statements.push({ sql: text, params: names.map((name) => bindValue(kind, row[name])) });
      // A row inserted open (the column's default) takes its ship-by day's place.
      if ((row.status ?? "open") === "open" && typeof row.laneKey === "string" && typeof row.shipByDay === "string") changes.push({ laneKey: row.laneKey, day: row.shipByDay, delta: 1 });
    },
  };
}

/** The bookings column: PostgreSQL's json (already parsed), SQLite's text, NULL for a lane with none. */
function bookingsOf(value: unknown): Record<string, number> {
  if (value === null || value === undefined) return {};
  const parsed = (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([day, n]) => [day, Number(n)]));
}

/** The order's open promise cancelled (its lane place freed), under the booking lock. */
export async function cancelOpenPromise(db: Db, shop: string, orderGid: string, now: Date): Promise<boolean> {
  return sqlOf(db).transaction(`${PROMISE_LOCK_SPACE}${shop}`, async (tx) => {
    const at = bindValue(tx.kind, now);
    const changed = await tx.run(`UPDATE "OrderPromise" SET "status" = 'cancelled', "cancelledAt" = ?, "updatedAt" = ? WHERE "shop" = ? AND "orderGid" = ? AND "status" = 'open'`, [at, at, shop, orderGid]);
    return changed > 0;
  });
}

/** Which of these orders have a fulfillment line stored (shipped before their promise was made, or since), in one statement. */
export async function ordersWithShipmentLines(db: Db, shop: string, orderGids: readonly string[]): Promise<string[]> {
  if (orderGids.length === 0) return [];
  const rows = await sqlOf(db).all(`SELECT DISTINCT "orderGid" FROM "PromiseShipmentLine" WHERE "shop" = ? AND "orderGid" IN (${orderGids.map(() => "?").join(", ")})`, [shop, ...orderGids]);
  return rows.map((row) => row.orderGid as string);
}

export type OrderPromiseRow = NonNullable<Awaited<ReturnType<Db["orderPromise"]["findUnique"]>>>;

let dueText: string | undefined;

export async function loadDuePromises(db: Db, shop: string, limit: number): Promise<OrderPromiseRow[]> {
  dueText ??= `SELECT ${columnList([...modelColumns("OrderPromise").keys()])} FROM "OrderPromise" WHERE "shop" = ? AND "status" IN ('open', 'shipped') AND "writeStatus" IN ('pending', 'refit') ORDER BY "updatedAt" ASC LIMIT ?`;
  return (await sqlOf(db).all(dueText, [shop, limit])).map((raw) => decodeRow<OrderPromiseRow>("OrderPromise", raw));
}

/** A promise awaiting a bulk tag operation: its line in the operation's result and the write status it was in. */
export interface AwaitedTagLine {
  orderGid: string;
  tagOperationLine: number | null;
  writeStatus: string;
}

/** The promises awaiting bulk tag operation `operationGid` (the settle's first read, once per operation). */
export async function loadPromisesAwaitingTags(db: Db, shop: string, operationGid: string): Promise<AwaitedTagLine[]> {
  const rows = await sqlOf(db).all(`SELECT "orderGid", "tagOperationLine", "writeStatus" FROM "OrderPromise" WHERE "shop" = ? AND "tagOperationGid" = ?`, [shop, operationGid]);
  return rows.map((raw) => decodeRow<AwaitedTagLine>("OrderPromise", raw));
}

/**
 * Promises whose tag landed in operation `operationGid`, all in write status `writeStatus`: the
 * operation cleared, `tagging` ones written. Only rows still naming the operation and in that status
 * change (settling twice changes nothing). Returns how many changed.
 */
export async function settleTaggedPromises(db: Db, shop: string, operationGid: string, writeStatus: string, orderGids: readonly string[], now: Date): Promise<number> {
  if (orderGids.length === 0) return 0;
  const sql = sqlOf(db);
  const text =
    `UPDATE "OrderPromise" SET "tagOperationGid" = NULL, "tagOperationLine" = NULL, "writeStatus" = ?, "updatedAt" = ${sql.kind === "postgresql" ? "?::timestamp(3)" : "?"} ` +
    `WHERE "shop" = ? AND "tagOperationGid" = ? AND "writeStatus" = ? AND ${inTextList(sql.kind, `"orderGid"`)}`;
  const settled = writeStatus === "tagging" ? "written" : writeStatus;
  return sql.run(text, [settled, bindValue(sql.kind, now), shop, operationGid, writeStatus, textList(sql.kind, orderGids)]);
}

/**
 * Who started bulk operation `operationGid` (bulk_operations/finish): a history backfill's run, or
 * promises awaiting its tags, in one statement.
 */
export async function loadBulkOperationOwner(db: Db, shop: string, operationGid: string): Promise<{ backfillRun: { id: string; status: string } | null; awaitedByPromises: boolean }> {
  const [raw] = await sqlOf(db).all(
    `SELECT r."id", r."status", EXISTS (SELECT 1 FROM "OrderPromise" WHERE "shop" = ? AND "tagOperationGid" = ?) AS "awaited" ` +
      `FROM (SELECT 1 AS "one") AS "one" LEFT JOIN "BackfillRun" r ON r."id" = (SELECT "id" FROM "BackfillRun" WHERE "shop" = ? AND "bulkOperationId" = ? LIMIT 1)`,
    [shop, operationGid, shop, operationGid],
  );
  return { backfillRun: raw.id === null || raw.id === undefined ? null : { id: raw.id as string, status: raw.status as string }, awaitedByPromises: truthy(raw.awaited) };
}
