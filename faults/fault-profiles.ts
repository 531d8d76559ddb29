// The fault-injection suite's profiles: how much traffic and how many faults of each kind.
// `small` runs inside `npm test` (every kind of fault at least once, a few hundred orders);
// `full` carries the numbers of issue 14; `scale-out` is what the scale-out benchmark replays
// (several web and worker processes, one Redis and a Redis Cluster): a few hundred orders and a
// modest share of every fault, so that its cost figures are mostly the orders' own.

export interface FaultProfile {
  name: string;
  shops: number;
  /** Live orders placed over the replay, spread over the shops. */
  orders: number;
  /** New customers per shop (besides the seeded store's own). */
  customersPerShop: number;
  /** Orders placed per second. */
  rate: number;
  /** Shares of the placed orders that later get a refund, an edit, a cancellation, a fulfillment. */
  refundShare: number;
  editShare: number;
  cancelShare: number;
  fulfillShare: number;
  /** Share of orders placed as cash on delivery and marked paid later. */
  codShare: number;
  webhooks: { duplicateProbability: number; reorderProbability: number; reorderWindowMs: number; lostProbability: number; lateProbability: number; lateMs: number; dropProbability: number };
  adminApi: { throttledProbability: number; tooManyRequestsProbability: number; errorProbability: number; slowProbability: number; slowMs: number };
  /**
   * The worker's Admin API client gives up after this (SHOPIFY_ADMIN_TIMEOUT_MS), below slowMs:
   * a slow answer is then a call given up that Shopify still applies.
   */
  adminTimeoutMs: number;
  workerKills: number;
  redisRestarts: number;
  /** Of which this many are SIGKILLs that lose the last second of append-only writes. */
  lossyRedisRestarts: number;
  webRestarts: number;
  /** Shopify's 4 h retry schedule divided by this (late deliveries too). */
  timeCompression: number;
  seed: number;
}

export const FAULT_PROFILES: Record<"small" | "full" | "scale-out", FaultProfile> = {
  small: {
    name: "small",
    shops: 2,
    orders: 140,
    customersPerShop: 20,
    rate: 5,
    refundShare: 0.1,
    editShare: 0.05,
    cancelShare: 0.05,
    fulfillShare: 0.05,
    codShare: 0.03,
    webhooks: { duplicateProbability: 0.2, reorderProbability: 0.1, reorderWindowMs: 3_000, lostProbability: 0.01, lateProbability: 0.02, lateMs: 10_000, dropProbability: 0.01 },
    adminApi: { throttledProbability: 0.07, tooManyRequestsProbability: 0.06, errorProbability: 0.07, slowProbability: 0.08, slowMs: 6_000 },
    adminTimeoutMs: 4_000,
    workerKills: 3,
    redisRestarts: 2,
    lossyRedisRestarts: 1,
    webRestarts: 1,
    // Shopify's 4 h of retries in 2 min: longer than a web process takes to come back on a busy machine.
    timeCompression: 120,
    seed: 16,
  },
  full: {
    name: "full",
    shops: 3,
    orders: 10_000,
    customersPerShop: 400,
    rate: 25,
    refundShare: 0.08,
    editShare: 0.04,
    cancelShare: 0.04,
    fulfillShare: 0.05,
    codShare: 0.02,
    // "hours late": 20 min at a 60× compression is 20 s.
    webhooks: { duplicateProbability: 0.2, reorderProbability: 0.1, reorderWindowMs: 5_000, lostProbability: 0.01, lateProbability: 0.005, lateMs: 20_000, dropProbability: 0.01 },
    adminApi: { throttledProbability: 0.07, tooManyRequestsProbability: 0.06, errorProbability: 0.07, slowProbability: 0.01, slowMs: 8_000 },
    adminTimeoutMs: 5_000,
    workerKills: 100,
    redisRestarts: 5,
    lossyRedisRestarts: 1,
    webRestarts: 2,
    timeCompression: 60,
    seed: 1414,
  },
  "scale-out": {
    name: "scale-out",
    shops: 2,
    orders: 500,
    customersPerShop: 40,
    rate: 12,
    refundShare: 0.08,
    editShare: 0.04,
    cancelShare: 0.04,
    fulfillShare: 0.05,
    codShare: 0.02,
    webhooks: { duplicateProbability: 0.1, reorderProbability: 0.05, reorderWindowMs: 3_000, lostProbability: 0.005, lateProbability: 0.01, lateMs: 10_000, dropProbability: 0.005 },
    adminApi: { throttledProbability: 0.03, tooManyRequestsProbability: 0.03, errorProbability: 0.03, slowProbability: 0.02, slowMs: 6_000 },
    adminTimeoutMs: 4_000,
    workerKills: 2,
    redisRestarts: 2,
    lossyRedisRestarts: 1,
    webRestarts: 1,
    timeCompression: 120,
    seed: 1415,
  },
};
