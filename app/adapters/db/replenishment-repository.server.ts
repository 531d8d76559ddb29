/**
 * Storage of the replenishment pipeline: the merchant's rules and suppliers, the stock positions
 * read from Shopify, requests, RFQs, quotes, decisions and purchase orders (prisma/schema.prisma,
 * "Supplier priority requests").
 *
 * Exported API
 * - loadReplenishmentSettings(db, shop): ReplenishmentSettings      saved, or the defaults in the shop's currency
 * - saveReplenishmentSettings(db, shop, settings)
 * - saveSupplier(db, shop, input): Supplier row                     upsert by (shop, name)
 * - saveSkuRule(db, shop, { rule, inventoryItemGid, suppliers })    the rule and its SKU-supplier rows, in one transaction
 * - loadSkuRule(db, shop, inventoryItemGid, locationGid): SkuReplenishmentRule | null
 * - recordStockPosition(db, shop, position): "stored" | "stale"     a read older than the stored one is ignored
 * - openReplenishmentRequest(db, input): { created: true; request } | { created: false; openRequestId }
 * - hasOpenRequest(db, shop, inventoryItemGid, locationGid): boolean
 * - waitingTierKeysForSku(db, shop, sku): string[]                  tiers of open orders whose promise waits on the SKU's stock
 * - closeRequest(tx, requestId, status, decidedAt, from = "open")   award/cancel free the (SKU, location); an escalation keeps it
 * - recordAwardedLeadTime(tx, requestId, leadBusinessDays)           the award's lead time, which new promises wait on while the SKU is short
 * - markSupplied(db, shop, inventoryItemGid, locationGid, at): count  the awarded stock arrived: the SKU is no longer short there
 * - awardedUnitsNotYetIncoming(db, shop, inventoryItemGid, locationGid): number   awarded units Shopify does not hold as incoming yet
 * - loadSupplyShortages(db, shop, skus): { settings, requests } | null  requests keeping these SKUs short, for the promise maker
 *
 * "One open request per SKU and location" is the unique `openKey`, not a read-then-write: two
 * workers racing on the same crossing get one row and one unique violation.
 */
import type { Db } from "../../db.server.ts";
import { decodeRow, sqlOf } from "./hot-path-sql.server.ts";
import type { StockLevels } from "../../domain/reorder-trigger.ts";
import type { SkuSupplyRequest } from "../../domain/supply-promise.ts";
import {
  defaultReplenishmentSettings,
  parseReplenishmentSettings,
  parseSkuReplenishmentRule,
  type ReorderQuantityRule,
  type ReplenishmentSettings,
  type SkuReplenishmentRule,
} from "../../domain/replenishment-rules.ts";

/** The client or a transaction of it: only the models used. */
type Tx = Pick<Db, "replenishmentRequest" | "replenishmentRule" | "skuSupplier">;

