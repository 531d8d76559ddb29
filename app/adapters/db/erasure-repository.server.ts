// Erasure in the database (customers/redact, payload retention).
//
// A redacted customer leaves only tombstones: one ErasureTombstone per customer and
// per order, holding an HMAC-SHA256 digest keyed with the app secret, so a database
// dump alone cannot be walked back to ids (Shopify ids are sequential enough to
// guess, a plain hash of them is not enough). Everything that writes customer or
// ledger rows from Shopify data (webhooks, backfill, reconciliation, recompute)
// asks `erasedAmong` first and drops what it names.
//
// Races: the tombstones are committed before any row is deleted. A writer that
// checked before that commit and wrote after it finds the tombstone on its second
// look (`purgeIfErased`) and removes what it wrote; a writer that wrote before the
// deletes has its rows deleted with the rest.
import { chunks } from "../../chunks.ts";
import { createHmac } from "node:crypto";
import type { Db } from "../../db.server.ts";
import { numericIdOf, type WebhookSubjects } from "../shopify/webhook-subjects.ts";
import { sqlOf } from "./hot-path-sql.server.ts";
import { param, providerOf, timestampText } from "./sql-dialect.ts";

/** What a blanked delivery payload holds. */
export const ERASED_PAYLOAD = "{}";

export type ErasureKind = "customer" | "order";

let keyOverride: string | null = null;
/** Tests that run use-cases in-process (no environment) set the key here. */
export function setErasureKeyForTests(key: string | null): void {
  keyOverride = key;
}

async function erasureKey(): Promise<string> {
  if (keyOverride !== null) return keyOverride;
  const { env } = await import("../../env.server.ts");
  return env().SHOPIFY_API_SECRET;
}

export async function erasureDigest(kind: ErasureKind, shop: string, gidValue: string): Promise<string> {
  return createHmac("sha256", await erasureKey()).update(`${kind}\n${shop}\n${gidValue}`).digest("base64url");
}

async function digestsOf(shop: string, subjects: WebhookSubjects): Promise<Map<string, { kind: ErasureKind; gid: string }>> {
  const out = new Map<string, { kind: ErasureKind; gid: string }>();
  for (const gidValue of subjects.customerGids) out.set(await erasureDigest("customer", shop, gidValue), { kind: "customer", gid: gidValue });
  for (const gidValue of subjects.orderGids) out.set(await erasureDigest("order", shop, gidValue), { kind: "order", gid: gidValue });
  return out;
}

const CHUNK = 200;

/**
 * The subjects among these that were erased. Shops that never had a redaction (nearly
 * all) answer from one indexed lookup, without hashing anything.
 */
export async function erasedAmong(db: Db, shop: string, subjects: WebhookSubjects): Promise<WebhookSubjects> {
  const none: WebhookSubjects = { customerGids: [], orderGids: [] };
  if (subjects.customerGids.length === 0 && subjects.orderGids.length === 0) return none;
  // A cached prepared statement: this runs for every webhook and recomputation (issue 9's hot path).
  const sql = sqlOf(db);
  const any = await sql.all(`SELECT 1 FROM "ErasureTombstone" WHERE "shop" = ? LIMIT 1`, [shop]);
  if (any.length === 0) return none;
  const digests = await digestsOf(shop, subjects);
  const found: WebhookSubjects = { customerGids: [], orderGids: [] };
  for (const part of chunks([...digests.keys()], CHUNK)) {
    const rows = await sql.all(`SELECT "digest" FROM "ErasureTombstone" WHERE "shop" = ? AND "digest" IN (${part.map(() => "?").join(", ")})`, [shop, ...part]);
    for (const row of rows) {
      const subject = digests.get(row.digest as string)!;
      (subject.kind === "customer" ? found.customerGids : found.orderGids).push(subject.gid);
    }
  }
  return found;
}

export const isAnyErased = (subjects: WebhookSubjects) => subjects.customerGids.length > 0 || subjects.orderGids.length > 0;

/** Records the tombstones (idempotent). Committed on its own, before anything is deleted. */
export async function recordTombstones(db: Db, shop: string, subjects: WebhookSubjects, now: Date): Promise<void> {
  const digests = [...(await digestsOf(shop, subjects)).entries()];
  const provider = providerOf(db);
  for (const part of chunks(digests, CHUNK)) {
    const params: unknown[] = [];
    const bind = (value: unknown, pgCast = "") => {
      params.push(value);
      return param(provider, params.length) + (provider === "postgresql" ? pgCast : "");
    };
    const rows = part.map(([digest, { kind }]) => `(${bind(shop)}, ${bind(digest)}, ${bind(kind)}, ${bind(timestampText(provider, now), "::timestamp(3)")})`);
    await db.$executeRawUnsafe(
      `INSERT INTO "ErasureTombstone" ("shop", "digest", "kind", "erasedAt") VALUES ${rows.join(", ")} ON CONFLICT ("shop", "digest") DO NOTHING`,
      ...params,
    );
  }
}

