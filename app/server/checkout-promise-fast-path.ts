// GET, HEAD and OPTIONS /api/checkout/promise straight on node:http. Checkout calls it for every
// buyer; through the route module, the web Request, Headers and Response objects, Remix's json()
// and the body read back as text cost about as much as everything else together (issue 10 wants
// ≥ 0.5× the throughput of a bare handler that only verifies the token).
//
// It answers exactly what app/routes/api.checkout.promise.tsx answers through
// authenticate.public.checkout (tests/checkout-promise-endpoint.test.ts compares the two):
//   bot user agent → 410; OPTIONS → 204 with CORS and Access-Control-Max-Age 7200;
//   no token, or a token whose signature, alg, exp or nbf fails → 401 without a body or CORS;
//   a valid token for another app or no shop → 401 {"error"} with CORS;
//   else the lookup's status and JSON, with CORS and Cache-Control: private, no-store.
// The token is verified by @shopify/shopify-api's decodeSessionToken, as the Remix helper does.
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerToken, corsHeadersFor, isBotAgent, type SessionTokenVerifier } from "../adapters/shopify/checkout-session-token.server.ts";
import { checkoutPromiseQueryOf, INVALID_TOKEN_ANSWER, type CheckoutPromiseQuery, type CheckoutPromiseResult } from "../use-cases/checkout-promise.server.ts";
import type { FastRoute } from "./web-server.ts";

export interface CheckoutPromiseFastPathOptions {
  pathname: string;
  verify: SessionTokenVerifier;
  lookup: (query: CheckoutPromiseQuery) => Promise<CheckoutPromiseResult>;
  apiKey: string;
  /** The app's own origin: a request from it gets no CORS headers (appOriginOf). */
  appOrigin: string;
  now?: () => Date;
}

const JSON_TYPE = "application/json; charset=utf-8";
const INVALID_TOKEN_BODY = JSON.stringify(INVALID_TOKEN_ANSWER);

export function checkoutPromiseFastPath({ pathname, verify, lookup, apiKey, appOrigin, now = () => new Date() }: CheckoutPromiseFastPathOptions): FastRoute {
  function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | number>, body: string | null): void {
    if (body !== null) {
      headers["Content-Length"] = Buffer.byteLength(body);
      // HEAD: the GET's headers, no body.
      if (req.method === "HEAD") body = null;
    }
    res.writeHead(status, headers);
    res.end(body ?? undefined);
  }

  return {
    pathname,
    async handle(req, res) {
      const { headers } = req;
      if (isBotAgent(headers["user-agent"])) return send(req, res, 410, {}, null);
      const cors = corsHeadersFor(headers.origin, appOrigin);
      if (req.method === "OPTIONS") return send(req, res, 204, { "Access-Control-Max-Age": "7200", ...cors }, null);
      const token = bearerToken(headers.authorization);
      if (!token) return send(req, res, 401, {}, null);
      let claims;
      try {
        claims = await verify(token);
      } catch {
        return send(req, res, 401, {}, null);
      }
      const url = req.url ?? pathname;
      const queryAt = url.indexOf("?");
      const query = checkoutPromiseQueryOf(claims, new URLSearchParams(queryAt < 0 ? "" : url.slice(queryAt + 1)), apiKey, now());
      if (!query) return send(req, res, 401, { "Content-Type": JSON_TYPE, ...cors }, INVALID_TOKEN_BODY);
      const result = await lookup(query);
      send(req, res, result.status, { "Cache-Control": "private, no-store", "Content-Type": JSON_TYPE, ...cors }, JSON.stringify(result.body));
    },
  };
}
