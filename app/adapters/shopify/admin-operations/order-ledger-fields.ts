// The order fields the ledger needs, shared by the history bulk query and the
// reconciliation query so both read exactly what order-graphql-mapping.ts maps.
// Refunds are a list on Order (not a connection); their parts are connections.
// Ordinary queries read those parts (with `first`); a bulk query may not, since
// Shopify refuses a connection inside a list field in bulk, so the bulk query reads
// each refund's header and the order's refund totals instead.
const SHOP_MONEY = "shopMoney { amount currencyCode }";

const ORDER_FIELDS = `
      id
      name
      processedAt
      createdAt
      updatedAt
      cancelledAt
      test
      currencyCode
      customer {
        id
      }
      currentTotalPriceSet { ${SHOP_MONEY} }
      currentShippingPriceSet { ${SHOP_MONEY} }
      currentTotalTaxSet { ${SHOP_MONEY} }
      displayFinancialStatus
      taxesIncluded
      totalOutstandingSet { ${SHOP_MONEY} }
      totalTipReceivedSet { ${SHOP_MONEY} }
      currentTotalDutiesSet { ${SHOP_MONEY} }
      shippingLine {
        discountedPriceSet { ${SHOP_MONEY} }
        taxLines { priceSet { ${SHOP_MONEY} } }
      }`;

/** Line items read per order with the order; an order with more has the rest read page by page (order-line-items.ts). */
export const GIFT_CARD_LINES_READ = 10;

/** What the ledger needs of a line item: whether it is a gift card, and what is left of it. */
export const LINE_ITEM_NODE_FIELDS = `
          isGiftCard
          currentQuantity
          originalUnitPriceSet { ${SHOP_MONEY} }`;

const GIFT_CARD_LINE_FIELDS = `
      lineItems(first: ${GIFT_CARD_LINES_READ}) {
        nodes {${LINE_ITEM_NODE_FIELDS}
        }
        pageInfo { hasNextPage endCursor }
      }`;

/**
 * The selection for one order in an ordinary query. `refundParts` bounds each refund's
 * line items, shipping lines, adjustments and transactions read (refunds with more
 * parts are rare; the bound keeps a query under the cost ceiling).
 */
export function orderLedgerFields(refundParts: number): string {
  return `${ORDER_FIELDS}${GIFT_CARD_LINE_FIELDS}
      refunds {
        id
        createdAt
        refundLineItems(first: ${refundParts}) {
          nodes {
            subtotalSet { ${SHOP_MONEY} }
            totalTaxSet { ${SHOP_MONEY} }
          }
        }
        refundShippingLines(first: ${refundParts}) {
          nodes {
            subtotalAmountSet { ${SHOP_MONEY} }
            taxAmountSet { ${SHOP_MONEY} }
          }
        }
        orderAdjustments(first: ${refundParts}) {
          nodes {
            kind
            amountSet { ${SHOP_MONEY} }
            taxAmountSet { ${SHOP_MONEY} }
          }
        }
        transactions(first: ${refundParts}) {
          nodes {
            kind
            status
            amountSet {
              ${SHOP_MONEY}
              presentmentMoney { amount currencyCode }
            }
          }
        }
      }`;
}

/**
 * Requested cost of one order read with orderLedgerFields, as Shopify counts it (1 per object,
 * a connection 2 plus `first` nodes): the order and its money objects with the shipping summary
 * (21), the gift-card line connection (2 + lines × 3; its pageInfo is free), and four refund-part connections of
 * 2 each plus 19 per part across them (Shopify counts a list of refunds once). Held to the
 * simulator's calculation in backfill-operations.test.ts.
 */
export function orderLedgerCost(refundParts: number): number {
  return 21 + (2 + GIFT_CARD_LINES_READ * 3) + 4 * 2 + refundParts * 19;
}

/**
 * The selection for one order in the history bulk query: no connection inside the
 * refunds list. Each refund's money returned, plus the order's refunded shipping and
 * refund discrepancy (money returned beyond, or kept back from, the refunded items
 * and shipping), which is what qualifying spend needs per order. Every line item comes
 * as its own JSONL line (a connection in bulk has no `first`; Order.lineItems cannot be
 * filtered to gift cards), with only the three fields that value a gift-card line.
 */
export const ORDER_BULK_LEDGER_FIELDS = `${ORDER_FIELDS}
      lineItems {
        nodes {${LINE_ITEM_NODE_FIELDS}
        }
      }
      totalRefundedShippingSet { ${SHOP_MONEY} }
      refundDiscrepancySet { ${SHOP_MONEY} }
      refunds {
        id
        createdAt
        totalRefundedSet { ${SHOP_MONEY} }
      }`;
