/**
 * The Replenishment page: open requests with each supplier's RFQ and the quotes as they arrive,
 * the approval queue (escalations with their reason, quotes side by side), recent awards with
 * their purchase orders; and what the merchant does there: approve the proposed quotes, pick
 * others, cancel (resolve-escalation.server.ts), or type in an email supplier's reply.
 *
 * Exported API
 * - loadReplenishmentPage({ db, shop, locale, now }): ReplenishmentPage
 * - submitReplenishmentAction({ db, shop, form, now, admin, wake }): ReplenishmentActionResult
 *     intents: approve (quoteId, one or more), cancel (note), enter-reply (rfqId, unitPrice, quantity, leadBusinessDays, validUntil)
 *
 * A typed reply becomes the same Quotation an HTTPS supplier sends and passes the same
 * validation and store (parseSupplierAnswer, recordSupplierAnswer); `wake` then wakes the waiting ask.
 */
import type { Db } from "../db.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { parseSupplierAnswer } from "../adapters/suppliers/https-supplier-connector.server.ts";
import { enteredQuotation, type ReplyIssue } from "../domain/entered-quotation.ts";
import type { AwardOption, QuoteOutReason, ScoredQuote } from "../domain/quote-scoring.ts";
import type { DecisionRule, EscalationReason } from "../domain/replenishment-decision.ts";
import { recordSupplierAnswer, SupplierAnswerError } from "./replenishment-requests.server.ts";
import { resolveEscalation } from "./resolve-escalation.server.ts";
import { formatMoney as formatShopMoney, formatShopDateTime } from "./admin-formatting.ts";

const RECENT_DECIDED = 20;
const REPLY_OPEN = new Set(["pending", "sending", "sent"]);

export type QuoteView = {
  id: string;
  supplierName: string;
  unitPrice: string;
  quantity: number;
  leadBusinessDays: number;
  validUntil: string;
  expired: boolean;
  /** From the decision, when there is one: 0–100, or why the quote was out. */
  score: number | null;
  outReason: string | null;
  proposed: boolean;
};

export type RfqView = { id: string; supplierName: string; connector: "https" | "email"; status: string; statusLabel: string; note: string | null; canEnterReply: boolean };

export type RequestView = {
  id: string;
  sku: string;
  location: string;
  quantity: number;
  status: "open" | "escalated" | "awarded" | "cancelled";
  priorityTier: string | null;
  requestedAt: string;
  deadline: string;
  neededWithinBusinessDays: number;
  rfqs: RfqView[];
  quotes: QuoteView[];
  /** Why a person must decide (escalations), in the merchant's words. */
  reason: string | null;
  proposedTotal: string | null;
  award: { total: string; leadBusinessDays: number; note: string | null } | null;
  purchaseOrders: { id: string; supplierName: string; quantity: number; unitPrice: string; total: string; incoming: string }[];
  resolution: string | null;
};

export type ReplenishmentPage = {
  currency: string;
  locale: string;
  timeZone: string;
  today: string;
  counts: { open: number; escalated: number };
  open: RequestView[];
  approvals: RequestView[];
  decided: RequestView[];
};

export type ReplenishmentActionResult =
  | { ok: true; requestId: string; message: string }
  | { ok: false; requestId: string | null; message: string; issues?: ReplyIssue[] };

const RFQ_STATUS: Record<string, string> = {
  pending: "Not sent yet",
  sending: "Sending",
  sent: "Waiting for an answer",
  answered: "Quoted",
  declined: "Declined",
  no_answer: "Never answered",
  failed: "Could not be sent",
};

const OUT_REASON: Record<QuoteOutReason, string> = {
  expired: "expired",
  too_late: "too late for the date needed",
  other_currency: "in another currency",
  unknown_supplier: "supplier not set up for this SKU",
  nothing_offered: "offers nothing",
  superseded: "replaced by a newer quote",
};

