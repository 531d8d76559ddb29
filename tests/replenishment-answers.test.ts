// Supplier answers on both databases, as the callback stores them: a repeated quotation is kept
// once, a decline closes the supplier's RFQ, an answer to another supplier's RFQ is refused, an
// answer after the request was decided changes nothing, and a forged signature is refused before
// anything is read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReplenishmentRequest, saveSkuRule, saveSupplier } from "../app/adapters/db/replenishment-repository.server.ts";
import { signSupplierBody } from "../app/adapters/suppliers/https-supplier-connector.server.ts";
import { requestForQuotation, rfqId } from "../app/domain/procurement-documents.ts";
import { prepareRequestRfqs, recordPendingIncoming } from "../app/use-cases/replenishment-requests.server.ts";
import { receiveSupplierAnswer } from "../app/use-cases/receive-supplier-answer.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "answers.myshopify.com";
const ITEM = "gid://shopify/InventoryItem/5";
const LOCATION = "gid://shopify/Location/1";
const SECRETS: Record<string, string> = { acme: "acme-secret-0123456789", bolt: "bolt-secret-0123456789" };

describe.each(DATABASE_KINDS)("supplier answers on %s", (kind) => {
  let database: TestDatabase;
  const ids: Record<string, string> = {};
  let requestId = "";

  beforeAll(async () => {
    database = await createTestDatabase(kind, "answers");
    for (const name of ["acme", "bolt"]) ids[name] = (await saveSupplier(database.db, SHOP, { name, endpointUrl: `https://${name}.example/rfq`, signingSecret: SECRETS[name] })).id;
    await saveSkuRule(database.db, SHOP, {
      inventoryItemGid: ITEM,
      rule: { sku: "MUG-1", locationId: LOCATION, safetyStock: 50, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 200 }, neededWithinBusinessDays: null, suppliers: ["acme", "bolt"].map((n) => ({ supplierId: ids[n], usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 })) },
    });
    const opened = await openReplenishmentRequest(database.db, {
      shop: SHOP, inventoryItemGid: ITEM, locationGid: LOCATION, sku: "MUG-1", quantity: 200, neededWithinBusinessDays: 5, position: 50, reorderTrigger: 55, waitingTierKeys: [], priority: {}, jobPriority: 4, currency: "USD",
      requestedAt: new Date("2026-12-02T10:00:00Z"), deadline: new Date("2026-12-02T11:00:00Z"),
    });
    if (!opened.created) throw new Error("not created");
    requestId = opened.requestId;
    expect(await prepareRequestRfqs(database.db, SHOP, requestId)).toEqual([rfqId(requestId, ids.acme), rfqId(requestId, ids.bolt)].sort());
    // Prepared twice (a retried webhook): still one RFQ per supplier, with its first send key.
    const keys = (await database.db.supplierRfq.findMany({ orderBy: { id: "asc" } })).map((r) => r.sendKey);
    await prepareRequestRfqs(database.db, SHOP, requestId);
    expect((await database.db.supplierRfq.findMany({ orderBy: { id: "asc" } })).map((r) => r.sendKey)).toEqual(keys);
  });
  afterAll(async () => database?.drop());

  const quotation = (supplier: string, price = 1000) => {
    const rfq = requestForQuotation({ requestId, issuedAt: new Date(), deadline: new Date(), buyer: { id: SHOP, name: SHOP }, supplier: { id: ids[supplier], name: supplier }, sku: "MUG-1", suppliersItemId: null, locationId: LOCATION, quantity: 200, neededWithinBusinessDays: 5, currency: "USD" });
    return {
      documentType: "Quotation", id: `Q-${supplier}`, issueDate: "2026-12-02T10:01:00Z", requestForQuotationDocumentReference: { id: rfq.id }, sellerSupplierParty: { id: ids[supplier], name: supplier },
      validityPeriod: { endDate: "2026-12-09T10:00:00Z" }, documentCurrencyCode: "USD",
      quotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "MUG-1", sellersItemId: null }, quantity: 200, price: { priceAmount: { amountMinor: price, currencyId: "USD" } }, estimatedDeliveryPeriod: { businessDays: 4 } } }],
    };
  };
  const send = (supplier: string, document: unknown, secret = SECRETS[supplier], as = ids[supplier]) => {
    const body = JSON.stringify(document);
    return receiveSupplierAnswer(database.db, { supplierId: as, body, signature: signSupplierBody(body, secret), now: new Date("2026-12-02T10:02:00Z") });
  };

  it("refuses a forged signature and an unknown supplier alike, storing nothing", async () => {
    expect((await send("acme", quotation("acme"), "forged-secret-0123456789")).status).toBe(401);
    expect((await send("acme", quotation("acme"), SECRETS.acme, "no-such-supplier")).status).toBe(401);
    expect(await database.db.supplierQuote.count()).toBe(0);
  });

  it("keeps a repeated quotation once, and refuses an answer to another supplier's RFQ", async () => {
    expect(await send("acme", quotation("acme"))).toMatchObject({ status: 200, body: { status: "stored" } });
    expect(await send("acme", quotation("acme"))).toMatchObject({ status: 200, body: { status: "unchanged" } });
    expect(await database.db.supplierQuote.count({ where: { requestId } })).toBe(1);
    expect((await database.db.supplierRfq.findUniqueOrThrow({ where: { id: rfqId(requestId, ids.acme) } })).status).toBe("answered");
    // bolt, signing correctly, answers acme's RFQ.
    const stolen = { ...quotation("acme"), sellerSupplierParty: { id: ids.bolt, name: "bolt" } };
    expect((await send("bolt", stolen)).status).toBe(404);
    expect(await database.db.supplierQuote.count({ where: { requestId } })).toBe(1);
  });

  it("records a decline, and changes nothing once the request is decided", async () => {
    const decline = { documentType: "QuotationDecline", requestForQuotationDocumentReference: { id: rfqId(requestId, ids.bolt) }, reason: "out of stock" };
    expect(await send("bolt", decline)).toMatchObject({ status: 200, body: { status: "stored", note: "declined" } });
    expect(await database.db.supplierRfq.findUniqueOrThrow({ where: { id: rfqId(requestId, ids.bolt) } })).toMatchObject({ status: "declined", lastError: "out of stock" });
    await database.db.replenishmentRequest.update({ where: { id: requestId }, data: { status: "awarded", openKey: null } });
    expect(await send("bolt", quotation("bolt", 900))).toMatchObject({ status: 200, body: { status: "unchanged" } });
    expect(await database.db.supplierQuote.count({ where: { requestId } })).toBe(1);
  });

  it("never writes incoming twice: a write a dead worker left half-done is marked unconfirmed, a refused one goes back to pending", async () => {
    const po = (id: string, incomingStatus: string) => ({ id, shop: SHOP, requestId, supplierId: ids.acme, quoteId: "Q", inventoryItemGid: ITEM, locationGid: LOCATION, quantity: 200, unitPriceMinor: 1000, currency: "USD", leadBusinessDays: 4, document: "{}", incomingStatus });
    await database.db.purchaseOrder.create({ data: po("PO-died", "recording") });
    let calls = 0;
    const refusing = async () => ({ shop: SHOP, run: async () => { calls++; throw new Error("Shopify refused"); } });
    expect(await recordPendingIncoming(database.db, SHOP, requestId, refusing)).toEqual(["PO-died"]);
    expect(calls).toBe(0);
    expect((await database.db.purchaseOrder.findUniqueOrThrow({ where: { id: "PO-died" } })).incomingStatus).toBe("unconfirmed");
    await database.db.purchaseOrder.create({ data: po("PO-next", "pending") });
    await expect(recordPendingIncoming(database.db, SHOP, requestId, refusing)).rejects.toThrow("Shopify refused");
    expect(calls).toBe(1);
    expect((await database.db.purchaseOrder.findUniqueOrThrow({ where: { id: "PO-next" } })).incomingStatus).toBe("pending");
  });
});
