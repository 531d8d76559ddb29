// A customer's tags and Tierline's app-owned metafields, read before writing so
// only what differs is written (and a merchant's tags are known, never replaced).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

const METAFIELDS_PAGE = 10;

export const CUSTOMER_TAGS_AND_METAFIELDS_QUERY = `#graphql
  query CustomerTagsAndMetafields($id: ID!, $namespace: String!, $withMetafields: Boolean!) {
    customer(id: $id) {
      id
      tags
      metafields(first: ${METAFIELDS_PAGE}, namespace: $namespace) @include(if: $withMetafields) {
        nodes {
          key
          type
          value
        }
      }
    }
  }
`;

export type CustomerTagsAndMetafieldsVariables = { id: string; namespace: string; withMetafields: boolean };

export type CustomerTagsAndMetafieldsData = {
  customer: {
    id: string;
    tags: string[];
    metafields?: { nodes: { key: string; type: string; value: string }[] };
  } | null;
};

export const customerTagsAndMetafieldsOperation: AdminOperation<CustomerTagsAndMetafieldsData, CustomerTagsAndMetafieldsVariables> = {
  name: "CustomerTagsAndMetafields",
  query: CUSTOMER_TAGS_AND_METAFIELDS_QUERY,
  // customer 1, plus the connection's 2 and one point per node when asked for.
  cost: ({ withMetafields }) => 1 + (withMetafields ? 2 + METAFIELDS_PAGE : 0),
};

export interface CustomerTagsAndMetafields {
  tags: string[];
  /** Keyed by metafield key (namespace is the app's own); null when not asked for. */
  metafields: Map<string, { type: string; value: string }> | null;
}

/** null when Shopify has no such customer (deleted). Metafields cost extra points: ask only when needed. */
export async function readCustomerTagsAndMetafields(
  runner: AdminRunner,
  customerGid: string,
  namespace: string,
  { withMetafields = true }: { withMetafields?: boolean } = {},
): Promise<CustomerTagsAndMetafields | null> {
  const data = await runner.run(customerTagsAndMetafieldsOperation, { id: customerGid, namespace, withMetafields });
  if (!data.customer) return null;
  const nodes = data.customer.metafields?.nodes;
  return {
    tags: data.customer.tags,
    metafields: nodes ? new Map(nodes.map((m) => [m.key, { type: m.type, value: m.value }])) : null,
  };
}
