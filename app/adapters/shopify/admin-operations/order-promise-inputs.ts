// What Shopify knows that a delivery promise needs, in one query: the order's
// fulfillment orders with what their delivery methods promised the buyer at checkout
// (Shop Promise, latest delivery date), and the stock of the order's variants.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

/** An order with more fulfillment orders than this has its deadline applied by the reconciliation's read. */
export const FULFILLMENT_ORDERS_PAGE = 20;
/** Variants read per order; lines beyond it count as in stock (and a warning is logged by the caller). */
export const MAX_VARIANTS = 100;

export const ORDER_PROMISE_INPUTS_QUERY = `#graphql
  query OrderPromiseInputs($id: ID!, $variantIds: [ID!]!) {
    order(id: $id) {
      id
      cancelledAt
      fulfillmentOrders(first: ${FULFILLMENT_ORDERS_PAGE}) {
        nodes {
          id
          status
          fulfillBy
          deliveryMethod {
            methodType
            maxDeliveryDateTime
            brandedPromise {
              handle
            }
          }
        }
      }
    }
    nodes(ids: $variantIds) {
      ... on ProductVariant {
        id
        inventoryQuantity
      }
    }
  }
`;

export type OrderPromiseInputsVariables = { id: string; variantIds: string[] };

export type PromiseFulfillmentOrder = {
  id: string;
  status: string;
  fulfillBy: string | null;
  deliveryMethod: { methodType: string; maxDeliveryDateTime: string | null; brandedPromise: { handle: string } | null } | null;
};

export type OrderPromiseInputsData = {
  order: { id: string; cancelledAt: string | null; fulfillmentOrders: { nodes: PromiseFulfillmentOrder[] } } | null;
  nodes: ({ id: string; inventoryQuantity: number | null } | Record<string, never> | null)[];
};

export const orderPromiseInputsOperation: AdminOperation<OrderPromiseInputsData, OrderPromiseInputsVariables> = {
  name: "OrderPromiseInputs",
  query: ORDER_PROMISE_INPUTS_QUERY,
  // order 1; fulfillment orders 2 + 3 per node (itself, delivery method, branded promise); 1 per variant.
  cost: ({ variantIds }) => 1 + 2 + FULFILLMENT_ORDERS_PAGE * 3 + variantIds.length,
};

export type OrderPromiseInputs = {
  cancelled: boolean;
  fulfillmentOrders: PromiseFulfillmentOrder[];
  /** Available quantity per variant after this order took its units (negative: oversold). */
  inventory: Map<string, number | null>;
};

/** null when Shopify has no such order (deleted). */
export async function readOrderPromiseInputs(runner: AdminRunner, orderGid: string, variantGids: readonly string[]): Promise<OrderPromiseInputs | null> {
  const variantIds = [...new Set(variantGids)].slice(0, MAX_VARIANTS);
  const data = await runner.run(orderPromiseInputsOperation, { id: orderGid, variantIds });
  if (!data.order) return null;
  const inventory = new Map<string, number | null>();
  for (const node of data.nodes) if (node && "id" in node) inventory.set(node.id, node.inventoryQuantity);
  return { cancelled: data.order.cancelledAt !== null, fulfillmentOrders: data.order.fulfillmentOrders.nodes, inventory };
}
