import "@shopify/shopify-app-remix/adapters/node";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiVersion, HttpResponseError, LogSeverity, RequestedTokenType, Session, shopifyApi } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { SessionNotFoundError, shopifyApp } from "@shopify/shopify-app-remix/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Router } from "../router.ts";
import { SimStore } from "../store/store.ts";
import { registerEdgeRoutes as registerWebhookRoutes } from "../webhooks/index.ts";
import { AdminApi } from "../admin-api/handler.ts";
import { registerEdgeRoutes, type AdminEdge } from "./index.ts";
import { adminHostParam } from "./admin-frame.ts";
import { appBridgeScript } from "./app-bridge-script.ts";
import { mintSessionToken } from "./session-token.ts";
import { MERCHANT_BROWSER } from "./install.ts";
import type { SimulatedApp } from "./app-config.ts";

const API_KEY = "tierline-test-key";
const API_SECRET = "tierline-test-secret";
const SHOP = "tier-test.myshopify.com";
const SCOPES = ["read_customers", "write_customers", "read_orders", "read_all_orders"];

const browser = { "User-Agent": MERCHANT_BROWSER };
const servers: Server[] = [];
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let simOrigin: string;
let store: SimStore;
let admin: AdminEdge;
let app: SimulatedApp;
const uninstalledDeliveries: { topic: string; shop: string }[] = [];

// The app's edge fetch: Shopify traffic (https://{shop}/...) goes to the simulator, naming the shop.
setAbstractFetchFunc(async (input, init) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  if (!url.hostname.endsWith(".myshopify.com")) return fetch(input, init);
  const headers = new Headers(init?.headers);
  headers.set("X-Forwarded-Host", url.host);
  return fetch(`${simOrigin}${url.pathname}${url.search}`, { ...init, headers });
});

/** A tiny embedded app: the real shopify-app-remix `authenticate.admin` behind a node:http server. */
const sessions = new Map<string, Session>();
const afterAuthCalls: Session[] = [];
let appUrl = "";
let shopify: ReturnType<typeof shopifyApp>;

