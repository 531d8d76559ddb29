// One page of customers updated after an instant, oldest change first, with only what
// customers/create|update would have told the app: reconciliation's way of finding
// customer webhooks that never came (a customer who never orders is heard of no other way).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import type { CustomerRecord } from "../webhook-payloads.ts";
import { updatedAfterQuery } from "./orders-updated-since.ts";

/** 2 + 2 points a customer (the customer and its email object): 202 points a page. */
export const CUSTOMERS_UPDATED_PAGE = 100;

export const CUSTOMERS_UPDATED_SINCE_QUERY = `#graphql
  query CustomersUpdatedSince($first: Int!, $after: String, $query: String!) {
    customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        updatedAt
        firstName
        lastName
        defaultEmailAddress {
          emailAddress
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export type CustomersUpdatedSinceVariables = { first: number; after: string | null; query: string };
type CustomerNode = { id: string; updatedAt: string; firstName: string | null; lastName: string | null; defaultEmailAddress: { emailAddress: string | null } | null };
export type CustomersUpdatedSinceData = {
  customers: { nodes: CustomerNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

export const customersUpdatedSinceOperation: AdminOperation<CustomersUpdatedSinceData, CustomersUpdatedSinceVariables> = {
  name: "CustomersUpdatedSince",
  query: CUSTOMERS_UPDATED_SINCE_QUERY,
  // The connection's 2, and per customer 1 plus 1 for defaultEmailAddress.
  cost: ({ first }) => 2 + first * 2,
};

export async function readCustomersUpdatedSince(runner: AdminRunner, since: Date, after: string | null, first = CUSTOMERS_UPDATED_PAGE) {
  const data = await runner.run(customersUpdatedSinceOperation, { first, after, query: updatedAfterQuery(since) });
  // The same record a customers/create|update payload maps to.
  const customers: CustomerRecord[] = data.customers.nodes.map((c) => ({
    customerGid: c.id,
    updatedAt: new Date(c.updatedAt),
    email: c.defaultEmailAddress?.emailAddress ?? null,
    firstName: c.firstName,
    lastName: c.lastName,
  }));
  return { customers, pageInfo: data.customers.pageInfo };
}
