// The hot path's prepared statements against migrated SQLite and PostgreSQL: every
// column they name (from Prisma's datamodel and the mapping functions) exists with
// the type the schema gives it; what they write reads back through Prisma exactly;
// concurrent order events for one order never fail; orders/paid after orders/create
// asks for one recomputation; a round's saves are one statement that skips rows
// that moved on.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import type { OrderSnapshot, RefundRecord } from "../../domain/order-ledger.ts";
import { applyOrderWebhook } from "../../use-cases/apply-order-webhook.server.ts";
import { stateFields } from "../../use-cases/recompute-customer-tier.server.ts";
import type { WebhookContext } from "../../use-cases/webhook-context.ts";
import { parseWebhookPayload } from "../shopify/lossless-json.ts";
import { webhookSubjects } from "../shopify/webhook-subjects.ts";
import {
  insertCustomerState, loadCustomerRow, loadRecomputeInputs, loadRecomputeInputsOfCustomers, saveCustomerContact, saveCustomerContacts, saveCustomerState, saveCustomerStateAndChange,
} from "./customer-tier-statements.server.ts";
import { saveCustomerRows } from "./customer-sync-statements.server.ts";
import { modelColumns, type ModelName } from "./hot-path-sql.server.ts";
import { loadCustomerLedger, refundRow, rowFields, saveOrderSnapshot, saveOrderSnapshots, saveRefund } from "./ledger-repository.server.ts";
import { statementCount } from "./statement-driver.server.ts";
import {
  bookPromise, cancelOpenPromise, loadBulkOperationOwner, loadDuePromises, loadPromiseContext, loadPromiseContexts, loadPromisesAwaitingTags, ordersWithShipmentLines, settleTaggedPromises,
} from "./order-promise-statements.server.ts";
import { saveVersionedRows } from "./customer-sync-statements.server.ts";

const SHOP = "hot-path.myshopify.com";
const MODELS: ModelName[] = ["WebhookDelivery", "LedgerOrder", "LedgerRefund", "Customer", "TierChange", "TierSettings", "Shop", "OrderPromise", "PromiseSettings", "SkuReplenishment", "PromiseShipmentLine"];
const EXPECTED_TYPE: Record<string, Record<string, RegExp>> = {
  sqlite: { String: /^TEXT$/i, Int: /^INTEGER$/i, DateTime: /^DATETIME$/i, Boolean: /^BOOLEAN$/i },
  postgresql: { String: /^text$/, Int: /^integer$/, DateTime: /^timestamp without time zone$/, Boolean: /^boolean$/ },
};

const snapshot = (over: Partial<OrderSnapshot> = {}): OrderSnapshot => ({
  orderId: "gid://shopify/Order/1001",
  customerId: "gid://shopify/Customer/7",
  processedAt: new Date("2026-11-01T10:00:00.000Z"),
  updatedAt: new Date("2026-11-01T10:00:01.000Z"),
  currency: "USD",
  currentTotalMinor: 12_345,
  currentShippingMinor: 500,
  currentTaxMinor: 0,
  cancelledAt: null,
  test: false,
  financialStatus: "paid",
  outstandingMinor: 0,
  giftCardLinesMinor: 0,
  tipMinor: 0,
  dutiesMinor: 0,
  taxesIncluded: false,
  currentShippingTaxMinor: 0,
  ...over,
});

