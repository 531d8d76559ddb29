// GET /api/checkout/promise through the real web process (Remix build, authenticate.public.checkout)
// on SQLite and PostgreSQL, with checkout session tokens as the simulator mints them: refuses
// forged, expired and other-app tokens, takes the shop and the buyer only from the token, and shows
// a stored promise only to the buyer whose order it is.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { mintSessionToken, signJwt } from "../simulator/admin/session-token.ts";
import { savePromiseRules } from "../app/adapters/db/promise-settings-repository.server.ts";
import { defaultPromiseRules } from "../app/domain/promise-rules.ts";
import type { CheckoutPromiseAnswer } from "../app/domain/checkout-promise-answer.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "promise-endpoint.myshopify.com";
const OTHER_SHOP = "promise-other.myshopify.com";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const CHECKOUT_ORIGIN = "https://extensions.shopifycdn.com";
const GOLD = "gid://shopify/Customer/9001";
const SILVER = "gid://shopify/Customer/9002";
const BRONZE = "gid://shopify/Customer/9003";
const GOLD_ORDER = "gid://shopify/Order/7001";
const SILVER_ORDER = "gid://shopify/Order/7002";
const GUEST_ORDER = "gid://shopify/Order/7003";

const checkoutToken = (customerGid?: string, extra: Partial<Parameters<typeof mintSessionToken>[0]> = {}) =>
  mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, flavour: "checkout", ...(customerGid ? { customerGid } : {}), ...extra });