beforeAll(async () => {
  appUrl = await listen(async (req, res) => {
    if (req.url?.startsWith("/webhooks/")) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      uninstalledDeliveries.push({ topic: String(req.headers["x-shopify-topic"]), shop: String(req.headers["x-shopify-shop-domain"]) });
      res.writeHead(200).end();
      return;
    }
    const request = new Request(`${appUrl}${req.url}`, { headers: req.headers as Record<string, string> });
    let response: Response;
    try {
      const { session } = await shopify.authenticate.admin(request);
      response = Response.json({ shop: session.shop, scope: session.scope });
    } catch (thrown) {
      if (!(thrown instanceof Response)) throw thrown;
      response = thrown;
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(await response.text());
  });
  shopify = shopifyApp({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.October25,
    scopes: SCOPES,
    appUrl,
    authPathPrefix: "/auth",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
    future: { unstable_newEmbeddedAuthStrategy: true },
    sessionStorage: {
      storeSession: async (s: Session) => (sessions.set(s.id, s), true),
      loadSession: async (id: string) => sessions.get(id),
      deleteSession: async (id: string) => sessions.delete(id),
      deleteSessions: async (ids: string[]) => (ids.forEach((id) => sessions.delete(id)), true),
      findSessionsByShop: async (shop: string) => [...sessions.values()].filter((s) => s.shop === shop),
    },
    hooks: { afterAuth: async ({ session }) => void afterAuthCalls.push(session) },
  } as Parameters<typeof shopifyApp>[0]);

  store = new SimStore();
  const router = new Router();
  app = {
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    appUrl,
    scopes: SCOPES,
    appHandle: "tierline",
    appName: "Tierline",
    webhooksApiVersion: "2025-10",
    subscriptions: [{ topics: ["app/uninstalled"], uri: "/webhooks/app/uninstalled", compliance: false }],
    entryPath: "/app",
  };
  const adminApi = new AdminApi({ store, origin: () => simOrigin });
  adminApi.registerRoutes(router);
  admin = registerEdgeRoutes(router, { store, app, adminApi });
  registerWebhookRoutes(router, { store, app });
  simOrigin = await listen((req, res) => void router.handle(req, res));
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

beforeEach(() => {
  store.reset();
  store.createShop({ domain: SHOP });
  admin.setReadAllOrdersGranted(SHOP, false);
  sessions.clear();
  afterAuthCalls.length = 0;
});

const api = () =>
  shopifyApi({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.October25,
    scopes: SCOPES,
    hostName: new URL(appUrl).host,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });

describe("session tokens", () => {
  it("admin tokens decode with @shopify/shopify-api's decodeSessionToken", async () => {
    const token = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, userId: "42" });
    const payload = await api().session.decodeSessionToken(token);
    expect(payload).toMatchObject({ iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: API_KEY, sub: "42" });
    expect(payload.exp - payload.iat).toBe(60);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.sid).toMatch(/^[0-9a-f]{64}$/);
  });

  it("admin tokens carry a 64-hex sig, and one sid per user and app across tokens, as Shopify's do", async () => {
    const mint = (userId: string) => api().session.decodeSessionToken(mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, userId }));
    const [a, b, other] = await Promise.all([mint("42"), mint("42"), mint("43")]);
    expect((a as unknown as { sig: string }).sig).toMatch(/^[0-9a-f]{64}$/);
    expect(a.jti).not.toBe(b.jti);
    expect(b.sid).toBe(a.sid);
    expect(other.sid).not.toBe(a.sid);
    expect(Object.keys(a).sort()).toEqual(["aud", "dest", "exp", "iat", "iss", "jti", "nbf", "sid", "sig", "sub"]);
  });

  it("checkout tokens: 5 minutes, dest is the shop domain, sub is the customer GID only when signed in", async () => {
    const signedIn = await api().session.decodeSessionToken(
      mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, customerGid: "gid://shopify/Customer/7" }),
    );
    expect(signedIn).toMatchObject({ dest: SHOP, aud: API_KEY, sub: "gid://shopify/Customer/7" });
    expect(signedIn.exp - signedIn.iat).toBe(300);
    const guest = await api().session.decodeSessionToken(mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, flavour: "checkout" }));
    expect(guest.sub).toBeUndefined();
  });

  it("are refused when signed with another secret or expired", async () => {
    await expect(api().session.decodeSessionToken(mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: "nope" }))).rejects.toThrow();
    const old = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, now: Date.now() / 1000 - 120 });
    await expect(api().session.decodeSessionToken(old)).rejects.toThrow();
  });

  it("the simulator serves them over HTTP (admin and checkout flavours)", async () => {
    const adminToken = (await (await fetch(`${simOrigin}/_sim/admin/session-token?shop=${SHOP}`)).json()).token;
    expect((await api().session.decodeSessionToken(adminToken)).dest).toBe(`https://${SHOP}`);
    await admin.installApp({ shop: SHOP });
    const customer = store.createCustomer(SHOP, { email: "buyer@example.com" });
    const checkout = (await (await fetch(`${simOrigin}/_sim/checkout/session-token?shop=${SHOP}&customer_id=${customer.id}`)).json()).token;
    const claims = await api().session.decodeSessionToken(checkout);
    expect(claims.sub).toBe(customer.gid);
    expect(Object.keys(claims).sort()).toEqual(["aud", "dest", "exp", "iat", "jti", "nbf", "sub"]);
  });

  it("checkout tokens only for a shop with the app installed, sub only for a real customer and an app that may read customers", async () => {
    const customer = store.createCustomer(SHOP, { email: "buyer@example.com" });
    const get = (q: string) => fetch(`${simOrigin}/_sim/checkout/session-token?shop=${SHOP}${q}`);
    expect((await get("")).status).toBe(409);
    await admin.installApp({ shop: SHOP });
    expect((await get("&customer_id=123")).status).toBe(404);
    expect((await api().session.decodeSessionToken((await (await get("")).json()).token)).sub).toBeUndefined();
    store.shop(SHOP).shop.installation!.scopes = ["read_orders"];
    const withoutCustomers = (await (await get(`&customer_id=${customer.id}`)).json()).token;
    expect((await api().session.decodeSessionToken(withoutCustomers)).sub).toBeUndefined();
  });
});

