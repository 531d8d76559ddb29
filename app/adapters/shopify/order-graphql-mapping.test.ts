// The history bulk query reads refund headers and the order's refund totals (no
// connections inside the refunds list, which Shopify refuses in bulk); reconciliation
// reads each refund's parts. For the same order, both must give the same qualifying
// spend under every rule variant: orders are built on the store simulator and read
// back through its Admin API with each selection.
import { describe, expect, it } from "vitest";
import { AdminApi } from "../../../simulator/admin-api/handler.ts";
import { SimStore } from "../../../simulator/store/store.ts";
import type { SimOrder } from "../../../simulator/store/types.ts";
import { orderQualifyingSpend } from "../../domain/qualifying-spend.ts";
import { defaultTierRules } from "../../domain/tier-rules.ts";
import type { LedgerOrder } from "../../domain/order-ledger.ts";
import { orderLedgerFields } from "./admin-operations/order-ledger-fields.ts";
import { BULK_FIELDS_IN_ONE_READ, bulkEntriesOf } from "../../../tests/support/bulk-order-lines.ts";
import { bulkLineFromJson, orderEntriesFromGraphql, type GraphqlOrderEntries } from "./order-graphql-mapping.ts";
import { orderPayload, payloadContext } from "../../../simulator/webhooks/payloads.ts";
import { orderSnapshotFromPayload } from "./webhook-payloads.ts";

const SHOP = "mapping.myshopify.com";
const NOW = "2026-11-20T12:00:00.000Z";

function store() {
  const sim = new SimStore({ now: () => new Date(NOW) });
  sim.createShop({ domain: SHOP, install: {} });
  const install = sim.shop(SHOP).shop.installation!;
  const api = new AdminApi({ store: sim, origin: () => "http://sim.test", clock: () => 0 });
  const read = async (order: SimOrder, fields: string): Promise<unknown> => {
    api.resetBuckets();
    const answer = (await api.graphql(SHOP, install.accessToken, { query: `query One($id: ID!) { order(id: $id) {${fields}} }`, variables: { id: order.gid } })) as { body: { data?: { order: unknown }; errors?: unknown } };
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data!.order;
  };
  return { sim, read };
}

const ledgerOrder = (entries: GraphqlOrderEntries): LedgerOrder => ({
  orderId: entries.snapshot.orderId,
  snapshot: entries.snapshot,
  deleted: false,
  refunds: Object.fromEntries(entries.refunds.map((r) => [r.refundId, r])),
});

const VARIANTS = [
  { countShipping: true, countTax: true },
  { countShipping: false, countTax: true },
  { countShipping: true, countTax: false },
  { countShipping: false, countTax: false },
];

function spends(entries: GraphqlOrderEntries) {
  return VARIANTS.map((v) => orderQualifyingSpend(ledgerOrder(entries), { ...defaultTierRules("USD"), ...v }));
}

describe("order history bulk lines", () => {
  it("give the same qualifying spend as the refund parts, for every kind of refund", async () => {
    const { sim, read } = store();
    const order = (taxShipping = false) =>
      sim.createOrder(SHOP, {
        lineItems: [{ title: "Chair", price: "120.00", quantity: 2 }, { title: "Lamp", price: "45.50", quantity: 1 }],
        shipping: { price: "15.00" },
        taxRate: 0.08,
        taxShipping,
      });
    const cases: Array<[string, SimOrder]> = [];
    cases.push(["no refund", order()]);
    const partial = order();
    sim.refundOrder(SHOP, partial.id, { lineItems: [{ lineItemId: partial.lineItems[0].id, quantity: 1 }] });
    cases.push(["one item back", partial]);
    const goodwill = order();
    sim.refundOrder(SHOP, goodwill.id, { amount: "12.34" });
    cases.push(["goodwill money only", goodwill]);
    const shipping = order();
    sim.refundOrder(SHOP, shipping.id, { shipping: { full: true } });
    cases.push(["untaxed shipping back", shipping]);
    const several = order();
    sim.refundOrder(SHOP, several.id, { lineItems: [{ lineItemId: several.lineItems[1].id, quantity: 1 }] }, { at: "2026-11-18T00:00:00.000Z" });
    sim.refundOrder(SHOP, several.id, { amount: "5.00", shipping: { amount: "7.50" } }, { at: "2026-11-19T00:00:00.000Z" });
    sim.refundOrder(SHOP, several.id, { lineItems: [{ lineItemId: several.lineItems[0].id, quantity: 2 }] }, { at: "2026-11-19T06:00:00.000Z" });
    cases.push(["three refunds: item, shipping with goodwill, the rest", several]);
    const full = order();
    sim.refundOrderFully(SHOP, full.id);
    cases.push(["everything back", full]);

    for (const [what, simOrder] of cases) {
      const parts = orderEntriesFromGraphql(await read(simOrder, orderLedgerFields(10)));
      const bulk = bulkEntriesOf(await read(simOrder, BULK_FIELDS_IN_ONE_READ));
      expect({ what, spends: spends(bulk) }).toEqual({ what, spends: spends(parts) });
      expect({ what, snapshot: bulk.snapshot }).toEqual({ what, snapshot: parts.snapshot });
      // Same refunds (ids, times and money returned), so a webhook for one of them meets its own record.
      const header = (e: GraphqlOrderEntries) => e.refunds.map((r) => [r.refundId, r.createdAt.toISOString(), r.transactionsMinor]).sort();
      expect({ what, refunds: header(bulk) }).toEqual({ what, refunds: header(parts) });
    }
    // The cases are not vacuous: none, one and several refunds, and refunds that move spend.
    expect(new Set(cases.map(([, o]) => o.refunds.length))).toEqual(new Set([0, 1, 3]));
    const spendOf = async (o: SimOrder) => spends(orderEntriesFromGraphql(await read(o, orderLedgerFields(10))));
    expect(await spendOf(goodwill)).not.toEqual(await spendOf(cases[0][1]));
    expect(await spendOf(shipping)).not.toEqual(await spendOf(cases[0][1]));
  });

  it("refunded shipping is subtracted once: spend is the money received less the money refunded, less what the rules leave out", async () => {
    const { sim, read } = store();
    // Desk 300.00 + shipping 20.00, 10% tax on both: the customer paid 352.00.
    const taxed = sim.createOrder(SHOP, { lineItems: [{ title: "Desk", price: "300.00", quantity: 1 }], shipping: { price: "20.00" }, taxRate: 0.1, taxShipping: true });
    sim.refundOrder(SHOP, taxed.id, { shipping: { full: true } });
    // Then 15.00 of goodwill, with no items back.
    sim.refundOrder(SHOP, taxed.id, { amount: "15.00" });
    const received = 35200;
    const refunded = 2200 + 1500;
    const kept = received - refunded; // 315.00: items 300 + their tax 30 − 15 goodwill; no shipping is left
    const itemTax = 3000;
    // VARIANTS: shipping+tax, tax only, shipping only, neither. Shipping (and its tax) went back in full.
    const expected = [kept, kept, kept - itemTax, kept - itemTax];
    expect(spends(orderEntriesFromGraphql(await read(taxed, orderLedgerFields(10))))).toEqual(expected);
    expect(spends(bulkEntriesOf(await read(taxed, BULK_FIELDS_IN_ONE_READ)))).toEqual(expected);
  });

  it("a bulk line is read as an order; a child line (__parentId) is not", () => {
    expect(bulkLineFromJson({ __parentId: "gid://shopify/Order/1", id: "gid://shopify/LineItem/2" })).toEqual({ kind: "child", parentId: "gid://shopify/Order/1", id: "gid://shopify/LineItem/2" });
    expect(() => bulkLineFromJson({ id: "gid://shopify/Order/1" })).toThrow(/Order from the Admin API is missing or has malformed fields/);
  });
});

