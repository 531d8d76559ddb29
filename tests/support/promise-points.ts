// What promised orders cost in Admin API points, from the store simulator's own records:
// every write the promise flow makes, by kind (the points the simulator charged for it, per
// Shopify's cost rules), and the reads as the rest of the points spent in the same window.
// Shared by the promise-flow test and the promise-points benchmark, so both print the same lines.
import type { MutationRecord } from "../../simulator/store/types.ts";

/** Issue 10's target: Admin API points per promised order, on average. */
export const PROMISE_POINTS_TARGET = 20;

const WRITES = ["fulfillmentOrdersSetFulfillmentDeadline", "metafieldsSet", "tagsAdd", "stagedUploadsCreate", "bulkOperationRunMutation"] as const;
const LABEL: Record<(typeof WRITES)[number], string> = {
  fulfillmentOrdersSetFulfillmentDeadline: "deadline", metafieldsSet: "order metafield", tagsAdd: "order tag",
  stagedUploadsCreate: "bulk: staged upload", bulkOperationRunMutation: "bulk: start",
};

export interface PromisePoints {
  orders: number;
  /** Points spent in the window, reads and writes. */
  total: number;
  reads: number;
  writes: Record<(typeof WRITES)[number], { calls: number; points: number }>;
  /** Tags added by bulk operations' lines (recorded at cost 0: they spend no bucket). */
  tagsInBulk: number;
  perOrder: { read: number; deadline: number; metafield: number; tag: number; bulk: number; total: number };
  met: boolean;
}

/**
 * `mutations`: the simulator's records of the window (each request of the flow holds one
 * mutation, so a record's cost is that mutation's); `pointsSpent`: all points of the window.
 * Only writes on orders and their fulfillment orders count as the promise's; anything else fails loudly.
 */
export function promisePoints(mutations: readonly MutationRecord[], pointsSpent: number, orders: number): PromisePoints {
  const writes = Object.fromEntries(WRITES.map((kind) => [kind, { calls: 0, points: 0 }])) as PromisePoints["writes"];
  let tagsInBulk = 0;
  for (const m of mutations) {
    const kind = m.kind as (typeof WRITES)[number];
    if (!WRITES.includes(kind)) throw new Error(`unexpected write in the promise window: ${m.kind}`);
    if (m.detail.kind === "tagsAdd" && !m.detail.ownerGid.startsWith("gid://shopify/Order/")) throw new Error(`tagsAdd on ${m.detail.ownerGid}`);
    if (m.detail.kind === "metafieldsSet" && m.detail.metafields.some((f) => !f.ownerGid.startsWith("gid://shopify/Order/"))) throw new Error("metafieldsSet on a non-order owner");
    writes[kind].calls++;
    if (kind === "tagsAdd" && m.cost === 0) tagsInBulk++;
    writes[kind].points += m.cost;
  }
  const written = WRITES.reduce((sum, kind) => sum + writes[kind].points, 0);
  const reads = pointsSpent - written;
  const per = (points: number) => points / orders;
  const perOrder = {
    read: per(reads),
    deadline: per(writes.fulfillmentOrdersSetFulfillmentDeadline.points),
    metafield: per(writes.metafieldsSet.points),
    tag: per(writes.tagsAdd.points),
    bulk: per(writes.stagedUploadsCreate.points + writes.bulkOperationRunMutation.points),
    total: per(pointsSpent),
  };
  return { orders, total: pointsSpent, reads, writes, tagsInBulk, perOrder, met: perOrder.total <= PROMISE_POINTS_TARGET };
}

/** The printed lines: what each write costs a call and per order, the average per promised order, and the target. */
export function promisePointsLines(p: PromisePoints): string[] {
  const lines = [`Admin API points per promised order, ${p.orders} orders (${p.total} points spent):`];
  lines.push(`  read                ${p.perOrder.read.toFixed(2).padStart(6)} per order (${p.reads} points, bulk operation polls included)`);
  for (const kind of WRITES) {
    const w = p.writes[kind];
    const each = w.calls ? (w.points / w.calls).toFixed(1) : "-";
    const inBulk = kind === "tagsAdd" && p.tagsInBulk ? `, ${p.tagsInBulk} of them lines of bulk operations at 0` : "";
    lines.push(`  ${LABEL[kind].padEnd(19)} ${(w.points / p.orders).toFixed(2).padStart(6)} per order (${kind}: ${w.calls} calls${inBulk}, ${each} points a call)`);
  }
  lines.push(`  total               ${p.perOrder.total.toFixed(2).padStart(6)} per order — target ≤ ${PROMISE_POINTS_TARGET}: ${p.met ? "met" : "NOT MET"}`);
  return lines;
}