async function seed(database: TestDatabase): Promise<void> {
  const { db } = database;
  await db.shop.createMany({ data: [{ domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" }, { domain: OTHER_SHOP, currencyCode: "USD", ianaTimezone: "Europe/Paris" }] });
  await db.customer.createMany({
    data: [
      { shop: SHOP, customerGid: GOLD, tierKey: "gold", qualifyingSpend: 310_000, qualifyingOrders: 12 },
      { shop: SHOP, customerGid: SILVER, tierKey: "silver", qualifyingSpend: 120_000, qualifyingOrders: 4 },
      { shop: SHOP, customerGid: BRONZE, tierKey: "bronze", qualifyingSpend: 12_500, qualifyingOrders: 1 },
      // The same buyer id in another shop, in another tier: only the token's shop counts.
      { shop: OTHER_SHOP, customerGid: GOLD, tierKey: "bronze", qualifyingSpend: 0, qualifyingOrders: 0 },
    ],
  });
  const rules = defaultPromiseRules("America/New_York", "US");
  rules.transit = [{ zone: "US", minDays: 2, maxDays: 4 }];
  await savePromiseRules(db, SHOP, rules);
  const stored = (orderGid: string, customerGid: string | null, tierKey: string, laneKey: string, shipByDay: string, arrive: [string, string] | null) => ({
    shop: SHOP,
    orderGid,
    customerGid,
    tierKey,
    laneKey,
    orderedAt: new Date("2026-01-12T15:00:00Z"),
    intakeDay: "2026-01-12",
    shipByEarliest: new Date(`${shipByDay}T10:00:00Z`),
    shipBy: new Date(`${shipByDay}T23:00:00Z`),
    shipByDay,
    arriveZone: arrive ? "US" : null,
    arriveEarliestDay: arrive?.[0] ?? null,
    arriveLatestDay: arrive?.[1] ?? null,
  });
  // Days in the past: a preview (made for now) can never produce them.
  await db.orderPromise.createMany({
    data: [
      stored(GOLD_ORDER, GOLD, "gold", "priority_production", "2026-01-14", ["2026-01-16", "2026-01-18"]),
      stored(SILVER_ORDER, SILVER, "silver", "priority_shipping", "2026-01-15", null),
      stored(GUEST_ORDER, null, "bronze", "standard_batch", "2026-01-26", null),
    ],
  });
}

describe.each(DATABASE_KINDS)("checkout promise endpoint (%s)", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let appUrl: string;

  async function ask(token: string | null, search: Record<string, string> = {}, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: CheckoutPromiseAnswer & { error?: string } }> {
    const res = await fetch(`${appUrl}/api/checkout/promise?${new URLSearchParams(search)}`, {
      ...init,
      headers: { "User-Agent": BROWSER, Origin: CHECKOUT_ORIGIN, ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
    const text = await res.text();
    let body: CheckoutPromiseAnswer & { error?: string };
    try {
      body = text ? JSON.parse(text) : ({} as typeof body);
    } catch {
      throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}\n${web.output.slice(-2000)}`);
    }
    return { status: res.status, headers: res.headers, body };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind, "checkout_promise");
    await seed(database);
    redis = await PrivateRedis.start();
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `c${randomUUID().slice(0, 8)}` });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
  });

  afterAll(async () => {
    await web?.kill();
    await redis?.stop();
    await database?.drop();
  });

  it("answers the CORS preflight from checkout's origin", async () => {
    const res = await fetch(`${appUrl}/api/checkout/promise`, {
      method: "OPTIONS",
      headers: { "User-Agent": BROWSER, Origin: CHECKOUT_ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("Authorization");
  });

  it("shows a Gold buyer the promise stored for their order, with its arrive-by range, and no next tier", async () => {
    const { status, headers, body } = await ask(checkoutToken(GOLD), { orderId: GOLD_ORDER, locale: "en-US" });
    expect(status).toBe(200);
    expect(headers.get("access-control-allow-origin")).toBe("*");
    expect(body).toMatchObject({
      tier: { key: "gold", name: "Gold", member: true },
      source: "order",
      promise: { tierKey: "gold", tierName: "Gold", shipByDay: "2026-01-14", shipBy: "Wed, Jan 14", arriveBy: "Fri, Jan 16 – Sun, Jan 18" },
      next: null,
      locale: "en-US",
    });
  });

  it("answers the same through Remix's own request handler (a POST is not on the fast path)", async () => {
    const viaRemix = await ask(checkoutToken(GOLD), { orderId: GOLD_ORDER, locale: "en-US" }, { method: "POST" });
    const fast = await ask(checkoutToken(GOLD), { orderId: GOLD_ORDER, locale: "en-US" });
    expect(viaRemix.status).toBe(200);
    expect(viaRemix.headers.get("access-control-allow-origin")).toBe("*");
    expect(viaRemix.body).toEqual(fast.body);
  });

  it("answers on the fast path exactly as authenticate.public.checkout does through Remix: statuses, CORS and bodies", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Record<string, string>]> = [
      ["gold with order", { Authorization: `Bearer ${checkoutToken(GOLD)}` }],
      ["guest", { Authorization: `Bearer ${checkoutToken()}` }],
      ["no token", {}],
      ["empty bearer", { Authorization: "Bearer " }],
      ["forged", { Authorization: `Bearer ${mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: "a-guessed-secret", flavour: "checkout" })}` }],
      ["expired", { Authorization: `Bearer ${checkoutToken(GOLD, { now: now - 400 })}` }],
      ["misaddressed", { Authorization: `Bearer ${signJwt({ dest: SHOP, aud: "another-app", sub: GOLD, exp: now + 300, nbf: now, iat: now, jti: randomUUID() }, TEST_API_SECRET)}` }],
      ["no shop", { Authorization: `Bearer ${signJwt({ dest: "not a shop", aud: TEST_API_KEY, exp: now + 300, nbf: now, iat: now, jti: randomUUID() }, TEST_API_SECRET)}` }],
      ["a bot", { "User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)", Authorization: `Bearer ${checkoutToken(GOLD)}` }],
      ["same origin", { Origin: appUrl, Authorization: `Bearer ${checkoutToken(GOLD)}` }],
    ];
    const shown = (res: Response, text: string) => ({
      status: res.status,
      text,
      headers: Object.fromEntries(["content-type", "cache-control", "access-control-allow-origin", "access-control-allow-headers", "access-control-expose-headers"].map((name) => [name, res.headers.get(name)])),
    });
    for (const [name, headers] of cases) {
      const call = async (method: string) => {
        const res = await fetch(`${appUrl}/api/checkout/promise?orderId=${encodeURIComponent(GOLD_ORDER)}&locale=de&country=US`, { method, headers: { "User-Agent": BROWSER, Origin: CHECKOUT_ORIGIN, ...headers } });
        return shown(res, await res.text());
      };
      const [fast, viaRemix] = [await call("GET"), await call("POST")];
      expect({ name, ...fast }).toEqual({ name, ...viaRemix });
    }
    // HEAD: the GET's status and headers, no body.
    const head = await fetch(`${appUrl}/api/checkout/promise`, { method: "HEAD", headers: { "User-Agent": BROWSER, Origin: CHECKOUT_ORIGIN, Authorization: `Bearer ${checkoutToken(GOLD)}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await head.text()).toBe("");
  });

  it("accepts the thank-you page's OrderIdentity id for the same order, and formats in the buyer's locale", async () => {
    const { body } = await ask(checkoutToken(GOLD), { orderId: "gid://shopify/OrderIdentity/7001", locale: "fr" });
    expect(body).toMatchObject({ source: "order", promise: { shipByDay: "2026-01-14", shipBy: "mer. 14 janv.", arriveBy: "ven. 16 janv. – dim. 18 janv." }, locale: "fr" });
  });

  it("never shows a buyer another buyer's stored promise: they get the preview for their own tier", async () => {
    const { status, body } = await ask(checkoutToken(GOLD), { orderId: SILVER_ORDER });
    expect(status).toBe(200);
    expect(body.source).toBe("preview");
    expect(body.promise?.tierKey).toBe("gold");
    expect(body.promise?.shipByDay).not.toBe("2026-01-15");
    const shopToday = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date());
    expect(body.promise!.shipByDay >= shopToday).toBe(true);
  });

  it("shows a Silver buyer their stored promise, Gold's promise now, and how much more spend qualifies", async () => {
    const { body } = await ask(checkoutToken(SILVER), { orderId: SILVER_ORDER, country: "US" });
    expect(body).toMatchObject({ tier: { key: "silver", member: true }, source: "order", promise: { shipByDay: "2026-01-15", arriveBy: null } });
    // 2000.01 − 1200.00
    expect(body.next).toMatchObject({ tier: { key: "gold", name: "Gold" }, promise: { tierKey: "gold" }, qualifies: { spend: "$800.01", spendMinor: 80_001, more: true, orders: null } });
    // The shop has a transit estimate for US: the next tier's preview carries an arrive-by range.
    expect(body.next?.promise?.arriveBy).toMatch(/ – /);
  });

  it("shows a Bronze buyer the preview for Bronze now and what Silver would promise", async () => {
    const { body } = await ask(checkoutToken(BRONZE));
    expect(body).toMatchObject({ tier: { key: "bronze", member: true }, source: "preview", promise: { tierKey: "bronze" }, next: { tier: { key: "silver" }, promise: { tierKey: "silver" }, qualifies: { spend: "$375.00", more: true } } });
    // Bronze (7–10 business days) ships after Silver (48–72 business hours).
    expect(body.promise!.shipByDay > body.next!.promise!.shipByDay).toBe(true);
  });

  it("treats a guest as the base tier, even with an order id: no stored promise without a buyer to own it", async () => {
    const { body } = await ask(checkoutToken(), { orderId: GUEST_ORDER });
    expect(body).toMatchObject({ tier: { key: "bronze", member: false }, source: "preview", promise: { tierKey: "bronze" }, next: { tier: { key: "silver" }, qualifies: { spend: "$500.00", more: false } } });
    expect(body.promise?.shipByDay).not.toBe("2026-01-26");
  });

  it("takes the shop and the buyer from the token, never from the request", async () => {
    const { body } = await ask(checkoutToken(BRONZE), { shop: OTHER_SHOP, customerId: GOLD, sub: GOLD, dest: OTHER_SHOP, orderId: GOLD_ORDER });
    expect(body).toMatchObject({ tier: { key: "bronze" }, source: "preview" });
    // The Gold buyer's token for the other shop sees that shop's tier for them.
    const other = await ask(mintSessionToken({ shop: OTHER_SHOP, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, flavour: "checkout", customerGid: GOLD }), { orderId: GOLD_ORDER });
    expect(other.body).toMatchObject({ tier: { key: "bronze" }, source: "preview" });
  });

  it("answers 404 for a shop where Tierline is not installed", async () => {
    const { status, body } = await ask(mintSessionToken({ shop: "never-installed.myshopify.com", apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, flavour: "checkout", customerGid: GOLD }));
    expect(status).toBe(404);
    expect(body.error).toMatch(/not installed/);
  });

  it("refuses a missing, forged, expired or other-app token", async () => {
    expect((await ask(null)).status).toBe(401);
    const forged = mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: "a-guessed-secret", flavour: "checkout", customerGid: GOLD });
    expect((await ask(forged)).status).toBe(401);
    // A genuine token with its claims edited (the buyer swapped) no longer matches its signature.
    const [head, , sig] = checkoutToken(BRONZE).split(".");
    const claims = JSON.parse(Buffer.from(checkoutToken(BRONZE).split(".")[1], "base64url").toString());
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: GOLD })).toString("base64url")}.${sig}`;
    expect((await ask(tampered)).status).toBe(401);
    const expired = checkoutToken(GOLD, { now: Math.floor(Date.now() / 1000) - 400 });
    expect((await ask(expired)).status).toBe(401);
    const otherApp = mintSessionToken({ shop: SHOP, apiKey: "another-app", apiSecret: "another-app-secret", flavour: "checkout", customerGid: GOLD });
    expect((await ask(otherApp)).status).toBe(401);
    // Signed with our secret but addressed to another app: the audience is checked too.
    const now = Math.floor(Date.now() / 1000);
    const misaddressed = signJwt({ dest: SHOP, aud: "another-app", sub: GOLD, exp: now + 300, nbf: now, iat: now, jti: randomUUID() }, TEST_API_SECRET);
    expect((await ask(misaddressed)).status).toBe(401);
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify({ ...claims, sub: GOLD })).toString("base64url")}.`;
    expect((await ask(none)).status).toBe(401);
  });
});
