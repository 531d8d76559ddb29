// The one registry of queues and their job payloads, shared by producers (web
// process, use-cases) and consumers (the worker process). Payloads carry ids,
// never tokens or secrets; each is validated when a worker picks the job up.
import { z } from "zod/v4";

const shopDomain = z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a *.myshopify.com domain");

/** What an order webhook tells a promise: who ordered when, where it goes, which variants. */
export const orderPromiseRequest = z.object({
  orderGid: z.string().startsWith("gid://shopify/Order/"),
  orderName: z.string().nullable(),
  customerGid: z.string().startsWith("gid://shopify/Customer/").nullable(),
  orderedAt: z.string().datetime({ offset: true }),
  destination: z.object({ countryCode: z.string().min(2), provinceCode: z.string().nullable() }).nullable(),
  lines: z.array(
    z.object({
      variantGid: z.string().startsWith("gid://shopify/ProductVariant/").nullable(),
      sku: z.string().nullable(),
      /** false: the payload says Shopify tracks no stock for this variant, so its stock is not read (absent: read it). */
      inventoryTracked: z.literal(false).optional(),
    }),
  ),
});
export type OrderPromiseRequest = z.infer<typeof orderPromiseRequest>;

const deliveryJob = z.object({ webhookId: z.string().min(1), shop: shopDomain, topic: z.string().min(1) });
export type DeliveryJob = z.infer<typeof deliveryJob>;
/** Most deliveries one webhooks job carries. */
export const MAX_DELIVERY_BATCH = 200;

