/**
 * A person's answer to an escalated replenishment request: approve one or more of its quotes (as
 * the escalation proposed, or others), or cancel it. Approval goes through approveQuotes with the
 * approval's own `now` (a quote may have expired since the escalation); what the person accepted
 * (a price above the band, a late delivery, a short quantity) is stored with the decision.
 *
 * Exported API
 * - resolveEscalation(db, { shop, requestId, answer, now, admin }):
 *     { ok: true; status: "awarded" | "cancelled"; purchaseOrderIds } | { ok: false; issues }
 *
 * Resolving twice is refused (the request is no longer escalated); a retry after a failed Shopify
 * write finishes recording the incoming stock of the approved purchase orders.
 */
import type { Db } from "../db.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { closeRequest, loadReplenishmentSettings, loadSkuRule } from "../adapters/db/replenishment-repository.server.ts";
import { approveQuotes, type ApprovalIssue } from "../domain/escalation-approval.ts";
import { purchaseOrdersFromOption } from "../domain/procurement-documents.ts";
import type { DecisionRule } from "../domain/replenishment-decision.ts";
import { createPurchaseOrders, loadRequestQuotes, recordPendingIncoming } from "./replenishment-requests.server.ts";

export type EscalationAnswer = { kind: "approve"; quoteIds: string[] } | { kind: "cancel"; note?: string };

export type ResolveOutcome = { ok: true; status: "awarded" | "cancelled"; purchaseOrderIds: string[] } | { ok: false; issues: ApprovalIssue[] };

export async function resolveEscalation(
  db: Db,
  input: { shop: string; requestId: string; answer: EscalationAnswer; now: Date; admin: (shop: string) => Promise<AdminRunner> },
): Promise<ResolveOutcome> {
  const request = await db.replenishmentRequest.findFirst({ where: { id: input.requestId, shop: input.shop } });
  if (!request) return { ok: false, issues: [{ quoteId: null, message: "there is no such request" }] };
  const decision = await db.replenishmentDecision.findUnique({ where: { requestId: request.id } });
  if (request.status !== "escalated" || !decision || decision.kind !== "escalate") {
    // An approval already made, retried: finish its Shopify write.
    if (request.status === "awarded" && decision?.resolution) return { ok: true, status: "awarded", purchaseOrderIds: await recordPendingIncoming(db, input.shop, request.id, input.admin) };
    return { ok: false, issues: [{ quoteId: null, message: `this request is ${request.status}, not waiting for a person` }] };
  }
  if (input.answer.kind === "cancel") {
    const note = input.answer.note ?? null;
    await db.$transaction(async (tx) => {
      if (!(await closeRequest(tx, request.id, "cancelled", input.now, "escalated"))) throw new Error("the request changed while it was being cancelled");
      await tx.replenishmentDecision.update({ where: { requestId: request.id }, data: { resolution: JSON.stringify({ kind: "cancelled", note }), resolvedAt: input.now } });
    });
    return { ok: true, status: "cancelled", purchaseOrderIds: [] };
  }
  const settings = await loadReplenishmentSettings(db, input.shop);
  const rule = await loadSkuRule(db, input.shop, request.inventoryItemGid, request.locationGid);
  if (!rule) return { ok: false, issues: [{ quoteId: null, message: "the SKU's replenishment rule is gone" }] };
  const held = JSON.parse(decision.rule) as DecisionRule;
  const approved = approveQuotes({
    settings,
    rule,
    quantity: request.quantity,
    neededWithinBusinessDays: request.neededWithinBusinessDays,
    quotes: await loadRequestQuotes(db, request.id),
    chosenQuoteIds: input.answer.quoteIds,
    thresholdPercent: held.priority.escalationThresholdPercent,
    now: input.now,
  });
  if (!approved.ok) return approved;
  const { award } = approved;
  const supplierNames = Object.fromEntries((await db.supplier.findMany({ where: { shop: input.shop } })).map((s) => [s.id, s.name]));
  const documents = purchaseOrdersFromOption(award.option, { requestId: request.id, issuedAt: input.now, buyer: { id: input.shop, name: input.shop }, supplierNames, sku: request.sku, locationId: request.locationGid, currency: request.currency });
  await db.$transaction(async (tx) => {
    if (!(await closeRequest(tx, request.id, "awarded", input.now, "escalated"))) throw new Error("the request changed while it was being approved");
    await tx.replenishmentDecision.update({
      where: { requestId: request.id },
      data: { resolution: JSON.stringify({ kind: "approved", quoteIds: input.answer.kind === "approve" ? input.answer.quoteIds : [], ...award }), resolvedAt: input.now },
    });
    await createPurchaseOrders(tx, request, documents);
  });
  return { ok: true, status: "awarded", purchaseOrderIds: await recordPendingIncoming(db, input.shop, request.id, input.admin) };
}
