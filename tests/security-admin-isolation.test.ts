// Every admin page and action, through the real web process (Remix build, authenticate.admin),
// on SQLite and PostgreSQL: session tokens that are expired, not yet valid, forged, for another
// app, or edited to name another shop, are refused; a valid session of shop B asking for
// shop A's members, orders, suppliers, requests, quotes and reply forms gets only B's data or a
// refusal. Every table's rows of shop A are compared before and after: nothing of A changes.
// The list of routes is checked against app/routes, so a new route cannot escape these checks.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTierRules } from "../app/adapters/db/tier-settings-repository.server.ts";
import { savePromiseRules } from "../app/adapters/db/promise-settings-repository.server.ts";
import { defaultPromiseRules } from "../app/domain/promise-rules.ts";
import { DEFAULT_TIER_RULES } from "../app/domain/tier-rules.ts";
import { appEnv, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { mintSessionToken, signJwt } from "../simulator/admin/session-token.ts";
import { allRows } from "./support/database-scan.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP_A = "isolation-a.myshopify.com";
const SHOP_B = "isolation-b.myshopify.com";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const ROUTES_DIR = path.resolve(import.meta.dirname, "../app/routes");

// Shop A's data: values found nowhere else, so finding one in B's answers is a leak.
const A = {
  customerId: "7400000000000000101",
  email: "anouk.vasquez-a@example.org",
  first: "Anouk",
  last: "Vasquez",
  orderId: "8400000000000000101",
  orderName: "#A9001",
  supplierId: "isolation-supplier-a",
  supplierName: "Zephyrine Supplies",
  supplierEmail: "quotes@zephyrine.example.org",
  sku: "ZEPH-SKU-1",
  requestId: "isolation-request-a",
  rfqId: "isolation-rfq-a",
  quoteId: "isolation-quote-a",
  tierName: "Obsidian",
  note: "Goodwill for the broken vase (A)",
};
const A_CUSTOMER = `gid://shopify/Customer/${A.customerId}`;
const A_ORDER = `gid://shopify/Order/${A.orderId}`;
const A_MARKERS = [A.customerId, A.email, A.first, A.last, A.orderId, A.orderName, A.supplierId, A.supplierName, A.supplierEmail, A.sku, A.requestId, A.rfqId, A.quoteId, A.tierName, A.note];

/**
 * How each route file is protected. A route that exports a loader or an action and is not listed
 * here fails the coverage test below: add it, and add its cases to the tests that follow.
 */
const ROUTE_GUARDS: Record<string, { guard: "admin" | "checkout" | "webhook signature" | "supplier signature" | "public"; exports: Array<"loader" | "action">; why?: string }> = {
  "_index": { guard: "public", exports: ["loader"], why: "redirects ?shop=… into /app; reads nothing" },
  "auth.login": { guard: "public", exports: ["loader", "action"], why: "the login form; only sends the merchant to Shopify" },
  "auth.$": { guard: "admin", exports: ["loader"] },
  "api.checkout.promise": { guard: "checkout", exports: ["loader", "action"], why: "tests/checkout-promise-endpoint.test.ts and the checkout cases below" },
  "flow.lifecycle": { guard: "webhook signature", exports: ["loader", "action"], why: "tests/flow-lifecycle-callback.test.ts" },
  "suppliers.$supplierId.answers": { guard: "supplier signature", exports: ["loader", "action"], why: "tests/replenishment-answers.test.ts" },
  "app": { guard: "admin", exports: ["loader"] },
  "app._index": { guard: "admin", exports: ["loader", "action"] },
  "app.dashboard": { guard: "admin", exports: ["loader"] },
  "app.members._index": { guard: "admin", exports: ["loader", "action"] },
  "app.members.$customerId": { guard: "admin", exports: ["loader", "action"] },
  "app.members.export": { guard: "admin", exports: ["loader"] },
  "app.promise-settings": { guard: "admin", exports: ["loader", "action"] },
  "app.promises": { guard: "admin", exports: ["loader", "action"] },
  "app.replenishment": { guard: "admin", exports: ["loader", "action"] },
  "app.suppliers": { guard: "admin", exports: ["loader", "action"] },
  "app.tiers": { guard: "admin", exports: ["loader", "action"] },
};

/** The loaders and actions each route file exports, read from the source. */
function routeExports(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const file of readdirSync(ROUTES_DIR)) {
    if (!/\.(tsx?|jsx?)$/.test(file) || /\.test\./.test(file)) continue;
    const source = readFileSync(path.join(ROUTES_DIR, file), "utf8");
    const found = ["loader", "action"].filter((name) => new RegExp(`export\\s+(?:const|let|async\\s+function|function)\\s+${name}\\b|export\\s*\\{[^}]*\\b${name}\\b`).test(source));
    if (found.length > 0) out[file.replace(/\.(tsx?|jsx?)$/, "")] = found;
  }
  return out;
}

