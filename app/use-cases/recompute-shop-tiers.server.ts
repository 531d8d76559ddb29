// Recompute the tier of every customer of a shop, a page of customers at a time:
// load their ledgers, rules and states in a few queries → decide with the domain
// (the same functions, in the same way, as recompute-customer-tier.server.ts) →
// save. For the backfill, where one job per customer would cost tens of thousands
// of round trips. A row that changed under the page (a webhook's recomputation)
// is redone the one-at-a-time way.
import type { Prisma } from "@tierline/prisma-sqlite";
import type { Db } from "../db.server.ts";
import { insertCustomersIgnoringExisting, insertTierChanges, type CustomerTierInsertRow } from "../adapters/db/bulk-insert.server.ts";
import { loadLedgersOfCustomerRange } from "../adapters/db/ledger-batch-repository.server.ts";
import { adjustmentEntries, loadAdjustmentsOfCustomerRange } from "../adapters/db/spend-adjustment-repository.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { qualifyingSpend } from "../domain/qualifying-spend.ts";
import { spendBeforeReversals } from "../domain/spend-before-reversals.ts";
import { evaluateTier } from "../domain/tier-evaluation.ts";
import { nextTierReviewAt } from "../domain/tier-review-date.ts";
import { memberStateFromRow, REASON_OF_CAUSE, recomputeCustomerTier, stateFields } from "./recompute-customer-tier.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

/**
 * Customers per page. A page's ledgers stay alive while it is decided and saved, so
 * they are what reaches the old generation; 100 instead of 500 lowered the backfill's
 * peak RSS by ~15-25 MB for ~1-2 s more over 15,000 customers (measured).
 */
export const SHOP_TIERS_PAGE = 100;

export interface RecomputeShopTiersInput {
  db: Db;
  shop: string;
  now: Date;
  /** Recorded on tier changes the way recompute-customer-tier maps causes ("backfill" counts as an order). */
  cause: TierRecomputeCause;
  pageSize?: number;
  /** Called with each page's customers once their tiers are saved (to queue their sync to Shopify). */
  onPage?: (customerGids: string[]) => Promise<void>;
  /**
   * Called after each page with the customers looked at so far (saved, redone or redacted); "stop"
   * ends the run there (a newer rule change started its own).
   */
  onProgress?: (customersSoFar: number) => Promise<"stop" | void>;
}

export interface RecomputeShopTiersResult {
  customers: number;
  tierChanges: number;
  /** Customers redone one at a time because their row changed meanwhile. */
  retried: number;
}

/** The next page of customer ids after `after`: anyone with an order in the ledger or a customer row. */
async function customerPage(db: Db, shop: string, after: string, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ g: string }[]>`
    SELECT g FROM (
      SELECT "customerGid" AS g FROM "LedgerOrder" WHERE "shop" = ${shop} AND "customerGid" IS NOT NULL AND "customerGid" > ${after}
      UNION
      SELECT "customerGid" AS g FROM "Customer" WHERE "shop" = ${shop} AND "customerGid" > ${after}
    ) AS u
    ORDER BY g
    LIMIT ${limit}`;
  return rows.map((r) => r.g);
}

/** The customers recomputeShopTiers goes through: anyone with an order in the ledger or a customer row. */
export async function countShopCustomers(db: Db, shop: string): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number | bigint }[]>`
    SELECT COUNT(*) AS n FROM (
      SELECT "customerGid" AS g FROM "LedgerOrder" WHERE "shop" = ${shop} AND "customerGid" IS NOT NULL
      UNION
      SELECT "customerGid" AS g FROM "Customer" WHERE "shop" = ${shop}
    ) AS u`;
  return Number(row?.n ?? 0);
}

