import { describe, expect, it } from "vitest";
import { parseSupplierAnswer, signSupplierBody, verifySupplierSignature } from "./https-supplier-connector.server.ts";

const quotation = (over: Record<string, unknown> = {}) => ({
  documentType: "Quotation",
  id: "Q-1",
  issueDate: "2026-12-02T10:00:00Z",
  requestForQuotationDocumentReference: { id: "RFQ-r-s" },
  sellerSupplierParty: { id: "s", name: "Acme" },
  validityPeriod: { endDate: "2026-12-03T10:00:00Z" },
  documentCurrencyCode: "USD",
  quotationLines: [{ id: "1", lineItem: { item: { buyersItemId: "MUG-1", sellersItemId: null }, quantity: 200, price: { priceAmount: { amountMinor: 1000, currencyId: "USD" } }, estimatedDeliveryPeriod: { businessDays: 4 } } }],
  ...over,
});

describe("supplier connector signatures", () => {
  it("accepts the exact body signed with the supplier's secret, nothing else", () => {
    const body = JSON.stringify(quotation());
    const signature = signSupplierBody(body, "secret-of-acme-0123");
    expect(verifySupplierSignature(body, signature, "secret-of-acme-0123")).toBe(true);
    expect(verifySupplierSignature(body, signature, "secret-of-bolt-0123")).toBe(false);
    expect(verifySupplierSignature(`${body} `, signature, "secret-of-acme-0123")).toBe(false);
    expect(verifySupplierSignature(body, null, "secret-of-acme-0123")).toBe(false);
    expect(verifySupplierSignature(body, "not base64 at all!", "secret-of-acme-0123")).toBe(false);
  });
});

describe("supplier answers", () => {
  it("reads a quotation with its dates, and a decline", () => {
    const parsed = parseSupplierAnswer(quotation());
    expect(parsed).toMatchObject({ ok: true, answer: { kind: "quotation", quotation: { id: "Q-1", validityPeriod: { endDate: new Date("2026-12-03T10:00:00Z") } } } });
    expect(parseSupplierAnswer({ documentType: "QuotationDecline", requestForQuotationDocumentReference: { id: "RFQ-r-s" } })).toEqual({ ok: true, answer: { kind: "decline", rfqId: "RFQ-r-s", reason: "" } });
  });

  it("refuses malformed answers with the place of each issue", () => {
    const twoLines = quotation();
    (twoLines.quotationLines as unknown[]).push((twoLines.quotationLines as unknown[])[0]);
    const cases: unknown[] = [
      { documentType: "Quotation", id: "Q", quotationLines: "call us" },
      quotation({ documentCurrencyCode: "usd" }),
      twoLines,
      quotation({ validityPeriod: { endDate: "tomorrow" } }),
      null,
    ];
    for (const input of cases) {
      const parsed = parseSupplierAnswer(input);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.issues.length).toBeGreaterThan(0);
    }
    const negative = quotation();
    (negative.quotationLines as { lineItem: { quantity: number } }[])[0].lineItem.quantity = -1;
    expect(parseSupplierAnswer(negative)).toMatchObject({ ok: false, issues: [expect.stringContaining("quotationLines.0.lineItem.quantity")] });
    const otherCurrency = quotation();
    (otherCurrency.quotationLines as { lineItem: { price: { priceAmount: { currencyId: string } } } }[])[0].lineItem.price.priceAmount.currencyId = "EUR";
    expect(parseSupplierAnswer(otherCurrency)).toMatchObject({ ok: false });
  });
});
