// The order ledger in the database: one LedgerOrder row per order (its newest
// version), one LedgerRefund row per refund. Which version wins is the domain's
// decision (applyLedgerEvent); this file only loads, asks, and writes with a
// compare-and-set so two workers racing on one order cannot put an older
// version back.
import type { Db } from "../../db.server.ts";
import { bindValue, columnList, decodeRow, modelColumns, nextVersion, pgTypeOf, sqlOf } from "./hot-path-sql.server.ts";
import { applyLedgerEvent, EMPTY_LEDGER, financialStatusOf, type Ledger, type LedgerOrder, type OrderSnapshot, type RefundRecord, type SpendAdjustment } from "../../domain/order-ledger.ts";
import { adjustmentEntries, loadAdjustmentsOfCustomers, loadCustomerAdjustments } from "./spend-adjustment-repository.server.ts";

type OrderRow = NonNullable<Awaited<ReturnType<Db["ledgerOrder"]["findUnique"]>>>;
type RefundRow = NonNullable<Awaited<ReturnType<Db["ledgerRefund"]["findUnique"]>>>;

export function snapshotFromRow(row: OrderRow): OrderSnapshot {
  return {
    orderId: row.orderGid,
    customerId: row.customerGid,
    processedAt: row.processedAt,
    updatedAt: row.orderUpdatedAt,
    currency: row.currencyCode,
    currentTotalMinor: row.currentTotal,
    currentShippingMinor: row.currentShipping,
    currentTaxMinor: row.currentTax,
    cancelledAt: row.cancelledAt,
    test: row.test,
    ...moneyStateFromRow(row),
  };
}

/** The payment and composition columns of a LedgerOrder row, as raw queries may return them too. */
export type MoneyStateRow = {
  financialStatus: string | null;
  outstanding: number | bigint;
  giftCardLines: number | bigint;
  tip: number | bigint;
  duties: number | bigint;
  taxesIncluded: boolean | number | bigint;
  shippingTax: number | bigint;
};

/** The snapshot's payment and composition fields from their columns (shared with ledger-batch-repository's raw read). */
export function moneyStateFromRow(row: MoneyStateRow): Pick<OrderSnapshot, "financialStatus" | "outstandingMinor" | "giftCardLinesMinor" | "tipMinor" | "dutiesMinor" | "taxesIncluded" | "currentShippingTaxMinor"> {
  return {
    financialStatus: financialStatusOf(row.financialStatus),
    outstandingMinor: Number(row.outstanding),
    giftCardLinesMinor: Number(row.giftCardLines),
    tipMinor: Number(row.tip),
    dutiesMinor: Number(row.duties),
    taxesIncluded: row.taxesIncluded === true || Number(row.taxesIncluded) === 1,
    currentShippingTaxMinor: Number(row.shippingTax),
  };
}

export function refundFromRow(row: RefundRow, currency: string): RefundRecord {
  return {
    refundId: row.refundGid,
    orderId: row.orderGid,
    createdAt: row.createdAt,
    currency,
    transactionsMinor: row.transactions,
    lineItemsMinor: row.lineItems,
    shippingMinor: row.shipping,
  };
}

/** A snapshot as LedgerOrder columns (without shop, orderGid and name). */
export function rowFields(snapshot: OrderSnapshot) {
  return {
    customerGid: snapshot.customerId,
    processedAt: snapshot.processedAt,
    orderUpdatedAt: snapshot.updatedAt,
    currencyCode: snapshot.currency,
    currentTotal: snapshot.currentTotalMinor,
    currentShipping: snapshot.currentShippingMinor,
    currentTax: snapshot.currentTaxMinor,
    cancelledAt: snapshot.cancelledAt,
    test: snapshot.test,
    financialStatus: snapshot.financialStatus ?? null,
    outstanding: snapshot.outstandingMinor ?? 0,
    giftCardLines: snapshot.giftCardLinesMinor ?? 0,
    tip: snapshot.tipMinor ?? 0,
    duties: snapshot.dutiesMinor ?? 0,
    taxesIncluded: snapshot.taxesIncluded ?? false,
    shippingTax: snapshot.currentShippingTaxMinor ?? 0,
  };
}

