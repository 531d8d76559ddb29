/**
 * A supplier's answer arriving on the callback: authenticated by the supplier's own signature
 * (a forged or unsigned body is refused before anything is read from it), validated, then stored
 * (recordSupplierAnswer). Returns the HTTP status and body the route sends.
 *
 * 401 unknown supplier or bad signature (the same answer for both: ids are not probed) · 413 body
 * too large · 400 not JSON · 422 not a valid Quotation / QuotationDecline (the issues listed) ·
 * 404 an RFQ this supplier was not sent · 200 stored, or a repeat / closed request (nothing changed).
 */
import type { Db } from "../db.server.ts";
import { parseSupplierAnswer, verifySupplierSignature } from "../adapters/suppliers/https-supplier-connector.server.ts";
import { recordSupplierAnswer, SupplierAnswerError, type AnswerOutcome } from "./replenishment-requests.server.ts";

export const MAX_ANSWER_BYTES = 64 * 1024;

export type ReceivedAnswer = { status: number; body: Record<string, unknown>; outcome?: AnswerOutcome };

export async function receiveSupplierAnswer(db: Db, input: { supplierId: string; body: string; signature: string | null; now: Date }): Promise<ReceivedAnswer> {
  if (Buffer.byteLength(input.body, "utf8") > MAX_ANSWER_BYTES) return { status: 413, body: { error: "answer too large" } };
  const supplier = await db.supplier.findUnique({ where: { id: input.supplierId }, select: { id: true, signingSecret: true } });
  if (!supplier || !verifySupplierSignature(input.body, input.signature, supplier.signingSecret)) return { status: 401, body: { error: "signature refused" } };
  let json: unknown;
  try {
    json = JSON.parse(input.body);
  } catch {
    return { status: 400, body: { error: "the body is not JSON" } };
  }
  const parsed = parseSupplierAnswer(json);
  if (!parsed.ok) {
    // Kept on the RFQ when it names one of this supplier's, so the merchant sees why no quote counted.
    const rfqId = (json as { requestForQuotationDocumentReference?: { id?: unknown } } | null)?.requestForQuotationDocumentReference?.id;
    if (typeof rfqId === "string") await db.supplierRfq.updateMany({ where: { id: rfqId, supplierId: supplier.id }, data: { lastError: `malformed answer: ${parsed.issues.join("; ").slice(0, 500)}` } });
    return { status: 422, body: { error: "invalid answer", issues: parsed.issues } };
  }
  try {
    const outcome = await recordSupplierAnswer(db, { supplierId: supplier.id, answer: parsed.answer, now: input.now });
    return { status: 200, body: { status: outcome.stored ? "stored" : "unchanged", note: outcome.note }, outcome };
  } catch (error) {
    if (error instanceof SupplierAnswerError) return { status: 404, body: { error: error.message } };
    throw error;
  }
}
