// Development and tests only (env.ts refuses it in production): send every request
// the Shopify libraries make to https://{shop}/… to another origin, such as the
// local store simulator, with the shop in X-Forwarded-Host as a reverse proxy
// would. The app's own code is unchanged: this sits under @shopify/shopify-api's
// fetch seam, so the real clients, token exchange and retries all run.
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { isLoopbackOrigin } from "../../env.server.ts";

const SHOP_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export function rewriteShopifyUrl(url: string, origin: string): { url: string; shop: string } | null {
  const parsed = new URL(url);
  if (!SHOP_HOST.test(parsed.hostname)) return null;
  const target = new URL(parsed.pathname + parsed.search, origin);
  return { url: target.toString(), shop: parsed.hostname };
}

/**
 * Call after @shopify/shopify-app-remix is imported: its adapters set the fetch
 * seam on import and would undo an earlier call. Calling again is harmless.
 */
export function installShopifyOriginOverride(origin: string): void {
  // env.server.ts refuses it already; here too, as access tokens travel with these requests.
  if (!isLoopbackOrigin(origin)) throw new Error(`Shopify traffic may only be redirected to a loopback address, not ${new URL(origin).hostname}`);
  const realFetch = globalThis.fetch;
  const redirectingFetch: typeof fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const rewritten = rewriteShopifyUrl(url, origin);
    if (!rewritten) return realFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set("X-Forwarded-Host", rewritten.shop);
    return realFetch(rewritten.url, { ...init, headers });
  };
  setAbstractFetchFunc(redirectingFetch);
}
