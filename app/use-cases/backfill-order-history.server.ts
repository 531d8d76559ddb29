// The order history backfill, on install and on demand: start a bulk query over all
// orders → when Shopify has written the result (bulk_operations/finish, or polling
// when that webhook does not come) stream the JSONL line by line into the ledger in
// batches, recording the lines applied so a crashed import resumes where it stopped
// → compute every customer's tier → queue their sync to Shopify.
//
// A BackfillRun row is the durable record and the admin's progress bar
// (ordersRead / ordersTotal). Every step is idempotent: jobs may run twice.
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { saveLedgerBatch, type LedgerBatchEntry } from "../adapters/db/ledger-batch-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { runBulkQuery } from "../adapters/shopify/admin-operations/bulk-operation-run-query.ts";
import { BULK_OPERATION_DONE, readBulkOperation, type BulkOperationState } from "../adapters/shopify/admin-operations/bulk-operation-status.ts";
import { ORDER_HISTORY_BULK_QUERY } from "../adapters/shopify/admin-operations/order-history-bulk-query.ts";
import { countOrders } from "../adapters/shopify/admin-operations/orders-count.ts";
import { readOrdersWithRefundParts } from "../adapters/shopify/admin-operations/orders-with-refund-parts.ts";
import { bulkLineFromJson, giftCardLineFromBulkText, isBulkChildText, orderEntriesFromGraphql, type BulkLine } from "../adapters/shopify/order-graphql-mapping.ts";
import { purgeErasedAmong, withoutErased } from "./erasure-guard.server.ts";
import { recomputeShopTiers } from "./recompute-shop-tiers.server.ts";

export type BackfillStatus = "requested" | "running" | "downloading" | "computing" | "completed" | "failed";
export const ACTIVE_BACKFILL_STATUSES: BackfillStatus[] = ["requested", "running", "downloading", "computing"];

/** Lines applied per batch, and how often progress is saved. */
export const BACKFILL_BATCH_LINES = 1_000;

type BackfillRunRow = NonNullable<Awaited<ReturnType<Db["backfillRun"]["findUnique"]>>>;

export interface BackfillJobs {
  /** Queue the run's first step (start the bulk query). */
  start(shop: string, runId: string): Promise<void>;
}

export interface BackfillDeps {
  db: Db;
  /** The shop's Admin API (loaded only when needed). */
  admin: (shop: string) => Promise<AdminRunner>;
  /** Downloads the result file (tests inject interruptions). */
  fetch?: typeof fetch;
  now?: () => Date;
  log?: Logger;
  batchLines?: number;
  /** Told of each saved batch and status change (logs, the demo's progress bar, benchmarks). */
  onProgress?: (progress: { status: BackfillStatus; linesApplied: number; ordersRead: number }) => void;
  /** Queue the sync to Shopify of customers whose tier was just computed. */
  requestTierSync(shop: string, customerGids: string[]): Promise<void>;
}

/** Backfill on demand: the active run of the shop if there is one, else a new one, queued. */
export async function requestBackfill({ db, jobs }: { db: Db; jobs: BackfillJobs }, shop: string): Promise<BackfillRunRow> {
  const active = await db.backfillRun.findFirst({ where: { shop, status: { in: ACTIVE_BACKFILL_STATUSES } }, orderBy: { startedAt: "desc" } });
  if (active) {
    // Re-queue: the job id is the run, so a job still waiting is not doubled.
    if (active.status === "requested") await jobs.start(shop, active.id);
    return active;
  }
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { allOrdersAccess: true } });
  const run = await db.backfillRun.create({ data: { shop, status: "requested", historyLimited: !(shopRow?.allOrdersAccess ?? false) } });
  await jobs.start(shop, run.id);
  return run;
}

/** The latest run of a shop, for the admin's progress bar. */
export async function latestBackfill(db: Db, shop: string): Promise<BackfillRunRow | null> {
  return db.backfillRun.findFirst({ where: { shop }, orderBy: { startedAt: "desc" } });
}

export type StartOutcome = { status: "started" | "already_started" | "not_active"; bulkOperationId: string | null };