export type OrderWriteOutcome = {
  stored: boolean;
  previousCustomerGid: string | null;
  /** Something besides the version moved (amounts, customer, cancellation…): the customer's spend may differ. */
  countsChanged: boolean;
};

const ORDER_COLUMNS = () => [...modelColumns("LedgerOrder").keys()];
const REFUND_COLUMNS = () => [...modelColumns("LedgerRefund").keys()];
const statementTexts = new Map<string, string>();
/** A statement text built once per shape (its columns come from the mapping functions at run time). */
const cached = (key: string, build: () => string) => {
  let text = statementTexts.get(key);
  if (text === undefined) statementTexts.set(key, (text = build()));
  return text;
};

/**
 * Stores the snapshot if it is newer than what is stored (by the domain's rule): insert-or-nothing, and
 * when the order is there already, the domain decides against the stored version and a compare-and-set
 * on that version writes it. Two events racing on one order never fail: the loser decides again.
 */
/**
 * `readFromShopify`: the version was read from Shopify just now (reconciliation), not delivered. On a
 * tie in updatedAt (Shopify's timestamps are per second) it replaces what is stored: two edits in one
 * second tie, and the delivery rule (the lower total wins a tie) can keep the older one; the read is
 * the order as it stands. A later delivery with a newer updatedAt still wins as always.
 */
