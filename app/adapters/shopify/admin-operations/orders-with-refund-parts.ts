// Orders by id with their refunds' parts: the backfill's follow-up read for orders
// the bulk query shows with several refunds, whose split order totals cannot give
// (a bulk query may not read connections inside the refunds list).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { orderLedgerCost, orderLedgerFields } from "./order-ledger-fields.ts";
import { withAllLineItems } from "./order-line-items.ts";
import { ORDERS_UPDATED_PAGE, RECONCILE_REFUND_PARTS } from "./orders-updated-since.ts";

/** Orders per request: the reconciliation page's selection, so its page size keeps under the 1,000-point ceiling too. */
export const ORDERS_BY_ID_PAGE = ORDERS_UPDATED_PAGE;

export const ORDERS_WITH_REFUND_PARTS_QUERY = `#graphql
  query OrdersWithRefundParts($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Order {${orderLedgerFields(RECONCILE_REFUND_PARTS)}
      }
    }
  }
`;

export type OrdersWithRefundPartsVariables = { ids: string[] };
export type OrdersWithRefundPartsData = { nodes: Array<unknown | null> };

export const ordersWithRefundPartsOperation: AdminOperation<OrdersWithRefundPartsData, OrdersWithRefundPartsVariables> = {
  name: "OrdersWithRefundParts",
  query: ORDERS_WITH_REFUND_PARTS_QUERY,
  cost: ({ ids }) => 1 + ids.length * orderLedgerCost(RECONCILE_REFUND_PARTS),
};

/** The order nodes for these ids, a page at a time, with all their line items; an order gone since is left out. */
export async function readOrdersWithRefundParts(runner: AdminRunner, ids: string[]): Promise<unknown[]> {
  const found: unknown[] = [];
  for (let i = 0; i < ids.length; i += ORDERS_BY_ID_PAGE) {
    const data = await runner.run(ordersWithRefundPartsOperation, { ids: ids.slice(i, i + ORDERS_BY_ID_PAGE) });
    for (const node of data.nodes) if (node && typeof node === "object" && "id" in node) found.push(node);
  }
  return withAllLineItems(runner, found);
}
