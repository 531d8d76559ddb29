/**
 * An email supplier's reply as the merchant types it on the Replenishment page (unit price,
 * quantity, lead time, valid until), checked in the merchant's words and turned into the same
 * UBL-shaped Quotation an HTTPS supplier sends, so both go through one validation and one store.
 *
 * Exported API
 * - type EnteredReply = { unitPrice, quantity, leadBusinessDays, validUntil }   the form's strings
 * - type ReplyIssue = { field, message }
 * - enteredQuotation({ reply, rfq, currency, timeZone, now }): { ok: true; quotation } | { ok: false; issues }
 *     validUntil is a day (YYYY-MM-DD): the quote holds to the end of that day in the shop's time zone
 * - enteredQuotationId(rfqId): string      one typed reply per RFQ: entering it twice stores it once
 */
import { DateTime } from "luxon";
import { currencyExponent, MoneyParseError, parseMoney } from "./money.ts";
import type { Quotation } from "./procurement-documents.ts";

export type EnteredReply = { unitPrice: string; quantity: string; leadBusinessDays: string; validUntil: string };
export type ReplyIssue = { field: keyof EnteredReply; message: string };

const MAX_QUANTITY = 10_000_000;
const MAX_LEAD_DAYS = 366;

export function enteredQuotationId(rfqId: string): string {
  return `${rfqId}-email-reply`;
}

export function enteredQuotation(input: {
  reply: EnteredReply;
  rfq: { id: string; supplierId: string; supplierName: string; sku: string; suppliersItemId: string | null };
  currency: string;
  timeZone: string;
  now: Date;
}): { ok: true; quotation: Quotation } | { ok: false; issues: ReplyIssue[] } {
  const { reply, currency } = input;
  const issues: ReplyIssue[] = [];

  let unitPriceMinor = 0;
  const price = reply.unitPrice.trim();
  const example = currencyExponent(currency) === 0 ? "1250" : "12.50";
  if (!price) issues.push({ field: "unitPrice", message: "Enter the unit price the supplier quoted." });
  else {
    try {
      unitPriceMinor = parseMoney(price, currency);
      if (unitPriceMinor <= 0) issues.push({ field: "unitPrice", message: "The unit price must be more than zero." });
    } catch (error) {
      if (!(error instanceof MoneyParseError)) throw error;
      issues.push({ field: "unitPrice", message: `"${price}" is not an amount in ${currency} like ${example}.` });
    }
  }

  const quantity = whole(reply.quantity.trim(), MAX_QUANTITY);
  if (quantity === null) issues.push({ field: "quantity", message: "Enter how many units the supplier can deliver, as a whole number." });
  else if (quantity === 0) issues.push({ field: "quantity", message: "A quote for 0 units is a decline; enter at least 1." });

  const lead = whole(reply.leadBusinessDays.trim(), MAX_LEAD_DAYS);
  if (lead === null) issues.push({ field: "leadBusinessDays", message: `Enter the lead time in business days, a whole number up to ${MAX_LEAD_DAYS}.` });

  const day = DateTime.fromISO(reply.validUntil.trim(), { zone: input.timeZone });
  let validUntil: Date | null = null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(reply.validUntil.trim()) || !day.isValid) issues.push({ field: "validUntil", message: "Enter the last day the quote holds." });
  else {
    validUntil = day.endOf("day").toJSDate();
    if (validUntil.getTime() <= input.now.getTime()) issues.push({ field: "validUntil", message: "This quote has already expired; ask the supplier for a new one." });
  }
  if (issues.length > 0) return { ok: false, issues };

  return {
    ok: true,
    quotation: {
      documentType: "Quotation",
      id: enteredQuotationId(input.rfq.id),
      issueDate: input.now,
      requestForQuotationDocumentReference: { id: input.rfq.id },
      sellerSupplierParty: { id: input.rfq.supplierId, name: input.rfq.supplierName },
      validityPeriod: { endDate: validUntil! },
      documentCurrencyCode: currency,
      quotationLines: [
        {
          id: "1",
          lineItem: {
            item: { buyersItemId: input.rfq.sku, sellersItemId: input.rfq.suppliersItemId },
            quantity: quantity!,
            price: { priceAmount: { amountMinor: unitPriceMinor, currencyId: currency } },
            estimatedDeliveryPeriod: { businessDays: lead! },
          },
        },
      ],
    },
  };
}

function whole(text: string, max: number): number | null {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}
