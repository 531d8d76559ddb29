// Webhooks come twice, late and out of order: the result must not change.
// Property (fast-check): any reordering and duplication of the same deliveries,
// applied through the real webhook use-cases into a real database and recomputed
// as they arrive, ends with the same ledger, spend, tiers and Tierline tags.
// Second property: the same with the grace period on and deliveries spread out
// over days, the app settling between them (or several coalesced into one
// recomputation), stale payloads after newer ones, order payloads that list a
// refund before its refunds/create: the end equals in-order delivery (tiers,
// spend, tags, metafields), and no grace period ever starts, since every fall in
// spend there is money the delivered payloads say was returned.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../app/db.server.ts";
import { saveTierRules } from "../app/adapters/db/tier-settings-repository.server.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import { reduceLedger, type LedgerEvent } from "../app/domain/order-ledger.ts";
import { qualifyingSpend } from "../app/domain/qualifying-spend.ts";
import { tierMetafields } from "../app/domain/tier-metafields.ts";
import { defaultTierRules } from "../app/domain/tier-rules.ts";
import { planTierTags } from "../app/domain/tier-tags.ts";
import { memberStateFromRow, recomputeCustomerTier } from "../app/use-cases/recompute-customer-tier.server.ts";
import type { TierRecomputeCause, WebhookContext } from "../app/use-cases/webhook-context.ts";
import { webhookHandlers } from "../app/workers/webhook-handlers.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SHOP = "order-independence.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const C1 = "gid://shopify/Customer/7100000000000000001";
const C2 = "gid://shopify/Customer/7100000000000000002";
const C3 = "gid://shopify/Customer/7100000000000000003";

