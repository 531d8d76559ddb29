// The open fulfillment orders of many orders and their current deadlines, in one
// query: after a split, merge or move (new ids) and in the reconciliation run.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const FULFILLMENT_ORDERS_PER_ORDER = 20;
/** Orders per read: the requested cost (23 points an order) stays far under Shopify's 1000 per query. */
export const MAX_ORDERS_PER_READ = 15;

export const ORDER_FULFILLMENT_ORDERS_QUERY = `#graphql
  query OrderFulfillmentOrders($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Order {
        id
        fulfillmentOrders(first: ${FULFILLMENT_ORDERS_PER_ORDER}) {
          nodes {
            id
            status
            fulfillBy
          }
        }
      }
    }
  }
`;

export type OrderFulfillmentOrdersVariables = { ids: string[] };
export type FulfillmentOrderDeadline = { id: string; status: string; fulfillBy: string | null };
export type OrderFulfillmentOrdersData = { nodes: ({ id: string; fulfillmentOrders: { nodes: FulfillmentOrderDeadline[] } } | Record<string, never> | null)[] };

export const orderFulfillmentOrdersOperation: AdminOperation<OrderFulfillmentOrdersData, OrderFulfillmentOrdersVariables> = {
  name: "OrderFulfillmentOrders",
  query: ORDER_FULFILLMENT_ORDERS_QUERY,
  cost: ({ ids }) => ids.length * (1 + 2 + FULFILLMENT_ORDERS_PER_ORDER),
};

/** Fulfillment orders per order GID; an order Shopify no longer has is absent. */
export async function readOrderFulfillmentOrders(runner: AdminRunner, orderGids: readonly string[]): Promise<Map<string, FulfillmentOrderDeadline[]>> {
  const found = new Map<string, FulfillmentOrderDeadline[]>();
  for (let i = 0; i < orderGids.length; i += MAX_ORDERS_PER_READ) {
    const data = await runner.run(orderFulfillmentOrdersOperation, { ids: orderGids.slice(i, i + MAX_ORDERS_PER_READ) });
    for (const node of data.nodes) if (node && "id" in node) found.set(node.id, node.fulfillmentOrders.nodes);
  }
  return found;
}
