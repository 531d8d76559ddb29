// The Suppliers and Replenishment pages in a real browser (Debian's Chromium, headless) inside
// the simulated Shopify admin, over the real web and worker processes: a spreadsheet with a bad
// row is refused with the row named and nothing stored, the corrected one imported; an
// escalation approved with a click; an email supplier's reply typed in. Screenshots at desktop
// (1280) and phone (390) width, and neither page scrolls sideways on a phone.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { startTierlineSystem, grantAndInstall, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { CHROMIUM_ARGS, chromiumPlan } from "../scripts/lib/chromium.ts";
import { openReplenishmentRequest, saveSkuRule } from "../app/adapters/db/replenishment-repository.server.ts";
import { rfqId } from "../app/domain/procurement-documents.ts";
import { decideRequest, prepareRequestRfqs, recordSupplierAnswer } from "../app/use-cases/replenishment-requests.server.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { appOverflow, ARTIFACTS, failWithoutChromium, hydrated, openInAdmin, pageFailures, shootApp } from "./support/admin-browser.ts";

const SHOP = "supplier-browser.myshopify.com";
const CHROMIUM = chromiumPlan();
const HEADER = "SKU,Supplier,Usual cost,Lead time (business days),Rating,Supplier SKU";

failWithoutChromium("supplier pages in the browser", CHROMIUM);

