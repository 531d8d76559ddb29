// The Shopify admin around the embedded app: a page that frames the app URL
// with the query Shopify's admin sends (embedded, shop, host, id_token,
// locale, session, timestamp, hmac), and answers the framed App Bridge
// stand-in's messages: fresh session tokens, the app's nav menu, toasts, the
// loading bar, the title and the current path.

import { createHmac, randomBytes } from "node:crypto";
import { MESSAGE_PREFIX } from "./app-bridge-script.ts";

/** `host` as Shopify's admin sends it: base64 of "admin.shopify.com/store/{handle}", unpadded. */
export function adminHostParam(shop: string): string {
  const handle = shop.replace(/\.myshopify\.com$/, "");
  return Buffer.from(`admin.shopify.com/store/${handle}`).toString("base64").replace(/=+$/, "");
}

/** Shopify's query HMAC: hex HMAC-SHA256 of the sorted `k=v` pairs (without hmac), joined by "&". */
export function signQuery(params: URLSearchParams, secret: string): string {
  const pairs = [...params.entries()].filter(([k]) => k !== "hmac" && k !== "signature").map(([k, v]) => `${k}=${v}`);
  pairs.sort();
  return createHmac("sha256", secret).update(pairs.join("&")).digest("hex");
}

export interface EmbeddedUrlInput {
  appUrl: string;
  /** Path inside the app, e.g. "/app" or "/app/settings". */
  path: string;
  shop: string;
  idToken: string;
  apiSecret: string;
  /** Extra query from the admin URL, passed through (Shopify forwards it). */
  search?: URLSearchParams;
  now?: number;
}

