// The promise pages in a real browser (Debian's Chromium, headless) inside the simulated Shopify
// admin, over the real web and worker processes: a bad cut-off (or handling cost) gets its inline
// error and saves nothing, a good one saves with a toast, with a handling cost per order and a SKU's
// priority capacity; the Promises page shows statuses, a roll-over, a Shopify conflict and a full
// lane. Screenshots at desktop and phone width, and nothing on either page is wider than a phone's screen.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { startTierlineSystem, grantAndInstall, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import { loadPromiseSetup } from "../app/adapters/db/promise-settings-repository.server.ts";
import { addWorkingDays, endOfLocalDay, localDateOf, workingDayOnOrBefore, addLocalDays } from "../app/domain/business-calendar.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { appOverflow, ARTIFACTS, failWithoutChromium, hydrated, openInAdmin, pageFailures, shootApp } from "./support/admin-browser.ts";

const SHOP = "promise-browser.myshopify.com";
const CHROMIUM = chromiumPlan();

failWithoutChromium("promise pages in the browser", CHROMIUM);

describe.skipIf(!CHROMIUM.run)("promise pages in the browser", () => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let browser: Browser;

  const open = (width: number, route: string) => openInAdmin(browser, sim.origin, `${SHOP}/apps/tierline/app/${route}`, width);

  beforeAll(async () => {
    system = await startTierlineSystem({ label: "promise_browser" });
    ({ database, sim } = system);
    seedShop(sim.store, SHOP, { seed: 5, size: "tiny", now: new Date().toISOString() });
    const install = await grantAndInstall(sim, SHOP);
    expect(install.installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill" });
    await system.settle.settled();
    browser = await chromium.launch({ executablePath: CHROMIUM.run ? CHROMIUM.path : undefined, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it("shows an inline error for a cut-off that is no time and saves nothing, then saves a good one with a toast", async () => {
    const { page, app, seen } = await open(1440, "promise-settings");
    try {
      await app.getByText("Promise for an order placed now").waitFor();
      await app.getByText(/Ships by /).first().waitFor();
      await app.getByText("Public holidays from date-holidays", { exact: false }).waitFor();
      const cutoff = app.getByLabel("Daily order cut-off");
      await hydrated(app, 'input[name], input[id]');
      await shootApp(page, app, "promise-settings-1440.png");

      await cutoff.fill("25:99");
      // Under the field itself (the banner above names the field too).
      await app.locator(".Polaris-InlineError").getByText("Enter a time such as 14:00 (24-hour clock), or leave it empty for no cut-off", { exact: true }).waitFor();
      await app.getByText("Fix the fields to see the preview").waitFor();
      await app.getByRole("button", { name: "Save", exact: true }).first().click();
      await page.getByTestId("sim-toast").filter({ hasText: "Nothing was saved" }).waitFor();
      expect(await database.db.promiseSettings.count({ where: { shop: SHOP } })).toBe(0);
      await app.getByText("Daily order cut-off: Enter a time such as 14:00", { exact: false }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, "promise-settings-error-1440.png") });

      await cutoff.fill("12:30");
      await expect.poll(() => app.getByText("Enter a time such as 14:00").count()).toBe(0);
      // A transit estimate and a SKU's own lead time, saved with the rest.
      await app.getByRole("button", { name: "Add a destination" }).click();
      await app.getByLabel("Country or region").fill("ca");
      await app.getByLabel("From").fill("2");
      await app.getByLabel("To", { exact: true }).fill("5");
      await app.getByRole("button", { name: "Add a SKU" }).click();
      await app.getByLabel("SKU", { exact: true }).fill("MUG-1");
      await app.getByLabel("Lead time", { exact: true }).fill("4");
      await app.getByLabel("Priority capacity", { exact: true }).fill("5");
      // Handling cost per order on the priority lanes (Silver, Gold; the first tier is the standard).
      const handlingCosts = app.getByLabel("Handling cost per order");
      expect(await handlingCosts.count()).toBe(2);
      await handlingCosts.nth(1).fill("2.5x");
      await app.locator(".Polaris-InlineError").getByText("Enter an amount in USD like 500 or 1,250.50.", { exact: true }).waitFor();
      await handlingCosts.nth(1).fill("2.50");
      await expect.poll(() => app.getByText("Enter an amount in USD").count()).toBe(0);
      await app.getByRole("button", { name: "Add a closing day" }).click();
      await app.getByLabel("Date", { exact: true }).fill("2026-12-31");
      await app.getByLabel("Name", { exact: true }).fill("Stocktake");
      await app.getByText("Not saved yet").waitFor();
      await app.getByRole("button", { name: "Save", exact: true }).first().click();
      await page.getByTestId("sim-toast").filter({ hasText: "Promise settings saved (version 1)" }).waitFor();
      const saved = await database.db.promiseSettings.findUniqueOrThrow({ where: { shop: SHOP } });
      expect(saved.version).toBe(1);
      expect(JSON.parse(saved.rules)).toMatchObject({ calendar: { cutoff: "12:30", holidaysAdded: [{ date: "2026-12-31", name: "Stocktake" }] }, transit: [{ zone: "CA", minDays: 2, maxDays: 5 }] });
      expect(JSON.parse(saved.rules).lanes.map((lane: { tierKey: string; handlingCostMinor?: number }) => [lane.tierKey, lane.handlingCostMinor ?? null])).toEqual([["bronze", null], ["silver", null], ["gold", 250]]);
      expect(await database.db.skuReplenishment.findMany({ where: { shop: SHOP }, select: { sku: true, replenishmentBusinessDays: true, priorityCapacityUnits: true } })).toEqual([{ sku: "MUG-1", replenishmentBusinessDays: 4, priorityCapacityUnits: 5 }]);
      await app.getByText("these are version 1 of your settings", { exact: false }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, "promise-settings-saved-toast-1440.png") });
      await shootApp(page, app, "promise-settings-saved-1440.png");
      // Server and browser rendered the same page (no hydration mismatch, no script errors).
      expect(pageFailures(seen)).toEqual([]);
    } catch (error) {
      console.error(seen.join("\n"));
      await page.screenshot({ path: path.join(ARTIFACTS, "promise-settings-failure.png"), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  });

  it("lists promises with status, a roll-over, a Shopify conflict and a full lane", async () => {
    const now = new Date();
    const { calendar } = await loadPromiseSetup(database.db, SHOP, now);
    const today = localDateOf(calendar, now);
    const next = addWorkingDays(calendar, addLocalDays(today, 1), 0);
    const previous = workingDayOnOrBefore(calendar, addLocalDays(today, -1));
    // Silver's lane holds 2 a day; two open promises fill the next working day.
    const rules = (await loadPromiseSetup(database.db, SHOP, now)).rules;
    const withCapacity = JSON.stringify({ ...rules, lanes: rules.lanes.map((l) => (l.tierKey === "silver" ? { ...l, dailyCapacity: 2 } : l)) });
    await database.db.promiseSettings.upsert({ where: { shop: SHOP }, create: { shop: SHOP, rules: withCapacity }, update: { rules: withCapacity } });
    const base = { shop: SHOP, orderedAt: new Date(now.getTime() - 3 * 86_400_000), intakeDay: previous, shipByEarliest: new Date(now.getTime() - 86_400_000) };
    const rows = [
      { n: 1001, tierKey: "gold", laneKey: "priority_production", day: previous, shippedAt: null, extra: {} },
      { n: 1002, tierKey: "silver", laneKey: "priority_shipping", day: next, shippedAt: null, extra: { adjustments: JSON.stringify([{ kind: "lane_full", laneKey: "priority_shipping", dailyCapacity: 2, fullDays: [today], movedTo: next }]) } },
      { n: 1003, tierKey: "silver", laneKey: "priority_shipping", day: next, shippedAt: null, extra: { arriveZone: "US", arriveEarliestDay: addLocalDays(next, 2), arriveLatestDay: addLocalDays(next, 5) } },
      { n: 1004, tierKey: "bronze", laneKey: "standard_batch", day: previous, shippedAt: new Date(now.getTime() - 5 * 86_400_000), extra: {} },
      {
        n: 1005, tierKey: "gold", laneKey: "priority_production", day: previous, shippedAt: now, extra: {
          conflict: JSON.stringify({ brandedPromiseHandle: "shop_promise", maxDeliveryAt: endOfLocalDay(calendar, next).toISOString(), transitDays: 2, requiredShipBy: endOfLocalDay(calendar, previous).toISOString(), computedShipBy: endOfLocalDay(calendar, today).toISOString(), unmeetable: false }),
        },
      },
    ];
    for (const row of rows) {
      await database.db.orderPromise.create({
        data: { ...base, orderGid: `gid://shopify/Order/${row.n}`, orderName: `#${row.n}`, tierKey: row.tierKey, laneKey: row.laneKey, shipBy: endOfLocalDay(calendar, row.day), shipByDay: row.day, shippedAt: row.shippedAt, status: row.shippedAt ? "shipped" : "open", ...row.extra },
      });
    }
    for (const width of [1440, 390]) {
      const { page, app, seen } = await open(width, "promises");
      try {
        await app.getByText("Some lanes are full", { exact: false }).waitFor();
        await app.getByText("#1002").waitFor();
        await app.getByText("was full (2 a day)", { exact: false }).waitFor();
        await app.getByText("Shopify's shop promise promised delivery by", { exact: false }).waitFor();
        for (const label of ["Late", "On time", "Kept", "Broken"]) expect(await app.getByText(label, { exact: true }).count()).toBeGreaterThan(0);
        const fit = await appOverflow(app);
        expect(fit.wide, `elements wider than ${fit.width}px`).toEqual([]);
        expect(fit.scrollWidth).toBeLessThanOrEqual(fit.width);
        await shootApp(page, app, `promises-${width}.png`);
        expect(pageFailures(seen)).toEqual([]);
        if (width === 1440) {
          await hydrated(app, "select");
          await app.getByLabel("Status").selectOption("kept");
          await expect.poll(() => app.getByText(/^#10\d\d$/).allInnerTexts()).toEqual(["#1004"]);
        }
      } catch (error) {
        console.error(seen.join("\n"));
        await page.screenshot({ path: path.join(ARTIFACTS, `promises-failure-${width}.png`), fullPage: true }).catch(() => {});
        throw error;
      } finally {
        await page.close();
      }
    }
    // The settings page on a phone: the preview first, nothing wider than the screen; the saved
    // handling cost and priority capacity read back.
    const { page, app } = await open(390, "promise-settings");
    try {
      await app.getByText(/Ships by /).first().waitFor();
      await hydrated(app, "input[name], input[id]");
      expect(await app.getByLabel("Handling cost per order").nth(1).inputValue()).toBe("2.50");
      expect(await app.getByLabel("Priority capacity", { exact: true }).inputValue()).toBe("5");
      const fit = await appOverflow(app);
      expect(fit.wide, `elements wider than ${fit.width}px`).toEqual([]);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.width);
      await shootApp(page, app, "promise-settings-390.png");
    } finally {
      await page.close();
    }
  });
});