describe("token exchange (POST /admin/oauth/access_token)", () => {
  const exchange = (requestedTokenType: RequestedTokenType, sessionToken?: string, expiring = false) => {
    const a = api();
    return a.auth.tokenExchange({
      shop: SHOP,
      sessionToken: sessionToken ?? mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET }),
      requestedTokenType,
      expiring,
    });
  };

  it("installs the app with an offline token and the app's scopes, less read_all_orders until Shopify grants it", async () => {
    const { session } = await exchange(RequestedTokenType.OfflineAccessToken);
    expect(session.isOnline).toBe(false);
    expect(session.id).toBe(`offline_${SHOP}`);
    expect(session.accessToken).toMatch(/^shpat_[0-9a-f]{32}$/);
    expect(session.scope).toBe("read_customers,write_customers,read_orders");
    const installation = store.shop(SHOP).shop.installation!;
    expect(installation).toMatchObject({ apiKey: API_KEY, accessToken: session.accessToken, scopes: ["read_customers", "write_customers", "read_orders"] });
    expect(admin.authority.shopForAccessToken(session.accessToken!)).toBe(SHOP);

    // A second exchange keeps the same non-expiring offline token.
    expect((await exchange(RequestedTokenType.OfflineAccessToken)).session.accessToken).toBe(session.accessToken);

    admin.setReadAllOrdersGranted(SHOP, true);
    expect((await exchange(RequestedTokenType.OfflineAccessToken)).session.scope).toBe(SCOPES.join(","));
  });

  it("answers online token requests with the associated user", async () => {
    const token = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, userId: "77" });
    const { session } = await exchange(RequestedTokenType.OnlineAccessToken, token);
    expect(session.isOnline).toBe(true);
    expect(session.id).toBe(`${SHOP}_77`);
    expect(session.accessToken).toMatch(/^shpua_/);
    expect(session.onlineAccessInfo?.associated_user.id).toBe(77);
    expect(session.expires!.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
    expect(admin.authority.shopForAccessToken(session.accessToken!)).toBe(SHOP);
    // The Admin API takes the online token as it takes the offline one; not for another shop, nor a made-up one.
    const ask = (shop: string, accessToken: string) =>
      fetch(`${simOrigin}/admin/api/2026-01/graphql.json`, { method: "POST", headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken, "X-Forwarded-Host": shop }, body: JSON.stringify({ query: "{ shop { myshopifyDomain } }" }) });
    const answer = await ask(SHOP, session.accessToken!);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { data: { shop: { myshopifyDomain: string } } }).data.shop.myshopifyDomain).toBe(SHOP);
    store.createShop({ domain: "other-shop.myshopify.com", install: {} });
    expect((await ask("other-shop.myshopify.com", session.accessToken!)).status).toBe(401);
    expect((await ask(SHOP, "shpua_made_up")).status).toBe(401);
  });

  it("gives expiring offline tokens with a refresh token that works once", async () => {
    const { session } = await exchange(RequestedTokenType.OfflineAccessToken, undefined, true);
    expect(session.expires!.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect(session.refreshToken).toMatch(/^shprt_/);
    const refreshed = await api().auth.refreshToken({ shop: SHOP, refreshToken: session.refreshToken! });
    expect(refreshed.session.accessToken).not.toBe(session.accessToken);
    expect(store.shop(SHOP).shop.installation!.accessToken).toBe(refreshed.session.accessToken);
    await expect(api().auth.refreshToken({ shop: SHOP, refreshToken: session.refreshToken! })).rejects.toThrow(HttpResponseError);
  });

  it("refuses a subject token for another shop with invalid_subject_token, as Shopify does", async () => {
    const other = mintSessionToken({ shop: "other.myshopify.com", apiKey: API_KEY, apiSecret: API_SECRET });
    const error = await exchange(RequestedTokenType.OfflineAccessToken, other).catch((e) => e);
    expect(error).toBeInstanceOf(HttpResponseError);
    expect(error.response.code).toBe(400);
    expect(error.response.body).toMatchObject({ error: "invalid_subject_token" });
    expect(store.shop(SHOP).shop.installation).toBeNull();
  });

  it("refuses, straight over HTTP, an expired, forged, checkout or missing subject token and an unknown shop, in Shopify's error shape", async () => {
    const post = (subject: string | undefined, shop = SHOP) =>
      fetch(`${simOrigin}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-Forwarded-Host": shop },
        body: JSON.stringify({
          client_id: API_KEY,
          client_secret: API_SECRET,
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
          requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
          ...(subject === undefined ? {} : { subject_token: subject }),
        }),
      });
    const mint = (over: Partial<Parameters<typeof mintSessionToken>[0]> = {}) => mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, ...over });
    const refused = async (subject: string | undefined, error: string) => {
      const res = await post(subject);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error, error_description: expect.any(String) });
    };
    await refused(mint({ now: Date.now() / 1000 - 120 }), "invalid_subject_token");
    await refused(mint({ apiSecret: "forged" }), "invalid_subject_token");
    await refused(mint({ apiKey: "another-app" }), "invalid_subject_token");
    await refused(mint({ flavour: "checkout" }), "invalid_subject_token");
    // Claims shaped like an admin token's, but not issued by the shop's admin.
    await refused(mint({ flavour: "checkout", dest: `https://${SHOP}` }), "invalid_subject_token");
    await refused(undefined, "missing_subject_token");
    expect(store.shop(SHOP).shop.installation).toBeNull();
    const unknown = await post(mint({ shop: "nowhere.myshopify.com" }), "nowhere.myshopify.com");
    expect(unknown.status).toBe(404);
    expect((await post(mint())).status).toBe(200);
  });

  it("refuses wrong client credentials and takes form bodies", async () => {
    const token = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET });
    const form = (secret: string) =>
      fetch(`${simOrigin}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Host": SHOP },
        body: new URLSearchParams({
          client_id: API_KEY,
          client_secret: secret,
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token: token,
          subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
          requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
        }),
      });
    const bad = await form("wrong");
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: "invalid_client" });
    const good = await form(API_SECRET);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ access_token: expect.stringMatching(/^shpat_/), scope: "read_customers,write_customers,read_orders" });
  });
});

describe("installing as a merchant does", () => {
  it("installApp loads the app so its real authenticate.admin exchanges the token, stores the offline session and runs afterAuth", async () => {
    const result = await admin.installApp({ shop: SHOP });
    expect(result).toMatchObject({ installed: true, status: 200, scopes: ["read_customers", "write_customers", "read_orders"] });
    const url = new URL(result.url);
    expect(url.pathname).toBe("/app");
    expect(url.searchParams.get("embedded")).toBe("1");
    expect(url.searchParams.get("shop")).toBe(SHOP);
    expect(atob(url.searchParams.get("host")!)).toBe("admin.shopify.com/store/tier-test");
    // The query carries Shopify's HMAC, which the library validates.
    expect(await api().utils.validateHmac(Object.fromEntries(url.searchParams) as never)).toBe(true);

    expect(sessions.get(`offline_${SHOP}`)?.accessToken).toBe(store.shop(SHOP).shop.installation!.accessToken);
    expect(afterAuthCalls.map((s) => s.shop)).toEqual([SHOP]);
  });

  it("a load without id_token goes to the bounce page, which renders the App Bridge script", async () => {
    const res = await fetch(`${appUrl}/app?embedded=1&shop=${SHOP}&host=${adminHostParam(SHOP)}`, { redirect: "manual", headers: browser });
    expect(res.status).toBe(302);
    const bounce = new URL(res.headers.get("location")!, appUrl);
    expect(bounce.pathname).toBe("/auth/session-token");
    expect(bounce.searchParams.get("shopify-reload")).toContain("/app?");
    const page = await (await fetch(bounce, { headers: browser })).text();
    expect(page).toContain(`data-api-key="${API_KEY}"`);
  });

  it("uninstall removes the installation and delivers app/uninstalled", async () => {
    await admin.installApp({ shop: SHOP });
    uninstalledDeliveries.length = 0;
    const res = await fetch(`${simOrigin}/_sim/admin/${SHOP}/uninstall`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(store.shop(SHOP).shop.installation).toBeNull();
    await fetch(`${simOrigin}/_sim/webhooks/idle`, { method: "POST" });
    expect(uninstalledDeliveries).toEqual([{ topic: "app/uninstalled", shop: SHOP }]);
  });
});

describe("workers: the real unauthenticated.admin", () => {
  it("calls the Admin API with the offline session token exchange stored; after uninstall the token is refused, and without the session it throws SessionNotFoundError", async () => {
    await admin.installApp({ shop: SHOP });
    const { admin: client } = await shopify.unauthenticated.admin(SHOP);
    const res = await client.graphql("{ shop { myshopifyDomain } }");
    expect((await res.json()).data.shop.myshopifyDomain).toBe(SHOP);

    admin.uninstallApp({ shop: SHOP });
    const stale = await shopify.unauthenticated.admin(SHOP);
    const refused = await stale.admin.graphql("{ shop { myshopifyDomain } }").then(() => null, (e: unknown) => e);
    expect(refused).toMatchObject({ response: { code: 401 } });
    // The app's app/uninstalled handler deletes the sessions; workers then get SessionNotFoundError.
    sessions.clear();
    await expect(shopify.unauthenticated.admin(SHOP)).rejects.toBeInstanceOf(SessionNotFoundError);
  });
});

describe("the admin around the app", () => {
  it("frames the app URL with the admin's query and serves the App Bridge stand-in", async () => {
    const page = await (await fetch(`${simOrigin}/_sim/admin/${SHOP}/apps/tierline/app/settings?tab=rules`)).text();
    const src = /<iframe[^>]+src="([^"]+)"/.exec(page)![1].replace(/&amp;/g, "&");
    const url = new URL(src);
    expect(url.origin + url.pathname).toBe(`${appUrl}/app/settings`);
    expect(url.searchParams.get("tab")).toBe("rules");
    const payload = await api().session.decodeSessionToken(url.searchParams.get("id_token")!);
    expect(payload.dest).toBe(`https://${SHOP}`);

    // Loading that URL authenticates the app for the shop (installing it on first open).
    const framed = await fetch(src, { headers: browser });
    expect(framed.status).toBe(200);
    expect(await framed.json()).toMatchObject({ shop: SHOP });

    const js = await fetch(`${simOrigin}/_sim/app-bridge.js`);
    expect(js.headers.get("content-type")).toContain("javascript");
    const text = await js.text();
    expect(text).toContain(JSON.stringify(simOrigin));
    expect(() => new Function(text)).not.toThrow();
  });

  it("the stand-in script is valid JavaScript that defines window.shopify", () => {
    expect(() => new Function(appBridgeScript("http://127.0.0.1:1"))).not.toThrow();
  });
});

