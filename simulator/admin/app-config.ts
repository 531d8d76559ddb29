// What the simulator knows about the app it plays Shopify for, from the same
// sources Shopify's tooling reads: the app's environment (SHOPIFY_API_KEY,
// SHOPIFY_API_SECRET, SHOPIFY_APP_URL, SCOPES) and its shopify.app.toml.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { readAppTomlFile, type WebhookSubscription } from "../webhooks/app-toml.ts";

export interface SimulatedApp {
  apiKey: string;
  apiSecret: string;
  /** Where the app serves (the origin the simulator delivers webhooks to and frames). */
  appUrl: string;
  scopes: string[];
  /** The admin URL segment: /_sim/admin/{shop}/apps/{handle}. */
  appHandle: string;
  appName: string;
  webhooksApiVersion: string;
  subscriptions: WebhookSubscription[];
  /** Path the admin opens inside the app (Shopify opens application_url; the template's index forwards to /app). */
  entryPath: string;
}

export const DEFAULT_WEBHOOKS_API_VERSION = "2025-10";
/** The project's own shopify.app.toml (SIMULATOR_APP_TOML overrides). */
export const PROJECT_APP_TOML = join(import.meta.dirname, "../../shopify.app.toml");

export function loadSimulatedApp({
  env = process.env,
  tomlPath = env.SIMULATOR_APP_TOML ?? PROJECT_APP_TOML,
  overrides = {},
}: { env?: NodeJS.ProcessEnv; tomlPath?: string; overrides?: Partial<SimulatedApp> } = {}): SimulatedApp {
  const toml = existsSync(tomlPath) ? readAppTomlFile(tomlPath) : null;
  const scopes = env.SCOPES ? env.SCOPES.split(",").map((s) => s.trim()).filter(Boolean) : (toml?.scopes ?? []);
  const name = toml?.name ?? "Tierline";
  return {
    apiKey: env.SHOPIFY_API_KEY ?? toml?.clientId ?? "sim-api-key",
    apiSecret: env.SHOPIFY_API_SECRET ?? "sim-api-secret",
    appUrl: (env.SHOPIFY_APP_URL ?? toml?.applicationUrl ?? "http://localhost:3000").replace(/\/+$/, ""),
    scopes,
    appHandle: toml?.handle ?? name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""),
    appName: name,
    webhooksApiVersion: toml?.webhooksApiVersion ?? DEFAULT_WEBHOOKS_API_VERSION,
    subscriptions: toml?.subscriptions ?? [],
    entryPath: "/app",
    ...overrides,
  };
}

/** The app as the simulator server was started for it (its options win over env and TOML). */
export function simulatedAppFromOptions(
  options: { apiKey: string; apiSecret: string; appUrl: string; scopes?: string[] },
  env: NodeJS.ProcessEnv = process.env,
): SimulatedApp {
  const base = loadSimulatedApp({ env });
  return {
    ...base,
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    appUrl: options.appUrl.replace(/\/+$/, ""),
    scopes: env.SCOPES || base.scopes.length ? base.scopes : (options.scopes ?? []),
  };
}
