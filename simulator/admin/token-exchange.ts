// `POST https://{shop}/admin/oauth/access_token`: the token exchange that
// embedded apps use to install themselves and get access tokens (and the
// refresh grant for expiring offline tokens). Answers as Shopify does, so
// `@shopify/shopify-api`'s `auth.tokenExchange` and `authenticate.admin` run
// their real code against it.

import { randomBytes } from "node:crypto";
import type { SimStore } from "../store/store.ts";
import { SessionTokenError, verifySessionToken } from "./session-token.ts";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

/** Needs Shopify's approval: not granted unless a test or the demo says so. */
export const READ_ALL_ORDERS = "read_all_orders";

export interface AppCredentials {
  apiKey: string;
  apiSecret: string;
  /** Scopes the app asks for (env SCOPES or shopify.app.toml [access_scopes]). */
  scopes: string[];
}

export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface OnlineToken {
  shop: string;
  userId: string;
  scope: string;
  expiresAt: number; // ms
}

const token = (prefix: string) => `${prefix}_${randomBytes(16).toString("hex")}`;
const error = (status: number, code: string, description: string): OAuthAnswer => ({ status, body: { error: code, error_description: description } });

export class AppAuthority {
  /** Shops where Shopify has approved `read_all_orders` for the app. */
  private readonly readAllOrders = new Map<string, boolean>();
  private readonly online = new Map<string, OnlineToken>();
  private readonly refreshTokens = new Map<string, string>(); // refresh token → shop
  defaultReadAllOrders = false;

  constructor(
    readonly store: SimStore,
    public app: AppCredentials,
  ) {}

  setReadAllOrdersGranted(shop: string, granted: boolean): void {
    this.readAllOrders.set(shop.toLowerCase(), granted);
    const installation = this.store.findShop(shop)?.shop.installation;
    if (installation) installation.scopes = this.grantedScopes(shop);
  }

  /** The scopes an installation on this shop gets: what the app asks for, less what Shopify has not approved. */
  grantedScopes(shop: string): string[] {
    const granted = this.readAllOrders.get(shop.toLowerCase()) ?? this.defaultReadAllOrders;
    return this.app.scopes.filter((s) => s !== READ_ALL_ORDERS || granted);
  }

  /** The shop an access token (offline or online) belongs to. */
  shopForAccessToken(accessToken: string, now = Date.now()): string | undefined {
    const online = this.online.get(accessToken);
    if (online) return online.expiresAt > now && this.store.findShop(online.shop)?.shop.installation ? online.shop : undefined;
    return this.store.findShopByToken(accessToken)?.shop.domain;
  }

  onlineToken(accessToken: string): OnlineToken | undefined {
    return this.online.get(accessToken);
  }

  /** Installs the app on the shop (or refreshes its scopes), keeping a non-expiring token it already has. */
  install(shop: string, { expiring = false } = {}): { accessToken: string; scopes: string[] } {
    const data = this.store.shop(shop);
    const scopes = this.grantedScopes(shop);
    const current = data.shop.installation;
    if (current && current.apiKey === this.app.apiKey && !expiring) {
      current.scopes = scopes;
      return { accessToken: current.accessToken, scopes };
    }
    const inst = this.store.installApp(shop, { apiKey: this.app.apiKey, scopes, accessToken: token("shpat"), appId: current?.appId });
    return { accessToken: inst.accessToken, scopes };
  }

  /** Removes the installation; the store sends app/uninstalled. */
  uninstall(shop: string): void {
    for (const [t, o] of this.online) if (o.shop === shop) this.online.delete(t);
    for (const [t, s] of this.refreshTokens) if (s === shop) this.refreshTokens.delete(t);
    this.store.uninstallApp(shop);
  }

