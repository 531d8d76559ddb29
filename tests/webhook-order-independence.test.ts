// Webhooks come twice, late and out of order: the result must not change.
// Property (fast-check): any reordering and duplication of the same deliveries,
// applied through the real webhook use-cases into a real database and recomputed
// as they arrive, ends with the same ledger, spend, tiers and Tierline tags.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../app/db.server.ts";
import { saveTierRules } from "../app/adapters/db/tier-settings-repository.server.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import { defaultTierRules } from "../app/domain/tier-rules.ts";
import { planTierTags } from "../app/domain/tier-tags.ts";
import { recomputeCustomerTier } from "../app/use-cases/recompute-customer-tier.server.ts";
import type { WebhookContext } from "../app/use-cases/webhook-context.ts";
import { webhookHandlers } from "../app/workers/webhook-handlers.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SHOP = "order-independence.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const C1 = "gid://shopify/Customer/7100000000000000001";
const C2 = "gid://shopify/Customer/7100000000000000002";
const C3 = "gid://shopify/Customer/7100000000000000003";

const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });
function order(id: string, customer: string | null, total: string, updatedAt: string, extra: Record<string, unknown> = {}) {
  return {
    topic: "orders/updated",
    body: `{"id":${id},"admin_graphql_api_id":"gid://shopify/Order/${id}","name":"#${id.slice(-3)}","created_at":"2026-10-01T10:00:00Z","processed_at":"2026-10-01T10:00:00Z","updated_at":"${updatedAt}","cancelled_at":${extra.cancelledAt ? `"${extra.cancelledAt}"` : "null"},"test":${extra.test ? "true" : "false"},"currency":"USD","current_total_price_set":${JSON.stringify(money(total))},"current_shipping_price_set":${JSON.stringify(money("0.00"))},"current_total_tax_set":${JSON.stringify(money("0.00"))},"customer":${customer ? `{"id":1,"admin_graphql_api_id":"${customer}"}` : "null"}}`,
  };
}
function refund(id: string, orderId: string, money: string, lineItems: string) {
  return {
    topic: "refunds/create",
    body: `{"id":${id},"admin_graphql_api_id":"gid://shopify/Refund/${id}","order_id":${orderId},"created_at":"2026-10-05T10:00:00Z","refund_line_items":${lineItems === "0.00" ? "[]" : `[{"subtotal_set":${JSON.stringify({ shop_money: { amount: lineItems, currency_code: "USD" } })},"total_tax_set":${JSON.stringify({ shop_money: { amount: "0.00", currency_code: "USD" } })}}]`},"refund_shipping_lines":[],"order_adjustments":[],"transactions":[{"kind":"refund","status":"success","amount":"${money}","currency":"USD"}]}`,
  };
}

// One store's week: edits, a money-only refund, a return, a cancellation, a guest and a test order.
const DELIVERIES = [
  order("9100000000000000001", C1, "600.00", "2026-10-01T10:00:00Z"),
  order("9100000000000000001", C1, "300.00", "2026-10-02T10:00:00Z"), // edited down
  order("9100000000000000002", C1, "1800.00", "2026-10-01T11:00:00Z"),
  refund("9200000000000000001", "9100000000000000002", "100.00", "0.00"), // goodwill, money only
  order("9100000000000000003", C2, "2500.00", "2026-10-01T12:00:00Z"),
  order("9100000000000000003", C2, "2500.00", "2026-10-03T12:00:00Z", { cancelledAt: "2026-10-03T12:00:00Z" }),
  order("9100000000000000004", C2, "700.00", "2026-10-01T13:00:00Z"),
  order("9100000000000000004", C2, "500.00", "2026-10-06T13:00:00Z"), // after the return below
  refund("9200000000000000002", "9100000000000000004", "200.00", "200.00"), // returned item
  order("9100000000000000005", null, "5000.00", "2026-10-01T14:00:00Z"), // guest
  order("9100000000000000006", C3, "3000.00", "2026-10-01T15:00:00Z", { test: true }),
  order("9100000000000000007", C3, "450.00", "2026-10-01T16:00:00Z"),
];

async function applyAll(db: Db, sequence: number[]): Promise<Record<string, unknown>> {
  const handlers = webhookHandlers({ purgeDelayMs: 0 });
  for (const [n, index] of sequence.entries()) {
    const delivery = DELIVERIES[index];
    const touched = new Set<string>();
    const ctx: WebhookContext = {
      db,
      shop: SHOP,
      topic: delivery.topic,
      webhookId: `w${n}`,
      payload: parseJsonLosslessly(delivery.body),
      now: NOW,
      requestTierRecompute: async (gids) => gids.forEach((g) => touched.add(g)),
      schedulePurge: async () => {},
    };
    await handlers[delivery.topic as keyof typeof handlers](ctx);
    // Recompute as the worker would, right after each delivery.
    for (const gid of touched) await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "order", now: NOW });
  }
  const rules = defaultTierRules("USD");
  const customers = await db.customer.findMany({ where: { shop: SHOP }, orderBy: { customerGid: "asc" } });
  return Object.fromEntries(
    customers.map((c) => [c.customerGid, { tier: c.tierKey, spend: c.qualifyingSpend, orders: c.qualifyingOrders, tags: planTierTags({ currentTags: ["merchant-tag"], rules, tierKey: c.tierKey }).tags }]),
  );
}

describe("webhook order independence through the real use-cases", () => {
  let template: TestDatabase;
  const databases: TestDatabase[] = [];

  async function freshDb(): Promise<Db> {
    const database = await createTestDatabase("sqlite", "order");
    databases.push(database);
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    // No grace period: with one, a downgrade seen mid-sequence would (rightly) wait out
    // its grace, so tiers would depend on when a recomputation happened to run.
    await saveTierRules(database.db, SHOP, { ...defaultTierRules("USD"), graceDays: 0 });
    return database.db;
  }

  beforeAll(async () => {
    template = await createTestDatabase("sqlite", "order-baseline");
  });
  afterAll(async () => {
    await template?.drop();
    await Promise.all(databases.map((d) => d.drop()));
  });

  it("any reordering and duplication gives the same tiers, spend and tags", async () => {
    await template.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    await saveTierRules(template.db, SHOP, { ...defaultTierRules("USD"), graceDays: 0 });
    const baseline = await applyAll(template.db, DELIVERIES.map((_, i) => i));
    // Hand-checked: C1 = 300 + (1800 - 100) = 2000.00 → Silver (Gold starts at 2000.01);
    // C2 = cancelled 0 + 500 (the returned 200 is already out of the total) = 500.00 → Silver;
    // C3 = test order 0 + 450 → Bronze. The guest's 5000 counts for nobody.
    expect(baseline).toEqual({
      [C1]: { tier: "silver", spend: 200_000, orders: 2, tags: ["merchant-tag", "tierline:silver"] },
      [C2]: { tier: "silver", spend: 50_000, orders: 1, tags: ["merchant-tag", "tierline:silver"] },
      [C3]: { tier: "bronze", spend: 45_000, orders: 1, tags: ["merchant-tag", "tierline:bronze"] },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(DELIVERIES.map((_, i) => i), { minLength: DELIVERIES.length }),
        fc.array(fc.tuple(fc.nat(DELIVERIES.length - 1), fc.nat(DELIVERIES.length * 2)), { maxLength: 6 }),
        async (order, duplicates) => {
          const sequence = [...order];
          for (const [index, at] of duplicates) sequence.splice(at % (sequence.length + 1), 0, index);
          const db = await freshDb();
          expect(await applyAll(db, sequence)).toEqual(baseline);
        },
      ),
      { numRuns: 25 },
    );
  });
});
