// The Suppliers and Replenishment pages through the real web process (Remix build,
// authenticate.admin with a session token), on both databases: supplier settings refused field
// by field, the signing secret never sent back whole; the CSV import with its edges (BOM, CRLF,
// quotes, semicolons, bad rows, duplicates, a rewritten SKU, a SKU not in the store), all rows or
// none; the approval queue (approve, a refused pick, cancel) writing incoming stock to the
// simulated Shopify; an email supplier's reply typed in; and every shop reaching only its own rows.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../../scripts/lib/private-redis.ts";
import { mintSessionToken } from "../../simulator/admin/session-token.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { openReplenishmentRequest, saveSkuRule } from "../adapters/db/replenishment-repository.server.ts";
import { rfqId } from "../domain/procurement-documents.ts";
import { decideRequest, prepareRequestRfqs, recordSupplierAnswer } from "../use-cases/replenishment-requests.server.ts";
import type { ReplenishmentActionResult, ReplenishmentPage } from "../use-cases/replenishment-admin.server.ts";
import type { SuppliersActionResult, SuppliersPage } from "../use-cases/suppliers-admin.server.ts";

const SHOP = "suppliers-http.myshopify.com";
const OTHER = "suppliers-other.myshopify.com";
const SCOPES = "read_products,read_inventory,write_inventory,read_orders";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const SECRET = "acme-signing-secret-7f3a";
const HEADER = "SKU,Supplier,Usual cost,Lead time (business days),Rating,Supplier SKU";

