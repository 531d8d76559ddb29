// The Promise settings and Promises pages through the real web process (Remix build,
// authenticate.admin with a session token): bad input is refused field by field and stores
// nothing, the preview counts the lane's bookings, saving bumps the version, and each shop's
// session token reaches only that shop's settings and promises.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { mintSessionToken } from "../../simulator/admin/session-token.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { createTestDatabase, type TestDatabase } from "../../tests/support/test-database.ts";
import type { PromiseSettingsDraft, PromiseSettingsPage, PromiseSettingsSubmission } from "../use-cases/promise-settings-admin.server.ts";
import type { PromisesPage } from "../use-cases/promises-admin.server.ts";

const SHOP = "promises-http.myshopify.com";
const OTHER = "promises-other.myshopify.com";
const SCOPES = "read_customers,write_customers,read_orders";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

describe("promise pages over HTTP", () => {
  let sim: RunningSimulator;
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let appUrl: string;

  /** A loader or action data request as the embedded app makes it (Bearer session token). */
  async function request<T>(shop: string, route: "app.promise-settings" | "app.promises", { search = "", form, headers = {} }: { search?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
    const token = mintSessionToken({ shop, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    const params = new URLSearchParams(search);
    params.set("_data", `routes/${route}`);
    const res = await fetch(`${appUrl}/${route.replace(".", "/")}?${params}`, {
      method: form ? "POST" : "GET",
      // Node's own user agent counts as a bot, which shopify-app-remix answers 410.
      headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER, ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...headers },
      body: form ? new URLSearchParams(form) : undefined,
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      throw new Error(`${route}: HTTP ${res.status}: ${text.slice(0, 500)}\n${web.output.slice(-2000)}`);
    }
  }
  const settings = (shop = SHOP) => request<PromiseSettingsPage>(shop, "app.promise-settings");
  const submit = (draft: PromiseSettingsDraft, intent: "save" | "preview" = "save", shop = SHOP) =>
    request<PromiseSettingsSubmission>(shop, "app.promise-settings", { form: { intent, draft: JSON.stringify(draft) } });

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl: "http://127.0.0.1:9", edgeModules: false, scopes: SCOPES.split(",") });
    database = await createTestDatabase("sqlite", "promises_http");
    const { db } = database;
    for (const [shop, zone, country] of [[SHOP, "America/Chicago", "US"], [OTHER, "Europe/Paris", "FR"]] as const) {
      const { accessToken } = (await (await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop, currency: "USD" }) })).json()) as { accessToken: string };
      await db.shop.create({ data: { domain: shop, currencyCode: "USD", scopes: SCOPES, ianaTimezone: zone, countryCode: country } });
      // What token exchange stores at install.
      await db.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, scope: SCOPES, accessToken } });
    }
    redis = await PrivateRedis.start();
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `p${randomUUID().slice(0, 8)}`, extra: { SHOPIFY_API_ORIGIN: sim.origin, SCOPES } });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
  });

  afterAll(async () => {
    await web?.kill();
    await redis?.stop();
    await database?.drop();
    await sim?.close();
  });

  it("refuses bad input on each field and stores nothing; a form that is no draft at all is refused whole", async () => {
    const loaded = await settings();
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ version: 0, saved: false, draft: { timeZone: "America/Chicago", holidayCountry: "US" } });
    expect(loaded.body.preview?.tiers.map((t) => t.tierKey)).toEqual(["bronze", "silver", "gold"]);
    const gold = loaded.body.draft.lanes.findIndex((l) => l.tierKey === "gold");
    const bad = await submit({
      ...loaded.body.draft,
      cutoff: "noon",
      lanes: loaded.body.draft.lanes.map((l, i) => (i === gold ? { ...l, min: "-1", capacity: "0" } : l)),
      transit: [{ zone: "ZZ", minDays: "1", maxDays: "2" }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.ok).toBe(false);
    expect(!bad.body.ok && bad.body.issues.map((i) => i.path).sort()).toEqual(["calendar.cutoff", `lanes.${gold}.dailyCapacity`, `lanes.${gold}.handling.min`, "transit.0.zone"].sort());
    const unreadable = await request<PromiseSettingsSubmission>(SHOP, "app.promise-settings", { form: { intent: "save", draft: '{"lanes": 3}' } });
    expect(unreadable.status).toBe(400);
    expect(await database.db.promiseSettings.count()).toBe(0);
    expect(await database.db.skuReplenishment.count()).toBe(0);
  });

  it("previews with the lane's bookings, saves with a new version, and each shop reaches only its own", async () => {
    const { body: loaded } = await settings();
    const draft: PromiseSettingsDraft = { ...loaded.draft, lanes: loaded.draft.lanes.map((l) => (l.tierKey === "gold" ? { ...l, capacity: "1" } : l)), skus: [{ sku: "KIT-9", days: "12", capacity: "" }] };
    const goldOf = (result: PromiseSettingsSubmission) => (result.ok ? result.preview.tiers.find((t) => t.tierKey === "gold")! : null);
    // The preview runs on the real clock: past the shop's 14:00 cut-off it also notes that (any time of day must pass).
    const capacityNotes = (tier: ReturnType<typeof goldOf>) => tier!.notes.filter((note) => / was full /.test(note));
    const first = goldOf((await submit(draft, "preview")).body);
    expect(capacityNotes(first)).toEqual([]);
    // Another shop's order and this shop's own order, both due that day in the Gold lane.
    const booking = { tierKey: "gold", laneKey: "priority_production", orderedAt: new Date(), intakeDay: first!.shipByDay!, shipByEarliest: new Date(), shipBy: new Date(), shipByDay: first!.shipByDay! };
    await database.db.orderPromise.create({ data: { ...booking, shop: OTHER, orderGid: "gid://shopify/Order/2", orderName: "#2" } });
    expect(goldOf((await submit(draft, "preview")).body)?.shipByDay).toBe(first!.shipByDay);
    await database.db.orderPromise.create({ data: { ...booking, shop: SHOP, orderGid: "gid://shopify/Order/1", orderName: "#1" } });
    const moved = goldOf((await submit(draft, "preview")).body);
    expect(moved!.shipByDay! > first!.shipByDay!).toBe(true);
    expect(capacityNotes(moved)).toEqual([expect.stringMatching(/^Priority production was full \(1 a day\) on .*: moved to /)]);
    expect(await database.db.promiseSettings.count()).toBe(0);

    const saved = await submit(draft);
    expect(saved).toMatchObject({ status: 200, body: { ok: true, intent: "save", version: 1 } });
    expect((await submit({ ...draft, cutoff: "15:00" })).body).toMatchObject({ ok: true, version: 2 });
    expect((await settings()).body).toMatchObject({ version: 2, saved: true, draft: { cutoff: "15:00", skus: [{ sku: "KIT-9", days: "12" }] } });
    // A page still showing version 1 (another tab) cannot overwrite version 2.
    const stale = await request<PromiseSettingsSubmission>(SHOP, "app.promise-settings", { form: { intent: "save", version: "1", draft: JSON.stringify({ ...draft, cutoff: "08:00", skus: [] }) } });
    expect(stale).toMatchObject({ status: 409, body: { ok: false, conflict: true } });
    expect((await settings()).body).toMatchObject({ version: 2, draft: { cutoff: "15:00", skus: [{ sku: "KIT-9" }] } });

    // The other shop's token: its own defaults, and its save lands on its own row only.
    const other = await settings(OTHER);
    expect(other.body).toMatchObject({ version: 0, draft: { timeZone: "Europe/Paris", holidayCountry: "FR", skus: [] } });
    expect((await submit({ ...other.body.draft, cutoff: "11:00" }, "save", OTHER)).body).toMatchObject({ ok: true, version: 1 });
    expect((await settings()).body).toMatchObject({ version: 2, draft: { cutoff: "15:00" } });
    expect(await database.db.skuReplenishment.findMany({ select: { shop: true, sku: true } })).toEqual([{ shop: SHOP, sku: "KIT-9" }]);
  });

  it("lists only the shop's own promises, filtered, in the merchant's locale", async () => {
    const list = await request<PromisesPage>(SHOP, "app.promises");
    expect(list.status).toBe(200);
    expect(list.body.rows.map((r) => r.orderName)).toEqual(["#1"]);
    expect(list.body.capacityFlags.map((f) => [f.laneName, f.level])).toEqual([["Priority production", "full"]]);
    expect((await request<PromisesPage>(SHOP, "app.promises", { search: "tier=silver" })).body.rows).toEqual([]);
    expect((await request<PromisesPage>(OTHER, "app.promises")).body.rows.map((r) => r.orderName)).toEqual(["#2"]);
    // The admin's language with the shop's country: a French admin in the Paris shop.
    const french = await request<PromisesPage>(OTHER, "app.promises", { search: "locale=fr" });
    expect(french.body.locale).toBe("fr-FR");
    expect(french.body.rows[0].shipBy).toMatch(/^[a-z]{3}\. \d{1,2} [a-zé]+\.?,? \d{1,2}:\d{2}$/);
  });
});
