// The App Bridge stand-in, run in a bare-bones window (node:vm; no browser on
// these machines): session tokens from the parent frame, Bearer tokens on the
// app's own fetches with the retry header honoured, the bounce-page reload,
// toasts and the nav menu reported to the admin.

import { runInContext, createContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { appBridgeScript, MESSAGE_PREFIX as P } from "./app-bridge-script.ts";

/** The parts of window.shopify these tests call. */
interface ShopifyStandIn {
  config: Record<string, unknown>;
  environment: { embedded: boolean };
  idToken(): Promise<string>;
  toast: { show(message: string, opts?: { duration?: number; isError?: boolean }): string };
  loading(on?: boolean): void;
}

interface Posted {
  type: string;
  [k: string]: unknown;
}

function fakeWindow(href: string, { framed = true, navLinks = [] as { href: string; text: string; rel?: string }[] } = {}) {
  const listeners: Record<string, ((e: unknown) => void)[]> = {};
  const posted: Posted[] = [];
  const fetched: { url: string; auth: string | null }[] = [];
  const responses: Response[] = [];
  let tokenSeq = 0;
  const replaced: string[] = [];
  const url = new URL(href);
  const win: Record<string, unknown> = {};
  const dispatch = (type: string, event: unknown) => (listeners[type] ?? []).forEach((l) => l(event));
  const parent = {
    postMessage(msg: Posted) {
      posted.push(msg);
      // The admin page answers token requests.
      if (msg.type === `${P}idToken`) setTimeout(() => dispatch("message", { data: { type: `${P}idToken:reply`, requestId: msg.requestId, token: `tok-${++tokenSeq}` } }), 1);
    },
  };
  const links = navLinks.map((l) => ({ textContent: l.text, getAttribute: (n: string) => (n === "href" ? l.href : n === "rel" ? (l.rel ?? null) : null), dispatchEvent: (e: { type: string }) => dispatch(e.type, { ...e, target: { getAttribute: () => l.href } }) }));
  const menu = { querySelectorAll: () => links };
  Object.assign(win, {
    window: win,
    parent: framed ? parent : win,
    location: { href, search: url.search, origin: url.origin, pathname: url.pathname, replace: (u: string) => replaced.push(u) },
    sessionStorage: new Map<string, string>() as unknown,
    document: {
      readyState: "complete",
      currentScript: { getAttribute: (n: string) => (n === "data-api-key" ? "api-key-1" : null) },
      querySelector: (sel: string) => (sel.includes("ui-nav-menu") && links.length ? menu : null),
      querySelectorAll: () => [],
      createElement: () => ({ setAttribute() {}, remove() {}, style: {}, dispatchEvent() {} }),
      body: { appendChild() {} },
      documentElement: {},
      addEventListener() {},
    },
    addEventListener: (type: string, fn: (e: unknown) => void) => (listeners[type] ??= []).push(fn),
    removeEventListener() {},
    fetch: async (input: string | Request, init?: RequestInit) => {
      const req = new Request(typeof input === "string" ? new URL(input, href) : input, init);
      fetched.push({ url: req.url, auth: req.headers.get("Authorization") });
      return responses.shift() ?? new Response("ok");
    },
    history: { pushState() {}, replaceState() {} },
    customElements: { get: () => undefined, define() {} },
    HTMLElement: class {},
    MutationObserver: class {
      observe() {}
    },
    CustomEvent: class {
      constructor(readonly type: string) {}
    },
    Event: class {
      constructor(readonly type: string) {}
    },
    URL,
    URLSearchParams,
    Headers,
    Request,
    Response,
    atob,
    setTimeout,
    clearTimeout,
    console,
  });
  // sessionStorage API over the Map
  const store = win.sessionStorage as Map<string, string>;
  win.sessionStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  const context = createContext(win);
  runInContext(appBridgeScript("http://sim.test"), context);
  return { win: win as unknown as { shopify: ShopifyStandIn; fetch: typeof fetch }, posted, fetched, responses, replaced, dispatch, listeners };
}

const APP = "https://app.test/app?embedded=1&shop=demo.myshopify.com&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw";

describe("App Bridge stand-in", () => {
  it("defines window.shopify with the config App Bridge derives from the page", () => {
    const { win } = fakeWindow(APP);
    expect(win.shopify.config).toMatchObject({ apiKey: "api-key-1", shop: "demo.myshopify.com", host: "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw" });
    expect(win.shopify.environment.embedded).toBe(true);
  });

  it("idToken() asks the admin frame for a fresh token each time", async () => {
    const { win } = fakeWindow(APP);
    expect(await win.shopify.idToken()).toBe("tok-1");
    expect(await win.shopify.idToken()).toBe("tok-2");
  });

  it("adds a Bearer token to the app's own fetches only, and retries once on X-Shopify-Retry-Invalid-Session-Request", async () => {
    const { win, fetched, responses } = fakeWindow(APP);
    await win.fetch("/app/settings?_data=routes/app.settings");
    await win.fetch("https://elsewhere.test/x");
    expect(fetched).toEqual([
      { url: "https://app.test/app/settings?_data=routes/app.settings", auth: "Bearer tok-1" },
      { url: "https://elsewhere.test/x", auth: null },
    ]);
    responses.push(new Response(null, { status: 401, headers: { "X-Shopify-Retry-Invalid-Session-Request": "1" } }), new Response("fine"));
    const res = await win.fetch("/app/data", { method: "POST", body: "a=1" });
    expect(await res.text()).toBe("fine");
    expect(fetched.slice(2).map((f) => f.auth)).toEqual(["Bearer tok-2", "Bearer tok-3"]);
    // An explicit Authorization header is left alone.
    await win.fetch("/app/x", { headers: { Authorization: "Bearer mine" } });
    expect(fetched.at(-1)!.auth).toBe("Bearer mine");
  });

  it("on the bounce page, reloads the shopify-reload URL with a fresh id_token", async () => {
    const reload = "https://app.test/app?embedded=1&shop=demo.myshopify.com";
    const { replaced } = fakeWindow(`https://app.test/auth/session-token?shop=demo.myshopify.com&shopify-reload=${encodeURIComponent(reload)}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(replaced).toEqual([`${reload}&id_token=tok-1`]);
  });

  it("reports toasts, loading and the nav menu to the admin, and turns admin nav clicks into shopify:navigate", async () => {
    const { win, posted, dispatch, listeners } = fakeWindow(APP, {
      navLinks: [
        { href: "/app", text: "Home", rel: "home" },
        { href: "/app/tiers", text: "Tiers" },
      ],
    });
    const id = win.shopify.toast.show("Saved", { duration: 1000 });
    win.shopify.loading(true);
    expect(posted).toEqual(
      expect.arrayContaining([
        { type: `${P}nav`, items: [{ label: "Home", href: "/app", home: true }, { label: "Tiers", href: "/app/tiers", home: false }] },
        { type: `${P}toast`, id, message: "Saved", isError: false, duration: 1000, action: null },
        { type: `${P}loading`, on: true },
        { type: `${P}location`, path: "/app?embedded=1&shop=demo.myshopify.com&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw" },
      ]),
    );
    const navigations: string[] = [];
    (listeners["shopify:navigate"] ??= []).push((e) => navigations.push((e as { target: { getAttribute(n: string): string } }).target.getAttribute("href")));
    dispatch("message", { data: { type: `${P}navigate`, href: "/app/tiers" } });
    expect(navigations).toEqual(["/app/tiers"]);
  });
});
