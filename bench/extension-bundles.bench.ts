// Checkout extension bundles, as Shopify's CLI builds them and as Shopify measures them (zlib
// deflate of the bundle; 64 KB refused at deploy). Issue 10's target: ≤ 20 KB each.
//
//   npm run bench -- extension-bundles
//
// Bundled in memory (nothing written), with an app URL compiled in as a deploy would.
// BENCH_STRICT=1 exits 1 when a target is missed.
import { performance } from "node:perf_hooks";
import { bundleExtension, extensionDirs, readExtensionConfig, SHOPIFY_BUNDLE_LIMIT_BYTES, TIERLINE_BUNDLE_TARGET_BYTES } from "../scripts/bundle-extensions.ts";

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<number> {
  const results = [];
  for (const dir of extensionDirs()) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const bundle = await bundleExtension(readExtensionConfig(dir), { appUrl: "https://tierline.fly.dev", write: false });
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const met = bundle.deflatedBytes <= TIERLINE_BUNDLE_TARGET_BYTES;
    console.log(`  ${bundle.handle.padEnd(22)} ${kb(bundle.bytes).padStart(8)} minified  ${kb(bundle.deflatedBytes).padStart(7)} deflated  (${bundle.packages.join(", ")}; built in ${ms.toFixed(0)} ms, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU)`);
    console.log(`    target ≤ ${kb(TIERLINE_BUNDLE_TARGET_BYTES)} deflated: ${met ? "met" : "NOT MET"}; Shopify's limit ${kb(SHOPIFY_BUNDLE_LIMIT_BYTES)}: ${bundle.deflatedBytes <= SHOPIFY_BUNDLE_LIMIT_BYTES ? "within" : "OVER"}`);
    results.push({ handle: bundle.handle, bytes: bundle.bytes, deflatedBytes: bundle.deflatedBytes, met });
  }
  const allMet = results.every((r) => r.met);
  console.log(JSON.stringify({ bench: "extension-bundles", bundles: results, targets: { deflated20KB: allMet } }));
  return process.env.BENCH_STRICT === "1" && !allMet ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
