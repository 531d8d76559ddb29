// Webhooks and faults at the simulator's edge: store changes become webhook
// deliveries to the app's subscriptions, and these routes expose the log and
// the fault switches.
//
//   GET    /_sim/webhooks?topic=&shop=      the delivery log → { pending, attempts }
//   DELETE /_sim/webhooks                   clears the log
//   POST   /_sim/webhooks/idle?timeoutMs=   answers once every delivery has settled (or the wait ran out) → { settled, pending }
//   POST   /_sim/webhooks/send              { topic, shop, payload } delivers a body as given
//   POST   /_sim/webhooks/compliance        { topic, shop, customerId? } customers/data_request | customers/redact | shop/redact
//   GET    /_sim/faults                     current fault settings
//   POST   /_sim/faults                     merges settings: { seed?, webhooks?: {...}, adminApi?: {...} }
//   DELETE /_sim/faults                     no faults
//   POST   /_sim/webhooks/config            { timeCompression?, answerLimitMs? }
//   POST   /_sim/shops/:shop/flow-workflows { handle, enabled } a merchant enables/disables a Flow workflow (flow-lifecycle.ts)
//
// Admin API faults (5xx, slow, dropped, throttling pressure) are applied by a
// middleware in front of /admin/api/ (admin-api-faults.ts).

import { randomUUID } from "node:crypto";
import { ZodError } from "zod";
import type { Router } from "../router.ts";
import { HttpError } from "../router.ts";
import type { SimStore } from "../store/store.ts";
import type { StoreChange } from "../store/types.ts";
import type { SimulatorContext } from "../server.ts";
import { simulatedAppFromOptions, type SimulatedApp } from "../admin/app-config.ts";
import { WebhookDelivery } from "./delivery.ts";
import { Faults, sharedFaults } from "./faults.ts";
import { registerAdminApiFaults, type ThrottleTarget } from "./admin-api-faults.ts";
import { registerFlowLifecycleRoutes } from "./flow-lifecycle.ts";
import { customersDataRequestPayload, customersRedactPayload, payloadContext, payloadForChange, shopRedactPayload } from "./payloads.ts";

export { WebhookDelivery, SHOPIFY_RETRY_SCHEDULE_S, type DeliveryAttempt } from "./delivery.ts";
export { Faults, sharedFaults } from "./faults.ts";

export interface WebhooksEdgeContext {
  store: SimStore;
  app: SimulatedApp;
  /** Shared with the Admin API; created here when not given. */
  faults?: Faults;
  /** Divides Shopify's retry waits (e.g. 3600 → the 4 h schedule in 4 s). Default 1. */
  timeCompression?: number;
  answerLimitMs?: number;
  /** The Admin API's buckets, for the throttling-pressure fault. */
  adminApi?: ThrottleTarget;
}

export interface WebhooksEdge {
  delivery: WebhookDelivery;
  faults: Faults;
  /** Delivers the webhook for one store change (what the store's "change" listener does). */
  deliverChange(change: StoreChange): string[];
  sendCompliance(input: { topic: ComplianceTopic; shop: string; customerId?: string }): string[];
  /** Stops listening to the store and stops deliveries. */
  close(): void;
}

/** shop/redact follows an uninstall after 48 hours. */
export const SHOP_REDACT_AFTER_S = 48 * 3600;

export type ComplianceTopic = "customers/data_request" | "customers/redact" | "shop/redact";

const edges = new WeakMap<SimStore, WebhooksEdge>();

/** The webhooks edge registered for a store (tests reach delivery.idle() and the log through it). */
export function webhooksEdgeOf(store: SimStore): WebhooksEdge | undefined {
  return edges.get(store);
}

function fromSimulator(sim: SimulatorContext | WebhooksEdgeContext): WebhooksEdgeContext {
  if (!("options" in sim)) return sim;
  const compression = Number(process.env.SIMULATOR_WEBHOOK_TIME_COMPRESSION ?? "1");
  return {
    store: sim.store,
    app: simulatedAppFromOptions(sim.options),
    faults: sharedFaults(sim.store),
    timeCompression: Number.isFinite(compression) && compression > 0 ? compression : 1,
    adminApi: sim.admin,
  };
}