describe("the same order by webhook and by Admin API", () => {
  it("makes the same snapshot: payment state, shipping's tax, tax-inclusive prices, tips, duties, gift cards", async () => {
    const { sim, read } = store();
    const base = { lineItems: [{ title: "Boots", price: "180.00", quantity: 1 }], shipping: { price: "12.00" }, taxRate: 0.2, taxShipping: true };
    const cases: Array<[string, SimOrder]> = [
      ["paid", sim.createOrder(SHOP, base)],
      ["pending (payment terms, cash on delivery)", sim.createOrder(SHOP, { ...base, financialStatus: "PENDING" })],
      ["authorized, not captured", sim.createOrder(SHOP, { ...base, financialStatus: "AUTHORIZED" })],
    ];
    const paidLater = sim.createOrder(SHOP, { ...base, financialStatus: "PENDING" });
    sim.payOrder(SHOP, paidLater.id);
    cases.push(["pending, then paid", paidLater]);
    const shippingBack = sim.createOrder(SHOP, base);
    sim.refundOrder(SHOP, shippingBack.id, { shipping: { amount: "6.00" } });
    cases.push(["half the taxed shipping refunded", shippingBack]);

    const ctx = payloadContext(sim.shop(SHOP).shop, SHOP);
    const money = (snapshot: GraphqlOrderEntries["snapshot"]) => {
      const { presentmentCurrency: _informational, ...rest } = snapshot;
      return rest;
    };
    const seen = new Set<string | null | undefined>();
    for (const [what, simOrder] of cases) {
      const current = sim.order(SHOP, simOrder.id);
      const webhook = orderSnapshotFromPayload(JSON.parse(JSON.stringify(orderPayload(current, null, ctx))));
      const reconciled = orderEntriesFromGraphql(await read(current, orderLedgerFields(10))).snapshot;
      const bulk = bulkEntriesOf(await read(current, BULK_FIELDS_IN_ONE_READ)).snapshot;
      expect({ what, snapshot: money(reconciled) }).toEqual({ what, snapshot: money(webhook) });
      expect({ what, snapshot: money(bulk) }).toEqual({ what, snapshot: money(webhook) });
      seen.add(webhook.financialStatus);
    }
    // Not vacuous: the statuses differ, and shipping's tax follows the shipping refund (2.40 charged, half left).
    expect(seen).toEqual(new Set(["paid", "pending", "authorized", "partially_refunded"]));
    const halfShipping = orderSnapshotFromPayload(JSON.parse(JSON.stringify(orderPayload(sim.order(SHOP, shippingBack.id), null, ctx))));
    expect(halfShipping).toMatchObject({ currentShippingMinor: 600, currentShippingTaxMinor: 120 });
    const rules = defaultTierRules("USD");
    // Unpaid orders count nothing until paid: Boots 180.00 once paid.
    expect(orderQualifyingSpend({ orderId: "x", snapshot: halfShipping, deleted: false, refunds: {} }, rules)).toBe(18000);
  });
});