/** The path a route answers at, for a Remix data request (`?_data=routes/<id>`). */
function pathOf(route: string, params: Record<string, string> = {}): string {
  const segments = route.replace(/\._index$/, "").split(".").map((s) => (s.startsWith("$") ? params[s.slice(1)] ?? "x" : s));
  return `/${segments.join("/")}`;
}

/** How the pages say that a member, order, request, RFQ or supplier named in a form is not the shop's. */
const NOT_FOUND = /no longer in Tierline|has no promise|no such request|not one of yours|no longer exists/;

const ADMIN_ROUTES = Object.entries(ROUTE_GUARDS).filter(([name, r]) => r.guard === "admin" && name !== "auth.$");

describe("admin routes", () => {
  it("every route file that exports a loader or an action is in the checked list, with what it exports", () => {
    const exported = routeExports();
    const listed = Object.fromEntries(Object.entries(ROUTE_GUARDS).map(([name, r]) => [name, [...r.exports].sort()]));
    expect(Object.fromEntries(Object.entries(exported).map(([name, e]) => [name, e.sort()]))).toEqual(listed);
    // And each admin route authenticates before it does anything else.
    for (const [name] of ADMIN_ROUTES) {
      const source = readFileSync(path.join(ROUTES_DIR, `${name}.tsx`), "utf8");
      const calls = source.match(/export const (?:loader|action)[^\n]*\n\s*(?:const [^\n]*= )?await authenticate\.admin\(request\)/g) ?? [];
      expect({ name, authenticated: calls.length }).toEqual({ name, authenticated: ROUTE_GUARDS[name].exports.length });
    }
  });
});

