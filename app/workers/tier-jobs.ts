// Tier recomputation jobs: enqueue (coalesced per customer) and process. A job
// recomputes the customer's tier, then asks for the shop's tier sync
// (tier-sync-jobs.ts), which writes it to Shopify (tags, metafields).
import type { Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, type JobPayload } from "../adapters/queues/queue-registry.ts";
import { adminGraphqlClientFromShopify } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { createOfflineAdminClients } from "../adapters/shopify/offline-admin-client.server.ts";
import { classifyShopifyError, shopUnreachableReason } from "../adapters/shopify/shopify-errors.ts";
import { backfillJobs } from "../adapters/queues/backfill-jobs.server.ts";
import { requestBackfill } from "../use-cases/backfill-order-history.server.ts";
import { purgeIfCustomerErased } from "../use-cases/erasure-guard.server.ts";
import { recomputeCustomerTier, type RecomputeRead } from "../use-cases/recompute-customer-tier.server.ts";
import { refreshShopDetails } from "../use-cases/refresh-shop-details.server.ts";
import { readInitialStockLevels } from "../use-cases/read-initial-stock-levels.server.ts";
import { requestTierSync } from "./tier-sync-jobs.ts";
import type { TierRecomputeCause } from "../use-cases/webhook-context.ts";
import { requestTierRecompute } from "../adapters/queues/tier-recompute-jobs.server.ts";

// Enqueueing lives with the queues; re-exported for the workers that ask from here.
export { COALESCE_MS, requestTierRecompute } from "../adapters/queues/tier-recompute-jobs.server.ts";

/**
 * The Admin API of a shop from its stored offline session. shopify.server.ts reads the
 * environment when loaded, so it is imported on first use, not when this module is.
 */
export async function shopifyAdminRunner(shop: string): Promise<AdminRunner> {
  offlineClients ??= Promise.all([import("../db.server.ts"), import("../env.server.ts")]).then(([{ db }, { env }]) =>
    createOfflineAdminClients({ db, origin: env().SHOPIFY_API_ORIGIN, timeoutMs: env().SHOPIFY_ADMIN_TIMEOUT_MS }),
  );
  const client = await (await offlineClients).clientFor(shop);
  if (client) return createAdminRunner(client);
  // No plain offline token (not installed, or one that expires): the library's path, which refreshes it.
  const { unauthenticated } = await (shopifyModule ??= import("../shopify.server.ts"));
  const { admin } = await unauthenticated.admin(shop);
  return createAdminRunner(adminGraphqlClientFromShopify(shop, admin));
}
// Imported once, on first use: every `import()` is resolved again through the loader's hooks.
let shopifyModule: Promise<typeof import("../shopify.server.ts")> | null = null;
let offlineClients: Promise<ReturnType<typeof createOfflineAdminClients>> | null = null;

export interface TierRecomputeDeps {
  db: Db;
  queues: JobQueues;
  now?: () => Date;
}

/**
 * One customer's recomputation, then the shop's sync request. Asked before a customers/redact
 * committed, it must not create the erased customer's row again: the recomputation looks
 * before it writes, this again after, unless `looksAfterWrite` is false: the webhook job's
 * inline recomputation leaves that look to the delivery, which takes it with its close
 * (process-webhook.ts: one statement an order fewer).
 */
export async function recomputeThenRequestSync(deps: TierRecomputeDeps, shop: string, customerGid: string, cause: TierRecomputeCause, { looksAfterWrite = true, read }: { looksAfterWrite?: boolean; read?: RecomputeRead } = {}) {
  const recomputed = await recomputeCustomerTier({ db: deps.db, shop, customerGid, cause, now: deps.now?.() ?? new Date(), unlessErased: true, ...(read ? { read } : {}) });
  if (recomputed.kind === "ERASED") return { kind: "ERASED" };
  if (looksAfterWrite && (await purgeIfCustomerErased(deps.db, shop, customerGid))) return { kind: "ERASED" };
  if (recomputed.kind === "REDACTED") return recomputed;
  // The write to Shopify is the shop's sync job: many customers per call, one shop per slot.
  await requestTierSync(deps.queues, shop);
  return recomputed;
}

export function createTierRecomputeProcessor(deps: TierRecomputeDeps) {
  return async function processTierRecompute(job: Job<JobPayload<"tierRecompute">>) {
    const data = QUEUES.tierRecompute.payload.parse(job.data);
    return recomputeThenRequestSync(deps, data.shop, data.customerGid, data.cause);
  };
}