export const QUEUES = {
  /**
   * Accepted webhook deliveries; the payloads themselves are in the WebhookDelivery rows. A job
   * names one delivery (its job id is the delivery's: retries, the sweep, a lone delivery) or a
   * batch the intake accepted together (no job id of its own; see process-webhook.ts for why).
   */
  webhooks: {
    name: "webhooks",
    payload: z.union([deliveryJob, z.object({ batch: z.array(deliveryJob).min(1).max(MAX_DELIVERY_BATCH) })]),
  },
  /**
   * Recompute one customer's tier from the ledger, then ask for the shop's tier
   * sync. The job id is the customer, and jobs wait a moment before running, so a
   * burst of orders from one customer coalesces into one recomputation.
   */
  tierRecompute: {
    name: "tier-recompute",
    payload: z.object({
      shop: shopDomain,
      customerGid: z.string().startsWith("gid://shopify/Customer/"),
      cause: z.enum(["order", "refund", "cancellation", "customer", "manual", "rule_change", "window", "backfill"]),
    }),
  },
  /**
   * Write a shop's saved tiers to Shopify (tags, metafields), many customers per
   * call, one job per shop at a time (a Redis lock; see tier-sync-jobs.ts).
   * `refreshSpend` also writes the spend values that moved within a tier.
   */
  tierSync: {
    name: "tier-sync",
    payload: z.object({ shop: shopDomain, refreshSpend: z.boolean() }),
  },
  /** Per-shop chores: install follow-up, data purge after uninstall, delivery sweeps, payload retention. */
  shopLifecycle: {
    name: "shop-lifecycle",
    payload: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("installed"), shop: shopDomain }),
      z.object({ kind: z.literal("purge"), shop: shopDomain, uninstalledAt: z.string() }),
      z.object({ kind: z.literal("sweep-deliveries") }),
      z.object({ kind: z.literal("blank-expired-payloads") }),
    ]),
  },
  /**
   * The order history backfill of one run: "start" begins the bulk query, "import"
   * streams its result into the ledger and computes the tiers (it waits, delayed,
   * while Shopify is still running the query). The job id is the run and step.
   */
  backfill: {
    name: "backfill",
    payload: z.object({ kind: z.enum(["start", "import"]), shop: shopDomain, runId: z.string().min(1) }),
  },
  /**
   * Scheduled chores of the tiers: "review-due" recomputes customers whose tier time
   * alone may change (window exit, grace end, pin end) and refreshes stale spend
   * values; "sync-sweep" restarts the tier sync of shops with writes still due (a
   * worker died holding one); "reconcile-all" fans out one
   * "reconcile-shop" per installed shop, which repairs what webhooks missed.
   */
  tierMaintenance: {
    name: "tier-maintenance",
    payload: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("review-due") }),
      z.object({ kind: z.literal("sync-sweep") }),
      z.object({ kind: z.literal("reconcile-all") }),
      z.object({ kind: z.literal("reconcile-shop"), shop: shopDomain }),
      // The dashboard's rollups: "kpi-rollup-all" fans out one "kpi-rollup-shop" per installed shop.
      z.object({ kind: z.literal("kpi-rollup-all") }),
      z.object({ kind: z.literal("kpi-rollup-shop"), shop: shopDomain }),
      // Every customer after a save of the tier rules, a page at a time (tier-rules-recompute.server.ts).
      z.object({ kind: z.literal("rules-recompute"), shop: shopDomain, rulesVersion: z.number().int().positive() }),
    ]),
  },
  /**
   * Delivery promises, one job per order event: "make" the promise of a paid order (the job id
   * is the order, so a redelivery queued meanwhile adds nothing), "cancel" it, or "refit" the
   * deadline after fulfillment orders were split, merged or moved, or "recompute" it on the
   * merchant's request, or "recover" the promise of a paid order whose "make" job was lost (the
   * reconciliation found it in the ledger without one; the order is read from Shopify). See promise-jobs.ts.
   */
  promises: {
    name: "promises",
    payload: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("make"), shop: shopDomain, order: orderPromiseRequest }),
      z.object({ kind: z.literal("cancel"), shop: shopDomain, orderGid: z.string().startsWith("gid://shopify/Order/") }),
      z.object({ kind: z.literal("recompute"), shop: shopDomain, orderGid: z.string().startsWith("gid://shopify/Order/") }),
      z.object({ kind: z.literal("recover"), shop: shopDomain, orderGid: z.string().startsWith("gid://shopify/Order/") }),
      z.object({ kind: z.literal("refit"), shop: shopDomain, fulfillmentOrderGids: z.array(z.string().startsWith("gid://shopify/FulfillmentOrder/")).min(1) }),
      z.object({ kind: z.literal("tags"), shop: shopDomain, operationGid: z.string().startsWith("gid://shopify/BulkOperation/") }),
    ]),
  },
  /**
   * Write a shop's pending promises to Shopify (deadlines, order metafield, order tag), many
   * orders per call, one job per shop at a time (a Redis lock, as the tier sync).
   */
  promiseWrites: {
    name: "promise-writes",
    payload: z.object({ shop: shopDomain }),
  },
  /**
   * A replenishment request's fan-out, one BullMQ flow per request (app/workers/replenishment-jobs.ts):
   * a "decide" parent waits for one "ask" child per supplier. An ask sends the supplier its RFQ
   * (once: the RFQ row's send key) and finishes when the supplier answers or the deadline passes.
   * Job priority is the request's (Gold first); job ids are the request and RFQ.
   */
  replenishmentAsk: {
    name: "replenishment-ask",
    payload: z.object({ shop: shopDomain, requestId: z.string().min(1), rfqId: z.string().min(1) }),
  },
  replenishmentDecide: {
    name: "replenishment-decide",
    payload: z.object({ shop: shopDomain, requestId: z.string().min(1) }),
  },
} as const;

export type QueueKey = keyof typeof QUEUES;

/**
 * On a Redis Cluster each queue has a hash tag of its own (redis-connection.server.ts), except
 * queues BullMQ writes in one script: a replenishment flow adds its "decide" parent and "ask"
 * children together, and a finished ask updates its parent, so both live in one slot.
 */
const SHARED_SLOT: Record<string, string> = {
  [QUEUES.replenishmentAsk.name]: "replenishment",
  [QUEUES.replenishmentDecide.name]: "replenishment",
};

export function slotGroupOf(queueName: string): string {
  return SHARED_SLOT[queueName] ?? queueName;
}
export type JobPayload<K extends QueueKey> = z.infer<(typeof QUEUES)[K]["payload"]>;

/**
 * BullMQ refuses job ids that contain ":" or are only digits, and Shopify ids are
 * both (GIDs, numeric ids). Encode every character outside [A-Za-z0-9_.-]
 * reversibly (so distinct ids never collide) and prefix the kind.
 */
export function jobIdFor(kind: string, id: string): string {
  const encoded = id.replace(/[^A-Za-z0-9_.-]/g, (c) => `~${c.codePointAt(0)!.toString(16)}~`);
  return `${kind}-${encoded}`;
}
