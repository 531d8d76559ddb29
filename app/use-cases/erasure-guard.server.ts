// Nothing re-creates an erased customer or order: every path that writes customer
// or ledger rows from Shopify data looks for tombstones before writing, and looks
// again after (a customers/redact may have committed in between; see
// erasure-repository.server.ts for why the second look closes the race).
import type { Db } from "../db.server.ts";
import { blankDeliveriesNaming, blankDelivery, deleteSubjectRows, erasedAmong, isAnyErased, purgeIfErased, recordTombstones } from "../adapters/db/erasure-repository.server.ts";
import { webhookSubjects, type WebhookSubjects } from "../adapters/shopify/webhook-subjects.ts";
import type { OrderSnapshot } from "../domain/order-ledger.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

type Handler = (ctx: WebhookContext) => Promise<WebhookOutcome>;

/** Runs a webhook's use-case unless the payload names an erased customer or order; its payload is then blanked. */
export async function applyUnlessErased(ctx: WebhookContext, handler: Handler): Promise<WebhookOutcome> {
  const subjects = webhookSubjects(ctx.topic, ctx.payload);
  const skip = async (): Promise<WebhookOutcome> => {
    await blankDelivery(ctx.db, ctx.webhookId, ctx.now);
    return { status: "skipped", note: "names an erased customer or order" };
  };
  // The first look: answered by the delivery's load when the shop had no tombstone then.
  const erased = ctx.shopHasTombstones === false ? { customerGids: [], orderGids: [] } : await erasedAmong(ctx.db, ctx.shop, subjects);
  if (erased.customerGids.length && subjects.orderGids.length) {
    // An order of an erased customer that the redaction did not know of (a refund may have come first):
    // it is theirs, so it is erased too.
    await recordTombstones(ctx.db, ctx.shop, { customerGids: [], orderGids: subjects.orderGids }, ctx.now);
    await deleteSubjectRows(ctx.db, ctx.shop, { customerGids: [], orderGids: subjects.orderGids });
    await blankDeliveriesNaming(ctx.db, ctx.shop, { customerGids: [], orderGids: subjects.orderGids }, ctx.now, { except: ctx.webhookId });
  }
  if (isAnyErased(erased)) return skip();
  const outcome = await handler(ctx);
  // The look after the write: folded into the delivery's close when the job offers it (a shop
  // without tombstones, nearly all, then needs no statement of its own for it).
  const named = subjects.customerGids.length > 0 || subjects.orderGids.length > 0;
  if (named && ctx.closeUnlessShopHasTombstones && (await ctx.closeUnlessShopHasTombstones(outcome))) return { ...outcome, closed: true };
  if (await purgeIfErased(ctx.db, ctx.shop, subjects)) return skip();
  return outcome;
}

function subjectsOf(snapshots: readonly OrderSnapshot[]): WebhookSubjects {
  return {
    customerGids: [...new Set(snapshots.map((s) => s.customerId).filter((id): id is string => id !== null))],
    orderGids: snapshots.map((s) => s.orderId),
  };
}

/** The entries (orders from the backfill or the reconciliation) that name no erased customer or order. */
export async function withoutErased<T extends { snapshot: OrderSnapshot }>(db: Db, shop: string, entries: T[]): Promise<T[]> {
  const erased = await erasedAmong(db, shop, subjectsOf(entries.map((e) => e.snapshot)));
  if (!isAnyErased(erased)) return entries;
  const customers = new Set(erased.customerGids);
  const orders = new Set(erased.orderGids);
  return entries.filter(({ snapshot }) => !orders.has(snapshot.orderId) && !(snapshot.customerId !== null && customers.has(snapshot.customerId)));
}

/** The second look after writing such entries. */
export async function purgeErasedAmong(db: Db, shop: string, entries: readonly { snapshot: OrderSnapshot }[]): Promise<void> {
  if (entries.length) await purgeIfErased(db, shop, subjectsOf(entries.map((e) => e.snapshot)));
}

/** Of these customers (reconciliation's read), the ones not erased. */
export async function customersNotErased(db: Db, shop: string, customerGids: string[]): Promise<string[]> {
  const erased = new Set((await erasedAmong(db, shop, { customerGids, orderGids: [] })).customerGids);
  return erased.size ? customerGids.filter((gid) => !erased.has(gid)) : customerGids;
}

/** The second look after writing such customers. */
export async function purgeErasedCustomers(db: Db, shop: string, customerGids: string[]): Promise<void> {
  if (customerGids.length) await purgeIfErased(db, shop, { customerGids, orderGids: [] });
}

/** A tier recomputation for someone erased must not create their row again. */
export async function isCustomerErased(db: Db, shop: string, customerGid: string): Promise<boolean> {
  return isAnyErased(await erasedAmong(db, shop, { customerGids: [customerGid], orderGids: [] }));
}

export async function purgeIfCustomerErased(db: Db, shop: string, customerGid: string): Promise<boolean> {
  return purgeIfErased(db, shop, { customerGids: [customerGid], orderGids: [] });
}
