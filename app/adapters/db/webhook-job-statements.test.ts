// The webhook job's raw statements write exactly what Prisma would: on both
// databases, Prisma reads back the status, the attempt count and a processedAt it
// can compare, and a delivery that is not stored is null.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import { statementCount } from "./statement-driver.server.ts";
import { closeDeliveriesUnlessShopHasTombstones, closeDeliveryUnlessShopHasTombstones, loadStoredDeliveries, loadStoredDelivery, recordDeliveryAttempt } from "./webhook-job-statements.server.ts";

describe.each(DATABASE_KINDS)("webhook job statements on %s", (kind) => {
  let database: TestDatabase;
  const at = new Date("2026-11-25T10:11:12.345Z");

  beforeAll(async () => {
    database = await createTestDatabase(kind, "job_statements");
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-1", shop: "a.myshopify.com", topic: "orders/create", payload: '{"id":1}' } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("loads a stored delivery, and null for one that is not stored", async () => {
    expect(await loadStoredDelivery(database.db, "wh-1", at)).toEqual({ webhookId: "wh-1", shop: "a.myshopify.com", topic: "orders/create", payload: '{"id":1}', status: "received", attempts: 0, startedBefore: false, shopHasTombstones: false });
    expect(await loadStoredDelivery(database.db, "wh-none")).toBeNull();
  });

  it("marks a delivery started as it loads it to run: the next load (another job's) says it was taken up before", async () => {
    // Marked by the load above, with its time; the mark is kept, not moved, by later loads.
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-1" } })).toMatchObject({ startedAt: at });
    expect((await loadStoredDelivery(database.db, "wh-1"))?.startedBefore).toBe(true);
    expect((await loadStoredDeliveries(database.db, ["wh-1"])).get("wh-1")?.startedBefore).toBe(true);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-1" } })).toMatchObject({ startedAt: at });
    // A batch marks each of its rows; a done delivery is not marked.
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-s1", shop: "a.myshopify.com", topic: "orders/paid", payload: "{}" } });
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-s2", shop: "a.myshopify.com", topic: "orders/paid", payload: "{}", status: "processed" } });
    const first = await loadStoredDeliveries(database.db, ["wh-s1", "wh-s2"], at);
    expect([first.get("wh-s1")?.startedBefore, first.get("wh-s2")?.startedBefore]).toEqual([false, false]);
    expect(await database.db.webhookDelivery.findMany({ where: { webhookId: { in: ["wh-s1", "wh-s2"] } }, select: { startedAt: true }, orderBy: { webhookId: "asc" } })).toEqual([{ startedAt: at }, { startedAt: null }]);
    expect((await loadStoredDeliveries(database.db, ["wh-s1"])).get("wh-s1")?.startedBefore).toBe(true);
  });

  it("says whether the delivery's shop has any erasure tombstone, read with the row", async () => {
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-b", shop: "b.myshopify.com", topic: "orders/create", payload: '{"id":2}' } });
    await database.db.erasureTombstone.create({ data: { shop: "b.myshopify.com", digest: "d1", kind: "customer", erasedAt: at } });
    expect((await loadStoredDelivery(database.db, "wh-b"))?.shopHasTombstones).toBe(true);
    // Another shop's tombstone is not this shop's.
    expect((await loadStoredDelivery(database.db, "wh-1"))?.shopHasTombstones).toBe(false);
  });

  it("loads a batch's rows in one statement, each with its shop's tombstone flag; ids without a row are absent", async () => {
    const rows = await loadStoredDeliveries(database.db, ["wh-1", "wh-none", "wh-b", "wh-1"]);
    expect([...rows.keys()].sort()).toEqual(["wh-1", "wh-b"]);
    expect(rows.get("wh-1")).toEqual(await loadStoredDelivery(database.db, "wh-1"));
    expect(rows.get("wh-b")).toMatchObject({ shop: "b.myshopify.com", shopHasTombstones: true });
    // Ids are bound as data, never spliced into the statement.
    expect((await loadStoredDeliveries(database.db, [`wh-1' OR '1'='1`, `"]`])).size).toBe(0);
  });

  it("records a retried attempt (status kept), then the processed end with its time", async () => {
    await recordDeliveryAttempt(database.db, "wh-1", { error: "Redis hiccup", at });
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-1" } })).toMatchObject({ status: "received", attempts: 1, error: "Redis hiccup", processedAt: null });
    await recordDeliveryAttempt(database.db, "wh-1", { status: "processed", error: null, at });
    const row = await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-1" } });
    expect(row).toMatchObject({ status: "processed", attempts: 2, error: null, processedAt: at });
    // Prisma's own filters match the written time.
    expect(await database.db.webhookDelivery.count({ where: { processedAt: { gte: at, lte: at } } })).toBe(1);
    expect((await loadStoredDelivery(database.db, "wh-1"))?.status).toBe("processed");
  });

  it("closes a done delivery in the statement that looks for its shop's tombstones, and only when there is none", async () => {
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-c", shop: "c.myshopify.com", topic: "orders/paid", payload: '{"id":3}' } });
    expect(await closeDeliveryUnlessShopHasTombstones(database.db, "wh-c", "c.myshopify.com", { status: "processed", at })).toBe(true);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-c" } })).toMatchObject({ status: "processed", attempts: 1, error: null, processedAt: at });
    expect(await database.db.webhookDelivery.count({ where: { processedAt: { gte: at, lte: at }, webhookId: "wh-c" } })).toBe(1);
    // Shop b has a tombstone (above): nothing is recorded, the caller looks for its subjects.
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-b2", shop: "b.myshopify.com", topic: "orders/paid", payload: '{"id":4}' } });
    expect(await closeDeliveryUnlessShopHasTombstones(database.db, "wh-b2", "b.myshopify.com", { status: "processed", at })).toBe(false);
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-b2" } })).toMatchObject({ status: "received", attempts: 0, processedAt: null });
    // A row that is gone (shop/redact) records nothing either.
    expect(await closeDeliveryUnlessShopHasTombstones(database.db, "wh-none", "c.myshopify.com", { status: "skipped", at })).toBe(false);
  });

  it("closes many deliveries of mixed shops in one statement, each unless its own shop has a tombstone, and says which", async () => {
    for (const [webhookId, shop] of [["wh-m1", "c.myshopify.com"], ["wh-m2", "d.myshopify.com"], ["wh-m3", "b.myshopify.com"]]) {
      await database.db.webhookDelivery.create({ data: { webhookId, shop, topic: "orders/paid", payload: "{}" } });
    }
    const ends = [{ webhookId: "wh-m1", status: "skipped" }, { webhookId: "wh-m2", status: "processed" }, { webhookId: "wh-m3", status: "processed" }, { webhookId: "wh-none", status: "skipped" }] as const;
    const before = statementCount.hotPath;
    const closed = await closeDeliveriesUnlessShopHasTombstones(database.db, ends, at);
    expect(statementCount.hotPath - before).toBe(1);
    expect([...closed].sort()).toEqual(["wh-m1", "wh-m2"]);
    expect(await database.db.webhookDelivery.findMany({ where: { webhookId: { in: ["wh-m1", "wh-m2"] } }, orderBy: { webhookId: "asc" }, select: { status: true, attempts: true, processedAt: true } })).toEqual([
      { status: "skipped", attempts: 1, processedAt: at },
      { status: "processed", attempts: 1, processedAt: at },
    ]);
    // Shop b has a tombstone: its row is left for the caller.
    expect(await database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "wh-m3" } })).toMatchObject({ status: "received", attempts: 0 });
    expect((await closeDeliveriesUnlessShopHasTombstones(database.db, [], at)).size).toBe(0);
  });
});
