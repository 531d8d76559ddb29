// The Admin GraphQL client the use-cases see: one request method that answers
// Shopify's body ({ data, errors, extensions }) and the HTTP status, and never
// throws for a GraphQL or HTTP error (shopify-errors.ts decides what those mean).
// Two ways to get one: from shopify-app-remix's `admin.graphql` (production), or
// straight over fetch with an offline token (tests, scripts, the simulator).
import { GraphqlQueryError, HttpMaxRetriesError, HttpRequestError, HttpResponseError } from "@shopify/shopify-api";
import { API_VERSION } from "./api-version.ts";

export interface GraphqlErrorEntry {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
  path?: (string | number)[];
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface AdminGraphqlResponse<T = unknown> {
  /** HTTP status (200 for GraphQL-level errors such as THROTTLED in the body). */
  status: number;
  data: T | null;
  errors: GraphqlErrorEntry[] | null;
  extensions: { cost?: QueryCost; [key: string]: unknown } | null;
  /** Seconds, from Retry-After on a 429. */
  retryAfterSeconds?: number;
}

export interface AdminGraphqlClient {
  readonly shop: string;
  request<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<AdminGraphqlResponse<T>>;
}

/** A request that never reached Shopify or got no answer (DNS, reset, timeout). Retryable. */
export class AdminNetworkError extends Error {
  override readonly name = "AdminNetworkError";
}

type Body = { data?: unknown; errors?: unknown; extensions?: AdminGraphqlResponse["extensions"] };

function normalizeErrors(errors: unknown): GraphqlErrorEntry[] | null {
  if (errors === undefined || errors === null) return null;
  if (Array.isArray(errors)) return errors.length ? (errors as GraphqlErrorEntry[]) : null;
  if (typeof errors === "string") return [{ message: errors }];
  // REST-style { errors: { query: "..." } } and the client library's wrapped shape.
  const wrapped = errors as { graphQLErrors?: unknown; message?: string };
  if (Array.isArray(wrapped.graphQLErrors)) return normalizeErrors(wrapped.graphQLErrors);
  return [{ message: typeof wrapped.message === "string" ? wrapped.message : JSON.stringify(errors) }];
}

export function responseFromBody<T>(status: number, body: Body | null, retryAfterSeconds?: number): AdminGraphqlResponse<T> {
  return {
    status,
    data: (body?.data ?? null) as T | null,
    errors: normalizeErrors(body?.errors),
    extensions: body?.extensions ?? null,
    ...(retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? { retryAfterSeconds } : {}),
  };
}

/** An answer read as text: its JSON body (a non-JSON body becomes an error entry) and Retry-After. */
export function responseFromText<T>(status: number, text: string, retryAfter: string | null | undefined): AdminGraphqlResponse<T> {
  let body: Body | null = null;
  try {
    body = text ? (JSON.parse(text) as Body) : null;
  } catch {
    body = { errors: [{ message: `Non-JSON answer (HTTP ${status}): ${text.slice(0, 200)}` }] };
  }
  return responseFromBody<T>(status, body, retryAfter ? Number.parseFloat(retryAfter) : undefined);
}

/** The part of shopify-app-remix's admin context this needs. */
export interface ShopifyAdminGraphql {
  graphql(query: string, options?: { variables?: Record<string, unknown> }): Promise<Response>;
}

/**
 * Adapts `unauthenticated.admin(shop)`'s `admin` to AdminGraphqlClient. The library throws for
 * GraphQL errors in a 200 body (GraphqlQueryError) and for HTTP errors (HttpResponseError);
 * both are turned back into a response so shopify-errors.ts classifies every path the same way.
 */
export function adminGraphqlClientFromShopify(shop: string, admin: ShopifyAdminGraphql): AdminGraphqlClient {
  return {
    shop,
    async request<T>(query: string, variables?: Record<string, unknown>) {
      try {
        const response = await admin.graphql(query, { variables });
        return responseFromBody<T>(200, (await response.json()) as Body);
      } catch (error) {
        if (error instanceof GraphqlQueryError) {
          const body = (error.body ?? {}) as Body;
          return responseFromBody<T>(200, { data: body.data, errors: body.errors ?? [{ message: error.message }], extensions: body.extensions });
        }
        if (error instanceof HttpResponseError) {
          const { code, body, retryAfter } = error.response as { code: number; body?: Body; retryAfter?: number };
          const errors = normalizeErrors(body?.errors) ?? [{ message: error.message }];
          return responseFromBody<T>(code, { data: body?.data ?? null, errors, extensions: body?.extensions }, retryAfter);
        }
        if (error instanceof HttpMaxRetriesError) return responseFromBody<T>(429, { errors: [{ message: error.message }] });
        if (error instanceof HttpRequestError) throw new AdminNetworkError(error.message);
        throw error;
      }
    },
  };
}

export interface FetchClientOptions {
  shop: string;
  accessToken: string;
  /** Defaults to https://{shop}. Another origin (the simulator) gets the shop in X-Forwarded-Host. */
  origin?: string;
  apiVersion?: string;
  fetch?: typeof fetch;
}

/** A plain-fetch client with an offline access token. */
export function createFetchAdminGraphqlClient(options: FetchClientOptions): AdminGraphqlClient {
  const origin = (options.origin ?? `https://${options.shop}`).replace(/\/+$/, "");
  const url = `${origin}/admin/api/${options.apiVersion ?? API_VERSION}/graphql.json`;
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json",
    "X-Shopify-Access-Token": options.accessToken,
  };
  if (new URL(origin).host !== options.shop) headers["X-Forwarded-Host"] = options.shop;
  return {
    shop: options.shop,
    async request<T>(query: string, variables?: Record<string, unknown>) {
      let response: Response;
      try {
        response = await doFetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables: variables ?? {} }) });
      } catch (error) {
        throw new AdminNetworkError(`Admin API request to ${options.shop} failed: ${(error as Error).message}`);
      }
      return responseFromText<T>(response.status, await response.text(), response.headers.get("Retry-After"));
    },
  };
}
