// `npm run bundle:extensions`: bundles each UI extension under extensions/ the way Shopify's CLI
// does (esbuild: bundle, minify, ES6 target, IIFE, automatic JSX from Preact, no legal comments,
// NODE_ENV defined, an entry from stdin that registers every target with shopify.extend), writes
// extensions/<handle>/dist/<handle>.js, and prints each bundle's size deflated with zlib, which is
// what Shopify holds to its 64 KB limit.
//
// The backend's origin is compiled in as `process.env.TIERLINE_APP_URL`, the way Shopify's CLI
// compiles in every variable of its environment and of the app's .env: a deploy with the CLI is
// `TIERLINE_APP_URL=https://… shopify app deploy` (`npm run deploy` checks it first). Without it the
// extension has no backend and renders nothing. This script takes --app-url, else TIERLINE_APP_URL,
// else SHOPIFY_APP_URL, and refuses a URL no buyer's browser could reach (http, localhost, a
// private address, *.example) unless --local (the simulator's thank-you page, tests).
//   npm run bundle:extensions [-- --app-url URL] [-- --local]
//   node --import tsx scripts/bundle-extensions.ts --check-deploy   (what `npm run deploy` runs)
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const EXTENSIONS_DIR = path.join(ROOT, "extensions");
/** Shopify refuses to deploy a UI extension whose compressed bundle is larger. */
export const SHOPIFY_BUNDLE_LIMIT_BYTES = 64 * 1024;
/** Ours: a checkout block should cost the buyer next to nothing. */
export const TIERLINE_BUNDLE_TARGET_BYTES = 20 * 1024;

export type ExtensionTarget = { target: string; module: string };
export type ExtensionConfig = { dir: string; handle: string; apiVersion: string; targets: ExtensionTarget[]; networkAccess: boolean };
export type BundledExtension = {
  handle: string;
  file: string;
  bytes: number;
  deflatedBytes: number;
  code: string;
  /** The packages bundled in (e.g. "preact", "@preact/signals-core"). */
  packages: string[];
};

/** The few TOML keys the bundle needs (handle, api_version, each [[extensions.targeting]]). */
export function readExtensionConfig(dir: string): ExtensionConfig {
  const toml = readFileSync(path.join(dir, "shopify.extension.toml"), "utf8");
  const value = (text: string, key: string) => new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "m").exec(text)?.[1];
  const handle = value(toml, "handle");
  const apiVersion = value(toml, "api_version");
  if (!handle || !apiVersion) throw new Error(`${dir}/shopify.extension.toml needs handle and api_version`);
  const targets = toml
    .split(/^\s*\[\[extensions\.targeting\]\]\s*$/m)
    .slice(1)
    .map((block) => ({ target: value(block, "target"), module: value(block, "module") }))
    .filter((t): t is ExtensionTarget => Boolean(t.target && t.module));
  if (targets.length === 0) throw new Error(`${dir}/shopify.extension.toml has no [[extensions.targeting]]`);
  return { dir, handle, apiVersion, targets, networkAccess: /^\s*network_access\s*=\s*true/m.test(toml) };
}

export function extensionDirs(): string[] {
  return readdirSync(EXTENSIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(EXTENSIONS_DIR, entry.name, "shopify.extension.toml")))
    // Only UI extensions are bundled (flow_trigger extensions are configuration alone).
    .filter((entry) => /^\s*type\s*=\s*"ui_extension"/m.test(readFileSync(path.join(EXTENSIONS_DIR, entry.name, "shopify.extension.toml"), "utf8")))
    .map((entry) => path.join(EXTENSIONS_DIR, entry.name))
    .sort();
}

/** The CLI's stdin entry: import each target's module and hand it to shopify.extend. */
export function entrySource(config: ExtensionConfig): string {
  return config.targets
    .map(({ target, module }, i) => `import Target_${i} from ${JSON.stringify(module)};\nshopify.extend(${JSON.stringify(target)}, (...args) => Target_${i}(...args));`)
    .join("\n");
}

