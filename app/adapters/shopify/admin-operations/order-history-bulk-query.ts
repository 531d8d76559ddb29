// The inner query of the history backfill: every order with what the ledger
// needs. Run by bulkOperationRunQuery, never sent on its own; its validity against
// the SDL is checked in admin-operations.test.ts.
import { orderLedgerFields } from "./order-ledger-fields.ts";

/** Bulk queries have no cost ceiling: read generously many parts per refund. */
const BULK_REFUND_PARTS = 100;

export const ORDER_HISTORY_BULK_QUERY = `#graphql
  query OrderHistoryBulk {
    orders(sortKey: PROCESSED_AT) {
      nodes {${orderLedgerFields(BULK_REFUND_PARTS)}
      }
    }
  }
`;
