// A bulk operation's state, by id: polled as a fallback when the
// bulk_operations/finish webhook does not come, and read before downloading to
// get a fresh result url (urls expire).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const BULK_OPERATION_STATUS_QUERY = `#graphql
  query BulkOperationStatus($id: ID!) {
    node(id: $id) {
      ... on BulkOperation {
        id
        status
        errorCode
        objectCount
        rootObjectCount
        url
        partialDataUrl
        createdAt
        completedAt
      }
    }
  }
`;

export type BulkOperationStatusVariables = { id: string };

export type BulkOperationStatusValue = "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";

export interface BulkOperationState {
  id: string;
  status: BulkOperationStatusValue;
  errorCode: string | null;
  /** UnsignedInt64 as a decimal string. */
  objectCount: string;
  rootObjectCount: string;
  url: string | null;
  partialDataUrl: string | null;
  createdAt: string;
  completedAt: string | null;
}

export type BulkOperationStatusData = { node: BulkOperationState | Record<string, never> | null };

export const bulkOperationStatusOperation: AdminOperation<BulkOperationStatusData, BulkOperationStatusVariables> = {
  name: "BulkOperationStatus",
  query: BULK_OPERATION_STATUS_QUERY,
  cost: () => 1,
};

/** null when Shopify knows no such operation. */
export async function readBulkOperation(runner: AdminRunner, id: string): Promise<BulkOperationState | null> {
  const data = await runner.run(bulkOperationStatusOperation, { id });
  return data.node && "status" in data.node ? (data.node as BulkOperationState) : null;
}

export const BULK_OPERATION_DONE: ReadonlySet<BulkOperationStatusValue> = new Set(["COMPLETED", "CANCELED", "FAILED", "EXPIRED"]);
