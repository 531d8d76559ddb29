// What Shopify knows that a delivery promise needs, in one query: the order's
// fulfillment orders with what their delivery methods promised the buyer at checkout
// (Shop Promise, latest delivery date), and the stock of the order's variants.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

/** An order with more fulfillment orders than this has its deadline applied by the reconciliation's read. */
export const FULFILLMENT_ORDERS_PAGE = 20;
/** Variants read per order; lines beyond it count as in stock (and a warning is logged by the caller). */
export const MAX_VARIANTS = 100;

/** Orders read together: the requested cost (63 points an order, plus its variants) stays far under Shopify's 1,000 per query. */
export const MAX_ORDERS_PER_READ = 12;

export const ORDER_PROMISE_INPUTS_QUERY = `#graphql
  query OrderPromiseInputs($ids: [ID!]!, $variantIds: [ID!]!) {
    orders: nodes(ids: $ids) {
      ... on Order {
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
    }
    variants: nodes(ids: $variantIds) {
      ... on ProductVariant {
        id
        inventoryQuantity
      }
    }
  }
`;

export type OrderPromiseInputsVariables = { ids: string[]; variantIds: string[] };

export type PromiseFulfillmentOrder = {
  id: string;
  status: string;
  fulfillBy: string | null;
  deliveryMethod: { methodType: string; maxDeliveryDateTime: string | null; brandedPromise: { handle: string } | null } | null;
};

type OrderNode = { id: string; cancelledAt: string | null; fulfillmentOrders: { nodes: PromiseFulfillmentOrder[] } };

export type OrderPromiseInputsData = {
  orders: (OrderNode | Record<string, never> | null)[];
  variants: ({ id: string; inventoryQuantity: number | null } | Record<string, never> | null)[];
};

export const orderPromiseInputsOperation: AdminOperation<OrderPromiseInputsData, OrderPromiseInputsVariables> = {
  name: "OrderPromiseInputs",
  query: ORDER_PROMISE_INPUTS_QUERY,
  // per order 1; fulfillment orders 2 + 3 per node (itself, delivery method, branded promise); 1 per variant.
  cost: ({ ids, variantIds }) => ids.length * (1 + 2 + FULFILLMENT_ORDERS_PAGE * 3) + variantIds.length,
};

export type OrderPromiseInputs = {
  cancelled: boolean;
  fulfillmentOrders: PromiseFulfillmentOrder[];
  /** Available quantity per variant after this order took its units (negative: oversold). */
  inventory: Map<string, number | null>;
};

type Waiting = { runner: AdminRunner; orderGid: string; variantIds: string[]; resolve: (inputs: OrderPromiseInputs | null) => void; reject: (error: unknown) => void };

/**
 * Reads asked for while one of the shop's is in flight, sent together when it is back. Runners
 * that never wait (a webhook job's) batch apart from those that do: a batch is sent by its first
 * runner, and a read that waits on the budget must not hold a webhook job's lane.
 */
const waitingByShop = new Map<string, Waiting[]>();
const batchKey = (runner: AdminRunner) => (runner.waits === false ? `${runner.shop} now` : runner.shop);

/**
 * null when Shopify has no such order (deleted). Orders whose promises are made while a read of
 * the same shop is in flight are read together in the next query (up to MAX_ORDERS_PER_READ):
 * one request instead of one per order, for the same points (every object counts); a lone order
 * is read at once. A failed query fails every order in it.
 */
export function readOrderPromiseInputs(runner: AdminRunner, orderGid: string, variantGids: readonly string[]): Promise<OrderPromiseInputs | null> {
  const variantIds = [...new Set(variantGids)].slice(0, MAX_VARIANTS);
  return new Promise((resolve, reject) => {
    const key = batchKey(runner);
    const waiting = waitingByShop.get(key);
    if (waiting) {
      waiting.push({ runner, orderGid, variantIds, resolve, reject });
      return;
    }
    const queue: Waiting[] = [{ runner, orderGid, variantIds, resolve, reject }];
    waitingByShop.set(key, queue);
    void readWaiting(key, queue);
  });
}

async function readWaiting(key: string, queue: Waiting[]): Promise<void> {
  try {
    while (queue.length > 0) {
      const batch: Waiting[] = [];
      const variantIds = new Set<string>();
      while (queue.length > 0 && batch.length < MAX_ORDERS_PER_READ && (batch.length === 0 || variantIds.size + queue[0].variantIds.length <= MAX_VARIANTS)) {
        const next = queue.shift()!;
        batch.push(next);
        for (const id of next.variantIds) variantIds.add(id);
      }
      try {
        const data = await batch[0].runner.run(orderPromiseInputsOperation, { ids: [...new Set(batch.map((w) => w.orderGid))], variantIds: [...variantIds] });
        const orders = new Map<string, OrderNode>();
        for (const node of data.orders) if (node && "id" in node) orders.set(node.id, node as OrderNode);
        const stock = new Map<string, number | null>();
        for (const node of data.variants) if (node && "id" in node) stock.set(node.id, node.inventoryQuantity);
        for (const waiting of batch) {
          const order = orders.get(waiting.orderGid);
          if (!order) {
            waiting.resolve(null);
            continue;
          }
          const inventory = new Map<string, number | null>();
          for (const id of waiting.variantIds) if (stock.has(id)) inventory.set(id, stock.get(id)!);
          waiting.resolve({ cancelled: order.cancelledAt !== null, fulfillmentOrders: order.fulfillmentOrders.nodes, inventory });
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
  } finally {
    waitingByShop.delete(key);
  }
}
