// Processor of the `webhooks` queue: loads the stored delivery, runs the topic's
// use-case, marks it done. A delivery already done is skipped, so a redelivery,
// a retried job or a job re-run after a crash never applies its effect twice
// (and every use-case is itself idempotent, for the crash between effect and mark).
//
// A job carries one delivery or a batch the intake accepted together. Each job costs
// the worker a fetch and a finish in Redis and a wake-up, and on this kind of machine
// a wake-up after idling (cold caches) costs more than the delivery's own work: a
// batch pays them once for all its deliveries and loads its rows in one statement.
// A batch never retries as a whole: a delivery that fails is queued again alone,
// under its own job id, with the single job's retries and backoff.
//
// Versions of one order or customer delivered in the same batch (orders/create and orders/paid of
// an order paid at checkout arrive together, as do the customers/update of a tag added and one
// removed) are applied once: the version the ledger (or the contact's rule) keeps goes through the
// topic's handler, and the others, which that rule would then leave unapplied, only end (through
// the erasure guard) once it succeeded; if it failed, they run as they are.
//
// Before its lanes start, a batch writes its contacts and order versions and reads its paid orders'
// promise contexts and its members' recomputation inputs, each in one statement per shop
// (docs/decisions/0026, 0027); each delivery's handler takes its share, and whatever the batch did
// not decide is done by the delivery itself.
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import {
  closeDeliveriesUnlessShopHasTombstones, closeDeliveryUnlessShopHasTombstones, loadStoredDeliveries, loadStoredDelivery, recordDeliveryAttempt, type StoredDelivery,
} from "../adapters/db/webhook-job-statements.server.ts";
import type { PromiseWorkRequest } from "../adapters/queues/promise-jobs.server.ts";
import { QUEUES, type DeliveryJob, type JobPayload } from "../adapters/queues/queue-registry.ts";
import { purgeIfErased } from "../adapters/db/erasure-repository.server.ts";
import { parseWebhookPayload } from "../adapters/shopify/lossless-json.ts";
import { customerFromPayload, listsRefunds, orderNameFromPayload, orderSnapshotFromPayload, PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import { saveOrderSnapshots } from "../adapters/db/ledger-repository.server.ts";
import { loadPromiseContexts, type PromiseContext } from "../adapters/db/order-promise-statements.server.ts";
import { orderPromiseEvent } from "../adapters/shopify/order-promise-payload.ts";
import { compareOrderVersions } from "../domain/order-ledger.ts";
import { contactOf, leadingContactVersion } from "../use-cases/apply-customer-webhook.server.ts";
import { loadRecomputeInputsOfCustomers, saveCustomerContacts, type ContactWriteOutcome } from "../adapters/db/customer-tier-statements.server.ts";
import type { RecomputeRead } from "../use-cases/recompute-customer-tier.server.ts";
import { isKnownTopic } from "../adapters/shopify/webhook-topics.ts";
import { MoneyParseError } from "../domain/money.ts";
import { runLimited } from "../use-cases/run-limited.ts";
import type { OrderSaved, TierRecomputeCause, WebhookContext, WebhookOutcome } from "../use-cases/webhook-context.ts";
import type { WebhookHandler } from "./webhook-handlers.ts";
import type { WebhookTopic } from "../adapters/shopify/webhook-topics.ts";

export interface WebhookProcessorDeps {
  db: Db;
  handlers: Record<WebhookTopic, WebhookHandler>;
  /** `read`: members' recomputation inputs read with the delivery's batch, after its order writes. */
  requestTierRecompute(shop: string, customerGids: string[], cause: TierRecomputeCause, read?: ReadonlyMap<string, RecomputeRead>): Promise<void>;
  /** `context`: a make request's promise context, read with the delivery's batch. */
  requestPromiseWork?(shop: string, work: PromiseWorkRequest, context?: PromiseContext): Promise<void>;
  schedulePurge(shop: string, uninstalledAt: Date): Promise<void>;
  /**
   * Ends a delivery whose version a delivery of the same batch superseded (the handlers'
   * erasure guard around nothing else); without it, every delivery of a batch runs its handler.
   */
  supersededVersion?: WebhookHandler;
  /** Queues deliveries each under its own job, after delayMs: a batch's delivery to try again, or whose row is not there yet. */
  requeueDeliveries?(deliveries: DeliveryJob[], delayMs: number): Promise<void>;
  log: Logger;
  now?: () => Date;
}

/**
 * The intake writes the row and the job concurrently, so a job can run before its
 * row commits. For this long after the job was queued it steps aside (delayed,
 * without holding a worker slot or counting an attempt) and looks again.
 */
const ROW_GRACE_MS = 10_000;
const ROW_RECHECK_MS = 50;
/** A batch's delivery that failed is tried again alone this much later (the first step of the default backoff). */
const BATCH_RETRY_DELAY_MS = 1_000;
/** A batch's deliveries run this many at a time (their Admin API calls and database transactions overlap). */
const BATCH_LANES = 8;

const describeError = (error: unknown) => (error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error));

