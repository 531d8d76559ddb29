/**
 * The Suppliers page: the shop's suppliers with the SKUs each covers (usual cost, lead time,
 * rating), their connector (an HTTPS endpoint with a secret never shown whole, or an email
 * address), add / edit / remove, and the import of a CSV of SKU-supplier rows.
 *
 * Exported API
 * - loadSuppliersPage({ db, shop, locale }): SuppliersPage
 * - submitSuppliersAction({ db, shop, form, admin, allowLoopbackHttp }): SuppliersActionResult
 *     intents: save (add, or edit with `id`), remove, import (`file`: the CSV)
 * - readCsvRecords(text): { ok: true; records } | { ok: false; issue }    BOM, CRLF, quotes; , ; or tab between cells
 *
 * The import reads the whole file, checks every row (supplier-sku-rows.ts), asks Shopify which
 * inventory item carries each SKU, and stores the rows in one transaction, or nothing.
 */
import { randomBytes } from "node:crypto";
import { CsvError, parse } from "csv-parse/sync";
import type { Db } from "../db.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { inventoryItemsWithSku } from "../adapters/shopify/admin-operations/inventory-items-by-sku.ts";
import { createSupplier, importSkuSupplierRows, listSuppliersWithSkus, removeSupplier, updateSupplier, type ResolvedRow } from "../adapters/db/supplier-catalogue-repository.server.ts";
import { checkSupplierDraft, maskSecret, type FieldIssue, type SupplierDraft } from "../domain/supplier-connection.ts";
import { checkSkuSupplierRows, SKU_SUPPLIER_COLUMNS, type RowIssue } from "../domain/supplier-sku-rows.ts";
import { runLimited } from "./run-limited.ts";
import { formatMoney as formatShopMoney } from "./admin-formatting.ts";

export const MAX_CSV_BYTES = 1024 * 1024;
export const MAX_CSV_ROWS = 5_000;

export type SupplierRow = {
  id: string;
  name: string;
  connector: "https" | "email";
  endpointUrl: string | null;
  email: string | null;
  /** Only the last characters: the page never holds a secret whole. */
  secretHint: string | null;
  skus: { sku: string; usualCost: string; leadBusinessDays: number; rating: number; supplierSku: string | null }[];
};

export type SuppliersPage = { currency: string; locale: string; suppliers: SupplierRow[]; columns: { label: string; required: boolean }[] };

export type SuppliersActionResult =
  | { ok: true; intent: "save" | "remove" | "import"; message: string }
  | { ok: false; intent: "save"; issues: FieldIssue[] }
  | { ok: false; intent: "remove"; message: string }
  | { ok: false; intent: "import"; message: string; issues: RowIssue[] }
  | { ok: false; intent: "unknown"; message: string };

async function currencyOf(db: Db, shop: string): Promise<string> {
  return (await db.shop.findUnique({ where: { domain: shop }, select: { currencyCode: true } }))?.currencyCode ?? "USD";
}

export async function loadSuppliersPage({ db, shop, locale }: { db: Db; shop: string; locale: string }): Promise<SuppliersPage> {
  const currency = await currencyOf(db, shop);
  const listed = await listSuppliersWithSkus(db, shop);
  return {
    currency,
    locale,
    columns: SKU_SUPPLIER_COLUMNS.map((c) => ({ label: c.label, required: c.required })),
    suppliers: listed.map((s) => ({
      id: s.id,
      name: s.name,
      connector: s.connector,
      endpointUrl: s.endpointUrl,
      email: s.email,
      secretHint: s.connector === "https" ? maskSecret(s.signingSecret) : null,
      skus: s.skus.map((k) => ({ sku: k.sku ?? k.inventoryItemGid.replace("gid://shopify/InventoryItem/", "item "), usualCost: formatShopMoney(k.usualUnitCostMinor, { currency, locale }), leadBusinessDays: k.usualLeadBusinessDays, rating: k.qualityRating, supplierSku: k.suppliersItemId })),
    })),
  };
}

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
};

export async function submitSuppliersAction(input: { db: Db; shop: string; form: FormData; admin: () => Promise<AdminRunner>; allowLoopbackHttp: boolean }): Promise<SuppliersActionResult> {
  const { db, shop, form } = input;
  const intent = text(form, "intent");
  if (intent === "save") {
    const id = text(form, "id");
    const draft: SupplierDraft = { name: text(form, "name"), connector: text(form, "connector"), endpointUrl: text(form, "endpointUrl"), email: text(form, "email"), signingSecret: text(form, "signingSecret") };
    const checked = checkSupplierDraft(draft, { keepsSecret: id !== "", allowLoopbackHttp: input.allowLoopbackHttp });
    if (!checked.ok) return { ok: false, intent, issues: checked.issues };
    const supplier = checked.supplier;
    if (id) {
      // An HTTPS secret is needed when a supplier moves from email to HTTPS.
      if (supplier.connector === "https" && supplier.signingSecret === null) {
        const stored = await db.supplier.findFirst({ where: { id, shop }, select: { connector: true } });
        if (stored?.connector !== "https") return { ok: false, intent, issues: [{ field: "signingSecret", message: "Enter the signing secret you agreed with the supplier." }] };
      }
      const updated = await updateSupplier(db, shop, id, supplier);
      return updated.ok ? { ok: true, intent, message: `${supplier.name} saved.` } : { ok: false, intent, issues: [{ field: "name", message: updated.issue }] };
    }
    // An email supplier signs nothing, but every supplier row holds a secret: a random one nobody uses.
    const created = await createSupplier(db, shop, supplier, supplier.signingSecret ?? randomBytes(24).toString("base64url"));
    return created.ok ? { ok: true, intent, message: `${supplier.name} added.` } : { ok: false, intent, issues: [{ field: "name", message: created.issue }] };
  }
  if (intent === "remove") {
    const removed = await removeSupplier(db, shop, text(form, "id"));
    return removed.ok ? { ok: true, intent, message: `${removed.name} removed, with the SKUs it covered.` } : { ok: false, intent, message: removed.issue };
  }
  if (intent === "import") return importCsv(input);
  return { ok: false, intent: "unknown", message: "This page does not know that action; reload it and try again." };
}

