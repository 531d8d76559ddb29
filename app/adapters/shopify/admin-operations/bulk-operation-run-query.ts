// Starts a bulk query. Shopify runs it in the background and announces the end
// with bulk_operations/finish; the result is a JSONL file at the operation's url.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { ShopifyTerminalError } from "../shopify-errors.ts";
import type { UserError } from "./user-errors.ts";

export const BULK_OPERATION_RUN_QUERY_MUTATION = `#graphql
  mutation BulkOperationRunQuery($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export type BulkOperationRunQueryVariables = { query: string };
export type BulkOperationRunQueryData = {
  bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: UserError[] } | null;
};

export const bulkOperationRunQueryOperation: AdminOperation<BulkOperationRunQueryData, BulkOperationRunQueryVariables> = {
  name: "BulkOperationRunQuery",
  query: BULK_OPERATION_RUN_QUERY_MUTATION,
  cost: () => 10,
};

/** Another bulk query of this app is still running on the shop: try again later. */
export class BulkOperationInProgressError extends Error {
  override readonly name = "BulkOperationInProgressError";
}

/** Starts the bulk query and returns the operation's id. */
export async function runBulkQuery(runner: AdminRunner, query: string): Promise<string> {
  const data = await runner.run(bulkOperationRunQueryOperation, { query });
  const payload = data.bulkOperationRunQuery;
  if (!payload) throw new ShopifyTerminalError("bad_response", "bulkOperationRunQuery returned no payload");
  if (payload.userErrors.some((e) => e.code === "OPERATION_IN_PROGRESS")) {
    throw new BulkOperationInProgressError(payload.userErrors.map((e) => e.message).join("; "));
  }
  if (payload.userErrors.length || !payload.bulkOperation) {
    const details = payload.userErrors.map((e) => `${(e.field ?? []).join(".") || "(input)"}: ${e.message}`).join("; ");
    throw new ShopifyTerminalError("user_errors", `bulkOperationRunQuery refused: ${details || "no operation"}`);
  }
  return payload.bulkOperation.id;
}