/** Whether this run is the job's last try (attemptsMade counts the tries that failed before it). */
const isLastAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

type DoneStatus = "processed" | "skipped";

/**
 * A batch's closes (the erasure guard's look after the write, folded into the delivery's end),
 * gathered while its deliveries run: once every running delivery waits on its close, they go out
 * as one statement. One write transaction for the lot instead of one per delivery:
 * the close was the worker's costliest statement (0.12 ms each on SQLite, five per order). A
 * delivery waiting on its close gives its lane to the next one (processBatch), and the closes wait
 * until every delivery of the batch has begun: a batch's closes go out once, at its end.
 */
class GatheredCloses {
  private running = 0;
  private sealed = false;
  private waiting: Array<{ webhookId: string; status: DoneStatus; resolve(closed: boolean): void; reject(error: unknown): void }> = [];

  constructor(private readonly db: Db) {}

  begin(): void {
    this.running++;
  }

  /** Every delivery of the batch has begun: from now on, closes go out once all that run wait. */
  seal(): void {
    this.sealed = true;
    this.flushIfAllWait();
  }

  end(): void {
    this.running--;
    this.flushIfAllWait();
  }

  /** `waits`: told once the close is waiting for the others. */
  close(webhookId: string, status: DoneStatus, waits?: () => void): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ webhookId, status, resolve, reject });
      waits?.();
      this.flushIfAllWait();
    });
  }

  private flushIfAllWait(): void {
    if (!this.sealed || this.waiting.length === 0 || this.waiting.length < this.running) return;
    const group = this.waiting;
    this.waiting = [];
    void this.flush(group);
  }

  private async flush(group: GatheredCloses["waiting"]): Promise<void> {
    const at = new Date();
    try {
      const closed = await closeDeliveriesUnlessShopHasTombstones(this.db, group, at);
      for (const w of group) w.resolve(closed.has(w.webhookId));
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  }
}

type VersionFollower = { entry: DeliveryJob; delivery: StoredDelivery; payload: unknown };
/** What a batch hands a delivery's run: its parsed payload, the handler that ends a superseded version, its contact's outcome if written with the batch's. */
type ParsedDelivery = {
  payload: unknown;
  handler?: WebhookHandler;
  contactSaved?: ContactWriteOutcome;
  orderSaved?: OrderSaved;
  promiseContext?: BatchPromiseContext;
  recomputeReads?: ReadonlyMap<string, RecomputeRead>;
};
type BatchPromiseContext = { orderGid: string; context: PromiseContext };

/**
 * Topics whose handler stores a newer version of one subject and nothing else: the subject a
 * payload names (null: not one to gather), and which of several versions, once stored, leaves the
 * others nothing to change (null: none does, each runs). Throws on a payload the handler refuses.
 */
