// Versions of one order or customer in one batch (orders/create and orders/paid of an order paid
// at checkout arrive together, as do the customers/update of a tag added and one removed): the
// version the ledger (or the contact's rule) keeps runs its handler, the others only end, through
// the erasure guard, once that one succeeded; when it failed, they run as they are. Real
// use-cases on both databases.
import { readFileSync } from "node:fs";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { ERASED_PAYLOAD, recordTombstones, setErasureKeyForTests } from "../adapters/db/erasure-repository.server.ts";
import { applyCustomerWebhook, leadingContactVersion } from "../use-cases/apply-customer-webhook.server.ts";
import { applyOrderWebhook } from "../use-cases/apply-order-webhook.server.ts";
import { guardedWebhookProcessor } from "../../tests/support/guarded-webhook-processor.ts";
import { supersededVersion } from "./webhook-handlers.ts";
import { saveOrderSnapshot, type OrderWriteOutcome } from "../adapters/db/ledger-repository.server.ts";
import { orderSnapshotFromPayload } from "../adapters/shopify/webhook-payloads.ts";
import type { TierRecomputeCause } from "../use-cases/webhook-context.ts";
import { loadPromiseContext, type PromiseContext } from "../adapters/db/order-promise-statements.server.ts";
import type { PromiseWorkRequest } from "../adapters/queues/promise-jobs.server.ts";
import type { RecomputeRead } from "../use-cases/recompute-customer-tier.server.ts";

const sample = readFileSync(new URL("../../simulator/reference/webhooks/orders_updated.json", import.meta.url), "utf8");
const customerSample = readFileSync(new URL("../../simulator/reference/webhooks/customers_update.json", import.meta.url), "utf8");

/** A version of a customer's payload. */
function customerVersion(customerGid: string, updatedAt: string, firstName = "Ada") {
  const body = JSON.parse(customerSample) as Record<string, unknown>;
  Object.assign(body, { id: Number(customerGid.split("/").pop()), admin_graphql_api_id: customerGid, updated_at: updatedAt, first_name: firstName });
  return JSON.stringify(body);
}

let seq = 0;
/** Two versions of one new order: placed (pending) and, a second later, paid. */
function orderVersions(customerGid: string) {
  const id = `${5_300_000_000_000_000 + ++seq}`;
  const version = (financialStatus: string, updatedAt: string) => {
    const body = JSON.parse(sample) as Record<string, unknown>;
    Object.assign(body, {
      id,
      admin_graphql_api_id: `gid://shopify/Order/${id}`,
      cancelled_at: null,
      test: false,
      financial_status: financialStatus,
      total_outstanding: financialStatus === "paid" ? "0.00" : body.total_price,
      updated_at: updatedAt,
      refunds: [],
      customer: { ...(body.customer as object), admin_graphql_api_id: customerGid },
    });
    return JSON.stringify(body);
  };
  return { orderGid: `gid://shopify/Order/${id}`, placed: version("pending", "2026-11-30T10:00:00-05:00"), paid: version("paid", "2026-11-30T10:00:01-05:00") };
}

