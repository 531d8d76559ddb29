/**
 * The stock levels a shop has when Tierline is installed: every SKU at every location with on
 * hand, committed, available and incoming, read by one bulk query (a few points, whatever the
 * catalogue's size) and stored as StockPositions. inventory_levels/update keeps them current
 * afterwards; a newer read or webhook is never overwritten by this one (recordStockPosition).
 *
 * Exported API
 * - readInitialStockLevels(deps, shop): { status: "read"; levels; stored } | { status: "gave_up"; reason }
 *
 * The job that calls it waits for the operation: polled every `pollMs`, at most `maxPolls` times
 * (another bulk query of the app, such as the history backfill's, may hold one of the five places;
 * then the start is tried again at the next poll). A read that does not finish in time is logged
 * and left: the webhooks still bring each level as it changes.
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { recordStockPosition } from "../adapters/db/replenishment-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { BulkOperationInProgressError, runBulkQuery } from "../adapters/shopify/admin-operations/bulk-operation-run-query.ts";
import { BULK_OPERATION_DONE, readBulkOperation } from "../adapters/shopify/admin-operations/bulk-operation-status.ts";
import { INVENTORY_LEVELS_BULK_QUERY, inventoryLevelOfLine } from "../adapters/shopify/admin-operations/inventory-levels-bulk-query.ts";

export interface InitialStockDeps {
  db: Db;
  admin: AdminRunner;
  now?: () => Date;
  fetch?: typeof fetch;
  log?: Logger;
  pollMs?: number;
  maxPolls?: number;
}

export type InitialStockOutcome = { status: "read"; levels: number; stored: number } | { status: "gave_up"; reason: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function readInitialStockLevels(deps: InitialStockDeps, shop: string): Promise<InitialStockOutcome> {
  const now = deps.now ?? (() => new Date());
  const pollMs = deps.pollMs ?? 1_000;
  const maxPolls = deps.maxPolls ?? 120;
  let operationId: string | null = null;
  let url: string | null = null;
  for (let poll = 0; poll < maxPolls && url === null; poll++) {
    if (poll > 0) await sleep(pollMs);
    if (operationId === null) {
      try {
        operationId = await runBulkQuery(deps.admin, INVENTORY_LEVELS_BULK_QUERY);
      } catch (error) {
        if (error instanceof BulkOperationInProgressError) continue;
        throw error;
      }
      continue;
    }
    const state = await readBulkOperation(deps.admin, operationId);
    if (!state) return { status: "gave_up", reason: `Shopify knows no bulk operation ${operationId}` };
    if (!BULK_OPERATION_DONE.has(state.status)) continue;
    if (state.status !== "COMPLETED") return { status: "gave_up", reason: `the stock levels' bulk query ended ${state.status}${state.errorCode ? ` (${state.errorCode})` : ""}` };
    // An empty shop completes without a file.
    if (!state.url) return { status: "read", levels: 0, stored: 0 };
    url = state.url;
  }
  if (url === null) {
    const reason = operationId ? `bulk operation ${operationId} not done after ${maxPolls} polls` : `no place for a bulk query after ${maxPolls} tries`;
    deps.log?.warn("initial stock levels not read", { shop, reason });
    return { status: "gave_up", reason };
  }
  const response = await (deps.fetch ?? globalThis.fetch)(url);
  if (!response.ok || !response.body) throw new Error(`Downloading the stock levels of ${shop} failed: HTTP ${response.status}`);
  const lines = createInterface({ input: Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), crlfDelay: Infinity });
  let levels = 0;
  let stored = 0;
  const readAt = now();
  for await (const line of lines) {
    if (!line.trim()) continue;
    const level = inventoryLevelOfLine(line);
    if (!level) continue;
    levels++;
    const result = await recordStockPosition(deps.db, shop, { inventoryItemGid: level.inventoryItemGid, locationGid: level.locationGid, levels: level.levels, levelUpdatedAt: level.updatedAt, readAt });
    if (result === "stored") stored++;
  }
  deps.log?.info("initial stock levels read", { shop, levels, stored });
  return { status: "read", levels, stored };
}