describe.skipIf(!CHROMIUM.run)("supplier pages in the browser", () => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let browser: Browser;
  const ids: Record<string, string> = {};
  const items: Record<string, string> = {};
  let location = "";

  const open = (width: number, route: string) => openInAdmin(browser, sim.origin, `${SHOP}/apps/tierline/app/${route}`, width);

  beforeAll(async () => {
    system = await startTierlineSystem({ label: "supplier_browser" });
    ({ database, sim } = system);
    seedShop(sim.store, SHOP, { seed: 6, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.shop.findUnique({ where: { domain: SHOP } }))?.currencyCode, { what: "shop details read" });
    location = `gid://shopify/Location/${sim.store.shop(SHOP).shop.locations[0].id}`;
    for (const sku of ["MUG-1", "JUG-2"]) items[sku] = `gid://shopify/InventoryItem/${sim.store.createProduct(SHOP, { title: `Product ${sku}`, variants: [{ sku, price: "25.00", inventory: 60 }] }).variants[0].inventoryItemId}`;
    ids.acme = (await database.db.supplier.create({ data: { shop: SHOP, name: "Acme Supply Co.", connector: "https", endpointUrl: "https://rfq.acme-supply.example/v1/quotes", signingSecret: "acme-whole-secret-4b1d" } })).id;
    ids.bolt = (await database.db.supplier.create({ data: { shop: SHOP, name: "Bolt Wholesale", connector: "email", email: "quotes@bolt-wholesale.example", signingSecret: "unused-0123456789abcdef" } })).id;
    browser = await chromium.launch({ executablePath: CHROMIUM.run ? CHROMIUM.path : undefined, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it("Suppliers: a spreadsheet with a bad row is refused with the row named; the corrected one is imported", async () => {
    const { page, app, seen } = await open(1440, "suppliers");
    try {
      await app.getByText("Acme Supply Co.").waitFor();
      await hydrated(app, "button");
      const file = app.locator('input[type="file"]');
      await file.setInputFiles({ name: "suppliers.csv", mimeType: "text/csv", buffer: Buffer.from(`\uFEFF${HEADER}\r\nMUG-1,Acme Supply Co.,12.50,5,4,AC-77\r\nMUG-1,Bolt Wholesale,12;40,3,5,\r\n`) });
      await app.getByRole("button", { name: "Import", exact: true }).click();
      await app.getByText('Row 3: the usual cost "12;40" is not an amount in USD like 12.50.').waitFor();
      await app.getByText("Nothing was imported: 1 row needs fixing.", { exact: false }).waitFor();
      expect(await database.db.skuSupplier.count({ where: { shop: SHOP } })).toBe(0);
      await shootApp(page, app, "suppliers-import-error-1440.png");

      await file.setInputFiles({ name: "suppliers.csv", mimeType: "text/csv", buffer: Buffer.from(`${HEADER}\r\nMUG-1,Acme Supply Co.,12.50,5,4,AC-77\r\nMUG-1,Bolt Wholesale,12.40,3,5,\r\nJUG-2,Acme Supply Co.,8.00,5,4,AC-78\r\nJUG-2,Bolt Wholesale,7.90,4,4,\r\n`) });
      await app.getByRole("button", { name: "Import", exact: true }).click();
      await app.getByText("Imported 4 rows (4 added).").waitFor();
      await app.getByText("$12.40").waitFor();
      expect(await database.db.skuSupplier.count({ where: { shop: SHOP } })).toBe(4);
      await shootApp(page, app, "suppliers-1440.png");

      // A new supplier: each field's error under it, then saved with a toast; the secret is not shown back.
      await app.getByRole("button", { name: "Add supplier" }).first().click();
      await app.getByLabel("Endpoint address").fill("http://cargo.example/rfq");
      await app.getByLabel("Signing secret").fill("short");
      await app.getByRole("button", { name: "Add supplier" }).last().click();
      await app.getByText("Enter the supplier's name.").waitFor();
      await app.getByText("The address must start with https://", { exact: false }).waitFor();
      await app.getByText("The signing secret must be at least 16 characters.").waitFor();
      await shootApp(page, app, "suppliers-form-error-1440.png");
      await app.getByLabel("Name").fill("Cargo Freight Parts");
      await app.getByLabel("Endpoint address").fill("https://cargo.example/rfq");
      await app.getByLabel("Signing secret").fill("cargo-secret-0123456789-x9");
      await app.getByRole("button", { name: "Add supplier" }).last().click();
      await page.getByTestId("sim-toast").filter({ hasText: "Cargo Freight Parts added." }).waitFor();
      await app.getByText("https://cargo.example/rfq · signing secret ••••9-x9").waitFor();
      expect(await database.db.supplier.count({ where: { shop: SHOP } })).toBe(3);
      expect(pageFailures(seen)).toEqual([]);
    } catch (error) {
      console.error(seen.join("\n"));
      await page.screenshot({ path: path.join(ARTIFACTS, "suppliers-failure.png"), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  });

  it("Replenishment: an escalation approved with a click, an email supplier's reply typed in", async () => {
    for (const sku of ["MUG-1", "JUG-2"]) {
      await saveSkuRule(database.db, SHOP, {
        inventoryItemGid: items[sku],
        rule: { sku, locationId: location, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 200 }, neededWithinBusinessDays: null, suppliers: [ids.acme, ids.bolt].map((supplierId) => ({ supplierId, usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 })) },
      });
    }
    const requestedAt = new Date(Date.now() - 30 * 60_000);
    const request = async (sku: string) => {
      const opened = await openReplenishmentRequest(database.db, {
        shop: SHOP, inventoryItemGid: items[sku], locationGid: location, sku, quantity: 200, neededWithinBusinessDays: 5, position: 40, reorderTrigger: 55, waitingTierKeys: ["silver"],
        priority: { tierKey: "silver", jobPriority: 2, escalationThresholdPercent: 30, thresholdSource: "shop", preferEarliestLeadTime: false }, jobPriority: 2, currency: "USD", requestedAt, deadline: new Date(requestedAt.getTime() + 3_600_000),
      });
      if (!opened.created) throw new Error("not created");
      await prepareRequestRfqs(database.db, SHOP, opened.requestId);
      return opened.requestId;
    };
    const escalated = await request("MUG-1");
    const answer = (supplier: string, price: number) =>
      recordSupplierAnswer(database.db, {
        supplierId: ids[supplier],
        now: new Date(),
        answer: {
          kind: "quotation",
          quotation: {
            documentType: "Quotation", id: `Q-${supplier}`, issueDate: new Date(), requestForQuotationDocumentReference: { id: rfqId(escalated, ids[supplier]) }, sellerSupplierParty: { id: ids[supplier], name: supplier }, validityPeriod: { endDate: new Date(Date.now() + 7 * 86_400_000) }, documentCurrencyCode: "USD",
            quotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "MUG-1", sellersItemId: null }, quantity: 200, price: { priceAmount: { amountMinor: price, currencyId: "USD" } }, estimatedDeliveryPeriod: { businessDays: 4 } } }],
          },
        },
      });
    await answer("acme", 1450);
    await answer("bolt", 1500);
    expect((await decideRequest(database.db, { shop: SHOP, requestId: escalated, now: new Date(Date.now() + 3_600_000), admin: async () => { throw new Error("no Shopify write for an escalation"); } })).kind).toBe("escalate");
    const waiting = await request("JUG-2");
    await database.db.supplierRfq.update({ where: { id: rfqId(waiting, ids.bolt) }, data: { status: "sent", sentAt: new Date() } });
    await database.db.supplierRfq.update({ where: { id: rfqId(waiting, ids.acme) }, data: { status: "sent", sentAt: new Date() } });

    const { page, app, seen } = await open(1440, "replenishment");
    try {
      await app.getByText("above 30 % a person decides", { exact: false }).waitFor();
      await hydrated(app, "button");
      await shootApp(page, app, "replenishment-1440.png");
      await app.getByRole("button", { name: "Enter Bolt Wholesale's reply" }).click();
      await app.getByLabel("Unit price").fill("7.95");
      await app.getByLabel("Quantity").fill("200");
      await app.getByLabel("Lead time (business days)").fill("4");
      await app.getByLabel("Valid until").fill("2099-12-31");
      await app.getByRole("button", { name: "Record reply" }).click();
      await app.getByText("Bolt Wholesale's quote is recorded", { exact: false }).waitFor();
      expect(await database.db.supplierQuote.count({ where: { requestId: waiting } })).toBe(1);

      await app.getByRole("button", { name: "Approve proposal" }).click();
      await page.getByTestId("sim-toast").filter({ hasText: "Approved: a purchase order was made" }).waitFor();
      expect((await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: escalated } })).status).toBe("awarded");
      await page.reload();
      await app.getByText("Recently decided (1)").waitFor();
      await shootApp(page, app, "replenishment-after-1440.png");
      expect(pageFailures(seen)).toEqual([]);
    } catch (error) {
      console.error(seen.join("\n"));
      await page.screenshot({ path: path.join(ARTIFACTS, "replenishment-failure.png"), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await page.close();
    }
  });

  it("both pages at phone width: nothing scrolls sideways", async () => {
    for (const route of ["suppliers", "replenishment"]) {
      const { page, app } = await open(390, route);
      try {
        await app.getByRole("heading", { name: route === "suppliers" ? "Suppliers" : "Replenishment", exact: true }).first().waitFor();
        await hydrated(app, "button");
        await shootApp(page, app, `${route}-390.png`);
        expect(await appOverflow(app).then((fit) => fit.scrollWidth - fit.width)).toBeLessThanOrEqual(0);
        if (route === "suppliers") {
          await app.getByRole("button", { name: "Edit" }).first().click();
          await app.getByText("Leave blank to keep it.", { exact: false }).waitFor();
          await shootApp(page, app, "suppliers-form-390.png");
          expect(await appOverflow(app).then((fit) => fit.scrollWidth - fit.width)).toBeLessThanOrEqual(0);
        }
      } finally {
        await page.close();
      }
    }
  });
});
