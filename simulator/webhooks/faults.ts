// Fault injection, switchable per run: one object that the webhook delivery
// and the Admin API both consult, set programmatically or with
// `POST /_sim/faults`. Randomness comes from a seeded generator so a failing
// run can be repeated.

import { z } from "zod";

export const webhookFaultsSchema = z
  .object({
    /** Probability that a delivery is sent a second time (same Webhook-Id), as at-least-once allows. */
    duplicateProbability: z.number().min(0).max(1),
    /** Deliveries start after a random wait in [0, window): events overtake each other. */
    reorderWindowMs: z.number().min(0),
    /** Share of deliveries the reorder window applies to (default 1: all of them). */
    reorderProbability: z.number().min(0).max(1),
    /** Share of deliveries held back by `lateMs` before their first attempt ("hours late", time-compressed by the caller). */
    lateProbability: z.number().min(0).max(1),
    lateMs: z.number().min(0),
    /** Probability that an event is never delivered at all (no attempt, no retry): only a reconciliation finds it. */
    lostProbability: z.number().min(0).max(1),
    /** Fixed extra wait before every first attempt ("deliveries can be late"). */
    delayMs: z.number().min(0),
    /** Probability that an attempt's connection is reset mid-request (half the body sent); it counts as failed and is retried. */
    dropProbability: z.number().min(0).max(1),
  })
  .strict();

export const adminApiFaultsSchema = z
  .object({
    /** Probability that a request is answered THROTTLED in a 200 body (Shopify's GraphQL throttling), before it runs. */
    throttledProbability: z.number().min(0).max(1),
    /** Probability that a request is answered HTTP 429 with Retry-After: 1, before it runs. */
    tooManyRequestsProbability: z.number().min(0).max(1),
    /** Probability that a request is answered with a 5xx (`errorStatus`). */
    errorProbability: z.number().min(0).max(1),
    errorStatus: z.number().int().min(500).max(599),
    /** Probability that an answer is held back by `slowMs`. */
    slowProbability: z.number().min(0).max(1),
    slowMs: z.number().min(0),
    /** Probability that the connection is destroyed without an answer. */
    dropProbability: z.number().min(0).max(1),
    /** Points taken from the bucket before each request, as if other work of the same app were running. */
    throttlePressure: z.number().min(0),
  })
  .strict();

export const faultSettingsSchema = z
  .object({
    seed: z.number().int(),
    webhooks: webhookFaultsSchema.partial(),
    adminApi: adminApiFaultsSchema.partial(),
  })
  .partial()
  .strict();

export type WebhookFaults = z.infer<typeof webhookFaultsSchema>;
export type AdminApiFaults = z.infer<typeof adminApiFaultsSchema>;
export type FaultSettingsInput = z.infer<typeof faultSettingsSchema>;

export const NO_WEBHOOK_FAULTS: WebhookFaults = {
  duplicateProbability: 0,
  reorderWindowMs: 0,
  reorderProbability: 1,
  lateProbability: 0,
  lateMs: 0,
  lostProbability: 0,
  delayMs: 0,
  dropProbability: 0,
};
export const NO_ADMIN_API_FAULTS: AdminApiFaults = {
  throttledProbability: 0,
  tooManyRequestsProbability: 0,
  errorProbability: 0,
  errorStatus: 503,
  slowProbability: 0,
  slowMs: 0,
  dropProbability: 0,
  throttlePressure: 0,
};

/** mulberry32: small, fast, seeded. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type AdminApiFaultDecision =
  | { kind: "none" }
  | { kind: "throttled" }
  | { kind: "too-many-requests" }
  | { kind: "error"; status: number }
  | { kind: "slow"; ms: number }
  | { kind: "drop" };

/** How many of each fault were injected since the last reset (a fault-injection run reports them). */
export type FaultCounts = Record<
  "webhookDuplicated" | "webhookReordered" | "webhookLate" | "webhookLost" | "webhookConnectionReset" | "adminThrottled" | "adminTooManyRequests" | "adminError" | "adminSlow" | "adminDropped",
  number
