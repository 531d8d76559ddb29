// The simulator's installation, auth and admin-frame endpoints.
//
//   POST /admin/oauth/access_token                 token exchange / refresh (shop from X-Forwarded-Host, else Host)
//   GET  /_sim/app-bridge.js                       the App Bridge stand-in
//   GET  /_sim/admin/:shop/apps/:handle[/*]        the admin page framing the app
//   GET  /_sim/admin/session-token?shop=&user_id=  a fresh admin session token  → { token }
//   GET  /_sim/checkout/session-token?shop=&customer_id=   a checkout-extension session token → { token }
//   GET  /_sim/admin/scopes?shop=                  what App Bridge's shopify.scopes.query() answers
//   POST /_sim/admin/:shop/install                 load the app as a merchant opening it → InstallResult
//   POST /_sim/admin/:shop/uninstall               remove the app (sends app/uninstalled)
//   POST /_sim/admin/:shop/grants                  { read_all_orders: boolean }

import type { IncomingMessage } from "node:http";
import type { Router, RouteContext } from "../router.ts";
import { HttpError } from "../router.ts";
import type { SimStore } from "../store/store.ts";
import type { SimulatorContext } from "../server.ts";
import type { AdminApi } from "../admin-api/handler.ts";
import { simulatedAppFromOptions, type SimulatedApp } from "./app-config.ts";
import { adminFramePage, embeddedAppUrl } from "./admin-frame.ts";
import { appBridgeScript } from "./app-bridge-script.ts";
import { installApp, uninstallApp, type InstallResult } from "./install.ts";
import { mintSessionToken, type MintSessionTokenInput } from "./session-token.ts";
import { AppAuthority } from "./token-exchange.ts";
import { parseGid } from "../store/ids.ts";

export { AppAuthority } from "./token-exchange.ts";
export { mintSessionToken, verifySessionToken } from "./session-token.ts";
export { loadSimulatedApp, simulatedAppFromOptions, type SimulatedApp } from "./app-config.ts";
export type { InstallResult } from "./install.ts";

export interface AdminEdgeContext {
  store: SimStore;
  app: SimulatedApp;
  /** The simulator's own origin as browsers reach it; default: from each request's Host header. */
  simulatorOrigin?: string | (() => string);
  /** Shopify approves read_all_orders per app; default false everywhere until a shop is granted it. */
  readAllOrdersByDefault?: boolean;
  fetch?: typeof fetch;
  /** The Admin API, told which online access tokens this half issued. */
  adminApi?: AdminApi;
}

export interface AdminEdge {
  app: SimulatedApp;
  authority: AppAuthority;
  installApp(input: { shop: string; userId?: string; path?: string }): Promise<InstallResult>;
  uninstallApp(input: { shop: string }): void;
  /** An admin session token for the app (userId default "1"). */
  sessionToken(input: { shop: string; userId?: string }): string;
  /** A checkout-extension session token (sub = the customer GID when given). */
  checkoutSessionToken(input: { shop: string; customerGid?: string }): string;
  setReadAllOrdersGranted(shop: string, granted: boolean): void;
}

const CORS = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Authorization, Content-Type" };

/** The shop a request to https://{shop}/... was meant for: the edge fetch sets X-Forwarded-Host. */
export function shopFromRequest(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-host"];
  const raw = (Array.isArray(forwarded) ? forwarded[0] : forwarded?.split(",")[0]) ?? req.headers.host ?? "";
  return raw.trim().replace(/:\d+$/, "").toLowerCase();
}

function normalizeShop(s: string): string {
  const v = s.trim().toLowerCase();
  return v.includes(".") ? v : `${v}.myshopify.com`;
}

/** The simulator's origin as this browser reached it (its Host header), else the configured one. */
function originOf(ctx: RouteContext, setting?: string | (() => string)): string {
  const host = ctx.req.headers.host;
  if (host) {
    const proto = (ctx.req.headers["x-forwarded-proto"] as string | undefined)?.split(",")[0] ?? "http";
    return `${proto}://${host}`;
  }
  const configured = typeof setting === "function" ? setting() : setting;
  return (configured ?? "http://127.0.0.1").replace(/\/+$/, "");
}

