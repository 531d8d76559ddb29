// Enqueueing tier recomputation, coalesced per customer: producers (webhook jobs,
// merchant pages, maintenance) ask here; the worker's processor is in
// app/workers/tier-jobs.ts.
import type { JobQueues } from "./job-queues.server.ts";
import { jobIdFor, type JobPayload } from "./queue-registry.ts";

/** Orders from one customer within this window of the first make one recomputation. */
export const COALESCE_MS = 1_000;

export type TierRecomputeCause = JobPayload<"tierRecompute">["cause"];

export async function requestTierRecompute(queues: JobQueues, shop: string, customerGids: string[], cause: TierRecomputeCause): Promise<void> {
  if (customerGids.length === 0) return;
  // The first event starts the customer's window; events within it are covered by the
  // job it queued, which reads the ledger when the window ends. A later event starts a
  // new window, so nothing is lost while a job is running.
  const jobs = customerGids.map((customerGid) => ({
    name: cause,
    data: { shop, customerGid, cause },
    opts: { deduplication: { id: jobIdFor("tier", `${shop}|${customerGid}`), ttl: COALESCE_MS }, delay: COALESCE_MS, removeOnComplete: true },
  }));
  // Nearly always one customer: one script call, without addBulk's MULTI/EXEC around it.
  if (jobs.length === 1) await queues.tierRecompute.add(jobs[0].name, jobs[0].data, jobs[0].opts);
  else await queues.tierRecompute.addBulk(jobs);
}

/**
 * The recomputation of every customer after a save of the tier rules: one job per shop and rules
 * version (a second request for the same save adds nothing).
 */
export async function requestRulesRecompute(queues: JobQueues, shop: string, rulesVersion: number): Promise<void> {
  await queues.tierMaintenance.add("rules-recompute", { kind: "rules-recompute", shop, rulesVersion }, { jobId: jobIdFor("rules-recompute", `${shop}@${rulesVersion}`) });
}
