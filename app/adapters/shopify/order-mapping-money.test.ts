// The money rules' orders (tax-inclusive prices, gift cards bought and spent, tips, duties,
// partial capture, cash on delivery, voided authorizations), built on the store simulator: the
// webhook payload, the reconciliation read and the history bulk line make the same snapshot, and
// the spend they give is what the customer paid and kept, worked out by hand.
import { describe, expect, it } from "vitest";
import { AdminApi } from "../../../simulator/admin-api/handler.ts";
import { SimStore } from "../../../simulator/store/store.ts";
import type { SimOrder } from "../../../simulator/store/types.ts";
import { orderPayload, payloadContext } from "../../../simulator/webhooks/payloads.ts";
import type { LedgerOrder, OrderSnapshot } from "../../domain/order-ledger.ts";
import { orderQualifyingSpend } from "../../domain/qualifying-spend.ts";
import { defaultTierRules, type TierRules } from "../../domain/tier-rules.ts";
import { orderLedgerFields } from "./admin-operations/order-ledger-fields.ts";
import { BULK_FIELDS_IN_ONE_READ, bulkEntriesOf } from "../../../tests/support/bulk-order-lines.ts";
import { orderEntriesFromGraphql, type GraphqlOrderEntries } from "./order-graphql-mapping.ts";
import { orderSnapshotFromPayload } from "./webhook-payloads.ts";

const NOW = "2026-11-20T12:00:00.000Z";

/** The simulator's money-order operations this test uses. */
type MoneySim = {
  createShop(input: { domain: string; install: object; currency?: string; taxesIncluded?: boolean }): unknown;
  createOrder(domain: string, input: object): SimOrder;
  captureOrder(domain: string, orderId: string, input?: { amount?: string | null }): SimOrder;
  voidAuthorization(domain: string, orderId: string): SimOrder;
  markOrderAsPaid(domain: string, orderId: string): SimOrder;
};

function shop(domain: string, options: { currency?: string; taxesIncluded?: boolean } = {}) {
  const store = new SimStore({ now: () => new Date(NOW) });
  const sim = store as unknown as MoneySim;
  sim.createShop({ domain, install: {}, ...options });
  const install = store.shop(domain).shop.installation!;
  const api = new AdminApi({ store, origin: () => "http://sim.test", clock: () => 0 });
  const read = async (order: SimOrder, fields: string): Promise<unknown> => {
    api.resetBuckets();
    const answer = (await api.graphql(domain, install.accessToken, { query: `query One($id: ID!) { order(id: $id) {${fields}} }`, variables: { id: order.gid } })) as { body: { data?: { order: unknown }; errors?: unknown } };
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data!.order;
  };
  const ctx = payloadContext(store.shop(domain).shop, domain);
  /** The order's snapshot three ways, checked equal; with its refunds (from the reconciliation read). */
  const snapshots = async (order: SimOrder): Promise<{ snapshot: OrderSnapshot; ledger: LedgerOrder; bulk: GraphqlOrderEntries }> => {
    const current = store.order(domain, order.id);
    const { presentmentCurrency: _p, ...webhook } = orderSnapshotFromPayload(JSON.parse(JSON.stringify(orderPayload(current, null, ctx))));
    const reconciled = orderEntriesFromGraphql(await read(current, orderLedgerFields(10)));
    const bulk = bulkEntriesOf(await read(current, BULK_FIELDS_IN_ONE_READ));
    expect(reconciled.snapshot).toEqual(webhook);
    const ledger: LedgerOrder = { orderId: webhook.orderId, snapshot: webhook, deleted: false, refunds: Object.fromEntries(reconciled.refunds.map((r) => [r.refundId, r])) };
    return { snapshot: webhook, ledger, bulk };
  };
  return { sim, snapshots };
}

const ALL = { countShipping: true, countTax: true, countTips: true, countDuties: true };

