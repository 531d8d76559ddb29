// Error classification, cost pacing and THROTTLED backoff, with a scripted client.
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { describe, expect, it } from "vitest";
import { AdminCostBudget } from "./admin-cost-budget.ts";
import { AdminNetworkError, type AdminGraphqlClient, type AdminGraphqlResponse } from "./admin-graphql-client.ts";
import { createAdminRunner, type AdminOperation } from "./admin-operation-runner.ts";
import { classifyShopifyError, errorOfResponse, ShopifyRetryableError, ShopifyTerminalError } from "./shopify-errors.ts";

const SHOP = "errors.myshopify.com";
const status = (currentlyAvailable: number) => ({ maximumAvailable: 1000, currentlyAvailable, restoreRate: 100 });
const okAnswer = (available = 990): AdminGraphqlResponse => ({
  status: 200,
  data: { ok: true },
  errors: null,
  extensions: { cost: { requestedQueryCost: 10, actualQueryCost: 10, throttleStatus: status(available) } },
});
const throttledAnswer = (available = 0, httpStatus = 200): AdminGraphqlResponse => ({
  status: httpStatus,
  data: null,
  errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
  extensions: { cost: { requestedQueryCost: 10, actualQueryCost: null, throttleStatus: status(available) } },
});

/** A fake clock that sleeping advances, shared by the budget and the runner. */
function fakeTime() {
  const t = { now: 0, waits: [] as number[] };
  const sleep = async (ms: number) => {
    t.waits.push(ms);
    t.now += ms;
  };
  return { t, budget: new AdminCostBudget(() => t.now), sleep };
}

function scripted(answers: AdminGraphqlResponse[]): AdminGraphqlClient & { calls: number } {
  const client = {
    shop: SHOP,
    calls: 0,
    async request<T>() {
      const answer = answers[Math.min(client.calls, answers.length - 1)];
      client.calls++;
      return answer as AdminGraphqlResponse<T>;
    },
  };
  return client;
}

const op: AdminOperation<{ ok: boolean }, Record<string, never>> = { name: "Probe", query: "query Probe { shop { id } }", cost: () => 10 };

describe("errorOfResponse", () => {
  it.each([401, 402, 403, 404, 423])("HTTP %i is terminal", (code) => {
    const error = errorOfResponse({ status: code, data: null, errors: [{ message: "no" }], extensions: null }, "Probe");
    expect(error).toBeInstanceOf(ShopifyTerminalError);
  });

  it.each([500, 502, 503])("HTTP %i is retryable", (code) => {
    expect(errorOfResponse({ status: code, data: null, errors: null, extensions: null }, "Probe")).toBeInstanceOf(ShopifyRetryableError);
  });

  it("THROTTLED in a 200 body and HTTP 429 are retryable, with Retry-After when given", () => {
    expect(errorOfResponse(throttledAnswer(), "Probe")).toMatchObject({ reason: "throttled" });
    const limited = errorOfResponse({ status: 429, data: null, errors: null, extensions: null, retryAfterSeconds: 2 }, "Probe");
    expect(limited).toBeInstanceOf(ShopifyRetryableError);
    expect((limited as ShopifyRetryableError).retryAfterMs).toBe(2000);
  });

  it("schema errors are terminal; a usable answer is not an error", () => {
    expect(errorOfResponse({ status: 200, data: null, errors: [{ message: "Field 'x' doesn't exist", extensions: { code: "undefinedField" } }], extensions: null }, "Probe")).toMatchObject({ reason: "query_invalid" });
    expect(errorOfResponse(okAnswer(), "Probe")).toBeNull();
  });

  it("a missing session is terminal, a network failure retryable", () => {
    expect(classifyShopifyError(new SessionNotFoundError("gone"))).toMatchObject({ reason: "session_missing" });
    expect(classifyShopifyError(new AdminNetworkError("reset"))).toMatchObject({ reason: "network" });
    expect(classifyShopifyError(new Error("other"))).toBeNull();
  });
});

describe("AdminCostBudget", () => {
  it("makes a request wait until the reported bucket holds its cost", () => {
    let now = 0;
    const budget = new AdminCostBudget(() => now);
    expect(budget.delayFor(SHOP, 50)).toBe(0); // nothing known yet
    budget.record(SHOP, { maximumAvailable: 1000, currentlyAvailable: 10, restoreRate: 100 });
    expect(budget.delayFor(SHOP, 50)).toBe(400);
    now = 400;
    expect(budget.delayFor(SHOP, 50)).toBe(0);
    budget.reserve(SHOP, 50);
    expect(budget.delayFor(SHOP, 50)).toBe(500);
  });
});

describe("createAdminRunner", () => {
  it("backs off on THROTTLED (200 or 429) and retries until the answer is usable", async () => {
    const time = fakeTime();
    const client = scripted([throttledAnswer(0), throttledAnswer(5, 429), okAnswer()]);
    const runner = createAdminRunner(client, { budget: time.budget, sleep: time.sleep });
    await expect(runner.run(op, {})).resolves.toEqual({ ok: true });
    expect(client.calls).toBe(3);
    expect(time.t.waits).toEqual([100, 50]);
  });

  it("gives the wait to the job's retry after too many THROTTLED answers", async () => {
    const client = scripted([throttledAnswer(0)]);
    const time = fakeTime();
    const runner = createAdminRunner(client, { budget: time.budget, sleep: time.sleep, maxThrottleRetries: 2 });
    const error = await runner.run(op, {}).catch((e) => e);
    expect(error).toBeInstanceOf(ShopifyRetryableError);
    expect(error.retryAfterMs).toBe(100);
    expect(client.calls).toBe(3);
  });

  it("paces the next request by the last reported bucket", async () => {
    const time = fakeTime();
    const client = scripted([okAnswer(2), okAnswer(990)]);
    const runner = createAdminRunner(client, { budget: time.budget, sleep: time.sleep });
    await runner.run(op, {});
    await runner.run(op, {});
    // 2 points left, 10 needed, 100 points/s.
    expect(time.t.waits).toEqual([80]);
  });

  it("without waiting: a request the budget cannot pay now, or a THROTTLED answer, fails at once as retryable", async () => {
    const time = fakeTime();
    const client = scripted([okAnswer(2), throttledAnswer(0), okAnswer(990)]);
    const runner = createAdminRunner(client, { budget: time.budget, sleep: time.sleep });
    const immediate = runner.withoutWaiting!();
    expect([runner.waits, immediate.waits, immediate.withoutWaiting!()]).toEqual([true, false, immediate]);
    await immediate.run(op, {});
    // 2 points left of the 10 needed: no request, no sleep.
    await expect(immediate.run(op, {})).rejects.toBeInstanceOf(ShopifyRetryableError);
    expect(client.calls).toBe(1);
    time.t.now += 1_000;
    const throttled = await immediate.run(op, {}).catch((e) => e);
    expect(throttled).toBeInstanceOf(ShopifyRetryableError);
    expect(client.calls).toBe(2);
    expect(time.t.waits).toEqual([]);
    // The waiting runner shares the budget the answer reported (0 left) and waits for it.
    await expect(runner.run(op, {})).resolves.toEqual({ ok: true });
    expect(time.t.waits).toEqual([100]);
  });

  it("throws terminal errors without retrying", async () => {
    const client = scripted([{ status: 401, data: null, errors: [{ message: "Invalid API key or access token" }], extensions: null }]);
    const runner = createAdminRunner(client, { budget: new AdminCostBudget(), sleep: async () => {} });
    await expect(runner.run(op, {})).rejects.toMatchObject({ reason: "unauthorized" });
    expect(client.calls).toBe(1);
  });
});
