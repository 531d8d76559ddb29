/**
 * The replenishment pipeline's use-cases, between Shopify, the database, the queues and the suppliers.
 *
 * Exported API
 * - type ReplenishmentPorts                 what the pipeline needs from the outside (Admin API, the flow, waiting tiers)
 * - applyInventoryLevelWebhook(ctx, ports)  inventory_levels/update → read quantities → store → checkReorder → one open request
 * - prepareRequestRfqs(db, shop, requestId): RFQ ids         one RFQ row per preset supplier (idempotent)
 * - recordSupplierAnswer(db, { supplierId, answer, now })   a quotation or decline from the callback
 * - decideRequest(db, { shop, requestId, now, admin })      decideReplenishment → decision row, purchase orders, incoming in Shopify
 *
 * Every step can run twice (a webhook delivered twice, a job retried after its worker died): the
 * open request is a unique key, RFQs are one per (request, supplier), quotes are keyed by their
 * document id, the decision by its request, purchase orders by their document id.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readInventoryLevel } from "../adapters/shopify/admin-operations/inventory-level-quantities.ts";
import { recordIncomingStock } from "../adapters/shopify/admin-operations/inventory-adjust-incoming.ts";
import type { SupplierAnswer } from "../adapters/suppliers/https-supplier-connector.server.ts";
import {
  awardedUnitsNotYetIncoming,
  closeRequest,
  isUniqueViolation,
  loadReplenishmentSettings,
  loadSkuRule,
  markSupplied,
  openKeyOf,
  openReplenishmentRequest,
  recordAwardedLeadTime,
  recordStockPosition,
} from "../adapters/db/replenishment-repository.server.ts";
import { checkReorder } from "../domain/reorder-trigger.ts";
import { decideReplenishment, quoteDeadline, requestPriority, type ReplenishmentDecision } from "../domain/replenishment-decision.ts";
import { purchaseOrdersFromDecision, quoteFromQuotation, requestForQuotation, rfqId, type PurchaseOrderDocument } from "../domain/procurement-documents.ts";
import type { SupplierQuote } from "../domain/quote-scoring.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

export interface ReplenishmentPorts {
  admin(shop: string): Promise<AdminRunner>;
  /** Starts (once) the request's fan-out to its suppliers. */
  startRequest(shop: string, requestId: string): Promise<void>;
  /** Tiers of open orders waiting on the SKU; [] when none wait. */
  waitingTierKeys(shop: string, sku: { sku: string; inventoryItemGid: string; locationGid: string }): Promise<string[]>;
}

function numericId(value: unknown, what: string): string {
  const text = typeof value === "number" || typeof value === "bigint" ? String(value) : typeof value === "string" ? value : "";
  if (!/^\d+$/.test(text)) throw new Error(`inventory_levels/update: ${what} must be a numeric id, got ${JSON.stringify(value)}`);
  return text;
}

/** The inventory item and location an inventory_levels/update payload names. */
export function inventoryLevelGids(payload: unknown): { inventoryItemGid: string; locationGid: string } {
  const body = payload as { inventory_item_id?: unknown; location_id?: unknown } | null;
  return {
    inventoryItemGid: `gid://shopify/InventoryItem/${numericId(body?.inventory_item_id, "inventory_item_id")}`,
    locationGid: `gid://shopify/Location/${numericId(body?.location_id, "location_id")}`,
  };
}

