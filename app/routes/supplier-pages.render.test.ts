// The Suppliers and Replenishment pages render (server-side, in Polaris) from what their
// use-cases load: the empty states with their way forward; a supplier's connector with its
// secret shown by its last characters only and its SKUs in the shop's currency; an escalation's
// reason with the quotes and the approve / cancel buttons; an email supplier's reply form.
import { rmSync } from "node:fs";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server.js";
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { applyMigrations } from "../adapters/db/migrate.server.ts";
import { openReplenishmentRequest, saveSkuRule } from "../adapters/db/replenishment-repository.server.ts";
import { createDb, databaseTarget, type Db } from "../db.server.ts";
import { rfqId } from "../domain/procurement-documents.ts";
import { loadReplenishmentPage } from "../use-cases/replenishment-admin.server.ts";
import { decideRequest, prepareRequestRfqs, recordSupplierAnswer } from "../use-cases/replenishment-requests.server.ts";
import { loadSuppliersPage } from "../use-cases/suppliers-admin.server.ts";

// The route modules load shopify.server.ts (environment, session storage on the
// process's database): point both at this test's own database before anything loads.
const env = await vi.hoisted(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "tierline-supplier-render-"));
  const url = `file:${join(dir, "render.db")}`;
  Object.assign(process.env, { SHOPIFY_API_KEY: "render-key", SHOPIFY_API_SECRET: "render-secret", SHOPIFY_APP_URL: "https://render.example", SCOPES: "read_inventory", DATABASE_URL: url, LOG_LEVEL: "error" });
  return { dir, url };
});

const SHOP = "supplier-render.myshopify.com";
const EMPTY = "supplier-render-empty.myshopify.com";
const NOW = new Date("2026-12-03T09:00:00Z");
const ITEM = "gid://shopify/InventoryItem/41";
const LOCATION = "gid://shopify/Location/7";

async function render(Page: ComponentType, loaderData: object): Promise<string> {
  const routes = [{ id: "page", path: "/app/page", loader: () => loaderData, action: () => null, Component: Page }];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://localhost/app/page"));
  if (context instanceof Response) throw new Error(`unexpected response ${context.status}`);
  const router = createStaticRouter(handler.dataRoutes, context);
  const html = renderToString(createElement(AppProvider, { i18n: en }, createElement(StaticRouterProvider, { router, context })));
  // What the merchant reads: without the router's hydration data and React's text separators.
  return html.replace(/<script[\s\S]*?<\/script>/g, "").replaceAll("<!-- -->", "").replaceAll("&#x27;", "'");
}

