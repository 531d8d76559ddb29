// Which Flow triggers a shop uses, as Shopify Flow's lifecycle callbacks say: recorded per shop
// and trigger, read before queueing an event (fire-flow-triggers.server.ts), so a shop without an
// enabled workflow costs no flowTriggerReceive at all.
import type { Db } from "../db.server.ts";
import type { FlowLifecycleCallback } from "../adapters/shopify/flow-lifecycle-callback.ts";

/** Records a callback; one older than what is recorded changes nothing (callbacks can come out of order). */
export async function recordFlowTriggerUse(db: Db, callback: FlowLifecycleCallback): Promise<"recorded" | "stale"> {
  const { shop, handle, hasEnabledFlow: enabled, timestamp: notifiedAt } = callback;
  for (let attempt = 0; attempt < 2; attempt++) {
    const { count } = await db.flowTriggerUse.updateMany({ where: { shop, handle, notifiedAt: { lte: notifiedAt } }, data: { enabled, notifiedAt } });
    if (count === 1) return "recorded";
    if (await db.flowTriggerUse.findUnique({ where: { shop_handle: { shop, handle } }, select: { shop: true } })) return "stale";
    try {
      await db.flowTriggerUse.create({ data: { shop, handle, enabled, notifiedAt } });
      return "recorded";
    } catch (error) {
      // Created meanwhile by a concurrent callback: compare timestamps again.
      if ((error as { code?: string }).code !== "P2002") throw error;
    }
  }
  return "stale";
}

/** The handles of the shop's triggers that an enabled workflow uses. */
export async function flowTriggersInUse(db: Db, shop: string): Promise<Set<string>> {
  return new Set((await db.flowTriggerUse.findMany({ where: { shop, enabled: true }, select: { handle: true } })).map((r) => r.handle));
}