interface VersionKind {
  subjectOf(payload: unknown): string | null;
  leaderOf(payloads: readonly unknown[]): number | null;
}
const gidOf = (payload: unknown) => {
  const gid = (payload as { admin_graphql_api_id?: unknown } | null)?.admin_graphql_api_id;
  return typeof gid === "string" ? gid : null;
};
const ORDER_VERSIONS: VersionKind = {
  // A payload listing refunds also stores them: it runs.
  subjectOf: (payload) => (listsRefunds(payload) ? null : gidOf(payload)),
  leaderOf: (payloads) => {
    const snapshots = payloads.map(orderSnapshotFromPayload);
    return snapshots.reduce((best, snapshot, i) => (compareOrderVersions(snapshot, snapshots[best]) > 0 ? i : best), 0);
  },
};
const CUSTOMER_VERSIONS: VersionKind = { subjectOf: gidOf, leaderOf: (payloads) => leadingContactVersion(payloads.map(customerFromPayload)) };
/** orders/updated also scores shipments, refunds/create and the tag topics do more than store a version. */
const VERSION_KINDS: Partial<Record<string, VersionKind>> = {
  "orders/create": ORDER_VERSIONS,
  "orders/paid": ORDER_VERSIONS,
  "orders/cancelled": ORDER_VERSIONS,
  "customers/create": CUSTOMER_VERSIONS,
  "customers/update": CUSTOMER_VERSIONS,
};

/**
 * A batch's versions of one order or customer (first tries): for each subject with several, the
 * version whose storing leaves the others nothing to change leads and the others follow it. The
 * payloads parsed here go with their deliveries (each is parsed once).
 */
function versionsOf(batch: readonly DeliveryJob[], rows: ReadonlyMap<string, StoredDelivery>, runningElsewhere: ReadonlySet<string>) {
  const bySubject = new Map<string, { kind: VersionKind; members: VersionFollower[] }>();
  // Every payload parsed here goes to its delivery's run (each is parsed once).
  const payloads = new Map<string, { payload: unknown }>();
  // A delivery Shopify sent again while the first was being stored can be in the batch twice: one entry counts.
  const seen = new Set<string>();
  for (const entry of batch) {
    const delivery = rows.get(entry.webhookId);
    const kind = delivery && VERSION_KINDS[delivery.topic];
    if (!delivery || !(kind || ORDER_TOPICS.has(delivery.topic)) || delivery.status !== "received" || delivery.startedBefore || runningElsewhere.has(delivery.webhookId) || seen.has(delivery.webhookId)) continue;
    seen.add(delivery.webhookId);
    let payload: unknown;
    try {
      payload = parseWebhookPayload(delivery.topic, delivery.payload);
    } catch {
      continue; // its own run reports it
    }
    payloads.set(delivery.webhookId, { payload });
    if (!kind) continue;
    const subject = kind.subjectOf(payload);
    if (subject === null) continue;
    // A subject is a gid (gid://shopify/Order/… or …/Customer/…): one kind per key.
    const key = `${delivery.shop} ${subject}`;
    const group = bySubject.get(key);
    if (group) group.members.push({ entry, delivery, payload });
    else bySubject.set(key, { kind, members: [{ entry, delivery, payload }] });
  }
  const followers = new Map<string, VersionFollower[]>();
  const following = new Set<string>();
  for (const { kind, members } of bySubject.values()) {
    if (members.length < 2) continue;
    let lead: number | null;
    try {
      lead = kind.leaderOf(members.map((m) => m.payload));
    } catch {
      continue; // a payload the handler refuses: each runs (and reports) on its own
    }
    if (lead === null) continue;
    const leader = members[lead];
    const rest = members.filter((m) => m !== leader);
    followers.set(leader.delivery.webhookId, rest);
    for (const follower of rest) following.add(follower.delivery.webhookId);
  }
  return { followers, following, payloads };
}

const CONTACT_TOPICS = new Set(["customers/create", "customers/update"]);
/** Topics whose handler begins by storing the order's version in the ledger (applyOrderWebhook). */
const ORDER_TOPICS = new Set(["orders/create", "orders/paid", "orders/updated", "orders/cancelled"]);