export async function saveOrderSnapshot(db: Db, shop: string, snapshot: OrderSnapshot, name: string | null, now = new Date(), options: { readFromShopify?: boolean } = {}): Promise<OrderWriteOutcome> {
  const sql = sqlOf(db);
  const fields = rowFields(snapshot) as Record<string, unknown>;
  const fieldNames = Object.keys(fields);
  const bind = (value: unknown) => bindValue(sql.kind, value);
  const insertRow = cached(`order-insert-row|${fieldNames}`, () => {
    const columns = ["shop", "orderGid", "name", ...fieldNames, "updatedAt"];
    return `INSERT INTO "LedgerOrder" (${columnList(columns)}) VALUES (${columns.map(() => "?").join(", ")})`;
  });
  const insert = cached(`order-insert|${fieldNames}`, () => `${insertRow} ON CONFLICT ("shop", "orderGid") DO NOTHING`);
  const select = cached("order-select", () => `SELECT ${columnList(ORDER_COLUMNS())} FROM "LedgerOrder" WHERE "shop" = ? AND "orderGid" = ?`);
  const same = sql.kind === "postgresql" ? "IS NOT DISTINCT FROM" : "IS";
  const update = cached(`order-cas|${sql.kind}|${fieldNames}`, () =>
    `UPDATE "LedgerOrder" SET "name" = COALESCE(?, "name"), ${fieldNames.map((f) => `"${f}" = ?`).join(", ")}, "updatedAt" = ? ` +
      `WHERE "shop" = ? AND "orderGid" = ? AND "deletedAt" IS NULL AND ${fieldNames.map((f) => `"${f}" ${same} ?`).join(" AND ")}`,
  );
  // PostgreSQL: one round trip stores a new order, or a version with a strictly newer updatedAt
  // (which the ledger rule always keeps), over the row as the statement's snapshot read it: the
  // write is conditional on that row's version, so the row returned is the one replaced, and a
  // row another writer changed meanwhile is left alone (the loop decides again). Any other case
  // (an older or same-time version, a deleted order) writes nothing and returns the row for the
  // domain's decision below. The row comes as one JSON value (a row description of two columns,
  // not twenty-one, for node-postgres to parse on every order event). SQLite: two in-process statements.
  const writeOrRead =
    sql.kind === "postgresql"
      ? cached(`order-write-or-read|${fieldNames}`, () => {
          const newer =
            `ON CONFLICT ("shop", "orderGid") DO UPDATE SET "name" = COALESCE(EXCLUDED."name", "LedgerOrder"."name"), ` +
            `${fieldNames.map((f) => `"${f}" = EXCLUDED."${f}"`).join(", ")}, ` +
            `"updatedAt" = GREATEST(EXCLUDED."updatedAt", "LedgerOrder"."updatedAt" + interval '1 millisecond') ` +
            `WHERE "LedgerOrder"."deletedAt" IS NULL AND "LedgerOrder"."orderUpdatedAt" < EXCLUDED."orderUpdatedAt" ` +
            `AND "LedgerOrder"."updatedAt" = (SELECT "updatedAt" FROM "old")`;
          return (
            `WITH "old" AS (SELECT ${columnList(ORDER_COLUMNS())} FROM "LedgerOrder" WHERE "shop" = ? AND "orderGid" = ?), ` +
            `"w" AS (${insertRow} ${newer} RETURNING (xmax = 0) AS "inserted") ` +
            `SELECT (SELECT "inserted" FROM "w") AS "tlInserted", (SELECT row_to_json(o) FROM "old" AS o) AS "row"`
          );
        })
      : null;
  const storedFields = (row: OrderRow) => rowFields(snapshotFromRow(row)) as Record<string, unknown>;
  const replaced = (existing: OrderRow): OrderWriteOutcome => replacedOutcome(existing, fields, fieldNames);
  for (let attempt = 0; attempt < 5; attempt++) {
    const insertParams = [shop, snapshot.orderId, name, ...fieldNames.map((f) => bind(fields[f])), bind(now)];
    let raw: Record<string, unknown> | undefined;
    if (writeOrRead) {
      const [{ tlInserted, row }] = await sql.all(writeOrRead, [shop, snapshot.orderId, ...insertParams]);
      if (tlInserted === true) return { stored: true, previousCustomerGid: null, countsChanged: true };
      // Its timestamps are ISO text, which the compare-and-set below binds as PostgreSQL's own text does.
      raw = (row ?? undefined) as Record<string, unknown> | undefined;
      // Written over the row read: the write's condition names that row's version.
      if (tlInserted === false && raw) return replaced(decodeRow<OrderRow>("LedgerOrder", raw));
    } else {
      if ((await sql.run(insert, insertParams)) === 1) return { stored: true, previousCustomerGid: null, countsChanged: true };
      [raw] = await sql.all(select, [shop, snapshot.orderId]);
    }
    if (!raw) continue; // deleted between the two statements (or not yet visible): insert again
    const existing = decodeRow<OrderRow>("LedgerOrder", raw);
    if (existing.deletedAt) return { stored: false, previousCustomerGid: existing.customerGid, countsChanged: false };
    // Deliveries (the hot path) decide by the ledger rule alone; only a read from Shopify looks at a tie.
    const readWinsTie = () => {
      if (existing.orderUpdatedAt.getTime() !== snapshot.updatedAt.getTime()) return false;
      const before = storedFields(existing);
      return fieldNames.some((f) => !sameValue(before[f], fields[f]));
    };
    if (!isNewerThanStored(existing, snapshot) && !(options.readFromShopify && readWinsTie())) return { stored: false, previousCustomerGid: existing.customerGid, countsChanged: false };
    // Compare-and-set on the version decided against: every mapped column as it was read.
    const changed = await sql.run(update, [
      name,
      ...fieldNames.map((f) => bind(fields[f])),
      bind(nextVersion(now, existing.updatedAt)),
      shop,
      snapshot.orderId,
      ...fieldNames.map((f) => raw[f] ?? null),
    ]);
    if (changed === 1) return replaced(existing);
  }
  throw new Error(`Could not store order ${snapshot.orderId}: too much contention`);
}

/**
 * Several orders of one shop (a webhook batch's order versions), each stored as saveOrderSnapshot
 * stores a delivered version. PostgreSQL: one statement for them all instead of a round trip each
 * (issue 9): the orders' rows are locked first in order (rowsLockedInKeyOrder), a strictly newer
 * version replaces its row, a new order is inserted; every other order is decided by the ledger
 * rule against its locked row, as saveOrderSnapshot decides. An order left out of the result (a
 * same-time version the rule keeps, an order another writer inserted meanwhile) is not written:
 * its own saveOrderSnapshot stores it. SQLite: each in turn, in-process.
 */