export async function loadReplenishmentSettings(db: Db, shop: string): Promise<ReplenishmentSettings> {
  const [row, shopRow] = await Promise.all([
    db.replenishmentSettings.findUnique({ where: { shop } }),
    db.shop.findUnique({ where: { domain: shop }, select: { currencyCode: true } }),
  ]);
  if (!row) return defaultReplenishmentSettings(shopRow?.currencyCode ?? "USD");
  const parsed = parseReplenishmentSettings(JSON.parse(row.settings));
  if (!parsed.ok) throw new Error(`Stored replenishment settings of ${shop} are invalid: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  return parsed.settings;
}

export async function saveReplenishmentSettings(db: Db, shop: string, settings: ReplenishmentSettings): Promise<void> {
  const parsed = parseReplenishmentSettings(settings);
  if (!parsed.ok) throw new Error(`Invalid replenishment settings: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  const text = JSON.stringify(parsed.settings);
  await db.replenishmentSettings.upsert({ where: { shop }, create: { shop, settings: text }, update: { settings: text } });
}

export type SupplierInput = { name: string; connector?: "https" | "email"; endpointUrl?: string | null; email?: string | null; signingSecret: string };

export async function saveSupplier(db: Db, shop: string, input: SupplierInput) {
  if (!input.name.trim()) throw new Error("A supplier needs a name");
  if ((input.connector ?? "https") === "https" && !input.endpointUrl) throw new Error(`Supplier ${input.name}: an HTTPS connector needs an endpoint URL`);
  if (input.signingSecret.length < 16) throw new Error(`Supplier ${input.name}: the signing secret must be at least 16 characters`);
  const data = { connector: input.connector ?? "https", endpointUrl: input.endpointUrl ?? null, email: input.email ?? null, signingSecret: input.signingSecret };
  return db.supplier.upsert({ where: { shop_name: { shop, name: input.name.trim() } }, create: { shop, name: input.name.trim(), ...data }, update: data });
}

/** Saves a rule with its presets; `rule.suppliers[].supplierId` are Supplier row ids of this shop. */
export async function saveSkuRule(db: Db, shop: string, input: { inventoryItemGid: string; rule: SkuReplenishmentRule; suppliersItemIds?: Record<string, string> }): Promise<void> {
  const parsed = parseSkuReplenishmentRule(input.rule);
  if (!parsed.ok) throw new Error(`Invalid replenishment rule for ${input.rule.sku}: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  const { rule } = parsed;
  const ids = rule.suppliers.map((s) => s.supplierId);
  const known = await db.supplier.count({ where: { shop, id: { in: ids } } });
  if (known !== new Set(ids).size) throw new Error(`Rule for ${rule.sku} names a supplier this shop does not have`);
  const key = { shop, inventoryItemGid: input.inventoryItemGid, locationGid: rule.locationId };
  const fields = {
    sku: rule.sku,
    safetyStock: rule.safetyStock,
    reorderTrigger: rule.reorderTrigger,
    reorderQuantity: JSON.stringify(rule.reorderQuantity),
    neededWithinBusinessDays: rule.neededWithinBusinessDays,
  };
  await db.$transaction([
    db.replenishmentRule.upsert({ where: { shop_inventoryItemGid_locationGid: key }, create: { ...key, ...fields }, update: fields }),
    db.skuSupplier.deleteMany({ where: { shop, inventoryItemGid: input.inventoryItemGid, supplierId: { notIn: ids } } }),
    ...rule.suppliers.map((s, position) => {
      const row = {
        usualUnitCostMinor: s.usualUnitCostMinor,
        usualLeadBusinessDays: s.usualLeadBusinessDays,
        qualityRating: s.qualityRating,
        suppliersItemId: input.suppliersItemIds?.[s.supplierId] ?? null,
        position,
      };
      return db.skuSupplier.upsert({
        where: { shop_inventoryItemGid_supplierId: { shop, inventoryItemGid: input.inventoryItemGid, supplierId: s.supplierId } },
        create: { shop, inventoryItemGid: input.inventoryItemGid, supplierId: s.supplierId, ...row },
        update: row,
      });
    }),
  ]);
}

export async function loadSkuRule(db: Tx, shop: string, inventoryItemGid: string, locationGid: string): Promise<SkuReplenishmentRule | null> {
  const row = await db.replenishmentRule.findUnique({ where: { shop_inventoryItemGid_locationGid: { shop, inventoryItemGid, locationGid } } });
  if (!row) return null;
  const presets = await db.skuSupplier.findMany({ where: { shop, inventoryItemGid }, orderBy: [{ position: "asc" }, { supplierId: "asc" }] });
  return {
    sku: row.sku,
    locationId: row.locationGid,
    safetyStock: row.safetyStock,
    reorderTrigger: row.reorderTrigger,
    reorderQuantity: JSON.parse(row.reorderQuantity) as ReorderQuantityRule,
    neededWithinBusinessDays: row.neededWithinBusinessDays,
    suppliers: presets.map((p) => ({ supplierId: p.supplierId, usualUnitCostMinor: p.usualUnitCostMinor, usualLeadBusinessDays: p.usualLeadBusinessDays, qualityRating: p.qualityRating })),
  };
}

export type StockPositionInput = { inventoryItemGid: string; locationGid: string; levels: StockLevels; levelUpdatedAt: Date; readAt: Date };

/**
 * Keeps the newest read per SKU and location. Reads are made when a webhook is processed, so two
 * deliveries processed out of order both read the current quantities; `levelUpdatedAt` (Shopify's)
 * only guards against a slow read finishing after a newer one.
 */
export async function recordStockPosition(db: Db, shop: string, input: StockPositionInput): Promise<"stored" | "stale"> {
  const key = { shop, inventoryItemGid: input.inventoryItemGid, locationGid: input.locationGid };
  const fields = { ...input.levels, levelUpdatedAt: input.levelUpdatedAt, readAt: input.readAt };
  const updated = await db.stockPosition.updateMany({ where: { ...key, levelUpdatedAt: { lte: input.levelUpdatedAt } }, data: fields });
  if (updated.count > 0) return "stored";
  try {
    await db.stockPosition.create({ data: { ...key, ...fields } });
    return "stored";
  } catch (error) {
    if (isUniqueViolation(error)) return "stale";
    throw error;
  }
}

/** By code, not class: the PostgreSQL client is a separate generated module with its own error classes. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

export function openKeyOf(shop: string, inventoryItemGid: string, locationGid: string): string {
  return `${shop}|${inventoryItemGid}|${locationGid}`;
}

export type OpenRequestInput = {
  shop: string;
  inventoryItemGid: string;
  locationGid: string;
  sku: string;
  quantity: number;
  neededWithinBusinessDays: number;
  position: number;
  reorderTrigger: number;
  waitingTierKeys: string[];
  priority: unknown;
  jobPriority: number;
  currency: string;
  requestedAt: Date;
  deadline: Date;
};

export async function openReplenishmentRequest(db: Db, input: OpenRequestInput): Promise<{ created: true; requestId: string } | { created: false; openRequestId: string | null }> {
  const openKey = openKeyOf(input.shop, input.inventoryItemGid, input.locationGid);
  try {
    const row = await db.replenishmentRequest.create({
      data: { ...input, openKey, waitingTierKeys: JSON.stringify(input.waitingTierKeys), priority: JSON.stringify(input.priority) },
      select: { id: true },
    });
    return { created: true, requestId: row.id };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const open = await db.replenishmentRequest.findUnique({ where: { openKey }, select: { id: true } });
    return { created: false, openRequestId: open?.id ?? null };
  }
}

export async function hasOpenRequest(db: Db, shop: string, inventoryItemGid: string, locationGid: string): Promise<boolean> {
  return (await db.replenishmentRequest.count({ where: { openKey: openKeyOf(shop, inventoryItemGid, locationGid) } })) > 0;
}

/** An escalation keeps the SKU's request open (a person decides it); an award or a cancellation frees it. */
export async function closeRequest(tx: Tx, requestId: string, status: "awarded" | "escalated" | "cancelled", decidedAt: Date, from: "open" | "escalated" = "open"): Promise<boolean> {
  const closed = await tx.replenishmentRequest.updateMany({ where: { id: requestId, status: from }, data: { status, decidedAt, ...(status === "escalated" ? {} : { openKey: null }) } });
  return closed.count === 1;
}

/**
 * Tiers of the open orders whose delivery promise waits on this SKU's stock (an `awaiting_stock`
 * adjustment naming it, promise-date-calculator.ts): what makes a request a priority request.
 * Promises name the SKU, not the location, so every location's request of the SKU sees them.
 */
export async function waitingTierKeysForSku(db: Pick<Db, "orderPromise">, shop: string, sku: string): Promise<string[]> {
  const rows = await db.orderPromise.findMany({ where: { shop, status: "open", adjustments: { contains: "awaiting_stock" } }, select: { tierKey: true, adjustments: true } });
  const tiers = new Set<string>();
  for (const row of rows) {
    const adjustments = JSON.parse(row.adjustments) as { kind: string; sku?: string | null }[];
    if (adjustments.some((a) => a.kind === "awaiting_stock" && a.sku === sku)) tiers.add(row.tierKey);
  }
  return [...tiers].sort();
}

/** Set with the award's purchase orders (a split waits for its slowest part). */
export async function recordAwardedLeadTime(tx: Pick<Db, "replenishmentRequest">, requestId: string, leadBusinessDays: number): Promise<void> {
  await tx.replenishmentRequest.update({ where: { id: requestId }, data: { awardedLeadBusinessDays: leadBusinessDays } });
}

/** A stock read above the trigger at the location: the awards there have arrived (or stock came otherwise). */
export async function markSupplied(db: Pick<Db, "replenishmentRequest">, shop: string, inventoryItemGid: string, locationGid: string, at: Date): Promise<number> {
  const { count } = await db.replenishmentRequest.updateMany({ where: { shop, inventoryItemGid, locationGid, status: "awarded", suppliedAt: null }, data: { suppliedAt: at } });
  return count;
}

/**
 * The requests that keep any of these SKUs short (open or escalated; awarded, with its lead time
 * recorded, and not yet supplied), with the shop's settings; null when none is short, which is
 * one indexed query on the promise path and nothing more.
 */
const shortageQueries = new Map<number, string>();

export async function loadSupplyShortages(db: Db, shop: string, skus: readonly string[]): Promise<{ settings: ReplenishmentSettings; requests: Map<string, SkuSupplyRequest[]> } | null> {
  const wanted = [...new Set(skus)];
  if (wanted.length === 0) return null;
  // Every paid order with SKUs asks this: a cached prepared statement, not a Prisma query.
  let text = shortageQueries.get(wanted.length);
  if (!text) {
    text =
      `SELECT "sku", "status", "decidedAt", "awardedLeadBusinessDays" FROM "ReplenishmentRequest" WHERE "shop" = ? AND "sku" IN (${wanted.map(() => "?").join(", ")}) ` +
      `AND ("status" IN ('open', 'escalated') OR ("status" = 'awarded' AND "suppliedAt" IS NULL AND "awardedLeadBusinessDays" IS NOT NULL AND "decidedAt" IS NOT NULL))`;
    shortageQueries.set(wanted.length, text);
  }
  type ShortageRow = { sku: string; status: string; decidedAt: Date | null; awardedLeadBusinessDays: number | null };
  const rows = (await sqlOf(db).all(text, [shop, ...wanted])).map((raw) => decodeRow<ShortageRow>("ReplenishmentRequest", raw));
  if (rows.length === 0) return null;
  const requests = new Map<string, SkuSupplyRequest[]>();
  for (const row of rows) {
    const request: SkuSupplyRequest =
      row.status === "awarded" ? { status: "awarded", decidedAt: row.decidedAt!, awardedLeadBusinessDays: row.awardedLeadBusinessDays! } : { status: row.status as "open" | "escalated" };
    requests.set(row.sku, [...(requests.get(row.sku) ?? []), request]);
  }
  return { settings: await loadReplenishmentSettings(db, shop), requests };
}

/**
 * Units of purchase orders whose incoming is not (known to be) in Shopify yet: an award frees the
 * SKU's open request before its incoming is written, and a stock read in between must still count
 * them, or a second request would be opened for stock already ordered. "unconfirmed" (a worker
 * died during the write) is left to the person who checks it.
 */
export async function awardedUnitsNotYetIncoming(db: Pick<Db, "purchaseOrder">, shop: string, inventoryItemGid: string, locationGid: string): Promise<number> {
  const { _sum } = await db.purchaseOrder.aggregate({ where: { shop, inventoryItemGid, locationGid, incomingStatus: { in: ["pending", "recording"] } }, _sum: { quantity: true } });
  return _sum.quantity ?? 0;
}