function reasonText(reason: EscalationReason, rule: DecisionRule, money: (minor: number) => string): string {
  if (reason.kind === "no_quotes") return "No supplier sent a quote before the deadline.";
  if (reason.kind === "cost_above_threshold") {
    const { cost } = reason;
    return `The best quote costs ${money(cost.totalMinor)}, ${cost.risePercent} % above the usual ${money(cost.usualTotalMinor)}; above ${reason.thresholdPercent} % a person decides.`;
  }
  const outs = Object.entries(reason.outReasons)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([why, n]) => `${n} ${OUT_REASON[why as QuoteOutReason] ?? why}`);
  const partial = reason.partialQuantity > 0 ? `; together they offer ${reason.partialQuantity} of the ${rule.quantity} units` : "";
  return `No quote covers ${rule.quantity} units within ${rule.neededWithinBusinessDays} business days${outs.length > 0 ? ` (${outs.join(", ")})` : ""}${partial}.`;
}

export async function loadReplenishmentPage({ db, shop, locale, now, locationNames }: { db: Db; shop: string; locale: string; now: Date; locationNames?: () => Promise<Map<string, string>> }): Promise<ReplenishmentPage> {
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { currencyCode: true, ianaTimezone: true } });
  const currency = shopRow?.currencyCode ?? "USD";
  const timeZone = shopRow?.ianaTimezone ?? "UTC";
  const [live, decided] = await Promise.all([
    db.replenishmentRequest.findMany({ where: { shop, status: { in: ["open", "escalated"] } }, orderBy: [{ requestedAt: "asc" }, { id: "asc" }] }),
    db.replenishmentRequest.findMany({ where: { shop, status: { in: ["awarded", "cancelled"] } }, orderBy: [{ decidedAt: "desc" }, { id: "asc" }], take: RECENT_DECIDED }),
  ]);
  const requests = [...live, ...decided];
  // Names from Shopify when it answers; the location's number otherwise (the page still loads).
  const names = requests.length > 0 && locationNames ? await locationNames().catch(() => new Map<string, string>()) : new Map<string, string>();
  const ids = requests.map((r) => r.id);
  const [rfqs, quotes, decisions, orders, suppliers] = await Promise.all([
    db.supplierRfq.findMany({ where: { shop, requestId: { in: ids } }, orderBy: { id: "asc" } }),
    db.supplierQuote.findMany({ where: { shop, requestId: { in: ids } }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] }),
    db.replenishmentDecision.findMany({ where: { shop, requestId: { in: ids } } }),
    db.purchaseOrder.findMany({ where: { shop, requestId: { in: ids } }, orderBy: { id: "asc" } }),
    db.supplier.findMany({ where: { shop }, select: { id: true, name: true, connector: true } }),
  ]);
  const supplierOf = new Map(suppliers.map((s) => [s.id, s]));
  const nameOf = (id: string) => supplierOf.get(id)?.name ?? "A removed supplier";
  const money = (minor: number) => formatShopMoney(minor, { currency, locale });
  const when = (d: Date) => formatShopDateTime(d, locale, timeZone);

  const view = (r: (typeof requests)[number]): RequestView => {
    const decision = decisions.find((d) => d.requestId === r.id) ?? null;
    const scored = decision ? (JSON.parse(decision.quotes) as ScoredQuote[]) : [];
    const option = decision?.option ? (JSON.parse(decision.option) as AwardOption | null) : null;
    const resolution = decision?.resolution ? (JSON.parse(decision.resolution) as { kind: "approved" | "cancelled"; option?: AwardOption; note?: string | null; aboveBand?: boolean; late?: boolean; shortBy?: number }) : null;
    const proposedIds = new Set(r.status === "escalated" ? (option?.parts.map((p) => p.quoteId) ?? []) : []);
    const rule = decision ? (JSON.parse(decision.rule) as DecisionRule) : null;
    const awarded = resolution?.kind === "approved" ? resolution.option! : decision?.kind === "award" ? option : null;
    const accepted = resolution?.kind === "approved" ? [resolution.aboveBand ? "price above the band" : null, resolution.late ? "late delivery" : null, resolution.shortBy ? `${resolution.shortBy} units short` : null].filter(Boolean) : [];
    return {
      id: r.id,
      sku: r.sku,
      location: names.get(r.locationGid) ?? r.locationGid.replace("gid://shopify/Location/", "Location "),
      quantity: r.quantity,
      status: r.status as RequestView["status"],
      priorityTier: (JSON.parse(r.priority) as { tierKey: string | null }).tierKey,
      requestedAt: when(r.requestedAt),
      deadline: when(r.deadline),
      neededWithinBusinessDays: r.neededWithinBusinessDays,
      rfqs: rfqs
        .filter((q) => q.requestId === r.id)
        .map((q) => {
          const connector = supplierOf.get(q.supplierId)?.connector === "email" ? "email" : "https";
          return {
            id: q.id,
            supplierName: nameOf(q.supplierId),
            connector,
            status: q.status,
            statusLabel: RFQ_STATUS[q.status] ?? q.status,
            note: q.lastError,
            canEnterReply: connector === "email" && r.status === "open" && REPLY_OPEN.has(q.status) && q.status !== "pending",
          };
        }),
      quotes: quotes
        .filter((q) => q.requestId === r.id)
        .map((q) => {
          const s = scored.find((x) => x.quote.quoteId === q.id);
          return {
            id: q.id,
            supplierName: nameOf(q.supplierId),
            unitPrice: money(q.unitPriceMinor),
            quantity: q.availableQuantity,
            leadBusinessDays: q.leadBusinessDays,
            validUntil: when(q.validUntil),
            expired: q.validUntil.getTime() <= now.getTime(),
            score: s?.score === null || s?.score === undefined ? null : Math.round(s.score * 100),
            outReason: s?.outReason ? OUT_REASON[s.outReason] : null,
            proposed: proposedIds.has(q.id),
          };
        }),
      reason: decision?.kind === "escalate" && decision.reason && rule ? reasonText(JSON.parse(decision.reason) as EscalationReason, rule, money) : null,
      proposedTotal: r.status === "escalated" && option ? money(option.totalMinor) : null,
      award: awarded ? { total: money(awarded.totalMinor), leadBusinessDays: awarded.leadBusinessDays, note: accepted.length > 0 ? `Approved by a person, accepting ${accepted.join(", ")}.` : resolution?.kind === "approved" ? "Approved by a person." : null } : null,
      purchaseOrders: orders
        .filter((o) => o.requestId === r.id)
        .map((o) => ({
          id: o.id,
          supplierName: nameOf(o.supplierId),
          quantity: o.quantity,
          unitPrice: money(o.unitPriceMinor),
          total: money(o.unitPriceMinor * o.quantity),
          incoming: o.incomingStatus === "recorded" ? "Incoming in Shopify" : o.incomingStatus === "unconfirmed" ? "Check incoming in Shopify (not confirmed)" : "Recording incoming in Shopify",
        })),
      resolution: resolution?.kind === "cancelled" ? `Cancelled${resolution.note ? `: ${resolution.note}` : ""}.` : null,
    };
  };
  const views = requests.map(view);
  return {
    currency,
    locale,
    timeZone,
    today: new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now),
    counts: { open: live.filter((r) => r.status === "open").length, escalated: live.filter((r) => r.status === "escalated").length },
    open: views.filter((v) => v.status === "open"),
    approvals: views.filter((v) => v.status === "escalated"),
    decided: views.filter((v) => v.status === "awarded" || v.status === "cancelled"),
  };
}

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
};

const sentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}${/[.!?]$/.test(message) ? "" : "."}`;

export async function submitReplenishmentAction(input: {
  db: Db;
  shop: string;
  form: FormData;
  /** For times in messages (a quote's expiry), with the shop's time zone. */
  locale: string;
  now: Date;
  admin: (shop: string) => Promise<AdminRunner>;
  wake: (rfqId: string) => Promise<void>;
}): Promise<ReplenishmentActionResult> {
  const { db, shop, form, now } = input;
  const intent = text(form, "intent");
  if (intent === "approve" || intent === "cancel") {
    const requestId = text(form, "requestId");
    const answer = intent === "approve" ? { kind: "approve" as const, quoteIds: form.getAll("quoteId").filter((v): v is string => typeof v === "string" && v !== "") } : { kind: "cancel" as const, note: text(form, "note").trim().slice(0, 500) || undefined };
    const outcome = await resolveEscalation(db, { shop, requestId, answer, now, admin: input.admin });
    if (!outcome.ok) {
      const quotes = await db.supplierQuote.findMany({ where: { shop, requestId }, select: { id: true, supplierId: true } });
      const names = new Map((await db.supplier.findMany({ where: { shop }, select: { id: true, name: true } })).map((s) => [s.id, s.name]));
      const about = (quoteId: string | null) => {
        const supplierId = quotes.find((q) => q.id === quoteId)?.supplierId;
        return supplierId ? `${names.get(supplierId) ?? "A removed supplier"}'s quote: ` : "";
      };
      const timeZone = (await db.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }))?.ianaTimezone ?? "UTC";
      // The rules speak in ISO instants; the merchant reads the shop's own clock.
      const readable = (message: string) => message.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, (iso) => formatShopDateTime(iso, input.locale, timeZone));
      return { ok: false, requestId, message: outcome.issues.map((i) => sentence(`${about(i.quoteId)}${readable(i.message)}`)).join(" ") };
    }
    // resolveEscalation finishes an approval already made whatever the answer; a cancel cannot undo it.
    if (intent === "cancel" && outcome.status === "awarded") return { ok: false, requestId, message: "This request was already approved and ordered; it can no longer be cancelled." };
    const message = outcome.status === "cancelled" ? "Request cancelled; nothing was ordered." : `Approved: ${outcome.purchaseOrderIds.length === 1 ? "a purchase order was" : `${outcome.purchaseOrderIds.length} purchase orders were`} made and the stock is recorded as incoming in Shopify.`;
    return { ok: true, requestId, message };
  }
  if (intent === "enter-reply") return enterReply(input);
  return { ok: false, requestId: null, message: "This page does not know that action; reload it and try again." };
}