async function seedShops(database: TestDatabase): Promise<void> {
  const { db } = database;
  const now = new Date();
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
  for (const shop of [SHOP_A, SHOP_B]) {
    await db.shop.create({ data: { domain: shop, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US", scopes: "read_customers,write_customers,read_orders" } });
    await db.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, scope: "read_customers,write_customers,read_orders", accessToken: `shpat_${shop.split(".")[0]}` } });
  }
  // B has a member of its own, so its pages are not empty.
  await db.customer.create({ data: { shop: SHOP_B, customerGid: "gid://shopify/Customer/42", email: "b.member@example.org", firstName: "Bea", tierKey: "bronze", qualifyingSpend: 1_000 } });

  await saveTierRules(db, SHOP_A, { ...DEFAULT_TIER_RULES, tiers: DEFAULT_TIER_RULES.tiers.map((t, i) => (i === DEFAULT_TIER_RULES.tiers.length - 1 ? { ...t, name: A.tierName } : t)) });
  await savePromiseRules(db, SHOP_A, defaultPromiseRules("America/New_York", "US"));
  await db.customer.create({ data: { shop: SHOP_A, customerGid: A_CUSTOMER, email: A.email, firstName: A.first, lastName: A.last, tierKey: "silver", tierSince: daysAgo(10), qualifyingSpend: 90_000, qualifyingOrders: 1 } });
  await db.ledgerOrder.create({ data: { shop: SHOP_A, orderGid: A_ORDER, customerGid: A_CUSTOMER, name: A.orderName, processedAt: daysAgo(10), orderUpdatedAt: daysAgo(10), currencyCode: "USD", currentTotal: 90_000, financialStatus: "paid" } });
  await db.ledgerAdjustment.create({ data: { shop: SHOP_A, adjustmentId: randomUUID(), customerGid: A_CUSTOMER, amount: 500, currencyCode: "USD", effectiveAt: daysAgo(9), note: A.note } });
  await db.tierChange.create({ data: { shop: SHOP_A, customerGid: A_CUSTOMER, fromTier: "bronze", toTier: "silver", reason: "order", spend: 90_000, occurredAt: daysAgo(10) } });
  const shipBy = new Date(now.getTime() + 2 * 86_400_000);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  await db.orderPromise.create({
    data: { shop: SHOP_A, orderGid: A_ORDER, orderName: A.orderName, customerGid: A_CUSTOMER, tierKey: "silver", laneKey: "priority_shipping", orderedAt: now, intakeDay: day(now), shipByEarliest: shipBy, shipBy, shipByDay: day(shipBy) },
  });
  await db.webhookDelivery.create({ data: { webhookId: "isolation-a-failed", shop: SHOP_A, topic: "customers/update", payload: JSON.stringify({ id: A.customerId, email: A.email }), status: "failed", attempts: 10, error: "downstream unavailable", receivedAt: daysAgo(2) } });
  await db.supplier.create({ data: { id: A.supplierId, shop: SHOP_A, name: A.supplierName, connector: "email", email: A.supplierEmail, signingSecret: "a-secret-nobody-uses" } });
  await db.skuSupplier.create({ data: { shop: SHOP_A, inventoryItemGid: "gid://shopify/InventoryItem/501", supplierId: A.supplierId, usualUnitCostMinor: 1_000, usualLeadBusinessDays: 5, qualityRating: 4, sku: A.sku } });
  await db.replenishmentRequest.create({
    data: {
      id: A.requestId,
      shop: SHOP_A,
      inventoryItemGid: "gid://shopify/InventoryItem/501",
      locationGid: "gid://shopify/Location/1",
      sku: A.sku,
      openKey: `${SHOP_A}|501|1`,
      status: "open",
      quantity: 20,
      neededWithinBusinessDays: 5,
      position: 2,
      reorderTrigger: 5,
      priority: "standard",
      jobPriority: 10,
      currency: "USD",
      requestedAt: daysAgo(1),
      deadline: new Date(now.getTime() + 86_400_000),
    },
  });
  await db.supplierRfq.create({ data: { id: A.rfqId, shop: SHOP_A, requestId: A.requestId, supplierId: A.supplierId, status: "sent", sendKey: randomUUID(), document: "{}", sentAt: daysAgo(1) } });
  await db.supplierQuote.create({
    data: { id: A.quoteId, shop: SHOP_A, requestId: A.requestId, supplierId: A.supplierId, rfqId: A.rfqId, currency: "USD", unitPriceMinor: 1_100, availableQuantity: 20, leadBusinessDays: 4, validUntil: new Date(now.getTime() + 5 * 86_400_000), receivedAt: now, document: "{}" },
  });
  await db.kpiDailyFact.create({ data: { shop: SHOP_A, day: day(daysAgo(3)), metric: "revenue", tierKey: "silver", dim: "", value: 90_000n } });
}