/**
 * The recomputation a webhook job asks for, run in that job rather than queued (issue 9: a
 * BullMQ job per order cost the worker more CPU than the recomputation, and its coalescing
 * delay was most of order → tag). Requests for a customer whose recomputation is running in
 * this process join one more run after it, which reads every ledger write that came before
 * them: a burst makes two recomputations, not one per order; the shop's sync gathers the
 * writes to Shopify. A run that fails (contention, the database busy) is handed to the
 * queued, coalesced job, so the delivery still ends only once its recomputation is safe.
 */
export function createTierRecomputeInline(deps: TierRecomputeDeps & { log: Logger; recompute?: typeof recomputeThenRequestSync }) {
  const recomputeOne = deps.recompute ?? recomputeThenRequestSync;
  // Per customer: the last run asked for, and whether it is still waiting for the one before it.
  const runs = new Map<string, { tail: Promise<void>; waiting: boolean }>();
  const runOnce = async (shop: string, customerGid: string, cause: TierRecomputeCause, read?: RecomputeRead) => {
    try {
      await recomputeOne(deps, shop, customerGid, cause, { looksAfterWrite: false, ...(read ? { read } : {}) });
    } catch (error) {
      deps.log.info("tier recomputation handed to its own job", { shop, error: error instanceof Error ? error.message : String(error) });
      await requestTierRecompute(deps.queues, shop, [customerGid], cause);
    }
  };
  const recompute = (shop: string, customerGid: string, cause: TierRecomputeCause, read?: RecomputeRead): Promise<void> => {
    const key = `${shop}|${customerGid}`;
    const slot = runs.get(key);
    // A run that has not started yet will read this request's ledger write: join it.
    if (slot?.waiting) return slot.tail;
    const entry = slot ?? { tail: Promise.resolve(), waiting: false };
    entry.waiting = slot !== undefined;
    // Inputs read beforehand serve only a run that starts now: one that waits may be joined by requests whose writes they miss.
    const readBefore = slot === undefined ? read : undefined;
    const tail: Promise<void> = entry.tail
      .catch(() => {})
      .then(() => {
        entry.waiting = false;
        return runOnce(shop, customerGid, cause, readBefore);
      })
      .finally(() => {
        if (entry.tail === tail) runs.delete(key);
      });
    entry.tail = tail;
    runs.set(key, entry);
    return tail;
  };
  /** `read`: members' inputs read with the webhook batch, after the writes that ask for these recomputations. */
  return async (shop: string, customerGids: string[], cause: TierRecomputeCause, read?: ReadonlyMap<string, RecomputeRead>): Promise<void> => {
    await Promise.all(customerGids.map((customerGid) => recompute(shop, customerGid, cause, read?.get(customerGid))));
  };
}

/**
 * Install follow-up: store the shop's currency, time zone and granted scopes, then
 * start the history backfill (which notes when read_all_orders is missing).
 */
export async function onShopInstalled(deps: { db: Db; queues: JobQueues; log: Logger; adminFor?: (shop: string) => Promise<AdminRunner> }, shop: string): Promise<void> {
  let details;
  let admin: AdminRunner;
  try {
    admin = await (deps.adminFor ?? shopifyAdminRunner)(shop);
    details = await refreshShopDetails({ db: deps.db, admin, shop });
  } catch (error) {
    const classified = classifyShopifyError(error);
    const unreachable = shopUnreachableReason(classified);
    if (unreachable) {
      deps.log.info("install follow-up skipped: shop not reachable", { shop, reason: unreachable });
      return;
    }
    throw error;
  }
  const run = await requestBackfill({ db: deps.db, jobs: backfillJobs(deps.queues) }, shop);
  deps.log.info("shop installed", { shop, currency: details.currencyCode, timeZone: details.ianaTimezone, backfillRunId: run.id, historyLimited: run.historyLimited });
  // Stock as it stands, for replenishment (webhooks bring the changes after). A failed read does not
  // undo the install's follow-up: each level is read again on its next inventory_levels/update.
  await readInitialStockLevels({ db: deps.db, admin, log: deps.log }, shop).catch((error: unknown) =>
    deps.log.warn("initial stock levels not read", { shop, error: error instanceof Error ? error.message : String(error) }),
  );
}
