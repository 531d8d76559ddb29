// The one shopifyApp() of the app: authentication helpers, the Admin API
// clients and session storage, configured from the environment.
import "@shopify/shopify-app-remix/adapters/node";
import { AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { db } from "./db.server.ts";
import { env } from "./env.server.ts";
import { API_VERSION } from "./adapters/shopify/api-version.ts";
import { installShopifyOriginOverride } from "./adapters/shopify/shopify-origin-override.server.ts";
import { recordInstallation } from "./use-cases/record-installation.server.ts";

const config = env();
if (config.SHOPIFY_API_ORIGIN) installShopifyOriginOverride(config.SHOPIFY_API_ORIGIN);

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: config.SCOPES.split(",").map((scope) => scope.trim()).filter(Boolean),
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // Our client is generated to its own package; the storage only needs the `session` model.
  sessionStorage: new PrismaSessionStorage(db as unknown as ConstructorParameters<typeof PrismaSessionStorage>[0]),
  distribution: AppDistribution.AppStore,
  future: { unstable_newEmbeddedAuthStrategy: true },
  // The library's own log lines follow LOG_LEVEL like ours: at its default (info) it writes a line
  // for every authenticated request, which on the checkout endpoint cost more than the answer.
  logger: { level: { debug: LogSeverity.Debug, info: LogSeverity.Info, warn: LogSeverity.Warning, error: LogSeverity.Error }[config.LOG_LEVEL] },
  hooks: {
    // Runs after token exchange stores the offline session: the shop is installed.
    afterAuth: async ({ session }) => {
      await recordInstallation({ db, shop: session.shop, scopes: session.scope ?? "" });
    },
  },
  ...(config.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [config.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const apiVersion = API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