describe.each(DATABASE_KINDS)("versions of one order in a batch, on %s", (kind) => {
  let database: TestDatabase;
  const handled: string[] = [];
  /** Webhook ids whose handler fails once (a retryable error). */
  const failOnce = new Set<string>();
  const requeued: string[] = [];
  /** The contact outcomes handlers were given (written with their batch's). */
  const contactsSaved = new Map<string, string>();
  /** The order outcomes handlers were given (written with their batch's), and the recomputations order handlers asked for. */
  const ordersSaved = new Map<string, OrderWriteOutcome>();
  const recomputed: string[] = [];
  /** The promise work order handlers asked for, with the context read with their batch's. */
  const promiseWork: Array<{ shop: string; work: PromiseWorkRequest; context?: PromiseContext }> = [];
  /** The recomputations asked of the worker, with the member's inputs read with their batch's. */
  const recomputeReads: Array<{ shop: string; gid: string; read?: RecomputeRead }> = [];

  beforeAll(async () => {
    setErasureKeyForTests("test-erasure-key");
    database = await createTestDatabase(kind, "order_versions");
  });
  afterAll(async () => {
    setErasureKeyForTests(null);
    await database?.drop();
  });

  const processor = () =>
    guardedWebhookProcessor(
      database.db,
      async (c) => {
        handled.push(c.webhookId);
        if (c.contactSaved) contactsSaved.set(c.webhookId, c.contactSaved);
        if (c.orderSaved) ordersSaved.set(c.webhookId, c.orderSaved.outcome);
        if (failOnce.delete(c.webhookId)) throw new Error("database is locked");
        const recording = {
          ...c,
          requestTierRecompute: async (gids: string[], cause: TierRecomputeCause) => {
            recomputed.push(...gids.map((gid) => `${c.webhookId} ${gid}`));
            return c.requestTierRecompute(gids, cause);
          },
        };
        return c.topic.startsWith("customers/") ? applyCustomerWebhook(c) : applyOrderWebhook(recording);
      },
      {
        requeued, supersededVersion,
        requestPromiseWork: async (shop, work, context) => void promiseWork.push({ shop, work, context }),
        requestTierRecompute: async (shop, gids, _cause, read) => void recomputeReads.push(...gids.map((gid) => ({ shop, gid, read: read?.get(gid) }))),
      },
    );
  const runBatch = async (shop: string, deliveries: Array<{ webhookId: string; topic: string; payload: string }>) => {
    for (const d of deliveries) await database.db.webhookDelivery.create({ data: { webhookId: d.webhookId, shop, topic: d.topic, payload: d.payload } });
    const job = { data: { batch: deliveries.map(({ webhookId, topic }) => ({ webhookId, shop, topic })) }, timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 3 } };
    return processor()(job as unknown as Job<{ webhookId: string; shop: string; topic: string }>, undefined);
  };
  const row = (webhookId: string) => database.db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });

  it("applies the version the ledger keeps; the older one of the same order ends without its handler, whatever their order in the batch", async () => {
    const shop = "versions.myshopify.com";
    const one = orderVersions("gid://shopify/Customer/81");
    const other = orderVersions("gid://shopify/Customer/82");
    const note = await runBatch(shop, [
      { webhookId: "wh-v-paid", topic: "orders/paid", payload: one.paid },
      { webhookId: "wh-v-placed", topic: "orders/create", payload: one.placed },
      { webhookId: "wh-v-other", topic: "orders/create", payload: other.placed },
    ]);
    expect(note).toMatchObject({ status: "batch", note: expect.stringMatching(/^3 done, 0 failed/) });
    expect(handled.filter((id) => id.startsWith("wh-v-")).sort()).toEqual(["wh-v-other", "wh-v-paid"]);
    for (const id of ["wh-v-paid", "wh-v-placed", "wh-v-other"]) expect(await row(id)).toMatchObject({ status: "processed", attempts: 1, error: null });
    expect(await database.db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: one.orderGid } } })).toMatchObject({ financialStatus: "paid" });
    expect(await database.db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: other.orderGid } } })).toMatchObject({ financialStatus: "pending" });
  });

  it("a delivery twice in the batch (sent again while the first was stored) is one version: it runs once", async () => {
    const shop = "versions-twice.myshopify.com";
    const one = orderVersions("gid://shopify/Customer/85");
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-t-paid", shop, topic: "orders/paid", payload: one.paid } });
    await database.db.webhookDelivery.create({ data: { webhookId: "wh-t-placed", shop, topic: "orders/create", payload: one.placed } });
    const batch = ["wh-t-paid", "wh-t-paid", "wh-t-placed", "wh-t-placed", "wh-t-paid"].map((webhookId) => ({ webhookId, shop, topic: webhookId.endsWith("paid") ? "orders/paid" : "orders/create" }));
    const job = { data: { batch }, timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 3 } };
    await processor()(job as unknown as Job<{ webhookId: string; shop: string; topic: string }>, undefined);
    expect(handled.filter((id) => id.startsWith("wh-t-"))).toEqual(["wh-t-paid"]);
    for (const id of ["wh-t-paid", "wh-t-placed"]) expect(await row(id)).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("when the leading version fails, the other runs its own handler and the leader is tried again alone", async () => {
    const shop = "versions-failed.myshopify.com";
    const one = orderVersions("gid://shopify/Customer/83");
    failOnce.add("wh-f-paid");
    const note = await runBatch(shop, [
      { webhookId: "wh-f-placed", topic: "orders/create", payload: one.placed },
      { webhookId: "wh-f-paid", topic: "orders/paid", payload: one.paid },
    ]);
    expect(note).toMatchObject({ status: "batch", note: expect.stringMatching(/^1 done, 0 failed, 1 to try again alone/) });
    expect(handled.filter((id) => id.startsWith("wh-f-"))).toEqual(["wh-f-paid", "wh-f-placed"]);
    expect(requeued).toContain("wh-f-paid");
    expect(await row("wh-f-placed")).toMatchObject({ status: "processed", attempts: 1 });
    expect(await row("wh-f-paid")).toMatchObject({ status: "received", attempts: 1, error: "database is locked" });
    // The placed version was stored; the paid one comes with its own job.
    expect(await database.db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid: one.orderGid } } })).toMatchObject({ financialStatus: "pending" });
  });

  it("a superseded version still goes through the erasure guard: an erased customer's is skipped and blanked", async () => {
    const shop = "versions-erased.myshopify.com";
    const erased = "gid://shopify/Customer/84";
    await recordTombstones(database.db, shop, { customerGids: [erased], orderGids: [] }, new Date());
    const one = orderVersions(erased);
    await runBatch(shop, [
      { webhookId: "wh-e-placed", topic: "orders/create", payload: one.placed },
      { webhookId: "wh-e-paid", topic: "orders/paid", payload: one.paid },
    ]);
    for (const id of ["wh-e-placed", "wh-e-paid"]) expect(await row(id)).toMatchObject({ status: "skipped", payload: ERASED_PAYLOAD });
    expect(handled.filter((id) => id.startsWith("wh-e-"))).toEqual([]);
    expect(await database.db.ledgerOrder.count({ where: { shop, orderGid: one.orderGid } })).toBe(0);
  });

  it("orders: a batch's versions of several orders are written together, each handler taking its outcome and asking what it would ask alone; a payload listing refunds, or an order named twice, writes its own", async () => {
    const shop = "versions-orders.myshopify.com";
    const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map((n) => orderVersions(`gid://shopify/Customer/7${n}`));
    const later = (payload: string, seconds: number, over: Record<string, unknown> = {}) => {
      const body = JSON.parse(payload) as Record<string, unknown>;
      return JSON.stringify({ ...body, updated_at: new Date(Date.parse(String(body.updated_at)) + seconds * 1_000).toISOString(), ...over });
    };
    // Stored before the batch: a placed (unpaid), b and d paid.
    for (const stored of [a.placed, b.paid, d.paid]) await saveOrderSnapshot(database.db, shop, orderSnapshotFromPayload(JSON.parse(stored)), null);
    // e lists a refund (as a payload sent after one does): it stores the refund first, so it writes its own.
    const refund = { ...(JSON.parse(readFileSync(new URL("../../simulator/reference/webhooks/refunds_create.json", import.meta.url), "utf8")) as Record<string, unknown>), order_id: Number(e.orderGid.split("/").pop()) };
    const note = await runBatch(shop, [
      { webhookId: "wh-o-a", topic: "orders/paid", payload: a.paid }, // newer, and paid now: counts changed
      { webhookId: "wh-o-b", topic: "orders/updated", payload: later(b.paid, 5) }, // the echo of a tag write: newer, nothing that counts
      { webhookId: "wh-o-c-placed", topic: "orders/create", payload: c.placed }, // a new order, placed and paid in one batch
      { webhookId: "wh-o-c-paid", topic: "orders/paid", payload: c.paid },
      { webhookId: "wh-o-d", topic: "orders/updated", payload: d.placed }, // older than what is stored
      { webhookId: "wh-o-e", topic: "orders/updated", payload: later(e.paid, 0, { refunds: [refund] }) },
      { webhookId: "wh-o-f-create", topic: "orders/create", payload: f.paid },
      { webhookId: "wh-o-f-updated", topic: "orders/updated", payload: later(f.paid, 5) },
    ]);
    expect(note).toMatchObject({ status: "batch", note: expect.stringMatching(/^8 done, 0 failed/) });
    expect(Object.fromEntries([...ordersSaved].filter(([id]) => id.startsWith("wh-o-")))).toEqual({
      "wh-o-a": { stored: true, previousCustomerGid: "gid://shopify/Customer/71", countsChanged: true },
      "wh-o-b": { stored: true, previousCustomerGid: "gid://shopify/Customer/72", countsChanged: false },
      "wh-o-c-paid": { stored: true, previousCustomerGid: null, countsChanged: true },
      "wh-o-d": { stored: false, previousCustomerGid: "gid://shopify/Customer/74", countsChanged: false },
    });
    expect(handled.filter((id) => id.startsWith("wh-o-")).sort()).toEqual(["wh-o-a", "wh-o-b", "wh-o-c-paid", "wh-o-d", "wh-o-e", "wh-o-f-create", "wh-o-f-updated"]);
    // What each handler asked: a recomputation where something that counts changed, none for the echo or the older version.
    expect(recomputed.filter((r) => r.startsWith("wh-o-") && !r.startsWith("wh-o-e") && !r.startsWith("wh-o-f")).sort()).toEqual([
      "wh-o-a gid://shopify/Customer/71", "wh-o-c-paid gid://shopify/Customer/73",
    ]);
    // The promises asked for: the paid orders the batch wrote come with their context read together (as each would read it), the others read their own.
    const made = promiseWork.filter((p) => p.shop === shop && p.work.kind === "make").map((p) => ({ orderGid: p.work.kind === "make" ? p.work.order.orderGid : "", context: p.context }));
    expect(made.map((m) => [m.orderGid, m.context !== undefined]).sort()).toEqual([[a.orderGid, true], [c.orderGid, true], [e.orderGid, false], [f.orderGid, false]].sort());
    for (const m of made.filter((m) => m.context)) {
      const work = promiseWork.find((p) => p.work.kind === "make" && p.work.order.orderGid === m.orderGid)!.work as Extract<PromiseWorkRequest, { kind: "make" }>;
      expect(m.context).toEqual(await loadPromiseContext(database.db, shop, m.orderGid, work.order.customerGid, new Date(work.order.orderedAt)));
    }
    // The recomputations the batch's writes asked for come with their members' inputs, read after those writes (each holds its order).
    const reads = recomputeReads.filter((r) => r.shop === shop && ["gid://shopify/Customer/71", "gid://shopify/Customer/73"].includes(r.gid));
    expect(reads.map((r) => r.gid).sort()).toEqual(["gid://shopify/Customer/71", "gid://shopify/Customer/73"]);
    for (const r of reads) expect(Object.keys(r.read?.inputs.ledger?.orders ?? {})).toEqual([r.gid.endsWith("71") ? a.orderGid : c.orderGid]);
    expect(reads.find((r) => r.gid.endsWith("71"))!.read!.inputs.ledger!.orders[a.orderGid]?.snapshot?.financialStatus).toBe("paid");
    // The orders that wrote their own (a payload listing refunds, an order named twice) read their own.
    expect(recomputeReads.filter((r) => r.shop === shop && !reads.includes(r)).map((r) => [r.gid, r.read]).sort()).toEqual([
      ["gid://shopify/Customer/75", undefined], ["gid://shopify/Customer/76", undefined],
    ]);
    const ledger = async (orderGid: string) => database.db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop, orderGid } } });
    expect(await ledger(a.orderGid)).toMatchObject({ financialStatus: "paid" });
    expect((await ledger(b.orderGid)).orderUpdatedAt).toEqual(new Date(Date.parse(JSON.parse(b.paid).updated_at) + 5_000));
    expect(await ledger(c.orderGid)).toMatchObject({ financialStatus: "paid" });
    expect(await ledger(d.orderGid)).toMatchObject({ financialStatus: "paid" });
    expect((await ledger(f.orderGid)).orderUpdatedAt).toEqual(new Date(Date.parse(JSON.parse(f.paid).updated_at) + 5_000));
    expect(await database.db.ledgerRefund.count({ where: { shop } })).toBeGreaterThan(0);
    for (const id of ["wh-o-a", "wh-o-b", "wh-o-c-placed", "wh-o-c-paid", "wh-o-d", "wh-o-e", "wh-o-f-create", "wh-o-f-updated"]) expect(await row(id)).toMatchObject({ status: "processed", attempts: 1, error: null });
  });

  it("customers: the newest version of one customer runs, an older one or a same-time copy ends without its handler; differing copies of one time each run", async () => {
    const shop = "versions-customers.myshopify.com";
    const [one, two] = ["gid://shopify/Customer/91", "gid://shopify/Customer/92"];
    await runBatch(shop, [
      { webhookId: "wh-c-older", topic: "customers/update", payload: customerVersion(one, "2026-11-30T10:00:00-05:00", "Old") },
      { webhookId: "wh-c-newest", topic: "customers/update", payload: customerVersion(one, "2026-11-30T10:00:05-05:00", "New") },
      { webhookId: "wh-c-copy", topic: "customers/update", payload: customerVersion(one, "2026-11-30T10:00:05-05:00", "New") },
      { webhookId: "wh-c-tie-a", topic: "customers/update", payload: customerVersion(two, "2026-11-30T10:00:05-05:00", "Ann") },
      { webhookId: "wh-c-tie-b", topic: "customers/update", payload: customerVersion(two, "2026-11-30T10:00:05-05:00", "Bea") },
    ]);
    const ran = handled.filter((id) => id.startsWith("wh-c-")).sort();
    expect(ran.filter((id) => id.startsWith("wh-c-tie-"))).toEqual(["wh-c-tie-a", "wh-c-tie-b"]);
    expect(ran.filter((id) => !id.startsWith("wh-c-tie-"))).toHaveLength(1);
    for (const id of ["wh-c-older", "wh-c-newest", "wh-c-copy", "wh-c-tie-a", "wh-c-tie-b"]) expect(await row(id)).toMatchObject({ status: "processed", attempts: 1 });
    expect(await database.db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop, customerGid: one } } })).toMatchObject({ firstName: "New" });
  });

  it("customers: a batch's contacts of several customers are written together, each handler taking its outcome; a member with no row yet, or one named twice, writes its own", async () => {
    const shop = "versions-contacts.myshopify.com";
    const gid = (n: number) => `gid://shopify/Customer/6${n}`;
    const at = new Date("2026-11-30T15:00:00.000Z");
    await database.db.customer.createMany({
      data: [
        { shop, customerGid: gid(1), firstName: "Was", shopifyUpdatedAt: at },
        { shop, customerGid: gid(2), firstName: "Kept", shopifyUpdatedAt: at },
        { shop, customerGid: gid(3), deletedAt: at },
        { shop, customerGid: gid(5), firstName: "Tie", shopifyUpdatedAt: at },
      ],
    });
    const note = await runBatch(shop, [
      { webhookId: "wh-k-1", topic: "customers/update", payload: customerVersion(gid(1), "2026-11-30T10:00:05-05:00", "Now") },
      { webhookId: "wh-k-2", topic: "customers/update", payload: customerVersion(gid(2), "2026-11-30T09:59:00-05:00", "Older") },
      { webhookId: "wh-k-3", topic: "customers/update", payload: customerVersion(gid(3), "2026-11-30T10:00:05-05:00", "Gone") },
      { webhookId: "wh-k-4", topic: "customers/create", payload: customerVersion(gid(4), "2026-11-30T10:00:05-05:00", "New") },
      { webhookId: "wh-k-5a", topic: "customers/update", payload: customerVersion(gid(5), "2026-11-30T10:00:05-05:00", "Ann") },
      { webhookId: "wh-k-5b", topic: "customers/update", payload: customerVersion(gid(5), "2026-11-30T10:00:05-05:00", "Bea") },
    ]);
    expect(note).toMatchObject({ status: "batch", note: expect.stringMatching(/^6 done, 0 failed/) });
    // PostgreSQL leaves a member with no row to its own write (it inserts); SQLite writes each in turn, the insert too.
    expect(Object.fromEntries([...contactsSaved].filter(([id]) => id.startsWith("wh-k-")))).toEqual({
      "wh-k-1": "UPDATED", "wh-k-2": "NOT_NEWER", "wh-k-3": "DELETED", ...(kind === "sqlite" ? { "wh-k-4": "INSERTED" } : {}),
    });
    expect(handled.filter((id) => id.startsWith("wh-k-")).sort()).toEqual(["wh-k-1", "wh-k-2", "wh-k-3", "wh-k-4", "wh-k-5a", "wh-k-5b"]);
    for (const id of ["wh-k-1", "wh-k-2", "wh-k-4", "wh-k-5a", "wh-k-5b"]) expect(await row(id)).toMatchObject({ status: "processed", attempts: 1, error: null });
    expect(await row("wh-k-3")).toMatchObject({ status: "skipped", attempts: 1 });
    const names = await database.db.customer.findMany({ where: { shop }, orderBy: { customerGid: "asc" }, select: { customerGid: true, firstName: true, deletedAt: true } });
    expect(names.map((c) => [c.customerGid, c.firstName, c.deletedAt !== null])).toEqual([
      [gid(1), "Now", false], [gid(2), "Kept", false], [gid(3), null, true], [gid(4), "New", false], [gid(5), expect.stringMatching(/^(Ann|Bea)$/), false],
    ]);
  });
});

describe("leadingContactVersion", () => {
  const at = (iso: string | null, firstName = "Ada") => ({ customerGid: "gid://shopify/Customer/1", updatedAt: iso ? new Date(iso) : null, email: "a@example.com", firstName, lastName: null });
  it("leads with the newest; a same-time copy may follow it, a same-time difference or a version without a time leaves each to run", () => {
    expect(leadingContactVersion([at("2026-11-30T10:00:00Z"), at("2026-11-30T10:00:01Z"), at("2026-11-30T09:00:00Z")])).toBe(1);
    expect(leadingContactVersion([at("2026-11-30T10:00:01Z"), at("2026-11-30T10:00:01Z")])).toBe(0);
    expect(leadingContactVersion([at("2026-11-30T10:00:01Z", "Ann"), at("2026-11-30T10:00:01Z", "Bea")])).toBeNull();
    expect(leadingContactVersion([at("2026-11-30T10:00:01Z"), at(null)])).toBeNull();
  });
});
