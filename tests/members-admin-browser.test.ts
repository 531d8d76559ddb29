// The Members pages and the Overview in a real browser (Debian's Chromium, headless),
// inside the simulated Shopify admin, over the real web and worker processes: search
// (with % and _ as plain characters), filter, sort, bulk pin; a member's page with a
// spend adjustment; a new shop's Overview. Screenshots at 1440 and 390 px are kept
// in tests/.artifacts; at 390 px nothing is wider than the screen.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type FrameLocator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { ARTIFACTS, failWithoutChromium, openInAdmin } from "./support/admin-browser.ts";

const SHOP = "members-browser.myshopify.com";
const NEW_SHOP = "members-browser-new.myshopify.com";
const CHROMIUM = chromiumPlan();
const WIDTHS = [1440, 390] as const;

failWithoutChromium("members admin in the browser", CHROMIUM);

describe.skipIf(!CHROMIUM.run)("members admin in the browser", () => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;
  let browser: Browser;

  beforeAll(async () => {
    system = await startTierlineSystem({ label: "members_browser" });
    ({ database, sim, settle } = system);
    seedShop(sim.store, SHOP, { seed: 5, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill" });
    await settle.settled();
    browser = await chromium.launch({ executablePath: CHROMIUM.run ? CHROMIUM.path : undefined, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const open = (width: number, pathname: string) => openInAdmin(browser, sim.origin, pathname, width);

  /** Server-rendered first: a click before React hydrates the page does nothing. */
  const hydrated = (app: FrameLocator) => expect.poll(() => app.locator("body").evaluate(() => Boolean((window as unknown as { __remixContext?: unknown }).__remixContext) && document.querySelector("[data-polaris-scrollable], .Polaris-Page") !== null), { timeout: 30_000 }).toBe(true);
  const settledReact = (locator: ReturnType<FrameLocator["getByRole"]>) => expect.poll(() => locator.first().evaluate((el) => Object.keys(el).some((k) => k.startsWith("__reactProps"))), { timeout: 30_000 }).toBe(true);

  /** Nothing in the app is wider than the screen: no sideways scrolling at phone width. */
  async function fitsTheScreen(page: Page, app: FrameLocator) {
    const inner = await app.locator("body").evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    expect(inner.scroll, "the app scrolls sideways").toBeLessThanOrEqual(inner.width);
    const outer = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    expect(outer.scroll, "the admin page scrolls sideways").toBeLessThanOrEqual(outer.width);
  }

  const simTags = (gid: string) => [...sim.store.shop(SHOP).customers.values()].find((c) => c.gid === gid)?.tags ?? [];
  const shot = (page: Page, name: string, width: number) => page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });

  it("Members: search with % and _ taken literally, filter, sort, bulk pin (1440 and 390 px)", async () => {
    const { db } = database;
    const [first] = await db.customer.findMany({ where: { shop: SHOP, tierKey: { not: null } }, orderBy: { customerGid: "asc" }, take: 1 });
    await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: first.customerGid } }, data: { firstName: "Zed_100%", lastName: "Literal" } });
    const members = await db.customer.count({ where: { shop: SHOP, tierKey: { not: null }, deletedAt: null } });

    for (const width of WIDTHS) {
      const { page, app, seen: log } = await open(width, `${SHOP}/apps/tierline/app/members`);
      try {
        await app.getByText(`${members.toLocaleString("en-US")} members`).first().waitFor();
        await hydrated(app);
        await fitsTheScreen(page, app);
        await shot(page, "members", width);

        // Search as you type: "_100%" matches the one customer whose name holds it, not every name.
        const search = app.getByPlaceholder("Search by name, email or customer ID");
        await settledReact(search);
        await search.fill("_100%");
        await app.getByText("1 of 1 member", { exact: true }).waitFor();
        await app.getByText("Zed_100% Literal").first().waitFor();
        await search.fill("%");
        await app.getByText("1 of 1 member", { exact: true }).waitFor();
        await shot(page, "members-search", width);
        await page.close();
      } catch (error) {
        console.error(log.join("\n"));
        await shot(page, "members-failure", width).catch(() => {});
        await page.close();
        throw error;
      }
    }

    // Filter and sort through the URL the page keeps, then sort by clicking the column at desktop width.
    const gold = await db.customer.count({ where: { shop: SHOP, tierKey: "gold", deletedAt: null } });
    const { page, app, seen: log } = await open(1440, `${SHOP}/apps/tierline/app/members?tier=silver`);
    try {
      const silver = await db.customer.findMany({ where: { shop: SHOP, tierKey: "silver", deletedAt: null }, orderBy: [{ qualifyingSpend: "asc" }, { customerGid: "asc" }] });
      expect(silver.length).toBeGreaterThanOrEqual(2);
      await app.getByText(`of ${silver.length} members`, { exact: false }).waitFor();
      await app.getByText("Tier: Silver").waitFor();
      expect(gold).toBeGreaterThanOrEqual(0);
      await hydrated(app);
      const spendHeading = app.getByRole("button", { name: /Qualifying spend/ });
      await settledReact(spendHeading);
      await spendHeading.click();
      // Ascending now: the cheapest Silver member first.
      const lowest = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(silver[0].qualifyingSpend / 100);
      await expect.poll(async () => (await app.locator("tbody tr").first().innerText()).includes(lowest), { timeout: 30_000 }).toBe(true);

      // Select the first two rows and pin them to Gold.
      const boxes = app.locator("tbody tr").locator('input[type="checkbox"]');
      await boxes.nth(0).check({ force: true });
      await boxes.nth(1).check({ force: true });
      await app.getByRole("button", { name: "Pin to tier…" }).click();
      const dialog = app.getByRole("dialog");
      await dialog.getByLabel("Tier").selectOption("gold");
      await shot(page, "members-bulk-pin", 1440);
      await dialog.getByRole("button", { name: "Pin", exact: true }).click();
      await eventually(async () => (await db.customer.count({ where: { shop: SHOP, pinnedTierKey: "gold", tierKey: "gold" } })) === 2 || null, { what: "two members pinned to Gold" });
      await eventually(async () => ((await db.customer.count({ where: { shop: SHOP, pinnedTierKey: "gold", syncStatus: "synced" } })) === 2 ? true : null), { what: "pins written to Shopify", timeoutMs: 60_000 });
      const pinnedGids = (await db.customer.findMany({ where: { shop: SHOP, pinnedTierKey: "gold" } })).map((c) => c.customerGid);
      for (const gid of pinnedGids) expect(simTags(gid)).toContain("tierline:gold");
    } catch (error) {
      console.error(log.join("\n"));
      await shot(page, "members-failure", 1440).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  }, 240_000);

  it("a member's page: standing, orders that count, history; a spend adjustment with its note (1440 and 390 px)", async () => {
    const { db } = database;
    const member = await db.customer.findFirstOrThrow({ where: { shop: SHOP, tierKey: "bronze", pinnedTierKey: null, qualifyingSpend: { gt: 0 } }, orderBy: { customerGid: "asc" } });
    const id = member.customerGid.split("/").pop();
    for (const width of WIDTHS) {
      const { page, app, seen: log } = await open(width, `${SHOP}/apps/tierline/app/members/${id}`);
      try {
        await app.getByRole("heading", { name: "Orders that count" }).waitFor();
        await app.getByText(/more to reach Silver/).waitFor();
        // At phone width the page's actions fold into its menu.
        if (width === 1440) expect(await app.getByRole("link", { name: "View customer in Shopify" }).first().getAttribute("href")).toBe(`shopify://admin/customers/${id}`);
        await hydrated(app);
        await fitsTheScreen(page, app);
        await shot(page, "member", width);
        await page.close();
      } catch (error) {
        console.error(log.join("\n"));
        await shot(page, "member-failure", width).catch(() => {});
        await page.close();
        throw error;
      }
    }

    const { page, app, seen: log } = await open(390, `${SHOP}/apps/tierline/app/members/${id}`);
    try {
      const button = app.getByRole("button", { name: "Adjust spend" });
      await settledReact(button);
      await app.getByLabel("Amount").fill("600");
      await button.click();
      await app.getByText("Add a note saying why (it is kept in the member's history).").waitFor();
      await app.getByLabel("Note").fill("Bought at the spring market");
      await button.click();
      // In the history, with the note (the toast shows in the admin around the app).
      await app.getByText("Spend adjusted by +$600.00").first().waitFor();
      await app.locator("p", { hasText: "· Bought at the spring market" }).waitFor();
      await eventually(async () => ((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: member.customerGid } } })).tierKey === "silver" ? true : null), { what: "adjusted member in Silver" });
      expect(await db.ledgerAdjustment.count({ where: { shop: SHOP, customerGid: member.customerGid } })).toBe(1);
      await eventually(async () => (simTags(member.customerGid).includes("tierline:silver") ? true : null), { what: "Silver tag written", timeoutMs: 60_000 });
      await fitsTheScreen(page, app);
      await shot(page, "member-adjusted", 390);
    } catch (error) {
      console.error(log.join("\n"));
      await shot(page, "member-failure-adjust", 390).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  }, 240_000);

  it("a new shop's Overview: the setup steps instead of empty counts (1440 and 390 px)", async () => {
    await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: NEW_SHOP, currency: "USD" }) });
    expect((await grantAndInstall(sim, NEW_SHOP)).installed).toBe(true);
    for (const width of WIDTHS) {
      const { page, app, seen: log } = await open(width, `${NEW_SHOP}/apps/tierline/app`);
      try {
        await app.getByText("Welcome to Tierline").waitFor();
        await app.getByText("Import your order history").waitFor();
        await app.getByText(/Gold: over \$2,000/).waitFor();
        await fitsTheScreen(page, app);
        await shot(page, "overview-new-shop", width);
      } catch (error) {
        console.error(log.join("\n"));
        await shot(page, "overview-new-shop-failure", width).catch(() => {});
        throw error;
      } finally {
        await page.close();
      }
    }
    // The established shop keeps its own Overview: counts, recent changes, members close to the next tier.
    const { page, app } = await open(1440, `${SHOP}/apps/tierline/app`);
    try {
      await app.getByText("Members per tier").waitFor();
      await app.getByText("Recent tier changes").waitFor();
      await app.getByText("Close to the next tier").waitFor();
      await shot(page, "overview", 1440);
      await page.setViewportSize({ width: 390, height: 900 });
      await fitsTheScreen(page, app);
      await shot(page, "overview", 390);
    } finally {
      await page.close();
    }
  }, 240_000);
});