/** Plugs webhook delivery into the simulator: `startSimulator` calls this with its context. */
export function registerEdgeRoutes(router: Router, sim: SimulatorContext | WebhooksEdgeContext): WebhooksEdge {
  const ctx = fromSimulator(sim);
  const faults = ctx.faults ?? sharedFaults(ctx.store);
  registerAdminApiFaults(router, faults, ctx.adminApi);
  registerFlowLifecycleRoutes(router, { store: ctx.store, appUrl: ctx.app.appUrl, apiSecret: ctx.app.apiSecret, apiKey: ctx.app.apiKey });
  const delivery = new WebhookDelivery({
    appUrl: ctx.app.appUrl,
    apiSecret: ctx.app.apiSecret,
    apiVersion: ctx.app.webhooksApiVersion,
    subscriptions: ctx.app.subscriptions,
    faults,
    timeCompression: ctx.timeCompression,
    answerLimitMs: ctx.answerLimitMs,
  });

  const deliverChange = (change: StoreChange): string[] => {
    const shop = ctx.store.findShop(change.shop)?.shop;
    // Shopify only tells installed apps; app/uninstalled goes to the app just removed.
    const installedApp = change.topic === "app/uninstalled" ? change.shopSnapshot.installation?.apiKey : shop?.installation?.apiKey;
    if (installedApp !== ctx.app.apiKey) return [];
    const body = payloadForChange(change, payloadContext(shop ?? (change.topic === "app/uninstalled" ? change.shopSnapshot : undefined), change.shop));
    if (!body) return [];
    return delivery.send({ topic: change.topic, shop: change.shop, body, eventId: change.eventId, triggeredAt: change.occurredAt });
  };
  // Shopify sends shop/redact 48 hours after an uninstall, unless the app was
  // reinstalled meanwhile (the wait shrinks with the time compression).
  const redactTimers = new Set<NodeJS.Timeout>();
  const scheduleShopRedact = (shop: string) => {
    const timer = setTimeout(() => {
      redactTimers.delete(timer);
      const data = ctx.store.findShop(shop);
      if (data && data.shop.installation?.apiKey !== ctx.app.apiKey) sendCompliance({ topic: "shop/redact", shop });
    }, (SHOP_REDACT_AFTER_S * 1000) / delivery.settings.timeCompression);
    timer.unref();
    redactTimers.add(timer);
  };

  const onChange = (change: StoreChange) => {
    deliverChange(change);
    if (change.topic === "app/uninstalled" && change.shopSnapshot.installation?.apiKey === ctx.app.apiKey) scheduleShopRedact(change.shop);
  };
  ctx.store.on("change", onChange);

  const sendCompliance = ({ topic, shop, customerId }: { topic: ComplianceTopic; shop: string; customerId?: string }): string[] => {
    const data = ctx.store.findShop(shop);
    if (!data) throw new HttpError(404, `unknown shop ${shop}`);
    const pctx = payloadContext(data.shop, data.shop.domain);
    let body: unknown;
    if (topic === "shop/redact") body = shopRedactPayload(pctx);
    else {
      if (!customerId) throw new HttpError(400, `${topic} needs customerId`);
      const c = data.customers.get(customerId);
      const customer = { id: customerId, email: c?.email ?? null, phone: c?.phone ?? null };
      const orders = (data.ordersByCustomer.get(customerId) ?? []).map((o) => o.id);
      body =
        topic === "customers/data_request"
          ? customersDataRequestPayload(pctx, customer, orders, String(Math.floor(Math.random() * 1e9)))
          : customersRedactPayload(pctx, customer, orders);
    }
    return delivery.send({ topic, shop: data.shop.domain, body, eventId: randomUUID() });
  };

  router.get("/_sim/webhooks", (rc) => {
    const topic = rc.url.searchParams.get("topic");
    const shop = rc.url.searchParams.get("shop");
    const attempts = delivery.log().filter((a) => (!topic || a.topic === topic) && (!shop || a.shop === shop));
    return { pending: delivery.pending, attempts };
  });
  router.add("DELETE", "/_sim/webhooks", () => {
    delivery.clearLog();
    return { cleared: true };
  });
  router.post("/_sim/webhooks/idle", async (rc) => {
    // Retries wait hours unless time-compressed: callers can bound the wait.
    const timeoutMs = Number(rc.url.searchParams.get("timeoutMs") ?? "30000");
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      delivery.idle().then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Number.isFinite(timeoutMs) ? timeoutMs : 30000))),
    ]);
    clearTimeout(timer);
    return { settled, pending: delivery.pending };
  });
  router.post("/_sim/webhooks/send", async (rc) => {
    const b = await rc.json<{ topic?: string; shop?: string; payload?: unknown }>();
    if (!b.topic || !b.shop || b.payload === undefined) throw new HttpError(400, "topic, shop and payload are required");
    return { webhookIds: delivery.send({ topic: b.topic, shop: b.shop, body: b.payload }) };
  });
  router.post("/_sim/webhooks/compliance", async (rc) => {
    const b = await rc.json<{ topic?: ComplianceTopic; shop?: string; customerId?: string }>();
    if (!b.topic || !["customers/data_request", "customers/redact", "shop/redact"].includes(b.topic) || !b.shop) {
      throw new HttpError(400, "topic (customers/data_request | customers/redact | shop/redact) and shop are required");
    }
    return { webhookIds: sendCompliance({ topic: b.topic, shop: b.shop, customerId: b.customerId }) };
  });

  router.post("/_sim/webhooks/config", async (rc) => {
    const b = await rc.json<{ timeCompression?: unknown; answerLimitMs?: unknown }>();
    const positive = (v: unknown) => (typeof v === "number" && v > 0 ? v : undefined);
    if ((b.timeCompression !== undefined && !positive(b.timeCompression)) || (b.answerLimitMs !== undefined && !positive(b.answerLimitMs))) {
      throw new HttpError(400, "timeCompression and answerLimitMs must be positive numbers");
    }
    delivery.configure({ timeCompression: positive(b.timeCompression), answerLimitMs: positive(b.answerLimitMs) });
    return { timeCompression: delivery.settings.timeCompression, answerLimitMs: delivery.settings.answerLimitMs };
  });

  router.get("/_sim/faults", () => faults.snapshot());
  router.post("/_sim/faults", async (rc) => {
    try {
      faults.set(await rc.json());
    } catch (e) {
      if (e instanceof ZodError) throw new HttpError(400, "invalid fault settings", { errors: e.issues });
      throw e;
    }
    return faults.snapshot();
  });
  router.add("DELETE", "/_sim/faults", () => faults.reset().snapshot());

  const edge: WebhooksEdge = {
    delivery,
    faults,
    deliverChange,
    sendCompliance,
    close() {
      ctx.store.off("change", onChange);
      for (const t of redactTimers) clearTimeout(t);
      delivery.close();
      if (edges.get(ctx.store) === edge) edges.delete(ctx.store);
    },
  };
  edges.set(ctx.store, edge);
  return edge;
}
