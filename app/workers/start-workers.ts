// Starts the worker process's BullMQ workers and returns handles; nothing starts
// on import. close() lets each worker finish the job in hand (or, past the
// deadline, stops so the job's lock lapses and another worker takes it over).
import { FlowProducer, Worker, type Processor } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { createJobQueues, type JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, jobIdFor } from "../adapters/queues/queue-registry.ts";
import { createProducerConnection, createWorkerConnection, queueKeyPrefix, type RedisClient, type RedisTarget } from "../adapters/queues/redis-connection.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { waitingTierKeysForSku } from "../adapters/db/replenishment-repository.server.ts";
import { createBackfillProcessor } from "./process-backfill.ts";
import { createShopLifecycleProcessor } from "./process-shop-lifecycle.ts";
import { createTierMaintenanceProcessor } from "./process-tier-maintenance.ts";
import { enqueueDeliveries } from "../adapters/queues/webhook-delivery-jobs.server.ts";
import { createWebhookProcessor } from "./process-webhook.ts";
import { supersededVersion, webhookHandlers } from "./webhook-handlers.ts";
import type { ReplenishmentPorts } from "../use-cases/replenishment-requests.server.ts";
import { createTierRecomputeInline, createTierRecomputeProcessor, onShopInstalled, shopifyAdminRunner } from "./tier-jobs.ts";
import { createTierSyncProcessor } from "./tier-sync-jobs.ts";
import { createPromiseProcessor, createPromiseWorkInline, createPromiseWriteProcessor } from "./promise-jobs.ts";
import type { RfqMailer } from "../adapters/suppliers/email-supplier-connector.server.ts";
import { createAskProcessor, createDecideProcessor, startRequestFlow } from "./replenishment-jobs.ts";

export interface WorkerOptions {
  db: Db;
  /** One Redis (a redis:// URL) or a Redis Cluster's nodes. */
  redis: RedisTarget;
  prefix: string;
  concurrency: number;
  lockMs: number;
  purgeDelayMs: number;
  /** How long a done delivery's payload is kept before it is blanked (default 30 days). */
  payloadRetentionMs?: number;
  log: Logger;
  /** How often customers due for a time-driven review are recomputed (default 15 min). */
  reviewEveryMs?: number;
  /** How often each installed shop is reconciled with the Admin API (default hourly). */
  reconcileEveryMs?: number;
  /** How long a backfill's import waits between looks at a running bulk query when no webhook comes (default 15 s). */
  backfillPollMs?: number;
  /** How long one tier sync job writes before handing its shop on (default 2 s). */
  syncSliceMs?: number;
  /** How often shops with tier writes still due get their sync restarted (default 1 min). */
  syncSweepEveryMs?: number;
  /** How often the dashboard's rollups take in what changed (default 60 s; docs/decisions/0017). */
  kpiRollupEveryMs?: number;
  /** Admin API access of a shop (default: its offline session); tests and the demo inject one. */
  adminFor?: (shop: string) => Promise<AdminRunner>;
  /** The app's public URL: suppliers POST their answers to it. */
  appUrl?: string;
  /** How often an RFQ sent to a supplier looks for its answer (default 30 s; the callback wakes it sooner). */
  supplierPollMs?: number;
  /** Sends RFQs to email suppliers (default: none; SMTP_URL in the worker process). */
  rfqMailer?: RfqMailer | null;
}

export const REVIEW_EVERY_MS = 15 * 60_000;
export const RECONCILE_EVERY_MS = 60 * 60_000;

export interface RunningWorkers {
  workers: Worker[];
  queues: JobQueues;
  /** PING over the producer connection (the health check). */
  ping(): Promise<void>;
  close(deadlineMs?: number): Promise<void>;
}

