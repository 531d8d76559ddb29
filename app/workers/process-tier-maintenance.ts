// Processor of the `tier-maintenance` queue, fed by two job schedulers (see
// start-workers.ts): the due-review sweep and the hourly reconciliation, which
// fans out one job per installed shop so one slow shop does not hold up the rest.
import { UnrecoverableError, type Job } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { classifyShopifyError, shopUnreachableReason, ShopifyTerminalError } from "../adapters/shopify/shopify-errors.ts";
import { rollUpShopKpis } from "../use-cases/kpi-rollup.server.ts";
import { runRulesRecompute } from "../use-cases/tier-rules-recompute.server.ts";
import { reconcileShopOrders } from "../use-cases/reconcile-orders.server.ts";
import { requestDueTierReviews } from "../use-cases/review-due-tiers.server.ts";
import { shopsWithDueTierWrites } from "../use-cases/shops-with-due-tier-writes.server.ts";
import { requestTierRecompute, shopifyAdminRunner } from "./tier-jobs.ts";
import { requestTierSync } from "./tier-sync-jobs.ts";
import { reconcileOrderPromises } from "../use-cases/reconcile-order-promises.server.ts";
import { settlePromiseTagOperation } from "../use-cases/settle-promise-tag-operation.server.ts";
import { requestPromiseWrite } from "./promise-jobs.ts";
import { fireDueFlowTriggers, queuePromiseRiskEvents } from "../use-cases/fire-flow-triggers.server.ts";
import { promiseJobInFlight, requestLostPromise } from "../adapters/queues/promise-jobs.server.ts";

export interface TierMaintenanceDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
  adminFor?: (shop: string) => Promise<AdminRunner>;
  now?: () => Date;
}

export function createTierMaintenanceProcessor(deps: TierMaintenanceDeps) {
  const adminFor = deps.adminFor ?? shopifyAdminRunner;
  async function fireFlowRisks(shop: string, now: Date) {
    const queued = await queuePromiseRiskEvents(deps.db, shop, now);
    const fired = await fireDueFlowTriggers({ db: deps.db, shop, admin: () => adminFor(shop) });
    if (fired.retryAfterMs !== null) await requestTierSync(deps.queues, shop);
    return { queued, fired: fired.fired, failed: fired.failed };
  }
  return async function processTierMaintenance(job: Job<JobPayload<"tierMaintenance">>) {
    const data = QUEUES.tierMaintenance.payload.parse(job.data);
    const now = deps.now?.() ?? new Date();
    switch (data.kind) {
      case "review-due": {
        const reviews = await requestDueTierReviews({ db: deps.db, now, requestTierRecompute: (shop, gids, cause) => requestTierRecompute(deps.queues, shop, gids, cause) });
        // Spend values that moved within a tier are written now, in batches.
        const { stale } = await shopsWithDueTierWrites(deps.db, now);
        for (const shop of stale) await requestTierSync(deps.queues, shop, { refreshSpend: true });
        return { ...reviews, spendRefreshShops: stale.length };
      }
      case "sync-sweep": {
        const { due } = await shopsWithDueTierWrites(deps.db, now);
        for (const shop of due) await requestTierSync(deps.queues, shop, { askRedis: true });
        return { shops: due.length };
      }
      case "reconcile-all": {
        const shops = await deps.db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true } });
        // One job per shop and run: a run that overlaps the previous one does not double it.
        const slot = job.timestamp || now.getTime();
        await deps.queues.tierMaintenance.addBulk(
          shops.map((s) => ({ name: "reconcile-shop", data: { kind: "reconcile-shop" as const, shop: s.domain }, opts: { jobId: jobIdFor("reconcile", `${s.domain}@${slot}`) } })),
        );
        return { shops: shops.length };
      }
      case "kpi-rollup-all": {
        const shops = await deps.db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true } });
        const slot = job.timestamp || now.getTime();
        await deps.queues.tierMaintenance.addBulk(
          shops.map((s) => ({ name: "kpi-rollup-shop", data: { kind: "kpi-rollup-shop" as const, shop: s.domain }, opts: { jobId: jobIdFor("kpi-rollup", `${s.domain}@${slot}`) } })),
        );
        return { shops: shops.length };
      }
      case "kpi-rollup-shop":
        return rollUpShopKpis({ db: deps.db, shop: data.shop, now });
      case "rules-recompute":
        return runRulesRecompute({ db: deps.db, shop: data.shop, rulesVersion: data.rulesVersion, now, requestTierSync: (shop) => requestTierSync(deps.queues, shop) });
      case "reconcile-shop":
        try {
          const orders = await reconcileShopOrders({
            db: deps.db,
            shop: data.shop,
            admin: () => adminFor(data.shop),
            now,
            log: deps.log,
            requestTierRecompute: (gids, cause) => requestTierRecompute(deps.queues, data.shop, gids, cause),
          });
          // Deadlines: no webhook reports a change, so open promises are compared with Shopify by the next write.
          // Paid orders without a promise: those whose promise job is not still queued were lost.
          const slot = job.timestamp || now.getTime();
          const recoverLost = async (orderGids: string[]) => {
            let requested = 0;
            for (const orderGid of orderGids) {
              if (await promiseJobInFlight(deps.queues, data.shop, orderGid)) continue;
              await requestLostPromise(deps.queues, data.shop, orderGid, slot);
              requested++;
            }
            return requested;
          };
          // Tag bulk mutations whose bulk_operations/finish never came.
          const settleTags = (operationGid: string) => settlePromiseTagOperation({ db: deps.db, shop: data.shop, operationGid, admin: () => adminFor(data.shop) });
          const promises = orders ? await reconcileOrderPromises(deps.db, data.shop, now, () => requestPromiseWrite(deps.queues, data.shop, { askRedis: true }), recoverLost, settleTags) : null;
          // Promises at risk go to Shopify Flow once per order and risk; what throttling leaves due
          // goes with the shop's next tier sync (which fires every due trigger of the shop).
          const flow = orders ? await fireFlowRisks(data.shop, now) : null;
          return orders && { ...orders, promises, flow };
        } catch (error) {
          const classified = classifyShopifyError(error);
          // Uninstalled or frozen: nothing to repair until it comes back (the next run tries again).
          const unreachable = shopUnreachableReason(classified);
          if (unreachable) {
            deps.log.info("reconcile skipped: shop not reachable", { shop: data.shop, reason: unreachable });
            return { skipped: unreachable };
          }
          if (classified instanceof ShopifyTerminalError) throw new UnrecoverableError(classified.message);
          throw error;
        }
    }
  };
}