describe("the money rules' orders, by webhook, reconciliation and bulk", () => {
  it("a tax-inclusive shop: shipping's tax comes out once, and the amounts match a shop that adds tax", async () => {
    const { sim, snapshots } = shop("inclusive.myshopify.com", { currency: "EUR", taxesIncluded: true });
    const eur = defaultTierRules("EUR");
    // A coat at €119.00 and shipping at €11.90, both including 19% VAT.
    const order = sim.createOrder("inclusive.myshopify.com", { lineItems: [{ title: "Coat", price: "119.00", quantity: 1 }], shipping: { price: "11.90" }, taxRate: 0.19, taxShipping: true });
    const { snapshot, ledger, bulk } = await snapshots(order);
    expect(bulk.snapshot).toEqual(snapshot);
    expect(snapshot).toMatchObject({ taxesIncluded: true, currentTotalMinor: 13_090, currentShippingMinor: 1_190, currentTaxMinor: 2_090, currentShippingTaxMinor: 190, financialStatus: "paid" });
    const spend = (r: Partial<TierRules>) => orderQualifyingSpend(ledger, { ...eur, ...r });
    expect([spend({}), spend({ countTax: true }), spend({ countShipping: true }), spend(ALL)]).toEqual([10_000, 11_900, 11_000, 13_090]);
  });

  it("a gift card bought with a tip and a duty: only the goods count unless the merchant opts in", async () => {
    const domain = "gifts.myshopify.com";
    const { sim, snapshots } = shop(domain);
    // Sweater 100.00 with a 20.00 duty, a 50.00 gift card, a 10.00 tip: paid 180.00.
    const order = sim.createOrder(domain, {
      lineItems: [{ title: "Sweater", price: "100.00", quantity: 1, duty: { amount: "20.00" } }, { title: "Gift card", price: "50.00", quantity: 1, giftCard: true }],
      tip: "10.00",
    });
    const { snapshot, ledger, bulk } = await snapshots(order);
    expect(snapshot).toMatchObject({ currentTotalMinor: 18_000, giftCardLinesMinor: 5_000, tipMinor: 1_000, dutiesMinor: 2_000 });
    const rules = defaultTierRules("USD");
    expect(orderQualifyingSpend(ledger, rules)).toBe(10_000);
    expect(orderQualifyingSpend(ledger, { ...rules, ...ALL })).toBe(13_000);
    // The bulk line reads no line items (a connection per order would put every line in the file): the
    // gift card is missing there, and everything else agrees.
    expect({ ...bulk.snapshot, giftCardLinesMinor: 5_000 }).toEqual(snapshot);
    // Spending the card later is spend, as part of that order's total.
    const spent = sim.createOrder(domain, { lineItems: [{ title: "Scarf", price: "60.00", quantity: 1 }], giftCardAmount: "50.00" });
    expect(orderQualifyingSpend((await snapshots(spent)).ledger, rules)).toBe(6_000);
  });

  it("payment: cash on delivery and authorizations count once paid; a partial capture counts what was captured; a void never", async () => {
    const domain = "payments.myshopify.com";
    const { sim, snapshots } = shop(domain);
    const rules = defaultTierRules("USD");
    const line = { lineItems: [{ title: "Lamp", price: "200.00", quantity: 1 }] };
    const spendOf = async (order: SimOrder) => {
      const { ledger, bulk, snapshot } = await snapshots(order);
      expect(bulk.snapshot).toEqual(snapshot);
      return orderQualifyingSpend(ledger, rules);
    };
    const cod = sim.createOrder(domain, { ...line, gateway: "Cash on Delivery (COD)" });
    expect(await spendOf(cod)).toBe(0);
    sim.markOrderAsPaid(domain, cod.id);
    expect(await spendOf(cod)).toBe(20_000);

    const authorized = sim.createOrder(domain, { ...line, financialStatus: "AUTHORIZED" });
    expect(await spendOf(authorized)).toBe(0);
    sim.captureOrder(domain, authorized.id, { amount: "80.00" });
    expect(await spendOf(authorized)).toBe(8_000);

    const voided = sim.createOrder(domain, { ...line, financialStatus: "AUTHORIZED" });
    sim.voidAuthorization(domain, voided.id);
    expect(await spendOf(voided)).toBe(0);
  });
});
