// The checkout extension as a buyer sees it, in a real browser (Debian's Chromium, headless): the
// simulator's thank-you page runs the BUILT bundle (scripts/bundle-extensions.ts, the app's URL
// compiled in), which fetches a real checkout session token and calls the real web process across
// origins (CORS preflight included). A Gold buyer sees the promise stored for their order; a guest
// sees the base promise and what Silver would promise. Screenshots at 1440 and 390 px.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, ROOT, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import { freePort, PrivateRedis } from "../scripts/lib/private-redis.ts";
import { startSimulator, type RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { installApp } from "../simulator/store/shops.ts";
import { formatLocalDay } from "../app/domain/checkout-promise-answer.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SHOP = "thank-you-browser.myshopify.com";
const CHROMIUM = chromiumPlan();
const ARTIFACTS = path.join(ROOT, "tests/.artifacts");
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

if (!CHROMIUM.run && !CHROMIUM.skip) {
  describe("thank-you page in the browser", () => {
    it("needs Chromium", () => {
      throw new Error(CHROMIUM.reason);
    });
  });
}

describe.skipIf(!CHROMIUM.run)("thank-you page in the browser", () => {
  let sim: RunningSimulator;
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let browser: Browser;
  let goldOrder: { id: string; gid: string };
  let guestOrder: { id: string };
  const seen: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const appUrl = `http://127.0.0.1:${port}`;
    sim = await startSimulator({ port: 0, host: "127.0.0.1", appUrl, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    seedShop(sim.store, SHOP, { seed: 5, size: "tiny", now: new Date().toISOString() });
    // Shopify mints checkout tokens only for an app installed on the shop.
    installApp(sim.store, SHOP, { apiKey: TEST_API_KEY, scopes: ["read_customers", "read_orders"] });
    const data = sim.store.shop(SHOP);
    const orders = [...data.orders.values()];
    const withBuyer = orders.find((o) => o.customerId !== null && o.cancelledAt === null)!;
    const guest = orders.find((o) => o.customerId === null) ?? orders.find((o) => o.customerId !== withBuyer.customerId)!;
    goldOrder = { id: withBuyer.id, gid: withBuyer.gid };
    guestOrder = { id: guest.id };
    // A guest order, unless the seed has none: then the other buyer's order, its buyer made a guest.
    if (guest.customerId !== null) guest.customerId = null;
    const buyer = data.customers.get(withBuyer.customerId!)!;

    database = await createTestDatabase("sqlite", "thank_you_browser");
    const { db } = database;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" } });
    await db.customer.create({ data: { shop: SHOP, customerGid: buyer.gid, firstName: buyer.firstName, tierKey: "gold", qualifyingSpend: 310_000, qualifyingOrders: 9 } });
    // What the paid-order flow stores: this order's promise, made when it was paid.
    await db.orderPromise.create({
      data: {
        shop: SHOP, orderGid: withBuyer.gid, customerGid: buyer.gid, tierKey: "gold", laneKey: "priority_production",
        orderedAt: new Date("2026-11-23T15:00:00Z"), intakeDay: "2026-11-23",
        shipByEarliest: new Date("2026-11-24T15:00:00Z"), shipBy: new Date("2026-11-25T15:00:00Z"), shipByDay: "2026-11-25",
        arriveZone: "US", arriveEarliestDay: "2026-11-27", arriveLatestDay: "2026-12-01",
      },
    });
    redis = await PrivateRedis.start();
    ({ proc: web } = await startWebProcess(appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `t${randomUUID().slice(0, 8)}`, extra: { PORT: String(port), SHOPIFY_APP_URL: appUrl } })));
    browser = await chromium.launch({ executablePath: CHROMIUM.run ? CHROMIUM.path : undefined, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.kill();
    await redis?.stop();
    await database?.drop();
    await sim?.close();
  });

  async function open(width: number, orderId: string, search = ""): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 }, userAgent: BROWSER });
    page.setDefaultTimeout(30_000);
    page.on("console", (m) => seen.push(`console.${m.type()}: ${m.text().slice(0, 300)}`));
    page.on("pageerror", (e) => seen.push(`pageerror: ${e.message.slice(0, 300)}`));
    page.on("response", (r) => seen.push(`${r.status()} ${r.request().method()} ${r.url().slice(0, 160)}`));
    await page.goto(`${sim.origin}/_sim/checkout/${SHOP}/thank-you/${orderId}${search}`);
    return page;
  }

  async function failing<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      console.error(seen.join("\n"), web.output.slice(-2000));
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-failure.png`), fullPage: true }).catch(() => {});
      throw error;
    }
  }

  it("shows a Gold buyer the promise stored for their order, at 1440 and 390 px", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const width of [1440, 390]) {
      const page = await open(width, goldOrder.id);
      try {
        await failing(page, `thank-you-gold-${width}`, async () => {
          const block = page.locator("#tierline-block");
          await block.getByText("Gold member: ships by").waitFor();
          const lines = await block.locator("s-text").allInnerTexts();
          expect(lines).toEqual([`Gold member: ships by ${formatLocalDay("2026-11-25", "en")}`, `Arrives ${formatLocalDay("2026-11-27", "en")} – ${formatLocalDay("2026-12-01", "en")}`]);
          expect(await block.locator("s-heading").innerText()).toBe("Your delivery promise");
          await page.screenshot({ path: path.join(ARTIFACTS, `thank-you-gold-${width}.png`), fullPage: true });
        });
      } finally {
        await page.close();
      }
    }
    // The bundle asked the app across origins (the simulator's page, the app's URL), which the
    // browser allows only with the app's CORS answer to its preflight and to the request.
    expect(seen.some((line) => /^200 GET .*\/api\/checkout\/promise\?orderId=gid%3A%2F%2Fshopify%2FOrderIdentity/.test(line))).toBe(true);
  });

  it("speaks the buyer's language", async () => {
    const page = await open(1440, goldOrder.id, "?locale=fr");
    try {
      await failing(page, "thank-you-gold-fr", async () => {
        await page.locator("#tierline-block").getByText("Membre Gold").waitFor();
        expect(await page.locator("#tierline-block s-text").first().innerText()).toBe(`Membre Gold : expédié d’ici le ${formatLocalDay("2026-11-25", "fr")}`);
      });
    } finally {
      await page.close();
    }
  });

  it("shows a guest the base promise, what Silver would promise, and what qualifies", async () => {
    const page = await open(390, guestOrder.id);
    try {
      await failing(page, "thank-you-guest-390", async () => {
        const block = page.locator("#tierline-block");
        await block.getByText("Sign in to see your member promise.").waitFor();
        const lines = await block.locator("s-text").allInnerTexts();
        expect(lines[0]).toMatch(/^Ships by \w{3}, \w{3} \d{1,2}$/);
        expect(lines[1]).toMatch(/^Silver members: ships by \w{3}, \w{3} \d{1,2}$/);
        expect(lines[2]).toBe("Members who spend $500.00 become Silver.");
        await page.screenshot({ path: path.join(ARTIFACTS, "thank-you-guest-390.png"), fullPage: true });
      });
    } finally {
      await page.close();
    }
  });
});