export async function startWorkers(options: WorkerOptions): Promise<RunningWorkers> {
  const { db, log } = options;
  const producer = createProducerConnection(options.redis, { enableOfflineQueue: true, maxRetriesPerRequest: 3 });
  producer.on("error", () => {});
  const queues = createJobQueues(producer, options.prefix);

  const schedulePurge = async (shop: string, uninstalledAt: Date) => {
    await queues.shopLifecycle.add(
      "purge",
      { kind: "purge", shop, uninstalledAt: uninstalledAt.toISOString() },
      { jobId: jobIdFor("purge", `${shop}@${uninstalledAt.getTime()}`), delay: options.purgeDelayMs },
    );
  };

  const connections: RedisClient[] = [producer];
  // A flow's parent and children share one prefix (one slot on a cluster).
  const flows = new FlowProducer({ connection: producer, prefix: queueKeyPrefix(options.prefix, QUEUES.replenishmentDecide.name, producer.isCluster) });
  const adminFor = options.adminFor ?? shopifyAdminRunner;
  const replenishment: ReplenishmentPorts = {
    admin: adminFor,
    startRequest: async (shop, requestId) => void (await startRequestFlow(flows, queues, db, shop, requestId)),
    waitingTierKeys: (shop, { sku }) => waitingTierKeysForSku(db, shop, sku),
  };
  const make = <T,>(name: string, processor: Processor<T>, concurrency = options.concurrency) => {
    const connection = createWorkerConnection(options.redis);
    connections.push(connection);
    const worker = new Worker<T>(name, processor, {
      connection,
      prefix: queueKeyPrefix(options.prefix, name, connection.isCluster),
      concurrency,
      lockDuration: options.lockMs,
      // Check for jobs whose worker died (lock lapsed) a few times per lock period.
      stalledInterval: Math.max(1_000, Math.floor(options.lockMs / 2)),
      // An idle worker blocks on its queue's marker (woken by any new job) instead of
      // looking again every 5 s, BullMQ's default; delayed jobs still wake it on time.
      drainDelay: 60,
      // A job left running by a worker that died is taken up again; only past this many deaths
      // is it failed as one that kills its worker. Deploys and OOM kills stop workers mid-job,
      // and a long job (a shop's sync slice, a reconciliation) outlived five SIGKILLs of one
      // worker in the fault replay: BullMQ's 1 (and our earlier 5) failed jobs that were safe to re-run.
      maxStalledCount: 20,
      autorun: true,
    });
    worker.on("failed", (job, error) => log.warn("job failed", { queue: name, jobId: job?.id, attempt: job?.attemptsMade, error: error.message }));
    worker.on("error", (error) => log.error("worker error", { queue: name, error: error.message }));
    return worker;
  };

  const workers = [
    make(
      QUEUES.webhooks.name,
      createWebhookProcessor({
        db,
        handlers: webhookHandlers({ purgeDelayMs: options.purgeDelayMs, replenishment }),
        supersededVersion,
        // The tier is recomputed in the same job (a failure hands it to a queued job of its own).
        requestTierRecompute: createTierRecomputeInline({ db, queues, log }),
        // A paid order's promise is made in the same job (a failure hands it to a job of its own).
        requestPromiseWork: createPromiseWorkInline({ db, queues, log, adminFor: options.adminFor ?? shopifyAdminRunner }),
        schedulePurge,
        requeueDeliveries: (deliveries, delayMs) => enqueueDeliveries(queues.webhooks, deliveries, { delayMs }),
        log,
      }),
    ),
    make(QUEUES.tierRecompute.name, createTierRecomputeProcessor({ db, queues })),
    // One job per shop at a time (a lock), so a busy shop holds one slot and the rest share the others.
    make(QUEUES.tierSync.name, createTierSyncProcessor({ db, queues, log, adminFor: options.adminFor ?? shopifyAdminRunner, sliceMs: options.syncSliceMs })),
    // Promises: bookings are serialised per shop in the database; writes one job per shop at a time (a lock).
    make(QUEUES.promises.name, createPromiseProcessor({ db, queues, log, adminFor: options.adminFor ?? shopifyAdminRunner })),
    make(QUEUES.promiseWrites.name, createPromiseWriteProcessor({ db, queues, log, adminFor: options.adminFor ?? shopifyAdminRunner, sliceMs: options.syncSliceMs })),
    make(QUEUES.shopLifecycle.name, createShopLifecycleProcessor({ db, queues, log, payloadRetentionMs: options.payloadRetentionMs, onInstalled: (shop) => onShopInstalled({ db, queues, log, adminFor: options.adminFor }, shop) }), 2),
    // A backfill streams a whole order history: a few at a time per process.
    make(QUEUES.backfill.name, createBackfillProcessor({ db, queues, log, adminFor: options.adminFor, pollMs: options.backfillPollMs }), 2),
    make(QUEUES.tierMaintenance.name, createTierMaintenanceProcessor({ db, queues, log, adminFor: options.adminFor }), 2),
    // Asks mostly wait (delayed jobs hold no worker); sends are short HTTP calls.
    make(QUEUES.replenishmentAsk.name, createAskProcessor({ db, appUrl: options.appUrl ?? "http://127.0.0.1:3000", pollMs: options.supplierPollMs ?? 30_000, mailer: options.rfqMailer ?? null, log })),
    make(QUEUES.replenishmentDecide.name, createDecideProcessor({ db, admin: adminFor, log }), 4),
  ];

  // Time moves tiers (window exits, grace and pin ends) and the review also refreshes stale spend values;
  // the sweep restarts tier syncs still due; reconciliation repairs lost webhooks.
  await queues.tierMaintenance.upsertJobScheduler("review-due", { every: options.reviewEveryMs ?? REVIEW_EVERY_MS }, { name: "review-due", data: { kind: "review-due" } });
  await queues.tierMaintenance.upsertJobScheduler("sync-sweep", { every: options.syncSweepEveryMs ?? 60_000 }, { name: "sync-sweep", data: { kind: "sync-sweep" } });
  await queues.tierMaintenance.upsertJobScheduler("reconcile-all", { every: options.reconcileEveryMs ?? RECONCILE_EVERY_MS }, { name: "reconcile-all", data: { kind: "reconcile-all" } });
  await queues.tierMaintenance.upsertJobScheduler("kpi-rollup-all", { every: options.kpiRollupEveryMs ?? 60_000 }, { name: "kpi-rollup-all", data: { kind: "kpi-rollup-all" } });

  // Re-queue deliveries that were stored but whose enqueue failed (the web process answered 503).
  await queues.shopLifecycle.upsertJobScheduler("sweep-deliveries", { every: 60_000 }, { name: "sweep-deliveries", data: { kind: "sweep-deliveries" } });
  // Payloads of deliveries done longer ago than the retention are blanked (the first run is at start).
  await queues.shopLifecycle.upsertJobScheduler("blank-expired-payloads", { every: 10 * 60_000 }, { name: "blank-expired-payloads", data: { kind: "blank-expired-payloads" } });

  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info("workers started", { queues: workers.map((w) => w.name), concurrency: options.concurrency });

  return {
    workers,
    queues,
    ping: async () => void (await producer.ping()),
    async close(deadlineMs = 25_000) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref())]);
      if (timedOut) {
        log.warn("jobs still running at the shutdown deadline; their locks will lapse and another worker will retry them");
        await Promise.all(workers.map((w) => w.close(true)));
      }
      await flows.close();
      await queues.close();
      for (const connection of connections) connection.disconnect();
    },
  };
}
