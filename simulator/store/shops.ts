// Shops: creating one (plan, currency, location), installing and uninstalling the app, the plan's
// API limits, and the app-reserved metafield namespace.
import { randomBytes } from "node:crypto";
import { normalizeDomain, ShopData, snapshot, StoreError, type OperationOptions, type StoreCore } from "./store-core.ts";
import type { CurrencyCode, Id, IsoDateTime, SimAppInstallation, SimPlan, SimShop, StoreChange } from "./types.ts";

export const PLANS: Record<string, SimPlan> = {
  basic: { name: "basic", displayName: "Basic", shopifyPlus: false, bucketSize: 2000, restoreRate: 100 },
  standard: { name: "professional", displayName: "Shopify", shopifyPlus: false, bucketSize: 2000, restoreRate: 100 },
  advanced: { name: "unlimited", displayName: "Advanced", shopifyPlus: false, bucketSize: 4000, restoreRate: 200 },
  plus: { name: "shopify_plus", displayName: "Shopify Plus", shopifyPlus: true, bucketSize: 20000, restoreRate: 1000 },
  // Shopify documents restore rates only; buckets are taken as 20x the rate, as for the plans above.
  enterprise: { name: "enterprise", displayName: "Shopify for enterprise", shopifyPlus: true, bucketSize: 40000, restoreRate: 2000 },
};

/** Units of presentment currency per unit of USD (fixed, so seeded stores are reproducible). */
export const USD_RATES: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.36, AUD: 1.52, SEK: 10.6, CHF: 0.88 };

export function exchangeRate(from: CurrencyCode, to: CurrencyCode): number {
  if (from === to) return 1;
  const a = USD_RATES[from];
  const b = USD_RATES[to];
  if (!a || !b) throw new StoreError(`unsupported currency pair ${from}/${to}`);
  return b / a;
}

export interface CreateShopInput {
  domain: string;
  name?: string;
  email?: string;
  currency?: CurrencyCode;
  /** Prices include tax (as in the EU, the UK, Australia); default false. */
  taxesIncluded?: boolean;
  ianaTimezone?: string;
  /** ISO 3166 country of the shop's address; default "US". */
  countryCode?: string;
  plan?: keyof typeof PLANS | SimPlan;
  enabledPresentmentCurrencies?: CurrencyCode[];
  createdAt?: IsoDateTime;
  install?: { apiKey?: string; scopes?: string[]; accessToken?: string; appId?: Id } | null;
}

export const DEFAULT_SCOPES = [
  "read_customers", "write_customers", "read_orders", "write_orders", "read_all_orders",
  "read_products", "read_inventory", "write_inventory", "read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders",
];

export function createShop(store: StoreCore, input: CreateShopInput): ShopData {
  const domain = normalizeDomain(input.domain);
  if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(domain)) throw new StoreError(`shop must be a myshopify domain, got ${input.domain}`);
  if (store.findShop(domain)) throw new StoreError(`shop ${domain} exists`, 409);
  const { id, gid } = store.mint("Shop");
  const createdAt = input.createdAt ?? store.now().toISOString();
  const currency = input.currency ?? "USD";
  exchangeRate(currency, "USD"); // rejects unknown currencies
  const named = typeof input.plan === "object" ? input.plan : Object.hasOwn(PLANS, input.plan ?? "standard") ? PLANS[input.plan ?? "standard"] : undefined;
  if (!named) throw new StoreError(`unknown plan ${String(input.plan)}; one of ${Object.keys(PLANS).join(", ")}`);
  const plan = { ...named };
  const handle = domain.replace(/\.myshopify\.com$/, "");
  const location = store.mint("Location");
  const shop: SimShop = {
    id, gid, domain,
    name: input.name ?? handle.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join(" "),
    email: input.email ?? `owner@${handle}.example`,
    currency,
    taxesIncluded: input.taxesIncluded ?? false,
    enabledPresentmentCurrencies: input.enabledPresentmentCurrencies ?? [currency, ...Object.keys(USD_RATES).filter((c) => c !== currency)],
    ianaTimezone: input.ianaTimezone ?? "America/New_York",
    countryCode: input.countryCode ?? "US",
    plan,
    createdAt,
    installation: null,
    locations: [{ ...location, name: "Main warehouse" }],
  };
  const data = new ShopData(shop);
  store.addShop(data);
  if (input.install !== undefined && input.install !== null) installApp(store, domain, input.install);
  return data;
}

export function installApp(store: StoreCore, domain: string, input: { apiKey?: string; scopes?: string[]; accessToken?: string; appId?: Id } = {}): SimAppInstallation {
  const data = store.shop(domain);
  const installation: SimAppInstallation = {
    appId: input.appId ?? "4242000001",
    apiKey: input.apiKey ?? "sim-api-key",
    accessToken: input.accessToken ?? `shpat_${randomBytes(16).toString("hex")}`,
    scopes: input.scopes ?? DEFAULT_SCOPES,
    installedAt: store.now().toISOString(),
  };
  data.shop.installation = installation;
  return installation;
}

export function uninstallApp(store: StoreCore, domain: string, options?: OperationOptions): void {
  const data = store.shop(domain);
  if (!data.shop.installation) return;
  const shopSnapshot = snapshot(data.shop);
  data.shop.installation = null;
  store.emitChange({ shop: data.shop.domain, topic: "app/uninstalled", occurredAt: store.at(options), shopSnapshot } as StoreChange, options);
}

export function setPlan(store: StoreCore, domain: string, plan: Partial<SimPlan> | keyof typeof PLANS): SimPlan {
  const data = store.shop(domain);
  if (typeof plan === "string" && !Object.hasOwn(PLANS, plan)) throw new StoreError(`unknown plan ${plan}; one of ${Object.keys(PLANS).join(", ")}`);
  data.shop.plan = typeof plan === "string" ? { ...PLANS[plan] } : { ...data.shop.plan, ...plan };
  return data.shop.plan;
}

// ------------------------------------------------------------ app namespace

/** Shopify's app-reserved namespace: "$app" → "app--{appId}", "$app:x" → "app--{appId}--x". */
export function resolveNamespace(store: StoreCore, domain: string, namespace: string | null | undefined): string {
  const appId = store.shop(domain).shop.installation?.appId ?? "0";
  if (namespace === null || namespace === undefined || namespace === "" || namespace === "$app") return `app--${appId}`;
  if (namespace.startsWith("$app:")) return `app--${appId}--${namespace.slice(5)}`;
  return namespace;
}