describe.each(DATABASE_KINDS)("supplier pages over HTTP on %s", (kind) => {
  let sim: RunningSimulator;
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let appUrl: string;
  const items: Record<string, string> = {};
  let location = "";

  type Route = "app.suppliers" | "app.replenishment";
  async function call<T>(shop: string, route: Route, body?: FormData | Record<string, string | string[]>): Promise<{ status: number; body: T; text: string }> {
    const token = mintSessionToken({ shop, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    let payload: FormData | URLSearchParams | undefined;
    if (body instanceof FormData) payload = body;
    else if (body) {
      payload = new URLSearchParams();
      for (const [key, value] of Object.entries(body)) for (const v of [value].flat()) payload.append(key, v);
    }
    const res = await fetch(`${appUrl}/${route.replace(".", "/")}?_data=routes/${route}`, {
      method: body ? "POST" : "GET",
      // Node's own user agent counts as a bot, which shopify-app-remix answers 410.
      headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER },
      body: payload,
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as T, text };
    } catch {
      throw new Error(`${route}: HTTP ${res.status}: ${text.slice(0, 500)}\n${web.output.slice(-2000)}`);
    }
  }
  const suppliersPage = (shop = SHOP) => call<SuppliersPage>(shop, "app.suppliers");
  const supplierAction = (form: Record<string, string>, shop = SHOP) => call<SuppliersActionResult>(shop, "app.suppliers", form);
  const importCsv = (csv: string | Uint8Array, shop = SHOP) => {
    const form = new FormData();
    form.set("intent", "import");
    form.set("file", new Blob([csv as BlobPart], { type: "text/csv" }), "suppliers.csv");
    return call<SuppliersActionResult>(shop, "app.suppliers", form);
  };
  const replenishmentPage = (shop = SHOP) => call<ReplenishmentPage>(shop, "app.replenishment");
  const replenishmentAction = (form: Record<string, string | string[]>, shop = SHOP) => call<ReplenishmentActionResult>(shop, "app.replenishment", form);
  const supplierId = async (name: string, shop = SHOP) => (await database.db.supplier.findFirstOrThrow({ where: { shop, name } })).id;

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl: "http://127.0.0.1:9", edgeModules: false, scopes: SCOPES.split(",") });
    database = await createTestDatabase(kind, "supplier_pages");
    const { db } = database;
    for (const [shop, currency, zone] of [[SHOP, "EUR", "Europe/Paris"], [OTHER, "USD", "America/Chicago"]] as const) {
      const { accessToken } = (await (await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop, currency }) })).json()) as { accessToken: string };
      await db.shop.create({ data: { domain: shop, currencyCode: currency, scopes: SCOPES, ianaTimezone: zone, countryCode: shop === SHOP ? "FR" : "US" } });
      await db.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, scope: SCOPES, accessToken } });
    }
    for (const sku of ["MUG-1", "JUG-2", "CUP 3, large"]) items[sku] = `gid://shopify/InventoryItem/${sim.store.createProduct(SHOP, { title: `Product ${sku}`, variants: [{ sku, price: "25.00", inventory: 60 }] }).variants[0].inventoryItemId}`;
    // Two variants sharing a SKU, and the other shop's own MUG-1.
    sim.store.createProduct(SHOP, { title: "Twins", variants: [{ title: "A", sku: "TWIN", price: "5.00", inventory: 1 }, { title: "B", sku: "TWIN", price: "5.00", inventory: 1 }] });
    sim.store.createProduct(OTHER, { title: "Other mug", variants: [{ sku: "MUG-1", price: "25.00", inventory: 60 }] });
    location = `gid://shopify/Location/${sim.store.shop(SHOP).shop.locations[0].id}`;
    redis = await PrivateRedis.start();
    const env = appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `s${randomUUID().slice(0, 8)}`, extra: { SHOPIFY_API_ORIGIN: sim.origin, SCOPES } });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
  }, 120_000);

  afterAll(async () => {
    await web?.kill();
    await redis?.stop();
    await database?.drop();
    await sim?.close();
  });

  it("refuses a bad supplier field by field, adds and edits one, and never sends the secret back whole", async () => {
    const bad = await supplierAction({ intent: "save", name: "", connector: "https", endpointUrl: "http://acme.example/rfq", email: "", signingSecret: "short" });
    expect(bad.status).toBe(422);
    expect(!bad.body.ok && bad.body.intent === "save" && bad.body.issues.map((i) => i.field)).toEqual(["name", "endpointUrl", "signingSecret"]);
    expect(await database.db.supplier.count()).toBe(0);

    expect((await supplierAction({ intent: "save", name: "Acme", connector: "https", endpointUrl: "https://acme.example/rfq", email: "", signingSecret: SECRET })).body).toMatchObject({ ok: true, message: "Acme added." });
    expect((await supplierAction({ intent: "save", name: "Bolt", connector: "email", endpointUrl: "", email: "buying@bolt.example", signingSecret: "" })).body).toMatchObject({ ok: true });
    expect((await supplierAction({ intent: "save", name: "Cargo", connector: "https", endpointUrl: "https://cargo.example/rfq", email: "", signingSecret: "cargo-secret-0123456789" })).body).toMatchObject({ ok: true });
    const taken = await supplierAction({ intent: "save", name: "Acme", connector: "email", endpointUrl: "", email: "a@acme.example", signingSecret: "" });
    expect(taken.body).toMatchObject({ ok: false, issues: [{ field: "name", message: 'You already have a supplier named "Acme".' }] });

    // Edited with the secret field left blank: the stored secret stays.
    const acme = await supplierId("Acme");
    expect((await supplierAction({ intent: "save", id: acme, name: "Acme", connector: "https", endpointUrl: "https://acme.example/v2/rfq", email: "", signingSecret: "" })).body).toMatchObject({ ok: true });
    expect(await database.db.supplier.findUniqueOrThrow({ where: { id: acme } })).toMatchObject({ endpointUrl: "https://acme.example/v2/rfq", signingSecret: SECRET });

    const page = await suppliersPage();
    expect(page.status).toBe(200);
    expect(page.body.suppliers.map((s) => [s.name, s.connector, s.secretHint])).toEqual([["Acme", "https", "••••7f3a"], ["Bolt", "email", null], ["Cargo", "https", "••••6789"]]);
    expect(page.text).not.toContain(SECRET);
    expect(page.text).not.toContain("cargo-secret");
    expect(page.body.currency).toBe("EUR");
  });

  it("imports a spreadsheet with a BOM, CRLF line ends, quoted cells and semicolons; costs shown in the shop's currency", async () => {
    const csv = `\uFEFFSKU;Supplier;Usual cost;Lead time (business days);Rating;Supplier SKU\r\nMUG-1;Acme;12.50;5;4;"AC;77"\r\nMUG-1;Cargo;€11.90;8;3;\r\n"CUP 3, large";acme;3.10;4;4.5;"said ""big"""\r\n;;;;;\r\n`;
    const imported = await importCsv(new TextEncoder().encode(csv));
    expect(imported.body).toEqual({ ok: true, intent: "import", message: "Imported 3 rows (3 added)." });
    const rows = await database.db.skuSupplier.findMany({ where: { shop: SHOP }, orderBy: [{ sku: "asc" }, { position: "asc" }] });
    expect(rows.map((r) => [r.sku, r.inventoryItemGid, r.usualUnitCostMinor, r.usualLeadBusinessDays, r.qualityRating, r.suppliersItemId, r.position])).toEqual([
      ["CUP 3, large", items["CUP 3, large"], 310, 4, 4.5, 'said "big"', 0],
      ["MUG-1", items["MUG-1"], 1250, 5, 4, "AC;77", 0],
      ["MUG-1", items["MUG-1"], 1190, 8, 3, null, 1],
    ]);
    const acme = (await suppliersPage()).body.suppliers.find((s) => s.name === "Acme")!;
    // Euros (the shop's currency) in the admin's language (English: no Accept-Language sent).
    expect(acme.skus.map((s) => [s.sku, s.usualCost, s.supplierSku])).toEqual([["CUP 3, large", "€3.10", 'said "big"'], ["MUG-1", "€12.50", "AC;77"]]);
    // Importing a row again updates it in place.
    expect((await importCsv(`${HEADER}\nMUG-1,Acme,12.00,5,4,AC-77\n`)).body).toEqual({ ok: true, intent: "import", message: "Imported 1 row (1 updated)." });
    expect((await database.db.skuSupplier.findFirstOrThrow({ where: { shop: SHOP, sku: "MUG-1", supplierId: await supplierId("Acme") } })).usualUnitCostMinor).toBe(1200);
  });

  it("refuses the whole file when any row is wrong, naming each row in the merchant's words; nothing is half-imported", async () => {
    const before = await database.db.skuSupplier.findMany({ where: { shop: SHOP }, orderBy: [{ inventoryItemGid: "asc" }, { supplierId: "asc" }] });
    const refused = await importCsv(
      [HEADER, "JUG-2,Acme,7.00,3,4,", "JUG-2,Bolt,abc,3,4,", "JUG-2,acme,7.10,3,4,", "4.00012E+12,Cargo,1.00,3,4,", "NOPE-9,Cargo,1.00,3,4,", "TWIN,Cargo,1.00,3,4,"].join("\r\n"),
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ ok: false, intent: "import", message: "Nothing was imported: 3 rows need fixing. Correct them in your spreadsheet and import the whole file again." });
    expect(!refused.body.ok && refused.body.intent === "import" && refused.body.issues.map((i) => i.message)).toEqual([
      'Row 3: the usual cost "abc" is not an amount in EUR like 12.50.',
      'Row 4: SKU "JUG-2" with Acme is already on row 2.',
      'Row 5: the SKU "4.00012E+12" looks like a number your spreadsheet rewrote; format the SKU column as text and export again.',
    ]);
    // The rows are fine as text, but Shopify does not know one SKU and has another twice.
    const unknown = await importCsv([HEADER, "JUG-2,Acme,7.00,3,4,", "NOPE-9,Cargo,1.00,3,4,", "TWIN,Cargo,1.00,3,4,"].join("\n"));
    expect(!unknown.body.ok && unknown.body.intent === "import" && unknown.body.issues.map((i) => i.message)).toEqual([
      'Row 3: no product in your store has the SKU "NOPE-9".',
      'Row 4: more than one variant in your store has the SKU "TWIN"; give each its own SKU first.',
    ]);
    const broken = await importCsv(`${HEADER}\nJUG-2,"Acme,7.00,3,4,\n`);
    expect(broken.body).toMatchObject({ ok: false, message: expect.stringMatching(/^The file could not be read near line \d+: a quote \(".*never closed/) });
    const latin1 = await importCsv(new Uint8Array([...new TextEncoder().encode(`${HEADER}\nJUG-2,Acme,7.00,3,4,caf`), 0xe9]));
    expect(latin1.body).toMatchObject({ ok: false, message: expect.stringMatching(/not UTF-8 text/) });
    expect((await importCsv("SKU,Cost\nJUG-2,1\n")).body).toMatchObject({ ok: false, issues: [{ row: 1, message: expect.stringMatching(/missing: Supplier, Lead time \(business days\), Rating\./) }] });
    expect(await database.db.skuSupplier.findMany({ where: { shop: SHOP }, orderBy: [{ inventoryItemGid: "asc" }, { supplierId: "asc" }] })).toEqual(before);
  });

  it("refuses a sixth supplier for a SKU, counting the ones already stored, and stores none of the file", async () => {
    for (const name of ["D1", "D2", "D3"]) expect((await supplierAction({ intent: "save", name, connector: "email", endpointUrl: "", email: `${name}@d.example`, signingSecret: "" })).body).toMatchObject({ ok: true });
    const before = await database.db.skuSupplier.count({ where: { shop: SHOP } });
    // MUG-1 has Acme and Cargo: Bolt, D1, D2 make five, D3 a sixth.
    const result = await importCsv([HEADER, "JUG-2,Acme,7.00,3,4,", "MUG-1,Bolt,1,1,1,", "MUG-1,D1,1,1,1,", "MUG-1,D2,1,1,1,", "MUG-1,D3,1,1,1,"].join("\n"));
    expect(result.body).toMatchObject({ ok: false, issues: [{ row: 6, message: 'Row 6: SKU "MUG-1" already has 5 suppliers; remove one before adding D3.' }] });
    expect(await database.db.skuSupplier.count({ where: { shop: SHOP } })).toBe(before);
  });

  it("keeps every shop to its own suppliers and rows", async () => {
    const other = await suppliersPage(OTHER);
    expect(other.body).toMatchObject({ currency: "USD", suppliers: [] });
    const acme = await supplierId("Acme");
    // The other shop's token with this shop's supplier id: nothing changes.
    expect((await supplierAction({ intent: "save", id: acme, name: "Stolen", connector: "https", endpointUrl: "https://evil.example/", email: "", signingSecret: "evil-secret-0123456789" }, OTHER)).body).toMatchObject({ ok: false });
    expect((await supplierAction({ intent: "remove", id: acme }, OTHER)).body).toMatchObject({ ok: false, message: "This supplier no longer exists; reload the page." });
    expect(await database.db.supplier.findUniqueOrThrow({ where: { id: acme } })).toMatchObject({ name: "Acme", signingSecret: SECRET });
    // The other shop's import cannot name this shop's suppliers; its own, with the same name, is its own.
    expect((await importCsv(`${HEADER}\nMUG-1,Acme,1.00,1,1,\n`, OTHER)).body).toMatchObject({ ok: false, issues: [{ row: 2, message: expect.stringMatching(/no supplier named "Acme"/) }] });
    expect((await supplierAction({ intent: "save", name: "Acme", connector: "email", endpointUrl: "", email: "a@acme.example", signingSecret: "" }, OTHER)).body).toMatchObject({ ok: true });
    expect((await importCsv(`${HEADER}\nMUG-1,Acme,1.00,1,1,\n`, OTHER)).body).toMatchObject({ ok: true });
    const otherRow = await database.db.skuSupplier.findFirstOrThrow({ where: { shop: OTHER } });
    expect(otherRow.inventoryItemGid).not.toBe(items["MUG-1"]);
    expect((await suppliersPage(OTHER)).body.suppliers.map((s) => [s.name, s.skus.map((k) => k.usualCost)])).toEqual([["Acme", ["$1.00"]]]);
    expect((await suppliersPage()).body.suppliers.find((s) => s.name === "Acme")!.skus.map((k) => k.sku)).toEqual(["CUP 3, large", "MUG-1"]);
  });

  describe("replenishment", () => {
    let escalated = "";
    let emailRequest = "";

    async function openRequest(sku: string, suppliers: string[], usual: number) {
      const ids = await Promise.all(suppliers.map((n) => supplierId(n)));
      await saveSkuRule(database.db, SHOP, {
        inventoryItemGid: items[sku],
        rule: { sku, locationId: location, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 200 }, neededWithinBusinessDays: null, suppliers: ids.map((supplierId) => ({ supplierId, usualUnitCostMinor: usual, usualLeadBusinessDays: 5, qualityRating: 4 })) },
      });
      const requestedAt = new Date(Date.now() - 30 * 60_000);
      const opened = await openReplenishmentRequest(database.db, {
        shop: SHOP, inventoryItemGid: items[sku], locationGid: location, sku, quantity: 200, neededWithinBusinessDays: 5, position: 50, reorderTrigger: 55, waitingTierKeys: [],
        priority: { tierKey: null, jobPriority: 4, escalationThresholdPercent: 30, thresholdSource: "shop", preferEarliestLeadTime: false }, jobPriority: 4, currency: "EUR", requestedAt, deadline: new Date(requestedAt.getTime() + 3_600_000),
      });
      if (!opened.created) throw new Error("request not created");
      await prepareRequestRfqs(database.db, SHOP, opened.requestId);
      return { requestId: opened.requestId, ids };
    }
    const quote = (requestId: string, supplier: string, name: string, price: number, validUntil: Date) =>
      recordSupplierAnswer(database.db, {
        supplierId: supplier,
        now: new Date(),
        answer: {
          kind: "quotation",
          quotation: {
            documentType: "Quotation", id: `Q-${name}`, issueDate: new Date(), requestForQuotationDocumentReference: { id: rfqId(requestId, supplier) }, sellerSupplierParty: { id: supplier, name }, validityPeriod: { endDate: validUntil }, documentCurrencyCode: "EUR",
            quotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "JUG-2", sellersItemId: null }, quantity: 200, price: { priceAmount: { amountMinor: price, currencyId: "EUR" } }, estimatedDeliveryPeriod: { businessDays: 4 } } }],
          },
        },
      });

    beforeAll(async () => {
      // JUG-2: Acme quotes 40 % above the usual cost (escalated), Cargo's quote has expired.
      const jug = await openRequest("JUG-2", ["Acme", "Cargo"], 1000);
      escalated = jug.requestId;
      expect((await quote(escalated, jug.ids[0], "Acme", 1400, new Date(Date.now() + 7 * 86_400_000))).stored).toBe(true);
      expect((await quote(escalated, jug.ids[1], "Cargo", 900, new Date(Date.now() - 60_000))).stored).toBe(true);
      const decided = await decideRequest(database.db, { shop: SHOP, requestId: escalated, now: new Date(Date.now() + 3_600_000), admin: async () => { throw new Error("an escalation writes nothing to Shopify"); } });
      expect(decided.kind).toBe("escalate");
      // CUP: Bolt is an email supplier, its RFQ emailed and waiting.
      const cup = await openRequest("CUP 3, large", ["Bolt", "Cargo"], 300);
      emailRequest = cup.requestId;
      await database.db.supplierRfq.update({ where: { id: rfqId(emailRequest, cup.ids[0]) }, data: { status: "sent", sentAt: new Date() } });
    });

    it("lists the escalation with its reason in words, the quotes side by side, and the open request with its suppliers", async () => {
      const page = await replenishmentPage();
      expect(page.status).toBe(200);
      expect(page.body.counts).toEqual({ open: 1, escalated: 1 });
      const [approval] = page.body.approvals;
      expect(approval).toMatchObject({ id: escalated, sku: "JUG-2", location: sim.store.shop(SHOP).shop.locations[0].name, quantity: 200, priorityTier: null, proposedTotal: "€2,800.00" });
      expect(approval.reason).toBe("The best quote costs €2,800.00, 40 % above the usual €2,000.00; above 30 % a person decides.");
      expect(approval.quotes.map((q) => [q.supplierName, q.unitPrice, q.expired, q.proposed, q.outReason])).toEqual([["Acme", "€14.00", false, true, null], ["Cargo", "€9.00", true, false, "expired"]]);
      const [open] = page.body.open;
      expect(open.rfqs.map((r) => [r.supplierName, r.connector, r.statusLabel, r.canEnterReply]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
        ["Bolt", "email", "Waiting for an answer", true],
        ["Cargo", "https", "Not sent yet", false],
      ]);
      expect((await replenishmentPage(OTHER)).body).toMatchObject({ open: [], approvals: [], decided: [] });
    });

    it("refuses an expired pick and another shop's approval; approving the proposal orders and records incoming stock in Shopify", async () => {
      const cargoQuote = `${rfqId(escalated, await supplierId("Cargo"))}/Q-Cargo`;
      const acmeQuote = `${rfqId(escalated, await supplierId("Acme"))}/Q-Acme`;
      const expired = await replenishmentAction({ intent: "approve", requestId: escalated, quoteId: [cargoQuote] });
      expect(expired.status).toBe(422);
      // The expiry on the shop's clock (Paris, English with the shop's country: "Thu, 3 Dec, 9:47"), not an ISO instant.
      expect(expired.body).toMatchObject({ ok: false, message: expect.stringMatching(/^Cargo's quote: this quote expired at [A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2}, \d{1,2}:\d{2}; ask the supplier for a new one\.$/) });
      expect((await replenishmentAction({ intent: "approve", requestId: escalated, quoteId: [acmeQuote] }, OTHER)).body).toMatchObject({ ok: false, message: "There is no such request." });
      expect((await replenishmentAction({ intent: "cancel", requestId: escalated }, OTHER)).body).toMatchObject({ ok: false });
      expect((await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: escalated } })).status).toBe("escalated");

      const approved = await replenishmentAction({ intent: "approve", requestId: escalated, quoteId: [acmeQuote] });
      expect(approved.body).toEqual({ ok: true, requestId: escalated, message: "Approved: a purchase order was made and the stock is recorded as incoming in Shopify." });
      const variant = [...sim.store.shop(SHOP).variants.values()].find((v) => v.sku === "JUG-2")!;
      expect(variant.inventoryLevels.find((l) => `gid://shopify/Location/${l.locationId}` === location)).toMatchObject({ incoming: 200 });
      const page = (await replenishmentPage()).body;
      expect(page.approvals).toEqual([]);
      expect(page.decided[0]).toMatchObject({ id: escalated, status: "awarded", award: { total: "€2,800.00", leadBusinessDays: 4, note: "Approved by a person, accepting price above the band." } });
      expect(page.decided[0].purchaseOrders).toEqual([expect.objectContaining({ supplierName: "Acme", quantity: 200, unitPrice: "€14.00", total: "€2,800.00", incoming: "Incoming in Shopify" })]);
      // Approved twice (a double click): the same purchase order, nothing ordered twice; too late to cancel.
      expect((await replenishmentAction({ intent: "approve", requestId: escalated, quoteId: [acmeQuote] })).body).toMatchObject({ ok: true });
      expect((await replenishmentAction({ intent: "cancel", requestId: escalated })).body).toMatchObject({ ok: false, message: "This request was already approved and ordered; it can no longer be cancelled." });
      expect(variant.inventoryLevels.find((l) => `gid://shopify/Location/${l.locationId}` === location)).toMatchObject({ incoming: 200 });
      expect(await database.db.purchaseOrder.count({ where: { requestId: escalated } })).toBe(1);
    });

    it("takes an email supplier's reply typed in, checked like an HTTPS answer; only once, and only for the shop's own RFQ", async () => {
      const rfq = rfqId(emailRequest, await supplierId("Bolt"));
      const bad = await replenishmentAction({ intent: "enter-reply", rfqId: rfq, unitPrice: "2,90", quantity: "", leadBusinessDays: "3", validUntil: "2020-01-01" });
      expect(bad.status).toBe(422);
      expect(!bad.body.ok && bad.body.issues?.map((i) => i.field)).toEqual(["unitPrice", "quantity", "validUntil"]);
      expect((await replenishmentAction({ intent: "enter-reply", rfqId: rfq, unitPrice: "2.90", quantity: "200", leadBusinessDays: "3", validUntil: "2099-01-31" }, OTHER)).body).toMatchObject({ ok: false, message: "This request for quotation is not one of yours; reload the page." });
      const cargoRfq = rfqId(emailRequest, await supplierId("Cargo"));
      expect((await replenishmentAction({ intent: "enter-reply", rfqId: cargoRfq, unitPrice: "2.90", quantity: "200", leadBusinessDays: "3", validUntil: "2099-01-31" })).body).toMatchObject({ ok: false, message: expect.stringMatching(/email suppliers only/) });
      expect(await database.db.supplierQuote.count({ where: { requestId: emailRequest } })).toBe(0);

      const entered = await replenishmentAction({ intent: "enter-reply", rfqId: rfq, unitPrice: "2.90", quantity: "200", leadBusinessDays: "3", validUntil: "2099-01-31" });
      expect(entered.body).toMatchObject({ ok: true, message: expect.stringMatching(/^Bolt's quote is recorded/) });
      expect(await database.db.supplierQuote.findMany({ where: { requestId: emailRequest } })).toEqual([
        expect.objectContaining({ supplierId: await supplierId("Bolt"), unitPriceMinor: 290, availableQuantity: 200, leadBusinessDays: 3, currency: "EUR", validUntil: new Date("2099-01-31T22:59:59.999Z") }),
      ]);
      expect((await database.db.supplierRfq.findUniqueOrThrow({ where: { id: rfq } })).status).toBe("answered");
      expect((await replenishmentAction({ intent: "enter-reply", rfqId: rfq, unitPrice: "2.50", quantity: "200", leadBusinessDays: "3", validUntil: "2099-01-31" })).body).toMatchObject({ ok: false, message: "Bolt's answer is already recorded (quoted)." });
      const open = (await replenishmentPage()).body.open[0];
      expect(open.quotes.map((q) => [q.supplierName, q.unitPrice])).toEqual([["Bolt", "€2.90"]]);
    });

    it("cancels an escalation with the merchant's note; a supplier on an open request cannot be removed until it is decided", async () => {
      const bolt = await supplierId("Bolt");
      expect(await database.db.skuSupplier.count({ where: { shop: SHOP, supplierId: bolt } })).toBe(1);
      expect((await supplierAction({ intent: "remove", id: bolt })).body).toMatchObject({ ok: false, message: "Bolt is part of an open request; decide it on the Replenishment page first." });
      await database.db.replenishmentRequest.update({ where: { id: emailRequest }, data: { status: "escalated", openKey: null } });
      await database.db.replenishmentDecision.create({ data: { requestId: emailRequest, shop: SHOP, kind: "escalate", reason: JSON.stringify({ kind: "no_quotes" }), rule: JSON.stringify({ quantity: 200, neededWithinBusinessDays: 5, priority: { escalationThresholdPercent: 30 } }), quotes: "[]", option: "null", decidedAt: new Date() } });
      expect((await replenishmentPage()).body.approvals[0].reason).toBe("No supplier sent a quote before the deadline.");
      expect((await replenishmentAction({ intent: "cancel", requestId: emailRequest, note: "ordering by phone" })).body).toEqual({ ok: true, requestId: emailRequest, message: "Request cancelled; nothing was ordered." });
      expect((await replenishmentPage()).body.decided.find((d) => d.id === emailRequest)).toMatchObject({ status: "cancelled", resolution: "Cancelled: ordering by phone." });
      expect((await supplierAction({ intent: "remove", id: bolt })).body).toMatchObject({ ok: true, message: "Bolt removed, with the SKUs it covered." });
      expect(await database.db.skuSupplier.count({ where: { shop: SHOP, supplierId: bolt } })).toBe(0);
      expect(await database.db.supplier.count({ where: { id: bolt } })).toBe(0);
    });
  });
});
