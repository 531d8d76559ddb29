// The oracle of the fault-injection suite: from the store's ground truth alone (every order as it
// stands now, with its edits, refunds, cancellation and fulfillments, read through the
// simulator's control API) it computes what every customer's tier, tier tag and tier metafields,
// and every paid order's promise tier, lane and tag must be, with the app's pure domain rules and
// its payload mapping, and never a pipeline table. Then it compares with what the store holds
// (what the app wrote through the Admin API) and lists every divergence.
import type { SimCustomer, SimOrder, SimShop } from "../simulator/store/types.ts";
import { orderPayload, payloadContext, refundPayload } from "../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../simulator/webhooks/webhook-json.ts";
import { parseJsonLosslessly } from "../app/adapters/shopify/lossless-json.ts";
import { orderSnapshotFromPayload, refundRecordFromPayload } from "../app/adapters/shopify/webhook-payloads.ts";
import { reduceLedger, type LedgerEvent } from "../app/domain/order-ledger.ts";
import { qualifyingSpend } from "../app/domain/qualifying-spend.ts";
import { spendBeforeReversals } from "../app/domain/spend-before-reversals.ts";
import { earnedTierKey, evaluateTier, INITIAL_MEMBER_STATE } from "../app/domain/tier-evaluation.ts";
import { tierMetafields } from "../app/domain/tier-metafields.ts";
import { defaultTierRules, isOwnedTag, tierIndex, type TierRules } from "../app/domain/tier-rules.ts";
import { defaultPromiseRules, laneForTier, type PromiseRules } from "../app/domain/promise-rules.ts";
import { orderTierTag, PROMISE_METAFIELD_KEY } from "../app/domain/order-promise-writes.ts";

/** A shop's ground truth as the control API returns it (JSON: metafield maps are plain objects). */
export interface ShopGroundTruth {
  shop: SimShop;
  customers: SimCustomer[];
  orders: SimOrder[];
}

export interface ExpectedCustomer {
  customerGid: string;
  tierKey: string;
  spendMinor: number;
  /** The tier metafields whose values follow from the money alone (not the times the app ran). */
  metafields: Record<string, string | null>;
}

export type Divergence = { shop: string; subject: string; what: string; expected: unknown; actual: unknown };

/** Metafields whose value is fixed by the money; tier_since and tier_review_at carry the moment the app evaluated. */
const MONEY_METAFIELDS = ["tier", "tier_name", "qualifying_spend", "next_tier_name", "spend_to_next_tier", "tier_pinned"] as const;

/** A payload as the app receives it: serialized as Shopify sends it, parsed as the intake parses it. */
const delivered = (payload: unknown) => parseJsonLosslessly(toWebhookJson(payload));

type MetafieldBag = Map<string, { key: string; value: string }> | Record<string, { key: string; value: string }> | undefined;

/** The app-owned metafield `key` (namespace app--<id>…), from a store Map or its JSON object. */
export function appMetafield(bag: MetafieldBag, key: string): string | undefined {
  const entries = bag instanceof Map ? [...bag.entries()] : Object.entries(bag ?? {});
  for (const [mapKey, field] of entries) if (mapKey.startsWith("app--") && field.key === key) return field.value;
  return undefined;
}

/** Ledger events of a shop's orders as the app would receive them: final snapshots and every refund. */
export function ledgerEventsOf(truth: ShopGroundTruth): LedgerEvent[] {
  const customers = new Map(truth.customers.map((c) => [c.id, c]));
  const ctx = payloadContext(truth.shop, truth.shop.domain);
  const events: LedgerEvent[] = [];
  for (const order of truth.orders) {
    const customer = order.customerId ? (customers.get(order.customerId) ?? null) : null;
    events.push({ type: "order", order: orderSnapshotFromPayload(delivered(orderPayload(order, customer, ctx))) });
    for (const refund of order.refunds) events.push({ type: "refund", refund: refundRecordFromPayload(delivered(refundPayload(refund, order, ctx)), truth.shop.currency) });
  }
  return events;
}

/**
 * Every member: a customer with an order in the ledger, or created after the install (the app hears of
 * them by customers/create and gives them the base tier); tier, spend and the money-fixed metafields,
 * evaluated from scratch at `now`.
 */
export function expectedCustomers(truth: ShopGroundTruth, now: Date, rules: TierRules = defaultTierRules(truth.shop.currency)): Map<string, ExpectedCustomer> {
  const ledger = reduceLedger(ledgerEventsOf(truth));
  const out = new Map<string, ExpectedCustomer>();
  const installedAt = Date.parse(truth.shop.installation?.installedAt ?? "");
  const gids = new Set(Object.values(ledger.orders).map((o) => o.snapshot?.customerId).filter((c): c is string => Boolean(c)));
  for (const customer of truth.customers) if (Date.parse(customer.createdAt) > installedAt) gids.add(customer.gid);
  for (const customerGid of gids) {
    const spend = qualifyingSpend(ledger, customerGid, rules, now);
    const decision = evaluateTier({ spend, rules, state: INITIAL_MEMBER_STATE, now, cause: "order" });
    const all = tierMetafields({ rules, state: decision.state, spend, reviewAt: null });
    const metafields = Object.fromEntries(all.filter((m) => (MONEY_METAFIELDS as readonly string[]).includes(m.key)).map((m) => [m.key, m.value]));
    out.set(customerGid, { customerGid, tierKey: decision.tierKey, spendMinor: spend.qualifyingSpendMinor, metafields });
  }
  return out;
}

