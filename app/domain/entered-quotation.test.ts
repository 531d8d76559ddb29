import { describe, expect, it } from "vitest";
import { enteredQuotation, enteredQuotationId } from "./entered-quotation.ts";

const RFQ = { id: "RFQ-r1-s1", supplierId: "s1", supplierName: "Bolt", sku: "MUG-1", suppliersItemId: "B-9" };
const NOW = new Date("2026-12-03T10:00:00Z");
const enter = (reply: Partial<{ unitPrice: string; quantity: string; leadBusinessDays: string; validUntil: string }>, currency = "EUR", timeZone = "Europe/Paris") =>
  enteredQuotation({ reply: { unitPrice: "12.40", quantity: "200", leadBusinessDays: "4", validUntil: "2026-12-10", ...reply }, rfq: RFQ, currency, timeZone, now: NOW });

describe("an email supplier's reply typed in by the merchant", () => {
  it("becomes the supplier's Quotation, holding to the end of the day in the shop's time zone", () => {
    const result = enter({});
    expect(result).toEqual({
      ok: true,
      quotation: {
        documentType: "Quotation",
        id: enteredQuotationId("RFQ-r1-s1"),
        issueDate: NOW,
        requestForQuotationDocumentReference: { id: "RFQ-r1-s1" },
        sellerSupplierParty: { id: "s1", name: "Bolt" },
        validityPeriod: { endDate: new Date("2026-12-10T22:59:59.999Z") },
        documentCurrencyCode: "EUR",
        quotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "MUG-1", sellersItemId: "B-9" }, quantity: 200, price: { priceAmount: { amountMinor: 1240, currencyId: "EUR" } }, estimatedDeliveryPeriod: { businessDays: 4 } } }],
      },
    });
  });

  it("names each field at fault in the merchant's words", () => {
    const result = enter({ unitPrice: "12,40", quantity: "0", leadBusinessDays: "2.5", validUntil: "10/12/2026" });
    expect(!result.ok && result.issues).toEqual([
      { field: "unitPrice", message: '"12,40" is not an amount in EUR like 12.50.' },
      { field: "quantity", message: "A quote for 0 units is a decline; enter at least 1." },
      { field: "leadBusinessDays", message: "Enter the lead time in business days, a whole number up to 366." },
      { field: "validUntil", message: "Enter the last day the quote holds." },
    ]);
  });

  it("refuses a quote that has already expired; today still counts until midnight in the shop", () => {
    expect(enter({ validUntil: "2026-12-02" })).toMatchObject({ ok: false, issues: [{ field: "validUntil", message: expect.stringMatching(/already expired/) }] });
    expect(enter({ validUntil: "2026-12-03" }).ok).toBe(true);
    expect(enter({ unitPrice: "" })).toMatchObject({ ok: false, issues: [{ field: "unitPrice", message: "Enter the unit price the supplier quoted." }] });
    expect(enter({ unitPrice: "0" })).toMatchObject({ ok: false, issues: [{ field: "unitPrice", message: "The unit price must be more than zero." }] });
  });
});
