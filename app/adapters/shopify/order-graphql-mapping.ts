// Admin GraphQL orders (bulk JSONL lines, reconciliation pages) → the domain's own
// types, the counterpart of webhook-payloads.ts for the REST-shaped webhooks. The
// same rules: shop money only, refund money rebuilt from shop-money parts when the
// buyer paid in another currency, so an order read here and the same order received
// by webhook make the same ledger entries.
import { z } from "zod/v4";
import { parseMoney } from "../../domain/money.ts";
import { financialStatusOf, type OrderSnapshot, type RefundRecord } from "../../domain/order-ledger.ts";
import { parseFields, PayloadError, prorated } from "./webhook-payloads.ts";

const money = z.object({ amount: z.union([z.string(), z.number()]), currencyCode: z.string() });
const moneyBag = z.object({ shopMoney: money, presentmentMoney: money.optional() });
// Date-times are checked after parsing (dateField), not with zod's refine(): each
// refine() call leaves objects V8 keeps in the old generation until a full
// collection, which at a backfill's volume was most of the worker's heap growth.
const timestamp = z.string();
const nodes = <T extends z.ZodTypeAny>(item: T) => z.object({ nodes: z.array(item) }).nullable().optional();

const GraphqlRefund = z.object({
  id: z.string().startsWith("gid://shopify/Refund/"),
  createdAt: timestamp.nullable().optional(),
  refundLineItems: nodes(z.object({ subtotalSet: moneyBag, totalTaxSet: moneyBag.nullable().optional() })),
  refundShippingLines: nodes(z.object({ subtotalAmountSet: moneyBag.nullable().optional(), taxAmountSet: moneyBag.nullable().optional() })),
  orderAdjustments: nodes(z.object({ kind: z.string().nullable().optional(), amountSet: moneyBag.nullable().optional(), taxAmountSet: moneyBag.nullable().optional() })),
  transactions: nodes(z.object({ kind: z.string(), status: z.string(), amountSet: moneyBag })),
});

const GraphqlOrder = z.object({
  id: z.string().startsWith("gid://shopify/Order/"),
  name: z.string().nullable().optional(),
  processedAt: timestamp.nullable().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  cancelledAt: timestamp.nullable().optional(),
  test: z.boolean().optional().default(false),
  currencyCode: z.string(),
  customer: z.object({ id: z.string().startsWith("gid://shopify/Customer/") }).nullable().optional(),
  currentTotalPriceSet: moneyBag,
  currentShippingPriceSet: moneyBag.nullable().optional(),
  currentTotalTaxSet: moneyBag.nullable().optional(),
  displayFinancialStatus: z.string().nullable().optional(),
  taxesIncluded: z.boolean().nullable().optional(),
  totalOutstandingSet: moneyBag.nullable().optional(),
  totalTipReceivedSet: moneyBag.nullable().optional(),
  currentTotalDutiesSet: moneyBag.nullable().optional(),
  shippingLine: z
    .object({
      discountedPriceSet: moneyBag.nullable().optional(),
      taxLines: z.array(z.object({ priceSet: moneyBag.nullable().optional() })).nullable().optional(),
    })
    .nullable()
    .optional(),
  // Read by ordinary queries only: in the history bulk file line items are lines of their own (giftCardLineFromBulkText).
  lineItems: nodes(z.object({ isGiftCard: z.boolean(), currentQuantity: z.number(), originalUnitPriceSet: moneyBag.nullable().optional() })),
  refunds: z.array(z.unknown()).nullable().optional(),
});

export type GraphqlRefundNode = z.infer<typeof GraphqlRefund>;

// A bulk line: the order, with refund totals instead of refund parts (see order-ledger-fields.ts).
const GraphqlBulkOrder = GraphqlOrder.extend({
  totalRefundedShippingSet: moneyBag.nullable().optional(),
  refundDiscrepancySet: moneyBag.nullable().optional(),
  refunds: z.array(z.object({ id: z.string().startsWith("gid://shopify/Refund/"), createdAt: timestamp.nullable().optional(), totalRefundedSet: moneyBag.nullable().optional() })).nullable().optional(),
});

function dateField(value: string, what: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new PayloadError(`${what} from the Admin API is missing or has malformed fields: ${field}: a date-time`);
  return date;
}

const amount = (bag: z.infer<typeof moneyBag> | null | undefined, currency: string): number => (bag ? parseMoney(String(bag.shopMoney.amount), currency) : 0);

/** Tax on what is left of the shipping, as webhook-payloads.ts computes it (see currentShippingTax there). */
function shippingTax(order: z.infer<typeof GraphqlOrder>, currency: string): number {
  const line = order.shippingLine;
  if (!line) return 0;
  const tax = (line.taxLines ?? []).reduce((sum, taxLine) => sum + amount(taxLine.priceSet, currency), 0);
  return prorated(tax, amount(order.currentShippingPriceSet, currency), amount(line.discountedPriceSet, currency));
}