/**
 * Writes a batch's first tries together, one write per shop (issue 9: a round trip per delivery
 * showed in the worker's profile): the deliveries that lead or stand alone, in shops without an
 * erasure tombstone, not run by another job here, whose payload `subjectOf` names a subject (null:
 * not one to write here; a throw: its own run reports it). A subject named by two deliveries that
 * did not fold into one version is left to each, and so is a shop with fewer than two subjects.
 * `write` answers per subject key; a subject it leaves out, and every delivery of a shop whose
 * write fails, write their own. The result is per webhook id: the subject's value and its outcome.
 */
async function writeWithBatch<V, O>(
  batch: readonly DeliveryJob[],
  rows: ReadonlyMap<string, StoredDelivery>,
  versions: ReturnType<typeof versionsOf>,
  runningElsewhere: ReadonlySet<string>,
  log: Logger,
  what: string,
  subjectOf: (delivery: StoredDelivery, payload: unknown) => { key: string; value: V } | null,
  write: (shop: string, subjects: ReadonlyArray<{ key: string; value: V }>) => Promise<ReadonlyMap<string, O>>,
): Promise<Map<string, { value: V; outcome: O }>> {
  const byShop = new Map<string, Map<string, { webhookIds: string[]; value: V }>>();
  for (const entry of batch) {
    const delivery = rows.get(entry.webhookId);
    const parsed = versions.payloads.get(entry.webhookId);
    if (!delivery || !parsed || delivery.status !== "received" || delivery.startedBefore || delivery.shopHasTombstones !== false) continue;
    if (runningElsewhere.has(delivery.webhookId) || versions.following.has(delivery.webhookId)) continue;
    let subject;
    try {
      subject = subjectOf(delivery, parsed.payload);
    } catch {
      continue; // its own run reports it
    }
    if (!subject) continue;
    const subjects = byShop.get(delivery.shop) ?? new Map<string, { webhookIds: string[]; value: V }>();
    byShop.set(delivery.shop, subjects);
    const same = subjects.get(subject.key);
    if (same) same.webhookIds.push(delivery.webhookId);
    else subjects.set(subject.key, { webhookIds: [delivery.webhookId], value: subject.value });
  }
  const written = new Map<string, { value: V; outcome: O }>();
  for (const [shop, subjects] of byShop) {
    const alone = [...subjects].filter(([, s]) => s.webhookIds.length === 1);
    if (alone.length < 2) continue;
    try {
      const outcomes = await write(shop, alone.map(([key, s]) => ({ key, value: s.value })));
      for (const [key, s] of alone) {
        const outcome = outcomes.get(key);
        if (outcome !== undefined) written.set(s.webhookIds[0], { value: s.value, outcome });
      }
    } catch (error) {
      log.warn(`a batch's ${what} could not be written together; each delivery writes its own`, { shop, error: describeError(error) });
    }
  }
  return written;
}

/**
 * The ledger versions of a batch's order deliveries (orders/create|paid|updated|cancelled; a
 * payload listing refunds stores those first and is left to its handler), written together: on
 * PostgreSQL one statement per shop (an order's tag and metafield writes come back as
 * orders/updated, so this is two writes an order). Each handler then takes its outcome
 * (WebhookContext.orderSaved). An order the statement left undecided writes its own.
 */
async function saveBatchOrders(db: Db, ...batchOf: BatchOf): Promise<Map<string, OrderSaved>> {
  const written = await writeWithBatch(
    ...batchOf,
    "orders",
    (delivery, payload) => {
      if (!ORDER_TOPICS.has(delivery.topic) || listsRefunds(payload)) return null;
      const snapshot = orderSnapshotFromPayload(payload);
      return { key: snapshot.orderId, value: { snapshot, name: orderNameFromPayload(payload) } };
    },
    (shop, orders) => saveOrderSnapshots(db, shop, orders.map((o) => o.value)),
  );
  return new Map([...written].map(([webhookId, { value, outcome }]) => [webhookId, { snapshot: value.snapshot, outcome }]));
}

