// Enqueueing the backfill's jobs. One job id per run and step, so a step is never
// queued twice; the import job of a run is delayed while it polls, and the
// bulk_operations/finish webhook brings it forward.
import type { JobQueues } from "./job-queues.server.ts";
import { jobIdFor } from "./queue-registry.ts";

export const backfillStartJobId = (runId: string) => jobIdFor("backfill-start", runId);
export const backfillImportJobId = (runId: string) => jobIdFor("backfill-import", runId);

export async function enqueueBackfillStart(queues: JobQueues, shop: string, runId: string): Promise<void> {
  await queues.backfill.add("start", { kind: "start", shop, runId }, { jobId: backfillStartJobId(runId) });
}

/** Queues the import now; a delayed (polling) import job of the run is promoted instead. */
export async function enqueueBackfillImport(queues: JobQueues, shop: string, runId: string, delayMs = 0): Promise<void> {
  const jobId = backfillImportJobId(runId);
  const existing = await queues.backfill.getJob(jobId);
  if (existing) {
    if (delayMs === 0 && (await existing.isDelayed())) await existing.promote().catch(() => {});
    if (!(await existing.isCompleted()) && !(await existing.isFailed())) return;
    await existing.remove().catch(() => {});
  }
  await queues.backfill.add("import", { kind: "import", shop, runId }, { jobId, ...(delayMs ? { delay: delayMs } : {}) });
}

/** The BackfillJobs a use-case needs, over these queues. */
export function backfillJobs(queues: JobQueues) {
  return { start: (shop: string, runId: string) => enqueueBackfillStart(queues, shop, runId) };
}
