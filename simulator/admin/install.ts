// Installing and uninstalling the app as a merchant does it. Opening an
// embedded app for the first time loads it in the admin with a session token;
// the app's own `authenticate.admin` then calls token exchange, which
// installs it and returns the offline token the app stores (and its
// afterAuth hook runs). `installApp` makes exactly that first request.

import type { SimulatedApp } from "./app-config.ts";
import { embeddedAppUrl } from "./admin-frame.ts";
import { mintSessionToken } from "./session-token.ts";
import type { AppAuthority } from "./token-exchange.ts";

/** The merchant's browser. shopify-app-remix answers 410 to anything that looks like a bot (Node's own fetch does). */
export const MERCHANT_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

export interface InstallResult {
  /** The app installed on the shop after the request (token exchange happened). */
  installed: boolean;
  /** The app's answer to the first load. */
  status: number;
  location: string | null;
  url: string;
  scopes: string[];
}

export async function installApp(
  deps: { authority: AppAuthority; app: SimulatedApp; fetch?: typeof fetch },
  { shop, userId = "1", path }: { shop: string; userId?: string; path?: string },
): Promise<InstallResult> {
  const { authority, app } = deps;
  const domain = authority.store.shop(shop).shop.domain;
  const idToken = mintSessionToken({ shop: domain, apiKey: app.apiKey, apiSecret: app.apiSecret, userId });
  const url = embeddedAppUrl({ appUrl: app.appUrl, path: path ?? app.entryPath, shop: domain, idToken, apiSecret: app.apiSecret });
  const res = await (deps.fetch ?? fetch)(url, { redirect: "manual", headers: { Accept: "text/html", "Sec-Fetch-Dest": "iframe", "User-Agent": MERCHANT_BROWSER } });
  await res.arrayBuffer();
  const installation = authority.store.findShop(domain)?.shop.installation;
  const installed = Boolean(installation && installation.apiKey === app.apiKey);
  return { installed, status: res.status, location: res.headers.get("location"), url, scopes: installed ? [...installation!.scopes] : [] };
}

/** The merchant removes the app: the installation goes and app/uninstalled is sent. */
export function uninstallApp(deps: { authority: AppAuthority }, { shop }: { shop: string }): void {
  deps.authority.uninstall(deps.authority.store.shop(shop).shop.domain);
}
