// Sends one typed Admin operation: waits for the cost budget, backs off and
// retries a THROTTLED answer in place (up to a bound, then hands the wait to the
// job's own retry), and turns every other failure into a terminal or retryable
// error (shopify-errors.ts). Returns `data` only when the answer is usable.
import { AdminCostBudget, adminCostBudget } from "./admin-cost-budget.ts";
import type { AdminGraphqlClient } from "./admin-graphql-client.ts";
import { errorOfResponse, isThrottled, ShopifyRetryableError } from "./shopify-errors.ts";

export interface AdminOperation<TData, TVariables extends Record<string, unknown>> {
  /** The operation name in `query`, for logs and errors. */
  name: string;
  query: string;
  /** Worst-case (requested) cost in points, for pacing before the request is sent. */
  cost(variables: TVariables): number;
  /** Phantom fields carrying the types. */
  readonly __data?: TData;
  readonly __variables?: TVariables;
}

export interface AdminRunOptions {
  budget?: AdminCostBudget;
  sleep?: (ms: number) => Promise<void>;
  /** THROTTLED answers retried in place before the error is rethrown. */
  maxThrottleRetries?: number;
  /** Longest single wait done in place; a longer one is left to the job's retry. */
  maxWaitMs?: number;
  /** Called with every wait (pacing or backoff), for logs and tests. */
  onWait?: (event: { operation: string; ms: number; cause: "budget" | "throttled" }) => void;
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface AdminRunner {
  readonly shop: string;
  /** Points the shop's cost bucket holds now as this process knows it (null: no report yet, or not tracked). */
  availablePoints?(): number | null;
  run<TData, TVariables extends Record<string, unknown>>(operation: AdminOperation<TData, TVariables>, variables: TVariables): Promise<TData>;
  /** false for a runner that never waits (see `withoutWaiting`). */
  readonly waits?: boolean;
  /**
   * The same shop and budget, but a request the budget cannot pay now, or a THROTTLED answer,
   * fails at once as retryable: for work done inside a webhook job, whose lane must not wait on
   * Shopify's budget (its job retries with backoff instead).
   */
  withoutWaiting?(): AdminRunner;
}

export function createAdminRunner(client: AdminGraphqlClient, options: AdminRunOptions = {}): AdminRunner {
  const budget = options.budget ?? adminCostBudget;
  const sleep = options.sleep ?? defaultSleep;
  const maxThrottleRetries = options.maxThrottleRetries ?? 4;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const shop = client.shop;

  let immediate: AdminRunner | undefined;
  const runner: AdminRunner = {
    shop,
    waits: maxWaitMs > 0,
    withoutWaiting: () => (maxWaitMs > 0 ? (immediate ??= createAdminRunner(client, { ...options, maxWaitMs: 0, maxThrottleRetries: 0 })) : runner),
    availablePoints: () => budget.available(shop),
    async run<TData, TVariables extends Record<string, unknown>>(operation: AdminOperation<TData, TVariables>, variables: TVariables): Promise<TData> {
      const cost = operation.cost(variables);
      for (let attempt = 0; ; attempt++) {
        const delay = budget.delayFor(shop, cost);
        if (delay > 0) {
          if (delay > maxWaitMs) {
            throw new ShopifyRetryableError("throttled", `${operation.name}: cost budget of ${shop} needs ${delay} ms to refill`, delay);
          }
          options.onWait?.({ operation: operation.name, ms: delay, cause: "budget" });
          await sleep(delay);
        }
        budget.reserve(shop, cost);
        const response = await client.request<TData>(operation.query, variables);
        const status = response.extensions?.cost?.throttleStatus;
        if (status) budget.record(shop, status);
        if (isThrottled(response)) {
          const requested = response.extensions?.cost?.requestedQueryCost ?? cost;
          const wait =
            response.retryAfterSeconds !== undefined ? Math.ceil(response.retryAfterSeconds * 1000) : (AdminCostBudget.waitAfterThrottle(status, requested) ?? 1_000);
          if (attempt >= maxThrottleRetries || wait > maxWaitMs) {
            throw new ShopifyRetryableError("throttled", `${operation.name} on ${shop} throttled ${attempt + 1} times`, wait, response.status);
          }
          options.onWait?.({ operation: operation.name, ms: wait, cause: "throttled" });
          await sleep(wait);
          continue;
        }
        const error = errorOfResponse(response, operation.name);
        if (error) throw error;
        return response.data as TData;
      }
    },
  };
  return runner;
}
