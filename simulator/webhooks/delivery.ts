// Delivers webhooks to the app's endpoints as Shopify does: one POST per
// subscription with the real headers and an HMAC of the exact body; only a
// 2xx within the answer limit counts; failures are retried on Shopify's
// schedule (time-compressed here) with the same body and Webhook-Id. Faults
// (duplicates, reordering, delays) come from the shared `Faults` object.

import { createHmac, randomUUID } from "node:crypto";
import { Faults } from "./faults.ts";
import { resolveSubscriptionUri, type WebhookSubscription } from "./app-toml.ts";
import { toWebhookJson } from "./webhook-json.ts";

/**
 * Seconds between attempts after a failure: 8 retries over 4 hours, each
 * wait longer than the last. Shopify publishes the count and the span, not
 * the individual intervals; these add up to exactly 4 h.
 */
export const SHOPIFY_RETRY_SCHEDULE_S = [10, 30, 60, 300, 900, 1800, 3600, 7700];
export const ANSWER_LIMIT_MS = 5000;

export interface DeliveryAttempt {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  url: string;
  /** 1 for the first try, 2 for the first retry… */
  attempt: number;
  /** True for the copy sent because of an injected duplicate. */
  duplicate: boolean;
  /** HTTP status, or "timeout" (no answer within the limit) or "error" (connection failed). */
  status: number | "timeout" | "error";
  ok: boolean;
  ms: number;
  at: string;
  error?: string;
}

export interface WebhookEvent {
  topic: string;
  shop: string;
  /** A payload object (ids as RawNumber) or JSON text as it should go out. */
  body: unknown;
  /** Shared by all deliveries of one merchant action. Default: a new UUID. */
  eventId?: string;
  /** ISO timestamp of the action. Default: now. */
  triggeredAt?: string;
}

export interface WebhookDeliveryOptions {
  appUrl: string;
  apiSecret: string;
  apiVersion: string;
  subscriptions: WebhookSubscription[];
  faults?: Faults;
  /** Retry waits are divided by this (e.g. 3600: the 4 h schedule runs in 4 s). */
  timeCompression?: number;
  answerLimitMs?: number;
  retryScheduleS?: number[];
  fetch?: typeof fetch;
  /** Keep at most this many attempts in the log. */
  logLimit?: number;
}

interface PendingDelivery {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  url: string;
  apiVersion: string;
  body: string;
  hmac: string;
  triggeredAt: string;
  duplicate: boolean;
}

export class WebhookDelivery {
  readonly faults: Faults;
  private opts: Required<Omit<WebhookDeliveryOptions, "faults">>;
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private active = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(options: WebhookDeliveryOptions) {
    this.faults = options.faults ?? new Faults();
    this.opts = {
      appUrl: options.appUrl,
      apiSecret: options.apiSecret,
      apiVersion: options.apiVersion,
      subscriptions: options.subscriptions,
      timeCompression: options.timeCompression ?? 1,
      answerLimitMs: options.answerLimitMs ?? ANSWER_LIMIT_MS,
      retryScheduleS: options.retryScheduleS ?? SHOPIFY_RETRY_SCHEDULE_S,
      fetch: options.fetch ?? globalThis.fetch,
      logLimit: options.logLimit ?? 50_000,
    };
  }

