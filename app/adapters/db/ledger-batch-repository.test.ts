// The shop-wide recompute reads ledgers a range of customers at a time with one raw
// query: it must give exactly what the one-customer repository gives (Prisma's
// own reads), on both databases, whatever their drivers hand back for dates,
// integers and booleans.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import type { LedgerOrder } from "../../domain/order-ledger.ts";
import { loadLedgersOfCustomerRange } from "./ledger-batch-repository.server.ts";
import { refundFromRow, snapshotFromRow } from "./ledger-repository.server.ts";

const SHOP = "ledger-batch.myshopify.com";
const customer = (n: number) => `gid://shopify/Customer/${n}`;

describe.each(DATABASE_KINDS)("ledgers of a customer range on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "ledger_batch");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("reads live orders with their refunds, as Prisma's reads do", async () => {
    const { db } = database;
    const at = (day: number) => new Date(Date.UTC(2026, 0, day, 10, 20, 30, 123));
    const order = (n: number, customerGid: string | null, extra: object = {}) => ({
      shop: SHOP, orderGid: `gid://shopify/Order/${n}`, customerGid, processedAt: at(n), orderUpdatedAt: at(n + 1), currencyCode: "EUR",
      currentTotal: 10_000 + n, currentShipping: 500, currentTax: 900, ...extra,
    });
    await db.ledgerOrder.createMany({
      data: [
        order(1, customer(1)),
        order(2, customer(1), { cancelledAt: at(3), test: true }),
        order(3, customer(2)),
        order(4, customer(2), { deletedAt: at(5) }), // deleted: not part of the ledger
        order(5, customer(3)), // outside the range read below
        order(6, null), // guest
        order(7, customer(1), { currentTotal: 2_000_000_000 }),
      ],
    });
    await db.ledgerOrder.create({ data: order(8, customer(1), { currencyCode: "JPY" }) });
    await db.ledgerOrder.create({ data: { ...order(9, customer(1)), shop: "other.myshopify.com" } });
    const refund = (n: number, orderN: number) => ({ shop: SHOP, refundGid: `gid://shopify/Refund/${n}`, orderGid: `gid://shopify/Order/${orderN}`, createdAt: at(10 + n), transactions: 100 * n, lineItems: 80 * n, shipping: n });
    await db.ledgerRefund.createMany({ data: [refund(1, 1), refund(2, 1), refund(3, 3), refund(4, 4), refund(5, 5), refund(6, 99)] });

    const ledgers = await loadLedgersOfCustomerRange(db, SHOP, customer(1), customer(2));

    const orders = await db.ledgerOrder.findMany({ where: { shop: SHOP, customerGid: { in: [customer(1), customer(2)] }, deletedAt: null } });
    const refunds = await db.ledgerRefund.findMany({ where: { shop: SHOP } });
    const expected = new Map<string, Record<string, LedgerOrder>>();
    for (const row of orders) {
      const snapshot = snapshotFromRow(row);
      const entry: LedgerOrder = { orderId: row.orderGid, snapshot, deleted: false, refunds: {} };
      for (const r of refunds.filter((r) => r.orderGid === row.orderGid)) entry.refunds[r.refundGid] = refundFromRow(r, snapshot.currency);
      if (!expected.has(row.customerGid!)) expected.set(row.customerGid!, {});
      expected.get(row.customerGid!)![row.orderGid] = entry;
    }
    expect(Object.keys(ledgers.get(customer(1))!).sort()).toEqual(["gid://shopify/Order/1", "gid://shopify/Order/2", "gid://shopify/Order/7", "gid://shopify/Order/8"]);
    expect(Object.keys(ledgers.get(customer(2))!)).toEqual(["gid://shopify/Order/3"]);
    expect(ledgers.has(customer(3))).toBe(false);
    expect(ledgers).toEqual(expected);
    expect(ledgers.get(customer(1))!["gid://shopify/Order/1"].refunds["gid://shopify/Refund/2"]).toEqual({
      refundId: "gid://shopify/Refund/2", orderId: "gid://shopify/Order/1", createdAt: at(12), currency: "EUR", transactionsMinor: 200, lineItemsMinor: 160, shippingMinor: 2,
    });
    expect(ledgers.get(customer(1))!["gid://shopify/Order/2"].snapshot).toMatchObject({ test: true, cancelledAt: at(3) });
  });
});
