// The money the app's rules need, played over HTTP as a test or the demo would: a tax-inclusive
// shop, orders placed authorized, cash on delivery, on payment terms, with gift cards, tips and
// duties; then captured, voided or marked paid through the control API; then read back through
// the Admin GraphQL API as the app reads orders.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../server.ts";

const SHOP = "payments-http.myshopify.com";
let sim: RunningSimulator;
let token: string;

/* eslint-disable @typescript-eslint/no-explicit-any */
async function call(path: string, body: unknown = {}, status = 200): Promise<any> {
  const res = await fetch(`${sim.origin}/_sim/shops/${SHOP}${path}`, { method: "POST", body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(status);
  return json;
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${sim.origin}/admin/api/2026-01/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-Host": SHOP, "X-Shopify-Access-Token": token },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as any;
  expect(body.errors).toBeUndefined();
  return body.data;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const ORDER = `query($id: ID!) { order(id: $id) {
  displayFinancialStatus taxesIncluded capturable canMarkAsPaid fullyPaid unpaid paymentGatewayNames
  totalOutstandingSet { shopMoney { amount } } totalCapturableSet { shopMoney { amount } }
  totalReceivedSet { shopMoney { amount } } totalPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } }
  totalTipReceivedSet { shopMoney { amount currencyCode } }
  currentTotalDutiesSet { shopMoney { amount } } originalTotalDutiesSet { shopMoney { amount } }
  paymentTerms { paymentTermsType paymentTermsName dueInDays overdue }
  lineItems(first: 10) { nodes { name isGiftCard duties { id harmonizedSystemCode countryCodeOfOrigin price { shopMoney { amount } } } } }
  transactions { kind status gateway manualPaymentGateway formattedGateway amountSet { shopMoney { amount } presentmentMoney { amount currencyCode } } parentTransaction { kind } }
  refunds { duties { amountSet { shopMoney { amount } } originalDuty { id } } }
} }`;

const read = async (gid: string) => (await gql(ORDER, { id: gid })).order;

describe("control API: placing orders with the money options, then taking or voiding payment", () => {
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "k", apiSecret: "s", appUrl: "http://localhost:3000", edgeModules: false });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await fetch(`${sim.origin}/_sim/reset`, { method: "POST" });
    const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: SHOP, currency: "EUR", taxesIncluded: true }) });
    token = ((await res.json()) as { accessToken: string }).accessToken;
  });

  it("a tax-inclusive shop says so, and so do its orders", async () => {
    expect((await gql("{ shop { taxesIncluded currencyCode } }")).shop).toEqual({ taxesIncluded: true, currencyCode: "EUR" });
    const { order } = await call("/orders", { lineItems: [{ title: "Lamp", price: "120.00", quantity: 1 }], taxRate: 0.2 });
    expect(await read(order.gid)).toMatchObject({ taxesIncluded: true, totalPriceSet: { shopMoney: { amount: "120.00" } }, displayFinancialStatus: "PAID" });
  });

  it("authorized → capture part → capture the rest; another authorized → void", async () => {
    const { order } = await call("/orders", { lineItems: [{ title: "Chair", price: "90.00", quantity: 1 }], financialStatus: "AUTHORIZED" });
    expect(await read(order.gid)).toMatchObject({ displayFinancialStatus: "AUTHORIZED", capturable: true, canMarkAsPaid: false, totalCapturableSet: { shopMoney: { amount: "90.00" } }, totalOutstandingSet: { shopMoney: { amount: "90.00" } } });
    const part = await call(`/orders/${order.id}/capture`, { amount: "30.00" });
    expect(part.order.financialStatus).toBe("PARTIALLY_PAID");
    expect(await read(order.gid)).toMatchObject({ displayFinancialStatus: "PARTIALLY_PAID", totalCapturableSet: { shopMoney: { amount: "60.00" } }, totalOutstandingSet: { shopMoney: { amount: "60.00" } } });
    await call(`/orders/${encodeURIComponent(order.gid)}/capture`);
    const paid = await read(order.gid);
    expect(paid).toMatchObject({ displayFinancialStatus: "PAID", capturable: false, fullyPaid: true, totalOutstandingSet: { shopMoney: { amount: "0.00" } } });
    expect(paid.transactions.map((t: { kind: string; parentTransaction: { kind: string } | null }) => [t.kind, t.parentTransaction?.kind ?? null])).toEqual([["AUTHORIZATION", null], ["CAPTURE", "AUTHORIZATION"], ["CAPTURE", "AUTHORIZATION"]]);
    const refused = await call(`/orders/${order.id}/capture`, {}, 422);
    expect(refused.error).toMatch(/no authorization/);

    const { order: other } = await call("/orders", { lineItems: [{ title: "Chair", price: "90.00", quantity: 1 }], financialStatus: "AUTHORIZED" });
    await call(`/orders/${other.id}/void`);
    expect(await read(other.gid)).toMatchObject({ displayFinancialStatus: "VOIDED", capturable: false, unpaid: true, totalReceivedSet: { shopMoney: { amount: "0.00" } } });
  });

  it("cash on delivery and payment terms stay pending until marked paid", async () => {
    const { order: cod } = await call("/orders", { lineItems: [{ title: "Rug", price: "60.00", quantity: 1 }], gateway: "Cash on Delivery (COD)" });
    expect(await read(cod.gid)).toMatchObject({ displayFinancialStatus: "PENDING", canMarkAsPaid: true, paymentGatewayNames: ["Cash on Delivery (COD)"], transactions: [{ kind: "SALE", status: "PENDING", manualPaymentGateway: true }] });
    await call(`/orders/${cod.id}/mark-paid`);
    expect((await read(cod.gid)).displayFinancialStatus).toBe("PAID");

    const { order: net } = await call("/orders", { lineItems: [{ title: "Desk", price: "300.00", quantity: 1 }], paymentTerms: { type: "NET", dueInDays: 30 } });
    expect(await read(net.gid)).toMatchObject({ displayFinancialStatus: "PENDING", paymentTerms: { paymentTermsType: "NET", paymentTermsName: "Net 30", dueInDays: 30, overdue: false } });
    await call(`/orders/${net.id}/mark-paid`);
    expect(await read(net.gid)).toMatchObject({ displayFinancialStatus: "PAID", totalOutstandingSet: { shopMoney: { amount: "0.00" } } });
  });

  it("gift cards bought and spent, tips and duties, and a duty refunded by its GID", async () => {
    const { order } = await call("/orders", {
      lineItems: [
        { title: "Gift card", price: "50.00", quantity: 1, giftCard: true },
        { title: "Boots", price: "100.00", quantity: 2, duty: { amount: "20.00", harmonizedSystemCode: "640399", countryCodeOfOrigin: "IT" } },
      ],
      tip: "4.00",
      giftCardAmount: "10.00",
      presentmentCurrency: "GBP",
    });
    const placed = await read(order.gid);
    expect(placed.lineItems.nodes.map((l: { isGiftCard: boolean }) => l.isGiftCard)).toEqual([true, false]);
    expect(placed.lineItems.nodes[1].duties).toMatchObject([{ harmonizedSystemCode: "640399", countryCodeOfOrigin: "IT", price: { shopMoney: { amount: "20.00" } } }]);
    expect(placed).toMatchObject({
      totalPriceSet: { shopMoney: { amount: "274.00" } }, // 50 + 200 + 20 duties + 4 tip
      totalTipReceivedSet: { shopMoney: { amount: "4.00", currencyCode: "EUR" } },
      currentTotalDutiesSet: { shopMoney: { amount: "20.00" } },
      originalTotalDutiesSet: { shopMoney: { amount: "20.00" } },
      paymentGatewayNames: ["gift_card", "shopify_payments"],
    });
    expect(placed.transactions.map((t: { gateway: string; formattedGateway: string; amountSet: { shopMoney: { amount: string } } }) => [t.gateway, t.formattedGateway, t.amountSet.shopMoney.amount])).toEqual([
      ["gift_card", "Gift card", "10.00"],
      ["shopify_payments", "Shopify Payments", "264.00"],
    ]);
    const dutyGid = placed.lineItems.nodes[1].duties[0].id;
    const boots = order.lineItems[1].id;
    await call(`/orders/${order.id}/refunds`, { lineItems: [{ lineItemId: boots, quantity: 1 }], refundDuties: [{ dutyId: dutyGid, refundType: "PROPORTIONAL" }] });
    const after = await read(order.gid);
    expect(after.currentTotalDutiesSet.shopMoney.amount).toBe("10.00");
    expect(after.refunds[0].duties).toEqual([{ amountSet: { shopMoney: { amount: "10.00" } }, originalDuty: { id: dutyGid } }]);
    // A refund amount in the buyer's currency (GBP), converted for the shop's (EUR).
    const { refund } = await call(`/orders/${order.id}/refunds`, { amount: "8.60", currency: "GBP" });
    expect(refund.transactions[0].amountSet.presentmentMoney).toEqual({ amount: "8.60", currencyCode: "GBP" });
  });

  it("the routes answer 404 for an unknown order and 422 when there is nothing to do", async () => {
    await call("/orders/5504999999999/capture", {}, 404);
    const { order } = await call("/orders", { lineItems: [{ title: "Mug", price: "10.00", quantity: 1 }] });
    expect((await call(`/orders/${order.id}/void`, {}, 422)).error).toMatch(/no open authorization/);
    expect((await call(`/orders/${order.id}/mark-paid`, {}, 422)).error).toMatch(/nothing outstanding/);
  });
});