export async function recomputeShopTiers(input: RecomputeShopTiersInput): Promise<RecomputeShopTiersResult> {
  const { db, shop, now, cause } = input;
  const pageSize = input.pageSize ?? SHOP_TIERS_PAGE;
  const reason = REASON_OF_CAUSE[cause];
  const rules = await loadTierRules(db, shop);
  const result: RecomputeShopTiersResult = { customers: 0, tierChanges: 0, retried: 0 };

  let after = "";
  let seen = 0;
  for (;;) {
    const gids = await customerPage(db, shop, after, pageSize);
    if (gids.length === 0) break;
    after = gids[gids.length - 1];

    // The page is a sorted prefix of the shop's customer ids, so "between its first and
    // last id" is exactly the page: two bound values instead of an IN list per query.
    const [first, last] = [gids[0], after];
    const readAt = new Date();
    const [rows, ledgers, adjustments] = await Promise.all([
      db.customer.findMany({ where: { shop, customerGid: { gte: first, lte: last } } }),
      loadLedgersOfCustomerRange(db, shop, first, last),
      loadAdjustmentsOfCustomerRange(db, shop, first, last),
    ]);
    const rowOf = new Map(rows.map((r) => [r.customerGid, r]));

    const creates: CustomerTierInsertRow[] = [];
    const changes: { customerGid: string; fromTier: string | null; toTier: string | null; reason: string; spend: number; occurredAt: Date }[] = [];
    const updates: { customerGid: string; updatedAt: Date; data: Prisma.CustomerUpdateManyMutationInput }[] = [];
    const saved: string[] = [];
    for (const customerGid of gids) {
      const row = rowOf.get(customerGid) ?? null;
      if (row?.deletedAt) continue; // redacted: nothing to compute, nothing to write
      const ledger = { orders: ledgers.get(customerGid) ?? {}, redactedCustomerIds: {}, adjustments: adjustmentEntries(adjustments.get(customerGid) ?? []) };
      const spend = qualifyingSpend(ledger, customerGid, rules, now);
      const decision = evaluateTier({ spend, spendBeforeReversals: spendBeforeReversals(ledger, customerGid, rules, now), previousSpendMinor: row?.qualifyingSpend, rules, state: memberStateFromRow(row), now, cause: reason });
      const reviewAt = nextTierReviewAt({ spend, rules, state: decision.state, now });
      const fields = { ...stateFields(decision.state), qualifyingSpend: spend.qualifyingSpendMinor, qualifyingOrders: spend.qualifyingOrderCount, reviewAt, syncStatus: "pending", recomputedAt: readAt };
      if (decision.change) {
        changes.push({ customerGid, fromTier: decision.change.fromTierKey, toTier: decision.change.toTierKey, reason: decision.change.reason, spend: spend.qualifyingSpendMinor, occurredAt: decision.change.at });
      }
      if (row) updates.push({ customerGid, updatedAt: row.updatedAt, data: fields });
      else creates.push({ shop, customerGid, ...fields });
    }

    const redoSet = new Set<string>();
    const changed = new Set<string>();
    if (creates.length) {
      // A row created meanwhile (a webhook's recomputation) is not inserted: redo that customer.
      const inserted = await insertCustomersIgnoringExisting(db, creates);
      for (const c of creates) (inserted.has(c.customerGid) ? changed : redoSet).add(c.customerGid);
    }
    for (const update of updates) {
      // Compare-and-set on the row version read, as recomputeCustomerTier does.
      const { count } = await db.customer.updateMany({ where: { shop, customerGid: update.customerGid, updatedAt: update.updatedAt }, data: update.data });
      if (count === 1) changed.add(update.customerGid);
      else redoSet.add(update.customerGid);
    }
    const kept = changes.filter((c) => changed.has(c.customerGid));
    // The imported history is not news: Flow hears of changes from here on (a rule change, a review).
    if (kept.length) await insertTierChanges(db, kept.map((c) => ({ shop, ...c, flowDue: cause !== "backfill" })));
    result.tierChanges += kept.length;
    saved.push(...changed);
    for (const customerGid of redoSet) {
      const redone = await recomputeCustomerTier({ db, shop, customerGid, cause, now });
      if (redone.changed) result.tierChanges++;
      if (redone.kind !== "REDACTED") saved.push(customerGid);
      result.retried++;
    }
    result.customers += saved.length;
    if (saved.length) await input.onPage?.(saved);
    seen += gids.length;
    if ((await input.onProgress?.(seen)) === "stop") break;
    if (gids.length < pageSize) break;
  }
  return result;
}