export async function applyInventoryLevelWebhook(ctx: WebhookContext, ports: ReplenishmentPorts): Promise<WebhookOutcome> {
  const { inventoryItemGid, locationGid } = inventoryLevelGids(ctx.payload);
  const rule = await loadSkuRule(ctx.db, ctx.shop, inventoryItemGid, locationGid);
  if (!rule) return { status: "skipped", note: "no replenishment rule for this SKU and location" };

  // The payload's `available` is only the trigger: the position needs incoming too, and a late
  // or repeated delivery reads today's figures, so the result does not depend on delivery order.
  const read = await readInventoryLevel(await ports.admin(ctx.shop), inventoryItemGid, locationGid);
  if (!read) return { status: "skipped", note: "the SKU is not stocked at this location" };
  await recordStockPosition(ctx.db, ctx.shop, { inventoryItemGid, locationGid, levels: read.levels, levelUpdatedAt: read.updatedAt, readAt: ctx.now });

  const open = await ctx.db.replenishmentRequest.findUnique({ where: { openKey: openKeyOf(ctx.shop, inventoryItemGid, locationGid) }, select: { id: true, status: true } });
  // Awarded units whose incoming is still being written to Shopify count as incoming already.
  const notYetIncoming = open === null ? await awardedUnitsNotYetIncoming(ctx.db, ctx.shop, inventoryItemGid, locationGid) : 0;
  const check = checkReorder({ rule, stock: { ...read.levels, incoming: read.levels.incoming + notYetIncoming }, trailingSales: null, requestOpen: open !== null });
  // Available alone back above the trigger: the awarded stock has arrived, the SKU is no longer short here.
  if (read.levels.available > check.trigger) await markSupplied(ctx.db, ctx.shop, inventoryItemGid, locationGid, ctx.now);
  if (check.action === "none") {
    // A request opened by an attempt that died before starting it is started now.
    if (open?.status === "open") await startOpenRequest(ctx.db, ctx.shop, open.id, ports);
    return { status: "processed", note: `no request: ${check.reason} (position ${check.position}, trigger ${check.trigger})` };
  }
  const settings = await loadReplenishmentSettings(ctx.db, ctx.shop);
  const waiting = await ports.waitingTierKeys(ctx.shop, { sku: rule.sku, inventoryItemGid, locationGid });
  const priority = requestPriority(settings, waiting);
  const opened = await openReplenishmentRequest(ctx.db, {
    shop: ctx.shop,
    inventoryItemGid,
    locationGid,
    sku: rule.sku,
    quantity: check.quantity,
    neededWithinBusinessDays: check.neededWithinBusinessDays,
    position: check.position,
    reorderTrigger: check.trigger,
    waitingTierKeys: waiting,
    priority,
    jobPriority: priority.jobPriority,
    currency: settings.currency,
    requestedAt: ctx.now,
    deadline: quoteDeadline(settings, ctx.now),
  });
  const requestId = opened.created ? opened.requestId : opened.openRequestId;
  if (requestId) await startOpenRequest(ctx.db, ctx.shop, requestId, ports);
  return { status: "processed", note: opened.created ? `request ${requestId} for ${check.quantity} (position ${check.position}, trigger ${check.trigger})` : "a request is already open" };
}

async function startOpenRequest(db: Db, shop: string, requestId: string, ports: ReplenishmentPorts): Promise<void> {
  await prepareRequestRfqs(db, shop, requestId);
  await ports.startRequest(shop, requestId);
}