/** Starts the bulk query of a requested run (a second call returns the operation already started). */
export async function startBackfillRun(deps: BackfillDeps, runId: string): Promise<StartOutcome> {
  const run = await deps.db.backfillRun.findUnique({ where: { id: runId } });
  if (!run || !ACTIVE_BACKFILL_STATUSES.includes(run.status as BackfillStatus)) return { status: "not_active", bulkOperationId: null };
  if (run.bulkOperationId) return { status: "already_started", bulkOperationId: run.bulkOperationId };
  const admin = await deps.admin(run.shop);
  const shopRow = await deps.db.shop.findUnique({ where: { domain: run.shop }, select: { allOrdersAccess: true } });
  // The total is for the progress bar only: a shop where it cannot be read still backfills.
  const ordersTotal = await countOrders(admin).catch((error: unknown) => {
    deps.log?.warn("backfill: orders count unavailable", { shop: run.shop, error: (error as Error).message });
    return null;
  });
  // OPERATION_IN_PROGRESS and throttling throw: the job retries with backoff.
  const bulkOperationId = await runBulkQuery(admin, ORDER_HISTORY_BULK_QUERY);
  await deps.db.backfillRun.update({
    where: { id: run.id },
    data: { status: "running", bulkOperationId, ordersTotal, historyLimited: !(shopRow?.allOrdersAccess ?? false), error: null },
  });
  deps.log?.info("backfill: bulk query started", { shop: run.shop, runId, bulkOperationId, ordersTotal });
  return { status: "started", bulkOperationId };
}

export type ImportOutcome =
  | { status: "pending"; operationStatus: string }
  | { status: "failed"; error: string }
  | { status: "completed"; ordersRead: number; linesApplied: number; customers: number; tierChanges: number }
  | { status: "not_active" };

async function failRun(db: Db, run: BackfillRunRow, error: string, now: Date): Promise<ImportOutcome> {
  await db.backfillRun.update({ where: { id: run.id }, data: { status: "failed", error, finishedAt: now } });
  return { status: "failed", error };
}

/**
 * Imports a finished bulk operation's result and computes every tier. When the
 * operation is still running answers "pending" (the caller polls again later).
 */
export async function importBackfillResults(deps: BackfillDeps, runId: string): Promise<ImportOutcome> {
  const { db } = deps;
  const now = () => deps.now?.() ?? new Date();
  const run = await db.backfillRun.findUnique({ where: { id: runId } });
  if (!run || !run.bulkOperationId || !ACTIVE_BACKFILL_STATUSES.includes(run.status as BackfillStatus)) return { status: "not_active" };

  let linesApplied = run.linesApplied;
  let ordersRead = run.ordersRead;
  let operation: BulkOperationState | null = null;
  if (run.status !== "computing") {
    const admin = await deps.admin(run.shop);
    // Read afresh: the result url expires, and a new one is handed out on each read.
    operation = await readBulkOperation(admin, run.bulkOperationId);
    if (!operation) return failRun(db, run, `bulk operation ${run.bulkOperationId} not found`, now());
    if (!BULK_OPERATION_DONE.has(operation.status)) return { status: "pending", operationStatus: operation.status };
    if (operation.status !== "COMPLETED") return failRun(db, run, `bulk operation ${operation.status.toLowerCase()}${operation.errorCode ? `: ${operation.errorCode}` : ""}`, now());

    await db.backfillRun.update({ where: { id: run.id }, data: { status: "downloading", ordersTotal: run.ordersTotal ?? Number(operation.rootObjectCount) } });
    deps.onProgress?.({ status: "downloading", linesApplied, ordersRead });
    if (operation.url) {
      ({ linesApplied, ordersRead } = await applyResultFile(deps, admin, run, operation.url));
    }
    await db.backfillRun.update({ where: { id: run.id }, data: { status: "computing", linesApplied, ordersRead } });
  }
  deps.onProgress?.({ status: "computing", linesApplied, ordersRead });

  const computedAt = now();
  const tiers = await recomputeShopTiers({
    db,
    shop: run.shop,
    now: computedAt,
    cause: "backfill",
    onPage: (customerGids) => deps.requestTierSync(run.shop, customerGids),
  });
  // Reconciliation picks up from when the snapshot was taken: anything changed
  // since then and missed by webhooks is repaired by its first run.
  const shop = await db.shop.findUnique({ where: { domain: run.shop }, select: { reconciledUntil: true } });
  if (shop && !shop.reconciledUntil) {
    const snapshotAt = operation ? new Date(operation.createdAt) : run.startedAt;
    await db.shop.update({ where: { domain: run.shop }, data: { reconciledUntil: snapshotAt } });
  }
  await db.backfillRun.update({ where: { id: run.id }, data: { status: "completed", finishedAt: now(), error: null } });
  deps.onProgress?.({ status: "completed", linesApplied, ordersRead });
  deps.log?.info("backfill: completed", { shop: run.shop, runId, ordersRead, linesApplied, customers: tiers.customers, tierChanges: tiers.tierChanges });
  return { status: "completed", ordersRead, linesApplied, customers: tiers.customers, tierChanges: tiers.tierChanges };
}

/** The result file's lines, streamed (never whole in memory). */
async function resultLines(deps: BackfillDeps, run: BackfillRunRow, url: string) {
  const response = await (deps.fetch ?? globalThis.fetch)(url);
  if (!response.ok || !response.body) throw new Error(`Downloading the bulk result of ${run.shop} failed: HTTP ${response.status}`);
  return createInterface({ input: Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), crlfDelay: Infinity });
}

