// Two versions of an order stamped the same second (two edits in one second: Shopify's
// updated_at is per second). A delivery keeps the tie rule's pick; the order as read from
// Shopify by reconciliation replaces it. Found by the fault-injection replay on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import type { OrderSnapshot } from "../../domain/order-ledger.ts";
import { saveOrderSnapshot } from "./ledger-repository.server.ts";

const SHOP = "same-second-edits.myshopify.com";
const SECOND = new Date("2026-11-20T12:00:00Z");
const version = (totalMinor: number): OrderSnapshot => ({
  orderId: "gid://shopify/Order/8300000000000000101",
  customerId: "gid://shopify/Customer/8300000000000000201",
  processedAt: SECOND,
  updatedAt: SECOND,
  currency: "USD",
  currentTotalMinor: totalMinor,
  currentShippingMinor: 0,
  currentTaxMinor: 0,
  cancelledAt: null,
  test: false,
});

describe.each(DATABASE_KINDS)("order versions tied on updatedAt on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "same_second");
  });
  afterAll(async () => {
    await database?.db.$disconnect();
    await database?.drop();
  });

  const storedTotal = async () => Number((await database.db.ledgerOrder.findFirst({ where: { shop: SHOP }, select: { currentTotal: true } }))?.currentTotal);

  it("a delivery keeps the tie rule's version; a read from Shopify replaces it, and then stands", async () => {
    await saveOrderSnapshot(database.db, SHOP, version(30_127), null);
    // The first edit's delivery arrives last: same second, lower total — the delivery rule keeps it.
    await saveOrderSnapshot(database.db, SHOP, version(2_472), null);
    expect(await storedTotal()).toBe(2_472);
    // Reconciliation reads the order as it stands now.
    const read = await saveOrderSnapshot(database.db, SHOP, version(30_127), null, new Date(), { readFromShopify: true });
    expect(read).toMatchObject({ stored: true, countsChanged: true });
    expect(await storedTotal()).toBe(30_127);
    // The same read again changes nothing.
    expect((await saveOrderSnapshot(database.db, SHOP, version(30_127), null, new Date(), { readFromShopify: true })).stored).toBe(false);
  });
});
