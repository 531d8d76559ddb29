/**
 * The Suppliers page's storage: the shop's suppliers with the SKUs each covers, and the
 * all-or-nothing import of SKU-supplier rows. Every query names the shop.
 *
 * Exported API
 * - listSuppliersWithSkus(db, shop): SupplierListing[]          name order; SKU rows by SKU
 * - createSupplier(db, shop, connection, secret): { ok: true; id } | { ok: false; issue }   a name is one supplier per shop
 * - updateSupplier(db, shop, id, connection): { ok: true } | { ok: false; issue }           secret null keeps the stored one
 * - removeSupplier(db, shop, id): { ok: true; name } | { ok: false; issue }                 refused while an open request asks it
 * - importSkuSupplierRows(db, shop, rows): { ok: true; added; updated } | { ok: false; issues }
 *     one transaction: a row over the per-SKU limit (with the SKU's stored suppliers) stores nothing
 */
import type { Db } from "../../db.server.ts";
import type { SupplierConnection } from "../../domain/supplier-connection.ts";
import { MAX_SUPPLIERS_PER_SKU, type RowIssue, type SkuSupplierRow } from "../../domain/supplier-sku-rows.ts";
import { isUniqueViolation } from "./replenishment-repository.server.ts";

export type SupplierListing = {
  id: string;
  name: string;
  connector: "https" | "email";
  endpointUrl: string | null;
  email: string | null;
  signingSecret: string;
  skus: { inventoryItemGid: string; sku: string | null; usualUnitCostMinor: number; usualLeadBusinessDays: number; qualityRating: number; suppliersItemId: string | null }[];
};

export async function listSuppliersWithSkus(db: Db, shop: string): Promise<SupplierListing[]> {
  const [suppliers, rows, rules] = await Promise.all([
    db.supplier.findMany({ where: { shop }, orderBy: [{ name: "asc" }, { id: "asc" }] }),
    db.skuSupplier.findMany({ where: { shop }, orderBy: [{ inventoryItemGid: "asc" }] }),
    db.replenishmentRule.findMany({ where: { shop }, select: { inventoryItemGid: true, sku: true } }),
  ]);
  // The SKU text is kept with the rows imported from a spreadsheet; rules know it too.
  const skuOf = new Map(rules.map((r) => [r.inventoryItemGid, r.sku]));
  for (const row of rows) if (row.sku) skuOf.set(row.inventoryItemGid, row.sku);
  return suppliers.map((s) => ({
    id: s.id,
    name: s.name,
    connector: s.connector === "email" ? "email" : "https",
    endpointUrl: s.endpointUrl,
    email: s.email,
    signingSecret: s.signingSecret,
    skus: rows
      .filter((r) => r.supplierId === s.id)
      .map((r) => ({ inventoryItemGid: r.inventoryItemGid, sku: skuOf.get(r.inventoryItemGid) ?? null, usualUnitCostMinor: r.usualUnitCostMinor, usualLeadBusinessDays: r.usualLeadBusinessDays, qualityRating: r.qualityRating, suppliersItemId: r.suppliersItemId }))
      .sort((a, b) => (a.sku ?? a.inventoryItemGid).localeCompare(b.sku ?? b.inventoryItemGid)),
  }));
}

const fieldsOf = (connection: SupplierConnection) => ({ name: connection.name, connector: connection.connector, endpointUrl: connection.endpointUrl, email: connection.email });
const nameTaken = (name: string) => `You already have a supplier named "${name}".`;

export async function createSupplier(db: Db, shop: string, connection: SupplierConnection, secret: string): Promise<{ ok: true; id: string } | { ok: false; issue: string }> {
  try {
    const row = await db.supplier.create({ data: { shop, ...fieldsOf(connection), signingSecret: secret }, select: { id: true } });
    return { ok: true, id: row.id };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, issue: nameTaken(connection.name) };
    throw error;
  }
}

export async function updateSupplier(db: Db, shop: string, id: string, connection: SupplierConnection): Promise<{ ok: true } | { ok: false; issue: string }> {
  try {
    const updated = await db.supplier.updateMany({ where: { id, shop }, data: { ...fieldsOf(connection), ...(connection.signingSecret ? { signingSecret: connection.signingSecret } : {}) } });
    return updated.count === 1 ? { ok: true } : { ok: false, issue: "This supplier no longer exists; reload the page." };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, issue: nameTaken(connection.name) };
    throw error;
  }
}

