// Queues tier recomputation from the web process (merchant pages), on the
// producer queues of this process. Coalesced per customer like webhook-driven work.
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { requestRulesRecompute, requestTierRecompute } from "../adapters/queues/tier-recompute-jobs.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

export function tierRecomputeRequester(shop: string): (customerGids: string[], cause: TierRecomputeCause) => Promise<void> {
  return (customerGids, cause) => requestTierRecompute(jobQueues(), shop, customerGids, cause);
}

/** After a save of the tier rules: one job recomputes every customer of the shop (tier-rules-recompute.server.ts). */
export function rulesRecomputeRequester(): (shop: string, rulesVersion: number) => Promise<void> {
  return (shop, rulesVersion) => requestRulesRecompute(jobQueues(), shop, rulesVersion);
}
