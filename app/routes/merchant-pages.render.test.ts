// The Tier rules and Members pages render (server-side, in Polaris) from what
// their use-cases load, on a real SQLite database with a few members.
import { rmSync } from "node:fs";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server.js";
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { applyMigrations } from "../adapters/db/migrate.server.ts";
import { createDb, databaseTarget, type Db } from "../db.server.ts";
import { loadMemberPage, loadMembersPage } from "../use-cases/members-admin.server.ts";
import { loadOverview } from "../use-cases/overview-admin.server.ts";
import { recomputeCustomerTier } from "../use-cases/recompute-customer-tier.server.ts";
import { loadTierRulesOverview, previewTierRules } from "../use-cases/tier-rules-admin.server.ts";
import { DEFAULT_TIER_RULES } from "../domain/tier-rules.ts";
import { saveTierRules } from "../adapters/db/tier-settings-repository.server.ts";

// The route modules load shopify.server.ts (environment, session storage on the
// process's database): point both at this test's own database before anything loads.
const env = await vi.hoisted(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "tierline-render-"));
  const url = `file:${join(dir, "render.db")}`;
  Object.assign(process.env, { SHOPIFY_API_KEY: "render-key", SHOPIFY_API_SECRET: "render-secret", SHOPIFY_APP_URL: "https://render.example", SCOPES: "read_customers", DATABASE_URL: url, LOG_LEVEL: "error" });
  return { dir, url };
});

const SHOP = "render.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const FORMAT = { locale: "en-US", currency: "USD", timeZone: "UTC" };

async function render(Page: ComponentType, path: string, loaderData: object): Promise<string> {
  const routes = [{ id: "page", path: "/app/page", loader: () => loaderData, action: () => null, Component: Page }];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request(`http://localhost${path}`));
  if (context instanceof Response) throw new Error(`unexpected response ${context.status}`);
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(createElement(AppProvider, { i18n: en }, createElement(StaticRouterProvider, { router, context })));
}

