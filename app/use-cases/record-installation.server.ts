// A shop installed (or reinstalled) the app: mark it installed, cancel any pending
// purge, and queue the follow-up work (shop details, history backfill).
import type { Db } from "../db.server.ts";
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { jobIdFor } from "../adapters/queues/queue-registry.ts";

export function hasAllOrdersAccess(scopes: string): boolean {
  return scopes.split(",").map((s) => s.trim()).includes("read_all_orders");
}

export async function recordInstallation({ db, shop, scopes, now = new Date() }: { db: Db; shop: string; scopes: string; now?: Date }): Promise<void> {
  await db.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, scopes, allOrdersAccess: hasAllOrdersAccess(scopes), installedAt: now },
    update: { scopes, allOrdersAccess: hasAllOrdersAccess(scopes), installedAt: now, uninstalledAt: null, purgeAfter: null, tierLadderDue: true },
  });
  await jobQueues().shopLifecycle.add(
    "installed",
    { kind: "installed", shop },
    { jobId: jobIdFor("installed", `${shop}@${now.getTime()}`) },
  );
}
