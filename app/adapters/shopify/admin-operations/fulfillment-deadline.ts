// Sets the ship-by deadline (FulfillmentOrder.fulfillBy) of many fulfillment orders
// at once: one deadline per call, so orders that share a deadline share a call.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

/** Fulfillment orders per call (Shopify's input limit for ID lists). */
export const MAX_DEADLINE_FULFILLMENT_ORDERS = 250;

export const FULFILLMENT_DEADLINE_MUTATION = `#graphql
  mutation FulfillmentOrdersSetFulfillmentDeadline($fulfillmentOrderIds: [ID!]!, $fulfillmentDeadline: DateTime!) {
    fulfillmentOrdersSetFulfillmentDeadline(fulfillmentOrderIds: $fulfillmentOrderIds, fulfillmentDeadline: $fulfillmentDeadline) {
      success
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export type FulfillmentDeadlineVariables = { fulfillmentOrderIds: string[]; fulfillmentDeadline: string };
export type FulfillmentDeadlineData = { fulfillmentOrdersSetFulfillmentDeadline: { success: boolean | null; userErrors: UserError[] } | null };

export const fulfillmentDeadlineOperation: AdminOperation<FulfillmentDeadlineData, FulfillmentDeadlineVariables> = {
  name: "FulfillmentOrdersSetFulfillmentDeadline",
  query: FULFILLMENT_DEADLINE_MUTATION,
  cost: () => 10,
};

export async function setFulfillmentDeadline(runner: AdminRunner, fulfillmentOrderIds: string[], deadline: Date): Promise<void> {
  const data = await runner.run(fulfillmentDeadlineOperation, { fulfillmentOrderIds, fulfillmentDeadline: deadline.toISOString() });
  throwOnUserErrors("fulfillmentOrdersSetFulfillmentDeadline", data.fulfillmentOrdersSetFulfillmentDeadline);
}