/**
 * The contacts of a batch's customers/create|update deliveries, written together: on PostgreSQL
 * one statement per shop. Each delivery's handler then takes its outcome
 * (WebhookContext.contactSaved). A customer with no row yet is left to its own write.
 */
async function saveBatchContacts(db: Db, ...batchOf: BatchOf): Promise<Map<string, ContactWriteOutcome>> {
  const written = await writeWithBatch(
    ...batchOf,
    "contacts",
    (delivery, payload) => {
      if (!CONTACT_TOPICS.has(delivery.topic)) return null;
      const customer = customerFromPayload(payload);
      return { key: customer.customerGid, value: contactOf(customer) };
    },
    (shop, contacts) => saveCustomerContacts(db, shop, contacts.map((c) => ({ customerGid: c.key, contact: c.value }))),
  );
  return new Map([...written].map(([webhookId, { outcome }]) => [webhookId, outcome]));
}

/** What the batch writers read of their batch: its entries, rows, versions, what runs elsewhere, the log. */
type BatchOf = [batch: readonly DeliveryJob[], rows: ReadonlyMap<string, StoredDelivery>, versions: ReturnType<typeof versionsOf>, runningElsewhere: ReadonlySet<string>, log: Logger];

/**
 * The promise contexts of the orders a batch's order writes will ask a promise for (a first try
 * that stored something that counts, of an order paid and not cancelled): on PostgreSQL one
 * statement per shop instead of a round trip per order (issue 9). The inline promise takes its
 * order's (WebhookProcessorDeps.requestPromiseWork); any other reads its own.
 */
async function loadBatchPromiseContexts(db: Db, rows: ReadonlyMap<string, StoredDelivery>, versions: ReturnType<typeof versionsOf>, orders: ReadonlyMap<string, OrderSaved>, log: Logger): Promise<Map<string, BatchPromiseContext>> {
  const byShop = new Map<string, Array<{ webhookId: string; orderGid: string; customerGid: string | null; orderedAt: Date }>>();
  for (const [webhookId, { outcome }] of orders) {
    const delivery = rows.get(webhookId);
    const parsed = versions.payloads.get(webhookId);
    if (!delivery || !parsed || !outcome.stored || !outcome.countsChanged) continue;
    let event;
    try {
      event = orderPromiseEvent(parsed.payload);
    } catch {
      continue; // its own run reports it
    }
    if (event?.kind !== "make") continue;
    const list = byShop.get(delivery.shop) ?? [];
    byShop.set(delivery.shop, list);
    list.push({ webhookId, orderGid: event.order.orderGid, customerGid: event.order.customerGid, orderedAt: new Date(event.order.orderedAt) });
  }
  const contexts = new Map<string, BatchPromiseContext>();
  for (const [shop, list] of byShop) {
    if (list.length < 2) continue;
    try {
      const read = await loadPromiseContexts(db, shop, list);
      for (const o of list) {
        const context = read.get(o.orderGid);
        if (context) contexts.set(o.webhookId, { orderGid: o.orderGid, context });
      }
    } catch (error) {
      log.warn("a batch's promise contexts could not be read together; each promise reads its own", { shop, error: describeError(error) });
    }
  }
  return contexts;
}

/**
 * The recomputation inputs of the members a batch's order writes will ask a recomputation for (a
 * first try that stored something that counts: the order's customer, and its previous one when it
 * moved), read after those writes: on PostgreSQL one statement per shop instead of a round trip per
 * member (issue 9). A recomputation that starts at once takes them (tier-jobs.ts); one that waits
 * for another of the same member reads its own.
 */