describe.each(DATABASE_KINDS)("shop isolation and session tokens on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let appUrl: string;

  const tokenFor = (shop: string, extra: Partial<Parameters<typeof mintSessionToken>[0]> = {}) => mintSessionToken({ shop, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, ...extra });

  /** A Remix data request as the embedded app's fetchers make it (Bearer session token). */
  async function call(route: string, { token, search = "", form, params }: { token: string | null; search?: string; form?: Record<string, string | string[]>; params?: Record<string, string> }) {
    const query = new URLSearchParams(search);
    query.set("_data", `routes/${route}`);
    if (route.endsWith("._index")) query.set("index", "");
    let body: URLSearchParams | undefined;
    if (form) {
      body = new URLSearchParams();
      for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    }
    const res = await fetch(`${appUrl}${pathOf(route, params)}?${query}`, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: { "User-Agent": BROWSER, ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      body,
    });
    // What the request itself carried may be echoed back (a search box shows its query): not a leak.
    const echoed = [...query.values(), ...(body?.values() ?? []), ...Object.values(params ?? {})].filter((v) => v.length > 3);
    let text = await res.text();
    for (const value of echoed) text = text.split(value).join("").split(JSON.stringify(value).slice(1, -1)).join("");
    // A data request that would redirect (to login, to the bounce page) answers 204 with the target.
    return { status: res.status, text, redirect: res.headers.get("x-remix-redirect") };
  }

  /** Every row that belongs to shop A, in every table the database lists. */
  const shopARows = async () => (await allRows(database.db, kind, database.url)).filter((r) => r.text.includes(SHOP_A)).map((r) => `${r.table} ${r.text}`).sort();
  const leaksIn = (text: string) => A_MARKERS.filter((m) => text.toLowerCase().includes(m.toLowerCase()));

  beforeAll(async () => {
    database = await createTestDatabase(kind, "isolation");
    await seedShops(database);
    redis = await PrivateRedis.start();
    // The Admin API and token exchange go nowhere: a closed loopback port.
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `i${randomUUID().slice(0, 8)}`, extra: { SHOPIFY_API_ORIGIN: "http://127.0.0.1:9" } });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
  });

  afterAll(async () => {
    await web?.kill();
    await redis?.stop();
    await database?.drop();
  });

  it("shop A's own session sees A's data (the markers are really there to find)", async () => {
    const seen = [
      await call("app.members._index", { token: tokenFor(SHOP_A) }),
      await call("app.members.$customerId", { token: tokenFor(SHOP_A), params: { customerId: A.customerId } }),
      await call("app.suppliers", { token: tokenFor(SHOP_A) }),
      await call("app.promises", { token: tokenFor(SHOP_A) }),
      await call("app.tiers", { token: tokenFor(SHOP_A) }),
    ];
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const all = seen.map((s) => s.text).join("\n");
    for (const marker of [A.email, A.first, A.note, A.supplierName, A.sku, A.orderName, A.tierName]) expect(all).toContain(marker);
  });

  it("refuses missing, expired, not-yet-valid, forged, edited and other-app session tokens on every admin loader and action, changing nothing", async () => {
    const before = await shopARows();
    const now = Math.floor(Date.now() / 1000);
    const [head, body] = tokenFor(SHOP_A).split(".");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString());
    const badTokens: Record<string, string | null> = {
      none: null,
      garbage: "not-a-jwt",
      expired: tokenFor(SHOP_A, { now: now - 600 }),
      "not yet valid": signJwt({ ...claims, nbf: now + 600, iat: now + 600, exp: now + 660 }, TEST_API_SECRET),
      "forged signature": tokenFor(SHOP_A, { apiSecret: "a-guessed-secret" }),
      "claims edited after signing": `${head}.${Buffer.from(JSON.stringify({ ...claims, dest: `https://${SHOP_B}` })).toString("base64url")}.${tokenFor(SHOP_A).split(".")[2]}`,
      "alg none": `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${body}.`,
      "another app's key and secret": mintSessionToken({ shop: SHOP_A, apiKey: "another-app", apiSecret: "another-app-secret" }),
      "another app's audience, our secret": tokenFor(SHOP_A, { apiKey: "another-app" }),
      // (A genuine token for a shop with no stored session is how an install starts: authenticate.admin
      // exchanges it with Shopify, which only answers for a shop that has the app. Not a refusal case.)
    };
    const answers: string[] = [];
    for (const [name, token] of Object.entries(badTokens)) {
      for (const [route, { exports }] of ADMIN_ROUTES) {
        for (const kindOfCall of exports) {
          const res = await call(route, { token, params: { customerId: A.customerId }, ...(kindOfCall === "action" ? { form: { intent: "save", customerGid: A_CUSTOMER } } : {}) });
          answers.push(`${name} ${route} ${kindOfCall}: ${res.status}${res.redirect ? ` → ${res.redirect}` : ""}`);
          // Refused: never a 2xx (other than a redirect away), never A's data, never a server error.
          const ok = res.status >= 200 && res.status < 300 && res.redirect === null;
          expect({ name, route, kindOfCall, ok, serverError: res.status >= 500, leaks: leaksIn(res.text) }).toEqual({ name, route, kindOfCall, ok: false, serverError: false, leaks: [] });
        }
      }
    }
    expect(answers.length).toBe(Object.keys(badTokens).length * ADMIN_ROUTES.reduce((n, [, r]) => n + r.exports.length, 0));
    // How: a request with no token is sent to log in; every token that fails verification gets a 401.
    expect(answers.filter((a) => !(a.startsWith("none ") ? a.endsWith(": 204 → /auth/login") : a.endsWith(": 401")))).toEqual([]);
    expect(await shopARows()).toEqual(before);
  });

  it("a token whose issuer names shop A but whose destination is shop B acts as shop B only", async () => {
    const token = tokenFor(SHOP_B, { userId: "1" });
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    const mixed = signJwt({ ...claims, iss: `https://${SHOP_A}/admin` }, TEST_API_SECRET);
    const res = await call("app.members._index", { token: mixed });
    expect(res.status).toBeLessThan(500);
    expect(leaksIn(res.text)).toEqual([]);
  });

  it("the checkout endpoint refuses a not-yet-valid or edited token, and a buyer of shop B never sees shop A's promise or tier", async () => {
    const now = Math.floor(Date.now() / 1000);
    const ask = async (token: string, method: "GET" | "POST") => {
      const res = await fetch(`${appUrl}/api/checkout/promise?orderId=${encodeURIComponent(A_ORDER)}&shop=${SHOP_A}`, { method, headers: { "User-Agent": BROWSER, Origin: "https://extensions.shopifycdn.com", Authorization: `Bearer ${token}` } });
      return { status: res.status, text: (await res.text()).split(A_ORDER).join("") };
    };
    const checkout = (shop: string, extra: Partial<Parameters<typeof mintSessionToken>[0]> = {}) => tokenFor(shop, { flavour: "checkout", customerGid: A_CUSTOMER, ...extra });
    const claims = JSON.parse(Buffer.from(checkout(SHOP_A).split(".")[1], "base64url").toString());
    const refused = {
      "not yet valid": signJwt({ ...claims, nbf: now + 600, iat: now + 600, exp: now + 900 }, TEST_API_SECRET),
      "shop edited after signing": `${checkout(SHOP_B).split(".")[0]}.${Buffer.from(JSON.stringify({ ...claims, dest: SHOP_A })).toString("base64url")}.${checkout(SHOP_B).split(".")[2]}`,
    };
    for (const [name, token] of Object.entries(refused)) for (const method of ["GET", "POST"] as const) expect({ name, method, status: (await ask(token, method)).status }).toEqual({ name, method, status: 401 });
    // A genuine token of shop B naming A's buyer and A's order: B's own preview, nothing of A.
    for (const method of ["GET", "POST"] as const) {
      const answer = await ask(checkout(SHOP_B), method);
      expect(answer.status).toBe(200);
      // (A is Silver in shop A; in B the buyer has no spend: the base tier.)
      expect(JSON.parse(answer.text)).toMatchObject({ source: "preview", tier: { key: "bronze" } });
      expect(leaksIn(answer.text)).toEqual([]);
    }
  });

  it("shop B's session asking for shop A's data by id gets B's data or a refusal, on every admin loader and action, and nothing of A changes", async () => {
    const before = await shopARows();
    const b = () => tokenFor(SHOP_B);
    // The forms B posts carry B's own drafts where a page saves the whole shop's settings.
    const tierDraft = JSON.parse((await call("app.tiers", { token: b() })).text).draft;
    const promiseDraft = JSON.parse((await call("app.promise-settings", { token: b() })).text).draft;
    const cases: Array<{ route: string; search?: string; params?: Record<string, string>; form?: Record<string, string | string[]>; refused?: boolean }> = [
      { route: "app" },
      { route: "app._index" },
      { route: "app._index", form: { intent: "retry-failed-deliveries", shop: SHOP_A } },
      { route: "app._index", form: { intent: "dismiss-failed-deliveries", shop: SHOP_A } },
      { route: "app._index", form: { intent: "reimport", shop: SHOP_A } },
      { route: "app.dashboard", search: `days=365&shop=${SHOP_A}` },
      { route: "app.members._index", search: `q=${encodeURIComponent(A.email)}&shop=${SHOP_A}` },
      { route: "app.members._index", search: `q=${A.customerId}` },
      { route: "app.members._index", form: { intent: "pin", customerGid: A_CUSTOMER, tierKey: "gold" }, refused: true },
      { route: "app.members._index", form: { intent: "unpin", customerGid: A_CUSTOMER }, refused: true },
      { route: "app.members.$customerId", params: { customerId: A.customerId } },
      { route: "app.members.$customerId", params: { customerId: A.customerId }, form: { intent: "adjust", customerGid: A_CUSTOMER, amount: "5000", note: "moving money", adjustmentId: randomUUID() }, refused: true },
      { route: "app.members.$customerId", params: { customerId: A.customerId }, form: { intent: "pin", customerGid: A_CUSTOMER, tierKey: "gold" }, refused: true },
      { route: "app.members.export", search: `q=${encodeURIComponent(A.email)}` },
      { route: "app.members.export" },
      { route: "app.promise-settings" },
      { route: "app.promise-settings", form: { intent: "save", draft: JSON.stringify(promiseDraft), shop: SHOP_A } },
      { route: "app.promises", search: `shop=${SHOP_A}` },
      { route: "app.promises", form: { intent: "recompute", orderGid: A_ORDER }, refused: true },
      { route: "app.replenishment" },
      { route: "app.replenishment", form: { intent: "approve", requestId: A.requestId, quoteId: A.quoteId }, refused: true },
      { route: "app.replenishment", form: { intent: "cancel", requestId: A.requestId, note: "not yours" }, refused: true },
      { route: "app.replenishment", form: { intent: "enter-reply", rfqId: A.rfqId, unitPrice: "1.00", quantity: "20", leadBusinessDays: "1", validUntil: "2099-01-01" }, refused: true },
      { route: "app.suppliers" },
      { route: "app.suppliers", form: { intent: "save", id: A.supplierId, name: "Hijacked", connector: "email", endpointUrl: "", email: "attacker@example.org", signingSecret: "" }, refused: true },
      { route: "app.suppliers", form: { intent: "remove", id: A.supplierId }, refused: true },
      { route: "app.tiers" },
      { route: "app.tiers", form: { intent: "save", draft: JSON.stringify(tierDraft), shop: SHOP_A } },
    ];
    // Every admin loader and action is exercised at least once here.
    const exercised = new Set(cases.map((c) => `${c.route} ${c.form ? "action" : "loader"}`));
    for (const [route, { exports }] of ADMIN_ROUTES) for (const e of exports) expect(exercised).toContain(`${route} ${e}`);

    for (const c of cases) {
      const res = await call(c.route, { token: b(), search: c.search, params: c.params, form: c.form });
      const what = `${c.route} ${c.form ? `action ${c.form.intent}` : `loader ${c.search ?? ""}`}`;
      expect({ what, serverError: res.status >= 500, leaks: leaksIn(res.text) }).toEqual({ what, serverError: false, leaks: [] });
      if (c.refused) {
        // Refused in words, because the thing named is not B's: not found, as if it did not exist.
        expect({ what, status: res.status, notFound: NOT_FOUND.test(res.text) }).toEqual({ what, status: 422, notFound: true });
      }
    }
    expect(await shopARows()).toEqual(before);

    // The same forms from A's own session do what they say: B was refused for being B, not for a bad form.
    // (Approve, cancel and remove are left out: A's request is still waiting for quotes, so nobody may
    // decide it yet nor remove a supplier it asks; B's refusals of those say the request or supplier is not found.)
    const a = () => tokenFor(SHOP_A);
    const own = cases.filter((c) => c.refused && !["approve", "cancel", "remove"].includes(String(c.form?.intent)));
    for (const c of own) {
      const res = await call(c.route, { token: a(), params: c.params, form: c.form });
      expect({ what: `${c.route} ${c.form?.intent}`, status: res.status, ok: (JSON.parse(res.text) as { ok?: boolean }).ok }).toEqual({ what: `${c.route} ${c.form?.intent}`, status: 200, ok: true });
    }
    expect(await database.db.supplier.findUniqueOrThrow({ where: { id: A.supplierId } })).toMatchObject({ name: "Hijacked", email: "attacker@example.org" });
    // B's own saves did happen: the checks above were not refusals of everything.
    expect(await database.db.tierSettings.count({ where: { shop: SHOP_B } })).toBe(1);
    expect(await database.db.promiseSettings.count({ where: { shop: SHOP_B } })).toBe(1);
  });
});