/** One RFQ row per preset supplier of the request's SKU, each with its own send key. */
export async function prepareRequestRfqs(db: Db, shop: string, requestId: string): Promise<string[]> {
  const request = await db.replenishmentRequest.findFirstOrThrow({ where: { id: requestId, shop } });
  const rule = await loadSkuRule(db, shop, request.inventoryItemGid, request.locationGid);
  if (!rule) throw new Error(`request ${requestId}: the SKU's replenishment rule is gone`);
  const suppliers = await db.supplier.findMany({ where: { shop, id: { in: rule.suppliers.map((s) => s.supplierId) } } });
  const items = await db.skuSupplier.findMany({ where: { shop, inventoryItemGid: request.inventoryItemGid } });
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { name: true } });
  const ids: string[] = [];
  for (const supplier of suppliers) {
    const id = rfqId(requestId, supplier.id);
    ids.push(id);
    const document = requestForQuotation({
      requestId,
      issuedAt: request.requestedAt,
      deadline: request.deadline,
      buyer: { id: shop, name: shopRow?.name ?? shop },
      supplier: { id: supplier.id, name: supplier.name },
      sku: request.sku,
      suppliersItemId: items.find((i) => i.supplierId === supplier.id)?.suppliersItemId ?? null,
      locationId: request.locationGid,
      quantity: request.quantity,
      neededWithinBusinessDays: request.neededWithinBusinessDays,
      currency: request.currency,
    });
    try {
      await db.supplierRfq.create({ data: { id, shop, requestId, supplierId: supplier.id, sendKey: `${id}.${randomUUID()}`, document: JSON.stringify(document) } });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return ids.sort();
}

export type AnswerOutcome = { stored: boolean; rfqId: string; requestId: string; shop: string; note: string };

/** Stores a supplier's answer to one of its RFQs. Throws on an RFQ that is not this supplier's. */
export async function recordSupplierAnswer(db: Db, input: { supplierId: string; answer: SupplierAnswer; now: Date }): Promise<AnswerOutcome> {
  const id = input.answer.kind === "quotation" ? input.answer.quotation.requestForQuotationDocumentReference.id : input.answer.rfqId;
  const rfq = await db.supplierRfq.findUnique({ where: { id } });
  if (!rfq || rfq.supplierId !== input.supplierId) throw new SupplierAnswerError(`no RFQ ${id} was sent to this supplier`);
  const base = { rfqId: rfq.id, requestId: rfq.requestId, shop: rfq.shop };
  const request = await db.replenishmentRequest.findUniqueOrThrow({ where: { id: rfq.requestId } });
  if (request.status !== "open") return { ...base, stored: false, note: `the request is ${request.status}` };
  if (input.answer.kind === "decline") {
    await db.supplierRfq.updateMany({ where: { id: rfq.id, status: { in: ["pending", "sending", "sent"] } }, data: { status: "declined", answeredAt: input.now, lastError: input.answer.reason || null } });
    return { ...base, stored: true, note: "declined" };
  }
  const { quotation } = input.answer;
  if (quotation.sellerSupplierParty.id !== input.supplierId) throw new SupplierAnswerError("the quotation names another supplier");
  const quote = quoteFromQuotation(quotation, input.now);
  const quoteId = `${rfq.id}/${quotation.id}`;
  try {
    await db.$transaction([
      db.supplierQuote.create({
        data: {
          id: quoteId, shop: rfq.shop, requestId: rfq.requestId, supplierId: rfq.supplierId, rfqId: rfq.id, currency: quote.currency, unitPriceMinor: quote.unitPriceMinor,
          availableQuantity: quote.availableQuantity, leadBusinessDays: quote.leadBusinessDays, validUntil: quote.validUntil, receivedAt: input.now, document: JSON.stringify(quotation),
        },
      }),
      db.supplierRfq.updateMany({ where: { id: rfq.id, status: { in: ["pending", "sending", "sent"] } }, data: { status: "answered", answeredAt: input.now } }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) return { ...base, stored: false, note: "this quotation was already received" };
    throw error;
  }
  return { ...base, stored: true, note: "quotation stored" };
}

export class SupplierAnswerError extends Error {}

export type DecideOutcome = { kind: "closed" } | { kind: "wait"; until: Date } | { kind: "award" | "escalate"; purchaseOrderIds: string[] };

/**
 * Decides a request with what came in. The decision row (keyed by request) and the purchase
 * orders are written with the request's closing in one transaction; the incoming stock is then
 * recorded in Shopify for every purchase order still pending (a retry finishes what a dead worker began).
 */
export async function decideRequest(db: Db, input: { shop: string; requestId: string; now: Date; admin: (shop: string) => Promise<AdminRunner> }): Promise<DecideOutcome> {
  const request = await db.replenishmentRequest.findFirstOrThrow({ where: { id: input.requestId, shop: input.shop } });
  if (request.status === "open") {
    const decision = await decisionFor(db, request, input.now);
    if (decision.kind === "wait") return { kind: "wait", until: decision.until };
    const documents = purchaseOrdersFromDecision(decision, {
      requestId: request.id,
      issuedAt: input.now,
      buyer: { id: input.shop, name: input.shop },
      supplierNames: Object.fromEntries((await db.supplier.findMany({ where: { shop: input.shop } })).map((s) => [s.id, s.name])),
      sku: request.sku,
      locationId: request.locationGid,
      currency: request.currency,
    });
    await db.$transaction(async (tx) => {
      if (!(await closeRequest(tx, request.id, decision.kind === "award" ? "awarded" : "escalated", input.now))) return;
      await tx.replenishmentDecision.create({
        data: {
          requestId: request.id,
          shop: input.shop,
          kind: decision.kind,
          reason: decision.kind === "escalate" ? JSON.stringify(decision.reason) : null,
          rule: JSON.stringify(decision.rule),
          quotes: JSON.stringify(decision.quotes),
          option: JSON.stringify(decision.kind === "award" ? decision.option : decision.proposed),
          cost: decision.kind === "award" ? JSON.stringify(decision.cost) : null,
          silentSupplierIds: JSON.stringify(decision.silentSupplierIds),
          decidedAt: decision.decidedAt,
        },
      });
      // Suppliers that never answered are recorded as such.
      await tx.supplierRfq.updateMany({ where: { requestId: request.id, supplierId: { in: decision.silentSupplierIds }, status: { in: ["pending", "sending", "sent"] } }, data: { status: "no_answer" } });
      await createPurchaseOrders(tx, request, documents);
    });
  }
  const decided = await db.replenishmentDecision.findUnique({ where: { requestId: request.id } });
  if (!decided) return { kind: "closed" };
  const purchaseOrderIds = await recordPendingIncoming(db, input.shop, request.id, input.admin);
  return { kind: decided.kind as "award" | "escalate", purchaseOrderIds };
}

type RequestRow = { id: string; shop: string; inventoryItemGid: string; locationGid: string; currency: string };

/** The award's purchase orders, and its lead time on the request: new promises on the short SKU wait for it. */
export async function createPurchaseOrders(tx: Pick<Db, "purchaseOrder" | "replenishmentRequest">, request: RequestRow, documents: PurchaseOrderDocument[]): Promise<void> {
  if (documents.length > 0) await recordAwardedLeadTime(tx, request.id, Math.max(...documents.map((doc) => doc.delivery.withinBusinessDays)));
  for (const doc of documents) {
    const line = doc.orderLines[0].lineItem;
    await tx.purchaseOrder.create({
      data: {
        id: doc.id, shop: request.shop, requestId: request.id, supplierId: doc.sellerSupplierParty.id, quoteId: doc.quotationDocumentReference.id,
        inventoryItemGid: request.inventoryItemGid, locationGid: request.locationGid, quantity: line.quantity, unitPriceMinor: line.price.priceAmount.amountMinor,
        currency: request.currency, leadBusinessDays: doc.delivery.withinBusinessDays, document: JSON.stringify(doc),
      },
    });
  }
}

/**
 * Records in Shopify, as incoming, every purchase order of the request not yet recorded; returns all
 * its purchase order ids. inventoryAdjustQuantities adds (it has no idempotency key in this API
 * version), so a write is marked "recording" first: a refused or failed call puts it back to
 * pending, but a worker that died during the call leaves "recording", and the retry marks it
 * "unconfirmed" for a person to check in the admin rather than risk adding the units twice.
 */
export async function recordPendingIncoming(db: Db, shop: string, requestId: string, admin: (shop: string) => Promise<AdminRunner>): Promise<string[]> {
  await db.purchaseOrder.updateMany({ where: { requestId, incomingStatus: "recording" }, data: { incomingStatus: "unconfirmed" } });
  const pending = await db.purchaseOrder.findMany({ where: { requestId, incomingStatus: "pending" }, orderBy: { id: "asc" } });
  if (pending.length > 0) {
    const runner = await admin(shop);
    for (const po of pending) {
      const claimed = await db.purchaseOrder.updateMany({ where: { id: po.id, incomingStatus: "pending" }, data: { incomingStatus: "recording" } });
      if (claimed.count === 0) continue;
      try {
        await recordIncomingStock(runner, { purchaseOrderId: po.id, inventoryItemGid: po.inventoryItemGid, locationGid: po.locationGid, quantity: po.quantity });
      } catch (error) {
        await db.purchaseOrder.update({ where: { id: po.id }, data: { incomingStatus: "pending" } });
        throw error;
      }
      await db.purchaseOrder.update({ where: { id: po.id }, data: { incomingStatus: "recorded", incomingRecordedAt: new Date() } });
    }
  }
  return (await db.purchaseOrder.findMany({ where: { requestId }, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
}

export async function loadRequestQuotes(db: Pick<Db, "supplierQuote">, requestId: string): Promise<SupplierQuote[]> {
  return (await db.supplierQuote.findMany({ where: { requestId } })).map((q) => ({
    quoteId: q.id, supplierId: q.supplierId, currency: q.currency, unitPriceMinor: q.unitPriceMinor, availableQuantity: q.availableQuantity,
    leadBusinessDays: q.leadBusinessDays, validUntil: q.validUntil, receivedAt: q.receivedAt,
  }));
}

async function decisionFor(db: Db, request: { id: string; shop: string; inventoryItemGid: string; locationGid: string; quantity: number; neededWithinBusinessDays: number; requestedAt: Date; waitingTierKeys: string }, now: Date): Promise<ReplenishmentDecision> {
  const settings = await loadReplenishmentSettings(db, request.shop);
  const rule = await loadSkuRule(db, request.shop, request.inventoryItemGid, request.locationGid);
  if (!rule) throw new Error(`request ${request.id}: the SKU's replenishment rule is gone`);
  const rfqs = await db.supplierRfq.findMany({ where: { requestId: request.id } });
  const quotes = await loadRequestQuotes(db, request.id);
  return decideReplenishment({
    settings,
    rule,
    quantity: request.quantity,
    neededWithinBusinessDays: request.neededWithinBusinessDays,
    requestedAt: request.requestedAt,
    waitingTierKeys: JSON.parse(request.waitingTierKeys) as string[],
    askedSupplierIds: rfqs.map((r) => r.supplierId),
    quotes,
    // A supplier that declined, or whose send failed for good, will not answer: no need to wait for it.
    declinedSupplierIds: rfqs.filter((r) => r.status === "declined" || r.status === "failed").map((r) => r.supplierId),
    now,
  });
}