export async function saveOrderSnapshots(db: Db, shop: string, orders: ReadonlyArray<{ snapshot: OrderSnapshot; name: string | null }>, now = new Date()): Promise<Map<string, OrderWriteOutcome>> {
  const outcomes = new Map<string, OrderWriteOutcome>();
  if (new Set(orders.map((o) => o.snapshot.orderId)).size !== orders.length) throw new Error("saveOrderSnapshots: each order at most once");
  const sql = sqlOf(db);
  if (sql.kind !== "postgresql") {
    for (const { snapshot, name } of orders) outcomes.set(snapshot.orderId, await saveOrderSnapshot(db, shop, snapshot, name, now));
    return outcomes;
  }
  if (orders.length === 0) return outcomes;
  const rows = orders.map(({ snapshot }) => rowFields(snapshot) as Record<string, unknown>);
  const fieldNames = Object.keys(rows[0]);
  const text = cached(`orders-write|${fieldNames}`, () => {
    const set = fieldNames.map((f) => `"${f}" = v."${f}"`).join(", ");
    return (
      `WITH "v" AS (SELECT * FROM UNNEST(?::text[], ?::text[], ${fieldNames.map((f) => `?::${pgTypeOf("LedgerOrder", f)}[]`).join(", ")}) ` +
      `AS v("gid", "name", ${columnList(fieldNames)})), ` +
      // The rows as locked (the newest version of each): what the update replaces and the outcome reads.
      `"l" AS (SELECT c."orderGid" AS "key", row_to_json(c) AS "row" FROM "LedgerOrder" c WHERE c."shop" = ? AND c."orderGid" IN (SELECT "gid" FROM "v") ORDER BY c."orderGid" FOR UPDATE), ` +
      `"u" AS (UPDATE "LedgerOrder" c SET "name" = COALESCE(v."name", c."name"), ${set}, "updatedAt" = GREATEST(?::timestamp(3), c."updatedAt" + interval '1 millisecond') ` +
      `FROM "v" JOIN "l" ON l."key" = v."gid" ` +
      `WHERE c."shop" = ? AND c."orderGid" = v."gid" AND c."deletedAt" IS NULL AND c."orderUpdatedAt" < v."orderUpdatedAt" RETURNING c."orderGid"), ` +
      `"i" AS (INSERT INTO "LedgerOrder" ("shop", "orderGid", "name", ${columnList(fieldNames)}, "updatedAt") ` +
      `SELECT ?, v."gid", v."name", ${fieldNames.map((f) => `v."${f}"`).join(", ")}, ?::timestamp(3) FROM "v" WHERE NOT EXISTS (SELECT 1 FROM "l" WHERE l."key" = v."gid") ORDER BY v."gid" ` +
      `ON CONFLICT ("shop", "orderGid") DO NOTHING RETURNING "orderGid") ` +
      `SELECT v."gid" AS "orderGid", EXISTS (SELECT 1 FROM "i" WHERE i."orderGid" = v."gid") AS "inserted", ` +
      `EXISTS (SELECT 1 FROM "u" WHERE u."orderGid" = v."gid") AS "updated", (SELECT l."row" FROM "l" WHERE l."key" = v."gid") AS "row" FROM "v"`
    );
  });
  const at = bindValue(sql.kind, now);
  const results = await sql.all(text, [
    orders.map((o) => o.snapshot.orderId),
    orders.map((o) => o.name),
    ...fieldNames.map((f) => rows.map((row) => bindValue(sql.kind, row[f]))),
    shop, at, shop, shop, at,
  ]);
  const byGid = new Map(orders.map((o, i) => [o.snapshot.orderId, { snapshot: o.snapshot, fields: rows[i] }]));
  for (const result of results) {
    const gid = result.orderGid as string;
    const order = byGid.get(gid)!;
    if (result.inserted === true) {
      outcomes.set(gid, { stored: true, previousCustomerGid: null, countsChanged: true });
      continue;
    }
    const raw = result.row as Record<string, unknown> | null;
    if (!raw) continue; // inserted by another writer meanwhile: its own write decides
    const existing = decodeRow<OrderRow>("LedgerOrder", raw);
    if (result.updated === true) outcomes.set(gid, replacedOutcome(existing, order.fields, fieldNames));
    else if (existing.deletedAt || !isNewerThanStored(existing, order.snapshot)) outcomes.set(gid, { stored: false, previousCustomerGid: existing.customerGid, countsChanged: false });
  }
  return outcomes;
}

