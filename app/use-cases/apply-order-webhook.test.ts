// The order and refund webhooks through the real use-cases and the real ledger
// repository, on both databases: an identical redelivery is recognised as such,
// an order payload is taken with the refunds it already lists, and a retried job
// asks again for the recomputation its first try may not have queued.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { parseJsonLosslessly } from "../adapters/shopify/lossless-json.ts";
import type { Db } from "../db.server.ts";
import { applyOrderWebhook, applyRefundWebhook } from "./apply-order-webhook.server.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import type { TierRecomputeCause, WebhookContext } from "./webhook-context.ts";

const SHOP = "order-webhooks.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const reference = (name: string) => readFileSync(new URL(`../../simulator/reference/webhooks/${name}`, import.meta.url), "utf8");

let orderSeq = 0;
/**
 * Shopify's own orders/updated sample, made a live paid order of `customer` with a new id
 * (the sample is a cancelled, voided test order), every other field as Shopify sends it.
 */
function sampleOrder(customer: string, changes: Record<string, unknown> = {}) {
  const body = JSON.parse(reference("orders_updated.json")) as Record<string, unknown>;
  const id = `${5_100_000_000_000_000 + ++orderSeq}`;
  Object.assign(body, {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    cancelled_at: null,
    cancel_reason: null,
    test: false,
    financial_status: "paid",
    created_at: "2026-10-01T10:00:00-04:00",
    processed_at: "2026-10-01T10:00:00-04:00",
    updated_at: "2026-10-01T10:00:00-04:00",
    customer: { ...(body.customer as object), id: 1, admin_graphql_api_id: customer },
    ...changes,
  });
  return body;
}

/** Shopify's refunds/create sample, for `orderId`: as Shopify sends it, and as the order lists it in `refunds`. */
function sampleRefund(orderId: string, refundId: string) {
  const body = JSON.parse(reference("refunds_create.json")) as Record<string, unknown>;
  return { ...body, id: refundId, admin_graphql_api_id: `gid://shopify/Refund/${refundId}`, order_id: orderId, created_at: "2026-10-03T10:00:00-04:00" };
}

const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });

describe.each(DATABASE_KINDS)("order and refund webhooks on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  let requests: { gids: string[]; cause: TierRecomputeCause }[] = [];
  let webhookSeq = 0;

  const ctx = (topic: string, payload: unknown, extra: Partial<WebhookContext> = {}): WebhookContext => ({
    db,
    shop: SHOP,
    topic,
    webhookId: `w${++webhookSeq}`,
    // Through text, as the worker reads it from the stored delivery.
    payload: parseJsonLosslessly(JSON.stringify(payload)),
    now: NOW,
    requestTierRecompute: async (gids, cause) => void requests.push({ gids, cause }),
    schedulePurge: async () => {},
    ...extra,
  });
  const recompute = (customerGid: string) => recomputeCustomerTier({ db, shop: SHOP, customerGid, cause: "order", now: NOW });

  beforeAll(async () => {
    database = await createTestDatabase(kind, "order_webhooks");
    db = database.db;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("a redelivered identical order stores nothing and asks for no recomputation", async () => {
    const customer = "gid://shopify/Customer/5200000000000000001";
    const order = sampleOrder(customer);
    requests = [];
    expect(await applyOrderWebhook(ctx("orders/updated", order))).toEqual({ status: "processed" });
    expect(requests).toEqual([{ gids: [customer], cause: "order" }]);
    await recompute(customer);
    const stored = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: order.admin_graphql_api_id as string } } });

    // Shopify delivers the same event again under another webhook id (and orders/paid carries the same body).
    requests = [];
    for (const topic of ["orders/updated", "orders/paid", "orders/updated"]) {
      const outcome = await applyOrderWebhook(ctx(topic, order));
      expect(outcome.status).toBe("processed");
      expect(outcome.note).toMatch(/identical/);
    }
    expect(requests).toEqual([]);
    const after = await db.ledgerOrder.findUniqueOrThrow({ where: { shop_orderGid: { shop: SHOP, orderGid: order.admin_graphql_api_id as string } } });
    expect(after.updatedAt).toEqual(stored.updatedAt);
  });
});
