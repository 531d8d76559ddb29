// The reconciliation's repairs of the promise flow, on SQLite and PostgreSQL: which paid orders of
// the ledger it asks a promise for (paid, uncancelled, not erased, since the install and within
// the window, without one; only its own shop's), and which refused writes it gives another go.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { FAILED_WRITE_ATTEMPTS, LOST_PROMISE_WINDOW_MS, reconcileOrderPromises } from "./reconcile-order-promises.server.ts";

const SHOP = "lost-promises.myshopify.com";
const OTHER = "lost-promises-other.myshopify.com";
const NOW = new Date("2026-11-24T15:00:00Z");
const INSTALLED = new Date(NOW.getTime() - 3 * 24 * 3_600_000);
const HOUR = 3_600_000;
const order = (n: number) => `gid://shopify/Order/${n}`;

describe.each(DATABASE_KINDS)("the reconciliation's promise repairs on %s", (kind) => {
  let database: TestDatabase;

  const ledger = (shop: string, n: number, processedAt: Date, extra: { financialStatus?: string | null; cancelledAt?: Date; deletedAt?: Date } = {}) =>
    database.db.ledgerOrder.create({
      data: { shop, orderGid: order(n), processedAt, orderUpdatedAt: processedAt, currencyCode: "USD", currentTotal: 1000, financialStatus: "paid", ...extra },
    });
  const promise = (n: number, data: Record<string, unknown> = {}) =>
    database.db.orderPromise.create({
      data: { shop: SHOP, orderGid: order(n), tierKey: "bronze", laneKey: "standard_batch", orderedAt: NOW, intakeDay: "2026-11-24", shipByEarliest: new Date(NOW.getTime() + 100 * HOUR), shipBy: new Date(NOW.getTime() + 200 * HOUR), shipByDay: "2026-12-02", ...data },
    });

  beforeAll(async () => {
    database = await createTestDatabase(kind, "lostpromises");
    for (const domain of [SHOP, OTHER]) await database.db.shop.create({ data: { domain, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", installedAt: INSTALLED } });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("asks a promise for paid, uncancelled orders since the install without one, and for nothing else", async () => {
    const after = new Date(INSTALLED.getTime() + HOUR);
    await ledger(SHOP, 1, after); // paid, no promise: lost
    await ledger(SHOP, 2, new Date(NOW.getTime() - HOUR), { financialStatus: "partially_refunded" }); // lost too
    await ledger(SHOP, 3, new Date(INSTALLED.getTime() - HOUR)); // history from before the install
    await ledger(SHOP, 4, after, { financialStatus: "pending" }); // not paid yet
    await ledger(SHOP, 5, after, { financialStatus: null }); // payment state never recorded
    await ledger(SHOP, 6, after, { cancelledAt: NOW }); // cancelled
    await ledger(SHOP, 7, after, { deletedAt: NOW }); // deleted
    await ledger(SHOP, 8, after); // promised already
    await promise(8);
    await ledger(OTHER, 9, after); // another shop's
    let asked: string[] = [];
    const result = await reconcileOrderPromises(database.db, SHOP, NOW, async () => {}, async (gids) => {
      asked = gids;
      return gids.length;
    });
    expect(asked.sort()).toEqual([order(1), order(2)]);
    expect(result.lostPromisesRequested).toBe(2);
  });

  it("looks back a week at most, even for a shop installed long ago", async () => {
    const longAgo = new Date(NOW.getTime() - 90 * 24 * HOUR);
    await database.db.shop.update({ where: { domain: OTHER }, data: { installedAt: longAgo } });
    await ledger(OTHER, 20, new Date(NOW.getTime() - LOST_PROMISE_WINDOW_MS - HOUR)); // older than the window
    await ledger(OTHER, 21, new Date(NOW.getTime() - LOST_PROMISE_WINDOW_MS + HOUR));
    let asked: string[] = [];
    await reconcileOrderPromises(database.db, OTHER, NOW, async () => {}, async (gids) => {
      asked = gids;
      return gids.length;
    });
    expect(asked.sort()).toEqual([order(21), order(9)].sort());
  });

  it("gives refused writes of open promises another go, a few times: whole when never written, the deadline when written before", async () => {
    await promise(30, { writeStatus: "failed", writeAttempts: 1, deadlineFulfillmentOrders: JSON.stringify(["gid://shopify/FulfillmentOrder/1"]) });
    await promise(31, { writeStatus: "failed", writeAttempts: 2, writtenAt: NOW });
    await promise(32, { writeStatus: "failed", writeAttempts: FAILED_WRITE_ATTEMPTS });
    await promise(33, { writeStatus: "failed", writeAttempts: 1, status: "cancelled", cancelledAt: NOW });
    let writes = 0;
    const result = await reconcileOrderPromises(database.db, SHOP, NOW, async () => {
      writes++;
    });
    expect(result.failedWritesRetried).toBe(2);
    expect(writes).toBe(1);
    const rows = await database.db.orderPromise.findMany({ where: { shop: SHOP, orderGid: { in: [30, 31, 32, 33].map(order) } }, orderBy: { orderGid: "asc" }, select: { orderGid: true, writeStatus: true, deadlineFulfillmentOrders: true } });
    expect(rows).toEqual([
      { orderGid: order(30), writeStatus: "pending", deadlineFulfillmentOrders: "[]" },
      { orderGid: order(31), writeStatus: "refit", deadlineFulfillmentOrders: "[]" },
      { orderGid: order(32), writeStatus: "failed", deadlineFulfillmentOrders: "[]" },
      { orderGid: order(33), writeStatus: "failed", deadlineFulfillmentOrders: "[]" },
    ]);
  });
});
