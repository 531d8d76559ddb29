// The HTML of the simulated thank-you page and its extension host (see index.ts).

export type ThankYouPageConfig = {
  shop: string;
  shopName: string;
  target: string;
  bundleUrl: string;
  orderIdentity: string;
  orderName: string;
  customerGid: string | null;
  buyerName: string | null;
  email: string | null;
  locale: string;
  currency: string;
  country: string;
  province: string | null;
  messages: Record<string, string>;
  lines: { title: string; quantity: number }[];
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

// Runs in the browser. Kept as plain ES2020 text: the page has no build step of its own.
const HOST_SCRIPT = String.raw`
const config = JSON.parse(document.getElementById("checkout-config").textContent);
const slot = document.getElementById("tierline-block");
const signal = (value) => ({ value, current: value, subscribe: () => () => {}, destroy: async () => {} });
const registered = [];
const translate = (key, options = {}) => {
  const message = config.messages[key];
  if (message === undefined) return key;
  return message.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => (options[name] === undefined ? "" : String(options[name])));
};
globalThis.shopify = {
  extend(target, render) { registered.push({ target, render }); },
  extension: { target: config.target, apiVersion: "2026-07", capabilities: signal(["network_access"]), rendered: signal(true) },
  sessionToken: {
    async get() {
      const query = new URLSearchParams({ shop: config.shop });
      if (config.customerGid) query.set("customer_gid", config.customerGid);
      const response = await fetch("/_sim/checkout/session-token?" + query);
      return (await response.json()).token;
    },
  },
  orderConfirmation: signal({ order: { id: config.orderIdentity }, number: config.orderName, isFirstOrder: false }),
  localization: {
    language: signal({ isoCode: config.locale }),
    extensionLanguage: signal({ isoCode: config.locale }),
    currency: signal({ isoCode: config.currency }),
    country: signal({ isoCode: config.country }),
  },
  i18n: {
    translate,
    formatNumber: (n) => new Intl.NumberFormat(config.locale).format(n),
    formatCurrency: (n) => new Intl.NumberFormat(config.locale, { style: "currency", currency: config.currency }).format(n),
  },
  settings: signal({}),
  shippingAddress: signal({ countryCode: config.country, provinceCode: config.province ?? undefined }),
};
// The Polaris web components the block uses, as plain elements the page's CSS styles.
for (const tag of ["s-stack", "s-heading", "s-text", "s-badge", "s-divider", "s-banner"]) {
  if (!customElements.get(tag)) customElements.define(tag, class extends HTMLElement {});
}
// The extension's document: its body is the block's slot, everything else the page's document.
const extensionDocument = new Proxy(document, {
  get(target, property) {
    if (property === "body") return slot;
    const value = Reflect.get(target, property, target);
    return typeof value === "function" ? value.bind(target) : value;
  },
});
(async () => {
  try {
    const code = await (await fetch(config.bundleUrl)).text();
    new Function("document", code)(extensionDocument);
    for (const { target, render } of registered) if (target === config.target) await render();
    slot.dataset.state = "running";
  } catch (error) {
    slot.dataset.state = "failed";
    console.error("extension failed", error);
  }
})();
`;

export function thankYouPage(config: ThankYouPageConfig): string {
  const greeting = config.buyerName ? `Thank you, ${escapeHtml(config.buyerName)}!` : "Thank you!";
  return `<!doctype html>
<html lang="${escapeHtml(config.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thank you – ${escapeHtml(config.shopName)}</title>
<style>
  :root { color-scheme: light; --border: #dedede; --subdued: #616161; --accent: #1773b0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1a1a1a; background: #fff; }
  header { border-bottom: 1px solid var(--border); padding: 20px 24px; }
  header h1 { margin: 0 auto; max-width: 1100px; font-size: 22px; font-weight: 600; }
  .layout { display: grid; grid-template-columns: minmax(0, 1fr) 420px; max-width: 1100px; margin: 0 auto; }
  main { padding: 32px 38px 48px 24px; display: flex; flex-direction: column; gap: 16px; }
  aside { background: #f5f5f5; border-left: 1px solid var(--border); padding: 32px 24px; min-height: calc(100vh - 70px); }
  .confirmed { display: flex; gap: 12px; align-items: center; }
  .check { width: 40px; height: 40px; border-radius: 50%; border: 2px solid var(--accent); color: var(--accent); display: grid; place-items: center; font-size: 20px; flex: none; }
  .confirmed p { margin: 0; color: var(--subdued); }
  .confirmed h2 { margin: 0; font-size: 20px; font-weight: 600; }
  .card { border: 1px solid var(--border); border-radius: 8px; padding: 16px; }
  .card h3 { margin: 0 0 4px; font-size: 15px; font-weight: 600; }
  .card p { margin: 0; color: var(--subdued); }
  #tierline-block:empty { display: none; }
  #tierline-block { border: 1px solid var(--border); border-radius: 8px; padding: 16px; }
  s-stack { display: flex; flex-direction: column; gap: 6px; }
  s-heading { display: block; font-size: 15px; font-weight: 600; }
  s-text { display: block; }
  s-text[type="strong"] { font-weight: 600; }
  s-text[color="subdued"] { color: var(--subdued); }
  aside ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 10px; }
  aside li { display: flex; justify-content: space-between; gap: 12px; }
  @media (max-width: 750px) {
    .layout { grid-template-columns: 1fr; }
    aside { order: -1; border-left: 0; border-bottom: 1px solid var(--border); min-height: 0; padding: 16px; }
    main { padding: 20px 16px 40px; }
    header { padding: 16px; }
  }
</style>
</head>
<body>
<header><h1>${escapeHtml(config.shopName)}</h1></header>
<div class="layout">
  <main>
    <div class="confirmed">
      <div class="check" aria-hidden="true">✓</div>
      <div><p>Order ${escapeHtml(config.orderName)}</p><h2>${greeting}</h2></div>
    </div>
    <section id="tierline-block" aria-label="Tierline delivery promise" data-state="loading"></section>
    <div class="card"><h3>Your order is confirmed</h3><p>You’ll receive a confirmation email${config.email ? ` at ${escapeHtml(config.email)}` : ""} with your order number shortly.</p></div>
  </main>
  <aside>
    <ul>${config.lines.map((line) => `<li><span>${escapeHtml(line.title)}</span><span>× ${line.quantity}</span></li>`).join("")}</ul>
  </aside>
</div>
<script type="application/json" id="checkout-config">${scriptJson(config)}</script>
<script type="module">${HOST_SCRIPT}</script>
</body>
</html>`;
}
