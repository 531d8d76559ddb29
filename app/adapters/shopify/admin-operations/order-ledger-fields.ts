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
      currentTotalTaxSet { ${SHOP_MONEY} }`;

/**
 * The selection for one order in an ordinary query. `refundParts` bounds each refund's
 * line items, shipping lines, adjustments and transactions read (refunds with more
 * parts are rare; the bound keeps a query under the cost ceiling).
 */
export function orderLedgerFields(refundParts: number): string {
  return `${ORDER_FIELDS}
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
 * Requested cost of one order read with orderLedgerFields: itself and its money objects,
 * plus four refund-part connections of 2 + parts × (1 + money objects) each (Shopify
 * counts a list of refunds once).
 */
export function orderLedgerCost(refundParts: number): number {
  return 14 + 4 * (2 + refundParts * 4);
}

/**
 * The selection for one order in the history bulk query: no connection inside the
 * refunds list. Each refund's money returned, plus the order's refunded shipping and
 * refund discrepancy (money returned beyond, or kept back from, the refunded items
 * and shipping), which is what qualifying spend needs per order.
 */
export const ORDER_BULK_LEDGER_FIELDS = `${ORDER_FIELDS}
      totalRefundedShippingSet { ${SHOP_MONEY} }
      refundDiscrepancySet { ${SHOP_MONEY} }
      refunds {
        id
        createdAt
        totalRefundedSet { ${SHOP_MONEY} }
      }`;
