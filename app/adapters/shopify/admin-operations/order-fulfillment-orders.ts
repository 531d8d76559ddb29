// The open fulfillment orders of many orders and their current deadlines, with the order's
// tags and its promise metafield, in one query: after a split, merge or move (new ids), in the
// reconciliation run, and after a write round that landed part of an order's writes (so the
// next round writes only what differs).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { PROMISE_METAFIELD_KEY } from "../../../domain/order-promise-writes.ts";
import { TIER_METAFIELD_NAMESPACE } from "../../../domain/tier-metafields.ts";

export const FULFILLMENT_ORDERS_PER_ORDER = 20;
/** Orders per read: the requested cost (24 points an order) stays far under Shopify's 1000 per query. */
export const MAX_ORDERS_PER_READ = 15;

export const ORDER_FULFILLMENT_ORDERS_QUERY = `#graphql
  query OrderFulfillmentOrders($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Order {
        id
        tags
        promise: metafield(namespace: "${TIER_METAFIELD_NAMESPACE}", key: "${PROMISE_METAFIELD_KEY}") {
          value
        }
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
export type OrderFulfillmentOrdersData = {
  nodes: ({ id: string; tags: string[]; promise: { value: string } | null; fulfillmentOrders: { nodes: FulfillmentOrderDeadline[] } } | Record<string, never> | null)[];
};
/** What an order carries of its promise's writes. */
export type OrderPromiseWrites = { fulfillmentOrders: FulfillmentOrderDeadline[]; tags: string[]; promiseMetafield: string | null };

export const orderFulfillmentOrdersOperation: AdminOperation<OrderFulfillmentOrdersData, OrderFulfillmentOrdersVariables> = {
  name: "OrderFulfillmentOrders",
  query: ORDER_FULFILLMENT_ORDERS_QUERY,
  cost: ({ ids }) => ids.length * (1 + 1 + 2 + FULFILLMENT_ORDERS_PER_ORDER),
};

/** Fulfillment orders, tags and promise metafield per order GID; an order Shopify no longer has is absent. */
export async function readOrderFulfillmentOrders(runner: AdminRunner, orderGids: readonly string[]): Promise<Map<string, OrderPromiseWrites>> {
  const found = new Map<string, OrderPromiseWrites>();
  for (let i = 0; i < orderGids.length; i += MAX_ORDERS_PER_READ) {
    const data = await runner.run(orderFulfillmentOrdersOperation, { ids: orderGids.slice(i, i + MAX_ORDERS_PER_READ) });
    for (const node of data.nodes) if (node && "id" in node) found.set(node.id, { fulfillmentOrders: node.fulfillmentOrders.nodes, tags: node.tags, promiseMetafield: node.promise?.value ?? null });
  }
  return found;
}