async function formOrJson(ctx: RouteContext): Promise<Record<string, unknown>> {
  const text = await ctx.body();
  const type = String(ctx.req.headers["content-type"] ?? "");
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  if (!text.trim()) return Object.fromEntries(ctx.url.searchParams);
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    // Shopify's endpoint also takes a form body without a content type.
    return Object.fromEntries(new URLSearchParams(text));
  }
}

const edges = new WeakMap<SimStore, AdminEdge>();

/** The admin edge registered for a store (tests call installApp and sessionToken through it). */
export function adminEdgeOf(store: SimStore): AdminEdge | undefined {
  return edges.get(store);
}

function fromSimulator(sim: SimulatorContext | AdminEdgeContext): AdminEdgeContext {
  if (!("options" in sim)) return sim;
  return {
    store: sim.store,
    app: simulatedAppFromOptions(sim.options),
    simulatorOrigin: () => sim.origin(),
    readAllOrdersByDefault: process.env.SIMULATOR_READ_ALL_ORDERS === "1",
    adminApi: sim.admin,
  };
}

/** Plugs installation, auth and the admin frame into the simulator: `startSimulator` calls this with its context. */
export function registerEdgeRoutes(router: Router, sim: SimulatorContext | AdminEdgeContext): AdminEdge {
  const ctx = fromSimulator(sim);
  const authority = new AppAuthority(ctx.store, { apiKey: ctx.app.apiKey, apiSecret: ctx.app.apiSecret, scopes: ctx.app.scopes });
  authority.defaultReadAllOrders = ctx.readAllOrdersByDefault ?? false;
  // Shopify takes an online (per-user) token on the Admin API as well as the offline one, until it expires.
  ctx.adminApi?.acceptAccessTokens((domain, token) => authority.onlineToken(token) !== undefined && authority.shopForAccessToken(token) === domain);
  const app = ctx.app;
  const knownShop = (s: string) => {
    const data = ctx.store.findShop(normalizeShop(s));
    if (!data) throw new HttpError(404, `unknown shop ${s}`, { errors: "Not Found" });
    return data.shop.domain;
  };
  const sessionToken = ({ shop, userId }: { shop: string; userId?: string }) =>
    mintSessionToken({ shop: knownShop(shop), apiKey: app.apiKey, apiSecret: app.apiSecret, userId });
  const checkoutSessionToken = ({ shop, customerGid }: { shop: string; customerGid?: string }) => {
    const domain = knownShop(shop);
    const installation = ctx.store.findShop(domain)?.shop.installation;
    // A checkout extension only runs in shops that have the app installed.
    if (!installation || installation.apiKey !== app.apiKey) throw new HttpError(409, `the app is not installed on ${domain}`);
    const input: MintSessionTokenInput = { shop: domain, apiKey: app.apiKey, apiSecret: app.apiSecret, flavour: "checkout" };
    if (customerGid) {
      const id = parseGid(customerGid);
      if (id?.type !== "Customer" || !ctx.store.findShop(domain)?.customers.has(id.id)) throw new HttpError(404, `no customer ${customerGid} in ${domain}`);
      // Shopify sets sub only when the buyer is signed in and the app may read customers.
      if (installation.scopes.some((s) => s === "read_customers" || s === "write_customers")) input.customerGid = customerGid;
    }
    return mintSessionToken(input);
  };

  router.post("/admin/oauth/access_token", async (rc) => {
    const answer = authority.accessTokenRequest(shopFromRequest(rc.req), await formOrJson(rc));
    const text = JSON.stringify(answer.body);
    rc.res.writeHead(answer.status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
    rc.res.end(text);
  });

  router.get("/_sim/app-bridge.js", (rc) => {
    const js = appBridgeScript(originOf(rc, ctx.simulatorOrigin));
    rc.res.writeHead(200, { "Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-store", ...CORS });
    rc.res.end(js);
  });

  router.add("OPTIONS", "/_sim/admin/session-token", (rc) => void rc.res.writeHead(204, CORS).end());
  router.get("/_sim/admin/session-token", (rc) => {
    const token = sessionToken({ shop: rc.url.searchParams.get("shop") ?? "", userId: rc.url.searchParams.get("user_id") ?? undefined });
    rc.res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store", ...CORS });
    rc.res.end(JSON.stringify({ token }));
  });

  router.add("OPTIONS", "/_sim/checkout/session-token", (rc) => void rc.res.writeHead(204, CORS).end());
  router.get("/_sim/checkout/session-token", (rc) => {
    const q = rc.url.searchParams;
    const id = q.get("customer_gid") ?? (q.get("customer_id") ? `gid://shopify/Customer/${q.get("customer_id")}` : undefined);
    const token = checkoutSessionToken({ shop: q.get("shop") ?? "", customerGid: id });
    rc.res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store", ...CORS });
    rc.res.end(JSON.stringify({ token }));
  });

  router.get("/_sim/admin/scopes", (rc) => {
    const shop = knownShop(rc.url.searchParams.get("shop") ?? "");
    const granted = ctx.store.findShop(shop)?.shop.installation?.scopes ?? [];
    rc.res.writeHead(200, { "Content-Type": "application/json", ...CORS });
    rc.res.end(JSON.stringify({ granted, required: app.scopes, optional: [] }));
  });

  const frame = (rc: RouteContext) => {
    const shop = knownShop(rc.params.shop);
    if (rc.params.handle !== app.appHandle && rc.params.handle !== app.apiKey) throw new HttpError(404, `no app ${rc.params.handle}`);
    const sub = rc.params["*"] ? `/${rc.params["*"]}` : app.entryPath;
    const iframeSrc = embeddedAppUrl({
      appUrl: app.appUrl,
      path: sub,
      shop,
      idToken: mintSessionToken({ shop, apiKey: app.apiKey, apiSecret: app.apiSecret }),
      apiSecret: app.apiSecret,
      search: rc.url.searchParams,
    });
    const html = adminFramePage({ shop, appHandle: app.appHandle, appName: app.appName, iframeSrc, adminBasePath: `/_sim/admin/${shop}/apps/${rc.params.handle}` });
    rc.res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    rc.res.end(html);
  };
  router.get("/_sim/admin/:shop/apps/:handle", frame);
  router.get("/_sim/admin/:shop/apps/:handle/*", frame);

  const installFor = (input: { shop: string; userId?: string; path?: string }) =>
    installApp({ authority, app, fetch: ctx.fetch }, { ...input, shop: knownShop(input.shop) });
  const uninstallFor = (input: { shop: string }) => uninstallApp({ authority }, { shop: knownShop(input.shop) });

  router.post("/_sim/admin/:shop/install", async (rc) => {
    const body = await rc.json<{ userId?: string; path?: string }>();
    return installFor({ shop: rc.params.shop, userId: body.userId, path: body.path });
  });
  router.post("/_sim/admin/:shop/uninstall", (rc) => {
    uninstallFor({ shop: rc.params.shop });
    return { uninstalled: true };
  });
  router.post("/_sim/admin/:shop/grants", async (rc) => {
    const shop = knownShop(rc.params.shop);
    const body = await rc.json<{ read_all_orders?: unknown }>();
    if (typeof body.read_all_orders !== "boolean") throw new HttpError(400, "read_all_orders must be a boolean");
    authority.setReadAllOrdersGranted(shop, body.read_all_orders);
    return { shop, read_all_orders: body.read_all_orders, scopes: authority.grantedScopes(shop) };
  });

  const edge: AdminEdge = {
    app,
    authority,
    installApp: installFor,
    uninstallApp: uninstallFor,
    sessionToken,
    checkoutSessionToken,
    setReadAllOrdersGranted: (shop, granted) => authority.setReadAllOrdersGranted(knownShop(shop), granted),
  };
  edges.set(ctx.store, edge);
  return edge;
}
