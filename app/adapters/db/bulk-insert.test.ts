// Rows written by the raw bulk inserts read back exactly like rows Prisma writes,
// and Prisma's equality filters (the compare-and-set updates) match them, on both
// databases: the dates' text on SQLite must be Prisma's own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import { insertCustomersIgnoringExisting, insertOrdersIgnoringExisting, insertRefundsIgnoringExisting, insertTierChanges, sqliteValue } from "./bulk-insert.server.ts";
import { providerOf } from "./sql-dialect.ts";

const SHOP = "bulk-insert.myshopify.com";

describe("SQLite bound values", () => {
  it("binds text as it is, and numbers, booleans, dates and NULL as Prisma stores them", () => {
    expect(sqliteValue({ name: "name" }, "O'Brien's #1")).toBe("O'Brien's #1");
    expect(sqliteValue({ name: "name" }, "a\0b")).toBe("a\0b");
    expect(sqliteValue({ name: "total" }, -12_345)).toBe(-12_345);
    expect(sqliteValue({ name: "test", type: "boolean" }, true)).toBe(1);
    expect(sqliteValue({ name: "at", type: "timestamp" }, new Date("2026-03-01T10:20:30.123Z"))).toBe("2026-03-01T10:20:30.123+00:00");
    expect(sqliteValue({ name: "name" }, null)).toBeNull();
  });

  it("refuses a number that is not an integer (every numeric column is one) and an invalid date", () => {
    expect(() => sqliteValue({ name: "total" }, 1.5)).toThrow(/integer/);
    expect(() => sqliteValue({ name: "total" }, Number.NaN)).toThrow(/integer/);
    expect(() => sqliteValue({ name: "total" }, 2 ** 53)).toThrow(/integer/);
    expect(() => sqliteValue({ name: "at", type: "timestamp" }, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe.each(DATABASE_KINDS)("bulk inserts on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "bulk_insert");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("knows its database", () => {
    expect(providerOf(database.db)).toBe(kind);
  });

  it("inserts new orders, skips existing ones, and the rows match Prisma's filters", async () => {
    const { db } = database;
    const base = {
      shop: SHOP, customerGid: "gid://shopify/Customer/1", name: "#1001", processedAt: new Date("2026-03-01T10:20:30.123Z"),
      orderUpdatedAt: new Date("2026-03-02T00:00:00.007Z"), currencyCode: "USD", currentTotal: 12_345, currentShipping: 695, currentTax: 800, cancelledAt: null, test: false,
      financialStatus: "paid", outstanding: 0, giftCardLines: 0, tip: 0, duties: 0, taxesIncluded: true, shippingTax: 116,
    };
    await db.ledgerOrder.create({ data: { ...base, orderGid: "gid://shopify/Order/0" } });
    const rows = Array.from({ length: 150 }, (_, i) => ({ ...base, orderGid: `gid://shopify/Order/${i}`, test: i % 2 === 1, cancelledAt: i === 3 ? new Date("2026-03-03T01:02:03.004Z") : null, customerGid: i === 4 ? null : base.customerGid }));
    const inserted = await insertOrdersIgnoringExisting(db, rows);
    expect(inserted.size).toBe(149);
    expect(inserted.has("gid://shopify/Order/0")).toBe(false);

    const three = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: "gid://shopify/Order/3" } } });
    expect(three).toMatchObject({ ...rows[3], deletedAt: null });
    expect((await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: "gid://shopify/Order/4" } } })).customerGid).toBeNull();
    // The compare-and-set of saveOrderSnapshot filters on these exact values.
    const cas = await db.ledgerOrder.updateMany({
      where: { shop: SHOP, orderGid: "gid://shopify/Order/3", orderUpdatedAt: base.orderUpdatedAt, cancelledAt: rows[3].cancelledAt, currentTotal: base.currentTotal, deletedAt: null },
      data: { name: "#1004" },
    });
    expect(cas.count).toBe(1);
    expect(await db.ledgerOrder.count({ where: { shop: SHOP, test: true } })).toBe(75);
    expect(await db.ledgerOrder.count({ where: { shop: SHOP, processedAt: { lte: base.processedAt } } })).toBe(150);
  });

  it("stores text exactly, whatever quotes or SQL it holds", async () => {
    const { db } = database;
    const names = ["'); DROP TABLE \"LedgerOrder\"; --", "O'Brien''s", "\\' OR 1=1 --", "snow ☃ 𝄞", "?$1"];
    const rows = names.map((name, i) => ({
      shop: SHOP, orderGid: `gid://shopify/Order/q${i}`, customerGid: `gid://shopify/Customer/'${i}`, name, processedAt: new Date("2026-03-01T00:00:00Z"),
      orderUpdatedAt: new Date("2026-03-01T00:00:00Z"), currencyCode: "USD", currentTotal: i, currentShipping: 0, currentTax: 0, cancelledAt: null, test: false,
      financialStatus: null, outstanding: 0, giftCardLines: 0, tip: 0, duties: 0, taxesIncluded: false, shippingTax: 0,
    }));
    expect((await insertOrdersIgnoringExisting(db, rows)).size).toBe(names.length);
    const stored = await db.ledgerOrder.findMany({ where: { shop: SHOP, orderGid: { startsWith: "gid://shopify/Order/q" } }, orderBy: { currentTotal: "asc" } });
    expect(stored.map((r) => [r.name, r.customerGid])).toEqual(rows.map((r) => [r.name, r.customerGid]));
  });

  it.runIf(kind === "sqlite")("binds every value: text holding NUL (which no escaped literal can carry) is stored exactly", async () => {
    const { db } = database;
    const names = ["nul \0 inside", "\0", "tab\tand\nnewline"];
    const rows = names.map((name, i) => ({
      shop: SHOP, orderGid: `gid://shopify/Order/n${i}`, customerGid: null, name, processedAt: new Date("2026-03-01T00:00:00Z"),
      orderUpdatedAt: new Date("2026-03-01T00:00:00Z"), currencyCode: "USD", currentTotal: i, currentShipping: 0, currentTax: 0, cancelledAt: null, test: false,
      financialStatus: null, outstanding: 0, giftCardLines: 0, tip: 0, duties: 0, taxesIncluded: false, shippingTax: 0,
    }));
    expect((await insertOrdersIgnoringExisting(db, rows)).size).toBe(names.length);
    const stored = await db.ledgerOrder.findMany({ where: { shop: SHOP, orderGid: { startsWith: "gid://shopify/Order/n" } }, orderBy: { currentTotal: "asc" } });
    expect(stored.map((r) => r.name)).toEqual(names);
  });

  it("inserts refunds, customers and tier changes", async () => {
    const { db } = database;
    const refund = { shop: SHOP, refundGid: "gid://shopify/Refund/1", orderGid: "gid://shopify/Order/1", createdAt: new Date("2026-03-05T00:00:00Z"), transactions: 500, lineItems: 400, shipping: 100 };
    expect([...(await insertRefundsIgnoringExisting(db, [refund, { ...refund, refundGid: "gid://shopify/Refund/2" }]))].sort()).toEqual(["gid://shopify/Refund/1", "gid://shopify/Refund/2"]);
    expect((await insertRefundsIgnoringExisting(db, [refund])).size).toBe(0);
    expect(await db.ledgerRefund.findUniqueOrThrow({ where: { shop_refundGid: { shop: SHOP, refundGid: refund.refundGid } } })).toMatchObject(refund);

    const reviewAt = new Date("2027-03-01T10:20:30.123Z");
    const customer = {
      shop: SHOP, customerGid: "gid://shopify/Customer/1", tierKey: "silver", tierSince: new Date("2026-03-01T10:20:30.123Z"), downgradeTierKey: null, graceUntil: null,
      graceReason: null, pinnedTierKey: null, pinnedUntil: null, qualifyingSpend: 60_000, qualifyingOrders: 2, reviewAt, syncStatus: "pending",
    };
    expect((await insertCustomersIgnoringExisting(db, [customer])).size).toBe(1);
    expect((await insertCustomersIgnoringExisting(db, [customer])).size).toBe(0);
    const row = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: customer.customerGid } } });
    expect(row).toMatchObject({ ...customer, syncAttempts: 0, deletedAt: null, writtenDigest: null });
    expect(await db.customer.count({ where: { shop: SHOP, reviewAt: { lte: reviewAt } } })).toBe(1);
    expect((await db.customer.updateMany({ where: { shop: SHOP, customerGid: customer.customerGid, updatedAt: row.updatedAt }, data: { syncStatus: "synced" } })).count).toBe(1);

    expect(await insertTierChanges(db, [{ shop: SHOP, customerGid: customer.customerGid, fromTier: null, toTier: "silver", reason: "order", spend: 60_000, occurredAt: reviewAt }])).toBe(1);
    expect(await db.tierChange.findFirstOrThrow({ where: { shop: SHOP } })).toMatchObject({ fromTier: null, toTier: "silver", occurredAt: reviewAt });
  });
});