async function enterReply(input: { db: Db; shop: string; form: FormData; now: Date; wake: (rfqId: string) => Promise<void> }): Promise<ReplenishmentActionResult> {
  const { db, shop, form, now } = input;
  const rfq = await db.supplierRfq.findFirst({ where: { id: text(form, "rfqId"), shop } });
  if (!rfq) return { ok: false, requestId: null, message: "This request for quotation is not one of yours; reload the page." };
  const [supplier, request, shopRow] = await Promise.all([
    db.supplier.findFirst({ where: { id: rfq.supplierId, shop } }),
    db.replenishmentRequest.findUniqueOrThrow({ where: { id: rfq.requestId } }),
    db.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }),
  ]);
  if (!supplier || supplier.connector !== "email") return { ok: false, requestId: rfq.requestId, message: "Replies are typed in for email suppliers only; HTTPS suppliers answer by themselves." };
  if (request.status !== "open") return { ok: false, requestId: rfq.requestId, message: `This request is already ${request.status}; the reply was not added.` };
  if (!REPLY_OPEN.has(rfq.status)) return { ok: false, requestId: rfq.requestId, message: `${supplier.name}'s answer is already recorded (${(RFQ_STATUS[rfq.status] ?? rfq.status).toLowerCase()}).` };
  const item = await db.skuSupplier.findFirst({ where: { shop, inventoryItemGid: request.inventoryItemGid, supplierId: supplier.id }, select: { suppliersItemId: true } });
  const entered = enteredQuotation({
    reply: { unitPrice: text(form, "unitPrice"), quantity: text(form, "quantity"), leadBusinessDays: text(form, "leadBusinessDays"), validUntil: text(form, "validUntil") },
    rfq: { id: rfq.id, supplierId: supplier.id, supplierName: supplier.name, sku: request.sku, suppliersItemId: item?.suppliersItemId ?? null },
    currency: request.currency,
    timeZone: shopRow?.ianaTimezone ?? "UTC",
    now,
  });
  if (!entered.ok) return { ok: false, requestId: rfq.requestId, message: "Check the reply: some fields need fixing.", issues: entered.issues };
  // The same gate as a supplier's own JSON answer (as it would arrive on the wire).
  const parsed = parseSupplierAnswer(JSON.parse(JSON.stringify(entered.quotation)));
  if (!parsed.ok) return { ok: false, requestId: rfq.requestId, message: `The reply could not be recorded: ${parsed.issues.join("; ")}` };
  try {
    const outcome = await recordSupplierAnswer(db, { supplierId: supplier.id, answer: parsed.answer, now });
    if (!outcome.stored) return { ok: false, requestId: rfq.requestId, message: `Not recorded: ${outcome.note}.` };
  } catch (error) {
    if (error instanceof SupplierAnswerError) return { ok: false, requestId: rfq.requestId, message: sentence(error.message) };
    throw error;
  }
  await input.wake(rfq.id).catch(() => {});
  return { ok: true, requestId: rfq.requestId, message: `${supplier.name}'s quote is recorded; the request is decided when every supplier has answered or the deadline passes.` };
}