export async function removeSupplier(db: Db, shop: string, id: string): Promise<{ ok: true; name: string } | { ok: false; issue: string }> {
  return db.$transaction(async (tx) => {
    const supplier = await tx.supplier.findFirst({ where: { id, shop }, select: { name: true } });
    if (!supplier) return { ok: false as const, issue: "This supplier no longer exists; reload the page." };
    const asking = await tx.supplierRfq.findMany({ where: { shop, supplierId: id }, select: { requestId: true } });
    const open = asking.length === 0 ? 0 : await tx.replenishmentRequest.count({ where: { shop, id: { in: asking.map((a) => a.requestId) }, status: { in: ["open", "escalated"] } } });
    if (open > 0) return { ok: false as const, issue: `${supplier.name} is part of ${open === 1 ? "an open request" : `${open} open requests`}; decide ${open === 1 ? "it" : "them"} on the Replenishment page first.` };
    await tx.skuSupplier.deleteMany({ where: { shop, supplierId: id } });
    await tx.supplier.deleteMany({ where: { id, shop } });
    return { ok: true as const, name: supplier.name };
  });
}

export type ResolvedRow = SkuSupplierRow & { inventoryItemGid: string };

class ImportRefused extends Error {
  constructor(readonly issues: RowIssue[]) {
    super("import refused");
  }
}

export async function importSkuSupplierRows(db: Db, shop: string, rows: ResolvedRow[]): Promise<{ ok: true; added: number; updated: number } | { ok: false; issues: RowIssue[] }> {
  try {
    return await db.$transaction(async (tx) => {
      let added = 0;
      let updated = 0;
      const ids = [...new Set(rows.map((r) => r.supplierId))];
      if ((await tx.supplier.count({ where: { shop, id: { in: ids } } })) !== ids.length) throw new ImportRefused([{ row: null, message: "A supplier was removed while the file was read; import it again." }]);
      const existing = await tx.skuSupplier.findMany({ where: { shop, inventoryItemGid: { in: [...new Set(rows.map((r) => r.inventoryItemGid))] } }, select: { inventoryItemGid: true, supplierId: true, position: true } });
      const suppliersOf = new Map<string, Set<string>>();
      const nextPosition = new Map<string, number>();
      for (const e of existing) {
        suppliersOf.set(e.inventoryItemGid, (suppliersOf.get(e.inventoryItemGid) ?? new Set()).add(e.supplierId));
        nextPosition.set(e.inventoryItemGid, Math.max(nextPosition.get(e.inventoryItemGid) ?? 0, e.position + 1));
      }
      const issues: RowIssue[] = [];
      for (const row of rows) {
        const held = suppliersOf.get(row.inventoryItemGid) ?? new Set<string>();
        const isNew = !held.has(row.supplierId);
        if (isNew && held.size >= MAX_SUPPLIERS_PER_SKU) {
          issues.push({ row: row.row, message: `Row ${row.row}: SKU "${row.sku}" already has ${MAX_SUPPLIERS_PER_SKU} suppliers; remove one before adding ${row.supplierName}.` });
          continue;
        }
        held.add(row.supplierId);
        suppliersOf.set(row.inventoryItemGid, held);
        const fields = { sku: row.sku, usualUnitCostMinor: row.usualUnitCostMinor, usualLeadBusinessDays: row.usualLeadBusinessDays, qualityRating: row.qualityRating, suppliersItemId: row.suppliersItemId };
        if (isNew) {
          const position = nextPosition.get(row.inventoryItemGid) ?? 0;
          nextPosition.set(row.inventoryItemGid, position + 1);
          await tx.skuSupplier.create({ data: { shop, inventoryItemGid: row.inventoryItemGid, supplierId: row.supplierId, position, ...fields } });
          added++;
        } else {
          await tx.skuSupplier.update({ where: { shop_inventoryItemGid_supplierId: { shop, inventoryItemGid: row.inventoryItemGid, supplierId: row.supplierId } }, data: fields });
          updated++;
        }
      }
      // Thrown, so the rows written before the bad one are rolled back with it.
      if (issues.length > 0) throw new ImportRefused(issues);
      return { ok: true as const, added, updated };
    }, { timeout: 60_000 });
  } catch (error) {
    if (error instanceof ImportRefused) return { ok: false, issues: error.issues };
    throw error;
  }
}
