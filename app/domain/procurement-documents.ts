/**
 * Requests, quotes and purchase orders shaped like the UBL 2 documents RequestForQuotation →
 * Quotation → Order, so connectors for cXML or openTRANS map from the same three shapes.
 *
 * Exported API
 * - type DocumentParty, type ItemIdentification, type DocumentAmount
 * - type RequestForQuotation, type Quotation, type PurchaseOrderDocument (UBL "Order")
 * - rfqId(requestId, supplierId), purchaseOrderId(requestId, supplierId): string   deterministic ids
 * - requestForQuotation(input): RequestForQuotation            one per supplier asked
 * - quoteFromQuotation(quotation, receivedAt): SupplierQuote   the domain quote scored by quote-scoring.ts
 * - purchaseOrdersFromOption(option, context): PurchaseOrderDocument[]   one order per supplier of an award
 * - purchaseOrdersFromDecision(decision, context): PurchaseOrderDocument[]   [] unless the decision is an award
 *
 * Field names follow UBL's (ID, IssueDate, ValidityPeriod, RequestedDeliveryPeriod, LineItem,
 * Price/PriceAmount, LineExtensionAmount) in camelCase, trimmed to what Tierline uses. Money stays
 * in minor units with its currency (UBL's currencyID); a connector formats it. One deviation: lead
 * times are business days of the buyer's calendar (UBL's DurationMeasure is calendar time), the
 * unit every Tierline rule uses; a connector converts when a format needs dates.
 * Ids are derived from the request and supplier, so a retried send or award yields the same
 * document id and the receiving side (or our own unique key) can refuse a second copy.
 */
import type { MinorUnits } from "./money.ts";
import type { AwardOption, SupplierQuote } from "./quote-scoring.ts";
import type { ReplenishmentDecision } from "./replenishment-decision.ts";

export type DocumentParty = { id: string; name: string };
export type ItemIdentification = { buyersItemId: string; sellersItemId: string | null };
export type DocumentAmount = { amountMinor: MinorUnits; currencyId: string };

export type RequestForQuotation = {
  documentType: "RequestForQuotation";
  id: string;
  issueDate: Date;
  /** Quotes are wanted by the end of this period (the quote deadline). */
  validityPeriod: { endDate: Date };
  buyerCustomerParty: DocumentParty;
  sellerSupplierParty: DocumentParty;
  requestedDeliveryPeriod: { withinBusinessDays: number; deliveryLocationId: string };
  documentCurrencyCode: string;
  requestForQuotationLines: { id: string; lineItem: { item: ItemIdentification; quantity: number; unitCode: "EA" } }[];
};

export type Quotation = {
  documentType: "Quotation";
  id: string;
  issueDate: Date;
  requestForQuotationDocumentReference: { id: string };
  sellerSupplierParty: DocumentParty;
  /** The quote holds until this instant. */
  validityPeriod: { endDate: Date };
  documentCurrencyCode: string;
  quotationLines: {
    id: string;
    lineItem: { item: ItemIdentification; quantity: number; price: { priceAmount: DocumentAmount }; estimatedDeliveryPeriod: { businessDays: number } };
  }[];
};

export type PurchaseOrderDocument = {
  documentType: "Order";
  id: string;
  issueDate: Date;
  quotationDocumentReference: { id: string };
  requestForQuotationReference: { id: string };
  buyerCustomerParty: DocumentParty;
  sellerSupplierParty: DocumentParty;
  delivery: { deliveryLocationId: string; withinBusinessDays: number };
  documentCurrencyCode: string;
  orderLines: {
    lineItem: { id: string; item: ItemIdentification; quantity: number; price: { priceAmount: DocumentAmount }; lineExtensionAmount: DocumentAmount };
  }[];
  anticipatedMonetaryTotal: { payableAmount: DocumentAmount };
};

export function rfqId(requestId: string, supplierId: string): string {
  return `RFQ-${requestId}-${supplierId}`;
}

export function purchaseOrderId(requestId: string, supplierId: string): string {
  return `PO-${requestId}-${supplierId}`;
}