/** The tier a customer's given orders earn at `at`, evaluated from scratch; `beforeReversals`: as if no refund was given and no order cancelled. */
function tierOf(truth: ShopGroundTruth, orders: SimOrder[], customerGid: string, at: Date, rules: TierRules, beforeReversals: boolean): string {
  const ledger = reduceLedger(ledgerEventsOf({ ...truth, orders }));
  return earnedTierKey(beforeReversals ? spendBeforeReversals(ledger, customerGid, rules, at) : qualifyingSpend(ledger, customerGid, rules, at), rules);
}

export interface OracleOptions {
  now: Date;
  tierRules?: TierRules;
  promiseRules?: PromiseRules;
  /** The orders placed by the replay (their promises are checked); the seeded history before the install made none. */
  replayOrderIds: ReadonlySet<string>;
}

export interface OracleResult {
  customersChecked: number;
  ordersChecked: number;
  divergences: Divergence[];
  /** Promises made for a lower tier than the money had reached (a tier change still on its way at checkout): allowed, counted. */
  promisesBehindTheMoney: number;
}

/**
 * Compares the store with the oracle. Customers: exactly one Tierline tag, the expected one, and the
 * money-fixed metafields; customers without money carry no Tierline tag. Paid orders of the replay:
 * a promise metafield and one tier tag that agree, the lane of that tier, a tier never above what
 * the buyer's money had reached before the order (a promise is made for the tier held at checkout,
 * which may lag the money by the pipeline's delay, never lead it), exactly the base tier for guests,
 * and exactly the tier of the history before the install for a buyer's first replay order (the
 * replay never touches that history, so the tier held at checkout is known).
 */
export function checkShop(truth: ShopGroundTruth, options: OracleOptions): OracleResult {
  const rules = options.tierRules ?? defaultTierRules(truth.shop.currency);
  const promiseRules = options.promiseRules ?? defaultPromiseRules(truth.shop.ianaTimezone, truth.shop.countryCode);
  const shop = truth.shop.domain;
  const expected = expectedCustomers(truth, options.now, rules);
  const divergences: Divergence[] = [];
  const diverge = (subject: string, what: string, want: unknown, got: unknown) => divergences.push({ shop, subject, what, expected: want, actual: got });

  for (const customer of truth.customers) {
    const want = expected.get(customer.gid);
    const tags = customer.tags.filter(isOwnedTag).sort();
    if (!want) {
      if (tags.length) diverge(customer.gid, "tier tags of a customer the app never heard of (no order, created before the install)", [], tags);
      continue;
    }
    const wantTag = rules.tiers[tierIndex(rules, want.tierKey)].tag;
    if (JSON.stringify(tags) !== JSON.stringify([wantTag])) diverge(customer.gid, "tier tags", [wantTag], tags);
    for (const key of MONEY_METAFIELDS) {
      const got = appMetafield(customer.metafields as MetafieldBag, key) ?? null;
      const normalized = key === "qualifying_spend" || key === "spend_to_next_tier" ? (got === null ? null : JSON.stringify(JSON.parse(got))) : got;
      if (normalized !== want.metafields[key]) diverge(customer.gid, `metafield ${key}`, want.metafields[key], got);
    }
  }

  let ordersChecked = 0;
  let behind = 0;
  const base = rules.tiers[0].key;
  for (const order of truth.orders) {
    if (!options.replayOrderIds.has(order.id) || order.test || order.cancelledAt) continue;
    if (!["PAID", "PARTIALLY_REFUNDED", "REFUNDED"].includes(order.financialStatus)) continue;
    ordersChecked++;
    const subject = order.gid;
    const raw = appMetafield(order.metafields as MetafieldBag, PROMISE_METAFIELD_KEY);
    const tierTags = order.tags.filter(isOwnedTag);
    if (!raw) {
      diverge(subject, "promise metafield", "present", null);
      continue;
    }
    const promise = JSON.parse(raw) as { tier: string; lane: string };
    if (JSON.stringify(tierTags) !== JSON.stringify([orderTierTag(rules, promise.tier)])) diverge(subject, "order tier tag", [orderTierTag(rules, promise.tier)], tierTags);
    const lane = laneForTier(promiseRules, promise.tier);
    if (!lane || lane.key !== promise.lane) diverge(subject, "promise lane", lane?.key ?? null, promise.lane);
    const placed = new Date(order.createdAt);
    if (!order.customerId) {
      if (promise.tier !== base) diverge(subject, "promise tier of a guest", base, promise.tier);
      continue;
    }
    const customerGid = `gid://shopify/Customer/${order.customerId}`;
    const own = truth.orders.filter((o) => o.customerId === order.customerId);
    const earlierInReplay = own.filter((o) => options.replayOrderIds.has(o.id) && Date.parse(o.createdAt) < placed.getTime());
    if (earlierInReplay.length === 0) {
      const history = own.filter((o) => !options.replayOrderIds.has(o.id));
      const held = tierOf(truth, history, customerGid, placed, rules, false);
      if (promise.tier !== held) diverge(subject, "promise tier (tier held at checkout, from the history before the replay)", held, promise.tier);
      continue;
    }
    const ceiling = tierOf(truth, own.filter((o) => Date.parse(o.createdAt) < placed.getTime()), customerGid, placed, rules, true);
    if (tierIndex(rules, promise.tier) > tierIndex(rules, ceiling)) diverge(subject, "promise tier above what the money had reached at checkout", `≤ ${ceiling}`, promise.tier);
    else if (tierIndex(rules, promise.tier) < tierIndex(rules, ceiling)) behind++;
  }
  return { customersChecked: truth.customers.length, ordersChecked, divergences, promisesBehindTheMoney: behind };
}