const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });
function order(id: string, customer: string | null, total: string, updatedAt: string, extra: { cancelledAt?: string; test?: boolean; topic?: string; refunds?: string[] } = {}) {
  return {
    topic: extra.topic ?? "orders/updated",
    body: `{"id":${id},"refunds":[${(extra.refunds ?? []).join(",")}],"admin_graphql_api_id":"gid://shopify/Order/${id}","name":"#${id.slice(-3)}","created_at":"2026-10-01T10:00:00Z","processed_at":"2026-10-01T10:00:00Z","updated_at":"${updatedAt}","cancelled_at":${extra.cancelledAt ? `"${extra.cancelledAt}"` : "null"},"test":${extra.test ? "true" : "false"},"currency":"USD","current_total_price_set":${JSON.stringify(money(total))},"current_shipping_price_set":${JSON.stringify(money("0.00"))},"current_total_tax_set":${JSON.stringify(money("0.00"))},"customer":${customer ? `{"id":1,"admin_graphql_api_id":"${customer}"}` : "null"}}`,
  };
}
function refund(id: string, orderId: string, money: string, lineItems: string, createdAt = "2026-10-05T10:00:00Z") {
  return {
    topic: "refunds/create",
    body: `{"id":${id},"admin_graphql_api_id":"gid://shopify/Refund/${id}","order_id":${orderId},"created_at":"${createdAt}","refund_line_items":${lineItems === "0.00" ? "[]" : `[{"subtotal_set":${JSON.stringify({ shop_money: { amount: lineItems, currency_code: "USD" } })},"total_tax_set":${JSON.stringify({ shop_money: { amount: "0.00", currency_code: "USD" } })}}]`},"refund_shipping_lines":[],"order_adjustments":[],"transactions":[{"kind":"refund","status":"success","amount":"${money}","currency":"USD"}]}`,
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

const handlers = webhookHandlers({ purgeDelayMs: 0 });

/** Hands one delivery to its topic's handler as the worker does. */
async function deliver(db: Db, delivery: { topic: string; body: string }, webhookId: string, now: Date, requestTierRecompute: WebhookContext["requestTierRecompute"]): Promise<void> {
  const ctx: WebhookContext = { db, shop: SHOP, topic: delivery.topic, webhookId, payload: parseJsonLosslessly(delivery.body), now, requestTierRecompute, schedulePurge: async () => {} };
  await handlers[delivery.topic as keyof typeof handlers](ctx);
}

async function applyAll(db: Db, sequence: number[]): Promise<Record<string, unknown>> {
  for (const [n, index] of sequence.entries()) {
    const delivery = DELIVERIES[index];
    const touched = new Set<string>();
    await deliver(db, delivery, `w${n}`, NOW, async (gids) => gids.forEach((g) => touched.add(g)));
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

// Grace on (30 days). Each order payload lists the refunds made up to its version, as Shopify's do;
// the orders/create copies are the stale versions from before them.
const D1 = "gid://shopify/Customer/7100000000000000011";
const D2 = "gid://shopify/Customer/7100000000000000012";
const D3 = "gid://shopify/Customer/7100000000000000013";
const D4 = "gid://shopify/Customer/7100000000000000014";
const GOODWILL = refund("9210000000000000001", "9110000000000000001", "150.00", "0.00", "2026-10-03T10:00:00Z");
const RETURN = refund("9210000000000000002", "9110000000000000003", "200.00", "200.00", "2026-10-04T10:00:00Z");
const SMALL = refund("9210000000000000003", "9110000000000000005", "50.00", "0.00", "2026-10-04T12:00:00Z");

// What each delivery says, written independently of the payload mapping: the spend the app shows
// after settling must be what the payloads delivered so far say, never more.
const cents = (amount: string) => Math.round(Number(amount) * 100);
const fact = {
  order: (id: string, customer: string, total: string, updatedAt: string, cancelledAt: string | null = null): LedgerEvent => ({
    type: "order",
    order: {
      orderId: `gid://shopify/Order/${id}`, customerId: customer, processedAt: new Date("2026-10-01T10:00:00Z"), updatedAt: new Date(updatedAt), currency: "USD",
      currentTotalMinor: cents(total), currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: cancelledAt ? new Date(cancelledAt) : null, test: false,
    },
  }),
  refund: (id: string, orderId: string, money: string, lineItems: string): LedgerEvent => ({
    type: "refund",
    refund: { refundId: `gid://shopify/Refund/${id}`, orderId: `gid://shopify/Order/${orderId}`, createdAt: new Date(0), currency: "USD", transactionsMinor: cents(money), lineItemsMinor: cents(lineItems), shippingMinor: 0 },
  }),
};
const goodwill = fact.refund("9210000000000000001", "9110000000000000001", "150.00", "0.00");
const returned = fact.refund("9210000000000000002", "9110000000000000003", "200.00", "200.00");
const small = fact.refund("9210000000000000003", "9110000000000000005", "50.00", "0.00");
const SPREAD: { topic: string; body: string; says: LedgerEvent[] }[] = [
  // D1: 2100.00, then 150.00 given back: 1950.00, Silver (Gold only for as long as the refund is unknown).
  { ...order("9110000000000000001", D1, "2100.00", "2026-10-01T10:00:00Z", { topic: "orders/create" }), says: [fact.order("9110000000000000001", D1, "2100.00", "2026-10-01T10:00:00Z")] },
  { ...GOODWILL, says: [goodwill] },
  { ...order("9110000000000000001", D1, "2100.00", "2026-10-03T10:00:00Z", { refunds: [GOODWILL.body] }), says: [fact.order("9110000000000000001", D1, "2100.00", "2026-10-03T10:00:00Z"), goodwill] },
  // D2: 1500.00 + 600.00, then 200.00 of items returned (Shopify lowers the total): 1900.00, Silver.
  { ...order("9110000000000000002", D2, "1500.00", "2026-10-01T11:00:00Z", { topic: "orders/create" }), says: [fact.order("9110000000000000002", D2, "1500.00", "2026-10-01T11:00:00Z")] },
  { ...order("9110000000000000003", D2, "600.00", "2026-10-01T12:00:00Z", { topic: "orders/create" }), says: [fact.order("9110000000000000003", D2, "600.00", "2026-10-01T12:00:00Z")] },
  { ...RETURN, says: [returned] },
  { ...order("9110000000000000003", D2, "400.00", "2026-10-04T10:00:00Z", { refunds: [RETURN.body] }), says: [fact.order("9110000000000000003", D2, "400.00", "2026-10-04T10:00:00Z"), returned] },
  // D3: 2500.00 cancelled, 450.00 kept: Bronze.
  { ...order("9110000000000000004", D3, "2500.00", "2026-10-01T13:00:00Z", { topic: "orders/create" }), says: [fact.order("9110000000000000004", D3, "2500.00", "2026-10-01T13:00:00Z")] },
  {
    ...order("9110000000000000004", D3, "2500.00", "2026-10-02T13:00:00Z", { topic: "orders/cancelled", cancelledAt: "2026-10-02T13:00:00Z" }),
    says: [fact.order("9110000000000000004", D3, "2500.00", "2026-10-02T13:00:00Z", "2026-10-02T13:00:00Z")],
  },
  { ...order("9110000000000000006", D3, "450.00", "2026-10-01T14:00:00Z", { topic: "orders/create" }), says: [fact.order("9110000000000000006", D3, "450.00", "2026-10-01T14:00:00Z")] },
  // D4: 700.00 with 50.00 given back: 650.00, Silver throughout.
  { ...order("9110000000000000005", D4, "700.00", "2026-10-01T15:00:00Z", { topic: "orders/paid" }), says: [fact.order("9110000000000000005", D4, "700.00", "2026-10-01T15:00:00Z")] },
  { ...SMALL, says: [small] },
  { ...order("9110000000000000005", D4, "700.00", "2026-10-04T12:00:00Z", { refunds: [SMALL.body] }), says: [fact.order("9110000000000000005", D4, "700.00", "2026-10-04T12:00:00Z"), small] },
];

const SPREAD_RULES = defaultTierRules("USD"); // grace 30 days
const SPREAD_START = new Date("2026-10-05T12:00:00Z");
const HOUR = 3_600_000;

type Step = { index: number; gapHours: number; settle: boolean };

/** Deliver one by one, `now` advancing; settle (recompute the customers asked for) where the step says, and at the end. */
async function deliverSpread(db: Db, steps: Step[]): Promise<{ final: Record<string, unknown>; graceSeen: string[]; contradicted: string[] }> {
  let now = SPREAD_START.getTime();
  // Coalesced as the queue does: one pending recomputation per customer, with the first cause asked.
  const pending = new Map<string, TierRecomputeCause>();
  const graceSeen: string[] = [];
  const contradicted: string[] = [];
  const said: LedgerEvent[] = [];
  const settle = async () => {
    for (const [gid, cause] of pending) await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause, now: new Date(now) });
    pending.clear();
    const told = reduceLedger(said);
    for (const c of await db.customer.findMany({ where: { shop: SHOP } })) {
      if (c.graceUntil !== null || c.downgradeTierKey !== null) graceSeen.push(`${c.customerGid} in ${c.tierKey} until ${c.graceUntil?.toISOString()} (${c.graceReason})`);
      const spend = qualifyingSpend(told, c.customerGid, SPREAD_RULES, new Date(now)).qualifyingSpendMinor;
      if (c.qualifyingSpend !== spend) contradicted.push(`${c.customerGid} shown ${c.qualifyingSpend}, the payloads delivered say ${spend}`);
    }
  };
  for (const [n, step] of steps.entries()) {
    now += step.gapHours * HOUR;
    const delivery = SPREAD[step.index];
    await deliver(db, delivery, `s${n}`, new Date(now), async (gids, cause) => gids.forEach((g) => pending.has(g) || pending.set(g, cause)));
    said.push(...delivery.says);
    if (step.settle) await settle();
  }
  now += HOUR;
  await settle();
  const customers = await db.customer.findMany({ where: { shop: SHOP }, orderBy: { customerGid: "asc" } });
  const final = Object.fromEntries(
    customers.map((c) => {
      const state = memberStateFromRow(c);
      // tier_since records when the last change happened, which is arrival time, not outcome.
      const metafields = tierMetafields({ rules: SPREAD_RULES, state, spend: { qualifyingSpendMinor: c.qualifyingSpend }, reviewAt: c.reviewAt }).filter((m) => m.key !== "tier_since");
      return [
        c.customerGid,
        {
          tier: c.tierKey,
          spend: c.qualifyingSpend,
          orders: c.qualifyingOrders,
          grace: c.graceUntil,
          tags: planTierTags({ currentTags: ["merchant-tag"], rules: SPREAD_RULES, tierKey: c.tierKey }).tags,
          metafields: Object.fromEntries(metafields.map((m) => [m.key, m.value])),
        },
      ];
    }),
  );
  return { final, graceSeen, contradicted };
}

describe("webhook order independence with the app settling between spread-out deliveries", () => {
  const databases: TestDatabase[] = [];
  async function freshDb(): Promise<Db> {
    const database = await createTestDatabase("sqlite", "spread");
    databases.push(database);
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    await saveTierRules(database.db, SHOP, SPREAD_RULES);
    return database.db;
  }
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  it("any order, duplicates, stale copies, gaps of minutes to days: the in-order end, and no grace from a contradicted state", async () => {
    const inOrder = await deliverSpread(await freshDb(), SPREAD.map((_, index) => ({ index, gapHours: 2, settle: true })));
    // Hand-checked: D1 2100.00 − 150.00 = 1950.00; D2 1500.00 + 400.00 (the 200.00 returned is out of
    // the total) = 1900.00; D3 0 (cancelled) + 450.00; D4 700.00 − 50.00 = 650.00.
    const member = (tier: "bronze" | "silver", spend: string, orders: number, toNext: string) => ({
      tier,
      spend: Math.round(Number(spend) * 100),
      orders,
      grace: null,
      tags: ["merchant-tag", `tierline:${tier}`],
      metafields: {
        tier,
        tier_name: tier === "silver" ? "Silver" : "Bronze",
        qualifying_spend: JSON.stringify({ amount: spend, currency_code: "USD" }),
        next_tier_name: tier === "silver" ? "Gold" : "Silver",
        spend_to_next_tier: JSON.stringify({ amount: toNext, currency_code: "USD" }),
        // Every order here was placed 2026-10-01T10:00Z; the oldest leaves the 365-day window then.
        tier_review_at: "2027-10-01T10:00:00Z",
        tier_pinned: "false",
      },
    });
    expect(inOrder.graceSeen).toEqual([]);
    expect(inOrder.contradicted).toEqual([]);
    expect(inOrder.final).toEqual({
      [D1]: member("silver", "1950.00", 1, "50.01"),
      [D2]: member("silver", "1900.00", 2, "100.01"),
      [D3]: member("bronze", "450.00", 1, "50.00"),
      [D4]: member("silver", "650.00", 1, "1350.01"),
    });

    const step = fc.record({ gapHours: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 72 })), settle: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(SPREAD.map((_, i) => i), { minLength: SPREAD.length }),
        fc.array(fc.tuple(fc.nat(SPREAD.length - 1), fc.nat(SPREAD.length * 2)), { maxLength: 5 }),
        fc.array(step, { minLength: SPREAD.length + 5, maxLength: SPREAD.length + 5 }),
        async (permutation, duplicates, timing) => {
          const sequence = [...permutation];
          for (const [index, at] of duplicates) sequence.splice(at % (sequence.length + 1), 0, index);
          const db = await freshDb();
          const run = await deliverSpread(db, sequence.map((index, n) => ({ index, ...timing[n] })));
          expect(run.graceSeen).toEqual([]);
          expect(run.contradicted).toEqual([]);
          expect(run.final).toEqual(inOrder.final);
        },
      ),
      {
        numRuns: 20,
        examples: [
          // Every newer payload first, every stale one and every refunds/create after it, each settled a day apart.
          [[...SPREAD.keys()].reverse(), [], SPREAD.map(() => ({ gapHours: 24, settle: true })).concat(Array(5).fill({ gapHours: 24, settle: true }))],
        ],
      },
    );
  });
});
