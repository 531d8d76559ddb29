// The UI extensions as Shopify's CLI would deploy them: each bundle (scripts/bundle-extensions.ts,
// the CLI's esbuild options) within Shopify's 64 KB deflated limit and our 20 KB target, with no
// date or other library beyond Preact, signals and Shopify's own; and each extension's TOML and
// locales as Shopify's tooling expects them.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UI_EXTENSIONS_API_VERSION } from "../app/adapters/shopify/api-version.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { bundleExtension, deployAppUrl, extensionDirs, readExtensionConfig, SHOPIFY_BUNDLE_LIMIT_BYTES, TIERLINE_BUNDLE_TARGET_BYTES, undeployableAppUrl } from "../scripts/bundle-extensions.ts";

const dirs = extensionDirs();

describe("the extensions' backend URL", () => {
  it("is compiled in from TIERLINE_APP_URL as Shopify's CLI compiles process.env, and nothing else stands in for it", async () => {
    const config = readExtensionConfig(dirs[0]);
    const withUrl = await bundleExtension(config, { appUrl: "https://tierline.fly.dev/", write: false });
    expect(withUrl.code).toContain('"https://tierline.fly.dev"');
    expect(withUrl.code).not.toMatch(/process\.env/);
    // Bundled without it (a CLI deploy with the variable unset): no placeholder host; the block renders nothing.
    const without = await bundleExtension(config, { write: false });
    expect(without.code).not.toMatch(/tierline\.example|localhost|127\.0\.0\.1/);
    expect(without.code).toContain("process.env.TIERLINE_APP_URL");
  });

  it("must be a public https URL for a deploy (npm run deploy checks the environment, then the app's .env)", () => {
    for (const url of [undefined, "http://tierline.fly.dev", "https://localhost:3000", "https://127.0.0.1:8080", "https://192.168.1.4", "https://tierline.example", "not a url"]) {
      expect(undeployableAppUrl(url), String(url)).not.toBeNull();
    }
    expect(undeployableAppUrl("https://tierline.fly.dev")).toBeNull();
    const dir = mkdtempSync(path.join(os.tmpdir(), "tierline-dotenv-"));
    try {
      writeFileSync(path.join(dir, ".env"), "SHOPIFY_API_KEY=abc\nTIERLINE_APP_URL=\"https://app.tierline.dev\"\n");
      expect(deployAppUrl({}, path.join(dir, ".env"))).toBe("https://app.tierline.dev");
      expect(deployAppUrl({ TIERLINE_APP_URL: "https://env.tierline.dev" }, path.join(dir, ".env"))).toBe("https://env.tierline.dev");
      expect(deployAppUrl({}, path.join(dir, "missing.env"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("UI extensions", () => {
  it("are the thank-you + Plus shipping-option extension, the order-status extension and the profile tier block", () => {
    const targets = Object.fromEntries(dirs.map((dir) => [path.basename(dir), readExtensionConfig(dir).targets.map((t) => t.target)]));
    expect(targets).toEqual({
      "tier-promise-account": ["customer-account.order-status.block.render"],
      "tier-promise-checkout": ["purchase.thank-you.block.render", "purchase.checkout.shipping-option-list.render-after"],
      "tier-status-profile": ["customer-account.profile.block.render"],
    });
  });

  describe.each(dirs.map((dir) => [path.basename(dir), dir]))("%s", (name, dir) => {
    const config = readExtensionConfig(dir);
    // The profile block reads the app's metafields through Shopify's Customer Account API only.
    const callsBackend = name !== "tier-status-profile";

    it(`is on API version ${UI_EXTENSIONS_API_VERSION} and ${callsBackend ? "may" : "does not"} call the app backend`, () => {
      expect(config.apiVersion).toBe(UI_EXTENSIONS_API_VERSION);
      expect(config.networkAccess).toBe(callsBackend);
    });

    it("has one default locale and others with exactly its keys, none empty", () => {
      const files = readdirSync(path.join(dir, "locales")).filter((f) => f.endsWith(".json"));
      const defaults = files.filter((f) => f.endsWith(".default.json"));
      expect(defaults).toEqual(["en.default.json"]);
      expect(files.length).toBeGreaterThanOrEqual(2);
      // Nested objects (plural forms, variants) flattened to dotted keys, as translate() reads them.
      const flatten = (node: unknown, prefix = ""): [string, unknown][] =>
        node && typeof node === "object" ? Object.entries(node).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)) : [[prefix, node]];
      const read = (f: string) => Object.fromEntries(flatten(JSON.parse(readFileSync(path.join(dir, "locales", f), "utf8"))));
      const plural = /\.(zero|one|two|few|many|other)$/;
      const keys = Object.keys(read(defaults[0])).filter((k) => !plural.test(k)).sort();
      for (const file of files) {
        const messages = read(file);
        expect(Object.keys(messages).filter((k) => !plural.test(k)).sort(), file).toEqual(keys);
        // Each language has its own plural forms; "other" is always there.
        for (const key of Object.keys(messages).filter((k) => k.endsWith(".other"))) expect(Object.keys(messages), file).toContain(key);
        for (const [key, text] of Object.entries(messages)) expect(typeof text === "string" && text.trim(), `${file} ${key}`).toBeTruthy();
      }
    });

    it(`bundles within Shopify's ${SHOPIFY_BUNDLE_LIMIT_BYTES / 1024} KB limit and our ${TIERLINE_BUNDLE_TARGET_BYTES / 1024} KB target, deflated, with no date library`, async () => {
      const bundle = await bundleExtension(config, { appUrl: "https://tierline.example.com", write: false });
      expect(bundle.deflatedBytes, "Shopify refuses to deploy a bundle over 64 KB deflated").toBeLessThanOrEqual(SHOPIFY_BUNDLE_LIMIT_BYTES);
      expect(bundle.deflatedBytes, "the 20 KB target").toBeLessThanOrEqual(TIERLINE_BUNDLE_TARGET_BYTES);
      expect(bundle.packages).toEqual(expect.arrayContaining(["preact"]));
      for (const pkg of bundle.packages) expect(["preact", "@preact/signals", "@preact/signals-core", "@shopify/ui-extensions"]).toContain(pkg);
      // (Booleans, not the code itself: a failure would print the whole bundle.)
      for (const { target } of config.targets) expect(bundle.code.includes(`shopify.extend(${JSON.stringify(target)}`), target).toBe(true);
      // An IIFE for ES6 (the CLI's format and target): no module syntax left.
      expect(bundle.code.startsWith("(()=>{")).toBe(true);
      expect(/\bimport\s*[{(*"']|\bexport\s*\{/.test(bundle.code)).toBe(false);
      // The backend's origin, compiled in (where the extension calls it).
      expect(bundle.code.includes('"https://tierline.example.com"')).toBe(callsBackend);
    });
  });
});
