import { describe, expect, it } from "vitest";
import { checkSkuSupplierRows, skuFormatIssue } from "./supplier-sku-rows.ts";

const SUPPLIERS = new Map([
  ["Acme", "s-acme"],
  ["Bolt Parts", "s-bolt"],
]);
const HEADER = ["SKU", "Supplier", "Usual cost", "Lead time (business days)", "Rating", "Supplier SKU"];
const check = (rows: string[][], currency = "USD", header = HEADER) => checkSkuSupplierRows({ records: [header, ...rows], currency, supplierIdsByName: SUPPLIERS });

describe("SKU-supplier rows from a spreadsheet", () => {
  it("reads good rows, numbered as the spreadsheet shows them, suppliers matched without case", () => {
    const result = check([
      ["MUG-1", "acme", "12.50", "5", "4", "AC-77"],
      ["MUG-1", " Bolt Parts ", "$13", "3", "4.5", ""],
    ]);
    expect(result).toEqual({
      ok: true,
      rows: [
        { row: 2, sku: "MUG-1", supplierId: "s-acme", supplierName: "Acme", usualUnitCostMinor: 1250, usualLeadBusinessDays: 5, qualityRating: 4, suppliersItemId: "AC-77" },
        { row: 3, sku: "MUG-1", supplierId: "s-bolt", supplierName: "Bolt Parts", usualUnitCostMinor: 1300, usualLeadBusinessDays: 3, qualityRating: 4.5, suppliersItemId: null },
      ],
    });
  });

  it("accepts header names as merchants write them, in any order, the optional column left out", () => {
    const result = check([["5", "12", "MUG-1", "Acme", "3"]], "USD", ["lead_time", "cost", "sku", "vendor", "Quality"]);
    expect(result.ok && result.rows[0]).toMatchObject({ sku: "MUG-1", usualUnitCostMinor: 1200, usualLeadBusinessDays: 5, qualityRating: 3, suppliersItemId: null });
  });

  it("names a missing column, and refuses a file without rows", () => {
    expect(check([["MUG-1", "Acme", "1"]], "USD", ["SKU", "Supplier", "Cost"])).toEqual({
      ok: false,
      issues: [{ row: 1, message: "The first row must name the columns SKU, Supplier, Usual cost, Lead time (business days), Rating; missing: Lead time (business days), Rating." }],
    });
    expect(check([])).toEqual({ ok: false, issues: [{ row: null, message: "The file has column names but no rows." }] });
    expect(check([["", "", "", "", "", ""]])).toEqual({ ok: false, issues: [{ row: null, message: "The file has column names but no rows." }] });
  });

  it("reports every bad row with its number and the merchant's own text, and returns no rows at all", () => {
    const result = check([
      ["MUG-1", "Acme", "12.50", "5", "4", ""],
      ["MUG-2", "Cargo", "12,50", "five", "6", ""],
      ["1.23457E+11", "Acme", "0", "400", "-1", ""],
      ["MUG-1", "ACME", "11.00", "5", "4", ""],
      ["MUG-3", "Acme", "1,250.00", "2", "4", ""],
      ["MUG-4", "Acme", "12.505", "2", "4"],
    ]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.message)).toEqual([
      'Row 3: there is no supplier named "Cargo"; add it on this page first; the usual cost "12,50" is not an amount in USD like 12.50 (use a point for decimals); the lead time "five" must be a whole number of business days; the rating "6" must be a number from 0 to 5.',
      'Row 4: the SKU "1.23457E+11" looks like a number your spreadsheet rewrote; format the SKU column as text and export again; the usual cost "0" must be more than zero; the lead time "400" must be at most 366 business days; the rating "-1" must be a number from 0 to 5.',
      'Row 5: SKU "MUG-1" with Acme is already on row 2.',
      'Row 6: the usual cost "1,250.00" is not an amount in USD like 12.50 (leave out the thousands separators).',
      'Row 7: the usual cost "12.505" is not an amount in USD like 12.50 (USD has 2 decimals).',
    ]);
  });

  it("uses the currency's own decimals: yen have none", () => {
    expect(check([["MUG-1", "Acme", "1250", "5", "4", ""]], "JPY")).toMatchObject({ ok: true, rows: [{ usualUnitCostMinor: 1250 }] });
    expect(check([["MUG-1", "Acme", "12.5", "5", "4", ""]], "JPY")).toMatchObject({ ok: false, issues: [{ row: 2, message: 'Row 2: the usual cost "12.5" is not an amount in JPY like 1250 (JPY has 0 decimals).' }] });
  });

  it("allows at most five suppliers per SKU in one file", () => {
    const many = new Map(Array.from({ length: 6 }, (_, i) => [`S${i}`, `id${i}`] as [string, string]));
    const result = checkSkuSupplierRows({ records: [HEADER, ...Array.from({ length: 6 }, (_, i) => ["MUG-1", `S${i}`, "1", "1", "1", ""])], currency: "USD", supplierIdsByName: many });
    expect(result).toEqual({ ok: false, issues: [{ row: 7, message: 'Row 7: SKU "MUG-1" has more than 5 suppliers in this file; at most 5 are asked per SKU.' }] });
  });

  it("says why a SKU cell is not a SKU", () => {
    expect(skuFormatIssue("")).toBe("the SKU is empty");
    expect(skuFormatIssue("A".repeat(256))).toBe("the SKU is longer than 255 characters");
    expect(skuFormatIssue("MUG\n1")).toBe('the SKU "MUG 1" contains a line break or another invisible character');
    expect(skuFormatIssue("4,00012E+12")).toMatch(/spreadsheet rewrote/);
    expect(skuFormatIssue("E100")).toBeNull();
    expect(skuFormatIssue("1E5-BLUE")).toBeNull();
  });
});