  configure(patch: Partial<Omit<WebhookDeliveryOptions, "faults">>): void {
    this.opts = { ...this.opts, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
  }

  get settings(): { timeCompression: number; answerLimitMs: number; apiVersion: string; appUrl: string } {
    const { timeCompression, answerLimitMs, apiVersion, appUrl } = this.opts;
    return { timeCompression, answerLimitMs, apiVersion, appUrl };
  }

  get subscriptions(): WebhookSubscription[] {
    return this.opts.subscriptions;
  }

  /** Subscriptions (resolved URLs) that receive a topic. */
  endpointsFor(topic: string): string[] {
    const urls = this.opts.subscriptions.filter((s) => s.topics.includes(topic)).map((s) => resolveSubscriptionUri(s.uri, this.opts.appUrl));
    return [...new Set(urls)];
  }

  /** Queues one event: one delivery per subscribed endpoint. Returns their Webhook-Ids. */
  send(event: WebhookEvent): string[] {
    if (this.closed) return [];
    const body = typeof event.body === "string" ? event.body : toWebhookJson(event.body);
    const hmac = createHmac("sha256", this.opts.apiSecret).update(body, "utf8").digest("base64");
    const eventId = event.eventId ?? randomUUID();
    const triggeredAt = event.triggeredAt ?? new Date().toISOString();
    const ids: string[] = [];
    for (const url of this.endpointsFor(event.topic)) {
      const d: PendingDelivery = {
        webhookId: randomUUID(),
        eventId,
        topic: event.topic,
        shop: event.shop,
        url,
        apiVersion: this.opts.apiVersion,
        body,
        hmac,
        triggeredAt,
        duplicate: false,
      };
      ids.push(d.webhookId);
      this.startChain(d);
      if (this.faults.webhookIsDuplicated()) this.startChain({ ...d, duplicate: true });
    }
    return ids;
  }

  /** Every attempt so far, oldest first. */
  log(): DeliveryAttempt[] {
    return [...this.attempts];
  }

  clearLog(): void {
    this.attempts.length = 0;
  }

  /** Deliveries still waiting or in flight. */
  get pending(): number {
    return this.active;
  }

  /** Resolves once every queued delivery has succeeded or run out of retries. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  flush(): Promise<void> {
    return this.idle();
  }

  /** Stops timers and aborts requests in flight; pending deliveries are dropped. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight) c.abort();
    this.active = 0;
    this.settle();
  }

  private settle() {
    if (this.active !== 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  private startChain(d: PendingDelivery) {
    this.active++;
    this.later(this.faults.webhookStartDelayMs(), () => void this.attempt(d, 1));
  }

  private async attempt(d: PendingDelivery, n: number): Promise<void> {
    if (this.closed) return;
    const started = performance.now();
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.opts.answerLimitMs);
    let status: DeliveryAttempt["status"];
    let error: string | undefined;
    try {
      const res = await this.opts.fetch(d.url, {
        method: "POST",
        body: d.body,
        // A redirect is a failed delivery, not something to follow.
        redirect: "manual",
        signal: controller.signal,
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "Shopify-Captain-Hook",
          "X-Shopify-Topic": d.topic,
          "X-Shopify-Hmac-Sha256": d.hmac,
          "X-Shopify-Shop-Domain": d.shop,
          "X-Shopify-API-Version": d.apiVersion,
          "X-Shopify-Webhook-Id": d.webhookId,
          "X-Shopify-Event-Id": d.eventId,
          "X-Shopify-Triggered-At": d.triggeredAt,
        },
      });
      // The whole answer must arrive within the limit, body included.
      await res.arrayBuffer();
      status = res.status;
    } catch (e) {
      status = controller.signal.aborted ? "timeout" : "error";
      error = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
    if (this.closed) return;
    const ok = typeof status === "number" && status >= 200 && status < 300;
    this.record({
      webhookId: d.webhookId,
      eventId: d.eventId,
      topic: d.topic,
      shop: d.shop,
      url: d.url,
      attempt: n,
      duplicate: d.duplicate,
      status,
      ok,
      ms: Math.round(performance.now() - started),
      at: new Date().toISOString(),
      ...(error ? { error } : {}),
    });
    const wait = this.opts.retryScheduleS[n - 1];
    if (!ok && wait !== undefined) {
      this.later((wait * 1000) / this.opts.timeCompression, () => void this.attempt(d, n + 1));
      return;
    }
    this.active--;
    this.settle();
  }

  private record(a: DeliveryAttempt) {
    this.attempts.push(a);
    if (this.attempts.length > this.opts.logLimit) this.attempts.splice(0, this.attempts.length - this.opts.logLimit);
  }
}
