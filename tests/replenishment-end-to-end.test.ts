// Supplier priority requests end to end, as production runs: the store simulator delivers
// inventory_levels/update over HTTP with a real HMAC to the web process, the worker reads the
// level's quantities through the Admin API, opens one request, and a BullMQ flow asks simulated
// suppliers (a separate HTTP server) for quotes; their signed answers come back to the app's
// callback route; the decision awards (purchase order, incoming stock recorded in the simulated
// Shopify) or escalates. Also: a supplier that never answers, a malformed answer, a forged
// callback, and a worker killed while a send is in flight (the supplier keeps one copy).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { startSimulatedSuppliers, type RunningSuppliers, type SimSupplierProfile } from "../simulator/suppliers/supplier-server.ts";
import { eventually, startWorkerProcess } from "../scripts/lib/app-processes.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { signSupplierBody } from "../app/adapters/suppliers/https-supplier-connector.server.ts";
import { createFetchAdminGraphqlClient } from "../app/adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../app/adapters/shopify/admin-operation-runner.ts";
import { resolveEscalation } from "../app/use-cases/resolve-escalation.server.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "repl-e2e.myshopify.com";

const PROFILES: SimSupplierProfile[] = [
  { name: "acme", behaviour: "fast", secret: "acme-secret-0123456789", baseUnitPriceMinor: 1000, leadBusinessDays: 5 },
  { name: "bolt", behaviour: "slow", delayMs: 300, secret: "bolt-secret-0123456789", baseUnitPriceMinor: 1100, leadBusinessDays: 3 },
  { name: "cargo", behaviour: "partial", secret: "cargo-secret-0123456789", baseUnitPriceMinor: 900, leadBusinessDays: 8 },
  { name: "dear", behaviour: "expensive", secret: "dear-secret-0123456789", baseUnitPriceMinor: 1000, leadBusinessDays: 4 },
  { name: "mute", behaviour: "silent", secret: "mute-secret-0123456789", baseUnitPriceMinor: 1000, leadBusinessDays: 4 },
  { name: "garbled", behaviour: "malformed", secret: "garbled-secret-0123456789", baseUnitPriceMinor: 1000, leadBusinessDays: 4 },
  { name: "stall", behaviour: "hang", secret: "stall-secret-0123456789", baseUnitPriceMinor: 1000, leadBusinessDays: 4 },
  { name: "quick", behaviour: "fast", secret: "quick-secret-0123456789", baseUnitPriceMinor: 1040, leadBusinessDays: 4 },
];
const USUAL: Record<string, { cost: number; lead: number; rating: number }> = {
  acme: { cost: 1000, lead: 5, rating: 4 },
  bolt: { cost: 1100, lead: 3, rating: 5 },
  cargo: { cost: 900, lead: 8, rating: 3 },
  dear: { cost: 1000, lead: 4, rating: 4 },
  mute: { cost: 1000, lead: 4, rating: 4 },
  garbled: { cost: 1000, lead: 4, rating: 4 },
  stall: { cost: 1000, lead: 4, rating: 4 },
  quick: { cost: 1000, lead: 4, rating: 4 },
};

