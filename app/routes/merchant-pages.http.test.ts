// The Tier rules and Members pages through the real processes: the web process
// (Remix build, authenticate.admin with a session token), a worker process, Redis,
// and the store simulator as Shopify. Saving rules and pinning a member end with
// the tags written on the simulated store.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { mintSessionToken } from "../../simulator/admin/session-token.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { createTestDatabase, type TestDatabase } from "../../tests/support/test-database.ts";
import { draftFromRules } from "../use-cases/tier-rules-admin.server.ts";
import { DEFAULT_TIER_RULES } from "../domain/tier-rules.ts";

const SHOP = "pages-http.myshopify.com";
const SCOPES = "read_customers,write_customers,read_orders";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

describe("merchant pages over HTTP", () => {
  let sim: RunningSimulator;
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let worker: AppProcess;
  let appUrl: string;
  const customers: Record<string, string> = {};

  const simTags = async (gid: string) =>
    ((await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/customers/${encodeURIComponent(gid)}`)).json()) as { customer: { tags: string[] } }).customer.tags.sort();
  /** A sync adds the new tier's tag before removing the old one, so wait for the whole set, not the first sight of a tag. */
  const tagsBecome = (gid: string, expected: string[], what: string) =>
    eventually(async () => JSON.stringify(await simTags(gid)) === JSON.stringify(expected), { what: `${what}: ${expected.join(", ")}` });

  /** A fetcher/loader data request as the embedded app makes it (Bearer session token). */
  async function page<T>(route: string, search = "", form?: Record<string, string>, path?: string): Promise<{ status: number; body: T }> {
    const token = mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    const params = new URLSearchParams(search);
    params.set("_data", `routes/${route}`);
    // An index route answers at its parent's path with `?index`.
    const pathname = path ?? route.replace(/\._index$/, "").replaceAll(".", "/");
    if (route.endsWith("._index")) params.set("index", "");
    const res = await fetch(`${appUrl}/${pathname}?${params}`, {
      method: form ? "POST" : "GET",
      // Node's own user agent counts as a bot, which shopify-app-remix answers 410.
      headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER, ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      throw new Error(`${route}: HTTP ${res.status}: ${text.slice(0, 500)}\n${web.output.slice(-2000)}`);
    }
  }

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl: "http://127.0.0.1:9", edgeModules: false, scopes: SCOPES.split(",") });
    const { accessToken } = (await (await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: SHOP, currency: "USD" }) })).json()) as { accessToken: string };
    database = await createTestDatabase("sqlite", "pages_http");
    const { db } = database;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", scopes: SCOPES } });
    // What token exchange stores at install.
    await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, scope: SCOPES, accessToken } });
    for (const [name, total] of [["Ada", 30_000], ["Bo", 80_000], ["Cy", 250_000]] as const) {
      const { customer } = (await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/customers`, { method: "POST", body: JSON.stringify({ firstName: name, email: `${name.toLowerCase()}@example.com`, tags: ["newsletter"] }) })).json()) as { customer: { gid: string } };
      customers[name] = customer.gid;
      const at = new Date(Date.now() - 5 * 86_400_000);
      await db.customer.create({ data: { shop: SHOP, customerGid: customer.gid, firstName: name, email: `${name.toLowerCase()}@example.com` } });
      await db.ledgerOrder.create({ data: { shop: SHOP, orderGid: `gid://shopify/Order/${total}`, customerGid: customer.gid, processedAt: at, orderUpdatedAt: at, currencyCode: "USD", currentTotal: total } });
    }
    redis = await PrivateRedis.start();
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `p${randomUUID().slice(0, 8)}`, extra: { SHOPIFY_API_ORIGIN: sim.origin, SCOPES } });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
    worker = await startWorkerProcess(env);
  });

  afterAll(async () => {
    await worker?.kill();
    await web?.kill();
    await redis?.stop();
    await database?.drop();
    await sim?.close();
  });

  it("previews a threshold change, saves it, and every member is recomputed and tagged", async () => {
    const draft = draftFromRules(DEFAULT_TIER_RULES);
    draft.tiers[1].threshold = "250";
    const preview = await page<{ ok: boolean; preview: { movedUp: number; members: number } }>("app.tiers", "", { intent: "preview", draft: JSON.stringify(draft) });
    expect(preview).toMatchObject({ status: 200, body: { ok: true, preview: { members: 3, movedUp: 1 } } });

    const invalid = await page<{ ok: boolean; issues: { path: string }[] }>("app.tiers", "", { intent: "save", draft: JSON.stringify({ ...draft, graceDays: "-1" }) });
    expect(invalid.status).toBe(422);
    expect(invalid.body.issues.map((i) => i.path)).toContain("graceDays");

    const saved = await page<{ ok: boolean; saved: { version: number; customers: number } }>("app.tiers", "", { intent: "save", draft: JSON.stringify(draft) });
    expect(saved).toMatchObject({ status: 200, body: { ok: true, saved: { version: 1, customers: 3 } } });

    await tagsBecome(customers.Ada, ["newsletter", "tierline:silver"], "Ada tagged Silver");
    await tagsBecome(customers.Cy, ["newsletter", "tierline:gold"], "Cy tagged Gold");
    await tagsBecome(customers.Bo, ["newsletter", "tierline:silver"], "Bo tagged Silver");
    const overview = await eventually(async () => {
      const loaded = await page<{ recompute: unknown; tierCounts: Record<string, number>; draft: { tiers: { threshold: string }[] } }>("app.tiers");
      return loaded.body.recompute === null ? loaded.body : null;
    }, { what: "recompute done" });
    expect(overview).toMatchObject({ tierCounts: { bronze: 0, silver: 2, gold: 1 }, draft: { tiers: [{}, { threshold: "250.00" }, {}] } });
  });

  it("lists members with filters and pins one, which the worker writes to Shopify", async () => {
    const listed = await page<{ total: number; members: { name: string; tierKey: string; spend: string }[] }>("app.members._index", "tier=silver");
    expect(listed.body.members.map((m) => m.name)).toEqual(["Bo", "Ada"]);

    const pinned = await page<{ ok: boolean }>("app.members._index", "", { intent: "pin", customerGid: customers.Ada, tierKey: "gold" });
    expect(pinned).toMatchObject({ status: 200, body: { ok: true } });
    await tagsBecome(customers.Ada, ["newsletter", "tierline:gold"], "Ada moved to Gold, Silver's tag removed");

    const adaId = customers.Ada.split("/").pop();
    const detail = await page<{ pin: { tierName: string }; history: { title: string; detail: string }[] }>("app.members.$customerId", "", undefined, `app/members/${adaId}`);
    expect(detail.body.pin.tierName).toBe("Gold");
    expect(detail.body.history[0]).toMatchObject({ title: "Silver → Gold", detail: expect.stringMatching(/^Changed by you/) });
    // Another shop's member, or no member: not found.
    expect((await page<unknown>("app.members.$customerId", "", undefined, "app/members/999999999")).status).toBe(404);
  });

  it("/auth/login answers with a page where a merchant enters their shop's domain, and says what is wrong with one", async () => {
    const res = await fetch(`${appUrl}/auth/login`, { headers: { "User-Agent": BROWSER } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Shop domain");
    const bad = await fetch(`${appUrl}/auth/login`, { method: "POST", headers: { "User-Agent": BROWSER, "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ shop: "not a shop!" }) });
    expect(bad.status).toBe(200);
    expect(await bad.text()).toContain("Enter a shop domain like your-store.myshopify.com.");
  });

  it("retries and dismisses the shop's failed deliveries from the Overview, and no other shop's", async () => {
    const OTHER = "other-shop.myshopify.com";
    const { db } = database;
    const long = new Date(Date.now() - 2 * 86_400_000);
    const payload = JSON.stringify({ id: 7064055069305, email: "ada.new@example.com", first_name: "Ada", last_name: "L", tags: "", updated_at: "2026-11-30T10:00:00Z", admin_graphql_api_id: "gid://shopify/Customer/7064055069305" });
    await db.webhookDelivery.createMany({
      data: [
        { webhookId: "fail-retryable", shop: SHOP, topic: "customers/update", payload, status: "failed", attempts: 10, error: "customer store unavailable", receivedAt: long },
        { webhookId: "fail-erased", shop: SHOP, topic: "orders/create", payload: "{}", payloadErasedAt: new Date(), status: "failed", attempts: 10, error: "downstream unavailable", receivedAt: long },
        { webhookId: "other-failed", shop: OTHER, topic: "customers/update", payload, status: "failed", attempts: 10, error: "customer store unavailable", receivedAt: long },
      ],
    });
    const before = await page<{ failedDeliveries: { count: number; retryable: number } }>("app._index");
    expect(before.body.failedDeliveries).toMatchObject({ count: 2, retryable: 1 });

    // A form naming another shop changes nothing: the session's shop is the one acted on.
    const retried = await page<{ ok: boolean; retried: number; notRetryable: number }>("app._index", "", { intent: "retry-failed-deliveries", shop: OTHER });
    expect(retried).toMatchObject({ status: 200, body: { ok: true, retried: 1, notRetryable: 1 } });
    // The worker process handles the re-queued delivery.
    await eventually(async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "fail-retryable" } })).status === "processed", { what: "retried delivery processed" });

    const dismissed = await page<{ ok: boolean; dismissed: number; erased: number }>("app._index", "", { intent: "dismiss-failed-deliveries", shop: OTHER });
    expect(dismissed).toMatchObject({ status: 200, body: { ok: true, dismissed: 1, erased: 1 } });
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "fail-erased" } })).toMatchObject({ status: "failed_acknowledged", error: "downstream unavailable" });
    expect((await page<{ failedDeliveries: { count: number } }>("app._index")).body.failedDeliveries.count).toBe(0);
    // The other shop's delivery: untouched by both actions.
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: "other-failed" } })).toMatchObject({ status: "failed", attempts: 10, error: "customer store unavailable" });
  });
});
