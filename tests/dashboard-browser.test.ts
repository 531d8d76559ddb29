// The dashboard in a real browser (Debian's Chromium, headless) inside the simulated Shopify admin,
// over the real web and worker processes, after a seeded store's history was imported and rolled up:
// every figure has its chart and table, a new date range redraws the charts, nothing is wider than
// a phone. Screenshots at 1280 and 390 px are kept in tests/.artifacts.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type FrameLocator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { MERCHANT_BROWSER } from "../simulator/admin/install.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually, ROOT } from "../scripts/lib/app-processes.ts";
import { startTierlineSystem, grantAndInstall, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import { rollUpShopKpis } from "../app/use-cases/kpi-rollup.server.ts";
import type { TestDatabase } from "./support/test-database.ts";

const SHOP = "dashboard-browser.myshopify.com";
const CHROMIUM = chromiumPlan();
const ARTIFACTS = path.join(ROOT, "tests/.artifacts");
const FIGURES = ["tier-distribution", "members-over-time", "tier-migration", "tier-value", "promise-kept", "cycle-time", "service-cost", "rfm"];

if (!CHROMIUM.run && !CHROMIUM.skip) {
  describe("dashboard in the browser", () => {
    it("needs Chromium", () => {
      throw new Error(CHROMIUM.reason);
    });
  });
}

async function hydrated(app: FrameLocator, selector: string): Promise<void> {
  await expect.poll(() => app.locator(selector).first().evaluate((el) => Object.keys(el).some((key) => key.startsWith("__reactProps"))), { timeout: 30_000 }).toBe(true);
}

async function overflow(app: FrameLocator): Promise<{ scrollWidth: number; width: number; wide: string[] }> {
  return app.locator("body").evaluate(() => {
    const width = document.documentElement.clientWidth;
    // A data table scrolls inside its own box on a phone; what is clipped there is not page overflow.
    const clipped = (el: Element) => el.closest(".Polaris-DataTable__ScrollContainer") !== null;
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => !clipped(el) && el.getBoundingClientRect().right > width + 1 && el.getClientRects().length > 0)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} → ${Math.round(el.getBoundingClientRect().right)}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, wide };
  });
}

async function shoot(page: Page, app: FrameLocator, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 1280;
  const height = await app.locator("body").evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height: Math.min(12_000, height + 120) });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
  await page.setViewportSize({ width, height: 900 });
}

describe.skipIf(!CHROMIUM.run)("dashboard in the browser", () => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let browser: Browser;

  const open = async (width: number, route: string) => {
    const page = await browser.newPage({ viewport: { width, height: 900 }, userAgent: MERCHANT_BROWSER });
    page.setDefaultTimeout(30_000);
    const seen: string[] = [];
    page.on("console", (m) => seen.push(`console.${m.type()}: ${m.text().slice(0, 300)}`));
    page.on("pageerror", (e) => seen.push(`pageerror: ${e.message.slice(0, 300)}`));
    await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app/${route}`);
    return { page, app: page.frameLocator("iframe"), seen };
  };

  beforeAll(async () => {
    system = await startTierlineSystem({ label: "dashboard_browser" });
    ({ database, sim } = system);
    seedShop(sim.store, SHOP, { seed: 11, size: "small", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill" });
    await system.settle.settled();
    // The job the worker runs every minute, run here so the test waits on nothing.
    await rollUpShopKpis({ db: database.db, shop: SHOP, now: new Date() });
    browser = await chromium.launch({ executablePath: CHROMIUM.run ? CHROMIUM.path : undefined, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it("draws every figure with its table, and redraws the charts for another date range", async () => {
    const { page, app, seen } = await open(1280, "dashboard");
    try {
      for (const id of FIGURES) await app.locator(`[data-figure="${id}"]`).waitFor();
      await app.locator('[data-chart="members-over-time"]').waitFor();
      expect(await app.locator('[data-table="tier-distribution"] table').count()).toBe(1);
      const csv = await app.getByRole("link", { name: "Download members and revenue by tier as CSV" }).getAttribute("href");
      expect(decodeURIComponent(csv!.split(",").slice(1).join(","))).toMatch(/^Tier,Members,Share of members,Revenue kept,Share of revenue\r\n/);
      const before = await app.locator('[data-chart="members-over-time"]').innerHTML();
      const monthsBefore = await app.locator('[data-table="members-over-time"] tbody tr').count();
      await shoot(page, app, "dashboard-1280.png");

      await hydrated(app, "select");
      await app.getByLabel("Date range").selectOption("365");
      await expect.poll(() => app.locator('[data-table="members-over-time"] tbody tr').count()).toBeGreaterThan(monthsBefore);
      await expect.poll(() => page.frames().some((frame) => frame.url().includes("days=365"))).toBe(true);
      expect(await app.locator('[data-chart="members-over-time"]').innerHTML()).not.toBe(before);
      await shoot(page, app, "dashboard-365-1280.png");
      expect(seen.filter((line) => /pageerror|Hydration|did not match/i.test(line))).toEqual([]);
    } catch (error) {
      console.error(seen.join("\n"));
      await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-failure.png"), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  });

  it("fits a phone", async () => {
    const { page, app, seen } = await open(390, "dashboard");
    try {
      for (const id of FIGURES) await app.locator(`[data-figure="${id}"]`).waitFor();
      const fit = await overflow(app);
      expect(fit.wide, `elements wider than ${fit.width}px`).toEqual([]);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.width);
      await shoot(page, app, "dashboard-390.png");
    } catch (error) {
      console.error(seen.join("\n"));
      throw error;
    } finally {
      await page.close();
    }
  });
});