async function loadBatchRecomputeReads(db: Db, rows: ReadonlyMap<string, StoredDelivery>, orders: ReadonlyMap<string, OrderSaved>, log: Logger): Promise<Map<string, ReadonlyMap<string, RecomputeRead>>> {
  const byShop = new Map<string, { webhookIds: string[]; customerGids: Set<string> }>();
  for (const [webhookId, { snapshot, outcome }] of orders) {
    const delivery = rows.get(webhookId);
    if (!delivery || !outcome.stored || !outcome.countsChanged) continue;
    const shop = byShop.get(delivery.shop) ?? { webhookIds: [], customerGids: new Set<string>() };
    byShop.set(delivery.shop, shop);
    shop.webhookIds.push(webhookId);
    if (snapshot.customerId) shop.customerGids.add(snapshot.customerId);
    if (outcome.previousCustomerGid) shop.customerGids.add(outcome.previousCustomerGid);
  }
  const reads = new Map<string, ReadonlyMap<string, RecomputeRead>>();
  for (const [shop, { webhookIds, customerGids }] of byShop) {
    if (customerGids.size < 2) continue;
    try {
      // Before the read: a ledger write later than this may not be in what it reads.
      const readAt = new Date();
      const inputs = await loadRecomputeInputsOfCustomers(db, shop, [...customerGids]);
      const read = new Map([...inputs].map(([customerGid, i]) => [customerGid, { inputs: i, readAt }]));
      for (const webhookId of webhookIds) reads.set(webhookId, read);
    } catch (error) {
      log.warn("a batch's recomputation inputs could not be read together; each recomputation reads its own", { shop, error: describeError(error) });
    }
  }
  return reads;
}