/**
 * The value of the gift cards bought on each order, by order id, from the file's line-item
 * lines. From 2026-01 a bulk file does not group children after their parent (a line item
 * may come any number of lines after its order, or, as far as Shopify promises, before it),
 * so they are gathered in a first pass over the whole file. Only gift-card lines are kept
 * (a few per thousand orders); the other lines are recognised on their text, not parsed.
 * Always the whole file, also on a resumed import: the map is not saved.
 */
async function giftCardLinesOfFile(deps: BackfillDeps, run: BackfillRunRow, url: string): Promise<Map<string, number>> {
  const giftCards = new Map<string, number>();
  const lines = await resultLines(deps, run, url);
  let lineNo = 0;
  try {
    for await (const text of lines) {
      lineNo++;
      let line: { orderId: string; minor: number } | null;
      try {
        line = giftCardLineFromBulkText(text);
      } catch (error) {
        deps.log?.warn("backfill: gift-card line unreadable", { shop: run.shop, runId: run.id, line: lineNo, error: (error as Error).message });
        continue;
      }
      if (line) giftCards.set(line.orderId, (giftCards.get(line.orderId) ?? 0) + line.minor);
    }
  } finally {
    lines.close();
  }
  return giftCards;
}

/**
 * Streams the JSONL result line by line (never whole in memory) and saves it in
 * batches, skipping the lines a previous attempt already applied. Progress is
 * saved after each batch, so a crash loses at most one batch of work. Each order
 * takes the gift cards bought on it from a first pass over the file.
 */
async function applyResultFile(deps: BackfillDeps, admin: AdminRunner, run: BackfillRunRow, url: string): Promise<{ linesApplied: number; ordersRead: number }> {
  const { db } = deps;
  const batchLines = deps.batchLines ?? BACKFILL_BATCH_LINES;
  const giftCards = await giftCardLinesOfFile(deps, run, url);
  const lines = await resultLines(deps, run, url);

  let lineNo = 0;
  let linesApplied = run.linesApplied;
  let ordersRead = run.ordersRead;
  let batch: LedgerBatchEntry[] = [];
  let batchOrders = 0;
  const flush = async () => {
    await withRefundParts(admin, batch);
    // Orders of customers erased since the history was read stay erased.
    await saveLedgerBatch(db, run.shop, await withoutErased(db, run.shop, batch));
    await purgeErasedAmong(db, run.shop, batch);
    linesApplied = lineNo;
    ordersRead += batchOrders;
    await db.backfillRun.update({ where: { id: run.id }, data: { linesApplied, ordersRead } });
    deps.onProgress?.({ status: "downloading", linesApplied, ordersRead });
    batch = [];
    batchOrders = 0;
  };
  try {
    for await (const text of lines) {
      lineNo++;
      if (lineNo <= run.linesApplied) continue;
      // Line items were read in the first pass.
      if (text.trim() !== "" && !isBulkChildText(text)) {
        let line: BulkLine;
        try {
          // Plain JSON.parse: the query selects no integer fields other than line
          // quantities (small), ids are GID strings and amounts decimal strings, so
          // nothing can lose precision, and the lossless reviver would cost a tenth of the import.
          line = bulkLineFromJson(JSON.parse(text), giftCards);
        } catch (error) {
          // One unreadable order must not hold up the whole history; reconciliation or its next webhook repairs it.
          deps.log?.warn("backfill: line skipped", { shop: run.shop, runId: run.id, line: lineNo, error: (error as Error).message });
          continue;
        }
        // Refunds come inline with their order.
        if (line.kind === "order") {
          batch.push(line.entries);
          batchOrders++;
        }
      }
      if (lineNo - linesApplied >= batchLines) await flush();
    }
    if (lineNo > linesApplied) await flush();
  } finally {
    lines.close();
  }
  return { linesApplied, ordersRead };
}

/**
 * A bulk line gives each refund's money but not its parts. With one refund the order's
 * totals give them exactly; with several they give only the sum, so such orders (rare)
 * are read again with their refunds' parts. Refund rows are kept as first written, so
 * each refund must be stored as a webhook for it would store it, whichever comes first.
 */
async function withRefundParts(admin: AdminRunner, batch: LedgerBatchEntry[]): Promise<void> {
  const several = batch.filter((entry) => entry.refunds.length > 1);
  if (several.length === 0) return;
  const nodes = await readOrdersWithRefundParts(admin, several.map((entry) => entry.snapshot.orderId));
  const byId = new Map<string, LedgerBatchEntry>();
  for (const node of nodes) {
    const entries = orderEntriesFromGraphql(node);
    byId.set(entries.snapshot.orderId, entries);
  }
  for (const entry of several) {
    const read = byId.get(entry.snapshot.orderId);
    if (read) entry.refunds = read.refunds;
  }
}
