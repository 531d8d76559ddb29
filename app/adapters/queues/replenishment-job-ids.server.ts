// Job ids of a replenishment request's flow (app/workers/replenishment-jobs.ts), and the wake-up
// the answer callback gives a waiting ask so the decision does not wait for the next poll.
import { Job, type Queue } from "bullmq";
import type { JobQueues } from "./job-queues.server.ts";
import { jobIdFor } from "./queue-registry.ts";

export const askJobId = (rfqId: string) => jobIdFor("ask", rfqId);
export const decideJobId = (requestId: string) => jobIdFor("decide", requestId);

/** Promotes the RFQ's ask if it is waiting (delayed); anything else is left as it is. */
export async function wakeAsk(queues: JobQueues, rfqId: string): Promise<void> {
  const job = await Job.fromId(queues.replenishmentAsk as Queue, askJobId(rfqId));
  if (job && (await job.isDelayed())) await job.promote().catch(() => {});
}