export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  // Deliveries this process is running: a batch leaves one alone that another job here is on.
  const running = new Set<string>();

  /** Runs one stored delivery's use-case and records its end. Throws to retry; an UnrecoverableError has recorded the failure. */
  async function runDelivery(
    delivery: StoredDelivery,
    attempt: { retry: boolean; last: boolean },
    closes?: { gathered: GatheredCloses; waits: () => void },
    parsed?: ParsedDelivery,
  ): Promise<WebhookOutcome> {
    const webhookId = delivery.webhookId;
    const shop = delivery.shop;
    const end = (status: "processed" | "skipped" | "failed" | undefined, error: string | null) => recordDeliveryAttempt(deps.db, webhookId, { status, error, at: new Date() });

    const fail = async (message: string): Promise<never> => {
      await end("failed", message);
      throw new UnrecoverableError(message);
    };
    if (!isKnownTopic(delivery.topic)) return fail(`no handler for topic ${delivery.topic}`);

    let payload: unknown = parsed?.payload;
    try {
      if (!parsed) payload = parseWebhookPayload(delivery.topic, delivery.payload);
    } catch (error) {
      // The intake refuses what is not JSON or absurdly nested, but a row stored before
      // that check (or a parser limit) must still end, not be retried for ever.
      return fail(`payload cannot be parsed: ${describeError(error)}`);
    }
    // Customers this delivery had recomputed: the erasure look after their write is taken here,
    // folded into the close (a shop with no tombstone at the close has erased nobody since the
    // write), else with a statement of its own, also when the handler fails after the write.
    const recomputed = new Set<string>();
    const lookAfterRecomputation = async () => {
      if (recomputed.size) await purgeIfErased(deps.db, shop, { customerGids: [...recomputed], orderGids: [] });
    };
    const ctx: WebhookContext = {
      db: deps.db,
      shop,
      topic: delivery.topic,
      webhookId,
      payload,
      now: deps.now?.() ?? new Date(),
      retry: attempt.retry,
      shopHasTombstones: delivery.shopHasTombstones,
      closeUnlessShopHasTombstones: (outcome) =>
        closes ? closes.gathered.close(webhookId, outcome.status, closes.waits) : closeDeliveryUnlessShopHasTombstones(deps.db, webhookId, shop, { status: outcome.status, at: new Date() }),
      requestTierRecompute: (gids, cause) => {
        for (const gid of gids) recomputed.add(gid);
        return deps.requestTierRecompute(shop, gids, cause, parsed?.recomputeReads);
      },
      ...(deps.requestPromiseWork
        ? { requestPromiseWork: (work: PromiseWorkRequest) => deps.requestPromiseWork!(shop, work, work.kind === "make" && parsed?.promiseContext?.orderGid === work.order.orderGid ? parsed.promiseContext.context : undefined) }
        : {}),
      schedulePurge: (uninstalledAt) => deps.schedulePurge(shop, uninstalledAt),
      ...(parsed?.contactSaved ? { contactSaved: parsed.contactSaved } : {}),
      ...(parsed?.orderSaved ? { orderSaved: parsed.orderSaved } : {}),
    };
    let outcome;
    try {
      outcome = await (parsed?.handler ?? deps.handlers[delivery.topic])(ctx);
    } catch (error) {
      await lookAfterRecomputation();
      // A payload that cannot be understood will not improve with retries: keep it for inspection.
      if (error instanceof PayloadError || error instanceof MoneyParseError) {
        deps.log.warn("webhook payload rejected", { webhookId, topic: delivery.topic, error: error.message });
        return fail(error.message);
      }
      // The job's last attempt ends the delivery: marked failed (the Overview counts it,
      // with this reason) so the sweep does not queue it again.
      await end(attempt.last ? "failed" : undefined, describeError(error));
      throw error;
    }
    if (outcome.closed) return outcome;
    // A batch's delivery its handler did not close (a topic that names no customer or order, or one
    // that skipped): its end goes out with the batch's closes unless the shop has a tombstone, which
    // also answers the look after a recomputation (nobody erased since its write).
    if (closes && (await closes.gathered.close(webhookId, outcome.status, closes.waits))) return outcome;
    await lookAfterRecomputation();
    // An UPDATE matching no row is fine: shop/redact may have deleted the shop's other deliveries.
    await end(outcome.status, null);
    return outcome;
  }

  async function processOne(job: Job, data: DeliveryJob, token?: string): Promise<{ status: string; note?: string }> {
    const delivery = await loadStoredDelivery(deps.db, data.webhookId);
    if (!delivery) {
      if (token && Date.now() - job.timestamp < ROW_GRACE_MS) {
        await job.moveToDelayed(Date.now() + ROW_RECHECK_MS, token);
        throw new DelayedError();
      }
      // Still not there: its write is slow (retry with backoff) or failed and was answered 503.
      if (job.attemptsMade < 3) throw new Error(`delivery ${data.webhookId} is not stored yet`);
      return { status: "gone", note: "delivery not stored (write failed, or the shop was redacted)" };
    }
    if (delivery.status === "processed" || delivery.status === "skipped") return { status: "duplicate" };
    if (running.has(delivery.webhookId) && token) {
      // A batch here is running it: look again once that run ended (done, or failed and queued to retry under this id).
      await job.moveToDelayed(Date.now() + BATCH_RETRY_DELAY_MS, token);
      throw new DelayedError();
    }
    running.add(delivery.webhookId);
    try {
      // A failed attempt retried (by BullMQ, or by the sweep's fresh job: the row counts attempts), a job re-run after its
      // worker stopped mid-way, or a delivery another job took up before (its worker may have stopped after a write).
      return await runDelivery(delivery, { retry: delivery.startedBefore || job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0, last: isLastAttempt(job) });
    } finally {
      running.delete(delivery.webhookId);
    }
  }

  async function processBatch(job: Job, batch: DeliveryJob[]): Promise<{ status: string; note?: string }> {
    if (!deps.requeueDeliveries) throw new UnrecoverableError("a batch of deliveries needs requeueDeliveries");
    const rows = await loadStoredDeliveries(deps.db, batch.map((d) => d.webhookId));
    const rerun = job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
    const notStored: DeliveryJob[] = [];
    const again: DeliveryJob[] = [];
    const ended = { done: 0, failed: 0, elsewhere: 0 };
    const closes = new GatheredCloses(deps.db);
    const runs: Promise<void>[] = [];
    const versions = deps.supersededVersion && !rerun ? versionsOf(batch, rows, running) : null;
    const contacts = versions ? await saveBatchContacts(deps.db, batch, rows, versions, running, deps.log) : null;
    const orders = versions ? await saveBatchOrders(deps.db, batch, rows, versions, running, deps.log) : null;
    const promiseContexts = versions && orders && deps.requestPromiseWork ? await loadBatchPromiseContexts(deps.db, rows, versions, orders, deps.log) : null;
    const recomputeReads = orders ? await loadBatchRecomputeReads(deps.db, rows, orders, deps.log) : null;
    for (const id of versions?.following ?? []) running.add(id);
    /** Runs a delivery as one of the batch's; true when it ended (processed, skipped or failed for good). */
    const runInBatch = async (entry: DeliveryJob, delivery: StoredDelivery, waits: () => void, parsed?: ParsedDelivery) => {
      try {
        await runDelivery(delivery, { retry: rerun || delivery.startedBefore, last: false }, { gathered: closes, waits }, parsed);
        ended.done++;
        return true;
      } catch (error) {
        if (error instanceof UnrecoverableError) ended.failed++;
        else again.push(entry);
        return false;
      } finally {
        closes.end();
        running.delete(delivery.webhookId);
      }
    };
    await runLimited(batch, BATCH_LANES, async (entry) => {
      // A superseded version runs after the version that leads it.
      if (versions?.following.has(entry.webhookId)) return;
      const delivery = rows.get(entry.webhookId);
      if (!delivery) return void notStored.push(entry);
      if (delivery.status === "processed" || delivery.status === "skipped") return void ended.done++;
      if (running.has(delivery.webhookId)) return void ended.elsewhere++;
      running.add(delivery.webhookId);
      closes.begin();
      let waits!: () => void;
      const waiting = new Promise<void>((resolve) => (waits = resolve));
      const followers = versions?.followers.get(delivery.webhookId) ?? [];
      const parsed = versions?.payloads.get(delivery.webhookId);
      const contactSaved = contacts?.get(delivery.webhookId);
      const orderSaved = orders?.get(delivery.webhookId);
      const promiseContext = promiseContexts?.get(delivery.webhookId);
      const recomputeRead = recomputeReads?.get(delivery.webhookId);
      const run = runInBatch(
        entry, delivery, waits,
        parsed && { ...parsed, ...(contactSaved ? { contactSaved } : {}), ...(orderSaved ? { orderSaved } : {}), ...(promiseContext ? { promiseContext } : {}), ...(recomputeRead ? { recomputeReads: recomputeRead } : {}) },
      );
      // Superseded versions end once the leading one succeeded (the ledger rule would leave them
      // unapplied); if it did not, they run as they are. Their closes join the batch's.
      runs.push(
        run.then(async (led) => {
          for (const follower of followers) {
            closes.begin();
            await runInBatch(follower.entry, follower.delivery, () => {}, { payload: follower.payload, ...(led ? { handler: deps.supersededVersion } : {}) });
          }
        }),
      );
      // The lane is free once the delivery ends or waits on its close.
      await Promise.race([run, waiting]);
    });
    closes.seal();
    await Promise.all(runs);
    // Alone, each gets what a lone delivery gets: the wait for a row still being written, retries with backoff.
    if (notStored.length) await deps.requeueDeliveries(notStored, ROW_RECHECK_MS);
    if (again.length) await deps.requeueDeliveries(again, BATCH_RETRY_DELAY_MS);
    const note = `${ended.done} done, ${ended.failed} failed, ${again.length} to try again alone, ${notStored.length} not stored yet, ${ended.elsewhere} run by another job`;
    return { status: "batch", note };
  }

  return async function processWebhook(job: Job<JobPayload<"webhooks">>, token?: string): Promise<{ status: string; note?: string }> {
    const data = QUEUES.webhooks.payload.parse(job.data);
    return "batch" in data ? processBatch(job, data.batch) : processOne(job, data, token);
  };
}
