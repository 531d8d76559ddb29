/**
 * The HTTPS JSON connector to a supplier. Tierline POSTs each RFQ (UBL-shaped, procurement-documents.ts)
 * to the supplier's endpoint and the supplier answers later by POSTing a Quotation (or a decline)
 * to the callback URL given in the request. Both directions are signed with the supplier's own
 * secret: `X-Tierline-Signature` is the base64 HMAC-SHA256 of the exact body bytes.
 *
 * Exported API
 * - SIGNATURE_HEADER, IDEMPOTENCY_HEADER
 * - signSupplierBody(body, secret): string
 * - verifySupplierSignature(body, signature, secret): boolean     constant time; false for a missing or malformed signature
 * - sendRfq({ endpointUrl, secret, sendKey, rfq, replyTo, timeoutMs }): Promise<void>
 *       throws SupplierSendError (retryable: network, timeout, 408/429/5xx; not: other 4xx)
 * - parseSupplierAnswer(json): { ok: true; answer } | { ok: false; issues }
 *
 * Idempotency: every send of one RFQ carries the same `Idempotency-Key` (the RFQ row's send key),
 * so a retry after a lost answer or a worker that died mid-send is one request to the supplier.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Quotation, RequestForQuotation } from "../../domain/procurement-documents.ts";

export const SIGNATURE_HEADER = "X-Tierline-Signature";
export const IDEMPOTENCY_HEADER = "Idempotency-Key";

export function signSupplierBody(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export function verifySupplierSignature(body: string, signature: string | null | undefined, secret: string): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signSupplierBody(body, secret), "base64");
  const given = Buffer.from(signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class SupplierSendError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = "SupplierSendError";
  }
}

export type RfqMessage = { rfq: RequestForQuotation; replyTo: string };

export async function sendRfq(input: { endpointUrl: string; secret: string; sendKey: string; rfq: RequestForQuotation; replyTo: string; timeoutMs?: number }): Promise<void> {
  const body = JSON.stringify({ rfq: input.rfq, replyTo: input.replyTo } satisfies RfqMessage);
  let response: Response;
  try {
    response = await fetch(input.endpointUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", [SIGNATURE_HEADER]: signSupplierBody(body, input.secret), [IDEMPOTENCY_HEADER]: input.sendKey },
      body,
      signal: AbortSignal.timeout(input.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new SupplierSendError(`RFQ ${input.rfq.id}: ${(error as Error).message}`, true);
  }
  await response.text().catch(() => "");
  if (response.ok) return;
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new SupplierSendError(`RFQ ${input.rfq.id}: the supplier answered HTTP ${response.status}`, retryable);
}

const isoDate = z.string().datetime({ offset: true }).transform((s) => new Date(s));
const wholeAtLeast0 = z.number().int().nonnegative();
const party = z.object({ id: z.string().min(1), name: z.string() });

const quotationSchema = z.object({
  documentType: z.literal("Quotation"),
  id: z.string().min(1).max(200),
  issueDate: isoDate,
  requestForQuotationDocumentReference: z.object({ id: z.string().min(1) }),
  sellerSupplierParty: party,
  validityPeriod: z.object({ endDate: isoDate }),
  documentCurrencyCode: z.string().regex(/^[A-Z]{3}$/),
  quotationLines: z
    .array(
      z.object({
        id: z.string(),
        lineItem: z.object({
          item: z.object({ buyersItemId: z.string(), sellersItemId: z.string().nullable() }),
          quantity: wholeAtLeast0,
          price: z.object({ priceAmount: z.object({ amountMinor: wholeAtLeast0, currencyId: z.string().regex(/^[A-Z]{3}$/) }) }),
          estimatedDeliveryPeriod: z.object({ businessDays: wholeAtLeast0 }),
        }),
      }),
    )
    .length(1, "one line per quotation (one SKU per request)"),
});

const declineSchema = z.object({
  documentType: z.literal("QuotationDecline"),
  requestForQuotationDocumentReference: z.object({ id: z.string().min(1) }),
  reason: z.string().max(500).default(""),
});

export type SupplierAnswer = { kind: "quotation"; quotation: Quotation } | { kind: "decline"; rfqId: string; reason: string };

export function parseSupplierAnswer(json: unknown): { ok: true; answer: SupplierAnswer } | { ok: false; issues: string[] } {
  const type = (json as { documentType?: unknown } | null)?.documentType;
  if (type === "QuotationDecline") {
    const parsed = declineSchema.safeParse(json);
    if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`) };
    return { ok: true, answer: { kind: "decline", rfqId: parsed.data.requestForQuotationDocumentReference.id, reason: parsed.data.reason } };
  }
  const parsed = quotationSchema.safeParse(json);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`) };
  const q = parsed.data;
  if (q.quotationLines[0].lineItem.price.priceAmount.currencyId !== q.documentCurrencyCode) return { ok: false, issues: ["quotationLines.0: the line's currency differs from the document's"] };
  return { ok: true, answer: { kind: "quotation", quotation: q as Quotation } };
}
