// One mutation run once per line of variables by a Shopify bulk operation: the variables
// are uploaded as JSONL to a staged upload target (stagedUploadsCreate, then a multipart POST) and
// bulkOperationRunMutation starts the run. Nobody waits for it: Shopify sends bulk_operations/finish
// when it is done, and then its result file (one line per input line, `__lineNumber`) is read.
// Only the two mutations spend the shop's rate-limit bucket (10 points each), whatever the number
// of lines; reading the finished operation's state costs 1.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { classifyShopifyError, ShopifyRetryableError, ShopifyTerminalError } from "../shopify-errors.ts";
import type { BulkOperationState } from "./bulk-operation-status.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const STAGED_UPLOADS_CREATE_MUTATION = `#graphql
  mutation StagedUploadsCreate($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets {
        url
        parameters {
          name
          value
        }
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export type StagedUploadsCreateVariables = { input: { resource: "BULK_MUTATION_VARIABLES"; filename: string; mimeType: string; httpMethod: "POST" }[] };
export type StagedUploadsCreateData = {
  stagedUploadsCreate: { stagedTargets: { url: string | null; parameters: { name: string; value: string }[] }[] | null; userErrors: UserError[] } | null;
};

export const stagedUploadsCreateOperation: AdminOperation<StagedUploadsCreateData, StagedUploadsCreateVariables> = {
  name: "StagedUploadsCreate",
  query: STAGED_UPLOADS_CREATE_MUTATION,
  cost: () => 10,
};

export const BULK_OPERATION_RUN_MUTATION = `#graphql
  mutation BulkOperationRunMutation($mutation: String!, $stagedUploadPath: String!) {
    bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
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

export type BulkOperationRunMutationVariables = { mutation: string; stagedUploadPath: string };
export type BulkOperationRunMutationData = {
  bulkOperationRunMutation: { bulkOperation: { id: string; status: string } | null; userErrors: (UserError & { code?: string | null })[] } | null;
};

export const bulkOperationRunMutationOperation: AdminOperation<BulkOperationRunMutationData, BulkOperationRunMutationVariables> = {
  name: "BulkOperationRunMutation",
  query: BULK_OPERATION_RUN_MUTATION,
  cost: () => 10,
};

/** One input line's outcome: the mutation's data, or the errors that stopped it. */
export type BulkMutationLine = { data: Record<string, unknown> | null; errors: { message: string }[] | null };

/** How the upload and the result download are fetched (Shopify's storage, not the Admin API). */
export type StorageFetch = typeof fetch;

/**
 * Starts `mutation` once per variables object. Returns the operation's GID, or null when another
 * bulk mutation of the app is running on the shop (one at a time): the caller then writes directly.
 */
export async function startBulkMutation(runner: AdminRunner, mutation: string, lines: readonly Record<string, unknown>[], fetchImpl: StorageFetch = fetch): Promise<string | null> {
  const staged = await runner.run(stagedUploadsCreateOperation, { input: [{ resource: "BULK_MUTATION_VARIABLES", filename: "variables.jsonl", mimeType: "text/jsonl", httpMethod: "POST" }] });
  throwOnUserErrors("stagedUploadsCreate", staged.stagedUploadsCreate);
  const target = staged.stagedUploadsCreate?.stagedTargets?.[0];
  const key = target?.parameters.find((p) => p.name === "key")?.value;
  if (!target?.url || !key) throw new ShopifyTerminalError("bad_response", "stagedUploadsCreate returned no target");

  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append("file", new Blob([lines.map((line) => JSON.stringify(line)).join("\n")], { type: "text/jsonl" }), "variables.jsonl");
  const uploaded = await fetchImpl(target.url, { method: "POST", body: form });
  if (!uploaded.ok) throw new ShopifyRetryableError("network", `staged upload answered ${uploaded.status}`);

  let started: BulkOperationRunMutationData;
  try {
    started = await runner.run(bulkOperationRunMutationOperation, { mutation, stagedUploadPath: key });
  } catch (error) {
    // No answer, or a 5xx: Shopify may have started it. Throttling means it did not run.
    const classified = classifyShopifyError(error);
    if (classified instanceof ShopifyRetryableError && classified.reason !== "throttled") throw new BulkStartUnanswered(classified);
    throw error;
  }
  const payload = started.bulkOperationRunMutation;
  if (payload?.userErrors.some((e) => e.code === "OPERATION_IN_PROGRESS")) return null;
  throwOnUserErrors("bulkOperationRunMutation", payload);
  if (!payload?.bulkOperation) throw new ShopifyTerminalError("bad_response", "bulkOperationRunMutation returned no operation");
  return payload.bulkOperation.id;
}

/** bulkOperationRunMutation got no answer (or a 5xx): the operation may be running. */
export class BulkStartUnanswered extends ShopifyRetryableError {
  constructor(cause: ShopifyRetryableError) {
    super(cause.reason, `bulkOperationRunMutation got no answer, it may have started: ${cause.message}`);
  }
}

export const CURRENT_BULK_MUTATION_QUERY = `#graphql
  query CurrentBulkMutation {
    currentBulkOperation(type: MUTATION) {
      id
      status
    }
  }
`;

export type CurrentBulkMutationData = { currentBulkOperation: { id: string; status: string } | null };

export const currentBulkMutationOperation: AdminOperation<CurrentBulkMutationData, Record<string, never>> = {
  name: "CurrentBulkMutation",
  query: CURRENT_BULK_MUTATION_QUERY,
  cost: () => 1,
};

/** The app's bulk mutation Shopify is running on the shop now (created, running or being cancelled), or null. */
export async function runningBulkMutation(runner: AdminRunner): Promise<string | null> {
  const current = (await runner.run(currentBulkMutationOperation, {})).currentBulkOperation;
  return current && ["CREATED", "RUNNING", "CANCELING"].includes(current.status) ? current.id : null;
}

/**
 * The outcome of each input line of a finished bulk mutation, by line number. A line the file
 * does not report (the operation failed, was cancelled or expired before it ran) gets an error.
 */
export async function readBulkMutationResult(state: BulkOperationState, lineNumbers: readonly number[], fetchImpl: StorageFetch = fetch): Promise<Map<number, BulkMutationLine>> {
  const outcomes = new Map<number, BulkMutationLine>(
    lineNumbers.map((n) => [n, { data: null, errors: [{ message: `bulk operation ${state.status.toLowerCase()} (${state.errorCode ?? "no error code"}) before this line ran` }] }]),
  );
  const url = state.url ?? state.partialDataUrl;
  if (!url) return outcomes;
  const result = await fetchImpl(url);
  if (!result.ok) throw new ShopifyRetryableError("network", `bulk result download answered ${result.status}`);
  for (const text of (await result.text()).split("\n")) {
    if (!text.trim()) continue;
    const line = JSON.parse(text) as { data?: Record<string, unknown>; errors?: { message: string }[]; __lineNumber?: number };
    if (typeof line.__lineNumber !== "number" || !outcomes.has(line.__lineNumber)) continue;
    outcomes.set(line.__lineNumber, { data: line.data ?? null, errors: line.errors?.length ? line.errors : null });
  }
  return outcomes;
}