describe.each(DATABASE_KINDS)("supplier priority requests end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let suppliers: RunningSuppliers;
  let locationId: string;
  const supplierIds: Record<string, string> = {};
  const items: Record<string, string> = {};
  const replacements: Array<{ kill(signal?: NodeJS.Signals): Promise<void> }> = [];

  const itemGid = (sku: string) => `gid://shopify/InventoryItem/${items[sku]}`;
  const locationGid = () => `gid://shopify/Location/${locationId}`;
  const requestsOf = (sku: string) => database.db.replenishmentRequest.findMany({ where: { shop: SHOP, sku } });
  const level = (sku: string) => [...sim.store.shop(SHOP).variants.values()].find((v) => v.sku === sku)!.inventoryLevels.find((l) => l.locationId === locationId)!;

  async function product(sku: string, names: string[]) {
    const created = sim.store.createProduct(SHOP, { title: `Product ${sku}`, variants: [{ sku, price: "25.00", inventory: 60 }] });
    items[sku] = created.variants[0].inventoryItemId;
    await saveSkuRule(database.db, SHOP, {
      inventoryItemGid: itemGid(sku),
      rule: {
        sku, locationId: locationGid(), safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 200 }, neededWithinBusinessDays: null,
        suppliers: names.map((name) => ({ supplierId: supplierIds[name], usualUnitCostMinor: USUAL[name].cost, usualLeadBusinessDays: USUAL[name].lead, qualityRating: USUAL[name].rating })),
      },
    });
  }

  beforeAll(async () => {
    // Sent RFQs look for their answer every 100 ms; a killed worker's job is taken over within ~2 s.
    system = await startTierlineSystem({ kind, label: "repl", env: { SUPPLIER_POLL_MS: "100", WORKER_LOCK_MS: "2000" } });
    ({ database, sim } = system);
    suppliers = await startSimulatedSuppliers({ profiles: PROFILES, seed: 11 });
    seedShop(sim.store, SHOP, { seed: 3, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.shop.findUnique({ where: { domain: SHOP } }))?.currencyCode, { what: "shop details read" });
    locationId = sim.store.shop(SHOP).shop.locations[0].id;
    for (const profile of PROFILES) {
      const row = await saveSupplier(database.db, SHOP, { name: profile.name, endpointUrl: suppliers.endpoint(profile.name), signingSecret: profile.secret });
      supplierIds[profile.name] = row.id;
    }
    await product("MUG-1", ["acme", "bolt", "cargo"]);
    await product("JUG-2", ["dear", "mute", "garbled"]);
    await product("CUP-3", ["stall", "quick"]);
  }, 180_000);

  afterAll(async () => {
    for (const worker of replacements) await worker.kill();
    await suppliers?.close();
    await system?.close();
  });

  it("stock falling to the trigger asks three suppliers once, Gold first, and the earliest quote within Gold's band is awarded with incoming stock in Shopify", async () => {
    // A Gold order's promise waits on MUG-1's stock: the request is a priority request.
    await database.db.orderPromise.create({
      data: {
        shop: SHOP, orderGid: "gid://shopify/Order/990001", tierKey: "gold", laneKey: "standard", orderedAt: new Date(), intakeDay: "2026-12-02", shipByEarliest: new Date(), shipBy: new Date(), shipByDay: "2026-12-09",
        adjustments: JSON.stringify([{ kind: "awaiting_stock", sku: "MUG-1", leadBusinessDays: 8, defaultLeadTime: false, stockDay: "2026-12-14" }]),
      },
    });
    sim.store.adjustInventory(SHOP, items["MUG-1"], locationId, -10); // 60 → 50: at or below the trigger 55
    const [request] = await eventually(async () => {
      const rows = await requestsOf("MUG-1");
      return rows.length ? rows : null;
    }, { what: "request opened" });
    expect(request).toMatchObject({ quantity: 200, position: 50, reorderTrigger: 55, neededWithinBusinessDays: 8, status: "open", jobPriority: 1 });
    // A second crossing while the request is open adds nothing.
    sim.store.adjustInventory(SHOP, items["MUG-1"], locationId, -1);
    const decided = await eventually(async () => {
      const row = await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } });
      return row.status !== "open" ? row : null;
    }, { timeoutMs: 60_000, what: "request decided" });
    expect(decided.status).toBe("awarded");
    for (const name of ["acme", "bolt", "cargo"]) expect(suppliers.received(name)).toHaveLength(1);

    const decision = await database.db.replenishmentDecision.findUniqueOrThrow({ where: { requestId: request.id } });
    expect(decision.kind).toBe("award");
    const quotes = JSON.parse(decision.quotes) as { quote: { supplierId: string }; standing: string; score: number | null }[];
    expect(quotes.map((q) => q.standing).sort()).toEqual(["covers", "covers", "partial"]);
    expect(JSON.parse(decision.rule)).toMatchObject({ quantity: 200, neededWithinBusinessDays: 8, priority: { tierKey: "gold", jobPriority: 1, escalationThresholdPercent: 50, preferEarliestLeadTime: true } });

    const [po] = await eventually(async () => {
      const rows = await database.db.purchaseOrder.findMany({ where: { requestId: request.id, incomingStatus: "recorded" } });
      return rows.length ? rows : null;
    }, { what: "incoming recorded" });
    const option = JSON.parse(decision.option!) as { parts: { supplierId: string; quantity: number }[] };
    expect(option.parts).toEqual([expect.objectContaining({ supplierId: po.supplierId, quantity: 200 })]);
    // Gold prefers the earliest delivery within its band: bolt (3 days, about 10 % dearer) over acme (5 days).
    expect(po.supplierId).toBe(supplierIds.bolt);
    expect(po.leadBusinessDays).toBe(3);
    // Shopify now holds the awarded units as incoming, referenced to the purchase order.
    expect(level("MUG-1").incoming).toBe(200);
    const group = sim.store.shop(SHOP).inventoryAdjustmentGroups.at(-1)!;
    expect(group.referenceDocumentUri).toBe(`gid://tierline/PurchaseOrder/${encodeURIComponent(po.id)}`);
    expect(group.changes).toEqual([expect.objectContaining({ name: "incoming", delta: 200, ledgerDocumentUri: expect.stringMatching(/^gid:\/\/tierline\//) })]);

    // With the award counted as incoming, the next fall opens nothing new.
    sim.store.adjustInventory(SHOP, items["MUG-1"], locationId, -5);
    await eventually(async () => (await database.db.stockPosition.findFirst({ where: { shop: SHOP, inventoryItemGid: itemGid("MUG-1"), available: 44 } })) !== null, { what: "stock read" });
    expect(await requestsOf("MUG-1")).toHaveLength(1);
  });

  it("a supplier that never answers is recorded at the deadline, a malformed answer counts for nothing, and a cost rise above 30 % escalates", async () => {
    sim.store.adjustInventory(SHOP, items["JUG-2"], locationId, -20);
    const [request] = await eventually(async () => {
      const rows = await requestsOf("JUG-2");
      return rows.length ? rows : null;
    }, { what: "request opened" });
    // The expensive supplier answers; the malformed answer is refused; the request waits for the silent one.
    await eventually(async () => (await database.db.supplierQuote.count({ where: { requestId: request.id } })) === 1, { what: "expensive quote stored" });
    const garbled = await eventually(async () => {
      const rfq = await database.db.supplierRfq.findFirst({ where: { requestId: request.id, supplierId: supplierIds.garbled } });
      return rfq?.lastError ? rfq : null;
    }, { what: "malformed answer recorded" });
    expect(garbled.lastError).toMatch(/^malformed answer/);
    expect((await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("open");
    // The quote deadline passes (the request is moved an hour back rather than the test waiting an hour).
    const hour = 60 * 60_000;
    await database.db.replenishmentRequest.update({ where: { id: request.id }, data: { requestedAt: new Date(request.requestedAt.getTime() - hour), deadline: new Date(request.deadline.getTime() - hour) } });
    const decided = await eventually(async () => {
      const row = await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } });
      return row.status !== "open" ? row : null;
    }, { timeoutMs: 60_000, what: "request decided" });
    expect(decided.status).toBe("escalated");
    const decision = await database.db.replenishmentDecision.findUniqueOrThrow({ where: { requestId: request.id } });
    expect(JSON.parse(decision.reason!)).toMatchObject({ kind: "cost_above_threshold", thresholdPercent: 30 });
    expect(JSON.parse(decision.silentSupplierIds).sort()).toEqual([supplierIds.garbled, supplierIds.mute].sort());
    const rfqs = await database.db.supplierRfq.findMany({ where: { requestId: request.id } });
    expect(Object.fromEntries(rfqs.map((r) => [r.supplierId, r.status]))).toEqual({ [supplierIds.dear]: "answered", [supplierIds.mute]: "no_answer", [supplierIds.garbled]: "no_answer" });
    expect(await database.db.purchaseOrder.count({ where: { requestId: request.id } })).toBe(0);
    expect(level("JUG-2").incoming ?? 0).toBe(0);
    // An escalation waits for a person: a further fall opens nothing.
    sim.store.adjustInventory(SHOP, items["JUG-2"], locationId, -1);
    await eventually(async () => (await database.db.stockPosition.findFirst({ where: { shop: SHOP, inventoryItemGid: itemGid("JUG-2"), available: 39 } })) !== null, { what: "stock read" });
    expect(await requestsOf("JUG-2")).toHaveLength(1);
  });

  it("refuses a forged or unsigned supplier callback and stores nothing", async () => {
    const [request] = await requestsOf("JUG-2");
    const rfq = await database.db.supplierRfq.findFirstOrThrow({ where: { requestId: request.id, supplierId: supplierIds.mute } });
    const body = JSON.stringify({ documentType: "QuotationDecline", requestForQuotationDocumentReference: { id: rfq.id }, reason: "forged" });
    const post = (signature: string | null, supplier = supplierIds.mute) =>
      fetch(new URL(`/suppliers/${supplier}/answers`, system.env.SHOPIFY_APP_URL), { method: "POST", headers: { "Content-Type": "application/json", ...(signature ? { "X-Tierline-Signature": signature } : {}) }, body });
    expect((await post(signSupplierBody(body, "not-the-secret-0123456789"))).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    // Signed by another supplier with its own secret, for an RFQ it was not sent.
    expect((await post(signSupplierBody(body, "dear-secret-0123456789"), supplierIds.dear)).status).toBe(404);
    expect((await database.db.supplierRfq.findUniqueOrThrow({ where: { id: rfq.id } })).status).toBe("no_answer");
  });

  it("a person approves the escalated quote above the band: purchase order, incoming in Shopify, the override recorded; a second answer is refused", async () => {
    const [request] = await requestsOf("JUG-2");
    const admin = async (shop: string) => createAdminRunner(createFetchAdminGraphqlClient({ shop, accessToken: sim.store.shop(shop).shop.installation!.accessToken, origin: sim.origin }));
    const resolve = (answer: Parameters<typeof resolveEscalation>[1]["answer"]) => resolveEscalation(database.db, { shop: SHOP, requestId: request.id, answer, now: new Date(), admin });
    expect(await resolve({ kind: "approve", quoteIds: ["no-such-quote"] })).toEqual({ ok: false, issues: [{ quoteId: "no-such-quote", message: "there is no such quote on this request" }] });
    // Another shop cannot answer it.
    expect(await resolveEscalation(database.db, { shop: "other.myshopify.com", requestId: request.id, answer: { kind: "cancel" }, now: new Date(), admin })).toMatchObject({ ok: false });
    const quote = await database.db.supplierQuote.findFirstOrThrow({ where: { requestId: request.id } });
    const approved = await resolve({ kind: "approve", quoteIds: [quote.id] });
    expect(approved).toMatchObject({ ok: true, status: "awarded", purchaseOrderIds: [expect.stringContaining(request.id)] });
    const decision = await database.db.replenishmentDecision.findUniqueOrThrow({ where: { requestId: request.id } });
    expect(JSON.parse(decision.resolution!)).toMatchObject({ kind: "approved", quoteIds: [quote.id], aboveBand: true, late: false, shortBy: 0 });
    expect(level("JUG-2").incoming).toBe(200);
    expect(await resolve({ kind: "cancel" })).toMatchObject({ ok: true, status: "awarded" });
    expect(level("JUG-2").incoming).toBe(200);
    expect((await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } })).openKey).toBeNull();
  });

  it("a worker killed while an RFQ is in flight: the supplier keeps one copy, nothing is lost, the request is awarded", async () => {
    sim.store.adjustInventory(SHOP, items["CUP-3"], locationId, -10);
    // The stalling supplier has the RFQ and holds the HTTP request open: the send is in flight.
    await eventually(async () => suppliers.received("stall").length === 1, { timeoutMs: 30_000, what: "RFQ in flight" });
    const [worker] = system.workers;
    await worker.kill("SIGKILL");
    replacements.push(await startWorkerProcess(system.env));
    {
      const [request] = await requestsOf("CUP-3");
      const decided = await eventually(async () => {
        const row = await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } });
        return row.status !== "open" ? row : null;
      }, { timeoutMs: 60_000, what: "request decided after the worker died" });
      expect(decided.status).toBe("awarded");
      // Sent again with the same key, kept once, answered once.
      expect(suppliers.deliveries("stall")).toBeGreaterThanOrEqual(2);
      expect(suppliers.received("stall")).toHaveLength(1);
      expect(suppliers.received("quick")).toHaveLength(1);
      expect(await database.db.supplierQuote.count({ where: { requestId: request.id } })).toBe(2);
      await eventually(async () => level("CUP-3").incoming === 200, { what: "incoming recorded once" });
      expect(await database.db.purchaseOrder.count({ where: { requestId: request.id } })).toBe(1);
    }
  });
});