export async function bundleExtension(config: ExtensionConfig, { appUrl, write = true }: { appUrl?: string; write?: boolean } = {}): Promise<BundledExtension> {
  const file = path.join(config.dir, "dist", `${config.handle}.js`);
  const result = await build({
    stdin: { contents: entrySource(config), resolveDir: config.dir, loader: "tsx", sourcefile: "entry.tsx" },
    bundle: true,
    minify: true,
    target: "es6",
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    define: {
      "process.env.NODE_ENV": JSON.stringify("production"),
      ...(appUrl ? { "process.env.TIERLINE_APP_URL": JSON.stringify(appUrl.replace(/\/+$/, "")) } : {}),
    },
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match) packages.add(match[1]);
  }
  const code = result.outputFiles[0].text;
  if (write) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, code);
  }
  return { handle: config.handle, file, bytes: Buffer.byteLength(code), deflatedBytes: deflateSync(code).length, code, packages: [...packages].sort() };
}

export async function bundleAllExtensions(options: { appUrl?: string; write?: boolean } = {}): Promise<BundledExtension[]> {
  const bundles: BundledExtension[] = [];
  for (const dir of extensionDirs()) bundles.push(await bundleExtension(readExtensionConfig(dir), options));
  return bundles;
}

/** Why a URL cannot be the backend of a deployed extension, or null when it can. */
export function undeployableAppUrl(url: string | undefined): string | null {
  if (!url) return "no app URL: set TIERLINE_APP_URL (the environment or .env) to the app's public https URL";
  if (!URL.canParse(url)) return `${url} is not a URL`;
  const { protocol, hostname } = new URL(url);
  if (protocol !== "https:") return `${url} is not https: checkout pages are`;
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^(127|10|0)\./.test(host) || /^192\.168\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host)) return `${url} is not reachable from a buyer's browser`;
  if (host === "example.com" || /(^|\.)example(\.(com|net|org))?$/.test(host)) return `${url} is a placeholder`;
  return null;
}

/** TIERLINE_APP_URL from the environment, else from the app's .env (Shopify's CLI reads both). */
export function deployAppUrl(env: Record<string, string | undefined> = process.env, dotEnvPath = path.join(ROOT, ".env")): string | undefined {
  if (env.TIERLINE_APP_URL) return env.TIERLINE_APP_URL;
  if (!existsSync(dotEnvPath)) return undefined;
  const line = /^\s*TIERLINE_APP_URL\s*=\s*["']?([^"'\s#]+)/m.exec(readFileSync(dotEnvPath, "utf8"));
  return line?.[1];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  if (process.argv.includes("--check-deploy")) {
    const refused = undeployableAppUrl(deployAppUrl());
    if (refused) throw new Error(`The extensions would ship without a reachable backend: ${refused}.`);
    console.log(`extensions will call ${deployAppUrl()}`);
    return;
  }
  const flag = process.argv.indexOf("--app-url");
  const appUrl = flag >= 0 ? process.argv[flag + 1] : process.env.TIERLINE_APP_URL ?? process.env.SHOPIFY_APP_URL;
  const refused = undeployableAppUrl(appUrl);
  if (refused && !process.argv.includes("--local")) throw new Error(`${refused} (--local bundles for the simulator anyway).`);
  let over = false;
  for (const bundle of await bundleAllExtensions({ appUrl })) {
    const verdict = bundle.deflatedBytes > SHOPIFY_BUNDLE_LIMIT_BYTES ? "OVER Shopify's 64 KB limit" : bundle.deflatedBytes > TIERLINE_BUNDLE_TARGET_BYTES ? "over the 20 KB target" : "within the 20 KB target";
    over ||= bundle.deflatedBytes > SHOPIFY_BUNDLE_LIMIT_BYTES;
    console.log(`${bundle.handle}: ${kb(bundle.bytes)} minified, ${kb(bundle.deflatedBytes)} deflated (${verdict}) → ${path.relative(ROOT, bundle.file)}`);
  }
  if (over) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
