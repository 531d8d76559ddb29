// Shopify Flow triggers, through an outbox (FlowTriggerFiring): events are queued once each
// (unique shop + handle + event key), then fired by whoever holds the shop's Shopify work —
// the tier sync after a round's writes, the hourly reconciliation for promises at risk. Never
// in the per-order path: a tier change is recorded there as a TierChange row (flowDue), which
// the sync turns into an event once the tier's tag and metafields reached Shopify, so a workflow
// reading the customer sees the new tier.
//
// Fired at most once: a row is claimed (due → firing) before its call, so a redelivered job or a
// restarted worker finds it claimed; a worker that dies between claim and answer leaves it
// `firing` for good (recorded, never fired twice). A throttled call goes back to due (Shopify ran
// nothing); other retryable failures go back to due a few times, then stay failed.
//
// Only triggers in use: Shopify Flow's lifecycle callback says which triggers a shop has an
// enabled workflow for (flow-trigger-use.server.ts). An event for a trigger not in use is dropped,
// never stored as due (a workflow enabled later starts with the events after it), and a due row
// whose trigger was disabled meanwhile is marked `dropped` instead of fired.
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { loadPromiseSetup } from "../adapters/db/promise-settings-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { fireFlowTrigger, flowTriggerPayload, type FlowTriggerPayload } from "../adapters/shopify/admin-operations/flow-trigger-receive.ts";
import { classifyShopifyError, shopUnreachableReason, ShopifyRetryableError } from "../adapters/shopify/shopify-errors.ts";
import { MEMBER_TIER_CHANGED, PROMISE_AT_RISK, promiseAtRiskEvent, promiseRisks, tierChangeEvent, type FlowEvent } from "../domain/flow-trigger-events.ts";
import type { PromiseAdjustment } from "../domain/promise-date-calculator.ts";
import { runLimited } from "./run-limited.ts";
import { flowTriggersInUse } from "./flow-trigger-use.server.ts";

/** Tier changes looked at per call (the rest wait for the next sync). */
const TIER_CHANGES_PER_CALL = 200;
/** Triggers fired per call, and side by side. */
const FIRES_PER_CALL = 100;
const CONCURRENCY = 8;
/** A retryable failure is tried again by this many calls, then left failed. */
export const FLOW_FIRE_ATTEMPTS = 5;

/** Adds events to the outbox; one already there (same shop, handle and key) is left as it is. Returns how many were new. */
async function enqueueEvents(db: Db, shop: string, allEvents: FlowEvent[], inUse: ReadonlySet<string>): Promise<number> {
  const events = allEvents.filter((e) => inUse.has(e.handle));
  if (events.length === 0) return 0;
  const known = new Set(
    (await db.flowTriggerFiring.findMany({ where: { shop, eventKey: { in: events.map((e) => e.eventKey) } }, select: { handle: true, eventKey: true } })).map((r) => `${r.handle}\n${r.eventKey}`),
  );
  let added = 0;
  for (const event of events) {
    if (known.has(`${event.handle}\n${event.eventKey}`)) continue;
    try {
      await db.flowTriggerFiring.create({ data: { shop, handle: event.handle, eventKey: event.eventKey, payload: JSON.stringify(flowTriggerPayload(event)) } });
      added++;
    } catch (error) {
      // Queued meanwhile by another job: the unique key did its work.
      if ((error as { code?: string }).code !== "P2002") throw error;
    }
  }
  return added;
}

/**
 * Queues "Member tier changed" for the shop's recorded tier changes whose customer's tier has
 * reached Shopify (the row synced); changes of erased customers are dropped. Returns how many were queued.
 */
export async function queueTierChangeEvents(db: Db, shop: string): Promise<number> {
  const changes = await db.tierChange.findMany({ where: { shop, flowDue: true }, orderBy: { occurredAt: "asc" }, take: TIER_CHANGES_PER_CALL });
  if (changes.length === 0) return 0;
  const inUse = await flowTriggersInUse(db, shop);
  if (!inUse.has(MEMBER_TIER_CHANGED.handle)) {
    // No enabled workflow uses the trigger: the changes are dropped, not kept for later.
    await db.tierChange.updateMany({ where: { shop, id: { in: changes.map((c) => c.id) } }, data: { flowDue: false } });
    return 0;
  }
  const customers = new Map(
    (await db.customer.findMany({ where: { shop, customerGid: { in: [...new Set(changes.map((c) => c.customerGid))] } }, select: { customerGid: true, syncStatus: true, writtenDigest: true, deletedAt: true } })).map((c) => [c.customerGid, c]),
  );
  const rules = await loadTierRules(db, shop);
  const ready: typeof changes = [];
  const dropped: string[] = [];
  for (const change of changes) {
    const customer = customers.get(change.customerGid);
    if (!customer || customer.deletedAt) dropped.push(change.id);
    else if (customer.writtenDigest !== null && (customer.syncStatus === "synced" || customer.syncStatus === "stale")) ready.push(change);
  }
  const queued = await enqueueEvents(db, shop, ready.map((change) => tierChangeEvent(change, rules)), inUse);
  const done = [...ready.map((c) => c.id), ...dropped];
  if (done.length) await db.tierChange.updateMany({ where: { shop, id: { in: done } }, data: { flowDue: false } });
  return queued;
}

