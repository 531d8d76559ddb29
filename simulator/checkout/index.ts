// The simulated thank-you page: runs Tierline's BUILT checkout extension (the bundle
// scripts/bundle-extensions.ts makes for deploy, with SHOPIFY_APP_URL compiled in) against the app
// backend, with real checkout session tokens.
//
//   GET /_sim/checkout/:shop/thank-you/:orderId[?locale=fr&country=US&province=NY]
//        the order's thank-you page, as its buyer (a guest order: as a guest)
//   GET /_sim/checkout/extensions/:handle.js    the extension's bundle, built on first request
//
// The host gives the bundle what Shopify's checkout gives an extension: a `shopify` global with
// extend(), sessionToken.get() (minted by /_sim/checkout/session-token), orderConfirmation,
// localization, i18n.translate over the extension's own locale files, settings and the shipping
// address; and plain custom elements for the Polaris tags it uses. Shopify runs extensions in a
// sandbox whose document is the extension's own; here the bundle is run with a `document` whose body
// is the block's slot on the page, so the page around it stays.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Router } from "../router.ts";
import { HttpError } from "../router.ts";
import type { SimulatorContext } from "../server.ts";
import { thankYouPage, type ThankYouPageConfig } from "./thank-you-page.ts";

const EXTENSIONS_DIR = path.resolve(import.meta.dirname, "../../extensions");
const THANK_YOU_TARGET = "purchase.thank-you.block.render";
const CHECKOUT_EXTENSION = "tier-promise-checkout";

/** The extension's messages for a language: its default locale file under the language's own. */
function messagesFor(handle: string, locale: string): Record<string, string> {
  const dir = path.join(EXTENSIONS_DIR, handle, "locales");
  const read = (file: string) => (existsSync(path.join(dir, file)) ? (JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<string, string>) : {});
  const language = locale.toLowerCase().split("-")[0];
  return { ...read("en.default.json"), ...read(`${language}.json`), ...read(`${locale}.json`) };
}

export function registerEdgeRoutes(router: Router, sim: SimulatorContext): void {
  const bundles = new Map<string, Promise<string>>();

  router.get("/_sim/checkout/extensions/:handle.js", async ({ params, res }) => {
    const dir = path.join(EXTENSIONS_DIR, params.handle);
    if (!/^[a-z0-9-]+$/.test(params.handle) || !existsSync(path.join(dir, "shopify.extension.toml"))) throw new HttpError(404, `No extension ${params.handle}`);
    let bundle = bundles.get(params.handle);
    if (!bundle) {
      // Loaded here, not at the top: only this page needs esbuild.
      bundle = import("../../scripts/bundle-extensions.ts").then(async ({ bundleExtension, readExtensionConfig }) => (await bundleExtension(readExtensionConfig(dir), { appUrl: sim.options.appUrl, write: false })).code);
      bundles.set(params.handle, bundle);
      bundle.catch(() => bundles.delete(params.handle));
    }
    const code = await bundle;
    res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" });
    res.end(code);
  });

  router.get("/_sim/checkout/:shop/thank-you/:orderId", ({ params, url, res }) => {
    const data = sim.store.findShop(params.shop);
    if (!data) throw new HttpError(404, `No shop ${params.shop}`);
    const order = data.orders.get(params.orderId);
    if (!order) throw new HttpError(404, `No order ${params.orderId} in ${params.shop}`);
    const customer = order.customerId ? data.customers.get(order.customerId) ?? null : null;
    const locale = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(url.searchParams.get("locale") ?? "") ? url.searchParams.get("locale")! : "en";
    const config: ThankYouPageConfig = {
      shop: params.shop,
      shopName: data.shop.name,
      target: THANK_YOU_TARGET,
      bundleUrl: `/_sim/checkout/extensions/${CHECKOUT_EXTENSION}.js`,
      // The thank-you page knows the order by its OrderIdentity, as Shopify's checkout does.
      orderIdentity: `gid://shopify/OrderIdentity/${order.id}`,
      orderName: order.name,
      customerGid: customer?.gid ?? null,
      buyerName: customer?.firstName ?? null,
      email: order.email,
      locale,
      currency: order.presentmentCurrency,
      country: url.searchParams.get("country") ?? data.shop.countryCode ?? "US",
      province: url.searchParams.get("province"),
      messages: messagesFor(CHECKOUT_EXTENSION, locale),
      lines: order.lineItems.map((line) => ({ title: line.title, quantity: line.quantity })),
    };
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(thankYouPage(config));
  });
}
