/**
 * The merchant's spreadsheet of SKU-supplier rows (one row: a SKU, a supplier, its usual cost,
 * usual lead time, rating, and optionally the supplier's own item code), checked row by row.
 *
 * Exported API
 * - SKU_SUPPLIER_COLUMNS                      the columns, with the header names each accepts
 * - MAX_SUPPLIERS_PER_SKU = 5
 * - type SkuSupplierRow, type RowIssue
 * - checkSkuSupplierRows({ records, currency, supplierIdsByName }):
 *     { ok: true; rows } | { ok: false; issues }      every row is checked; issues name the row as the spreadsheet numbers it
 * - skuFormatIssue(sku): string | null         why a SKU cell cannot be a SKU (empty, too long, rewritten by a spreadsheet)
 *
 * Rows are numbered as the spreadsheet shows them: the header is row 1, the first data row row 2
 * (a quoted cell spanning lines is still one row). Messages quote the merchant's own cell text.
 * Nothing here knows whether a SKU exists in the store; the import asks Shopify for that.
 */
import { currencyExponent, MoneyParseError, parseMoney, type MinorUnits } from "./money.ts";

export const MAX_SUPPLIERS_PER_SKU = 5;
const MAX_LEAD_DAYS = 366;
const MAX_CELL = 255;

type ColumnKey = "sku" | "supplier" | "usualCost" | "leadTime" | "rating" | "supplierSku";

/** Header names compare without case, spaces, punctuation: "Lead time (business days)" is "leadtimebusinessdays". */
export const SKU_SUPPLIER_COLUMNS: { key: ColumnKey; label: string; required: boolean; names: string[] }[] = [
  { key: "sku", label: "SKU", required: true, names: ["sku", "variantsku"] },
  { key: "supplier", label: "Supplier", required: true, names: ["supplier", "suppliername", "vendor"] },
  { key: "usualCost", label: "Usual cost", required: true, names: ["usualcost", "unitcost", "cost", "usualunitcost"] },
  { key: "leadTime", label: "Lead time (business days)", required: true, names: ["leadtime", "leadtimebusinessdays", "leadtimedays", "leaddays", "usualleadtime"] },
  { key: "rating", label: "Rating", required: true, names: ["rating", "quality", "qualityrating"] },
  { key: "supplierSku", label: "Supplier SKU", required: false, names: ["suppliersku", "supplieritem", "supplieritemcode", "supplieritemid", "supplierscode"] },
];

export type SkuSupplierRow = {
  /** The spreadsheet's row number. */
  row: number;
  sku: string;
  supplierId: string;
  supplierName: string;
  usualUnitCostMinor: MinorUnits;
  usualLeadBusinessDays: number;
  qualityRating: number;
  suppliersItemId: string | null;
};

/** row null: about the whole file (a missing column). */
export type RowIssue = { row: number | null; message: string };

const headerKey = (cell: string) => cell.toLowerCase().replace(/[^a-z0-9]/g, "");

