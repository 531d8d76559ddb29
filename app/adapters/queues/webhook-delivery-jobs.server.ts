// Queuing stored webhook deliveries again, each under its own job id (the id the
// intake and the sweep use, so there is only ever one job per delivery).
import type { JobQueues } from "./job-queues.server.ts";
import { jobIdFor } from "./queue-registry.ts";

export type DeliveryJob = { webhookId: string; shop: string; topic: string };

export const deliveryJobId = (webhookId: string) => jobIdFor("wh", webhookId);

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

/** Queues the deliveries (a delivery whose job is still there keeps that one). */
export async function enqueueDeliveries(queue: JobQueues["webhooks"], deliveries: DeliveryJob[]): Promise<void> {
  if (deliveries.length === 0) return;
  await queue.addBulk(deliveries.map(({ webhookId, shop, topic }) => ({ name: topic, data: { webhookId, shop, topic }, opts: { jobId: deliveryJobId(webhookId) } })));
}
