// The hourly reconciliation repairs a customer whose ledger changed but whose tier
// was never recomputed (the queue refused the job and no retry came): it finds
// ledger writes in its window that no recomputation read (the row's recomputedAt is older),
// whatever else wrote the row since.
// Real repository writes and recomputations on both databases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { saveCustomerContact } from "../adapters/db/customer-tier-statements.server.ts";
import { saveOrderSnapshot, saveRefund } from "../adapters/db/ledger-repository.server.ts";
import type { Db } from "../db.server.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { customersWithLostRecompute } from "./reconcile-orders.server.ts";

const SHOP = "lost-recompute.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const customer = (n: number) => `gid://shopify/Customer/${8_100_000_000_000_000 + n}`;
const orderGid = (n: number) => `gid://shopify/Order/${8_200_000_000_000_000 + n}`;

describe.each(DATABASE_KINDS)("lost recomputations on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "lost_recompute");
    db = database.db;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  const place = (n: number, who: string) =>
    saveOrderSnapshot(db, SHOP, { orderId: orderGid(n), customerId: who, processedAt: NOW, updatedAt: NOW, currency: "USD", currentTotalMinor: 250_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, null);
  const recompute = (who: string) => recomputeCustomerTier({ db, shop: SHOP, customerGid: who, cause: "order", now: NOW });

  it("finds customers whose order or refund was stored but never recomputed, and nobody else", async () => {
    const since = new Date(Date.now() - 60_000);
    // 1: stored and recomputed. 2: stored, its recomputation lost (no row at all).
    await place(1, customer(1));
    await recompute(customer(1));
    await place(2, customer(2));
    // 3: stored and recomputed; then a refund recorded whose recomputation was lost.
    await place(3, customer(3));
    await recompute(customer(3));
    await saveRefund(db, SHOP, { refundId: "gid://shopify/Refund/1", orderId: orderGid(3), createdAt: NOW, currency: "USD", transactionsMinor: 100_000, lineItemsMinor: 0, shippingMinor: 0 });
    // The recomputation ran before the refund was recorded (a clock tick apart at least).
    const { recordedAt } = await db.ledgerRefund.findUniqueOrThrow({ where: { shop_refundGid: { shop: SHOP, refundGid: "gid://shopify/Refund/1" } } });
    await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: customer(3) } }, data: { recomputedAt: new Date(recordedAt.getTime() - 1_000) } });
    // 4: stored, recomputation lost, but the customer was redacted since: nothing to repair.
    await place(4, customer(4));
    await db.customer.create({ data: { shop: SHOP, customerGid: customer(4), deletedAt: new Date(Date.now() - 3_600_000), updatedAt: new Date(Date.now() - 3_600_000) } });
    // 5: recomputed, then an order stored whose recomputation was lost, then the row written for
    // something else (a customers/update's contact, the sync's status): still found.
    await place(5, customer(5));
    await recompute(customer(5));
    await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: customer(5) } }, data: { recomputedAt: new Date(Date.now() - 30_000) } });
    await place(6, customer(5));
    await saveCustomerContact(db, SHOP, customer(5), { email: "five@example.com", firstName: "Five", lastName: null, shopifyUpdatedAt: new Date() });
    const until = new Date(Date.now() + 60_000);

    expect(await customersWithLostRecompute(db, SHOP, since, until)).toEqual([customer(2), customer(3), customer(5)]);
    // Outside the window, nothing.
    expect(await customersWithLostRecompute(db, SHOP, new Date(until.getTime() + 1), new Date(until.getTime() + 3_600_000))).toEqual([]);

    // Repaired through the same recomputation: found no more.
    await recompute(customer(2));
    await recompute(customer(3));
    await recompute(customer(5));
    expect(await customersWithLostRecompute(db, SHOP, since, until)).toEqual([]);
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: customer(3) } } })).qualifyingSpend).toBe(150_000);
  });
});
