// The inner query of the history backfill: every order with what the ledger
// needs. Run by bulkOperationRunQuery, never sent on its own; its validity against
// the SDL is checked in admin-operations.test.ts, and Shopify's bulk rules (no
// connection inside a list field) by the simulator in the backfill tests.
import { ORDER_BULK_LEDGER_FIELDS } from "./order-ledger-fields.ts";

export const ORDER_HISTORY_BULK_QUERY = `#graphql
  query OrderHistoryBulk {
    orders(sortKey: PROCESSED_AT) {
      nodes {${ORDER_BULK_LEDGER_FIELDS}
      }
    }
  }
`;
