// Customers' tags and Tierline's app-owned metafields, read before writing so only what
// differs is written (and a merchant's tags are known, never replaced). Many customers a
// request: a shop's first sync after install reads every member it writes, and a request per
// member cost the worker a round trip each (issue 9) and Shopify a request each.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

const METAFIELDS_PAGE = 10;
/** Customers per read: the requested cost (13 points a customer with metafields) stays far under Shopify's 1000 per query. */
export const MAX_CUSTOMERS_PER_READ = 25;

export const CUSTOMERS_TAGS_AND_METAFIELDS_QUERY = `#graphql
  query CustomersTagsAndMetafields($ids: [ID!]!, $namespace: String!, $withMetafields: Boolean!) {
    nodes(ids: $ids) {
      ... on Customer {
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
  }
`;

export type CustomersTagsAndMetafieldsVariables = { ids: string[]; namespace: string; withMetafields: boolean };

export type CustomersTagsAndMetafieldsData = {
  nodes: ({ id: string; tags: string[]; metafields?: { nodes: { key: string; type: string; value: string }[] } } | Record<string, never> | null)[];
};

export const customersTagsAndMetafieldsOperation: AdminOperation<CustomersTagsAndMetafieldsData, CustomersTagsAndMetafieldsVariables> = {
  name: "CustomersTagsAndMetafields",
  query: CUSTOMERS_TAGS_AND_METAFIELDS_QUERY,
  // Per customer: the node 1, plus the connection's 2 and one point per node when asked for.
  cost: ({ ids, withMetafields }) => ids.length * (1 + (withMetafields ? 2 + METAFIELDS_PAGE : 0)),
};

export interface CustomerTagsAndMetafields {
  tags: string[];
  /** Keyed by metafield key (namespace is the app's own); null when not asked for. */
  metafields: Map<string, { type: string; value: string }> | null;
}

/**
 * Up to MAX_CUSTOMERS_PER_READ customers in one request, by GID; a customer Shopify no longer has
 * (deleted) is absent. Metafields cost extra points: ask only when needed.
 */
export async function readCustomersTagsAndMetafields(
  runner: AdminRunner,
  customerGids: readonly string[],
  namespace: string,
  { withMetafields = true }: { withMetafields?: boolean } = {},
): Promise<Map<string, CustomerTagsAndMetafields>> {
  if (customerGids.length > MAX_CUSTOMERS_PER_READ) throw new Error(`at most ${MAX_CUSTOMERS_PER_READ} customers a read, asked for ${customerGids.length}`);
  const found = new Map<string, CustomerTagsAndMetafields>();
  if (customerGids.length === 0) return found;
  const data = await runner.run(customersTagsAndMetafieldsOperation, { ids: [...customerGids], namespace, withMetafields });
  for (const node of data.nodes) {
    if (!node || !("id" in node)) continue;
    const metafields = node.metafields?.nodes;
    found.set(node.id, { tags: node.tags, metafields: metafields ? new Map(metafields.map((m) => [m.key, { type: m.type, value: m.value }])) : null });
  }
  return found;
}
