// The one place that decides which Admin API failures are terminal (retrying will
// not help: the app was uninstalled, frozen, lost a scope, or sent something the
// schema refuses) and which are retryable (throttling, Shopify's 5xx, network).
// Jobs rethrow retryable errors so BullMQ backs off; terminal ones stop the job.
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { AdminNetworkError, type AdminGraphqlResponse, type GraphqlErrorEntry } from "./admin-graphql-client.ts";

export type TerminalReason =
  | "unauthorized" // 401: token revoked, app uninstalled
  | "payment_required" // 402: shop frozen for non-payment
  | "forbidden" // 403: missing scope or shop closed
  | "not_found" // 404: shop gone
  | "locked" // 423: shop locked
  | "session_missing" // no offline session (after uninstall)
  | "query_invalid" // validation, access denied, max cost: same request, same answer
  | "user_errors" // the mutation ran and refused the input
  | "bad_response"; // an answer the app cannot interpret

export type RetryableReason = "throttled" | "server_error" | "network";

export class ShopifyTerminalError extends Error {
  override readonly name = "ShopifyTerminalError";
  constructor(
    readonly reason: TerminalReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class ShopifyRetryableError extends Error {
  override readonly name = "ShopifyRetryableError";
  constructor(
    readonly reason: RetryableReason,
    message: string,
    /** How long to wait before trying again, when Shopify said (or the cost budget tells). */
    readonly retryAfterMs: number | null = null,
    readonly status?: number,
  ) {
    super(message);
  }
}

const TERMINAL_STATUS: Record<number, TerminalReason> = { 401: "unauthorized", 402: "payment_required", 403: "forbidden", 404: "not_found", 423: "locked" };

const RETRYABLE_GRAPHQL_CODES = new Set(["THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"]);

function describe(errors: GraphqlErrorEntry[] | null): string {
  return (errors ?? []).map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message)).join("; ") || "no details";
}

export function isThrottled(response: AdminGraphqlResponse): boolean {
  return response.status === 429 || (response.errors ?? []).some((e) => e.extensions?.code === "THROTTLED");
}

/** null when the response is usable; otherwise the error to throw. */
export function errorOfResponse(response: AdminGraphqlResponse, operation: string): ShopifyTerminalError | ShopifyRetryableError | null {
  const { status, errors } = response;
  const what = `${operation} on ${status}: ${describe(errors)}`;
  if (isThrottled(response)) {
    const retryAfterMs = response.retryAfterSeconds !== undefined ? Math.ceil(response.retryAfterSeconds * 1000) : null;
    return new ShopifyRetryableError("throttled", `Throttled: ${what}`, retryAfterMs, status);
  }
  const terminal = TERMINAL_STATUS[status];
  if (terminal) return new ShopifyTerminalError(terminal, `Admin API refused ${what}`, status);
  if (status >= 500) return new ShopifyRetryableError("server_error", `Admin API failed ${what}`, null, status);
  if (status !== 200) return new ShopifyTerminalError("bad_response", `Admin API answered ${what}`, status);
  if (errors?.length) {
    if (errors.some((e) => RETRYABLE_GRAPHQL_CODES.has(String(e.extensions?.code)))) {
      return new ShopifyRetryableError("server_error", `Admin API failed ${what}`, null, status);
    }
    return new ShopifyTerminalError("query_invalid", `Admin API rejected ${what}`, status);
  }
  if (response.data === null || response.data === undefined) return new ShopifyTerminalError("bad_response", `Admin API returned no data for ${operation}`, status);
  return null;
}

const SHOP_UNREACHABLE: ReadonlySet<TerminalReason> = new Set(["session_missing", "unauthorized", "not_found", "payment_required", "locked"]);

/**
 * Why the app cannot reach the shop now (uninstalled, frozen for non-payment,
 * locked, gone), or null when the failure is something else. Jobs skip such a shop
 * without retrying or reporting, and try again when a new cause comes.
 */
export function shopUnreachableReason(classified: ShopifyTerminalError | ShopifyRetryableError | null): TerminalReason | null {
  return classified instanceof ShopifyTerminalError && SHOP_UNREACHABLE.has(classified.reason) ? classified.reason : null;
}

/** Classifies anything thrown while getting a client or sending a request. */
export function classifyShopifyError(error: unknown): ShopifyTerminalError | ShopifyRetryableError | null {
  if (error instanceof ShopifyTerminalError || error instanceof ShopifyRetryableError) return error;
  if (error instanceof SessionNotFoundError) return new ShopifyTerminalError("session_missing", error.message);
  if (error instanceof AdminNetworkError) return new ShopifyRetryableError("network", error.message);
  return null;
}

export function isTerminalShopifyError(error: unknown): boolean {
  return classifyShopifyError(error) instanceof ShopifyTerminalError;
}

export function isRetryableShopifyError(error: unknown): boolean {
  return classifyShopifyError(error) instanceof ShopifyRetryableError;
}
