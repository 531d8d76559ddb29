import { describe, expect, it } from "vitest";
import { MUG_RULE } from "../../tests/support/replenishment-examples.ts";
import {
  purchaseOrdersFromDecision,
  purchaseOrdersFromOption,
  quoteFromQuotation,
  requestForQuotation,
  rfqId,
  type PurchaseOrderContext,
  type Quotation,
} from "./procurement-documents.ts";
import { decideReplenishment } from "./replenishment-decision.ts";
import { DEFAULT_REPLENISHMENT_SETTINGS } from "./replenishment-rules.ts";

const ISSUED = new Date("2026-12-02T15:00:00Z");
const DEADLINE = new Date("2026-12-02T16:00:00Z");
const buyer = { id: "shop-1", name: "Mugs & Co" };

const rfq = requestForQuotation({
  requestId: "req-7",
  issuedAt: ISSUED,
  deadline: DEADLINE,
  buyer,
  supplier: { id: "acme", name: "Acme Ceramics" },
  sku: "MUG-1",
  suppliersItemId: "AC-998",
  locationId: "loc-main",
  quantity: 200,
  neededWithinBusinessDays: 8,
  currency: "USD",
});

function quotation(supplierId: string, patch: { price?: number; quantity?: number; lead?: number } = {}): Quotation {
  return {
    documentType: "Quotation",
    id: `QT-${supplierId}`,
    issueDate: ISSUED,
    requestForQuotationDocumentReference: { id: rfqId("req-7", supplierId) },
    sellerSupplierParty: { id: supplierId, name: supplierId },
    validityPeriod: { endDate: new Date("2026-12-09T00:00:00Z") },
    documentCurrencyCode: "USD",
    quotationLines: [
      {
        id: "1",
        lineItem: {
          item: { buyersItemId: "MUG-1", sellersItemId: null },
          quantity: patch.quantity ?? 200,
          price: { priceAmount: { amountMinor: patch.price ?? 1000, currencyId: "USD" } },
          estimatedDeliveryPeriod: { businessDays: patch.lead ?? 5 },
        },
      },
    ],
  };
}

const context: PurchaseOrderContext = {
  requestId: "req-7",
  issuedAt: DEADLINE,
  buyer,
  supplierNames: { acme: "Acme Ceramics" },
  sku: "MUG-1",
  suppliersItemIds: { acme: "AC-998" },
  locationId: "loc-main",
  currency: "USD",
};

describe("request for quotation", () => {
  it("asks one supplier for one SKU, due by the quote deadline, with a deterministic id", () => {
    expect(rfq).toEqual({
      documentType: "RequestForQuotation",
      id: "RFQ-req-7-acme",
      issueDate: ISSUED,
      validityPeriod: { endDate: DEADLINE },
      buyerCustomerParty: buyer,
      sellerSupplierParty: { id: "acme", name: "Acme Ceramics" },
      requestedDeliveryPeriod: { withinBusinessDays: 8, deliveryLocationId: "loc-main" },
      documentCurrencyCode: "USD",
      requestForQuotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "MUG-1", sellersItemId: "AC-998" }, quantity: 200, unitCode: "EA" } }],
    });
  });
});

describe("quotation", () => {
  it("becomes the domain quote the scoring takes", () => {
    const received = new Date("2026-12-02T15:05:00Z");
    expect(quoteFromQuotation(quotation("acme", { price: 1234, quantity: 150, lead: 4 }), received)).toEqual({
      quoteId: "QT-acme",
      supplierId: "acme",
      currency: "USD",
      unitPriceMinor: 1234,
      availableQuantity: 150,
      leadBusinessDays: 4,
      validUntil: new Date("2026-12-09T00:00:00Z"),
      receivedAt: received,
    });
  });

  it("refuses more than one line and a line priced in another currency", () => {
    const two = quotation("acme");
    two.quotationLines.push(two.quotationLines[0]);
    expect(() => quoteFromQuotation(two, ISSUED)).toThrow(/exactly one line/);
    const euro = quotation("acme");
    euro.quotationLines[0].lineItem.price.priceAmount.currencyId = "EUR";
    expect(() => quoteFromQuotation(euro, ISSUED)).toThrow(/EUR/);
  });
});

describe("purchase orders", () => {
  it("an award across two suppliers makes one order each, referring to its quotation and request", () => {
    const decision = decideReplenishment({
      settings: { ...DEFAULT_REPLENISHMENT_SETTINGS, allowSplits: true },
      rule: MUG_RULE,
      quantity: 200,
      neededWithinBusinessDays: 8,
      requestedAt: ISSUED,
      waitingTierKeys: [],
      askedSupplierIds: ["acme", "bolt"],
      quotes: [quoteFromQuotation(quotation("acme", { quantity: 120 }), ISSUED), quoteFromQuotation(quotation("bolt", { quantity: 100, price: 1100, lead: 3 }), ISSUED)],
      declinedSupplierIds: [],
      now: ISSUED,
    });
    const orders = purchaseOrdersFromDecision(decision, context);
    expect(orders.map((order) => [order.id, order.quotationDocumentReference.id, order.requestForQuotationReference.id, order.sellerSupplierParty.name])).toEqual([
      // bolt delivers sooner and scores higher, so it is filled first (100), acme tops up (100).
      ["PO-req-7-bolt", "QT-bolt", "RFQ-req-7-bolt", "bolt"],
      ["PO-req-7-acme", "QT-acme", "RFQ-req-7-acme", "Acme Ceramics"],
    ]);
    expect(orders[1].orderLines[0].lineItem).toEqual({
      id: "1",
      item: { buyersItemId: "MUG-1", sellersItemId: "AC-998" },
      quantity: 100,
      price: { priceAmount: { amountMinor: 1000, currencyId: "USD" } },
      lineExtensionAmount: { amountMinor: 100_000, currencyId: "USD" },
    });
    expect(orders[0]).toMatchObject({ delivery: { deliveryLocationId: "loc-main", withinBusinessDays: 3 }, anticipatedMonetaryTotal: { payableAmount: { amountMinor: 110_000 } } });
    // Made again from the same decision, the documents are identical: a retry cannot make a second order id.
    expect(purchaseOrdersFromDecision(decision, context)).toEqual(orders);
  });

  it("an escalation makes no order until a person approves an option", () => {
    const decision = decideReplenishment({
      settings: DEFAULT_REPLENISHMENT_SETTINGS,
      rule: MUG_RULE,
      quantity: 200,
      neededWithinBusinessDays: 8,
      requestedAt: ISSUED,
      waitingTierKeys: [],
      askedSupplierIds: ["acme"],
      quotes: [quoteFromQuotation(quotation("acme", { price: 1500 }), ISSUED)],
      declinedSupplierIds: [],
      now: ISSUED,
    });
    expect(decision.kind).toBe("escalate");
    expect(purchaseOrdersFromDecision(decision, context)).toEqual([]);
    if (decision.kind !== "escalate" || !decision.proposed) throw new Error("expected a proposed option");
    expect(purchaseOrdersFromOption(decision.proposed, context).map((order) => order.anticipatedMonetaryTotal.payableAmount.amountMinor)).toEqual([300_000]);
  });
});