/** The orders held for a customer (ledger rows naming them), so their refunds and payloads go too. */
export async function ordersHeldFor(db: Db, shop: string, customerGid: string): Promise<string[]> {
  const rows = await db.ledgerOrder.findMany({ where: { shop, customerGid }, select: { orderGid: true } });
  return rows.map((r) => r.orderGid);
}

/** Deletes every row about these customers and orders, and earlier data-request exports. Returns the rows deleted. */
export async function deleteSubjectRows(db: Db, shop: string, subjects: WebhookSubjects): Promise<number> {
  const customers = subjects.customerGids;
  let deleted = 0;
  for (const orderPart of chunks(subjects.orderGids, CHUNK)) {
    const counts = await db.$transaction([
      db.ledgerRefund.deleteMany({ where: { shop, orderGid: { in: orderPart } } }),
      db.ledgerOrder.deleteMany({ where: { shop, orderGid: { in: orderPart } } }),
      db.orderPromise.deleteMany({ where: { shop, orderGid: { in: orderPart } } }),
      // Flow triggers fired about these orders (event key "orderGid|risk").
      db.flowTriggerFiring.deleteMany({ where: { shop, OR: orderPart.map((gid) => ({ eventKey: { startsWith: `${gid}|` } })) } }),
      ...shipmentRowsOf(db, shop, orderPart),
    ]);
    deleted += counts.reduce((sum, c) => sum + c.count, 0);
  }
  if (customers.length) {
    // Orders that named them but were not listed (or arrived meanwhile).
    const late = await db.ledgerOrder.findMany({ where: { shop, customerGid: { in: customers } }, select: { orderGid: true } });
    const promised = await db.orderPromise.findMany({ where: { shop, customerGid: { in: customers } }, select: { orderGid: true } });
    const theirOrders = [...new Set([...late, ...promised].map((o) => o.orderGid))];
    const counts = await db.$transaction([
      ...shipmentRowsOf(db, shop, theirOrders),
      db.ledgerRefund.deleteMany({ where: { shop, orderGid: { in: late.map((o) => o.orderGid) } } }),
      db.ledgerOrder.deleteMany({ where: { shop, customerGid: { in: customers } } }),
      // Flow triggers fired about them or their orders (before their tier changes go: those name the events).
      db.flowTriggerFiring.deleteMany({ where: await flowEventsAbout(db, shop, { customerGids: customers, orderGids: theirOrders }) }),
      db.tierChange.deleteMany({ where: { shop, customerGid: { in: customers } } }),
      db.ledgerAdjustment.deleteMany({ where: { shop, customerGid: { in: customers } } }),
      db.orderPromise.deleteMany({ where: { shop, customerGid: { in: customers } } }),
      db.customer.deleteMany({ where: { shop, customerGid: { in: customers } } }),
      // Earlier data-request exports, also ones asked by order ids only (their rows name the customer).
      db.complianceRequest.deleteMany({ where: { shop, OR: [{ customerGid: { in: customers } }, ...customers.map((gid) => ({ export: { contains: gid } }))] } }),
    ]);
    deleted += counts.reduce((sum, c) => sum + c.count, 0);
  }
  return deleted;
}

/**
 * Where the Flow events about these customers or orders are: a tier change's event is keyed by the
 * TierChange id and its payload names the customer by numeric id; a promise's is keyed "orderGid|risk".
 */
export async function flowEventsAbout(db: Db, shop: string, subjects: WebhookSubjects) {
  const changes = subjects.customerGids.length === 0 ? [] : await db.tierChange.findMany({ where: { shop, customerGid: { in: subjects.customerGids } }, select: { id: true } });
  const numericIds = subjects.customerGids.map(numericIdOf).filter((id): id is string => id !== null);
  return {
    shop,
    OR: [
      ...(changes.length > 0 ? [{ eventKey: { in: changes.map((c) => c.id) } }] : []),
      ...numericIds.map((id) => ({ payload: { contains: `"customer_id":${id},` } })),
      ...subjects.orderGids.map((gid) => ({ eventKey: { startsWith: `${gid}|` } })),
    ],
  };
}

