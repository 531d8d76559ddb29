// A member's tier state in the Customer row, and its history, as the hot path
// reads and writes them (every recomputation): cached prepared statements whose
// columns are the ones the caller's mapping produced (stateFields and friends),
// so a column added there is written here without another list to keep in step.
import { randomUUID } from "node:crypto";
import type { Db } from "../../db.server.ts";
import type { Ledger } from "../../domain/order-ledger.ts";
import type { TierRules } from "../../domain/tier-rules.ts";
import type { TierChangeInsertRow } from "./bulk-insert.server.ts";
import { bindValue, columnList, decodeRow, modelColumns, nextVersion, pgTypeOf, rowsLockedInKeyOrder, sqlOf } from "./hot-path-sql.server.ts";
import type { StatementRunner } from "./statement-driver.server.ts";
import { ledgerFromRows, loadCustomerLedger } from "./ledger-repository.server.ts";
import { adjustmentFromRow } from "./spend-adjustment-repository.server.ts";
import { loadTierRulesAndTombstoneFlag, tierRulesFrom, truthy } from "./tier-settings-repository.server.ts";

export type CustomerRow = NonNullable<Awaited<ReturnType<Db["customer"]["findUnique"]>>>;

/** The row's version as stored, for a compare-and-set; opaque to callers. */
export interface LoadedCustomer {
  row: CustomerRow;
  version: unknown;
}

const runnerOf = (db: Db | StatementRunner): StatementRunner => ("run" in db && "kind" in db ? db : sqlOf(db));

const texts = new Map<string, string>();
const cached = (key: string, build: () => string) => {
  let text = texts.get(key);
  if (text === undefined) texts.set(key, (text = build()));
  return text;
};

export async function loadCustomerRow(db: Db, shop: string, customerGid: string): Promise<LoadedCustomer | null> {
  const select = cached("select", () => `SELECT ${columnList([...modelColumns("Customer").keys()])} FROM "Customer" WHERE "shop" = ? AND "customerGid" = ?`);
  const [raw] = await sqlOf(db).all(select, [shop, customerGid]);
  return raw ? { row: decodeRow<CustomerRow>("Customer", raw), version: raw.updatedAt } : null;
}

/** Inserts a new member's row; false when it exists already (someone else inserted it first). */
export async function insertCustomerState(db: Db | StatementRunner, shop: string, customerGid: string, fields: Record<string, unknown>, now: Date): Promise<boolean> {
  const sql = runnerOf(db);
  const { text, params } = stateInsert(sql.kind, shop, customerGid, fields, now);
  return (await sql.run(text, params)) === 1;
}

/** A statement and its parameters. */
interface Bound {
  text: string;
  params: unknown[];
}

function stateInsert(kind: StatementRunner["kind"], shop: string, customerGid: string, fields: Record<string, unknown>, now: Date): Bound {
  const names = Object.keys(fields);
  const columns = ["shop", "customerGid", ...names, "updatedAt"];
  const text = cached(`insert|${names}`, () => `INSERT INTO "Customer" (${columnList(columns)}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT ("shop", "customerGid") DO NOTHING`);
  return { text, params: [shop, customerGid, ...names.map((n) => bindValue(kind, fields[n])), bindValue(kind, now)] };
}

