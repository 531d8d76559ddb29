// bulk_operations/finish: Shopify finished (or failed) a bulk operation. When it is a
// history backfill's query, queue the import now instead of waiting for the next poll; when it is
// a promise write's tag mutation, queue the job that saves each promise as its line says.
import { z } from "zod";
import { loadBulkOperationOwner } from "../adapters/db/order-promise-statements.server.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

const BulkFinishPayload = z.object({ admin_graphql_api_id: z.string().startsWith("gid://shopify/BulkOperation/"), status: z.string().optional() });

/** Queues (or brings forward) the import job of a backfill run. */
export type EnqueueBackfillImport = (shop: string, runId: string) => Promise<void>;

async function defaultEnqueueImport(shop: string, runId: string): Promise<void> {
  // The web/worker process's producer queues, created from the environment on first use.
  const [{ jobQueues }, { enqueueBackfillImport }] = await Promise.all([import("../adapters/queues/queues.server.ts"), import("../adapters/queues/backfill-jobs.server.ts")]);
  await enqueueBackfillImport(jobQueues(), shop, runId);
}

export async function applyBulkOperationFinishWebhook(ctx: WebhookContext, enqueueImport: EnqueueBackfillImport = defaultEnqueueImport): Promise<WebhookOutcome> {
  const parsed = BulkFinishPayload.safeParse(ctx.payload);
  if (!parsed.success) return { status: "skipped", note: "bulk operation payload without an id" };
  // One statement (every promise write round ends with one of these): whose operation it is.
  const gid = parsed.data.admin_graphql_api_id;
  const { backfillRun: run, awaitedByPromises } = await loadBulkOperationOwner(ctx.db, ctx.shop, gid);
  if (!run) {
    if (!awaitedByPromises || !ctx.requestPromiseWork) return { status: "skipped", note: "neither a backfill's nor a promise write's bulk operation" };
    await ctx.requestPromiseWork({ kind: "tags", operationGid: gid });
    return { status: "processed", note: `promise tags of ${gid} to settle` };
  }
  if (run.status === "completed" || run.status === "failed") return { status: "skipped", note: `backfill already ${run.status}` };
  await enqueueImport(ctx.shop, run.id);
  return { status: "processed", note: `backfill ${run.id} import queued` };
}
