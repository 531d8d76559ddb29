// Email suppliers end to end, as production runs: stock falls to the trigger, the worker emails
// the RFQ through nodemailer to a local SMTP server this test starts (read back: the request's
// reference in the subject, a header and the text, what is asked), the merchant types the
// supplier's reply on the Replenishment page, and the request is awarded with it. A worker killed
// while the SMTP server holds the message: the replacement sends it again with the same
// Message-ID, so the supplier's mailbox keeps one copy, and nothing is lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../simulator/server.ts";
import { mintSessionToken } from "../simulator/admin/session-token.ts";
import { MERCHANT_BROWSER } from "../simulator/admin/install.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { startSimulatedSuppliers, type RunningSuppliers } from "../simulator/suppliers/supplier-server.ts";
import { eventually, startWorkerProcess, TEST_API_KEY, TEST_API_SECRET } from "../scripts/lib/app-processes.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { rfqMessageId } from "../app/adapters/suppliers/email-supplier-connector.server.ts";
import type { ReplenishmentActionResult } from "../app/use-cases/replenishment-admin.server.ts";
import { startSmtpMailbox, type SmtpMailbox } from "./support/smtp-mailbox.ts";
import { DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "email-rfq.myshopify.com";
const FROM = "Email RFQ Buying <buying@email-rfq.example>";

describe.each(DATABASE_KINDS)("email RFQs end to end on %s", (kind) => {
  let system: TierlineSystem;
  let database: TestDatabase;
  let sim: RunningSimulator;
  let mailbox: SmtpMailbox;
  let suppliers: RunningSuppliers;
  let locationId: string;
  const ids: Record<string, string> = {};
  const items: Record<string, string> = {};
  const replacements: Array<{ kill(signal?: NodeJS.Signals): Promise<void> }> = [];
  const level = (sku: string) => [...sim.store.shop(SHOP).variants.values()].find((v) => v.sku === sku)!.inventoryLevels.find((l) => l.locationId === locationId)!;
  const requestOf = (sku: string) => eventually(async () => database.db.replenishmentRequest.findFirst({ where: { shop: SHOP, sku } }), { what: `request for ${sku}` });

  beforeAll(async () => {
    mailbox = await startSmtpMailbox();
    system = await startTierlineSystem({ kind, label: "email_rfq", env: { SUPPLIER_POLL_MS: "100", WORKER_LOCK_MS: "2000", SMTP_URL: mailbox.url, SMTP_FROM: FROM } });
    ({ database, sim } = system);
    suppliers = await startSimulatedSuppliers({ profiles: [{ name: "acme", behaviour: "fast", secret: "acme-secret-0123456789", baseUnitPriceMinor: 1100, leadBusinessDays: 5 }], seed: 5 });
    seedShop(sim.store, SHOP, { seed: 4, size: "tiny", now: new Date().toISOString() });
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.shop.findUnique({ where: { domain: SHOP } }))?.currencyCode, { what: "shop details read" });
    locationId = sim.store.shop(SHOP).shop.locations[0].id;
    ids.acme = (await saveSupplier(database.db, SHOP, { name: "acme", endpointUrl: suppliers.endpoint("acme"), signingSecret: "acme-secret-0123456789" })).id;
    ids.bolt = (await database.db.supplier.create({ data: { shop: SHOP, name: "Bolt Wholesale", connector: "email", email: "quotes@bolt.example", signingSecret: "unused-for-email-0123456789" } })).id;
    for (const sku of ["MUG-1", "JUG-2"]) {
      items[sku] = sim.store.createProduct(SHOP, { title: `Product ${sku}`, variants: [{ sku, price: "25.00", inventory: 60 }] }).variants[0].inventoryItemId;
      await saveSkuRule(database.db, SHOP, {
        inventoryItemGid: `gid://shopify/InventoryItem/${items[sku]}`,
        rule: {
          sku, locationId: `gid://shopify/Location/${locationId}`, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 200 }, neededWithinBusinessDays: null,
          suppliers: [{ supplierId: ids.acme, usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 }, { supplierId: ids.bolt, usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 }],
        },
        suppliersItemIds: { [ids.bolt]: `BW-${sku}` },
      });
    }
  }, 180_000);

  afterAll(async () => {
    for (const worker of replacements) await worker.kill();
    await suppliers?.close();
    await system?.close();
    await mailbox?.close();
  });

  async function enterReply(rfqId: string, reply: Record<string, string>): Promise<ReplenishmentActionResult> {
    const token = mintSessionToken({ shop: SHOP, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    const res = await fetch(`${system.appUrl}/app/replenishment?_data=routes/app.replenishment`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "User-Agent": MERCHANT_BROWSER },
      body: new URLSearchParams({ intent: "enter-reply", rfqId, ...reply }),
    });
    return (await res.json()) as ReplenishmentActionResult;
  }

  it("emails the RFQ with the request's reference; the reply typed on the Replenishment page wins the award", async () => {
    sim.store.adjustInventory(SHOP, items["MUG-1"], locationId, -10);
    const request = await requestOf("MUG-1");
    const rfq = await eventually(async () => database.db.supplierRfq.findFirst({ where: { requestId: request.id, supplierId: ids.bolt, status: "sent" } }), { timeoutMs: 30_000, what: "email RFQ sent" });
    const [mail] = mailbox.messages().filter((m) => m.headers.get("x-tierline-reference") === rfq.id);
    expect(mail).toBeDefined();
    expect(mail.to).toEqual(["quotes@bolt.example"]);
    expect(mail.from).toBe("buying@email-rfq.example");
    expect(mail.messageId).toBe(rfqMessageId(rfq.sendKey, FROM));
    expect(mail.subject).toBe(`Request for quotation ${rfq.id}: 200 units of MUG-1`);
    for (const line of [`Hello Bolt Wholesale,`, `Reference:      ${rfq.id}`, "Item:           MUG-1 (your item BW-MUG-1)", "Quantity:       200 units", "Needed within:  5 business days", `Please answer by ${request.deadline.toISOString().replace(/\.\d{3}Z$/, "Z")} (UTC).`]) {
      expect(mail.text).toContain(line);
    }
    // Acme answers by itself (HTTPS); Bolt's reply comes by email and the merchant types it in.
    await eventually(async () => (await database.db.supplierQuote.count({ where: { requestId: request.id } })) === 1, { what: "acme's quote" });
    expect((await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("open");
    const refused = await enterReply(rfq.id, { unitPrice: "9.5O", quantity: "200", leadBusinessDays: "4", validUntil: "2099-12-31" });
    expect(refused).toMatchObject({ ok: false, issues: [{ field: "unitPrice" }] });
    expect(await enterReply(rfq.id, { unitPrice: "9.50", quantity: "200", leadBusinessDays: "4", validUntil: "2099-12-31" })).toMatchObject({ ok: true });
    const decided = await eventually(async () => {
      const row = await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } });
      return row.status === "awarded" ? row : null;
    }, { timeoutMs: 30_000, what: "request awarded" });
    expect(decided.status).toBe("awarded");
    expect(await database.db.purchaseOrder.findMany({ where: { requestId: request.id } })).toEqual([expect.objectContaining({ supplierId: ids.bolt, unitPriceMinor: 950, quantity: 200 })]);
    await eventually(async () => level("MUG-1").incoming === 200, { what: "incoming recorded" });
    expect(mailbox.deliveries.filter((m) => m.headers.get("x-tierline-reference") === rfq.id)).toHaveLength(1);
  });

  it("a worker killed while the SMTP server holds the RFQ: sent again with the same Message-ID, one copy in the mailbox, nothing lost", async () => {
    mailbox.holdFirst = true;
    sim.store.adjustInventory(SHOP, items["JUG-2"], locationId, -10);
    const request = await requestOf("JUG-2");
    const rfq = await eventually(async () => database.db.supplierRfq.findFirst({ where: { requestId: request.id, supplierId: ids.bolt, status: "sending" } }), { timeoutMs: 30_000, what: "email RFQ in flight" });
    const messageId = rfqMessageId(rfq.sendKey, FROM);
    await eventually(async () => mailbox.attempts(messageId) === 1, { what: "the SMTP server holding the message" });
    const [worker] = system.workers;
    await worker.kill("SIGKILL");
    replacements.push(await startWorkerProcess(system.env));
    const sent = await eventually(async () => database.db.supplierRfq.findFirst({ where: { id: rfq.id, status: "sent" } }), { timeoutMs: 60_000, what: "RFQ sent by the replacement worker" });
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    expect(mailbox.attempts(messageId)).toBeGreaterThanOrEqual(2);
    const copies = mailbox.messages().filter((m) => m.headers.get("x-tierline-reference") === rfq.id);
    expect(copies.map((m) => m.messageId)).toEqual([messageId]);
    // And the request goes on: the typed reply decides it.
    expect(await enterReply(rfq.id, { unitPrice: "9.80", quantity: "200", leadBusinessDays: "4", validUntil: "2099-12-31" })).toMatchObject({ ok: true });
    await eventually(async () => (await database.db.replenishmentRequest.findUniqueOrThrow({ where: { id: request.id } })).status === "awarded", { timeoutMs: 30_000, what: "request awarded" });
  });
});