describe("supplier pages render", () => {
  let db: Db;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await applyMigrations(databaseTarget(env.url));
    db = createDb(databaseTarget(env.url));
    await db.shop.create({ data: { domain: SHOP, currencyCode: "GBP", ianaTimezone: "Europe/London", countryCode: "GB" } });
    await db.shop.create({ data: { domain: EMPTY, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" } });
    ids.acme = (await db.supplier.create({ data: { shop: SHOP, name: "Acme", connector: "https", endpointUrl: "https://acme.example/rfq", signingSecret: "acme-whole-secret-9f2c" } })).id;
    ids.bolt = (await db.supplier.create({ data: { shop: SHOP, name: "Bolt", connector: "email", email: "quotes@bolt.example", signingSecret: "unused-0123456789abcdef" } })).id;
    for (const locationId of [LOCATION, "gid://shopify/Location/8"]) await saveSkuRule(db, SHOP, {
      inventoryItemGid: ITEM,
      rule: { sku: "MUG-1", locationId, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 200 }, neededWithinBusinessDays: null, suppliers: [ids.acme, ids.bolt].map((supplierId) => ({ supplierId, usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 })) },
      suppliersItemIds: { [ids.acme]: "AC-77" },
    });
  });

  afterAll(async () => {
    await db?.$disconnect();
    rmSync(env.dir, { recursive: true, force: true });
  });

  it("Suppliers and Replenishment of a shop with neither: the empty states, each with the way forward", async () => {
    const { default: SuppliersPage } = await import("./app.suppliers.tsx");
    const suppliers = await render(SuppliersPage, await loadSuppliersPage({ db, shop: EMPTY, locale: "en-US" }));
    expect(suppliers).toContain("Add the suppliers you buy from");
    expect(suppliers).toContain("Add supplier");
    const { default: ReplenishmentPage } = await import("./app.replenishment.tsx");
    const replenishment = await render(ReplenishmentPage, await loadReplenishmentPage({ db, shop: EMPTY, locale: "en-US", now: NOW }));
    expect(replenishment).toContain("No replenishment requests yet");
    expect(replenishment).toMatch(/<a [^>]*href="\/app\/suppliers"[^>]*>[\s\S]*?Suppliers/);
  });

  it("Suppliers: each connector, the secret by its last characters only, the SKUs in pounds, the CSV columns", async () => {
    const { default: SuppliersPage } = await import("./app.suppliers.tsx");
    const html = await render(SuppliersPage, await loadSuppliersPage({ db, shop: SHOP, locale: "en-GB" }));
    for (const text of ["Acme", "HTTPS", "https://acme.example/rfq · signing secret ••••9f2c", "Requests by email to quotes@bolt.example", "MUG-1", "£10.00", "5 business days", "4 / 5", "AC-77", "Import SKUs from a spreadsheet", "Supplier SKU (optional)", "Costs in GBP"]) {
      expect(html).toContain(text);
    }
    expect(html).not.toContain("acme-whole-secret");
  });

  it("Replenishment: the escalation's reason, the quotes side by side with approve and cancel; an email supplier's reply to type in", async () => {
    const requestedAt = new Date(NOW.getTime() - 30 * 60_000);
    const open = async (locationGid: string) => {
      const opened = await openReplenishmentRequest(db, {
        shop: SHOP, inventoryItemGid: ITEM, locationGid, sku: "MUG-1", quantity: 200, neededWithinBusinessDays: 5, position: 40, reorderTrigger: 55, waitingTierKeys: ["silver"],
        priority: { tierKey: "silver", jobPriority: 2, escalationThresholdPercent: 30, thresholdSource: "shop", preferEarliestLeadTime: false }, jobPriority: 2, currency: "GBP", requestedAt, deadline: new Date(requestedAt.getTime() + 3_600_000),
      });
      if (!opened.created) throw new Error("not created");
      await prepareRequestRfqs(db, SHOP, opened.requestId);
      return opened.requestId;
    };
    const escalated = await open(LOCATION);
    await recordSupplierAnswer(db, {
      supplierId: ids.acme,
      now: NOW,
      answer: {
        kind: "quotation",
        quotation: {
          documentType: "Quotation", id: "Q-1", issueDate: NOW, requestForQuotationDocumentReference: { id: rfqId(escalated, ids.acme) }, sellerSupplierParty: { id: ids.acme, name: "Acme" }, validityPeriod: { endDate: new Date("2026-12-10T17:00:00Z") }, documentCurrencyCode: "GBP",
          quotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "MUG-1", sellersItemId: "AC-77" }, quantity: 200, price: { priceAmount: { amountMinor: 1450, currencyId: "GBP" } }, estimatedDeliveryPeriod: { businessDays: 4 } } }],
        },
      },
    });
    expect((await decideRequest(db, { shop: SHOP, requestId: escalated, now: new Date(NOW.getTime() + 3_600_000), admin: async () => { throw new Error("no Shopify write for an escalation"); } })).kind).toBe("escalate");
    const waiting = await open("gid://shopify/Location/8");
    await db.supplierRfq.update({ where: { id: rfqId(waiting, ids.bolt) }, data: { status: "sent", sentAt: NOW } });

    const { default: ReplenishmentPage } = await import("./app.replenishment.tsx");
    const html = await render(ReplenishmentPage, await loadReplenishmentPage({ db, shop: SHOP, locale: "en-GB", now: NOW }));
    for (const text of [
      "1 waiting for your decision · 1 asking suppliers · times in Europe/London",
      "Needs your decision (1)",
      "200 × MUG-1",
      "Silver orders waiting",
      "The best quote costs £2,900.00, 45 % above the usual £2,000.00; above 30 % a person decides.",
      "£14.50",
      "Approve proposal",
      "Cancel request",
      "Proposed: £2,900.00 in total.",
      "Asking suppliers (1)",
      "Bolt: Waiting for an answer (email)",
      "Enter Bolt's reply",
    ]) {
      expect(html).toContain(text);
    }
  });
});
