// The worker's way to a shop's Admin API: the shop's offline access token, read
// with one prepared statement and kept for a minute, and GraphQL over node:http
// on keep-alive sockets. shopify-app-remix's `unauthenticated.admin(shop)` loads
// the session through Prisma and builds a fresh client on every call, and its
// fetch (undici) costs several times a plain request: on the order path, where
// each paid order reads and writes Shopify, that was a fifth of the worker's CPU
// (issue 9). The library's path stays for what this one does not cover: a token
// that expires (refreshed there) is never used from here.
import http from "node:http";
import https from "node:https";
import type { Db } from "../../db.server.ts";
import { sqlOf } from "../db/hot-path-sql.server.ts";
import { AdminNetworkError, responseFromBody, responseFromText, type AdminGraphqlClient } from "./admin-graphql-client.ts";
import { API_VERSION } from "./api-version.ts";

export interface OfflineAdminClientOptions {
  db: Db;
  /** Another origin than https://{shop} (the local simulator; loopback only, checked by env.server.ts). */
  origin?: string;
  apiVersion?: string;
  /** How long a token read from the database is used before it is read again. */
  tokenTtlMs?: number;
  /** No answer within this: the request fails as a network error (retryable). */
  timeoutMs?: number;
  now?: () => number;
}

interface CachedToken {
  accessToken: string;
  readAt: number;
}

/**
 * `clientFor(shop)`: an Admin GraphQL client with the shop's offline token, or null when
 * the app holds no usable offline session (not installed, or a token that expires: the
 * caller falls back to the library). A 401 drops the cached token and reads it again once
 * (a reinstall made a new one); a second 401 is answered as it came.
 */
export function createOfflineAdminClients(options: OfflineAdminClientOptions) {
  const apiVersion = options.apiVersion ?? API_VERSION;
  const ttlMs = options.tokenTtlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  const origin = options.origin ? new URL(options.origin) : null;
  const secure = origin ? origin.protocol === "https:" : true;
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 32 }) : new http.Agent({ keepAlive: true, maxSockets: 32 });
  const tokens = new Map<string, CachedToken>();

  async function readToken(shop: string): Promise<string | null> {
    const rows = await sqlOf(options.db).all(`SELECT "accessToken", "expires" FROM "Session" WHERE "id" = ?`, [`offline_${shop}`]);
    const row = rows[0];
    if (!row || row.expires !== null || typeof row.accessToken !== "string" || !row.accessToken) return null;
    return row.accessToken;
  }

  async function token(shop: string, fresh = false): Promise<string | null> {
    const cached = tokens.get(shop);
    if (!fresh && cached && now() - cached.readAt < ttlMs) return cached.accessToken;
    const accessToken = await readToken(shop);
    if (accessToken === null) tokens.delete(shop);
    else tokens.set(shop, { accessToken, readAt: now() });
    return accessToken;
  }

  function post(shop: string, accessToken: string, body: string): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        {
          agent,
          method: "POST",
          host: origin ? origin.hostname : shop,
          port: origin?.port || undefined,
          path: `/admin/api/${apiVersion}/graphql.json`,
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "Content-Length": Buffer.byteLength(body),
            "X-Shopify-Access-Token": accessToken,
            "User-Agent": "Tierline",
            // The simulator serves many shops on one origin, as a reverse proxy would.
            ...(origin ? { "X-Forwarded-Host": shop } : {}),
          },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), retryAfter: response.headers["retry-after"] }));
          response.on("error", reject);
        },
      );
      request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on("error", reject);
      request.end(body);
    });
  }

  async function clientFor(shop: string): Promise<AdminGraphqlClient | null> {
    if ((await token(shop)) === null) return null;
    return {
      shop,
      async request<T>(query: string, variables?: Record<string, unknown>) {
        const body = JSON.stringify({ query, variables: variables ?? {} });
        let answer;
        for (let attempt = 0; ; attempt++) {
          const accessToken = await token(shop, attempt > 0);
          if (accessToken === null) return responseFromBody<T>(401, { errors: [{ message: `${shop} has no offline session: the app is not installed` }] });
          try {
            answer = await post(shop, accessToken, body);
          } catch (error) {
            throw new AdminNetworkError(`Admin API request to ${shop} failed: ${(error as Error).message}`);
          }
          if (answer.status !== 401 || attempt > 0) break;
        }
        return responseFromText<T>(answer.status, answer.text, answer.retryAfter);
      },
    };
  }

  return {
    clientFor,
    /** Forget a shop's token (uninstalled, or its session replaced in this process). */
    forget: (shop: string) => tokens.delete(shop),
    close: () => agent.destroy(),
  };
}