describe.each(DATABASE_KINDS)("hot-path statements on %s", (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind, "hot_path");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("name only columns the migrated schema has, each with the type Prisma's schema gives it", async () => {
    const db = database.db;
    for (const model of MODELS) {
      const actual = new Map<string, string>();
      if (kind === "sqlite") {
        for (const c of await db.$queryRawUnsafe<{ name: string; type: string }[]>(`PRAGMA table_info("${model}")`)) actual.set(c.name, c.type);
      } else {
        const rows = await db.$queryRawUnsafe<{ column_name: string; data_type: string }[]>(
          `SELECT column_name::text AS column_name, data_type::text AS data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
          model,
        );
        for (const c of rows) actual.set(c.column_name, c.data_type);
      }
      for (const [column, type] of modelColumns(model)) {
        expect(actual.get(column), `${model}.${column}`).toMatch(EXPECTED_TYPE[kind][type]);
      }
    }
    // The mapping functions the statements take their columns from name model columns only.
    const orderColumns = modelColumns("LedgerOrder");
    for (const column of Object.keys(rowFields(snapshot()))) expect(orderColumns.has(column), `LedgerOrder.${column}`).toBe(true);
    const refund: RefundRecord = { refundId: "gid://shopify/Refund/1", orderId: "gid://shopify/Order/1001", createdAt: new Date(), currency: "USD", transactionsMinor: 1, lineItemsMinor: 1, shippingMinor: 0 };
    for (const column of Object.keys(refundRow(SHOP, refund))) expect(modelColumns("LedgerRefund").has(column), `LedgerRefund.${column}`).toBe(true);
    for (const column of Object.keys(stateFields({ tierKey: null, tierSince: null, grace: null, pin: null }))) expect(modelColumns("Customer").has(column), `Customer.${column}`).toBe(true);
  });

  it("writes what Prisma reads back exactly, and loads it back as the domain's ledger", async () => {
    const db = database.db;
    // Every money-state column away from its default, so each one is seen to round-trip.
    const order = snapshot({
      orderId: "gid://shopify/Order/2001", test: true, cancelledAt: new Date("2026-11-02T00:00:00.123Z"),
      financialStatus: "partially_paid", outstandingMinor: 1_000, giftCardLinesMinor: 2_000, tipMinor: 150, dutiesMinor: 700, taxesIncluded: true, currentShippingTaxMinor: 83,
    });
    expect(await saveOrderSnapshot(db, SHOP, order, "#2001")).toMatchObject({ stored: true });
    const row = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: order.orderId } } });
    expect(row).toMatchObject({ name: "#2001", ...rowFields(order) });
    const refund: RefundRecord = { refundId: "gid://shopify/Refund/9", orderId: order.orderId, createdAt: new Date("2026-11-03T00:00:00.000Z"), currency: "USD", transactionsMinor: 300, lineItemsMinor: 300, shippingMinor: 0 };
    expect(await saveRefund(db, SHOP, refund)).toBe(true);
    expect(await saveRefund(db, SHOP, refund)).toBe(false);
    const ledger = await loadCustomerLedger(db, SHOP, order.customerId!);
    expect(ledger.orders[order.orderId].snapshot).toEqual(order);
    expect(ledger.orders[order.orderId].refunds[refund.refundId]).toEqual(refund);
    expect(ledger.redactedCustomerIds).toEqual({});
    // A recomputation's inputs (one round trip on PostgreSQL) are the same ledger and the row Prisma reads.
    await db.customer.create({ data: { shop: SHOP, customerGid: order.customerId!, tierKey: "silver", tierSince: new Date("2026-10-01T00:00:00.5Z"), qualifyingSpend: 1 } });
    const inputs = await loadRecomputeInputs(db, SHOP, order.customerId!);
    expect(inputs.ledger).toEqual(ledger);
    expect(inputs.customer?.row).toEqual(await db.customer.findUnique({ where: { shop_customerGid: { shop: SHOP, customerGid: order.customerId! } } }));
    expect(inputs.rules.currency).toBe("USD");
    // The recomputation's first look for erasure tombstones is read with its inputs: this shop's only.
    expect(inputs.shopHasTombstones).toBe(false);
    await db.erasureTombstone.create({ data: { shop: "other.myshopify.com", digest: "x", kind: "customer" } });
    expect((await loadRecomputeInputs(db, SHOP, order.customerId!)).shopHasTombstones).toBe(false);
    await db.erasureTombstone.create({ data: { shop: SHOP, digest: "y", kind: "order" } });
    expect((await loadRecomputeInputs(db, SHOP, order.customerId!)).shopHasTombstones).toBe(true);
    await db.erasureTombstone.deleteMany({ where: { digest: { in: ["x", "y"] } } });
    // Several members' inputs (a webhook batch's ordering customers): each as its own read gives it, in one statement on PostgreSQL.
    const members = [order.customerId!, "gid://shopify/Customer/no-row-yet", order.customerId!];
    const before = statementCount.hotPath;
    const several = await loadRecomputeInputsOfCustomers(db, SHOP, members);
    if (kind === "postgresql") expect(statementCount.hotPath - before).toBe(1);
    expect([...several.keys()].sort()).toEqual([...new Set(members)].sort());
    for (const member of new Set(members)) expect(several.get(member)).toEqual(await loadRecomputeInputs(db, SHOP, member));
    expect(several.get(order.customerId!)!.ledger!.orders).not.toEqual({});
    expect(await loadRecomputeInputsOfCustomers(db, SHOP, [])).toEqual(new Map());
  });

  it("concurrent events for one order never fail, and the newest version wins whatever the order", async () => {
    const db = database.db;
    const versions = Array.from({ length: 12 }, (_, i) =>
      snapshot({ orderId: "gid://shopify/Order/3001", updatedAt: new Date(Date.UTC(2026, 10, 1, 10, 0, i)), currentTotalMinor: 10_000 + i }),
    );
    const shuffled = [...versions].sort((a, b) => ((a.currentTotalMinor * 7919) % 13) - ((b.currentTotalMinor * 7919) % 13));
    await Promise.all(shuffled.map((v) => saveOrderSnapshot(db, SHOP, v, null)));
    const row = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: "gid://shopify/Order/3001" } } });
    expect(row.currentTotal).toBe(10_011);
  });

  it("a newer version of a stored order is written in one statement on PostgreSQL (the write over the row it read), three on SQLite", async () => {
    const db = database.db;
    const first = snapshot({ orderId: "gid://shopify/Order/3101", currentTotalMinor: 5_000 });
    expect((await saveOrderSnapshot(db, SHOP, first, "#3101")).stored).toBe(true);
    const before = statementCount.hotPath;
    const newer = snapshot({ orderId: "gid://shopify/Order/3101", currentTotalMinor: 6_000, updatedAt: new Date(first.updatedAt.getTime() + 1_000) });
    expect(await saveOrderSnapshot(db, SHOP, newer, null)).toMatchObject({ stored: true, previousCustomerGid: first.customerId, countsChanged: true });
    expect(statementCount.hotPath - before).toBe(kind === "postgresql" ? 1 : 3);
    const row = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: "gid://shopify/Order/3101" } } });
    expect(row).toMatchObject({ currentTotal: 6_000, name: "#3101" });
    // The same version again: read, nothing written.
    expect(await saveOrderSnapshot(db, SHOP, newer, null)).toMatchObject({ stored: false, countsChanged: false });
  });

  it("a newer version reports whose the order was and what moved, and takes a version after the one it replaced", async () => {
    const db = database.db;
    const orderId = "gid://shopify/Order/3201";
    const first = snapshot({ orderId, customerId: "gid://shopify/Customer/71", currentTotalMinor: 5_000 });
    // Stored with a version ahead of the clock (another process's clock ran fast).
    const ahead = new Date(Date.now() + 60_000);
    expect(await saveOrderSnapshot(db, SHOP, first, "#3201", ahead)).toMatchObject({ stored: true, previousCustomerGid: null, countsChanged: true });
    // Newer, moved to another customer: the previous owner is named so their spend is recomputed.
    const moved = { ...first, customerId: "gid://shopify/Customer/72", updatedAt: new Date(first.updatedAt.getTime() + 1_000) };
    expect(await saveOrderSnapshot(db, SHOP, moved, null)).toEqual({ stored: true, previousCustomerGid: "gid://shopify/Customer/71", countsChanged: true });
    const row = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: orderId } } });
    expect(row).toMatchObject({ customerGid: "gid://shopify/Customer/72", name: "#3201" });
    expect(row.updatedAt.getTime()).toBe(ahead.getTime() + 1);
    // Newer again with nothing that counts moved (the echo of a tag write): stored, countsChanged false.
    const echo = { ...moved, updatedAt: new Date(moved.updatedAt.getTime() + 1_000) };
    expect(await saveOrderSnapshot(db, SHOP, echo, "#3201")).toEqual({ stored: true, previousCustomerGid: "gid://shopify/Customer/72", countsChanged: false });
    // Older than what is stored: nothing written.
    expect(await saveOrderSnapshot(db, SHOP, { ...first, currentTotalMinor: 1 }, null)).toEqual({ stored: false, previousCustomerGid: "gid://shopify/Customer/72", countsChanged: false });
    expect((await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: orderId } } })).orderUpdatedAt).toEqual(echo.updatedAt);
    // A deleted order keeps its tombstone whatever version comes.
    await db.ledgerOrder.update({ where: { shop_orderGid: { shop: SHOP, orderGid: orderId } }, data: { deletedAt: new Date() } });
    const later = { ...echo, currentTotalMinor: 9_999, updatedAt: new Date(echo.updatedAt.getTime() + 1_000) };
    expect(await saveOrderSnapshot(db, SHOP, later, null)).toMatchObject({ stored: false, countsChanged: false });
    expect((await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: orderId } } })).currentTotal).toBe(5_000);
  });

  it("orders/paid after orders/create (same amounts, newer version) asks for no second recomputation", async () => {
    const sample = JSON.parse(readFileSync(new URL("../../../simulator/reference/webhooks/orders_create.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const requests: string[][] = [];
    const ctx = (topic: string, payload: unknown): WebhookContext => ({
      db: database.db, shop: SHOP, topic, webhookId: `w-${topic}`, payload, now: new Date(),
      requestTierRecompute: async (gids) => void requests.push(gids),
      schedulePurge: async () => {},
    });
    // A checkout paid at once: orders/create already says paid; orders/paid is the same order, newer.
    const created: Record<string, unknown> = { ...sample, financial_status: "paid", total_outstanding: "0.00", customer: { ...(sample.customer as object), admin_graphql_api_id: "gid://shopify/Customer/4242" } };
    await applyOrderWebhook(ctx("orders/create", created));
    const paid = { ...created, updated_at: new Date(Date.parse(String(created.updated_at)) + 5_000).toISOString() };
    await applyOrderWebhook(ctx("orders/paid", paid));
    expect(requests).toEqual([["gid://shopify/Customer/4242"]]);
    // An order placed unpaid (cash on delivery) and paid later changes what counts: that asks again.
    const pending: Record<string, unknown> = { ...created, id: 4243, admin_graphql_api_id: "gid://shopify/Order/4243", financial_status: "pending", total_outstanding: created.current_total_price };
    requests.length = 0;
    await applyOrderWebhook(ctx("orders/create", pending));
    await applyOrderWebhook(ctx("orders/paid", { ...pending, financial_status: "paid", total_outstanding: "0.00", updated_at: paid.updated_at }));
    expect(requests).toEqual([["gid://shopify/Customer/4242"], ["gid://shopify/Customer/4242"]]);
  });

  it("a hot-path write made while a Prisma transaction is open on the shared connection does not join it", async () => {
    const db = database.db;
    const refund: RefundRecord = { refundId: "gid://shopify/Refund/77", orderId: "gid://shopify/Order/7700", createdAt: new Date("2026-11-03T00:00:00.000Z"), currency: "USD", transactionsMinor: 1, lineItemsMinor: 1, shippingMinor: 0 };
    let hotPathWrite: Promise<boolean> | null = null;
    await db
      .$transaction(async (tx) => {
        await tx.tierSettings.create({ data: { shop: "rolled-back.myshopify.com", rules: "{}" } });
        hotPathWrite = saveRefund(db, SHOP, refund);
        await new Promise((r) => setTimeout(r, 20));
        throw new Error("roll back");
      })
      .catch(() => {});
    expect(await hotPathWrite).toBe(true);
    expect(await db.tierSettings.count({ where: { shop: "rolled-back.myshopify.com" } })).toBe(0);
    expect(await db.ledgerRefund.count({ where: { shop: SHOP, refundGid: refund.refundId } })).toBe(1);
  });

  it("a member's save names only the columns that changed (an index on an unchanged one is left alone), and stays a compare-and-set", async () => {
    const db = database.db;
    const gid = "gid://shopify/Customer/555";
    const now = new Date("2026-11-06T00:00:00.000Z");
    const state = { tierKey: "silver", tierSince: now, graceUntil: null, downgradeTierKey: null, graceReason: null, pinnedTierKey: null, pinnedUntil: null, qualifyingSpend: 60_000, qualifyingOrders: 3, reviewAt: null, syncStatus: "pending" };
    expect(await insertCustomerState(db, SHOP, gid, state, now)).toBe(true);
    // A trigger that fires only when the statement names "tierKey" (whatever the value): the sign of its index being rewritten.
    if (kind === "sqlite") {
      await db.$executeRawUnsafe(`CREATE TABLE "TierKeyNamed" ("customerGid" TEXT)`);
      await db.$executeRawUnsafe(`CREATE TRIGGER "tier_key_named" AFTER UPDATE OF "tierKey" ON "Customer" BEGIN INSERT INTO "TierKeyNamed" VALUES (NEW."customerGid"); END`);
    } else {
      await db.$executeRawUnsafe(`CREATE TABLE "TierKeyNamed" ("customerGid" TEXT)`);
      await db.$executeRawUnsafe(`CREATE FUNCTION tier_key_named() RETURNS trigger AS $$ BEGIN INSERT INTO "TierKeyNamed" VALUES (NEW."customerGid"); RETURN NEW; END $$ LANGUAGE plpgsql`);
      await db.$executeRawUnsafe(`CREATE TRIGGER "tier_key_named" AFTER UPDATE OF "tierKey" ON "Customer" FOR EACH ROW EXECUTE FUNCTION tier_key_named()`);
    }
    const named = async () => Number((await db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT COUNT(*) AS n FROM "TierKeyNamed"`))[0].n);
    const loaded = (await loadCustomerRow(db, SHOP, gid))!;
    // Spend moved within the tier: the tier's column is not named.
    expect(await saveCustomerState(db, SHOP, gid, { ...state, qualifyingSpend: 61_000, qualifyingOrders: 4 }, loaded, new Date())).toBe(true);
    expect(await named()).toBe(0);
    expect(await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).toMatchObject({ tierKey: "silver", qualifyingSpend: 61_000, qualifyingOrders: 4, syncStatus: "pending" });
    // The version read is gone: the compare-and-set refuses, even with nothing but the version to write.
    expect(await saveCustomerState(db, SHOP, gid, state, loaded, new Date())).toBe(false);
    // A tier change names it.
    const reloaded = (await loadCustomerRow(db, SHOP, gid))!;
    expect(await saveCustomerState(db, SHOP, gid, { ...state, tierKey: "gold", qualifyingSpend: 61_000, qualifyingOrders: 4 }, reloaded, new Date())).toBe(true);
    expect(await named()).toBe(1);
  });

  it("a tier change's state and history row are saved together or not at all", async () => {
    const db = database.db;
    const gid = "gid://shopify/Customer/556";
    const now = new Date("2026-11-06T00:00:00.000Z");
    const state = { tierKey: "silver", tierSince: now, graceUntil: null, downgradeTierKey: null, graceReason: null, pinnedTierKey: null, pinnedUntil: null, qualifyingSpend: 60_000, qualifyingOrders: 3, reviewAt: null, syncStatus: "pending" };
    expect(await insertCustomerState(db, SHOP, gid, state, now)).toBe(true);
    const change = { shop: SHOP, customerGid: gid, fromTier: "silver", toTier: "gold", reason: "order", spend: 210_000, occurredAt: now };
    // The history row cannot be written (a reason is required): the state stays as it was.
    const loaded = (await loadCustomerRow(db, SHOP, gid))!;
    await expect(saveCustomerStateAndChange(db, SHOP, gid, { ...state, tierKey: "gold" }, loaded, new Date(), { ...change, reason: null as unknown as string })).rejects.toThrow();
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).tierKey).toBe("silver");
    expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: gid } })).toBe(0);
    // Both, when both can be: on PostgreSQL in one statement, on SQLite two in a transaction.
    const saving = statementCount.hotPath;
    expect(await saveCustomerStateAndChange(db, SHOP, gid, { ...state, tierKey: "gold" }, loaded, new Date(), change)).toBe(true);
    expect(statementCount.hotPath - saving).toBe(kind === "postgresql" ? 1 : 2);
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).tierKey).toBe("gold");
    expect(await db.tierChange.findMany({ where: { shop: SHOP, customerGid: gid }, select: { fromTier: true, toTier: true } })).toEqual([{ fromTier: "silver", toTier: "gold" }]);
    // A version read before that save: nothing written, no history row either.
    expect(await saveCustomerStateAndChange(db, SHOP, gid, { ...state, tierKey: "bronze" }, loaded, new Date(), { ...change, fromTier: "silver", toTier: "bronze" })).toBe(false);
    expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: gid } })).toBe(1);
    // A new member's first tier: its row and its history row, together; a second insert of the row writes neither.
    const newcomer = "gid://shopify/Customer/557";
    const first = { ...change, customerGid: newcomer, fromTier: null, toTier: "silver" };
    expect(await saveCustomerStateAndChange(db, SHOP, newcomer, state, null, now, first)).toBe(true);
    expect(await saveCustomerStateAndChange(db, SHOP, newcomer, state, null, now, first)).toBe(false);
    expect(await db.tierChange.findMany({ where: { shop: SHOP, customerGid: newcomer }, select: { fromTier: true, toTier: true, spend: true, occurredAt: true } })).toEqual([{ fromTier: null, toTier: "silver", spend: 210_000, occurredAt: now }]);
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: newcomer } } })).tierKey).toBe("silver");
  });

  it("a round's saves are one statement, and a row that moved on meanwhile is left as it is", async () => {
    const db = database.db;
    const at = new Date("2026-11-05T00:00:00.000Z");
    await db.customer.createMany({ data: [1, 2, 3].map((n) => ({ shop: SHOP, customerGid: `gid://shopify/Customer/${n}`, tierKey: "gold", syncStatus: "pending" })) });
    const rows = await db.customer.findMany({ where: { shop: SHOP, customerGid: { in: [1, 2, 3].map((n) => `gid://shopify/Customer/${n}`) } }, orderBy: { customerGid: "asc" } });
    // Customer 2 changes after the round read it.
    await new Promise((r) => setTimeout(r, 5));
    expect(await saveCustomerContact(db, SHOP, "gid://shopify/Customer/2", { email: "b@example.com", firstName: null, lastName: null, shopifyUpdatedAt: at })).toBe("UPDATED");
    const before = statementCount.hotPath;
    const saved = await saveCustomerRows(db, SHOP, rows.map((r) => ({ customerGid: r.customerGid, version: r.updatedAt, data: { writtenTierTag: "tierline:gold", syncStatus: "synced", syncDueAt: null } })));
    expect(statementCount.hotPath - before).toBe(1);
    expect([...saved.keys()].sort()).toEqual(["gid://shopify/Customer/1", "gid://shopify/Customer/3"]);
    const after = await db.customer.findMany({ where: { shop: SHOP, customerGid: { in: [1, 2, 3].map((n) => `gid://shopify/Customer/${n}`) } }, orderBy: { customerGid: "asc" } });
    expect(after.map((r) => [r.syncStatus, r.writtenTierTag])).toEqual([["synced", "tierline:gold"], ["pending", null], ["synced", "tierline:gold"]]);
    expect(after[0].updatedAt).toEqual(saved.get("gid://shopify/Customer/1"));
    // An older customers/update changes nothing; a deleted member keeps its tombstone.
    expect(await saveCustomerContact(db, SHOP, "gid://shopify/Customer/2", { email: "old@example.com", firstName: null, lastName: null, shopifyUpdatedAt: new Date(at.getTime() - 1_000) })).toBe("NOT_NEWER");
    await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: "gid://shopify/Customer/3" } }, data: { deletedAt: at } });
    expect(await saveCustomerContact(db, SHOP, "gid://shopify/Customer/3", { email: "c@example.com", firstName: null, lastName: null, shopifyUpdatedAt: new Date(at.getTime() + 1_000) })).toBe("DELETED");
    expect(await saveCustomerContact(db, SHOP, "gid://shopify/Customer/99", { email: "n@example.com", firstName: "N", lastName: null, shopifyUpdatedAt: at })).toBe("INSERTED");
  });

  it("a promise's statements: its context in one, its booking under the shop's lock, its write saved per round in one; all read back as Prisma reads them", async () => {
    const db = database.db;
    const shop = "promise-hot.myshopify.com";
    const buyer = "gid://shopify/Customer/880";
    const orderedAt = new Date("2026-11-10T12:00:00.250Z");
    await db.shop.create({ data: { domain: shop, currencyCode: "EUR", ianaTimezone: "Europe/Berlin", countryCode: "DE" } });
    await db.tierChange.createMany({
      data: [
        { shop, customerGid: buyer, fromTier: null, toTier: "silver", reason: "order", spend: 1, occurredAt: new Date("2026-11-01T00:00:00Z") },
        { shop, customerGid: buyer, fromTier: "silver", toTier: "gold", reason: "order", spend: 2, occurredAt: new Date(orderedAt.getTime() + 1) },
      ],
    });
    const before = statementCount.hotPath;
    const context = await loadPromiseContext(db, shop, "gid://shopify/Order/880", buyer, orderedAt);
    expect(statementCount.hotPath - before).toBe(1);
    // The tier held just before the order, not the one it earned.
    expect(context).toMatchObject({ existing: null, heldTierKey: "silver", tierSettings: { rules: null, currencyCode: "EUR" }, shopHasTombstones: false });
    expect(context.settingsStamp).toMatchObject({ settingsVersion: null, ianaTimezone: "Europe/Berlin", countryCode: "DE" });
    expect((await loadPromiseContext(db, shop, "gid://shopify/Order/880", null, orderedAt)).heldTierKey).toBeNull();

    const now = new Date("2026-11-10T12:00:01.000Z");
    const row = {
      shop, orderGid: "gid://shopify/Order/880", orderName: "#880 O'Brien \\ \"x\" ?", customerGid: buyer, destinationCountry: "DE", destinationProvince: null,
      tierKey: "silver", laneKey: "standard", orderedAt, intakeDay: "2026-11-10", shipByEarliest: new Date("2026-11-11T16:00:00Z"), shipBy: new Date("2026-11-12T16:00:00.500Z"), shipByDay: "2026-11-12",
      arriveZone: null, arriveEarliestDay: null, arriveLatestDay: null, adjustments: "[]", conflict: null, overdueWhenMade: true, rulesVersion: 3, madeAt: now,
      writeStatus: "pending", deadlineFulfillmentOrders: JSON.stringify(["gid://shopify/FulfillmentOrder/1"]), updatedAt: now,
    };
    for (const column of Object.keys(row)) expect(modelColumns("OrderPromise").has(column), `OrderPromise.${column}`).toBe(true);
    await db.ledgerOrder.create({ data: { shop, orderGid: "gid://shopify/Order/881", customerGid: buyer, processedAt: now, orderUpdatedAt: now, currencyCode: "EUR", currentTotal: 1, cancelledAt: now } });
    // The insert goes out with the commit (PostgreSQL: its values as literals, quotes and backslashes too).
    const booking = statementCount.hotPath;
    const seen = await bookPromise(db, shop, row.orderGid, { laneKey: "standard", fromDay: "2026-11-10" }, async (view) => {
      expect(view).toMatchObject({ made: null, cancelled: false, laneBookings: {} });
      view.insert(row);
      return "booked";
    });
    expect(seen).toBe("booked");
    expect(statementCount.hotPath - booking).toBe(2);
    const stored = await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: row.orderGid } } });
    expect(stored).toMatchObject({ ...row, status: "open", writeAttempts: 0, writtenAt: null });
    expect((await loadPromiseContext(db, shop, row.orderGid, buyer, orderedAt)).existing).toEqual({ tierKey: "silver", laneKey: "standard", shipBy: row.shipBy, shippedAt: null, status: "open" });
    // Several orders' contexts (a webhook batch's paid orders): each as its own read gives it, in one statement on PostgreSQL.
    const several = [
      { orderGid: row.orderGid, customerGid: buyer, orderedAt },
      { orderGid: "gid://shopify/Order/882", customerGid: buyer, orderedAt: new Date(orderedAt.getTime() + 10) },
      { orderGid: "gid://shopify/Order/883", customerGid: null, orderedAt },
      { orderGid: "gid://shopify/Order/884", customerGid: "gid://shopify/Customer/889", orderedAt },
    ];
    const contextsAt = statementCount.hotPath;
    const contexts = await loadPromiseContexts(db, shop, several);
    if (kind === "postgresql") expect(statementCount.hotPath - contextsAt).toBe(1);
    const each = new Map<string, unknown>();
    for (const o of several) each.set(o.orderGid, await loadPromiseContext(db, shop, o.orderGid, o.customerGid, o.orderedAt));
    expect(Object.fromEntries(contexts)).toEqual(Object.fromEntries(each));
    expect([...contexts.values()].map((c) => [c.existing?.tierKey ?? null, c.heldTierKey])).toEqual([["silver", "silver"], [null, "gold"], [null, null], [null, null]]);
    expect(await loadPromiseContexts(db, shop, [])).toEqual(new Map());
    // Under the lock, in one statement (PostgreSQL: after BEGIN and the lock, one round trip): the
    // made promise, the ledger's cancellation, the lane's bookings per day from the day asked for.
    const underLock = statementCount.hotPath;
    await bookPromise(db, shop, "gid://shopify/Order/881", { laneKey: "standard", fromDay: "2026-11-12" }, async (booking) => {
      expect(statementCount.hotPath - underLock).toBe(1);
      expect(booking.made).toBeNull();
      expect(booking.cancelled).toBe(true);
      expect(booking.laneBookings).toEqual({ "2026-11-12": 1 });
    });
    for (const lane of [{ laneKey: "standard", fromDay: "2026-11-13" }, { laneKey: "express", fromDay: "2026-11-10" }]) {
      await bookPromise(db, shop, "gid://shopify/Order/881", lane, async (booking) => expect(booking.laneBookings).toEqual({}));
    }
    // The order's own place is not among its lane's bookings (a recompute gives it back before booking again).
    await bookPromise(db, shop, row.orderGid, { laneKey: "standard", fromDay: "2026-11-10" }, async (booking) => {
      expect(booking.made).toMatchObject({ laneKey: "standard", status: "open" });
      expect(booking.laneBookings).toEqual({});
    });
    // Bookings started together on one client take turns (SQLite: one connection, one transaction at a time).
    const together = await Promise.all(
      Array.from({ length: 8 }, (_, i) => bookPromise(db, shop, `gid://shopify/Order/89${i}`, { laneKey: "standard", fromDay: "2026-11-10" }, async (booking) => Object.values(booking.laneBookings).reduce((a, b) => a + b, 0))),
    );
    expect(together).toEqual(Array(8).fill(1));
    // A failure inside the booking rolls back what it wrote.
    await expect(
      bookPromise(db, shop, row.orderGid, { laneKey: "standard", fromDay: "2026-11-10" }, async (booking) => {
        await booking.remove();
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(await db.orderPromise.count({ where: { shop } })).toBe(1);

    // The write's due rows read as Prisma reads them; a round's saves are one statement, on the version read.
    const [due] = await loadDuePromises(db, shop, 10);
    expect(due).toEqual(stored);
    const moved = { ...due, orderGid: "gid://shopify/Order/882" };
    await db.orderPromise.create({ data: { ...moved, updatedAt: undefined } });
    const [, second] = await loadDuePromises(db, shop, 10);
    await db.orderPromise.update({ where: { shop_orderGid: { shop, orderGid: second.orderGid } }, data: { writeStatus: "refit" } });
    const saving = statementCount.hotPath;
    const saved = await saveVersionedRows(db, { model: "OrderPromise", key: "orderGid" }, shop, [due, second].map((r) => ({ key: r.orderGid, version: r.updatedAt, data: { writeStatus: "written", writtenAt: now, writeAttempts: 0, writeError: null } })), now);
    expect(statementCount.hotPath - saving).toBe(1);
    expect([...saved.keys()]).toEqual([row.orderGid]);
    expect(await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: row.orderGid } } })).toMatchObject({ writeStatus: "written", writtenAt: now, updatedAt: saved.get(row.orderGid) });
    expect((await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: second.orderGid } } })).writeStatus).toBe("refit");

    expect(await cancelOpenPromise(db, shop, row.orderGid, now)).toBe(true);
    expect(await cancelOpenPromise(db, shop, row.orderGid, now)).toBe(false);
    expect(await db.orderPromise.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: row.orderGid } } })).toMatchObject({ status: "cancelled", cancelledAt: now });
    expect(await ordersWithShipmentLines(db, shop, [row.orderGid, "gid://shopify/Order/881"])).toEqual([]);
    await db.promiseShipmentLine.create({ data: { shop, orderGid: row.orderGid, fulfillmentGid: "f", lineItemGid: "l", quantity: 1, fulfillmentStatus: "success", shippedAt: now, fulfillmentUpdatedAt: now } });
    await db.promiseShipmentLine.create({ data: { shop, orderGid: row.orderGid, fulfillmentGid: "f", lineItemGid: "l2", quantity: 1, fulfillmentStatus: "success", shippedAt: now, fulfillmentUpdatedAt: now } });
    const looking = statementCount.hotPath;
    expect(await ordersWithShipmentLines(db, shop, [row.orderGid, "gid://shopify/Order/881"])).toEqual([row.orderGid]);
    expect(statementCount.hotPath - looking).toBe(1);
    expect(await ordersWithShipmentLines(db, shop, [])).toEqual([]);
  });

  it("bookings of one shop that wait for its lock go together, each deciding on what it would have seen alone", async () => {
    const db = database.db;
    const shop = "bookings-together.myshopify.com";
    const orderedAt = new Date("2026-11-10T12:00:00.000Z");
    const promiseRow = (orderGid: string, laneKey: string, shipByDay: string) => ({
      shop, orderGid, orderName: null, customerGid: null, destinationCountry: null, destinationProvince: null, tierKey: "bronze", laneKey, orderedAt,
      intakeDay: "2026-11-10", shipByEarliest: orderedAt, shipBy: new Date(`${shipByDay}T16:00:00Z`), shipByDay, arriveZone: null, arriveEarliestDay: null, arriveLatestDay: null,
      adjustments: "[]", conflict: null, overdueWhenMade: false, rulesVersion: 1, madeAt: orderedAt, writeStatus: "pending", deadlineFulfillmentOrders: "[]", updatedAt: orderedAt,
    });
    // Two places a day: the first day from 2026-11-10 with a place left (as a lane's capacity decides).
    const firstFreeDay = (bookings: Record<string, number>) => {
      for (let day = 10; ; day++) if ((bookings[`2026-11-${day}`] ?? 0) < 2) return `2026-11-${day}`;
    };
    const book = (orderGid: string, laneKey = "standard", fail = false) =>
      bookPromise(db, shop, orderGid, { laneKey, fromDay: "2026-11-10" }, async (view) => {
        if (view.made) return `kept ${view.made.laneKey}`;
        const day = firstFreeDay(view.laneBookings);
        view.insert(promiseRow(orderGid, laneKey, day));
        if (fail) throw new Error("decision failed");
        return day;
      });
    await db.orderPromise.create({ data: promiseRow("gid://shopify/Order/9900", "standard", "2026-11-10") });
    const before = statementCount.hotPath;
    const results = await Promise.allSettled([
      book("gid://shopify/Order/9901"), // alone: the shop's transaction was free
      book("gid://shopify/Order/9902"), // these wait, then go together
      book("gid://shopify/Order/9903", "standard", true),
      book("gid://shopify/Order/9904", "express"),
      book("gid://shopify/Order/9905"),
      book("gid://shopify/Order/9902"), // the same order again: the next transaction, which finds it made
      book("gid://shopify/Order/9906"),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : String((r as PromiseRejectedResult).reason)))).toEqual([
      "2026-11-10", "2026-11-11", "Error: decision failed", "2026-11-10", "2026-11-11", "kept standard", "2026-11-12",
    ]);
    // PostgreSQL: each transaction is two round trips (BEGIN, lock and read; the inserts with COMMIT); three for seven bookings.
    if (kind === "postgresql") expect(statementCount.hotPath - before).toBe(6);
    const rows = await db.orderPromise.findMany({ where: { shop }, orderBy: { orderGid: "asc" }, select: { orderGid: true, laneKey: true, shipByDay: true } });
    expect(rows.map((r) => [r.orderGid.slice(-4), r.laneKey, r.shipByDay])).toEqual([
      ["9900", "standard", "2026-11-10"], ["9901", "standard", "2026-11-10"], ["9902", "standard", "2026-11-11"], ["9904", "express", "2026-11-10"],
      ["9905", "standard", "2026-11-11"], ["9906", "standard", "2026-11-12"],
    ]);
    // A recompute that gives its place back, and one booked after it in the same transaction that takes it.
    const first = bookPromise(db, shop, "gid://shopify/Order/9907", { laneKey: "standard", fromDay: "2026-11-10" }, async () => "holds the lock");
    const moved = bookPromise(db, shop, "gid://shopify/Order/9901", { laneKey: "standard", fromDay: "2026-11-10" }, async (view) => {
      expect(view.made).toMatchObject({ laneKey: "standard", status: "open" });
      await view.remove();
      view.insert(promiseRow("gid://shopify/Order/9901", "express", "2026-11-12"));
      return "moved to express";
    });
    const next = book("gid://shopify/Order/9908");
    expect(await Promise.all([first, moved, next])).toEqual(["holds the lock", "moved to express", "2026-11-10"]);
    expect((await db.orderPromise.findMany({ where: { shop, shipByDay: "2026-11-10", laneKey: "standard" }, orderBy: { orderGid: "asc" } })).map((r) => r.orderGid.slice(-4))).toEqual(["9900", "9908"]);
  });

  it("several customers' contacts are written as one customer's contact is, in one statement on PostgreSQL", async () => {
    const db = database.db;
    const shop = "contacts.myshopify.com";
    const at = new Date("2026-11-05T09:00:00.000Z");
    const gid = (n: number) => `gid://shopify/Customer/55${n}`;
    await db.customer.createMany({
      data: [
        { shop, customerGid: gid(1), email: "one@example.com", shopifyUpdatedAt: at },
        { shop, customerGid: gid(2), email: "two@example.com", shopifyUpdatedAt: at },
        { shop, customerGid: gid(3), deletedAt: at },
        { shop, customerGid: gid(4), email: "four@example.com", shopifyUpdatedAt: null },
        // The same customer in another shop is not touched.
        { shop: "elsewhere.myshopify.com", customerGid: gid(1), email: "other@example.com", shopifyUpdatedAt: at },
      ],
    });
    const contact = (email: string, updatedAt: Date | null) => ({ email, firstName: "F", lastName: null, shopifyUpdatedAt: updatedAt });
    const later = new Date(at.getTime() + 1_000);
    const now = new Date("2026-11-05T09:00:05.000Z");
    const before = statementCount.hotPath;
    const outcomes = await saveCustomerContacts(db, shop, [
      { customerGid: gid(2), contact: contact("two-old@example.com", new Date(at.getTime() - 1_000)) },
      { customerGid: gid(1), contact: contact("one-new@example.com", later) },
      { customerGid: gid(3), contact: contact("three@example.com", later) },
      { customerGid: gid(4), contact: contact("four-new@example.com", later) },
      { customerGid: gid(5), contact: contact("five@example.com", later) },
    ], now);
    // A customer with no row yet: PostgreSQL leaves it to its own save (which inserts it); SQLite saves each in turn.
    expect(Object.fromEntries(outcomes)).toEqual({ [gid(1)]: "UPDATED", [gid(2)]: "NOT_NEWER", [gid(3)]: "DELETED", [gid(4)]: "UPDATED", ...(kind === "sqlite" ? { [gid(5)]: "INSERTED" } : {}) });
    if (kind === "postgresql") expect(statementCount.hotPath - before).toBe(1);
    const rows = await db.customer.findMany({ where: { shop }, orderBy: { customerGid: "asc" }, select: { customerGid: true, email: true, firstName: true, shopifyUpdatedAt: true, updatedAt: true, deletedAt: true } });
    expect(rows.filter((r) => r.customerGid !== gid(5))).toEqual([
      { customerGid: gid(1), email: "one-new@example.com", firstName: "F", shopifyUpdatedAt: later, updatedAt: now, deletedAt: null },
      { customerGid: gid(2), email: "two@example.com", firstName: null, shopifyUpdatedAt: at, updatedAt: expect.any(Date), deletedAt: null },
      { customerGid: gid(3), email: null, firstName: null, shopifyUpdatedAt: null, updatedAt: expect.any(Date), deletedAt: at },
      { customerGid: gid(4), email: "four-new@example.com", firstName: "F", shopifyUpdatedAt: later, updatedAt: now, deletedAt: null },
    ]);
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: "elsewhere.myshopify.com", customerGid: gid(1) } } })).email).toBe("other@example.com");
    // The same version again changes nothing; one customer twice is refused before anything is written.
    expect(Object.fromEntries(await saveCustomerContacts(db, shop, [{ customerGid: gid(1), contact: contact("one-new@example.com", later) }], now))).toEqual({ [gid(1)]: "NOT_NEWER" });
    await expect(saveCustomerContacts(db, shop, [{ customerGid: gid(1), contact: contact("a", later) }, { customerGid: gid(1), contact: contact("b", later) }], now)).rejects.toThrow("at most once");
    expect(await saveCustomerContacts(db, shop, [], now)).toEqual(new Map());
  });

  it("several orders' versions are written as each order's own write writes it, in one statement on PostgreSQL", async () => {
    const db = database.db;
    const [batchShop, eachShop] = ["orders-batch.myshopify.com", "orders-each.myshopify.com"];
    const order = (n: number, over: Partial<OrderSnapshot> = {}) => snapshot({ orderId: `gid://shopify/Order/66${n}`, customerId: `gid://shopify/Customer/66${n}`, currentTotalMinor: 5_000, ...over });
    const stored = [order(2), order(3), order(4, { updatedAt: new Date("2026-11-01T10:00:09.000Z") }), order(5), order(6)];
    const at = (s: OrderSnapshot, seconds: number) => new Date(s.updatedAt.getTime() + seconds * 1_000);
    // The same rows in two shops: one takes the batch's write, the other each order's own.
    for (const shop of [batchShop, eachShop]) for (const s of stored) await saveOrderSnapshot(db, shop, s, `#${s.orderId.slice(-3)}`);
    await db.ledgerOrder.updateMany({ where: { orderGid: order(5).orderId }, data: { deletedAt: new Date("2026-11-02T00:00:00Z") } });
    // The same order in a shop the batch does not name is not touched.
    await saveOrderSnapshot(db, "orders-elsewhere.myshopify.com", order(2), "#other");
    const versions = [
      { snapshot: order(1), name: "#661" }, // new
      { snapshot: order(2, { customerId: "gid://shopify/Customer/6699", currentTotalMinor: 6_000, updatedAt: at(order(2), 5) }), name: null }, // newer, moved
      { snapshot: order(3, { updatedAt: at(order(3), 5) }), name: "#663 echo" }, // newer, nothing that counts moved
      { snapshot: order(4, { currentTotalMinor: 1 }), name: null }, // older than what is stored
      { snapshot: order(5, { updatedAt: at(order(5), 5), currentTotalMinor: 7_000 }), name: null }, // its order deleted
      { snapshot: order(6, { currentTotalMinor: 4_000 }), name: null }, // same time, lower total: the ledger rule keeps it
    ];
    const now = new Date(Date.now() + 1_000);
    const before = statementCount.hotPath;
    const batch = await saveOrderSnapshots(db, batchShop, versions, now);
    if (kind === "postgresql") expect(statementCount.hotPath - before).toBe(1);
    const each = new Map<string, unknown>();
    for (const v of versions) each.set(v.snapshot.orderId, await saveOrderSnapshot(db, eachShop, v.snapshot, v.name, now));
    // A same-time version the rule keeps is PostgreSQL's to leave to its own write (a compare-and-set on what it read).
    const undecided = kind === "postgresql" ? [order(6).orderId] : [];
    expect(Object.fromEntries(batch)).toEqual(Object.fromEntries([...each].filter(([gid]) => !undecided.includes(gid))));
    expect(Object.fromEntries(batch)).toMatchObject({
      [order(1).orderId]: { stored: true, previousCustomerGid: null, countsChanged: true },
      [order(2).orderId]: { stored: true, previousCustomerGid: order(2).customerId, countsChanged: true },
      [order(3).orderId]: { stored: true, previousCustomerGid: order(3).customerId, countsChanged: false },
      [order(4).orderId]: { stored: false, countsChanged: false },
      [order(5).orderId]: { stored: false, countsChanged: false },
    });
    for (const gid of undecided) expect(await saveOrderSnapshot(db, batchShop, versions[5].snapshot, null, now)).toEqual(each.get(gid));
    const rowsOf = async (shop: string) =>
      (await db.ledgerOrder.findMany({ where: { shop }, orderBy: { orderGid: "asc" } })).map(({ shop: _shop, updatedAt, ...row }) => ({ ...row, updatedAfterNow: updatedAt.getTime() >= now.getTime() }));
    expect(await rowsOf(batchShop)).toEqual(await rowsOf(eachShop));
    expect((await rowsOf(batchShop)).map((r) => [r.currentTotal, r.name, r.updatedAfterNow])).toEqual([
      [5_000, "#661", true], [6_000, "#662", true], [5_000, "#663 echo", true], [5_000, "#664", false], [5_000, "#665", false], [4_000, "#666", true],
    ]);
    expect((await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: "orders-elsewhere.myshopify.com", orderGid: order(2).orderId } } })).name).toBe("#other");
    await expect(saveOrderSnapshots(db, batchShop, [versions[0], versions[0]], now)).rejects.toThrow("at most once");
    expect(await saveOrderSnapshots(db, batchShop, [], now)).toEqual(new Map());
  });

  it("batches of order versions and single order events side by side never deadlock, and the newest version of each order wins", async () => {
    const db = database.db;
    const shop = "orders-lock-order.myshopify.com";
    const gids = Array.from({ length: 30 }, (_, i) => `gid://shopify/Order/88${String(i).padStart(2, "0")}`);
    const version = (gid: string, i: number) => snapshot({ orderId: gid, updatedAt: new Date(Date.UTC(2026, 10, 1, 10, 0, i)), currentTotalMinor: 10_000 + i });
    const writes = Array.from({ length: 24 }, async (_, i) => {
      const order = [...gids].sort((a, b) => ((a.charCodeAt(a.length - 1) * (i + 3) + a.charCodeAt(a.length - 2)) % 11) - ((b.charCodeAt(b.length - 1) * (i + 3) + b.charCodeAt(b.length - 2)) % 11) || (i % 2 ? a.localeCompare(b) : b.localeCompare(a)));
      if (i % 3 === 2) return Promise.all(order.slice(0, 5).map((gid) => saveOrderSnapshot(db, shop, version(gid, i), null)));
      const outcomes = await saveOrderSnapshots(db, shop, order.map((gid) => ({ snapshot: version(gid, i), name: null })));
      // An order the batch left undecided (another writer inserted it meanwhile) takes its own write, as in the webhook job.
      return Promise.all(order.filter((gid) => !outcomes.has(gid)).map((gid) => saveOrderSnapshot(db, shop, version(gid, i), null)));
    });
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    // The last writes: a batch (22) of every order, then single events (23) for five of them.
    const rows = await db.ledgerOrder.findMany({ where: { shop }, orderBy: { orderGid: "asc" }, select: { currentTotal: true } });
    expect(rows.filter((r) => r.currentTotal === 10_023)).toHaveLength(5);
    expect(rows.filter((r) => r.currentTotal === 10_022)).toHaveLength(gids.length - 5);
  });

  it("many-row writes to shared members side by side (a batch's contacts, sync rounds' saves) never deadlock, whatever order they name them in", async () => {
    const db = database.db;
    const shop = "lock-order.myshopify.com";
    const gids = Array.from({ length: 80 }, (_, i) => `gid://shopify/Customer/77${String(i).padStart(2, "0")}`);
    await db.customer.createMany({ data: gids.map((customerGid) => ({ shop, customerGid, email: "x@example.com", shopifyUpdatedAt: new Date("2026-11-01T00:00:00Z") })) });
    const shuffled = (seed: number) => [...gids].sort((a, b) => ((a.charCodeAt(a.length - 1) * seed + a.charCodeAt(a.length - 2)) % 17) - ((b.charCodeAt(b.length - 1) * seed + b.charCodeAt(b.length - 2)) % 17) || (seed % 2 ? a.localeCompare(b) : b.localeCompare(a)));
    const writes = Array.from({ length: 40 }, async (_, i) => {
      const order = shuffled(i + 3);
      if (i % 2 === 0) {
        const at = new Date(Date.parse("2026-11-02T00:00:00Z") + i * 1_000);
        return saveCustomerContacts(db, shop, order.map((customerGid) => ({ customerGid, contact: { email: `w${i}@example.com`, firstName: null, lastName: null, shopifyUpdatedAt: at } })));
      }
      const rows = await db.customer.findMany({ where: { shop }, select: { customerGid: true, updatedAt: true } });
      const versionOf = new Map(rows.map((r) => [r.customerGid, r.updatedAt]));
      return saveVersionedRows(db, { model: "Customer", key: "customerGid" }, shop, order.map((key) => ({ key, version: versionOf.get(key)!, data: { syncStatus: `round-${i}` } })));
    });
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  });

  it("a bulk tag operation: whose it is in one statement, its promises read and settled per write status, only rows still naming it", async () => {
    const db = database.db;
    const shop = "tag-settle.myshopify.com";
    const operation = "gid://shopify/BulkOperation/77";
    const was = new Date("2026-11-10T12:00:00.000Z");
    const base = {
      shop, orderName: "#1", customerGid: null, tierKey: "gold", laneKey: "priority", orderedAt: was, intakeDay: "2026-11-10", shipByEarliest: was, shipBy: was, shipByDay: "2026-11-11",
      adjustments: "[]", rulesVersion: 1, madeAt: was, deadlineFulfillmentOrders: "[]", tagOperationGid: operation,
    };
    await db.orderPromise.createMany({
      data: [
        { ...base, orderGid: "gid://shopify/Order/1", writeStatus: "tagging", tagOperationLine: 0 },
        { ...base, orderGid: "gid://shopify/Order/2", writeStatus: "tagging", tagOperationLine: 1 },
        { ...base, orderGid: "gid://shopify/Order/3", writeStatus: "refit", tagOperationLine: 2 },
        { ...base, orderGid: "gid://shopify/Order/4", writeStatus: "tagging", tagOperationLine: 0, tagOperationGid: "gid://shopify/BulkOperation/78" },
        { ...base, orderGid: "gid://shopify/Order/5", writeStatus: "tagging", tagOperationLine: 0, shop: "other.myshopify.com" },
      ],
    });
    const owner = statementCount.hotPath;
    expect(await loadBulkOperationOwner(db, shop, operation)).toEqual({ backfillRun: null, awaitedByPromises: true });
    expect(statementCount.hotPath - owner).toBe(1);
    expect(await loadBulkOperationOwner(db, "other-shop.myshopify.com", operation)).toEqual({ backfillRun: null, awaitedByPromises: false });
    const run = await db.backfillRun.create({ data: { shop, status: "running", bulkOperationId: "gid://shopify/BulkOperation/90" } });
    expect(await loadBulkOperationOwner(db, shop, "gid://shopify/BulkOperation/90")).toEqual({ backfillRun: { id: run.id, status: "running" }, awaitedByPromises: false });

    const awaited = await loadPromisesAwaitingTags(db, shop, operation);
    expect(awaited.sort((a, b) => a.orderGid.localeCompare(b.orderGid))).toEqual([
      { orderGid: "gid://shopify/Order/1", tagOperationLine: 0, writeStatus: "tagging" },
      { orderGid: "gid://shopify/Order/2", tagOperationLine: 1, writeStatus: "tagging" },
      { orderGid: "gid://shopify/Order/3", tagOperationLine: 2, writeStatus: "refit" },
    ]);
    const now = new Date("2026-11-10T12:05:00.000Z");
    // Order 2 moved to refit meanwhile: a statement for "tagging" leaves it; order 4 names another operation.
    await db.orderPromise.update({ where: { shop_orderGid: { shop, orderGid: "gid://shopify/Order/2" } }, data: { writeStatus: "refit" } });
    const settling = statementCount.hotPath;
    expect(await settleTaggedPromises(db, shop, operation, "tagging", ["gid://shopify/Order/1", "gid://shopify/Order/2", "gid://shopify/Order/4"], now)).toBe(1);
    expect(statementCount.hotPath - settling).toBe(1);
    expect(await settleTaggedPromises(db, shop, operation, "refit", ["gid://shopify/Order/3"], now)).toBe(1);
    // Settling twice changes nothing.
    expect(await settleTaggedPromises(db, shop, operation, "tagging", ["gid://shopify/Order/1"], now)).toBe(0);
    expect(await settleTaggedPromises(db, shop, operation, "tagging", [], now)).toBe(0);
    const rows = await db.orderPromise.findMany({ where: { shop }, orderBy: { orderGid: "asc" }, select: { orderGid: true, writeStatus: true, tagOperationGid: true, tagOperationLine: true, updatedAt: true } });
    expect(rows).toEqual([
      { orderGid: "gid://shopify/Order/1", writeStatus: "written", tagOperationGid: null, tagOperationLine: null, updatedAt: now },
      { orderGid: "gid://shopify/Order/2", writeStatus: "refit", tagOperationGid: operation, tagOperationLine: 1, updatedAt: expect.any(Date) },
      { orderGid: "gid://shopify/Order/3", writeStatus: "refit", tagOperationGid: null, tagOperationLine: null, updatedAt: now },
      { orderGid: "gid://shopify/Order/4", writeStatus: "tagging", tagOperationGid: "gid://shopify/BulkOperation/78", tagOperationLine: 0, updatedAt: expect.any(Date) },
    ]);
    expect((await db.orderPromise.findFirstOrThrow({ where: { shop: "other.myshopify.com" } })).tagOperationGid).toBe(operation);
  });
});

