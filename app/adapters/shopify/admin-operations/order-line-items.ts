// The rest of an order's line items, for the ordinary order reads (reconciliation, orders
// by id): those read the first GIFT_CARD_LINES_READ lines with the order, and an order
// with more has the others read here, a page at a time, so a gift card bought as the
// 11th line is known too. Rare (most orders have a few lines), so one order per request.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { LINE_ITEM_NODE_FIELDS } from "./order-ledger-fields.ts";

/** Lines per follow-up page: 1 + 2 + 250 × 3 = 753 points, under the 1,000-point ceiling. */
export const LINE_ITEMS_PAGE = 250;

export const ORDER_LINE_ITEMS_AFTER_QUERY = `#graphql
  query OrderLineItemsAfter($id: ID!, $first: Int!, $after: String!) {
    node(id: $id) {
      ... on Order {
        updatedAt
        lineItems(first: $first, after: $after) {
          nodes {${LINE_ITEM_NODE_FIELDS}
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

type LineItemsPage = { nodes: unknown[]; pageInfo?: { hasNextPage: boolean; endCursor: string | null } | null };
export type OrderLineItemsAfterVariables = { id: string; first: number; after: string };
export type OrderLineItemsAfterData = { node: { updatedAt?: string; lineItems?: LineItemsPage } | null };

export const orderLineItemsAfterOperation: AdminOperation<OrderLineItemsAfterData, OrderLineItemsAfterVariables> = {
  name: "OrderLineItemsAfter",
  query: ORDER_LINE_ITEMS_AFTER_QUERY,
  cost: ({ first }) => 1 + 2 + first * 3,
};

type OrderNode = { id?: unknown; updatedAt?: unknown; lineItems?: LineItemsPage | null };

/**
 * The order nodes with every line item: each node whose first page of lines says there are
 * more gets the rest appended. An order that changed between the reads (its updatedAt moved)
 * is left out, since its lines would mix two versions; its newer version is read again later
 * (reconciliation reads by update time; the backfill keeps what the bulk file said).
 */
export async function withAllLineItems(runner: AdminRunner, nodes: unknown[]): Promise<unknown[]> {
  const complete: unknown[] = [];
  for (const node of nodes) {
    const order = node as OrderNode;
    let page = order.lineItems?.pageInfo;
    if (!page?.hasNextPage || typeof order.id !== "string") {
      complete.push(node);
      continue;
    }
    const lines = [...(order.lineItems?.nodes ?? [])];
    let changed = false;
    while (page?.hasNextPage && page.endCursor) {
      const data: OrderLineItemsAfterData = await runner.run(orderLineItemsAfterOperation, { id: order.id, first: LINE_ITEMS_PAGE, after: page.endCursor });
      const read = data.node;
      if (!read?.lineItems || read.updatedAt !== order.updatedAt) {
        changed = true;
        break;
      }
      lines.push(...read.lineItems.nodes);
      page = read.lineItems.pageInfo;
    }
    if (!changed) complete.push({ ...order, lineItems: { nodes: lines, pageInfo: { hasNextPage: false, endCursor: null } } });
  }
  return complete;
}