/** The URL the admin loads in the app iframe. */
export function embeddedAppUrl(input: EmbeddedUrlInput): string {
  const url = new URL(input.appUrl.replace(/\/+$/, "") + input.path.replace(/^\/*/, "/"));
  for (const [k, v] of input.search ?? []) url.searchParams.set(k, v);
  const q = url.searchParams;
  q.set("embedded", "1");
  q.set("host", adminHostParam(input.shop));
  q.set("id_token", input.idToken);
  q.set("locale", "en");
  q.set("session", randomBytes(32).toString("hex"));
  q.set("shop", input.shop);
  q.set("timestamp", String(Math.floor((input.now ?? Date.now()) / 1000)));
  q.set("hmac", signQuery(q, input.apiSecret));
  return url.toString();
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface AdminFrameInput {
  shop: string;
  appHandle: string;
  appName: string;
  iframeSrc: string;
  /** Where the admin page lives: /_sim/admin/{shop}/apps/{handle}. */
  adminBasePath: string;
}

export function adminFramePage(input: AdminFrameInput): string {
  const appOrigin = new URL(input.iframeSrc).origin;
  const config = JSON.stringify({ shop: input.shop, appOrigin, base: input.adminBasePath, prefix: MESSAGE_PREFIX });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(input.appName)} · ${esc(input.shop)} · Shopify admin (simulated)</title>
<style>
  html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; background: #f1f1f1; color: #303030; }
  .sim-top { height: 48px; background: #1a1a1a; color: #e3e3e3; display: flex; align-items: center; padding: 0 16px; gap: 12px; }
  .sim-top .sim-badge { background: #ffb800; color: #1a1a1a; border-radius: 6px; padding: 2px 8px; font-weight: 600; font-size: 12px; }
  .sim-body { display: flex; height: calc(100% - 48px); }
  nav.sim-nav { width: 220px; padding: 12px 8px; box-sizing: border-box; }
  nav.sim-nav a { display: block; padding: 6px 10px; border-radius: 8px; color: inherit; text-decoration: none; }
  nav.sim-nav a[aria-current="page"] { background: #fff; font-weight: 600; }
  nav.sim-nav .sim-app-name { font-weight: 600; padding: 6px 10px; }
  main.sim-main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
  .sim-title { padding: 10px 16px; font-weight: 600; font-size: 16px; min-height: 20px; }
  .sim-loading { height: 3px; background: transparent; }
  .sim-loading[data-on="true"] { background: linear-gradient(90deg, #008060, #95c9b4); }
  iframe.sim-app { flex: 1; border: 0; background: #fff; width: 100%; }
  .sim-toasts { position: fixed; bottom: 24px; left: 50%; transform: translateX(-50%); display: flex; flex-direction: column; gap: 8px; z-index: 10; }
  .sim-toast { background: #303030; color: #fff; padding: 10px 16px; border-radius: 8px; }
  .sim-toast[data-error="true"] { background: #c5280c; }
  .sim-uninstalled { padding: 24px; }
  /* Phones: like Shopify's own admin, the app's menu sits above the app, which gets the full width. */
  @media (max-width: 767px) {
    .sim-body { flex-direction: column; }
    nav.sim-nav { width: 100%; padding: 4px 8px; display: flex; flex-wrap: wrap; align-items: center; gap: 4px; }
    nav.sim-nav #sim-nav-items { display: flex; flex-wrap: wrap; gap: 4px; }
    iframe.sim-app { min-height: 0; }
  }
</style>
</head>
<body>
<header class="sim-top"><span class="sim-badge">Simulated Shopify admin</span><span>${esc(input.shop)}</span></header>
<div class="sim-body">
  <nav class="sim-nav" aria-label="App navigation">
    <div class="sim-app-name">${esc(input.appName)}</div>
    <div id="sim-nav-items" data-testid="sim-nav"></div>
  </nav>
  <main class="sim-main">
    <div class="sim-loading" id="sim-loading" data-testid="sim-loading" data-on="false"></div>
    <div class="sim-title" id="sim-title" data-testid="sim-title"></div>
    <iframe class="sim-app" id="sim-app" name="app-iframe" title="${esc(input.appName)}" src="${esc(input.iframeSrc)}"></iframe>
  </main>
</div>
<div class="sim-toasts" id="sim-toasts" aria-live="polite"></div>
<script>
(function () {
  var C = ${config};
  var P = C.prefix;
  var frame = document.getElementById("sim-app");
  function send(type, data) { frame.contentWindow.postMessage(Object.assign({ type: P + type }, data || {}), C.appOrigin); }
  window.addEventListener("message", function (event) {
    if (event.origin !== C.appOrigin) return;
    var d = event.data;
    if (!d || typeof d.type !== "string" || d.type.indexOf(P) !== 0) return;
    var type = d.type.slice(P.length);
    if (type === "idToken") {
      fetch("/_sim/admin/session-token?shop=" + encodeURIComponent(C.shop)).then(function (r) { return r.json(); }).then(function (b) {
        send("idToken:reply", { requestId: d.requestId, token: b.token });
      });
    } else if (type === "nav") {
      var box = document.getElementById("sim-nav-items");
      box.textContent = "";
      (d.items || []).forEach(function (item) {
        if (item.home) return;
        var a = document.createElement("a");
        a.href = C.base + item.href;
        a.textContent = item.label;
        a.setAttribute("data-href", item.href);
        a.addEventListener("click", function (e) { e.preventDefault(); send("navigate", { href: item.href }); });
        box.appendChild(a);
      });
      markCurrent();
    } else if (type === "toast") {
      var t = document.createElement("div");
      t.className = "sim-toast";
      t.setAttribute("role", "status");
      t.setAttribute("data-testid", "sim-toast");
      t.setAttribute("data-toast-id", d.id);
      t.setAttribute("data-error", d.isError ? "true" : "false");
      t.textContent = d.message;
      if (d.action) {
        var b = document.createElement("button");
        b.textContent = d.action;
        b.addEventListener("click", function () { send("toast:action", { id: d.id }); });
        t.appendChild(b);
      }
      document.getElementById("sim-toasts").appendChild(t);
      setTimeout(function () { t.remove(); }, d.duration || 5000);
    } else if (type === "toast:hide") {
      var el = document.querySelector('[data-toast-id="' + d.id + '"]');
      if (el) el.remove();
    } else if (type === "loading") {
      document.getElementById("sim-loading").setAttribute("data-on", d.on ? "true" : "false");
    } else if (type === "title") {
      document.getElementById("sim-title").textContent = d.title || "";
    } else if (type === "location") {
      current = d.path.split("?")[0];
      history.replaceState(null, "", C.base + current);
      markCurrent();
    }
  });
  var current = "";
  function markCurrent() {
    Array.prototype.forEach.call(document.querySelectorAll("#sim-nav-items a"), function (a) {
      if (a.getAttribute("data-href") === current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }
})();
</script>
</body>
</html>
`;
}