/** The outcome of writing `fields` over `existing`: whether anything that counts moved, and whose the order was. */
function replacedOutcome(existing: OrderRow, fields: Record<string, unknown>, fieldNames: readonly string[]): OrderWriteOutcome {
  const before = rowFields(snapshotFromRow(existing)) as Record<string, unknown>;
  const countsChanged = fieldNames.some((f) => f !== "orderUpdatedAt" && !sameValue(before[f], fields[f]));
  return { stored: true, previousCustomerGid: existing.customerGid, countsChanged };
}

/** The ledger rule: whether a delivered version replaces the stored one. */
function isNewerThanStored(existing: OrderRow, snapshot: OrderSnapshot): boolean {
  const current: Ledger = { ...EMPTY_LEDGER, orders: { [snapshot.orderId]: { orderId: snapshot.orderId, snapshot: snapshotFromRow(existing), deleted: false, refunds: {} } } };
  return applyLedgerEvent(current, { type: "order", order: snapshot }) !== current;
}

const sameValue = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : (a ?? null) === (b ?? null));

/** A refund as a LedgerRefund row. */
export function refundRow(shop: string, refund: RefundRecord) {
  return {
    shop,
    refundGid: refund.refundId,
    orderGid: refund.orderId,
    createdAt: refund.createdAt,
    transactions: refund.transactionsMinor,
    lineItems: refund.lineItemsMinor,
    shipping: refund.shippingMinor,
  };
}

/** Refunds are immutable: the first copy is kept, redeliveries change nothing. */
export async function saveRefund(db: Db, shop: string, refund: RefundRecord, now = new Date()): Promise<boolean> {
  const sql = sqlOf(db);
  const row = refundRow(shop, refund) as Record<string, unknown>;
  const columns = [...Object.keys(row), "recordedAt"];
  const insert = cached(`refund-insert|${columns}`, () => `INSERT INTO "LedgerRefund" (${columnList(columns)}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT ("shop", "refundGid") DO NOTHING`);
  return (await sql.run(insert, [...Object.values(row), now].map((v) => bindValue(sql.kind, v)))) === 1;
}

/** The customers an order counts for (to recompute after a refund arrives). */
export async function customerOfOrder(db: Db, shop: string, orderGid: string): Promise<string | null> {
  const [row] = await sqlOf(db).all(`SELECT "customerGid", "deletedAt" FROM "LedgerOrder" WHERE "shop" = ? AND "orderGid" = ?`, [shop, orderGid]);
  return row && row.deletedAt === null ? (row.customerGid as string | null) : null;
}

/** One customer's ledger, as the domain reads it. */
/** `redacted`: the caller already knows whether the customer was redacted (saves a lookup). */
export async function loadCustomerLedger(db: Db, shop: string, customerGid: string, { redacted }: { redacted?: boolean } = {}): Promise<Ledger> {
  const sql = sqlOf(db);
  const ordersSql = cached("ledger-orders", () => `SELECT ${columnList(ORDER_COLUMNS())} FROM "LedgerOrder" WHERE "shop" = ? AND "customerGid" = ? AND "deletedAt" IS NULL`);
  // IN (subquery), not a join: SQLite's planner would walk every refund of the shop for a join.
  const refundsSql = cached(
    "ledger-refunds",
    () =>
      `SELECT ${columnList(REFUND_COLUMNS())} FROM "LedgerRefund" WHERE "shop" = ? AND "orderGid" IN ` +
      `(SELECT "orderGid" FROM "LedgerOrder" WHERE "shop" = ? AND "customerGid" = ? AND "deletedAt" IS NULL)`,
  );
  const [orders, refunds, adjustments, customer] = await Promise.all([
    sql.all(ordersSql, [shop, customerGid]),
    sql.all(refundsSql, [shop, shop, customerGid]),
    loadCustomerAdjustments(db, shop, customerGid),
    redacted === undefined ? sql.all(`SELECT "deletedAt" FROM "Customer" WHERE "shop" = ? AND "customerGid" = ?`, [shop, customerGid]).then((rows) => rows[0] ?? null) : { deletedAt: redacted ? 1 : null },
  ]);
  return ledgerFromRows(customerGid, orders, refunds, customer !== null && customer.deletedAt !== null, adjustments);
}

