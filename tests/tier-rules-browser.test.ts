// The merchant's tier pages in a real browser (Debian's Chromium, headless),
// inside the simulated Shopify admin, over the real web and worker processes:
// open Tier rules, lower the Silver threshold, preview, save, and see members move; the
// recomputation's progress (customers done of the total) follows the run without a reload.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import type { SettleWatcher } from "../scripts/lib/settle.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { MERCHANT_BROWSER } from "../simulator/admin/install.ts";
import { ARTIFACTS, failWithoutChromium } from "./support/admin-browser.ts";

const SHOP = "browser-test.myshopify.com";
const CHROMIUM = chromiumPlan();

failWithoutChromium("tier rules in the browser", CHROMIUM);

describe.skipIf(!CHROMIUM.run)("tier rules in the browser", () => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let settle: SettleWatcher;
  let browser: Browser;

  beforeAll(async () => {
    system = await startTierlineSystem({ label: "browser" });
    ({ database, sim, settle } = system);
    seedShop(sim.store, SHOP, { seed: 3, size: "tiny", now: new Date().toISOString() });
    const install = await grantAndInstall(sim, SHOP);
    expect(install.installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill" });
    await settle.settled();
    browser = await chromium.launch({
      executablePath: CHROMIUM.run ? CHROMIUM.path : undefined,
      args: CHROMIUM_ARGS,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it("shows the imported history and the members per tier on the overview", async () => {
    const page = await browser.newPage({ userAgent: MERCHANT_BROWSER });
    try {
      await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app`);
      const app = page.frameLocator("iframe");
      const orders = sim.store.shop(SHOP).orders.size;
      await app.getByText(new RegExp(`^${orders.toLocaleString("en-US")} of ${orders.toLocaleString("en-US")} orders imported on `)).waitFor({ timeout: 30_000 });
      await app.getByText("Order history imported", { exact: true }).waitFor();
      const bronze = await database.db.customer.count({ where: { shop: SHOP, tierKey: "bronze" } });
      await app.getByText("Members per tier").waitFor();
      const bronzeCount = app.getByText("Bronze", { exact: true }).locator("xpath=following-sibling::*[1]");
      expect(await bronzeCount.innerText()).toBe(String(bronze));
    } finally {
      await page.close();
    }
  });

  it("changes a threshold, previews who moves, saves, and the members move", async () => {
    const silverBefore = await database.db.customer.count({ where: { shop: SHOP, tierKey: "silver" } });
    const bronzeBefore = await database.db.customer.count({ where: { shop: SHOP, tierKey: "bronze" } });
    expect(bronzeBefore).toBeGreaterThan(0);
    // Headless Chromium says "HeadlessChrome", which shopify-app-remix turns away as a bot (410).
    const page = await browser.newPage({ userAgent: MERCHANT_BROWSER });
    page.setDefaultTimeout(30_000);
    const seen: string[] = [];
    page.on("response", (r) => seen.push(`${r.status()} ${r.request().method()} ${r.url().slice(0, 160)}`));
    page.on("console", (m) => seen.push(`console.${m.type()}: ${m.text().slice(0, 300)}`));
    page.on("pageerror", (e) => seen.push(`pageerror: ${e.message.slice(0, 300)}`));
    try {
      await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app/tiers`);
      const app = page.frameLocator("iframe");
      const thresholds = app.getByLabel("Entry threshold");
      await expect.poll(() => thresholds.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
      // Silver raised above Gold: the error is on Silver, the field edited, in the merchant's words.
      await thresholds.nth(1).fill("5000");
      const saveBar = app.locator("ui-save-bar");
      await app.getByRole("button", { name: "Preview changes" }).click();
      await app.getByText("must be below Gold's entry threshold (2000.01)").first().waitFor();
      // Silver is the second tier: from 500.00 down to 1.00, so every bronze member with spend qualifies.
      await thresholds.nth(1).fill("1");
      // Unsaved changes open App Bridge's Contextual Save Bar.
      await expect.poll(() => saveBar.getAttribute("open")).not.toBeNull();
      mkdirSync(ARTIFACTS, { recursive: true });
      // On a phone and on a desktop, the preview is brought into view below the form when asked for.
      for (const width of [390, 1440]) {
        await page.setViewportSize({ width, height: 900 });
        await app.locator("body").evaluate(() => window.scrollTo(0, 0));
        await app.getByRole("button", { name: "Preview who moves" }).click();
        const heading = app.getByRole("heading", { name: "Preview" });
        await heading.waitFor();
        await expect.poll(() => heading.evaluate((h) => { const r = h.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
        await page.screenshot({ path: path.join(ARTIFACTS, `tier-rules-preview-${width}.png`), fullPage: true });
      }
      const movedUp = Number(await app.getByText("Move up").locator("xpath=following-sibling::*[1]").innerText());
      expect(movedUp).toBeGreaterThan(0);
      await app.getByText(/from Bronze to Silver/).first().waitFor();
      // Save from the save bar: nobody moves down, so no confirmation; a toast says it is saved.
      await saveBar.getByRole("button", { name: "Save" }).click();
      const toast = page.getByTestId("sim-toast").filter({ hasText: "Tier rules saved" });
      await toast.waitFor();
      expect(await toast.innerText()).toMatch(/^Tier rules saved: recomputing \d+ members$/);
      for (const width of [1440, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: path.join(ARTIFACTS, `tier-rules-saved-${width}.png`), fullPage: true });
      }
      await eventually(async () => (await database.db.customer.count({ where: { shop: SHOP, tierKey: "silver" } })) >= silverBefore + movedUp, { timeoutMs: 60_000, what: "members recomputed" });
      // One job recomputed everyone, a page at a time, and recorded the run as done.
      const run = await eventually(async () => {
        const row = await database.db.tierRecomputeRun.findUnique({ where: { shop: SHOP } });
        return row?.finishedAt ? row : null;
      }, { timeoutMs: 60_000, what: "the recompute run done" });
      expect(run.done).toBe(run.total);
      await settle.settled();

      // The progress as a merchant sees it while a run goes on (this small shop's took one page,
      // too quick to watch): the job's count, read again each second without a reload, then gone when done.
      await database.db.tierRecomputeRun.update({ where: { shop: SHOP }, data: { done: 1_200, total: 4_800, finishedAt: null } });
      await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app/tiers`);
      const progress = app.getByTestId("tier-recompute-progress");
      await progress.getByText("1,200 of 4,800 customers", { exact: true }).waitFor();
      expect(await progress.locator("progress").getAttribute("value")).toBe("25");
      await database.db.tierRecomputeRun.update({ where: { shop: SHOP }, data: { done: 3_600 } });
      await progress.getByText("3,600 of 4,800 customers", { exact: true }).waitFor();
      for (const width of [1440, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: path.join(ARTIFACTS, `tier-rules-recompute-progress-${width}.png`), fullPage: true });
      }
      await database.db.tierRecomputeRun.update({ where: { shop: SHOP }, data: { done: 4_800, finishedAt: new Date() } });
      await expect.poll(() => progress.count(), { timeout: 30_000 }).toBe(0);

      // At desktop width: on a phone the Members index is a condensed list, not a table.
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app/members`);
      const silverBadges = app.locator("table").getByText("Silver", { exact: true });
      await expect.poll(() => silverBadges.count(), { timeout: 30_000 }).toBeGreaterThan(silverBefore);
      // And Shopify holds the new tags.
      const tagged = [...sim.store.shop(SHOP).customers.values()].filter((c) => c.tags.includes("tierline:silver")).length;
      expect(tagged).toBe(await database.db.customer.count({ where: { shop: SHOP, tierKey: "silver" } }));
    } catch (error) {
      console.error(seen.join("\n"));
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, "tier-rules-failure.png"), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  });

  it("shows failed deliveries on the overview, and Dismiss clears the banner (phone and desktop)", async () => {
    const long = new Date(Date.now() - 2 * 86_400_000);
    await database.db.webhookDelivery.createMany({
      data: [
        { webhookId: "browser-failed-1", shop: SHOP, topic: "orders/paid", payload: "{}", status: "failed", attempts: 10, error: "downstream unavailable", receivedAt: long },
        { webhookId: "browser-failed-2", shop: SHOP, topic: "refunds/create", payload: "{}", payloadErasedAt: new Date(), status: "failed", attempts: 10, error: "downstream unavailable", receivedAt: new Date(long.getTime() - 1_000) },
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const width of [1440, 390]) {
      const page = await browser.newPage({ viewport: { width, height: 900 }, userAgent: MERCHANT_BROWSER });
      page.setDefaultTimeout(30_000);
      try {
        await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app`);
        const app = page.frameLocator("iframe");
        await app.getByText("2 updates from Shopify could not be processed").waitFor();
        await app.getByText("1 of them can no longer be retried", { exact: false }).waitFor();
        await app.getByRole("button", { name: "Retry 1 update" }).waitFor();
        await page.screenshot({ path: path.join(ARTIFACTS, `failed-deliveries-${width}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    }
    const page = await browser.newPage({ viewport: { width: 390, height: 900 }, userAgent: MERCHANT_BROWSER });
    page.setDefaultTimeout(30_000);
    try {
      await page.goto(`${sim.origin}/_sim/admin/${SHOP}/apps/tierline/app`);
      const app = page.frameLocator("iframe");
      const dismiss = app.getByRole("button", { name: "Dismiss" });
      // The page is rendered on the server: a click before React hydrates it does nothing. React
      // keeps an element's props on it once hydrated, so wait for those before clicking.
      await expect.poll(() => dismiss.evaluate((el) => Object.keys(el).some((key) => key.startsWith("__reactProps"))), { timeout: 30_000 }).toBe(true);
      await dismiss.click();
      await app.getByText("2 updates dismissed").waitFor();
      await expect.poll(() => app.getByText("could not be processed").count()).toBe(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "failed-deliveries-dismissed-390.png"), fullPage: true });
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.screenshot({ path: path.join(ARTIFACTS, "failed-deliveries-dismissed-1440.png"), fullPage: true });
    } finally {
      await page.close();
    }
    expect(await database.db.webhookDelivery.count({ where: { shop: SHOP, status: "failed_acknowledged" } })).toBe(2);
  });
});