/**
 * An erased order's promise-score rows: its scored lines lose the order, fulfillment and line ids
 * and keep their score (the kept rate is an aggregate about the shop, not the buyer); unscored
 * lines and what the order needed shipped are deleted.
 */
function shipmentRowsOf(db: Db, shop: string, orderGids: string[]) {
  const where = { shop, orderGid: { in: orderGids } };
  return [
    db.promiseShipmentLine.updateMany({ where: { ...where, outcome: { not: null } }, data: { orderGid: null, fulfillmentGid: null, lineItemGid: null } }),
    db.promiseShipmentLine.deleteMany({ where }),
    db.promiseOrderShipping.deleteMany({ where }),
  ];
}

/** A writer's second look: if any of these subjects was erased meanwhile, remove what may have been written. */
export async function purgeIfErased(db: Db, shop: string, subjects: WebhookSubjects): Promise<boolean> {
  const erased = await erasedAmong(db, shop, subjects);
  if (!isAnyErased(erased)) return false;
  await deleteSubjectRows(db, shop, erased);
  return true;
}

function mentions(payload: string, numericIds: readonly string[]): boolean {
  return numericIds.some((id) => new RegExp(`(?<![0-9])${id}(?![0-9])`).test(payload));
}

/**
 * Blanks the stored payloads (and errors) of the shop's deliveries that name any of
 * these ids: orders, refunds, fulfillments, customer updates, tag echoes, earlier
 * compliance requests. Deliveries not processed yet are closed as skipped, so they
 * can never re-create what was erased. Returns how many were blanked. `except`: the
 * delivery being processed (its own end is recorded by its job).
 */
export async function blankDeliveriesNaming(db: Db, shop: string, subjects: WebhookSubjects, now: Date, { except }: { except?: string } = {}): Promise<number> {
  let blanked = 0;
  for (const hits of await deliveriesNaming(db, shop, subjects, { except })) {
    // Every status, whatever it is (failed, dismissed, done): only a pending one is also closed.
    for (const pending of [true, false]) {
      const webhookIds = hits.filter((d) => (d.status === "received") === pending).map((d) => d.webhookId);
      if (webhookIds.length === 0) continue;
      const closing = pending ? { status: "skipped", processedAt: now } : {};
      const { count } = await db.webhookDelivery.updateMany({
        where: { webhookId: { in: webhookIds } },
        data: { payload: ERASED_PAYLOAD, error: null, payloadErasedAt: now, ...closing },
      });
      blanked += count;
    }
  }
  return blanked;
}

/**
 * The shop's stored deliveries whose payload names any of these ids (digit-bounded, so one id
 * inside another does not count), in batches of the ids. `except`: a delivery to leave out.
 */
export async function deliveriesNaming(db: Db, shop: string, subjects: WebhookSubjects, { except }: { except?: string } = {}) {
  const ids = [...subjects.customerGids, ...subjects.orderGids].map(numericIdOf).filter((id): id is string => id !== null);
  const batches = [];
  for (const part of chunks(ids, 50)) {
    const candidates = await db.webhookDelivery.findMany({
      where: { shop, payloadErasedAt: null, ...(except ? { webhookId: { not: except } } : {}), OR: part.map((id) => ({ payload: { contains: id } })) },
      select: { webhookId: true, topic: true, receivedAt: true, payload: true, status: true },
      orderBy: { receivedAt: "asc" },
    });
    batches.push(candidates.filter((d) => mentions(d.payload, part)));
  }
  return batches;
}

/** Blanks one delivery's payload (one that named an erased customer or order). */
export async function blankDelivery(db: Db, webhookId: string, now: Date): Promise<void> {
  await db.webhookDelivery.updateMany({ where: { webhookId }, data: { payload: ERASED_PAYLOAD, error: null, payloadErasedAt: now } });
}

/**
 * Retention: blanks the payloads of deliveries that are done (processed, skipped or
 * failed) and were received before `before`, oldest first, at most `limit` of them.
 * Their error stays: it says what went wrong, not whom it was about.
 */
export async function blankExpiredPayloads(db: Db, before: Date, limit: number, now: Date): Promise<number> {
  const expired = await db.webhookDelivery.findMany({
    where: { payloadErasedAt: null, receivedAt: { lt: before }, status: { not: "received" } },
    orderBy: { receivedAt: "asc" },
    select: { webhookId: true },
    take: limit,
  });
  if (expired.length === 0) return 0;
  const { count } = await db.webhookDelivery.updateMany({
    where: { webhookId: { in: expired.map((d) => d.webhookId) }, status: { not: "received" } },
    data: { payload: ERASED_PAYLOAD, payloadErasedAt: now },
  });
  return count;
}
