// The jobs of stored webhook deliveries: a delivery's own job (its id is the delivery's,
// the id retries and the sweep use) or a batch of deliveries the intake accepted together.
import type { JobsOptions, Queue } from "bullmq";
import { chunks } from "../../chunks.ts";
import type { JobQueues } from "./job-queues.server.ts";
import { jobIdFor, MAX_DELIVERY_BATCH, type DeliveryJob, type JobPayload } from "./queue-registry.ts";

export type { DeliveryJob };

export const deliveryJobId = (webhookId: string) => jobIdFor("wh", webhookId);

/** The job of one delivery, under the delivery's own id (a second enqueue is a no-op while it exists). */
export const singleDeliveryJob = ({ webhookId, shop, topic }: DeliveryJob, opts: JobsOptions = {}) => ({
  name: topic,
  data: { webhookId, shop, topic },
  opts: { jobId: deliveryJobId(webhookId), ...opts },
});

/** The job of deliveries accepted together: one fetch and one finish for the lot (process-webhook.ts). */
export const deliveryBatchJob = (deliveries: readonly DeliveryJob[]) => ({
  name: "batch",
  data: { batch: deliveries.map(({ webhookId, shop, topic }) => ({ webhookId, shop, topic })) },
});

/** The jobs for deliveries accepted together: a lone one gets its own job, more share batch jobs. */
export function deliveryJobs(deliveries: readonly DeliveryJob[]) {
  if (deliveries.length === 1) return [singleDeliveryJob(deliveries[0])];
  return chunks(deliveries, MAX_DELIVERY_BATCH).map(deliveryBatchJob);
}

/**
 * The deliveries that batch jobs not yet ended still carry: the sweep asks its question of a
 * delivery's own job, and a delivery in a batch has none while the batch is on its way.
 */
export async function deliveriesInLiveBatches(queue: Queue<JobPayload<"webhooks">>): Promise<Set<string>> {
  const jobs = await queue.getJobs(["waiting", "active", "delayed", "prioritized", "paused"]);
  const ids = new Set<string>();
  for (const job of jobs) if (job?.data && "batch" in job.data) for (const d of job.data.batch) ids.add(d.webhookId);
  return ids;
}

/**
 * Makes room for a fresh job per delivery: a job that ended (failed for good, kept
 * for inspection, or completed) is removed, since a job id still held would make the
 * new one a no-op. A job still waiting, delayed or running is left to do the work.
 * Called before the rows are re-opened, so the sweep never sees a re-opened row
 * beside its old failed job (which it would take as failed again).
 */
export async function clearEndedDeliveryJobs(queue: JobQueues["webhooks"], webhookIds: string[]): Promise<void> {
  await Promise.all(
    webhookIds.map(async (webhookId) => {
      const jobId = deliveryJobId(webhookId);
      const state = await queue.getJobState(jobId);
      if (state === "failed" || state === "completed") await queue.remove(jobId);
    }),
  );
}

/** Queues the deliveries, each under its own job id (a delivery whose job is still there keeps that one). */
export async function enqueueDeliveries(queue: JobQueues["webhooks"], deliveries: DeliveryJob[], { delayMs = 0 } = {}): Promise<void> {
  if (deliveries.length === 0) return;
  await queue.addBulk(deliveries.map((d) => singleDeliveryJob(d, delayMs ? { delay: delayMs } : {})));
}
