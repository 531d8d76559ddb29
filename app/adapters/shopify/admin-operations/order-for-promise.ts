// An order's lines as a promise reads them when no webhook payload is at hand (a
// merchant's request to recompute; buyer, time and destination are on the promise row).
import type { OrderPromiseRequest } from "../../queues/queue-registry.ts";
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

const LINES_PAGE = 100;

export const ORDER_FOR_PROMISE_QUERY = `#graphql
  query OrderForPromise($id: ID!) {
    order(id: $id) {
      id
      lineItems(first: ${LINES_PAGE}) {
        nodes {
          sku
          requiresShipping
          isGiftCard
          variant {
            id
          }
        }
      }
    }
  }
`;

export type OrderForPromiseVariables = { id: string };
export type OrderForPromiseData = {
  order: {
    id: string;
    lineItems: { nodes: { sku: string | null; requiresShipping: boolean; isGiftCard: boolean; variant: { id: string } | null }[] };
  } | null;
};

export const orderForPromiseOperation: AdminOperation<OrderForPromiseData, OrderForPromiseVariables> = {
  name: "OrderForPromise",
  query: ORDER_FOR_PROMISE_QUERY,
  // order 1; lines 2 + 2 per node (the line and its variant).
  cost: () => 1 + 2 + LINES_PAGE * 2,
};

/** The lines that ship (as an order webhook's payload lists them); null when Shopify has no such order. */
export async function readOrderLinesForPromise(runner: AdminRunner, orderGid: string): Promise<OrderPromiseRequest["lines"] | null> {
  const { order } = await runner.run(orderForPromiseOperation, { id: orderGid });
  if (!order) return null;
  return order.lineItems.nodes.filter((line) => line.requiresShipping && !line.isGiftCard).map((line) => ({ variantGid: line.variant?.id ?? null, sku: line.sku || null }));
}