describe("checkout extension requests: the real authenticate.public.checkout", () => {
  // Checkout extensions run in a web worker on Shopify's CDN, so their fetches are cross-origin.
  const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
  const request = (token: string | null, method = "POST") =>
    new Request(`${appUrl}/api/checkout/tier`, {
      method,
      headers: {
        ...browser,
        Origin: EXTENSION_ORIGIN,
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(method === "OPTIONS" ? { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization" } : {}),
      },
      ...(method === "POST" ? { body: "{}" } : {}),
    });
  const thrown = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Response);

  it("accepts a token the simulator minted for a signed-in buyer, with CORS headers on the answer", async () => {
    await admin.installApp({ shop: SHOP });
    const customer = store.createCustomer(SHOP, { email: "buyer@example.com" });
    const { sessionToken, cors } = await shopify.authenticate.public.checkout(request(admin.checkoutSessionToken({ shop: SHOP, customerGid: customer.gid })));
    expect(sessionToken).toMatchObject({ dest: SHOP, aud: API_KEY, sub: customer.gid });
    const answer = cors(Response.json({ tier: "gold" }));
    expect(answer.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(answer.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");

    const guest = await shopify.authenticate.public.checkout(request(admin.checkoutSessionToken({ shop: SHOP })));
    expect(guest.sessionToken.sub).toBeUndefined();
  });

  it("answers the preflight with 204 and CORS headers before any token is looked at", async () => {
    const res = (await thrown(shopify.authenticate.public.checkout(request(null, "OPTIONS"))))!;
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Headers")?.split(", ")).toEqual(expect.arrayContaining(["Authorization", "Content-Type"]));
    expect(res.headers.get("Access-Control-Max-Age")).toBe("7200");
  });

  it("refuses a forged, an expired or a missing token with 401 and no retry header", async () => {
    const forged = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: "not-the-secret", flavour: "checkout" });
    const expired = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, flavour: "checkout", now: Date.now() / 1000 - 400 });
    for (const token of [forged, expired, null]) {
      const res = (await thrown(shopify.authenticate.public.checkout(request(token))))!;
      expect(res).toBeInstanceOf(Response);
      expect(res.status).toBe(401);
      expect(res.headers.get("X-Shopify-Retry-Invalid-Session-Request")).toBeNull();
    }
  });
});