  /**
   * Answers `POST /admin/oauth/access_token` for `shop` (from X-Forwarded-Host
   * or Host). `params` is the JSON or form body.
   */
  accessTokenRequest(shop: string, params: Record<string, unknown>, now = Date.now()): OAuthAnswer {
    const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v : v == null ? "" : String(v)]));
    const data = this.store.findShop(shop);
    if (!data) return { status: 404, body: { errors: "Not Found" } };
    if (p.client_id !== this.app.apiKey || p.client_secret !== this.app.apiSecret) {
      return error(401, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.");
    }
    if (p.grant_type === "refresh_token") return this.refresh(shop, p.refresh_token ?? "");
    if (p.grant_type !== TOKEN_EXCHANGE_GRANT) return error(400, "unsupported_grant_type", `The grant type ${p.grant_type || "(none)"} is not supported.`);
    if (!p.subject_token) return error(400, "missing_subject_token", "The subject_token parameter is required.");
    if (p.subject_token_type !== ID_TOKEN_TYPE) return error(400, "invalid_request", "subject_token_type must be urn:ietf:params:oauth:token-type:id_token.");

    let claims;
    try {
      claims = verifySessionToken(p.subject_token, this.app.apiSecret, { now: now / 1000 });
    } catch (e) {
      return error(400, "invalid_subject_token", e instanceof SessionTokenError ? e.message : "Invalid subject token.");
    }
    if (claims.aud !== this.app.apiKey) return error(400, "invalid_subject_token", "The subject token was issued for another client.");
    if (claims.dest !== `https://${data.shop.domain}`) return error(400, "invalid_subject_token", "The subject token was issued for another shop.");
    // Only an admin session token (the id_token App Bridge hands out) is an ID token; a checkout one has no iss.
    if (claims.iss !== `https://${data.shop.domain}/admin`) return error(400, "invalid_subject_token", "The subject token was not issued by the shop's admin.");

    const expiring = p.expiring === "1";
    if (p.requested_token_type === OFFLINE_TOKEN_TYPE || !p.requested_token_type) {
      const { accessToken, scopes } = this.install(data.shop.domain, { expiring });
      const body: Record<string, unknown> = { access_token: accessToken, scope: scopes.join(",") };
      if (expiring) {
        const refresh = token("shprt");
        this.refreshTokens.set(refresh, data.shop.domain);
        Object.assign(body, { expires_in: 3600, refresh_token: refresh, refresh_token_expires_in: 7_776_000 });
      }
      return { status: 200, body };
    }
    if (p.requested_token_type === ONLINE_TOKEN_TYPE) {
      if (!data.shop.installation) this.install(data.shop.domain);
      const scope = this.grantedScopes(data.shop.domain).join(",");
      const accessToken = token("shpua");
      const expiresIn = 86_399;
      const userId = claims.sub ?? "1";
      this.online.set(accessToken, { shop: data.shop.domain, userId, scope, expiresAt: now + expiresIn * 1000 });
      const handle = data.shop.domain.replace(/\.myshopify\.com$/, "");
      return {
        status: 200,
        body: {
          access_token: accessToken,
          scope,
          expires_in: expiresIn,
          associated_user_scope: scope,
          session: claims.sid ?? null,
          account_number: 0,
          associated_user: {
            id: Number(userId),
            first_name: "Shop",
            last_name: "Owner",
            email: data.shop.email ?? `owner@${handle}.example`,
            account_owner: userId === "1",
            locale: "en",
            collaborator: false,
            email_verified: true,
          },
        },
      };
    }
    return error(400, "invalid_request", `Unknown requested_token_type ${p.requested_token_type}.`);
  }

  private refresh(shop: string, refreshToken: string): OAuthAnswer {
    const owner = this.refreshTokens.get(refreshToken);
    if (!owner || owner !== this.store.findShop(shop)?.shop.domain) return error(400, "invalid_grant", "The refresh token is invalid or has expired.");
    this.refreshTokens.delete(refreshToken);
    const { accessToken, scopes } = this.install(owner, { expiring: true });
    const next = token("shprt");
    this.refreshTokens.set(next, owner);
    return {
      status: 200,
      body: { access_token: accessToken, scope: scopes.join(","), expires_in: 3600, refresh_token: next, refresh_token_expires_in: 7_776_000 },
    };
  }
}