export interface GraphqlOrderEntries {
  snapshot: OrderSnapshot;
  name: string | null;
  refunds: RefundRecord[];
}

function snapshotFromGraphql(order: z.infer<typeof GraphqlOrder>): OrderSnapshot {
  const currency = order.currentTotalPriceSet.shopMoney.currencyCode || order.currencyCode;
  const createdAt = dateField(order.createdAt, "Order", "createdAt");
  return {
    orderId: order.id,
    customerId: order.customer?.id ?? null,
    processedAt: order.processedAt ? dateField(order.processedAt, "Order", "processedAt") : createdAt,
    updatedAt: dateField(order.updatedAt, "Order", "updatedAt"),
    currency,
    currentTotalMinor: amount(order.currentTotalPriceSet, currency),
    currentShippingMinor: amount(order.currentShippingPriceSet, currency),
    currentTaxMinor: amount(order.currentTotalTaxSet, currency),
    cancelledAt: order.cancelledAt ? dateField(order.cancelledAt, "Order", "cancelledAt") : null,
    test: order.test,
    financialStatus: financialStatusOf(order.displayFinancialStatus),
    outstandingMinor: amount(order.totalOutstandingSet, currency),
    // As from a webhook: a card line is worth its price per card still on the order.
    giftCardLinesMinor: (order.lineItems?.nodes ?? [])
      .filter((line) => line.isGiftCard)
      .reduce((sum, line) => sum + amount(line.originalUnitPriceSet, currency) * line.currentQuantity, 0),
    tipMinor: amount(order.totalTipReceivedSet, currency),
    dutiesMinor: amount(order.currentTotalDutiesSet, currency),
    taxesIncluded: order.taxesIncluded === true,
    currentShippingTaxMinor: shippingTax(order, currency),
    // No presentmentCurrency: it is informational and the ledger does not store it,
    // while the domain's version comparison includes it, so a snapshot carrying it
    // could compare unequal to its own stored version.
  };
}

/** An order node from an ordinary query and the refunds it carries inline, parts and all. */
export function orderEntriesFromGraphql(node: unknown): GraphqlOrderEntries {
  const order = parseFields(GraphqlOrder, node, "Order from the Admin API");
  const snapshot = snapshotFromGraphql(order);
  const refunds = (order.refunds ?? []).map((refund) => refundRecordFromGraphql(refund, order.id, snapshot.currency, snapshot.updatedAt));
  return { snapshot, name: order.name ?? null, refunds };
}

/**
 * An order line of the history bulk query. Its refunds come without parts (Shopify
 * refuses connections inside a list in bulk), so their split is rebuilt from the
 * order's totals: each refund's money returned is its own; the order's refunded
 * shipping and its refund discrepancy (money kept back from, or returned beyond, the
 * refunded items and shipping) go on its latest refund, and the rest of each refund is
 * refunded items. With one refund that is its parts, except where shipping counts and
 * shipping tax went back (the totals cannot tell that tax from the items'; see the
 * mapping test). With several, only the order's sum is right, so the backfill reads
 * those orders again with their parts (backfill-order-history.server.ts). The gift cards
 * bought on the order come from its line-item lines (giftCardLineFromBulkText), by order id.
 */
export function orderEntriesFromBulk(node: unknown, giftCards: ReadonlyMap<string, number> = NO_GIFT_CARDS): GraphqlOrderEntries {
  const order = parseFields(GraphqlBulkOrder, node, "Order from the Admin API");
  const snapshot = snapshotFromGraphql(order);
  // The order's line items are lines of their own in the file; the gift cards among them, by order.
  snapshot.giftCardLinesMinor = giftCards.get(order.id) ?? 0;
  const { currency, updatedAt } = snapshot;
  const headers = (order.refunds ?? [])
    .map((refund) => ({ refundId: refund.id, createdAt: refund.createdAt ? dateField(refund.createdAt, "Refund", "createdAt") : updatedAt, returnedMinor: amount(refund.totalRefundedSet, currency) }))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.refundId < b.refundId ? -1 : a.refundId > b.refundId ? 1 : 0));
  const shippingMinor = amount(order.totalRefundedShippingSet, currency);
  const discrepancyMinor = amount(order.refundDiscrepancySet, currency);
  const refunds = headers.map((header, i): RefundRecord => {
    const latest = i === headers.length - 1;
    return {
      refundId: header.refundId,
      orderId: order.id,
      createdAt: header.createdAt,
      currency,
      transactionsMinor: header.returnedMinor,
      lineItemsMinor: latest ? header.returnedMinor - shippingMinor + discrepancyMinor : header.returnedMinor,
      shippingMinor: latest ? shippingMinor : 0,
    };
  });
  return { snapshot, name: order.name ?? null, refunds };
}

