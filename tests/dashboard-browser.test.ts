// The dashboard in a real browser (Debian's Chromium, headless) inside the simulated Shopify admin,
// over the real web and worker processes, after a seeded store's history was imported and rolled up:
// every figure has its chart and table, a new date range redraws the charts, nothing is wider than
// a phone. Screenshots at 1440 and 390 px are kept in tests/.artifacts.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { startTierlineSystem, grantAndInstall, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import { rollUpShopKpis } from "../app/use-cases/kpi-rollup.server.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { appOverflow, ARTIFACTS, failWithoutChromium, hydrated, openInAdmin, pageFailures, shootApp } from "./support/admin-browser.ts";

const SHOP = "dashboard-browser.myshopify.com";
const CHROMIUM = chromiumPlan();
const FIGURES = ["tier-distribution", "members-over-time", "tier-migration", "tier-value", "promise-kept", "cycle-time", "service-cost", "rfm"];

failWithoutChromium("dashboard in the browser", CHROMIUM);

describe.skipIf(!CHROMIUM.run)("dashboard in the browser", () => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let browser: Browser;

  const open = (width: number, route: string) => openInAdmin(browser, sim.origin, `${SHOP}/apps/tierline/app/${route}`, width);

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
    const { page, app, seen } = await open(1440, "dashboard");
    try {
      for (const id of FIGURES) await app.locator(`[data-figure="${id}"]`).waitFor();
      await app.locator('[data-chart="members-over-time"]').waitFor();
      expect(await app.locator('[data-table="tier-distribution"] table').count()).toBe(1);
      const csv = await app.getByRole("link", { name: "Download members and revenue by tier as CSV" }).getAttribute("href");
      expect(decodeURIComponent(csv!.split(",").slice(1).join(","))).toMatch(/^Tier,Members,Share of members,Revenue kept,Share of revenue\r\n/);
      const before = await app.locator('[data-chart="members-over-time"]').innerHTML();
      const monthsBefore = await app.locator('[data-table="members-over-time"] tbody tr').count();
      await shootApp(page, app, "dashboard-1440.png", 12_000);

      await hydrated(app, "select");
      await app.getByLabel("Date range").selectOption("365");
      await expect.poll(() => app.locator('[data-table="members-over-time"] tbody tr').count()).toBeGreaterThan(monthsBefore);
      await expect.poll(() => page.frames().some((frame) => frame.url().includes("days=365"))).toBe(true);
      expect(await app.locator('[data-chart="members-over-time"]').innerHTML()).not.toBe(before);
      await shootApp(page, app, "dashboard-365-1440.png", 12_000);
      expect(pageFailures(seen)).toEqual([]);
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
      const fit = await appOverflow(app, ".Polaris-DataTable__ScrollContainer");
      expect(fit.wide, `elements wider than ${fit.width}px`).toEqual([]);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.width);
      await shootApp(page, app, "dashboard-390.png", 12_000);
    } catch (error) {
      console.error(seen.join("\n"));
      throw error;
    } finally {
      await page.close();
    }
  });
});
