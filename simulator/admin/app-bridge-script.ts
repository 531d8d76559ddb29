// The App Bridge stand-in served at /_sim/app-bridge.js. Shopify's real
// script loads from its CDN, which is out of reach; the app points
// APP_BRIDGE_URL (server: bounce page) and AppProvider's __APP_BRIDGE_URL
// (React) here instead. It implements what a Remix app uses of App Bridge 4:
// the `shopify` global (idToken, toast, loading, config, environment, user,
// modal, saveBar, scopes), Bearer tokens added to the app's own fetches, the
// bounce page (`shopify-reload`), and the <ui-nav-menu> / <s-app-nav>,
// <ui-title-bar>, <ui-modal>, <ui-save-bar> elements. Inside the simulator's
// admin frame it talks to the parent page by postMessage, as App Bridge talks
// to the Shopify admin.

/** Messages between the framed app and the admin page (both sides use these names). */
export const MESSAGE_PREFIX = "tierline-sim:";

export function appBridgeScript(simulatorOrigin: string): string {
  // Plain ES2019 so it runs in any browser the tests drive; no imports.
  return `/* Tierline store simulator: App Bridge stand-in */
(function () {
  "use strict";
  if (window.shopify && window.shopify.__simulated) return;
  var SIM_ORIGIN = ${JSON.stringify(simulatorOrigin)};
  var P = ${JSON.stringify(MESSAGE_PREFIX)};
  var framed = window.parent !== window;
  var script = document.currentScript;
  var params = new URLSearchParams(location.search);
  var store = window.sessionStorage;

  function remember(key, value) {
    try { if (value) store.setItem(P + key, value); return value || store.getItem(P + key); } catch (e) { return value; }
  }
  function decodeHost(host) {
    try { return atob(host.replace(/-/g, "+").replace(/_/g, "/")); } catch (e) { return ""; }
  }
  var host = remember("host", params.get("host"));
  var shop = remember("shop", params.get("shop") || (host ? shopFromHost(decodeHost(host)) : null));
  function shopFromHost(h) {
    var m = /^admin\\.shopify\\.com\\/store\\/([^/]+)/.exec(h);
    if (m) return m[1] + ".myshopify.com";
    m = /^([^/]+\\.myshopify\\.com)\\/admin/.exec(h);
    return m ? m[1] : null;
  }
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  var apiKey = (script && script.getAttribute("data-api-key")) || (meta && meta.getAttribute("content")) || "";
  var locale = remember("locale", params.get("locale")) || "en";

  function post(type, data) {
    if (!framed) return;
    var msg = Object.assign({ type: P + type }, data || {});
    window.parent.postMessage(msg, "*");
  }

  // ------------------------------------------------------------ session tokens
  var pending = {};
  var seq = 0;
  window.addEventListener("message", function (event) {
    var d = event.data;
    if (!d || typeof d.type !== "string" || d.type.indexOf(P) !== 0) return;
    var type = d.type.slice(P.length);
    if (type === "idToken:reply" && pending[d.requestId]) {
      pending[d.requestId](d.token);
      delete pending[d.requestId];
    } else if (type === "navigate") {
      navigate(d.href);
    } else if (type === "toast:action" && toastActions[d.id]) {
      toastActions[d.id]();
    }
  });

  function tokenFromSimulator() {
    var url = SIM_ORIGIN + "/_sim/admin/session-token?shop=" + encodeURIComponent(shop || "") + "&api_key=" + encodeURIComponent(apiKey);
    return nativeFetch(url, { credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error("session token request failed: " + r.status);
      return r.json();
    }).then(function (b) { return b.token; });
  }

  function idToken() {
    if (!framed) return tokenFromSimulator();
    return new Promise(function (resolve, reject) {
      var id = ++seq;
      var timer = setTimeout(function () {
        delete pending[id];
        tokenFromSimulator().then(resolve, reject);
      }, 2000);
      pending[id] = function (token) { clearTimeout(timer); resolve(token); };
      post("idToken", { requestId: id, shop: shop });
    });
  }

  // ------------------------------------------------------------ authenticated fetch
  var nativeFetch = window.fetch.bind(window);
  var disabled = [];
  function isOwnOrigin(url) {
    try {
      var u = new URL(url, location.href);
      if (u.origin === location.origin) return true;
      var allowed = (shopify.config.appOrigins || []);
      return allowed.indexOf(u.origin) >= 0;
    } catch (e) { return false; }
  }
  window.fetch = function (input, init) {
    if (disabled.indexOf("fetch") >= 0) return nativeFetch(input, init);
    var url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!isOwnOrigin(url)) return nativeFetch(input, init);
    var baseHeaders = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    if (baseHeaders.has("Authorization")) return nativeFetch(input, init);
    function attempt(retry) {
      return idToken().then(function (token) {
        var headers = new Headers(baseHeaders);
        headers.set("Authorization", "Bearer " + token);
        if (!headers.has("X-Requested-With")) headers.set("X-Requested-With", "XMLHttpRequest");
        if (input instanceof Request) return nativeFetch(new Request(input.clone(), Object.assign({}, init, { headers: headers })));
        return nativeFetch(input, Object.assign({}, init, { headers: headers }));
      }).then(function (res) {
        if (res.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1" && !retry) return attempt(true);
        var reauth = res.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
        if (reauth) { window.open(reauth, "_top"); }
        return res;
      });
    }
    return attempt(false);
  };

  // ------------------------------------------------------------ bounce page
  var reload = params.get("shopify-reload");
  if (reload) {
    idToken().then(function (token) {
      var target = new URL(reload, location.href);
      target.searchParams.set("id_token", token);
      location.replace(target.toString());
    });
  }

  // ------------------------------------------------------------ toast, loading
  var toastActions = {};
  var toastSeq = 0;
  function toastShow(message, opts) {
    opts = opts || {};
    var id = "toast-" + (++toastSeq);
    if (opts.onAction) toastActions[id] = opts.onAction;
    if (framed) {
      post("toast", { id: id, message: String(message), isError: !!opts.isError, duration: opts.duration || 5000, action: opts.action || null });
    } else {
      var el = document.createElement("div");
      el.setAttribute("role", "status");
      el.setAttribute("data-sim-toast", id);
      el.className = "sim-toast" + (opts.isError ? " sim-toast--error" : "");
      el.textContent = String(message);
      el.style.cssText = "position:fixed;bottom:24px;left:50%;transform:translateX(-50%);padding:10px 16px;border-radius:8px;z-index:2147483647;font:14px system-ui;color:#fff;background:" + (opts.isError ? "#c5280c" : "#303030");
      document.body.appendChild(el);
      setTimeout(function () { el.remove(); }, opts.duration || 5000);
    }
    return id;
  }
  function toastHide(id) { post("toast:hide", { id: id }); var el = document.querySelector('[data-sim-toast="' + id + '"]'); if (el) el.remove(); }
  function loading(on) { post("loading", { on: on === undefined ? true : !!on }); }

  // ------------------------------------------------------------ navigation
  function navItems() {
    var menu = document.querySelector("ui-nav-menu, s-app-nav");
    if (!menu) return [];
    return Array.prototype.map.call(menu.querySelectorAll("a, s-link"), function (a) {
      return { label: (a.textContent || "").trim(), href: a.getAttribute("href"), home: a.getAttribute("rel") === "home" };
    });
  }
  function navigate(href) {
    var menu = document.querySelector("ui-nav-menu, s-app-nav");
    var link = menu && Array.prototype.find.call(menu.querySelectorAll("a, s-link"), function (a) { return a.getAttribute("href") === href; });
    var target = link || document.createElement("a");
    if (!link) { target.setAttribute("href", href); target.hidden = true; document.body.appendChild(target); }
    // AppProvider listens for this and runs Remix navigation.
    target.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true, composed: true }));
    if (!link) target.remove();
  }
  var lastNav = "";
  function reportNav() {
    var items = JSON.stringify(navItems());
    if (items !== lastNav) { lastNav = items; post("nav", { items: JSON.parse(items) }); }
  }
  var lastTitle = null;
  function reportTitle() {
    var bar = document.querySelector("ui-title-bar");
    var title = bar ? bar.getAttribute("title") : null;
    if (title !== lastTitle) { lastTitle = title; post("title", { title: title }); }
  }
  function reportLocation() { post("location", { path: location.pathname + location.search }); }

  function defineHidden(name) {
    if (!window.customElements || customElements.get(name)) return;
    customElements.define(name, class extends HTMLElement {
      connectedCallback() { this.style.display = "none"; }
    });
  }
  defineHidden("ui-nav-menu");
  defineHidden("s-app-nav");
  defineHidden("ui-title-bar");

  function defineOverlay(name, shownStyle) {
    if (!window.customElements || customElements.get(name)) return;
    customElements.define(name, class extends HTMLElement {
      constructor() { super(); this.content = document.createElement("div"); }
      connectedCallback() {
        if (!this.content.isConnected) this.appendChild(this.content);
        if (!this.open) this.style.display = "none";
      }
      get open() { return this.hasAttribute("open"); }
      show() { this.setAttribute("open", ""); this.style.cssText = shownStyle; this.dispatchEvent(new Event("show")); return Promise.resolve(); }
      hide() { if (!this.open) return Promise.resolve(); this.removeAttribute("open"); this.style.display = "none"; this.dispatchEvent(new Event("hide")); return Promise.resolve(); }
      toggle() { return this.open ? this.hide() : this.show(); }
    });
  }
  defineOverlay("ui-modal", "display:block;position:fixed;inset:10% 15%;background:#fff;border:1px solid #ccc;border-radius:12px;padding:16px;z-index:2147483646;box-shadow:0 8px 32px rgba(0,0,0,.3);overflow:auto");
  // Shopify shows the Contextual Save Bar across the top of the admin: a bar, not a dialog.
  defineOverlay("ui-save-bar", "display:flex;justify-content:flex-end;align-items:center;gap:8px;position:fixed;top:0;left:0;right:0;padding:8px 16px;background:#1a1a1a;color:#fff;z-index:2147483646;box-shadow:0 2px 8px rgba(0,0,0,.3)");
  function byId(id) { var el = document.getElementById(id); if (!el) throw new Error("no element #" + id); return el; }

  var readyResolve;
  var shopify = {
    __simulated: true,
    config: { apiKey: apiKey, shop: shop, host: host, locale: locale, disabledFeatures: disabled, appOrigins: [] },
    origin: SIM_ORIGIN,
    ready: new Promise(function (r) { readyResolve = r; }),
    environment: { embedded: framed, mobile: false, pos: false },
    idToken: idToken,
    loading: loading,
    toast: { show: toastShow, hide: toastHide },
    user: function () { return Promise.resolve({ accountAccess: "Account owner" }); },
    modal: {
      show: function (id) { return byId(id).show(); },
      hide: function (id) { return byId(id).hide(); },
      toggle: function (id) { return byId(id).toggle(); },
    },
    saveBar: {
      show: function (id) { return byId(id).show(); },
      hide: function (id) { return byId(id).hide(); },
      toggle: function (id) { return byId(id).toggle(); },
      leaveConfirmation: function () { return Promise.resolve(); },
    },
    scopes: {
      query: function () {
        return nativeFetch(SIM_ORIGIN + "/_sim/admin/scopes?shop=" + encodeURIComponent(shop || "")).then(function (r) { return r.json(); });
      },
      request: function () { return Promise.resolve({ result: "declined-all", detail: { granted: [], required: [], optional: [] } }); },
      revoke: function () { return Promise.resolve({ detail: { granted: [], required: [], optional: [] } }); },
    },
    resourcePicker: function () { return Promise.resolve(undefined); },
    app: { extensions: function () { return Promise.resolve([]); } },
  };
  window.shopify = shopify;

  function start() {
    reportLocation();
    reportNav();
    reportTitle();
    new MutationObserver(function () { reportNav(); reportTitle(); }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    // Remix navigates with the History API: tell the admin the new path.
    ["pushState", "replaceState"].forEach(function (m) {
      var orig = history[m];
      history[m] = function () { var r = orig.apply(this, arguments); reportLocation(); return r; };
    });
    window.addEventListener("popstate", reportLocation);
    readyResolve();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
`;
}
