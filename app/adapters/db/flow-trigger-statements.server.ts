// What every tier sync round asks before Shopify Flow's outbox is touched: is anything due,
// and does any enabled workflow use the tier trigger. One cached statement, where the
// outbox's Prisma reads (a tier change list, the workflows in use, the due firings) cost
// several times more and nearly always find nothing to do.
import type { Db } from "../../db.server.ts";
import { bindValue, sqlOf } from "./hot-path-sql.server.ts";
import { truthy } from "./tier-settings-repository.server.ts";

const FLOW_WORK = `SELECT EXISTS (SELECT 1 FROM "TierChange" WHERE "shop" = ? AND "flowDue" = ?) AS "changesDue", EXISTS (SELECT 1 FROM "FlowTriggerFiring" WHERE "shop" = ? AND "status" = 'due') AS "firingsDue", EXISTS (SELECT 1 FROM "FlowTriggerUse" WHERE "shop" = ? AND "handle" = ? AND "enabled" = ?) AS "tierTriggerInUse"`;

export interface FlowWork {
  /** Tier changes not yet looked at for Flow. */
  changesDue: boolean;
  /** Firings waiting in the outbox. */
  firingsDue: boolean;
  /** An enabled workflow uses the tier trigger. */
  tierTriggerInUse: boolean;
}

export async function loadFlowWork(db: Db, shop: string, tierTriggerHandle: string): Promise<FlowWork> {
  const sql = sqlOf(db);
  const yes = bindValue(sql.kind, true);
  const [row] = await sql.all(FLOW_WORK, [shop, yes, shop, shop, tierTriggerHandle, yes]);
  return { changesDue: truthy(row?.changesDue), firingsDue: truthy(row?.firingsDue), tierTriggerInUse: truthy(row?.tierTriggerInUse) };
}

/** No workflow uses the trigger: the shop's due tier changes are dropped, not kept for later (one statement). */
export async function dropDueTierChanges(db: Db, shop: string): Promise<number> {
  const sql = sqlOf(db);
  return sql.run(`UPDATE "TierChange" SET "flowDue" = ? WHERE "shop" = ? AND "flowDue" = ?`, [bindValue(sql.kind, false), shop, bindValue(sql.kind, true)]);
}
