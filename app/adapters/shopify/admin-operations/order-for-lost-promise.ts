// A paid order whose promise job was lost (Redis flushed, the job failed for good), read
// whole from Shopify by the reconciliation: the facts an order webhook would have given the
// promise (buyer, time, destination, the lines that ship) and whether it is still paid and open.
import type { OrderPromiseRequest } from "../../queues/queue-registry.ts";
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

const LINES_PAGE = 100;

export const ORDER_FOR_LOST_PROMISE_QUERY = `#graphql
  query OrderForLostPromise($id: ID!) {
    order(id: $id) {
      id
      name
      createdAt
      cancelledAt
      displayFinancialStatus
      customer {
        id
      }
      shippingAddress {
        countryCodeV2
        provinceCode
      }
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

export type OrderForLostPromiseVariables = { id: string };
export type OrderForLostPromiseData = {
  order: {
    id: string;
    name: string;
    createdAt: string;
    cancelledAt: string | null;
    displayFinancialStatus: string | null;
    customer: { id: string } | null;
    shippingAddress: { countryCodeV2: string | null; provinceCode: string | null } | null;
    lineItems: { nodes: { sku: string | null; requiresShipping: boolean; isGiftCard: boolean; variant: { id: string } | null }[] };
  } | null;
};

export const orderForLostPromiseOperation: AdminOperation<OrderForLostPromiseData, OrderForLostPromiseVariables> = {
  name: "OrderForLostPromise",
  query: ORDER_FOR_LOST_PROMISE_QUERY,
  // order 1, customer 1, address 1; lines 2 + 2 per node (the line and its variant).
  cost: () => 3 + 2 + LINES_PAGE * 2,
};

/** Financial statuses of a paid order, as the webhook path counts them (refunds since do not undo it). */
const PAID = new Set(["PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

export type LostOrder = { status: "promise"; request: OrderPromiseRequest } | { status: "not_found" | "cancelled" | "unpaid" };

export async function readOrderForLostPromise(runner: AdminRunner, orderGid: string): Promise<LostOrder> {
  const { order } = await runner.run(orderForLostPromiseOperation, { id: orderGid });
  if (!order) return { status: "not_found" };
  if (order.cancelledAt) return { status: "cancelled" };
  if (!PAID.has(order.displayFinancialStatus ?? "")) return { status: "unpaid" };
  const address = order.shippingAddress;
  return {
    status: "promise",
    request: {
      orderGid: order.id,
      orderName: order.name,
      customerGid: order.customer?.id ?? null,
      orderedAt: new Date(order.createdAt).toISOString(),
      destination: address?.countryCodeV2 ? { countryCode: address.countryCodeV2, provinceCode: address.provinceCode ?? null } : null,
      lines: order.lineItems.nodes.filter((line) => line.requiresShipping && !line.isGiftCard).map((line) => ({ variantGid: line.variant?.id ?? null, sku: line.sku || null })),
    },
  };
}