describe("webhook payload parsing", () => {
  it("keeps a numeric order_id beyond 2^53 exact where a handler reads it, and parses plainly where ids come as gid strings", () => {
    const refund = parseWebhookPayload("refunds/create", `{"order_id": 9007199254740993, "admin_graphql_api_id": "gid://shopify/Refund/1"}`) as { order_id: unknown };
    expect(refund.order_id).toBe("9007199254740993");
    // A fulfillment names its order only by order_id: the erasure guard must look up that exact order.
    for (const topic of ["fulfillments/create", "fulfillments/update"]) {
      const fulfillment = parseWebhookPayload(topic, `{"id": 1, "order_id": 8800000000000000102}`);
      expect(webhookSubjects(topic, fulfillment).orderGids).toEqual(["gid://shopify/Order/8800000000000000102"]);
    }
    const redact = parseWebhookPayload("customers/redact", `{"customer": {"id": 9007199254740993}, "orders_to_redact": [9007199254740995]}`) as { customer: { id: unknown }; orders_to_redact: unknown[] };
    expect([redact.customer.id, redact.orders_to_redact[0]]).toEqual(["9007199254740993", "9007199254740995"]);
    const order = parseWebhookPayload("orders/create", `{"admin_graphql_api_id": "gid://shopify/Order/9007199254740993"}`) as { admin_graphql_api_id: string };
    expect(order.admin_graphql_api_id).toBe("gid://shopify/Order/9007199254740993");
  });
});
