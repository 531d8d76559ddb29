// Every customer recomputed after the tier rules were saved: one job per shop and save works a page
// of customers at a time (recompute-shop-tiers.server.ts, as the history import does, instead of a
// job per customer) and counts each page in TierRecomputeRun, which the Tier rules page polls to
// show customers done of the total as they are. A newer save replaces the run; the older job stops
// at its next page.
import type { Db } from "../db.server.ts";
import { countShopCustomers, recomputeShopTiers } from "./recompute-shop-tiers.server.ts";

export interface RecomputeProgress {
  done: number;
  total: number;
}

/** Records the run (nothing done yet, the customers to do) and queues its job. */
export async function startRulesRecompute({
  db,
  shop,
  rulesVersion,
  now,
  requestRulesRecompute,
}: {
  db: Db;
  shop: string;
  rulesVersion: number;
  now: Date;
  requestRulesRecompute: (shop: string, rulesVersion: number) => Promise<void>;
}): Promise<{ customers: number }> {
  const total = await countShopCustomers(db, shop);
  const run = { rulesVersion, total, done: 0, startedAt: now, finishedAt: null };
  await db.tierRecomputeRun.upsert({ where: { shop }, create: { shop, ...run }, update: run });
  await requestRulesRecompute(shop, rulesVersion);
  return { customers: total };
}

export type RulesRecomputeResult = { status: "done"; customers: number; tierChanges: number } | { status: "superseded" | "already_done" };

/** The job: recompute every customer under the rules now saved, counting each page as it is saved. */
export async function runRulesRecompute({
  db,
  shop,
  rulesVersion,
  now,
  requestTierSync,
  pageSize,
}: {
  db: Db;
  shop: string;
  rulesVersion: number;
  now: Date;
  /** Asked after each page: the shop's sync writes the page's tiers to Shopify. */
  requestTierSync: (shop: string) => Promise<void>;
  pageSize?: number;
}): Promise<RulesRecomputeResult> {
  const run = await db.tierRecomputeRun.findUnique({ where: { shop } });
  if (!run || run.rulesVersion !== rulesVersion) return { status: "superseded" };
  if (run.finishedAt) return { status: "already_done" };
  const mine = { shop, rulesVersion, finishedAt: null };
  let seen = 0;
  let superseded = false;
  // A retried job (a worker died) starts over from the first page: a customer already done is
  // recomputed to the same tier, and the count starts again with it.
  const result = await recomputeShopTiers({
    db,
    shop,
    now,
    cause: "rule_change",
    pageSize,
    onPage: () => requestTierSync(shop),
    onProgress: async (customersSoFar) => {
      seen = customersSoFar;
      const { count } = await db.tierRecomputeRun.updateMany({ where: mine, data: { done: customersSoFar } });
      if (count === 0) {
        superseded = true;
        return "stop";
      }
    },
  });
  if (superseded) return { status: "superseded" };
  // Customers who arrived during the run were done too: the total grows to what was done.
  await db.tierRecomputeRun.updateMany({ where: mine, data: { done: seen, total: Math.max(run.total, seen), finishedAt: new Date() } });
  return { status: "done", customers: result.customers, tierChanges: result.tierChanges };
}

/** The run in progress for the page, or null when none is (never started, or finished). */
export async function loadRulesRecomputeProgress(db: Db, shop: string): Promise<RecomputeProgress | null> {
  const run = await db.tierRecomputeRun.findUnique({ where: { shop }, select: { done: true, total: true, finishedAt: true } });
  if (!run || run.finishedAt) return null;
  return { done: Math.min(run.done, run.total), total: run.total };
}
