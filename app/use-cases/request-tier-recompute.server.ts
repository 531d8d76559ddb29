// Queues tier recomputation from the web process (merchant pages), on the
// producer queues of this process. Coalesced per customer like webhook-driven work.
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { requestTierRecompute } from "../adapters/queues/tier-recompute-jobs.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

export function tierRecomputeRequester(shop: string): (customerGids: string[], cause: TierRecomputeCause) => Promise<void> {
  return (customerGids, cause) => requestTierRecompute(jobQueues(), shop, customerGids, cause);
}
