// The order fields the ledger needs, shared by the history bulk query and the
// reconciliation query so both read exactly what order-graphql-mapping.ts maps.
// Refunds are a list on Order (not a connection); their parts are connections and
// need `first` in ordinary queries.
const SHOP_MONEY = "shopMoney { amount currencyCode }";

/**
 * The selection for one order. `refundParts` bounds each refund's line items, shipping
 * lines, adjustments and transactions read (refunds with more parts are rare; the
 * bound keeps an ordinary query under the cost ceiling).
 */
export function orderLedgerFields(refundParts: number): string {
  return `
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
      }`
}
