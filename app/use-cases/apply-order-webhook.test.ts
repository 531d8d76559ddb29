// The order and refund webhooks through the real use-cases and the real ledger
// repository, on both databases: an identical redelivery is recognised as such,
// an order payload is taken with the refunds it already lists, and a retried job
// asks again for the recomputation its first try may not have queued.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { recordTombstones, setErasureKeyForTests } from "../adapters/db/erasure-repository.server.ts";
import { refundRow } from "../adapters/db/ledger-repository.server.ts";
import { parseJsonLosslessly } from "../adapters/shopify/lossless-json.ts";
import { refundRecordFromPayload } from "../adapters/shopify/webhook-payloads.ts";
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
    // Paid in full (the sample is a voided order that still shows money outstanding).
    financial_status: "paid",
    total_outstanding: "0.00",
    created_at: "2026-10-01T10:00:00-04:00",
    processed_at: "2026-10-01T10:00:00-04:00",
    updated_at: "2026-10-01T10:00:00-04:00",
    customer: { ...(body.customer as object), id: 1, admin_graphql_api_id: customer },
    ...changes,
  });
  return body;
}

/**
 * Shopify's refunds/create sample for `orderId`, as Shopify sends it and as the order lists it in
 * `refunds`: made a money-only refund of `amount` (no items back), its transaction in the
 * presentment currency left unnamed (`currency: null`) as in the sample, so the shop's currency applies.
 */
function sampleRefund(orderId: string, refundId: string, amount: string) {
  const body = JSON.parse(reference("refunds_create.json")) as Record<string, unknown> & { transactions: Record<string, unknown>[] };
  return {
    ...body,
    id: refundId,
    admin_graphql_api_id: `gid://shopify/Refund/${refundId}`,
    order_id: orderId,
    created_at: "2026-10-03T10:00:00-04:00",
    refund_line_items: [],
    transactions: [{ ...body.transactions[0], order_id: orderId, amount }],
  };
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

  it("an order payload that already lists a refund is taken with it: no transient upgrade, the same row as refunds/create", async () => {
    const customer = "gid://shopify/Customer/5200000000000000002";
    // Gold starts at 2000.01: the order alone would make Gold; with the 150.00 given back it is 1950.00, Silver.
    const placed = sampleOrder(customer, { current_total_price_set: money("2100.00"), current_subtotal_price_set: money("2100.00"), total_price_set: money("2100.00") });
    const orderNumericId = placed.id as string;
    const refund = sampleRefund(orderNumericId, "5300000000000000001", "150.00");
    const refunded = { ...placed, updated_at: "2026-10-03T10:00:00-04:00", refunds: [refund] };

    requests = [];
    await applyOrderWebhook(ctx("orders/updated", refunded));
    expect(requests).toEqual([{ gids: [customer], cause: "refund" }]);
    await recompute(customer);
    const member = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: customer } } });
    expect({ tier: member.tierKey, spend: member.qualifyingSpend, graceUntil: member.graceUntil }).toEqual({ tier: "silver", spend: 195_000, graceUntil: null });
    const rows = await db.ledgerRefund.findMany({ where: { shop: SHOP, orderGid: placed.admin_graphql_api_id as string } });
    expect(rows).toHaveLength(1);
    // Exactly the row refunds/create stores (same mapping, the shop's currency for the unnamed transaction).
    const { recordedAt: _recordedAt, ...row } = rows[0];
    expect(row).toEqual(refundRow(SHOP, refundRecordFromPayload(parseJsonLosslessly(JSON.stringify(refund)), "USD")));

    // The refunds/create that follows, and the stale orders/create without the refund, change nothing.
    requests = [];
    expect(await applyRefundWebhook(ctx("refunds/create", refund))).toEqual({ status: "processed", note: "refund already recorded" });
    expect((await applyOrderWebhook(ctx("orders/create", placed))).note).toMatch(/older/);
    expect(requests).toEqual([]);
    await recompute(customer);
    const changes = await db.tierChange.findMany({ where: { shop: SHOP, customerGid: customer } });
    expect(changes.map((c) => [c.fromTier, c.toTier])).toEqual([[null, "silver"]]);

    // The other way round: refunds/create first, then the order listing it: one row, the same spend.
    const other = "gid://shopify/Customer/5200000000000000003";
    const otherOrder = sampleOrder(other, { current_total_price_set: money("2100.00") });
    const otherRefund = sampleRefund(otherOrder.id as string, "5300000000000000002", "150.00");
    await applyRefundWebhook(ctx("refunds/create", otherRefund));
    await applyOrderWebhook(ctx("orders/updated", { ...otherOrder, refunds: [otherRefund] }));
    await recompute(other);
    expect(await db.ledgerRefund.count({ where: { shop: SHOP, orderGid: otherOrder.admin_graphql_api_id as string } })).toBe(1);
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: other } } })).qualifyingSpend).toBe(195_000);
  });

  it("a retried job asks again for the recomputation its first try stored but could not queue", async () => {
    const customer = "gid://shopify/Customer/5200000000000000004";
    const placed = sampleOrder(customer, { current_total_price_set: money("700.00") });
    const refund = sampleRefund(placed.id as string, "5300000000000000003", "20.00");
    const redisDown = async () => {
      throw new Error("Connection is closed.");
    };
    for (const [topic, apply, body] of [
      ["orders/create", applyOrderWebhook, placed],
      ["refunds/create", applyRefundWebhook, refund],
    ] as const) {
      const first = ctx(topic, body, { requestTierRecompute: redisDown });
      await expect(apply(first)).rejects.toThrow(/closed/);
      requests = [];
      // The same delivery, tried again: its effect is stored already.
      await apply({ ...first, retry: true, requestTierRecompute: async (gids, cause) => void requests.push({ gids, cause }) });
      expect(requests).toEqual([{ gids: [customer], cause: topic === "refunds/create" ? "refund" : "order" }]);
      // A redelivery by Shopify (a new delivery, not a retry) still changes nothing.
      requests = [];
      await apply(ctx(topic, body));
      expect(requests).toEqual([]);
    }
  });

  it("a recomputation asked to look for erasure first writes nothing for an erased member, and computes the shop's others", async () => {
    setErasureKeyForTests("order-webhooks-secret");
    try {
      const erased = "gid://shopify/Customer/7700000000000000001";
      const kept = "gid://shopify/Customer/7700000000000000002";
      for (const customer of [erased, kept]) await applyOrderWebhook(ctx("orders/create", sampleOrder(customer)));
      await recordTombstones(db, SHOP, { customerGids: [erased], orderGids: [] }, NOW);
      const outcome = await recomputeCustomerTier({ db, shop: SHOP, customerGid: erased, cause: "order", now: NOW, unlessErased: true });
      expect(outcome.kind).toBe("ERASED");
      expect(await db.customer.count({ where: { shop: SHOP, customerGid: erased } })).toBe(0);
      expect(await db.tierChange.count({ where: { shop: SHOP, customerGid: erased } })).toBe(0);
      expect((await recomputeCustomerTier({ db, shop: SHOP, customerGid: kept, cause: "order", now: NOW, unlessErased: true })).kind).not.toBe("ERASED");
      expect(await db.customer.count({ where: { shop: SHOP, customerGid: kept } })).toBe(1);
    } finally {
      setErasureKeyForTests(null);
    }
  });
});