/**
 * A refund node. Same arithmetic as refundRecordFromPayload: line items are subtotal
 * plus tax, shipping is refunded shipping lines (with their tax) plus shipping-refund adjustments,
 * and the money returned is the successful refund transactions when they are in the
 * shop's currency, else rebuilt from the shop-money parts.
 */
export function refundRecordFromGraphql(node: unknown, orderGid: string, shopCurrency: string, fallbackCreatedAt: Date): RefundRecord {
  const refund = parseFields(GraphqlRefund, node, "Refund from the Admin API");
  const currency = shopCurrency;
  const lineItems = refund.refundLineItems?.nodes ?? [];
  const shippingLines = refund.refundShippingLines?.nodes ?? [];
  const adjustments = refund.orderAdjustments?.nodes ?? [];
  const transactions = refund.transactions?.nodes ?? [];

  const lineItemsMinor = lineItems.reduce((sum, line) => sum + amount(line.subtotalSet, currency) + amount(line.totalTaxSet, currency), 0);
  const shippingLinesMinor = shippingLines.reduce((sum, line) => sum + amount(line.subtotalAmountSet, currency) + amount(line.taxAmountSet, currency), 0);
  const isShipping = (kind: string | null | undefined) => (kind ?? "").toUpperCase() === "SHIPPING_REFUND";
  const shippingAdjustmentsMinor = adjustments.filter((a) => isShipping(a.kind)).reduce((sum, a) => sum - amount(a.amountSet, currency), 0);
  const otherAdjustmentsMinor = adjustments
    .filter((a) => !isShipping(a.kind))
    .reduce((sum, a) => sum - amount(a.amountSet, currency) - amount(a.taxAmountSet, currency), 0);
  const shippingMinor = shippingLinesMinor + shippingAdjustmentsMinor;

  const refunded = transactions.filter((t) => t.kind.toUpperCase() === "REFUND" && t.status.toUpperCase() === "SUCCESS");
  const inShopCurrency = refunded.every((t) => (t.amountSet.presentmentMoney?.currencyCode ?? t.amountSet.shopMoney.currencyCode) === currency);
  const transactionsMinor = inShopCurrency
    ? refunded.reduce((sum, t) => sum + amount(t.amountSet, currency), 0)
    : Math.max(0, lineItemsMinor + shippingMinor + otherAdjustmentsMinor);

  return {
    refundId: refund.id,
    orderId: orderGid,
    createdAt: refund.createdAt ? dateField(refund.createdAt, "Refund", "createdAt") : fallbackCreatedAt,
    currency,
    transactionsMinor,
    lineItemsMinor,
    shippingMinor,
  };
}

/** A bulk JSONL line: an order, or a child object (carrying __parentId) of a nested connection. */
export type BulkLine = { kind: "order"; entries: GraphqlOrderEntries } | { kind: "child"; parentId: string; id: string | null };

const NO_GIFT_CARDS: ReadonlyMap<string, number> = new Map();

/** A parsed JSONL line; an order takes the value of its gift-card lines from `giftCards` (by order id). */
export function bulkLineFromJson(value: unknown, giftCards: ReadonlyMap<string, number> = NO_GIFT_CARDS): BulkLine {
  const object = value as { __parentId?: unknown; id?: unknown } | null;
  if (object && typeof object.__parentId === "string") {
    return { kind: "child", parentId: object.__parentId, id: typeof object.id === "string" ? object.id : null };
  }
  return { kind: "order", entries: orderEntriesFromBulk(value, giftCards) };
}

const GIFT_CARD_FLAG = /"isGiftCard"\s*:\s*true/;
const BulkLineItem = z.object({ __parentId: z.string().startsWith("gid://shopify/Order/"), isGiftCard: z.boolean(), currentQuantity: z.number(), originalUnitPriceSet: moneyBag.nullable().optional() });

/** Whether a JSONL line's text is a child line (a line item of the bulk query), without parsing it. */
export function isBulkChildText(text: string): boolean {
  return text.includes('"__parentId":');
}

/**
 * A gift-card line item of the history bulk file, from the line's text: the order it belongs to
 * and its value as snapshotFromGraphql counts it (price per card still on the order). Null for
 * any other line, decided on the text first so the many ordinary lines are not parsed.
 */
export function giftCardLineFromBulkText(text: string): { orderId: string; minor: number } | null {
  if (!text.includes('"isGiftCard"') || !GIFT_CARD_FLAG.test(text)) return null;
  const line = parseFields(BulkLineItem, JSON.parse(text), "LineItem from the Admin API");
  if (!line.isGiftCard) return null;
  const price = line.originalUnitPriceSet?.shopMoney;
  return { orderId: line.__parentId, minor: price ? parseMoney(String(price.amount), price.currencyCode) * line.currentQuantity : 0 };
}
