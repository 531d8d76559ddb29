// What the tiers must be, computed straight from the simulator's store: its
// orders and refunds rendered as the webhook payloads Shopify would send, mapped
// as the app maps them, and run through the domain. Independent of the app's
// database, queues and Admin API writes, which are what the tests check.
import type { RunningSimulator } from "../../simulator/server.ts";
import { orderPayload, payloadContext, refundPayload } from "../../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../../simulator/webhooks/webhook-json.ts";
import { parseJsonLosslessly } from "../../app/adapters/shopify/lossless-json.ts";
import { orderSnapshotFromPayload, refundRecordFromPayload } from "../../app/adapters/shopify/webhook-payloads.ts";
import { reduceLedger, type LedgerEvent } from "../../app/domain/order-ledger.ts";
import { qualifyingSpend } from "../../app/domain/qualifying-spend.ts";
import { evaluateTier, INITIAL_MEMBER_STATE } from "../../app/domain/tier-evaluation.ts";
import { defaultTierRules, type TierRules } from "../../app/domain/tier-rules.ts";

export interface ExpectedTiers {
  orders: number;
  refunds: number;
  tiers: Map<string, { tierKey: string; spend: number; orders: number }>;
}

/** A payload as the app receives it: serialized as Shopify sends it, parsed as the intake parses it. */
const delivered = (payload: unknown) => parseJsonLosslessly(toWebhookJson(payload));

export function expectedTiersFromStore(sim: RunningSimulator, shop: string, now: Date, rules?: TierRules): ExpectedTiers {
  const data = sim.store.shop(shop);
  const ctx = payloadContext(data.shop, shop);
  const events: LedgerEvent[] = [];
  let refunds = 0;
  for (const order of data.orders.values()) {
    const customer = order.customerId ? data.customers.get(order.customerId) ?? null : null;
    events.push({ type: "order", order: orderSnapshotFromPayload(delivered(orderPayload(order, customer, ctx))) });
    for (const refund of order.refunds) {
      events.push({ type: "refund", refund: refundRecordFromPayload(delivered(refundPayload(refund, order, ctx)), data.shop.currency) });
      refunds++;
    }
  }
  const ledger = reduceLedger(events);
  const effectiveRules = rules ?? defaultTierRules(data.shop.currency);
  const tiers = new Map<string, { tierKey: string; spend: number; orders: number }>();
  const customers = new Set([...Object.values(ledger.orders)].map((o) => o.snapshot?.customerId).filter((c): c is string => Boolean(c)));
  for (const customerId of customers) {
    const spend = qualifyingSpend(ledger, customerId, effectiveRules, now);
    const decision = evaluateTier({ spend, rules: effectiveRules, state: INITIAL_MEMBER_STATE, now, cause: "order" });
    tiers.set(customerId, { tierKey: decision.tierKey, spend: spend.qualifyingSpendMinor, orders: spend.qualifyingOrderCount });
  }
  return { orders: data.orders.size, refunds, tiers };
}
