// A customer's tags and Tierline's app-owned metafields, read before writing so
// only what differs is written (and a merchant's tags are known, never replaced).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

const METAFIELDS_PAGE = 10;

export const CUSTOMER_TAGS_AND_METAFIELDS_QUERY = `#graphql
  query CustomerTagsAndMetafields($id: ID!, $namespace: String!) {
    customer(id: $id) {
      id
      tags
      metafields(first: ${METAFIELDS_PAGE}, namespace: $namespace) {
        nodes {
          key
          type
          value
        }
      }
    }
  }
`;

export type CustomerTagsAndMetafieldsVariables = { id: string; namespace: string };

export type CustomerTagsAndMetafieldsData = {
  customer: {
    id: string;
    tags: string[];
    metafields: { nodes: { key: string; type: string; value: string }[] };
  } | null;
};

export const customerTagsAndMetafieldsOperation: AdminOperation<CustomerTagsAndMetafieldsData, CustomerTagsAndMetafieldsVariables> = {
  name: "CustomerTagsAndMetafields",
  query: CUSTOMER_TAGS_AND_METAFIELDS_QUERY,
  // customer 1 + connection 2 + one point per node.
  cost: () => 3 + METAFIELDS_PAGE,
};

export interface CustomerTagsAndMetafields {
  tags: string[];
  /** Keyed by metafield key (namespace is the app's own). */
  metafields: Map<string, { type: string; value: string }>;
}

/** null when Shopify has no such customer (deleted). */
export async function readCustomerTagsAndMetafields(runner: AdminRunner, customerGid: string, namespace: string): Promise<CustomerTagsAndMetafields | null> {
  const data = await runner.run(customerTagsAndMetafieldsOperation, { id: customerGid, namespace });
  if (!data.customer) return null;
  return {
    tags: data.customer.tags,
    metafields: new Map(data.customer.metafields.nodes.map((m) => [m.key, { type: m.type, value: m.value }])),
  };
}
