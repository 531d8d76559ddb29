// Write saved tiers to Shopify for one shop, many customers per round: the tier
// tag (add the tier's tag, remove only tags Tierline owns) and the app-owned
// metafields. Load the due rows → plan each (what differs from what was last
// written) → write → save what was written, compare-and-set on each row's version.
//
// Why by shop and by round: metafieldsSet costs 10 points plus 1 per customer and
// takes 25 values, so three customers' tier metafields cost 13 points together
// instead of 11 each; a spend change within a tier is not written per order but
// marked "stale" and refreshed in batches of eight customers; a tier change whose
// old tag is known (the last sync completed, and tag edits since come as webhooks
// that clear it) needs no read. One job per shop at a time (tier-sync-jobs.ts)
// also keeps a busy shop to one worker slot.
import { runLimited } from "./run-limited.ts";
import { fireDueFlowTriggers, queueTierChangeEvents } from "./fire-flow-triggers.server.ts";
import { dropDueTierChanges, loadFlowWork } from "../adapters/db/flow-trigger-statements.server.ts";
import { MEMBER_TIER_CHANGED } from "../domain/flow-trigger-events.ts";
import type { Db } from "../db.server.ts";
import { loadDueCustomerRows, nextSyncDueAt, saveCustomerRows, type CustomerRowSave } from "../adapters/db/customer-sync-statements.server.ts";
import { loadCustomerRow } from "../adapters/db/customer-tier-statements.server.ts";
import { loadThresholdCurrencyStatus, loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { MAX_CUSTOMERS_PER_READ, readCustomersTagsAndMetafields } from "../adapters/shopify/admin-operations/customer-tags-and-metafields.ts";
import { metafieldsDeleteOperation, type MetafieldIdentifierInput } from "../adapters/shopify/admin-operations/metafields-delete.ts";
import { MAX_METAFIELDS_PER_SET, metafieldsSetOperation, type MetafieldsSetInput } from "../adapters/shopify/admin-operations/metafields-set.ts";
import { rememberTierTagWrite } from "./recent-tier-tag-writes.ts";
import { changeTagsOnMany, MAX_TAG_CHANGES_PER_CALL, type TagMutation } from "../adapters/shopify/admin-operations/tags-on-many.ts";
import { chunks } from "../chunks.ts";
import { throwOnUserErrors } from "../adapters/shopify/admin-operations/user-errors.ts";
import { classifyShopifyError, shopUnreachableReason, ShopifyRetryableError, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { TIER_METAFIELD_NAMESPACE } from "../domain/tier-metafields.ts";
import { writeShopTierLadderIfDue } from "./write-shop-tier-ladder.server.ts";
import type { TierRules } from "../domain/tier-rules.ts";
import { metafieldChanges, packByCustomer, planTierSync, stillWantsPlan, type TierSyncPlan } from "../domain/tier-sync-plan.ts";
import { planTierTags } from "../domain/tier-tags.ts";
import { memberStateFromRow } from "./recompute-customer-tier.server.ts";

/** Rows per round: three customers' full metafields fill one metafieldsSet, so a multiple of three. */
export const SYNC_ROUND_SIZE = 48;
/**
 * Admin API calls in flight at once within a round. Shopify limits cost, not
 * concurrency, and each call waits a round trip (100–300 ms on the real platform):
 * one after another, a round would take seconds.
 */
const CONCURRENCY = 16;
const MAX_DELETES_PER_CALL = 250;
/** A failed write is tried again after 2^attempts seconds, at most this long. */
const MAX_RETRY_DELAY_MS = 30 * 60_000;

export interface SyncShopTiersInput {
  db: Db;
  shop: string;
  /** Called only when Shopify must be read or written (a round with nothing to write loads no session). */
  admin: () => Promise<AdminRunner>;
  now?: () => Date;
  /** Also write spend-only changes (the periodic refresh); otherwise they are marked stale. */
  refreshSpend?: boolean;
  /** Only these customers, whatever their status (a repair, a test); default: the shop's due rows. */
  customerGids?: string[];
  /** Compare with Shopify instead of trusting what was last written (after a merchant's edit). */
  force?: boolean;
  /** No new round starts after this long: one shop must not hold a worker slot for long. */
  sliceMs?: number;
  roundSize?: number;
  /** Called before each look at the due rows (the job extends its lock). */
  beforeRound?: () => Promise<void>;
}

export interface SyncShopTiersResult {
  rounds: number;
  written: number;
  unchanged: number;
  /** Spend-only changes left for the batched refresh. */
  deferred: number;
  failed: number;
  skipped: number;
  reads: number;
  tagsAdded: number;
  tagsRemoved: number;
  /** Nothing was written: the thresholds are not yet confirmed in the shop's currency; rows stay due. */
  heldForCurrency?: true;
  metafieldsSet: number;
  metafieldsDeleted: number;
  /** Rows were still due when the slice ended. */
  more: boolean;
  /** Shopify's cost budget ran dry: come back after this long. */
  retryAfterMs: number | null;
  /** The earliest retry of a row whose write failed. */
  nextDueAt: Date | null;
  /** Shopify Flow triggers fired after the writes (tier changes, and any other of the shop's due triggers). */
  flowTriggersFired: number;
}

type CustomerRow = NonNullable<Awaited<ReturnType<Db["customer"]["findUnique"]>>>;

/** Why a customer's write did not land this round. */
type WriteFailure =
  /** Its tier moved while the round ran: the next round starts over. */
  | { kind: "MOVED" }
  /** A tag write was refused without a read (the 250-tag limit): compare with Shopify next round. */
  | { kind: "REREAD" }
  /** Shopify's budget ran dry: the row stays due and the slice ends. */
  | { kind: "THROTTLED"; throttled: Throttled }
  | { kind: "ERROR"; error: unknown };

interface Plan extends TierSyncPlan {
  /** Set when this customer's write failed; it is not saved as written. */
  failure?: WriteFailure;
}

/** A write's error as the round records it (throttling keeps its own kind). */
const failureOf = (error: unknown): WriteFailure => (error instanceof Throttled ? { kind: "THROTTLED", throttled: error } : { kind: "ERROR", error });



/** Ends the slice: Shopify's bucket is empty; every unwritten row stays due. */
class Throttled extends Error {
  constructor(readonly retryAfterMs: number) {
    super("throttled");
  }
}

export async function syncShopTiers(input: SyncShopTiersInput): Promise<SyncShopTiersResult> {
  const { db, shop } = input;
  const clock = input.now ?? (() => new Date());
  const started = Date.now();
  const sliceMs = input.sliceMs ?? 2_000;
  const roundSize = input.roundSize ?? SYNC_ROUND_SIZE;
  const result: SyncShopTiersResult = {
    rounds: 0, written: 0, unchanged: 0, deferred: 0, failed: 0, skipped: 0, reads: 0,
    tagsAdded: 0, tagsRemoved: 0, metafieldsSet: 0, metafieldsDeleted: 0, more: false, retryAfterMs: null, nextDueAt: null, flowTriggersFired: 0,
  };
  // The one gate on tier writes: no tag or value reaches Shopify until the merchant has confirmed
  // thresholds in the shop's currency (tier-rules.ts: thresholdCurrencyStatus). Saving the rules
  // recomputes every member, which asks for this sync again.
  if (!(await loadThresholdCurrencyStatus(db, shop)).status.confirmed) return { ...result, heldForCurrency: true };
  let runner: AdminRunner | undefined;
  const admin = async () => (runner ??= await input.admin());

  for (;;) {
    await input.beforeRound?.();
    const now = clock();
    const rows = input.customerGids
      ? await db.customer.findMany({ where: { shop, customerGid: { in: input.customerGids } }, orderBy: { updatedAt: "asc" }, take: roundSize })
      : await loadDueCustomerRows(db, shop, { now, refreshSpend: input.refreshSpend ?? false, limit: roundSize });
    if (rows.length === 0) break;
    result.rounds++;
    try {
      const rules = await loadTierRules(db, shop);
      await syncRound(db, shop, rows, rules, input, now, admin, result);
    } catch (error) {
      if (!(error instanceof Throttled)) throw error;
      result.retryAfterMs = error.retryAfterMs;
      result.more = true;
      break;
    }
    // Named customers are one round; the shop's due rows continue while the slice lasts.
    if (input.customerGids) break;
    if (rows.length < roundSize) break;
    if (Date.now() - started >= sliceMs) {
      result.more = true;
      break;
    }
  }
  // Shopify Flow hears of each tier change once its tag and metafields are written: batched per
  // sync, never in the per-order path (fire-flow-triggers.server.ts). Throttling leaves them due.
  if (!result.retryAfterMs && !result.heldForCurrency) {
    // The shop's tier ladder (a shop metafield) after a change of its rules or promises, once.
    const ladder = await writeShopTierLadderIfDue({ db, shop, admin });
    if (ladder.retryAfterMs !== null) {
      result.more = true;
      result.retryAfterMs = ladder.retryAfterMs;
    }
  }
  if (!result.retryAfterMs) {
    const work = await loadFlowWork(db, shop, MEMBER_TIER_CHANGED.handle);
    if (work.changesDue && !work.tierTriggerInUse) await dropDueTierChanges(db, shop);
    const queued = work.changesDue && work.tierTriggerInUse ? await queueTierChangeEvents(db, shop) : 0;
    if (work.firingsDue || queued > 0) {
      const flow = await fireDueFlowTriggers({ db, shop, admin });
      result.flowTriggersFired = flow.fired;
      if (flow.retryAfterMs !== null) {
        result.more = true;
        result.retryAfterMs = flow.retryAfterMs;
      }
    }
  }
  result.nextDueAt = await nextSyncDueAt(db, shop);
  return result;
}

async function syncRound(
  db: Db,
  shop: string,
  rows: CustomerRow[],
  rules: TierRules,
  options: SyncShopTiersInput,
  now: Date,
  admin: () => Promise<AdminRunner>,
  result: SyncShopTiersResult,
): Promise<void> {
  const plans: Plan[] = [];
  const settled: CustomerRowSave[] = [];
  for (const row of rows) {
    const decision = planTierSync(row, memberStateFromRow(row), rules, options);
    switch (decision.kind) {
      case "SKIP":
        result.skipped++;
        break;
      case "AWAIT_RECOMPUTE":
        // Rules changed and this row waits for its recomputation (which marks it pending again).
        await saveRow(db, shop, row.customerGid, row.updatedAt, { syncStatus: "failed", syncError: "waiting for recomputation under the current tier rules", syncDueAt: new Date(now.getTime() + 60_000) });
        result.skipped++;
        break;
      case "UNCHANGED":
      case "STALE": {
        if (decision.kind === "UNCHANGED") result.unchanged++;
        else result.deferred++;
        const status = decision.kind === "UNCHANGED" ? "synced" : "stale";
        if (row.syncStatus !== status || row.syncError !== null) settled.push({ customerGid: row.customerGid, version: row.updatedAt, data: { syncStatus: status, syncAttempts: 0, syncError: null, syncDueAt: null } });
        break;
      }
      case "WRITE":
        plans.push(decision.plan);
        break;
    }
  }
  // One statement for the round's rows that need no write (a row that moved meanwhile is due again).
  await saveCustomerRows(db, shop, settled);
  if (plans.length === 0) return;

  // 1. Reads, where the current tags (or values) are not known: many members a request, those
  // whose values are compared apart from those whose tags alone are (metafields cost points). A
  // failed request fails each of its members as their own read would have.
  const reading = plans.filter((p) => p.read);
  const readChunks = [true, false].flatMap((withMetafields) => chunks(reading.filter((p) => p.compareMetafields === withMetafields), MAX_CUSTOMERS_PER_READ));
  await eachLimited(readChunks, async (chunk) => {
    const withMetafields = chunk[0].compareMetafields;
    const found = await readCustomersTagsAndMetafields(await admin(), chunk.map((plan) => plan.gid), TIER_METAFIELD_NAMESPACE, { withMetafields });
    for (const plan of chunk) {
      const current = found.get(plan.gid);
      result.reads++;
      if (!current) {
        plan.failure = { kind: "ERROR", error: new ShopifyTerminalError("not_found", "customer not found in Shopify") };
        continue;
      }
      if (plan.compareMetafields) ({ toSet: plan.toSet, toDelete: plan.toDelete } = metafieldChanges(plan.desired, current.metafields));
      if (!plan.tagsSettledByMerchant) {
        const tags = planTierTags({ currentTags: current.tags, rules, tierKey: plan.tierKey });
        plan.add = tags.add;
        plan.remove = tags.remove;
        if (tags.blockedByTagLimit) plan.writtenTierTag = null;
      }
    }
  }, (chunk, error) => {
    for (const plan of chunk) plan.failure = failureOf(error);
  });

  // 2. Record the tag about to be written before writing it, so its echo
  // (customer.tags_added/removed, which can arrive before this round ends) is
  // recognised. The digest is cleared until the write is confirmed: if it fails,
  // the next sync compares with Shopify instead of trusting the row.
  await saveAllIfStillWanted(db, shop, plans.filter((p) => !p.failure && (p.add.length || p.remove.length)), rules, (plan) => ({ writtenTierTag: plan.writtenTierTag, writtenDigest: null }), (plan, saved) => {
    if (saved === null) plan.failure = { kind: "MOVED" }; // its tier moved under us: the next round starts over
    else {
      plan.version = saved;
      rememberTierTagWrite(shop, plan.gid, plan.writtenTierTag);
    }
  });

  // 3. Metafields first, packed several customers to a call: Flow and other apps
  // reacting to the tag then read the new values. Calls run side by side: a round
  // costs a few Admin API round trips, not one per customer.
  const withValues = plans.filter((p) => !p.failure && p.toSet.length > 0);
  await eachLimited(packByCustomer(withValues, MAX_METAFIELDS_PER_SET), (chunk) => setMetafieldsOf(chunk, admin), (chunk, error) => {
    for (const plan of chunk) plan.failure = failureOf(error);
  });
  for (const plan of withValues) if (!plan.failure) result.metafieldsSet += plan.toSet.length;

  // 4. Tags: every add, then every remove, so a member is never without a tier tag. Many
  // members a request (one aliased field each, the same points): a failed request fails
  // each of its members as their own request would have.
  const tagging = plans.filter((p) => !p.failure && (p.add.length || p.remove.length));
  const writeTags = (mutation: TagMutation, tagsOf: (plan: Plan) => string[]) =>
    eachLimited(
      chunks(tagging.filter((p) => !p.failure && tagsOf(p).length), MAX_TAG_CHANGES_PER_CALL),
      async (chunk) => {
        const refusals = await changeTagsOnMany(await admin(), mutation, chunk.map((plan) => ({ id: plan.gid, tags: tagsOf(plan) })));
        chunk.forEach((plan, i) => {
          const refusal = refusals[i];
          if (!refusal) result[mutation === "tagsAdd" ? "tagsAdded" : "tagsRemoved"] += tagsOf(plan).length;
          // Without a read, the 250-tag limit shows up as a refusal of the add: compare with Shopify next round.
          else if (mutation === "tagsAdd" && !plan.read && refusal instanceof ShopifyTerminalError && refusal.reason === "user_errors") plan.failure = { kind: "REREAD" };
          else plan.failure = failureOf(refusal);
        });
      },
      (chunk, error) => {
        for (const plan of chunk) plan.failure = failureOf(error);
      },
    );
  await writeTags("tagsAdd", (plan) => plan.add);
  await writeTags("tagsRemove", (plan) => plan.remove);

  // 5. Values that no longer apply (e.g. "next tier" at the top tier) go last, in one call: stale for a moment is harmless.
  const deleting = plans.filter((p) => !p.failure && p.toDelete.length > 0);
  for (let i = 0; i < deleting.length; ) {
    const chunk: Plan[] = [];
    let size = 0;
    while (i < deleting.length && size + deleting[i].toDelete.length <= MAX_DELETES_PER_CALL) {
      size += deleting[i].toDelete.length;
      chunk.push(deleting[i++]);
    }
    try {
      const identifiers: MetafieldIdentifierInput[] = chunk.flatMap((p) => p.toDelete.map((m) => ({ ownerId: p.gid, namespace: m.namespace, key: m.key })));
      const data = await (await admin()).run(metafieldsDeleteOperation, { metafields: identifiers });
      throwOnUserErrors("metafieldsDelete", data.metafieldsDelete);
      result.metafieldsDeleted += size;
    } catch (error) {
      rethrowIfThrottledOrGone(error);
      for (const plan of chunk) plan.failure = failureOf(error);
    }
  }

  // 6. Save what was written (one statement for the round); record failures for their retry.
  let throttled: Throttled | null = null;
  const writtenPlans: Plan[] = [];
  for (const plan of plans) {
    switch (plan.failure?.kind) {
      case "THROTTLED":
        throttled ??= plan.failure.throttled;
        continue;
      case "MOVED":
        result.more = true;
        continue;
      case "REREAD":
        await saveRow(db, shop, plan.gid, plan.version, { writtenDigest: null, writtenTierTag: null });
        result.more = true;
        continue;
      case "ERROR":
        result.failed++;
        await recordFailure(db, shop, plan.gid, plan.failure.error, now);
        continue;
    }
    result.written++;
    writtenPlans.push(plan);
  }
  await saveAllIfStillWanted(
    db,
    shop,
    writtenPlans,
    rules,
    (plan) => ({
      writtenTierTag: plan.writtenTierTag,
      writtenDigest: plan.digest,
      syncStatus: "synced",
      syncAttempts: 0,
      syncDueAt: null,
      syncError: plan.writtenTierTag === null ? "tier tag not added: the customer already has 250 tags" : null,
    }),
    // The tier moved while it was written: the row stays pending and the next round compares again.
    (_plan, saved) => {
      if (saved === null) result.more = true;
    },
  );
  if (throttled) throw throttled;
}

/** One call for the chunk; a refusal (the call is atomic) is retried customer by customer to find whose values Shopify refuses. */
async function setMetafieldsOf(chunk: Plan[], admin: () => Promise<AdminRunner>): Promise<void> {
  const inputOf = (plan: Plan): MetafieldsSetInput[] =>
    plan.toSet.map((m) => ({ ownerId: plan.gid, namespace: m.namespace, key: m.key, type: m.type, value: m.value as string }));
  const send = async (plans: Plan[]) => {
    const data = await (await admin()).run(metafieldsSetOperation, { metafields: plans.flatMap(inputOf) });
    throwOnUserErrors("metafieldsSet", data.metafieldsSet);
  };
  try {
    await send(chunk);
  } catch (error) {
    rethrowIfThrottledOrGone(error);
    const refused = classifyShopifyError(error);
    if (chunk.length > 1 && refused instanceof ShopifyTerminalError && refused.reason === "user_errors") {
      for (const plan of chunk) {
        try {
          await send([plan]);
        } catch (single) {
          rethrowIfThrottledOrGone(single);
          plan.failure = failureOf(single);
        }
      }
      return;
    }
    for (const plan of chunk) plan.failure = failureOf(error);
  }
}

/** Throttling ends the slice (the job comes back later); so does a shop Tierline cannot reach. */
function rethrowIfThrottledOrGone(error: unknown): void {
  const classified = classifyShopifyError(error);
  if (classified instanceof ShopifyRetryableError && classified.reason === "throttled") throw new Throttled(classified.retryAfterMs ?? 1_000);
  if (shopUnreachableReason(classified)) throw error;
}

/**
 * Runs `work` for each item, a few at a time. A failure is handed to `onError`;
 * throttling hands itself to the item and every item not yet started; a shop
 * Tierline cannot reach is thrown once the items in flight are done.
 */
async function eachLimited<T>(items: T[], work: (item: T) => Promise<void>, onError: (item: T, error: unknown) => void): Promise<void> {
  const { stopped, error, unstarted } = await runLimited(items, CONCURRENCY, async (item) => {
    try {
      await work(item);
    } catch (error) {
      let ending: unknown = null;
      try {
        rethrowIfThrottledOrGone(error);
      } catch (thrown) {
        ending = thrown;
      }
      if (ending === null) return onError(item, error);
      if (ending instanceof Throttled) onError(item, ending);
      throw ending;
    }
  });
  if (error instanceof Throttled) for (const item of unstarted) onError(item, error);
  else if (stopped) throw error;
}

/**
 * Saves each plan's data on the row version the plan was made from, all in one
 * statement; a row that something else touched meanwhile (a customers/update
 * storing a name) is saved anyway if it still wants exactly what the plan wrote.
 * `done` gets each plan's new version, or null when its tier moved on.
 */
async function saveAllIfStillWanted(
  db: Db,
  shop: string,
  plans: Plan[],
  rules: TierRules,
  dataOf: (plan: Plan) => Record<string, unknown>,
  done: (plan: Plan, saved: Date | null) => void,
): Promise<void> {
  if (plans.length === 0) return;
  const saved = await saveCustomerRows(db, shop, plans.map((plan) => ({ customerGid: plan.gid, version: plan.version, data: dataOf(plan) })));
  for (const plan of plans) {
    const version = saved.get(plan.gid);
    done(plan, version ?? (await saveIfStillWanted(db, shop, plan, rules, dataOf(plan))));
  }
}

/** saveAllIfStillWanted for one plan whose batched save missed: reads the row and tries again while it wants the same. */
async function saveIfStillWanted(db: Db, shop: string, plan: Plan, rules: TierRules, data: Record<string, unknown>): Promise<Date | null> {
  let version: Date | null = plan.version;
  for (let attempt = 0; attempt < 3 && version !== null; attempt++) {
    if (attempt > 0) {
      const saved = await saveRow(db, shop, plan.gid, version, data);
      if (saved !== null) return saved;
    }
    const row = (await loadCustomerRow(db, shop, plan.gid))?.row ?? null;
    version = row && stillWantsPlan(row, memberStateFromRow(row), plan, rules) ? row.updatedAt : null;
  }
  return null;
}

/** Compare-and-set on the row version; the new version, or null when the row moved on. */
async function saveRow(db: Db, shop: string, customerGid: string, version: Date, data: Record<string, unknown>): Promise<Date | null> {
  return (await saveCustomerRows(db, shop, [{ customerGid, version, data }])).get(customerGid) ?? null;
}

async function recordFailure(db: Db, shop: string, customerGid: string, error: unknown, now: Date): Promise<void> {
  const classified = classifyShopifyError(error);
  const message = (classified ?? (error as Error)).message ?? String(error);
  // Retryable failures (5xx, network, unexpected) come back with exponential backoff until they land;
  // a refusal (user errors, customer gone) waits for a new cause to recompute the member.
  const retry = classified === null || classified instanceof ShopifyRetryableError;
  const row = await db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid } }, select: { syncAttempts: true } });
  const attempts = (row?.syncAttempts ?? 0) + 1;
  await db.customer.updateMany({
    where: { shop, customerGid },
    data: {
      syncStatus: "failed",
      syncError: message.slice(0, 1_000),
      syncAttempts: attempts,
      syncDueAt: retry ? new Date(now.getTime() + Math.min(MAX_RETRY_DELAY_MS, 1_000 * 2 ** Math.min(attempts, 20))) : null,
      // A 5xx or no answer: Shopify may have applied the write. The retry compares with Shopify first.
      ...(retry ? { writtenDigest: null } : {}),
    },
  });
}