export function skuFormatIssue(sku: string): string | null {
  if (sku === "") return "the SKU is empty";
  if (sku.length > MAX_CELL) return `the SKU is longer than ${MAX_CELL} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(sku)) return `the SKU "${printable(sku)}" contains a line break or another invisible character`;
  // Spreadsheets turn long numeric SKUs into 1.23457E+11, losing digits for good.
  if (/^[+-]?\d+(?:[.,]\d+)?E[+-]?\d+$/i.test(sku)) return `the SKU "${sku}" looks like a number your spreadsheet rewrote; format the SKU column as text and export again`;
  return null;
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, 60);
}

export function checkSkuSupplierRows(input: {
  records: string[][];
  currency: string;
  /** The shop's suppliers, by name as the merchant typed it (compared without case and outer spaces). */
  supplierIdsByName: ReadonlyMap<string, string>;
}): { ok: true; rows: SkuSupplierRow[] } | { ok: false; issues: RowIssue[] } {
  const [header, ...data] = input.records;
  if (!header || header.every((cell) => cell.trim() === "")) return { ok: false, issues: [{ row: null, message: `The file is empty. Its first row must name the columns: ${requiredLabels()}.` }] };
  const positions = new Map<ColumnKey, number>();
  const issues: RowIssue[] = [];
  header.forEach((cell, index) => {
    const key = SKU_SUPPLIER_COLUMNS.find((c) => c.names.includes(headerKey(cell)))?.key;
    if (!key) return;
    if (positions.has(key)) issues.push({ row: 1, message: `The column "${cell.trim()}" appears twice.` });
    else positions.set(key, index);
  });
  const missing = SKU_SUPPLIER_COLUMNS.filter((c) => c.required && !positions.has(c.key));
  if (missing.length > 0) {
    issues.push({ row: 1, message: `The first row must name the columns ${requiredLabels()}; missing: ${missing.map((c) => c.label).join(", ")}.` });
  }
  if (issues.length > 0) return { ok: false, issues };
  if (data.length === 0) return { ok: false, issues: [{ row: null, message: "The file has column names but no rows." }] };

  const byName = new Map([...input.supplierIdsByName].map(([name, id]) => [name.trim().toLowerCase(), { id, name: name.trim() }]));
  const seen = new Map<string, number>();
  const perSku = new Map<string, number>();
  const rows: SkuSupplierRow[] = [];
  data.forEach((record, index) => {
    const row = index + 2;
    if (record.every((cell) => cell.trim() === "")) return; // blank lines a spreadsheet leaves at the end
    const cell = (key: ColumnKey) => (positions.has(key) ? (record[positions.get(key)!] ?? "").trim() : "");
    const problems: string[] = [];

    const sku = cell("sku");
    const skuIssue = skuFormatIssue(sku);
    if (skuIssue) problems.push(skuIssue);

    const supplierText = cell("supplier");
    const supplier = byName.get(supplierText.toLowerCase());
    if (!supplierText) problems.push("the supplier is empty");
    else if (!supplier) problems.push(`there is no supplier named "${supplierText}"; add it on this page first`);

    const cost = parseCost(cell("usualCost"), input.currency);
    if (typeof cost === "string") problems.push(cost);
    const lead = parseWhole(cell("leadTime"), "lead time", MAX_LEAD_DAYS, "business days");
    if (typeof lead === "string") problems.push(lead);
    const rating = parseRating(cell("rating"));
    if (typeof rating === "string") problems.push(rating);
    const supplierSku = cell("supplierSku");
    if (supplierSku.length > MAX_CELL) problems.push(`the supplier SKU is longer than ${MAX_CELL} characters`);

    if (!skuIssue && supplier) {
      const key = `${sku}\u0000${supplier.id}`;
      const first = seen.get(key);
      if (first !== undefined) problems.push(`SKU "${sku}" with ${supplier.name} is already on row ${first}`);
      else {
        seen.set(key, row);
        const count = (perSku.get(sku) ?? 0) + 1;
        perSku.set(sku, count);
        if (count > MAX_SUPPLIERS_PER_SKU) problems.push(`SKU "${sku}" has more than ${MAX_SUPPLIERS_PER_SKU} suppliers in this file; at most ${MAX_SUPPLIERS_PER_SKU} are asked per SKU`);
      }
    }
    if (problems.length > 0) {
      issues.push({ row, message: `Row ${row}: ${problems.join("; ")}.` });
      return;
    }
    rows.push({
      row,
      sku,
      supplierId: supplier!.id,
      supplierName: supplier!.name,
      usualUnitCostMinor: cost as number,
      usualLeadBusinessDays: lead as number,
      qualityRating: rating as number,
      suppliersItemId: supplierSku || null,
    });
  });
  if (issues.length > 0) return { ok: false, issues };
  if (rows.length === 0) return { ok: false, issues: [{ row: null, message: "The file has column names but no rows." }] };
  return { ok: true, rows };
}

function requiredLabels(): string {
  return SKU_SUPPLIER_COLUMNS.filter((c) => c.required)
    .map((c) => c.label)
    .join(", ");
}

function parseCost(text: string, currency: string): number | string {
  if (text === "") return "the usual cost is empty";
  // A leading currency symbol or code is the spreadsheet's formatting, not part of the amount.
  const amount = text.replace(new RegExp(`^(?:${currency}\\s*|[$€£¥]\\s*)`, "i"), "").replace(/\s+(?:[A-Z]{3})$/, "");
  const example = currencyExponent(currency) === 0 ? "1250" : "12.50";
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(amount)) return usualCostIssue(text, currency, example, "leave out the thousands separators");
  if (/^\d+,\d+$/.test(amount)) return usualCostIssue(text, currency, example, "use a point for decimals");
  try {
    const minor = parseMoney(amount, currency);
    if (minor <= 0) return `the usual cost "${text}" must be more than zero`;
    return minor;
  } catch (error) {
    if (error instanceof MoneyParseError) return usualCostIssue(text, currency, example, /decimal places/.test(error.message) ? `${currency} has ${currencyExponent(currency)} decimals` : null);
    throw error;
  }
}

function usualCostIssue(text: string, currency: string, example: string, hint: string | null): string {
  return `the usual cost "${text}" is not an amount in ${currency} like ${example}${hint ? ` (${hint})` : ""}`;
}

function parseWhole(text: string, what: string, max: number, unit: string): number | string {
  if (text === "") return `the ${what} is empty`;
  if (!/^\d+$/.test(text)) return `the ${what} "${text}" must be a whole number of ${unit}`;
  const value = Number(text);
  if (value > max) return `the ${what} "${text}" must be at most ${max} ${unit}`;
  return value;
}

function parseRating(text: string): number | string {
  if (text === "") return "the rating is empty";
  if (!/^\d+(\.\d+)?$/.test(text)) return `the rating "${text}" must be a number from 0 to 5`;
  const value = Number(text);
  if (value > 5) return `the rating "${text}" must be a number from 0 to 5`;
  return value;
}
