// Delivers webhooks to the app's endpoints as Shopify does: one POST per
// subscription with the real headers and an HMAC of the exact body; only a
// 2xx counts, and only when the connection is made within 1 s and the whole
// answer arrives within 5 s; failures are retried on Shopify's schedule
// (time-compressed here) with the same body and Webhook-Id. Connections are
// kept alive and reused. Faults (duplicates, reordering, delays, dropped
// connections) come from the shared `Faults` object.

import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
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
export const CONNECT_LIMIT_MS = 1000;

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
  /** Time allowed to open the connection (TCP, and TLS for https). */
  connectLimitMs?: number;
  retryScheduleS?: number[];
  /** Keep at most this many attempts in the log. */
  logLimit?: number;
}

interface PendingDelivery {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  url: string;
  /** The subscription's `name`, sent as X-Shopify-Name. */
  name?: string;
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
  private readonly inFlight = new Set<http.ClientRequest>();
  // Shopify reuses connections (keep-alive); sockets that finished connecting.
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly connected = new WeakSet<Socket>();
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
      connectLimitMs: options.connectLimitMs ?? CONNECT_LIMIT_MS,
      retryScheduleS: options.retryScheduleS ?? SHOPIFY_RETRY_SCHEDULE_S,
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
    return [...new Set(this.targetsFor(topic).map((t) => t.url))];
  }

  /** One delivery per subscription (Shopify sends one per subscription, even to the same URL); exact repeats count once. */
  private targetsFor(topic: string): { url: string; name?: string }[] {
    const seen = new Map<string, { url: string; name?: string }>();
    for (const s of this.opts.subscriptions) {
      if (!s.topics.includes(topic)) continue;
      const url = resolveSubscriptionUri(s.uri, this.opts.appUrl);
      seen.set(JSON.stringify([url, s.name ?? null, s.filter ?? null, s.includeFields ?? null]), { url, ...(s.name ? { name: s.name } : {}) });
    }
    return [...seen.values()];
  }

  /** Queues one event: one delivery per subscribed endpoint. Returns their Webhook-Ids. */
  send(event: WebhookEvent): string[] {
    if (this.closed) return [];
    const body = typeof event.body === "string" ? event.body : toWebhookJson(event.body);
    const hmac = createHmac("sha256", this.opts.apiSecret).update(body, "utf8").digest("base64");
    const eventId = event.eventId ?? randomUUID();
    const triggeredAt = event.triggeredAt ?? new Date().toISOString();
    const ids: string[] = [];
    for (const { url, name } of this.targetsFor(event.topic)) {
      const d: PendingDelivery = {
        webhookId: randomUUID(),
        eventId,
        topic: event.topic,
        shop: event.shop,
        url,
        ...(name ? { name } : {}),
        apiVersion: this.opts.apiVersion,
        body,
        hmac,
        triggeredAt,
        duplicate: false,
      };
      ids.push(d.webhookId);
      if (this.faults.webhookIsLost()) continue;
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
    for (const r of this.inFlight) r.destroy();
    this.agents.http.destroy();
    this.agents.https.destroy();
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
    const { status, error } = await this.post(d);
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

  /** One POST: resolves with the HTTP status, or "timeout" / "error" and why. Never rejects. */
  private post(d: PendingDelivery): Promise<{ status: DeliveryAttempt["status"]; error?: string }> {
    const url = new URL(d.url);
    const secure = url.protocol === "https:";
    const body = Buffer.from(d.body, "utf8");
    const headers: Record<string, string | number> = {
      "Content-Type": "application/json",
      "Content-Length": body.length,
      "User-Agent": "Shopify-Captain-Hook",
      "X-Shopify-Topic": d.topic,
      "X-Shopify-Hmac-Sha256": d.hmac,
      "X-Shopify-Shop-Domain": d.shop,
      "X-Shopify-API-Version": d.apiVersion,
      "X-Shopify-Webhook-Id": d.webhookId,
      "X-Shopify-Event-Id": d.eventId,
      "X-Shopify-Triggered-At": d.triggeredAt,
      ...(d.name ? { "X-Shopify-Name": d.name } : {}),
    };
    // Decided before sending so a seeded run draws the same numbers whatever the network does.
    const drop = this.faults.webhookIsDropped();
    return new Promise((resolve) => {
      let done = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (status: DeliveryAttempt["status"], error?: string) => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        this.inFlight.delete(req);
        resolve(error ? { status, error } : { status });
      };
      const fail = (status: "timeout" | "error", error: string) => {
        finish(status, error);
        req.destroy();
      };
      const req = (secure ? https : http).request(url, { method: "POST", headers, agent: secure ? this.agents.https : this.agents.http });
      this.inFlight.add(req);
      // Shopify gives up on a connection not made within 1 s, and on an answer not complete within 5 s.
      timers.push(setTimeout(() => fail("timeout", `no answer within ${this.opts.answerLimitMs} ms`), this.opts.answerLimitMs));
      const connectTimer = setTimeout(() => fail("timeout", `no connection within ${this.opts.connectLimitMs} ms`), this.opts.connectLimitMs);
      timers.push(connectTimer);
      req.on("socket", (socket: Socket) => {
        const connected = () => {
          this.connected.add(socket);
          clearTimeout(connectTimer);
        };
        if (this.connected.has(socket)) connected();
        else socket.once(secure ? "secureConnect" : "connect", connected);
      });
      req.on("error", (e) => {
        if (!done) finish("error", e.message || String(e));
      });
      req.on("response", (res) => {
        // The whole answer must arrive within the limit, body included. A redirect is a failure, never followed.
        res.resume();
        res.on("end", () => finish(res.statusCode ?? 0));
        res.on("error", (e) => finish("error", e.message));
        res.on("aborted", () => finish("error", "answer cut off"));
      });
      if (drop) {
        // The connection breaks mid-request: part of the body goes out, then a reset.
        req.flushHeaders();
        req.write(body.subarray(0, Math.floor(body.length / 2)), () => {
          req.socket?.resetAndDestroy();
          fail("error", "connection reset mid-request (injected)");
        });
        return;
      }
      req.end(body);
    });
  }

  private record(a: DeliveryAttempt) {
    this.attempts.push(a);
    if (this.attempts.length > this.opts.logLimit) this.attempts.splice(0, this.attempts.length - this.opts.logLimit);
  }
}
