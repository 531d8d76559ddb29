// One page of orders updated after an instant, oldest change first, with what the
// ledger needs: reconciliation's way of finding what webhooks missed.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { orderLedgerCost, orderLedgerFields } from "./order-ledger-fields.ts";
import { withAllLineItems } from "./order-line-items.ts";

/** Orders per page and refund parts per refund: keep the requested cost under the 1,000-point ceiling. */
export const ORDERS_UPDATED_PAGE = 6;
export const RECONCILE_REFUND_PARTS = 5;

export const ORDERS_UPDATED_SINCE_QUERY = `#graphql
  query OrdersUpdatedSince($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {${orderLedgerFields(RECONCILE_REFUND_PARTS)}
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export type OrdersUpdatedSinceVariables = { first: number; after: string | null; query: string };
export type OrdersUpdatedSinceData = {
  orders: { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

export const ordersUpdatedSinceOperation: AdminOperation<OrdersUpdatedSinceData, OrdersUpdatedSinceVariables> = {
  name: "OrdersUpdatedSince",
  query: ORDERS_UPDATED_SINCE_QUERY,
  cost: ({ first }) => 2 + first * orderLedgerCost(RECONCILE_REFUND_PARTS),
};

/** Shopify's search syntax for "updated after": quoted ISO instant. */
export function updatedAfterQuery(since: Date): string {
  return `updated_at:>'${since.toISOString()}'`;
}

export async function readOrdersUpdatedSince(runner: AdminRunner, since: Date, after: string | null, first = ORDERS_UPDATED_PAGE) {
  const data = await runner.run(ordersUpdatedSinceOperation, { first, after, query: updatedAfterQuery(since) });
  // Orders with more lines than the page reads get the rest (a gift card may be any line).
  return { ...data.orders, nodes: await withAllLineItems(runner, data.orders.nodes) };
}