export function readCsvRecords(csv: string): { ok: true; records: string[][] } | { ok: false; issue: string } {
  const firstLine = csv.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  // Spreadsheets in many countries export with ";" (the comma is their decimal mark), some with tabs.
  const delimiter = [",", ";", "\t"].map((d) => ({ d, n: firstLine.split(d).length })).sort((a, b) => b.n - a.n)[0].d;
  try {
    const records = parse(csv, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
    return { ok: true, records };
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      const quote = error.code === "CSV_QUOTE_NOT_CLOSED" ? "a quote (\") opens a cell that is never closed" : error.code === "CSV_INVALID_CLOSING_QUOTE" ? "a quote (\") closes a cell but more text follows it" : "the file is not valid CSV";
      return { ok: false, issue: `The file could not be read${line ? ` near line ${line}` : ""}: ${quote}. Export it again as CSV from your spreadsheet.` };
    }
    throw error;
  }
}

async function importCsv(input: { db: Db; shop: string; form: FormData; admin: () => Promise<AdminRunner> }): Promise<SuppliersActionResult> {
  const { db, shop } = input;
  const refused = (message: string, issues: RowIssue[] = []): SuppliersActionResult => ({ ok: false, intent: "import", message, issues });
  const file = input.form.get("file");
  if (!file || typeof file === "string" || file.size === 0) return refused("Choose a CSV file to import.");
  if (file.size > MAX_CSV_BYTES) return refused(`The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB; split it and import the parts one after another.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  let csv: string;
  try {
    csv = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return refused("The file is not UTF-8 text. In your spreadsheet, export as “CSV UTF-8” and import that file.");
  }
  const read = readCsvRecords(csv);
  if (!read.ok) return refused(read.issue);
  if (read.records.length - 1 > MAX_CSV_ROWS) return refused(`The file has more than ${MAX_CSV_ROWS} rows; split it and import the parts one after another.`);

  const suppliers = await db.supplier.findMany({ where: { shop }, select: { id: true, name: true } });
  const checked = checkSkuSupplierRows({ records: read.records, currency: await currencyOf(db, shop), supplierIdsByName: new Map(suppliers.map((s) => [s.name, s.id])) });
  if (!checked.ok) return refused(importRefusal(checked.issues), checked.issues);

  // Which inventory item carries each SKU: one lookup per distinct SKU, a few at a time.
  const skus = [...new Set(checked.rows.map((r) => r.sku))];
  const found = new Map<string, string[]>();
  const admin = await input.admin();
  const run = await runLimited(skus, 4, async (sku) => {
    found.set(sku, await inventoryItemsWithSku(admin, sku));
  });
  if (run.stopped) throw run.error;
  const issues: RowIssue[] = [];
  const resolved: ResolvedRow[] = [];
  for (const row of checked.rows) {
    const items = found.get(row.sku) ?? [];
    if (items.length === 0) issues.push({ row: row.row, message: `Row ${row.row}: no product in your store has the SKU "${row.sku}".` });
    else if (items.length > 1) issues.push({ row: row.row, message: `Row ${row.row}: more than one variant in your store has the SKU "${row.sku}"; give each its own SKU first.` });
    else resolved.push({ ...row, inventoryItemGid: items[0] });
  }
  if (issues.length > 0) return refused(importRefusal(issues), issues);
  const stored = await importSkuSupplierRows(db, shop, resolved);
  if (!stored.ok) return refused(importRefusal(stored.issues), stored.issues);
  const parts = [stored.added > 0 ? `${stored.added} added` : null, stored.updated > 0 ? `${stored.updated} updated` : null].filter(Boolean).join(", ");
  return { ok: true, intent: "import", message: `Imported ${resolved.length} ${resolved.length === 1 ? "row" : "rows"} (${parts}).` };
}

function importRefusal(issues: RowIssue[]): string {
  const rows = issues.filter((i) => i.row !== null && i.row > 1).length;
  return rows > 0 ? `Nothing was imported: ${rows} ${rows === 1 ? "row needs" : "rows need"} fixing. Correct ${rows === 1 ? "it" : "them"} in your spreadsheet and import the whole file again.` : "Nothing was imported.";
}