>;

const noCounts = (): FaultCounts => ({
  webhookDuplicated: 0, webhookReordered: 0, webhookLate: 0, webhookLost: 0, webhookConnectionReset: 0,
  adminThrottled: 0, adminTooManyRequests: 0, adminError: 0, adminSlow: 0, adminDropped: 0,
});

export class Faults {
  counts: FaultCounts = noCounts();
  webhooks: WebhookFaults = { ...NO_WEBHOOK_FAULTS };
  adminApi: AdminApiFaults = { ...NO_ADMIN_API_FAULTS };
  seed = 1;
  random: () => number = seeded(1);

  constructor(settings: FaultSettingsInput = {}) {
    this.set(settings);
  }

  /** Merges the given settings over the current ones (validated; throws ZodError on bad input). */
  set(input: unknown): this {
    const s = faultSettingsSchema.parse(input);
    if (s.seed !== undefined) {
      this.seed = s.seed;
      this.random = seeded(s.seed);
    }
    if (s.webhooks) this.webhooks = { ...this.webhooks, ...s.webhooks };
    if (s.adminApi) this.adminApi = { ...this.adminApi, ...s.adminApi };
    return this;
  }

  reset(): this {
    this.webhooks = { ...NO_WEBHOOK_FAULTS };
    this.adminApi = { ...NO_ADMIN_API_FAULTS };
    this.random = seeded(this.seed);
    return this;
  }

  snapshot(): { seed: number; webhooks: WebhookFaults; adminApi: AdminApiFaults; counts: FaultCounts } {
    return { seed: this.seed, webhooks: { ...this.webhooks }, adminApi: { ...this.adminApi }, counts: { ...this.counts } };
  }

  resetCounts(): this {
    this.counts = noCounts();
    return this;
  }

  private chance(p: number, counter: keyof FaultCounts): boolean {
    if (!(p > 0 && this.random() < p)) return false;
    this.counts[counter]++;
    return true;
  }

  /** What to do to one Admin API request: at most one fault, drop before error before slow. */
  decideAdminApi(): AdminApiFaultDecision {
    const f = this.adminApi;
    if (this.chance(f.dropProbability, "adminDropped")) return { kind: "drop" };
    if (this.chance(f.throttledProbability, "adminThrottled")) return { kind: "throttled" };
    if (this.chance(f.tooManyRequestsProbability, "adminTooManyRequests")) return { kind: "too-many-requests" };
    if (this.chance(f.errorProbability, "adminError")) return { kind: "error", status: f.errorStatus };
    if (this.chance(f.slowProbability, "adminSlow")) return { kind: "slow", ms: f.slowMs };
    return { kind: "none" };
  }

  /** Wait before a webhook's first attempt: the fixed delay, a random share of the reorder window (for the deliveries it applies to), and the late wait for a late one. */
  webhookStartDelayMs(): number {
    const f = this.webhooks;
    const reordered = f.reorderWindowMs > 0 && (f.reorderProbability >= 1 || this.chance(f.reorderProbability, "webhookReordered"));
    const late = this.chance(f.lateProbability, "webhookLate") ? f.lateMs : 0;
    return f.delayMs + late + (reordered ? this.random() * f.reorderWindowMs : 0);
  }

  /** An attempt whose connection is reset mid-request (retried). */
  webhookIsDropped(): boolean {
    return this.chance(this.webhooks.dropProbability, "webhookConnectionReset");
  }

  webhookIsDuplicated(): boolean {
    return this.chance(this.webhooks.duplicateProbability, "webhookDuplicated");
  }

  /** An event never delivered: no attempt and no retry. */
  webhookIsLost(): boolean {
    return this.chance(this.webhooks.lostProbability, "webhookLost");
  }
}

const shared = new WeakMap<object, Faults>();

/** The one Faults object for a simulator (keyed by its store), so every half injects from the same settings. */
export function sharedFaults(owner: object): Faults {
  let f = shared.get(owner);
  if (!f) shared.set(owner, (f = new Faults()));
  return f;
}