export function requestForQuotation(input: {
  requestId: string;
  issuedAt: Date;
  deadline: Date;
  buyer: DocumentParty;
  supplier: DocumentParty;
  sku: string;
  suppliersItemId: string | null;
  locationId: string;
  quantity: number;
  neededWithinBusinessDays: number;
  currency: string;
}): RequestForQuotation {
  return {
    documentType: "RequestForQuotation",
    id: rfqId(input.requestId, input.supplier.id),
    issueDate: input.issuedAt,
    validityPeriod: { endDate: input.deadline },
    buyerCustomerParty: input.buyer,
    sellerSupplierParty: input.supplier,
    requestedDeliveryPeriod: { withinBusinessDays: input.neededWithinBusinessDays, deliveryLocationId: input.locationId },
    documentCurrencyCode: input.currency,
    requestForQuotationLines: [{ id: "1", lineItem: { item: { buyersItemId: input.sku, sellersItemId: input.suppliersItemId }, quantity: input.quantity, unitCode: "EA" } }],
  };
}

/** One SKU per request, so one line per quotation; anything else is a malformed answer. */
export function quoteFromQuotation(quotation: Quotation, receivedAt: Date): SupplierQuote {
  if (quotation.quotationLines.length !== 1) throw new Error(`quotation ${quotation.id} must have exactly one line, has ${quotation.quotationLines.length}`);
  const { lineItem } = quotation.quotationLines[0];
  if (lineItem.price.priceAmount.currencyId !== quotation.documentCurrencyCode) {
    throw new Error(`quotation ${quotation.id}: line price in ${lineItem.price.priceAmount.currencyId}, document in ${quotation.documentCurrencyCode}`);
  }
  return {
    quoteId: quotation.id,
    supplierId: quotation.sellerSupplierParty.id,
    currency: quotation.documentCurrencyCode,
    unitPriceMinor: lineItem.price.priceAmount.amountMinor,
    availableQuantity: lineItem.quantity,
    leadBusinessDays: lineItem.estimatedDeliveryPeriod.businessDays,
    validUntil: quotation.validityPeriod.endDate,
    receivedAt,
  };
}

export type PurchaseOrderContext = {
  requestId: string;
  issuedAt: Date;
  buyer: DocumentParty;
  /** Names of the suppliers by id; a missing one is named by its id. */
  supplierNames: Readonly<Record<string, string>>;
  sku: string;
  suppliersItemIds?: Readonly<Record<string, string>>;
  locationId: string;
  currency: string;
};

export function purchaseOrdersFromOption(option: AwardOption, context: PurchaseOrderContext): PurchaseOrderDocument[] {
  const amount = (amountMinor: MinorUnits): DocumentAmount => ({ amountMinor, currencyId: context.currency });
  return option.parts.map((part) => {
    const lineTotal = part.quantity * part.unitPriceMinor;
    return {
      documentType: "Order",
      id: purchaseOrderId(context.requestId, part.supplierId),
      issueDate: context.issuedAt,
      quotationDocumentReference: { id: part.quoteId },
      requestForQuotationReference: { id: rfqId(context.requestId, part.supplierId) },
      buyerCustomerParty: context.buyer,
      sellerSupplierParty: { id: part.supplierId, name: context.supplierNames[part.supplierId] ?? part.supplierId },
      delivery: { deliveryLocationId: context.locationId, withinBusinessDays: part.leadBusinessDays },
      documentCurrencyCode: context.currency,
      orderLines: [
        {
          lineItem: {
            id: "1",
            item: { buyersItemId: context.sku, sellersItemId: context.suppliersItemIds?.[part.supplierId] ?? null },
            quantity: part.quantity,
            price: { priceAmount: amount(part.unitPriceMinor) },
            lineExtensionAmount: amount(lineTotal),
          },
        },
      ],
      anticipatedMonetaryTotal: { payableAmount: amount(lineTotal) },
    };
  });
}

export function purchaseOrdersFromDecision(decision: ReplenishmentDecision, context: PurchaseOrderContext): PurchaseOrderDocument[] {
  return decision.kind === "award" ? purchaseOrdersFromOption(decision.option, context) : [];
}