/**
 * The ledgers of a few customers at once (a page of the Members list), none of them redacted:
 * three statements whatever their number, instead of three per customer.
 */
export async function loadLedgersOfCustomers(db: Db, shop: string, customerGids: readonly string[]): Promise<Map<string, Ledger>> {
  const ledgers = new Map<string, Ledger>();
  if (customerGids.length === 0) return ledgers;
  const sql = sqlOf(db);
  const list = customerGids.map(() => "?").join(", ");
  const [orders, refunds, adjustments] = await Promise.all([
    sql.all(`SELECT ${columnList(ORDER_COLUMNS())} FROM "LedgerOrder" WHERE "shop" = ? AND "customerGid" IN (${list}) AND "deletedAt" IS NULL`, [shop, ...customerGids]),
    sql.all(
      `SELECT ${columnList(REFUND_COLUMNS())} FROM "LedgerRefund" WHERE "shop" = ? AND "orderGid" IN (SELECT "orderGid" FROM "LedgerOrder" WHERE "shop" = ? AND "customerGid" IN (${list}) AND "deletedAt" IS NULL)`,
      [shop, shop, ...customerGids],
    ),
    loadAdjustmentsOfCustomers(db, shop, customerGids),
  ]);
  const ordersOf = new Map<string, Record<string, unknown>[]>();
  const customerOfOrder = new Map<string, string>();
  // Pushed, not copied: a heavy buyer has hundreds of orders.
  for (const row of orders) {
    const gid = row.customerGid as string;
    const list = ordersOf.get(gid);
    if (list) list.push(row);
    else ordersOf.set(gid, [row]);
    customerOfOrder.set(row.orderGid as string, gid);
  }
  const refundsOf = new Map<string, Record<string, unknown>[]>();
  for (const row of refunds) {
    const gid = customerOfOrder.get(row.orderGid as string);
    if (!gid) continue;
    const list = refundsOf.get(gid);
    if (list) list.push(row);
    else refundsOf.set(gid, [row]);
  }
  for (const gid of customerGids) ledgers.set(gid, ledgerFromRows(gid, ordersOf.get(gid) ?? [], refundsOf.get(gid) ?? [], false, adjustments.get(gid) ?? []));
  return ledgers;
}

/** A customer's ledger from its stored order, refund and adjustment rows (as the driver returned them). */
export function ledgerFromRows(
  customerGid: string,
  orders: readonly Record<string, unknown>[],
  refunds: readonly Record<string, unknown>[],
  redacted: boolean,
  adjustments: readonly SpendAdjustment[] = [],
): Ledger {
  const entries: Record<string, LedgerOrder> = {};
  for (const raw of orders) {
    const row = decodeRow<OrderRow>("LedgerOrder", raw);
    entries[row.orderGid] = { orderId: row.orderGid, snapshot: snapshotFromRow(row), deleted: false, refunds: {} };
  }
  for (const raw of refunds) {
    const refund = decodeRow<RefundRow>("LedgerRefund", raw);
    const entry = entries[refund.orderGid];
    if (entry) entry.refunds[refund.refundGid] = refundFromRow(refund, entry.snapshot!.currency);
  }
  const held = adjustmentEntries(adjustments);
  return { orders: entries, redactedCustomerIds: redacted ? { [customerGid]: true } : {}, ...(held ? { adjustments: held } : {}) };
}

/** Live customer orders the rules cannot value (shop money in another currency than the rules'), for the Overview. */
export function countUnvaluedOrders(db: Db, shop: string, currency: string): Promise<number> {
  // Guest orders count for nobody's tier, so they are not the merchant's concern here.
  return db.ledgerOrder.count({ where: { shop, deletedAt: null, customerGid: { not: null }, NOT: { currencyCode: currency } } });
}
