// Checkout session tokens, checked as authenticate.public.checkout checks them, for the endpoint
// that checkout calls for every buyer (app/server/checkout-promise-fast-path.ts). The signature,
// algorithm (HS256 with the app secret), exp and nbf (with the library's clock tolerance) are
// verified by @shopify/shopify-api's own decodeSessionToken, the function the Remix helper calls;
// what this module adds is what that helper does around it, without building a web Request:
// the bot refusal, the preflight, the Bearer header, and the CORS headers of a cross-origin call.
// The runtime adapter app/shopify.server.ts uses, not shopify-api's own: that one sets the library's
// fetch seam when first imported, undoing the redirect to the store simulator (shopify-origin-override).
import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, LogSeverity, shopifyApi, type JwtPayload } from "@shopify/shopify-api";
import { isbot } from "isbot";

export type { JwtPayload };

/** Verifies a session token (signature, alg, exp, nbf); rejects when it is not one of ours. The audience is not checked here. */
export type SessionTokenVerifier = (token: string) => Promise<JwtPayload>;

export function createSessionTokenVerifier({ apiKey, apiSecret, appUrl }: { apiKey: string; apiSecret: string; appUrl: string }): SessionTokenVerifier {
  const url = new URL(appUrl);
  const api = shopifyApi({
    apiKey,
    apiSecretKey: apiSecret,
    // Only the session-token functions are used: the version is never sent anywhere.
    apiVersion: ApiVersion.January26,
    hostName: url.host,
    hostScheme: url.protocol === "http:" ? "http" : "https",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
  // As authenticate.public.checkout asks: extension tokens are not checked for the audience there.
  return (token) => api.session.decodeSessionToken(token, { checkAudience: false });
}

/** The token of an `Authorization: Bearer …` header, exactly as the Remix helper reads it (undefined or "" when missing). */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.replace("Bearer ", "");
}

// Shopify's own apps identify themselves in ways isbot takes for bots; the helper lets them through.
const SHOPIFY_AGENTS = [/Shopify POS\//, /Shopify Mobile\//];
const botVerdicts = new Map<string, boolean>();

/** Whether the Remix helper would refuse this user agent as a bot (410). Remembered per agent string: isbot's pattern is long. */
export function isBotAgent(userAgent: string | undefined): boolean {
  const agent = userAgent ?? "";
  let verdict = botVerdicts.get(agent);
  if (verdict === undefined) {
    verdict = !SHOPIFY_AGENTS.some((pattern) => pattern.test(agent)) && isbot(agent);
    if (botVerdicts.size >= 1_000) botVerdicts.clear();
    botVerdicts.set(agent, verdict);
  }
  return verdict;
}

/** The app's origin as the Remix helper compares it (a localhost URL without a port takes PORT). */
export function appOriginOf(appUrl: string, port: string | undefined = process.env.PORT): string {
  const url = new URL(appUrl);
  if (url.hostname === "localhost" && !url.port && port) url.port = port;
  return url.origin;
}

/** The CORS headers the Remix helper adds to a response for a request from another origin (none for its own). */
export function corsHeadersFor(origin: string | undefined, appOrigin: string): Record<string, string> {
  if (!origin || origin === appOrigin) return {};
  return {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Expose-Headers": "X-Shopify-API-Request-Failure-Reauthorize-Url",
  };
}
