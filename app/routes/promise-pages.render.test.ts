// The promise pages render (server-side, in Polaris) from what their use-cases load: the empty
// state of a shop without promises, Recompute promise on open orders only, and the settings page
// with its preview, the note that made promises keep their dates, and the holiday data's attribution.
import { rmSync } from "node:fs";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server.js";
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { applyMigrations } from "../adapters/db/migrate.server.ts";
import { createDb, databaseTarget, type Db } from "../db.server.ts";
import { loadPromiseSettingsPage } from "../use-cases/promise-settings-admin.server.ts";
import { loadPromisesPage } from "../use-cases/promises-admin.server.ts";

// The route modules load shopify.server.ts (environment, session storage on the
// process's database): point both at this test's own database before anything loads.
const env = await vi.hoisted(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "tierline-promise-render-"));
  const url = `file:${join(dir, "render.db")}`;
  Object.assign(process.env, { SHOPIFY_API_KEY: "render-key", SHOPIFY_API_SECRET: "render-secret", SHOPIFY_APP_URL: "https://render.example", SCOPES: "read_customers", DATABASE_URL: url, LOG_LEVEL: "error" });
  return { dir, url };
});

const SHOP = "promise-render.myshopify.com";
const NOW = new Date("2026-12-02T15:00:00Z");

async function render(Page: ComponentType, loaderData: object): Promise<string> {
  const routes = [{ id: "page", path: "/app/page", loader: () => loaderData, action: () => null, Component: Page }];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://localhost/app/page"));
  if (context instanceof Response) throw new Error(`unexpected response ${context.status}`);
  const router = createStaticRouter(handler.dataRoutes, context);
  const html = renderToString(createElement(AppProvider, { i18n: en }, createElement(StaticRouterProvider, { router, context })));
  // What the merchant reads: without the router's hydration data and React's text separators.
  return html.replace(/<script[\s\S]*?<\/script>/g, "").replaceAll("<!-- -->", "");
}

describe("promise pages render", () => {
  let db: Db;

  beforeAll(async () => {
    await applyMigrations(databaseTarget(env.url));
    db = createDb(databaseTarget(env.url));
    await db.shop.create({ data: { domain: SHOP, currencyCode: "GBP", ianaTimezone: "Europe/London", countryCode: "GB" } });
  });

  afterAll(async () => {
    await db?.$disconnect();
    rmSync(env.dir, { recursive: true, force: true });
  });

  it("Promises of a shop without any: the empty state, with the way to the settings", async () => {
    const { default: PromisesPage } = await import("./app.promises.tsx");
    const html = await render(PromisesPage, await loadPromisesPage({ db, shop: SHOP, params: new URLSearchParams(), now: NOW, locale: "en-GB" }));
    expect(html).toContain("No promises yet");
    expect(html).toMatch(/<a [^>]*href="\/app\/promise-settings"[^>]*>[\s\S]*?Promise settings/);
  });

  it("Promises: each open order offers Recompute promise; a shipped one does not", async () => {
    const { default: PromisesPage } = await import("./app.promises.tsx");
    const base = { shop: SHOP, tierKey: "bronze", laneKey: "standard_batch", orderedAt: NOW, intakeDay: "2026-12-02", shipByEarliest: new Date("2026-12-10T17:00:00Z"), shipBy: new Date("2026-12-14T23:59:59Z"), shipByDay: "2026-12-14" };
    await db.orderPromise.create({ data: { ...base, orderGid: "gid://shopify/Order/701", orderName: "#701" } });
    await db.orderPromise.create({ data: { ...base, orderGid: "gid://shopify/Order/702", orderName: "#702", status: "shipped", shippedAt: new Date("2026-12-03T10:00:00Z"), outcome: "kept" } });
    try {
      const html = await render(PromisesPage, await loadPromisesPage({ db, shop: SHOP, params: new URLSearchParams(), now: NOW, locale: "en-GB" }));
      expect(html).toContain("#701");
      expect(html).toContain("#702");
      expect(html.match(/Recompute promise/g)).toHaveLength(1);
      expect(html.indexOf("Recompute promise")).toBeLessThan(html.indexOf("#702"));
    } finally {
      await db.orderPromise.deleteMany({ where: { shop: SHOP } });
    }
  });

  it("Promise settings in a British shop: the preview in British dates, the note about made promises, the holidays and their source", async () => {
    const { default: SettingsPage } = await import("./app.promise-settings.tsx");
    const html = await render(SettingsPage, await loadPromiseSettingsPage({ db, shop: SHOP, now: NOW, locale: "en-GB" }));
    for (const text of [
      "Promise for an order placed now",
      // Wednesday 15:00 in London is after the 14:00 cut-off: Gold's 48 hours run from Thursday's
      // midnight and end with Friday.
      "Ships by Fri 4 Dec, 23:59",
      "Promises already made keep their dates",
      "Fri, 25 Dec 2026: Christmas Day",
      "Ordered after the 14:00 cut-off: counts from Thu 3 Dec",
      "Public holidays from date-holidays",
      "Daily order cut-off",
      "Add a SKU",
    ]) {
      expect(html).toContain(text);
    }
  });
});