/** Queues "Delivery promise at risk" for each open promise at risk, once per order and kind of risk. */
export async function queuePromiseRiskEvents(db: Db, shop: string, now: Date): Promise<number> {
  const inUse = await flowTriggersInUse(db, shop);
  if (!inUse.has(PROMISE_AT_RISK.handle)) return 0;
  const { rules, calendar } = await loadPromiseSetup(db, shop, now);
  const open = await db.orderPromise.findMany({
    where: { shop, status: "open", shippedAt: null, shipBy: { gte: now } },
    select: { orderGid: true, tierKey: true, laneKey: true, shipBy: true, shipByDay: true, shippedAt: true, adjustments: true, conflict: true },
  });
  if (open.length === 0) return 0;
  const booked = new Map<string, number>();
  for (const p of open) booked.set(`${p.laneKey}|${p.shipByDay}`, (booked.get(`${p.laneKey}|${p.shipByDay}`) ?? 0) + 1);
  const tierRules = await loadTierRules(db, shop);
  const events: FlowEvent[] = [];
  for (const row of open) {
    const lane = rules.lanes.find((l) => l.key === row.laneKey);
    const promise = { ...row, adjustments: JSON.parse(row.adjustments) as PromiseAdjustment[], conflict: row.conflict !== null };
    const risks = promiseRisks({ promise, now, calendar, laneCapacity: lane?.dailyCapacity ?? null, laneBooked: booked.get(`${row.laneKey}|${row.shipByDay}`) ?? 0 });
    const tierName = tierRules.tiers.find((t) => t.key === row.tierKey)?.name ?? row.tierKey;
    for (const risk of risks) events.push(promiseAtRiskEvent({ promise, risk, tierName, laneName: lane?.name ?? row.laneKey }));
  }
  return enqueueEvents(db, shop, events, inUse);
}

export interface FireFlowTriggersResult {
  fired: number;
  failed: number;
  /** Shopify's budget ran dry: the rest are due again after this long. */
  retryAfterMs: number | null;
}

/** Fires the shop's due triggers, oldest first. */
export async function fireDueFlowTriggers({ db, shop, admin }: { db: Db; shop: string; admin: () => Promise<AdminRunner> }): Promise<FireFlowTriggersResult> {
  const result: FireFlowTriggersResult = { fired: 0, failed: 0, retryAfterMs: null };
  const queued = await db.flowTriggerFiring.findMany({ where: { shop, status: "due" }, orderBy: { createdAt: "asc" }, take: FIRES_PER_CALL });
  if (queued.length === 0) return result;
  const inUse = await flowTriggersInUse(db, shop);
  const due = queued.filter((row) => inUse.has(row.handle));
  const disabled = queued.filter((row) => !inUse.has(row.handle)).map((row) => row.id);
  // Queued before the merchant turned the workflow off: Flow would run nothing, so nothing is sent.
  if (disabled.length) await db.flowTriggerFiring.updateMany({ where: { id: { in: disabled }, status: "due" }, data: { status: "dropped" } });
  if (due.length === 0) return result;
  const runner = await admin();
  const outcome = await runLimited(due, CONCURRENCY, async (row) => {
    const { count } = await db.flowTriggerFiring.updateMany({ where: { id: row.id, status: "due" }, data: { status: "firing", attempts: { increment: 1 } } });
    if (count !== 1) return; // another job has it
    try {
      await fireFlowTrigger(runner, row.handle, JSON.parse(row.payload) as FlowTriggerPayload);
    } catch (error) {
      const classified = classifyShopifyError(error);
      const message = ((classified ?? (error as Error)).message ?? String(error)).slice(0, 1_000);
      const throttled = classified instanceof ShopifyRetryableError && classified.reason === "throttled";
      const unreachable = shopUnreachableReason(classified) !== null;
      // Throttled or unreachable: Shopify ran nothing, due again. Other retryable failures get a few
      // more goes. A refusal (userErrors: an unknown handle, a payload not matching the fields) is final.
      const again = throttled || unreachable || (classified instanceof ShopifyRetryableError && row.attempts + 1 < FLOW_FIRE_ATTEMPTS);
      await db.flowTriggerFiring.update({ where: { id: row.id }, data: { status: again ? "due" : "failed", error: message } });
      if (!again) result.failed++;
      if (throttled || unreachable) throw error;
      return;
    }
    await db.flowTriggerFiring.update({ where: { id: row.id }, data: { status: "fired", firedAt: new Date(), error: null } });
    result.fired++;
  });
  if (outcome.stopped) {
    const classified = classifyShopifyError(outcome.error);
    if (classified instanceof ShopifyRetryableError && classified.reason === "throttled") result.retryAfterMs = classified.retryAfterMs ?? 1_000;
    else throw outcome.error;
  }
  return result;
}