describe("merchant pages render", () => {
  let db: Db;

  beforeAll(async () => {
    await applyMigrations(databaseTarget(env.url));
    db = createDb(databaseTarget(env.url));
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    for (const [n, total] of [[1, 30_000], [2, 250_000]] as const) {
      const gid = `gid://shopify/Customer/${n}`;
      await db.customer.create({ data: { shop: SHOP, customerGid: gid, firstName: `Member${n}`, email: `m${n}@example.com` } });
      await saveOrderSnapshot(db, SHOP, { orderId: `gid://shopify/Order/${n}`, customerId: gid, processedAt: NOW, updatedAt: NOW, currency: "USD", currentTotalMinor: total, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, null);
      await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "order", now: NOW });
    }
  });

  afterAll(async () => {
    await db?.$disconnect();
    rmSync(env.dir, { recursive: true, force: true });
  });

  it("Tier rules shows every tier with its members and the spend settings", async () => {
    const { default: TierRulesPage } = await import("./app.tiers.tsx");
    const html = await render(TierRulesPage, "/app/page", { ...(await loadTierRulesOverview(db, SHOP)), locale: "en-US" });
    for (const text of ["Tier rules", "Bronze", "Silver", "Gold", "tierline:gold", "1 member<", "2000.01", "Spend window", "Shipping counts as spend", "Where prices include tax", "Take back upgrades when the money is returned", "Tips count as spend", "Duties count as spend", "Preview changes"]) {
      expect(html).toContain(text);
    }
    expect(html).not.toContain("1 members");
    expect(html).not.toContain("tier-recompute-progress");
    // A recomputation under way: customers done of the total, in the merchant's locale.
    const running = await render(TierRulesPage, "/app/page", { ...(await loadTierRulesOverview(db, SHOP)), locale: "en-US", recompute: { done: 1_250, total: 20_000 } });
    expect(running).toMatch(/data-testid="tier-recompute-progress"[\s\S]*1,250 of 20,000 customers/);
    // The preview itself is computed by the action; make sure its data is what the page reads.
    const preview = await previewTierRules({ db, shop: SHOP, newRules: { ...DEFAULT_TIER_RULES, tiers: DEFAULT_TIER_RULES.tiers.map((t) => (t.key === "silver" ? { ...t, entryThresholdMinor: 20_000 } : t)) }, now: NOW });
    expect(preview.movements[0]).toMatchObject({ fromTierKey: "bronze", toTierKey: "silver", count: 1 });
  });

  it("Members lists tiers, spend in the shop's money and progress; a member's page has history, pin and adjustment forms", async () => {
    const { default: MembersPage } = await import("./app.members._index.tsx");
    const params = new URLSearchParams();
    const html = (await render(MembersPage, `/app/page?${params}`, await loadMembersPage({ db, shop: SHOP, params, now: NOW, format: FORMAT }))).replaceAll("<!-- -->", "");
    for (const text of ["Members", "Member1", "Member2", "$2,500.00", "Top tier", "to Silver", "2 members", "Export CSV"]) {
      expect(html).toContain(text);
    }
    const { default: MemberPage } = await import("./app.members.$customerId.tsx");
    const member = await loadMemberPage({ db, shop: SHOP, customerGid: "gid://shopify/Customer/1", now: NOW, format: FORMAT });
    const page = (await render(MemberPage, "/app/page", member!)).replaceAll("<!-- -->", "");
    for (const text of ["Member1", "Bronze", "$300.00", "more to reach Silver", "Orders that count", "History", "Pin tier", "Adjust spend", "Silver (up)", "View customer in Shopify"]) {
      expect(page).toContain(text);
    }
  });

  it("Members says so when no member matches the filters", async () => {
    const { default: MembersPage } = await import("./app.members._index.tsx");
    const params = new URLSearchParams({ tier: "gold", pinned: "yes" });
    const html = await render(MembersPage, `/app/page?${params}`, await loadMembersPage({ db, shop: SHOP, params, now: NOW, format: FORMAT }));
    expect(html).toContain("No members match");
  });

  it("Overview of a shop selling in euros: thresholds to confirm, with the way to the Tier rules page", async () => {
    const { default: OverviewPage } = await import("./app._index.tsx");
    await db.shop.create({ data: { domain: "euro.myshopify.com", currencyCode: "EUR" } });
    const html = (await render(OverviewPage, "/app/page", await loadOverview(db, "euro.myshopify.com"))).replace(/<script[\s\S]*?<\/script>/g, "").replaceAll("<!-- -->", "");
    expect(html).toContain("Confirm your tier thresholds in EUR before tiers are written");
    expect(html).toMatch(/<a [^>]*href="\/app\/tiers"[^>]*>[\s\S]*?Review thresholds/);
  });

  it("Overview of a shop with five tiers fits a phone: at most three counts a row there, all five on wider screens", async () => {
    const { default: OverviewPage } = await import("./app._index.tsx");
    const shop = "five.myshopify.com";
    await db.shop.create({ data: { domain: shop, currencyCode: "USD" } });
    const tiers = [...DEFAULT_TIER_RULES.tiers, { key: "platinum", name: "Platinum", entryThresholdMinor: 500_000, tag: "tierline:platinum" }, { key: "diamond", name: "Diamond", entryThresholdMinor: 1_000_000, tag: "tierline:diamond" }];
    await saveTierRules(db, shop, { ...DEFAULT_TIER_RULES, tiers });
    const overview = await loadOverview(db, shop);
    expect(overview.tiers).toHaveLength(5);
    const html = await render(OverviewPage, "/app/page", { ...overview, isNew: false, tiers: overview.tiers.map((t, i) => (i === 0 ? { ...t, members: 1_234_567, count: "1,234,567" } : t)) });
    expect(html).toContain("--pc-inline-grid-grid-template-columns-xs:repeat(3, minmax(0, 1fr))");
    expect(html).toContain("--pc-inline-grid-grid-template-columns-md:repeat(5, minmax(0, 1fr))");
    expect(html).toContain("1,234,567");
  });

  it("Overview of a new shop: the setup steps, the tiers in the shop's money ('over $2,000')", async () => {
    const { default: OverviewPage } = await import("./app._index.tsx");
    const shop = "new.myshopify.com";
    await db.shop.create({ data: { domain: shop, currencyCode: "USD" } });
    const html = (await render(OverviewPage, "/app/page", await loadOverview(db, shop))).replace(/<script[\s\S]*?<\/script>/g, "").replaceAll("<!-- -->", "");
    for (const text of ["Welcome to Tierline", "Import your order history", "Check your tiers", "Gold: over $2,000", "Silver: $500 or more", "Use tiers in Shopify", "Tiers see only the last 60 days of orders", "Set a spend window of 60 days or less"]) expect(html).toContain(text);
  });

  it("Overview counts the shop's webhook deliveries that failed for good, with the latest reason, and only its own", async () => {
    const { default: OverviewPage } = await import("./app._index.tsx");
    const quiet = await render(OverviewPage, "/app/page", await loadOverview(db, SHOP));
    expect(quiet).not.toContain("could not be processed");
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
    await db.webhookDelivery.createMany({
      data: [
        { webhookId: "f-1", shop: SHOP, topic: "orders/create", payload: "{}", status: "failed", attempts: 10, error: "downstream unavailable", receivedAt: at(1) },
        { webhookId: "f-2", shop: SHOP, topic: "refunds/create", payload: "{", status: "failed", attempts: 1, error: "payload cannot be parsed: SyntaxError", receivedAt: at(2) },
        { webhookId: "f-3", shop: SHOP, topic: "orders/create", payload: "{}", status: "received", attempts: 2, error: "retrying", receivedAt: at(3) },
        { webhookId: "f-4", shop: "other.myshopify.com", topic: "orders/create", payload: "{}", status: "failed", attempts: 10, error: "another shop's", receivedAt: at(4) },
      ],
    });
    const overview = await loadOverview(db, SHOP);
    expect(overview.failedDeliveries).toMatchObject({ count: 2, latest: { topic: "refunds/create", reason: "payload cannot be parsed: SyntaxError" } });
    // What the merchant reads: without the router's hydration data and React's text separators.
    const html = (await render(OverviewPage, "/app/page", overview)).replace(/<script[\s\S]*?<\/script>/g, "").replaceAll("<!-- -->", "");
    // In the merchant's words: what the update was about and why it stopped; the internal
    // topic name and the error's own text only as detail for support.
    for (const text of ["2 updates from Shopify could not be processed", "The latest was a refund, received Nov 20, 2026, 12:02 PM.", "Tierline could not read what Shopify sent.", "Details for support: payload cannot be parsed: SyntaxError"]) expect(html).toContain(text);
    expect(html).not.toContain("refunds/create");
    expect(html).not.toContain("another shop");
  });
});
