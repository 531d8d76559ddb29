// Time moves tiers too: an order leaves the spend window, a grace period or a pin
// ends. Each customer row carries reviewAt, the next instant time alone may change
// its tier (domain: nextTierReviewAt); this finds the rows whose instant has come,
// shop by shop and a page at a time, and asks for their recomputation. Nothing
// else is touched, so the run costs nothing when nobody is due.
import type { Db } from "../db.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

export const REVIEW_PAGE = 500;

export interface ReviewDueInput {
  db: Db;
  now: Date;
  requestTierRecompute(shop: string, customerGids: string[], cause: TierRecomputeCause): Promise<void>;
  pageSize?: number;
  /** Only this shop (default: every installed shop). */
  shop?: string;
}

export async function requestDueTierReviews(input: ReviewDueInput): Promise<{ shops: number; customers: number }> {
  const { db, now } = input;
  const pageSize = input.pageSize ?? REVIEW_PAGE;
  const shops = input.shop
    ? [input.shop]
    : (await db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true }, orderBy: { domain: "asc" } })).map((s) => s.domain);
  let customers = 0;
  for (const shop of shops) {
    let cursor: string | null = null;
    for (;;) {
      const page: { customerGid: string }[] = await db.customer.findMany({
        where: { shop, reviewAt: { lte: now }, deletedAt: null, ...(cursor ? { customerGid: { gt: cursor } } : {}) },
        select: { customerGid: true },
        orderBy: { customerGid: "asc" },
        take: pageSize,
      });
      if (page.length === 0) break;
      await input.requestTierRecompute(shop, page.map((c) => c.customerGid), "window");
      customers += page.length;
      cursor = page[page.length - 1].customerGid;
      if (page.length < pageSize) break;
    }
  }
  return { shops: shops.length, customers };
}