const sameValue = (a: unknown, b: unknown) => (a instanceof Date || b instanceof Date ? (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.() : (a ?? null) === (b ?? null));

/**
 * Writes `fields` if the row is still as `loaded` read it; false when it moved on. Only the
 * columns whose value differs are named: the compare-and-set on the version keeps the others as
 * read, and on SQLite an index whose column is named is rewritten even when the value is the same
 * (the tier, review and sync-status indexes on nearly every recomputation).
 */
export async function saveCustomerState(db: Db | StatementRunner, shop: string, customerGid: string, fields: Record<string, unknown>, loaded: LoadedCustomer, now: Date): Promise<boolean> {
  const sql = runnerOf(db);
  const { text, params } = stateUpdate(sql.kind, shop, customerGid, fields, loaded, now);
  return (await sql.run(text, params)) === 1;
}

function stateUpdate(kind: StatementRunner["kind"], shop: string, customerGid: string, fields: Record<string, unknown>, loaded: LoadedCustomer, now: Date): Bound {
  const current = loaded.row as unknown as Record<string, unknown>;
  const version = loaded.version;
  const names = Object.keys(fields).filter((n) => !sameValue(current[n], fields[n]));
  const text = cached(`update|${names}`, () => `UPDATE "Customer" SET ${names.map((n) => `"${n}" = ?, `).join("")}"updatedAt" = ? WHERE "shop" = ? AND "customerGid" = ? AND "updatedAt" = ?`);
  const previous = decodeRow<{ updatedAt: Date | null }>("Customer", { updatedAt: version }).updatedAt;
  return { text, params: [...names.map((n) => bindValue(kind, fields[n])), bindValue(kind, nextVersion(now, previous)), shop, customerGid, version] };
}

const changeRow = (change: TierChangeInsertRow) => ({ id: randomUUID(), ...change }) as Record<string, unknown>;

export async function insertTierChange(db: Db | StatementRunner, change: TierChangeInsertRow): Promise<void> {
  const sql = runnerOf(db);
  const row = changeRow(change);
  const names = Object.keys(row);
  const insert = cached(`change|${names}`, () => `INSERT INTO "TierChange" (${columnList(names)}) VALUES (${names.map(() => "?").join(", ")})`);
  await sql.run(insert, names.map((n) => bindValue(sql.kind, row[n])));
}

/**
 * A recomputation's save: the member's state (insert for a new member, else the compare-and-set
 * on the version read) and, when the tier changed, its history row, in one transaction (on
 * PostgreSQL one statement): a worker
 * killed between the two would leave the tier moved with no change recorded, and the next
 * recomputation, finding the tier already there, would never record it (a hole in the history,
 * the dashboard's migrations and Shopify Flow). Without a change it is the single statement.
 */
export async function saveCustomerStateAndChange(
  db: Db,
  shop: string,
  customerGid: string,
  fields: Record<string, unknown>,
  loaded: LoadedCustomer | null,
  now: Date,
  change: TierChangeInsertRow | null,
): Promise<boolean> {
  const driver = sqlOf(db);
  if (change && driver.kind === "postgresql") {
    // PostgreSQL: one statement, the history row inserted only when the state's write took; as
    // atomic as the transaction, without its BEGIN, lock and COMMIT round trips (issue 9).
    const state = loaded ? stateUpdate(driver.kind, shop, customerGid, fields, loaded, now) : stateInsert(driver.kind, shop, customerGid, fields, now);
    const row = changeRow(change);
    const names = Object.keys(row);
    const text = cached(
      `pg-state-and-change|${state.text}|${names}`,
      () => `WITH "saved" AS (${state.text} RETURNING 1) INSERT INTO "TierChange" (${columnList(names)}) SELECT ${names.map((n) => `?::${pgTypeOf("TierChange", n)}`).join(", ")} WHERE EXISTS (SELECT 1 FROM "saved")`,
    );
    return (await driver.run(text, [...state.params, ...names.map((n) => bindValue(driver.kind, row[n]))])) === 1;
  }
  const save = async (sql: StatementRunner) => {
    const saved = loaded ? await saveCustomerState(sql, shop, customerGid, fields, loaded, now) : await insertCustomerState(sql, shop, customerGid, fields, now);
    if (saved && change) await insertTierChange(sql, change);
    return saved;
  };
  return change ? driver.transaction(`tier:${shop}|${customerGid}`, save) : save(driver);
}

export interface CustomerContact {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  shopifyUpdatedAt: Date | null;
}

export type ContactWriteOutcome = "UPDATED" | "INSERTED" | "DELETED" | "NOT_NEWER";

/**
 * A customers/create|update payload's contact fields: one conditional update when the
 * member exists and the payload is newer (the common case), else insert-or-nothing for
 * a new member; a deleted member keeps its tombstone.
 */
export async function saveCustomerContact(db: Db, shop: string, customerGid: string, contact: CustomerContact, now = new Date()): Promise<ContactWriteOutcome> {
  const sql = sqlOf(db);
  const bind = (value: unknown) => bindValue(sql.kind, value);
  const at = bind(contact.shopifyUpdatedAt);
  const update = cached(
    `contact-update|${sql.kind}`,
    () =>
      `UPDATE "Customer" SET "email" = ?, "firstName" = ?, "lastName" = ?, "shopifyUpdatedAt" = ?, "updatedAt" = ? ` +
      `WHERE "shop" = ? AND "customerGid" = ? AND "deletedAt" IS NULL AND ("shopifyUpdatedAt" IS NULL OR ${sql.kind === "postgresql" ? "?::timestamp(3)" : "?"} IS NULL OR "shopifyUpdatedAt" < ?)`,
  );
  // PostgreSQL: the update and, when it did not apply, the row's state in one round trip (an echo of
  // Tierline's own tag write arrives as a customers/update Shopify already sent, issue 9).
  const updateOrLook = cached(
    `contact-update-or-look|${sql.kind}`,
    () => `WITH "u" AS (${update} RETURNING 1) SELECT EXISTS (SELECT 1 FROM "u") AS "updated", (SELECT "deletedAt" IS NOT NULL FROM "Customer" WHERE "shop" = ? AND "customerGid" = ?) AS "deleted"`,
  );
  for (let attempt = 0; attempt < 3; attempt++) {
    const params = [contact.email, contact.firstName, contact.lastName, at, bind(now), shop, customerGid, at, at];
    let deleted: unknown;
    if (sql.kind === "postgresql") {
      const [row] = await sql.all(updateOrLook, [...params, shop, customerGid]);
      if (row.updated === true) return "UPDATED";
      deleted = row.deleted;
    } else {
      if ((await sql.run(update, params)) === 1) return "UPDATED";
      const [row] = await sql.all(`SELECT "deletedAt" IS NOT NULL AS "deleted" FROM "Customer" WHERE "shop" = ? AND "customerGid" = ?`, [shop, customerGid]);
      deleted = row?.deleted;
    }
    if (deleted !== null && deleted !== undefined) return truthy(deleted) ? "DELETED" : "NOT_NEWER";
    const insert = cached(
      "contact-insert",
      () => `INSERT INTO "Customer" ("shop", "customerGid", "email", "firstName", "lastName", "shopifyUpdatedAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("shop", "customerGid") DO NOTHING`,
    );
    if ((await sql.run(insert, [shop, customerGid, contact.email, contact.firstName, contact.lastName, at, bind(now)])) === 1) return "INSERTED";
  }
  return "NOT_NEWER";
}

/**
 * Contacts of several distinct customers of one shop (a webhook batch's customers/create|update),
 * each written as saveCustomerContact writes it. PostgreSQL: every update and every look in one
 * statement (a round trip per customer showed in the worker's profile, issue 9); a customer with
 * no row yet is left out (absent from the result: its own saveCustomerContact inserts it).
 * SQLite: each in turn, in-process.
 */
export async function saveCustomerContacts(db: Db, shop: string, contacts: ReadonlyArray<{ customerGid: string; contact: CustomerContact }>, now = new Date()): Promise<Map<string, ContactWriteOutcome>> {
  const outcomes = new Map<string, ContactWriteOutcome>();
  if (new Set(contacts.map((c) => c.customerGid)).size !== contacts.length) throw new Error("saveCustomerContacts: each customer at most once");
  const sql = sqlOf(db);
  if (sql.kind !== "postgresql") {
    for (const { customerGid, contact } of contacts) outcomes.set(customerGid, await saveCustomerContact(db, shop, customerGid, contact, now));
    return outcomes;
  }
  if (contacts.length === 0) return outcomes;
  const rows = await sql.all(CONTACTS_PG, [
    contacts.map((c) => c.customerGid),
    contacts.map((c) => c.contact.email),
    contacts.map((c) => c.contact.firstName),
    contacts.map((c) => c.contact.lastName),
    contacts.map((c) => bindValue(sql.kind, c.contact.shopifyUpdatedAt)),
    shop,
    bindValue(sql.kind, now),
    shop,
    shop,
  ]);
  for (const row of rows) {
    const gid = row.customerGid as string;
    if (row.updated === true) outcomes.set(gid, "UPDATED");
    else if (row.deleted !== null && row.deleted !== undefined) outcomes.set(gid, truthy(row.deleted) ? "DELETED" : "NOT_NEWER");
  }
  return outcomes;
}

// saveCustomerContact's update and look for many customers. The rows are locked first, in customer
// order (rowsLockedInKeyOrder); the update then touches only rows "l" holds.
const CONTACTS_PG =
  `WITH "v" AS (SELECT * FROM UNNEST(?::text[], ?::text[], ?::text[], ?::text[], ?::timestamp(3)[]) AS v("gid", "email", "firstName", "lastName", "at")), ` +
  `${rowsLockedInKeyOrder("Customer", "customerGid", ` AND c."deletedAt" IS NULL`)}, ` +
  `"u" AS (UPDATE "Customer" c SET "email" = v."email", "firstName" = v."firstName", "lastName" = v."lastName", "shopifyUpdatedAt" = v."at", "updatedAt" = ?::timestamp(3) ` +
  `FROM "v" JOIN "l" ON l."key" = v."gid" ` +
  `WHERE c."shop" = ? AND c."customerGid" = v."gid" AND c."deletedAt" IS NULL AND (c."shopifyUpdatedAt" IS NULL OR v."at" IS NULL OR c."shopifyUpdatedAt" < v."at") RETURNING c."customerGid") ` +
  `SELECT v."gid" AS "customerGid", EXISTS (SELECT 1 FROM "u" WHERE u."customerGid" = v."gid") AS "updated", ` +
  `(SELECT c."deletedAt" IS NOT NULL FROM "Customer" c WHERE c."shop" = ? AND c."customerGid" = v."gid") AS "deleted" FROM "v"`;

export interface RecomputeInputs {
  customer: LoadedCustomer | null;
  rules: TierRules;
  /** Null when the member was redacted (nothing to compute). */
  ledger: Ledger | null;
  /** Whether the shop had any erasure tombstone as these were read (the recomputation's first look). */
  shopHasTombstones: boolean;
}

/**
 * What a recomputation reads: the member's row, the shop's rules and the member's
 * ledger. On PostgreSQL one round trip (each statement there costs a round trip
 * through the socket, which the profile showed costing more than the statement);
 * on SQLite the in-process statements one after another.
 */
export async function loadRecomputeInputs(db: Db, shop: string, customerGid: string): Promise<RecomputeInputs> {
  const sql = sqlOf(db);
  if (sql.kind === "postgresql") {
    const [row] = await sql.all(RECOMPUTE_INPUTS_PG, [shop, customerGid, shop, shop, shop, customerGid, shop, shop, customerGid, shop, customerGid, shop]);
    return recomputeInputsOf(shop, customerGid, row);
  }
  const [customer, { rules, shopHasTombstones }] = await Promise.all([loadCustomerRow(db, shop, customerGid), loadTierRulesAndTombstoneFlag(db, shop)]);
  if (customer?.row.deletedAt) return { customer, rules, ledger: null, shopHasTombstones };
  return { customer, rules, ledger: await loadCustomerLedger(db, shop, customerGid, { redacted: false }), shopHasTombstones };
}

/** RECOMPUTE_INPUTS_PG's row (or RECOMPUTE_INPUTS_OF_CUSTOMERS_PG's) as the recomputation's inputs. */
function recomputeInputsOf(shop: string, customerGid: string, row: Record<string, unknown> | undefined): RecomputeInputs {
  const shopHasTombstones = truthy(row?.shopHasTombstones);
  const raw = (row?.customer ?? null) as Record<string, unknown> | null;
  const customer = raw ? { row: decodeRow<CustomerRow>("Customer", raw), version: raw.updatedAt } : null;
  const rules = tierRulesFrom(shop, { rules: (row?.rules ?? null) as string | null, currencyCode: (row?.currencyCode ?? null) as string | null });
  if (customer?.row.deletedAt) return { customer, rules, ledger: null, shopHasTombstones };
  const orders = (row?.orders ?? []) as Record<string, unknown>[];
  const refunds = (row?.refunds ?? []) as Record<string, unknown>[];
  const adjustments = ((row?.adjustments ?? []) as Record<string, unknown>[]).map(adjustmentFromRow);
  return { customer, rules, ledger: ledgerFromRows(customerGid, orders, refunds, false, adjustments), shopHasTombstones };
}

/**
 * loadRecomputeInputs for several members of one shop (a webhook batch's ordering customers): on
 * PostgreSQL one statement, a row per member (issue 9); on SQLite each in turn.
 */
export async function loadRecomputeInputsOfCustomers(db: Db, shop: string, customerGids: readonly string[]): Promise<Map<string, RecomputeInputs>> {
  const inputs = new Map<string, RecomputeInputs>();
  const sql = sqlOf(db);
  if (sql.kind !== "postgresql") {
    for (const customerGid of customerGids) inputs.set(customerGid, await loadRecomputeInputs(db, shop, customerGid));
    return inputs;
  }
  if (customerGids.length === 0) return inputs;
  const rows = await sql.all(RECOMPUTE_INPUTS_OF_CUSTOMERS_PG, [customerGids, shop, shop, shop, shop, shop, shop, shop, shop]);
  for (const row of rows) inputs.set(row.tlCustomerGid as string, recomputeInputsOf(shop, row.tlCustomerGid as string, row));
  return inputs;
}

const RECOMPUTE_INPUTS_OF_CUSTOMERS_PG =
  `WITH "v" AS (SELECT DISTINCT * FROM UNNEST(?::text[]) AS v("gid")) ` +
  `SELECT v."gid" AS "tlCustomerGid", (SELECT row_to_json(c) FROM "Customer" c WHERE c."shop" = ? AND c."customerGid" = v."gid") AS "customer", ` +
  `(SELECT "rules" FROM "TierSettings" WHERE "shop" = ?) AS "rules", ` +
  `(SELECT "currencyCode" FROM "Shop" WHERE "domain" = ?) AS "currencyCode", ` +
  `(SELECT json_agg(o) FROM "LedgerOrder" o WHERE o."shop" = ? AND o."customerGid" = v."gid" AND o."deletedAt" IS NULL) AS "orders", ` +
  `(SELECT json_agg(r) FROM "LedgerRefund" r WHERE r."shop" = ? AND r."orderGid" IN ` +
  `(SELECT "orderGid" FROM "LedgerOrder" WHERE "shop" = ? AND "customerGid" = v."gid" AND "deletedAt" IS NULL)) AS "refunds", ` +
  `(SELECT json_agg(a) FROM "LedgerAdjustment" a WHERE a."shop" = ? AND a."customerGid" = v."gid") AS "adjustments", ` +
  `EXISTS (SELECT 1 FROM "ErasureTombstone" WHERE "shop" = ?) AS "shopHasTombstones" FROM "v"`;

const RECOMPUTE_INPUTS_PG =
  `SELECT (SELECT row_to_json(c) FROM "Customer" c WHERE c."shop" = ? AND c."customerGid" = ?) AS "customer", ` +
  `(SELECT "rules" FROM "TierSettings" WHERE "shop" = ?) AS "rules", ` +
  `(SELECT "currencyCode" FROM "Shop" WHERE "domain" = ?) AS "currencyCode", ` +
  `(SELECT json_agg(o) FROM "LedgerOrder" o WHERE o."shop" = ? AND o."customerGid" = ? AND o."deletedAt" IS NULL) AS "orders", ` +
  `(SELECT json_agg(r) FROM "LedgerRefund" r WHERE r."shop" = ? AND r."orderGid" IN ` +
  `(SELECT "orderGid" FROM "LedgerOrder" WHERE "shop" = ? AND "customerGid" = ? AND "deletedAt" IS NULL)) AS "refunds", ` +
  `(SELECT json_agg(a) FROM "LedgerAdjustment" a WHERE a."shop" = ? AND a."customerGid" = ?) AS "adjustments", ` +
  `EXISTS (SELECT 1 FROM "ErasureTombstone" WHERE "shop" = ?) AS "shopHasTombstones"`;
