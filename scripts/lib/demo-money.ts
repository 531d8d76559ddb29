// The demo's "money paid and kept" step (docs/decisions/0008 and 0009), played as a store
// would play it: four new customers each spend $200.00 (Bronze) among the live orders, then
//   - a cash-on-delivery order counts nothing until the merchant marks it paid (then Silver);
//   - an authorized order that is voided never counts;
//   - a gift card bought is not spend;
//   - an order that lifts a customer to Silver, refunded in full, takes the upgrade back at
//     once (no grace period).
// Every wait is on state: the simulator has delivered its webhooks, then Tierline has settled
// (the shop's sync gathers writes for half a second, so each wait is about a second; two of them here).
// `judgeMoneyStories` says where an outcome differs from the rules; the demo fails on it.
import type { Db } from "../../app/db.server.ts";
import { TIERLINE_TAG_PREFIX } from "../../app/domain/tier-rules.ts";
import type { SettleWatcher } from "./settle.ts";

/** What the app holds for a customer at one moment, and the tier tag Shopify holds. */
export interface CustomerMoment {
  tier: string | null;
  spendMinor: number;
  /** A downgrade waiting out the grace period (null: none). */
  graceUntil: string | null;
  /** The tierline:* tag on the customer in Shopify (null: none). */
  shopifyTag: string | null;
}

export interface MoneyStory {
  /** The order's value under the rules were it paid and kept (items only: shipping and tax do not count by default). */
  orderMinor: number;
  before: CustomerMoment;
  /** After the order was placed (cash on delivery, authorized, refunded-upgrade: before its payment changed). */
  placed: CustomerMoment;
  after: CustomerMoment;
}

export interface MoneyStories {
  cashOnDelivery: MoneyStory;
  voidedAuthorization: MoneyStory;
  giftCard: MoneyStory;
  refundedUpgrade: MoneyStory;
}

export type MoneyStoryKey = keyof MoneyStories;

const BASELINE_MINOR = 200_00;
const BASE_TIER = "bronze";
const UPPER_TIER = "silver";

const tagOf = (tier: string | null) => (tier ? `${TIERLINE_TAG_PREFIX}${tier}` : null);

/**
 * Where each outcome departs from the rules, in plain words; empty when all four are as the
 * rules say. Pure, so it can be held by a test with outcomes the app must never produce.
 */
export function judgeMoneyStories(s: MoneyStories): string[] {
  const problems: string[] = [];
  const expect = (key: MoneyStoryKey, moment: "before" | "placed" | "after", want: { tier: string; spendMinor: number; noGrace?: boolean }) => {
    const got = s[key][moment];
    const what = `${key} (${moment})`;
    if (got.tier !== want.tier) problems.push(`${what}: tier ${got.tier ?? "none"}, the rules say ${want.tier}`);
    if (got.spendMinor !== want.spendMinor) problems.push(`${what}: spend ${money(got.spendMinor)}, the rules say ${money(want.spendMinor)}`);
    if (want.noGrace && got.graceUntil) problems.push(`${what}: a grace period runs until ${got.graceUntil}, the rules say none`);
    if (moment !== "placed" && got.shopifyTag !== tagOf(want.tier)) problems.push(`${what}: Shopify holds tag ${got.shopifyTag ?? "none"}, the rules say ${tagOf(want.tier)}`);
  };
  const base = { tier: BASE_TIER, spendMinor: BASELINE_MINOR };
  for (const key of Object.keys(s) as MoneyStoryKey[]) expect(key, "before", base);
  // Cash on delivery: nothing while unpaid, all of it once marked paid.
  expect("cashOnDelivery", "placed", base);
  expect("cashOnDelivery", "after", { tier: UPPER_TIER, spendMinor: BASELINE_MINOR + s.cashOnDelivery.orderMinor });
  // An authorization never captured, then voided: never counts.
  expect("voidedAuthorization", "placed", base);
  expect("voidedAuthorization", "after", base);
  // A gift card bought is not spend.
  expect("giftCard", "after", base);
  // An upgrade its money's refund takes back: reversed at once, no grace.
  expect("refundedUpgrade", "placed", { tier: UPPER_TIER, spendMinor: BASELINE_MINOR + s.refundedUpgrade.orderMinor });
  expect("refundedUpgrade", "after", { ...base, noGrace: true });
  return problems;
}

export function money(minor: number): string {
  return `$${(minor / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
}

const tierName = (tier: string | null) => (tier ? tier[0].toUpperCase() + tier.slice(1) : "no tier");

/** One plain line per story, as the merchant would tell it. */
export function describeMoneyStories(s: MoneyStories): string[] {
  const moved = (a: CustomerMoment, b: CustomerMoment) => `${tierName(a.tier)} → ${tierName(b.tier)}`;
  const counted = (from: CustomerMoment, to: CustomerMoment) => money(to.spendMinor - from.spendMinor);
  const { cashOnDelivery: cod, voidedAuthorization: voided, giftCard: gift, refundedUpgrade: refunded } = s;
  const befores = Object.values(s).map((story: MoneyStory) => `${tierName(story.before.tier)} (${money(story.before.spendMinor)})`);
  const start = new Set(befores).size === 1 ? `each ${befores[0]}` : befores.join(", ");
  return [
    `four new customers paid ${money(BASELINE_MINOR)} each among the live orders: ${start}`,
    `cash on delivery, ${money(cod.orderMinor)}: counts ${counted(cod.before, cod.placed)} while unpaid (${moved(cod.before, cod.placed)}); marked paid, counts ${counted(cod.before, cod.after)}: ${moved(cod.before, cod.after)}`,
    `card authorized for ${money(voided.orderMinor)}, then voided: counts ${counted(voided.before, voided.after)}: ${moved(voided.before, voided.after)}`,
    `gift card bought for ${money(gift.orderMinor)} (not spend): counts ${counted(gift.before, gift.after)}: ${moved(gift.before, gift.after)}`,
    `order of ${money(refunded.orderMinor)} lifts ${moved(refunded.before, refunded.placed)}; refunded in full, ${moved(refunded.placed, refunded.after)} at once (${refunded.after.graceUntil ? `grace until ${refunded.after.graceUntil}` : "no grace"})`,
  ];
}

/** The figures for the demo's JSON summary: tiers and spend (in dollars) at each moment. */
export function summarizeMoneyStories(s: MoneyStories): Record<MoneyStoryKey, Record<string, unknown>> {
  const dollars = (minor: number) => minor / 100;
  const entries = (Object.keys(s) as MoneyStoryKey[]).map((key) => {
    const { orderMinor, before, placed, after } = s[key];
    return [key, {
      order: dollars(orderMinor),
      tierBefore: before.tier, tierPlaced: placed.tier, tierAfter: after.tier,
      spendBefore: dollars(before.spendMinor), spendPlaced: dollars(placed.spendMinor), spendAfter: dollars(after.spendMinor),
      graceAfter: after.graceUntil, shopifyTagAfter: after.shopifyTag,
    }];
  });
  return Object.fromEntries(entries) as Record<MoneyStoryKey, Record<string, unknown>>;
}

type Json = <T>(url: string, init?: RequestInit) => Promise<T>;

export interface MoneyStepContext {
  simOrigin: string;
  shop: string;
  db: Db;
  settle: SettleWatcher;
  json: Json;
}

interface SimCustomerRef { id: string; gid: string }

const post = <T>(json: Json, url: string, body: unknown = {}) => json<T>(url, { method: "POST", body: JSON.stringify(body) });

/**
 * Waits until the simulator has sent every webhook (and had the app's answer), then until
 * Tierline has processed them and written to Shopify; again if those writes made Shopify send more.
 */
export async function quiet({ simOrigin, settle, json }: Pick<MoneyStepContext, "simOrigin" | "settle" | "json">, progress?: Parameters<SettleWatcher["settled"]>[0]): Promise<void> {
  for (;;) {
    const idle = await post<{ settled: boolean; pending: number }>(json, `${simOrigin}/_sim/webhooks/idle?timeoutMs=60000`);
    if (!idle.settled) throw new Error(`the simulator still has ${idle.pending} webhooks to deliver after a minute`);
    await settle.settled(progress);
    const after = await post<{ pending: number }>(json, `${simOrigin}/_sim/webhooks/idle?timeoutMs=0`);
    if (after.pending === 0) return;
  }
}

/** One line item (quantity 1); orders carry 8% tax and $9.00 shipping, which do not count by default. */
const line = (title: string, minor: number, extra: Record<string, unknown> = {}) => ({ title, price: (minor / 100).toFixed(2), quantity: 1, ...extra });

async function placeOrder(json: Json, control: string, customer: SimCustomerRef, body: Record<string, unknown>): Promise<string> {
  return (await post<{ order: { id: string } }>(json, `${control}/orders`, { customerId: customer.id, taxRate: 0.08, shipping: { price: "9.00" }, ...body })).order.id;
}

const names = { cashOnDelivery: "Cora", voidedAuthorization: "Viktor", giftCard: "Gina", refundedUpgrade: "Rafael" } satisfies Record<MoneyStoryKey, string>;
const keys = Object.keys(names) as MoneyStoryKey[];

/** The story's customers, each with a paid $200.00 order placed; known once the app is quiet. */
export type MoneyCast = Record<MoneyStoryKey, SimCustomerRef>;

/**
 * Creates the four customers and their first paid orders. Done with the demo's live orders,
 * so the wait for those covers these too.
 */
export async function castMoneyStories({ simOrigin, shop, json }: Pick<MoneyStepContext, "simOrigin" | "shop" | "json">): Promise<MoneyCast> {
  const control = `${simOrigin}/_sim/shops/${shop}`;
  const cast = {} as MoneyCast;
  for (const key of keys) {
    const { customer } = await post<{ customer: SimCustomerRef }>(json, `${control}/customers`, { firstName: names[key], lastName: "Demo", email: `${names[key].toLowerCase()}.${key.toLowerCase()}@example.com` });
    cast[key] = customer;
    await placeOrder(json, control, customer, { lineItems: [line("Wool scarf", BASELINE_MINOR)] });
  }
  return cast;
}

/**
 * Plays the four stories against the running app, once the cast's first orders have settled,
 * and reads back what it decided at each moment.
 */
export async function playMoneyStories(context: MoneyStepContext, customers: MoneyCast): Promise<MoneyStories> {
  const { simOrigin, shop, db, json } = context;
  const control = `${simOrigin}/_sim/shops/${shop}`;

  const moment = async (customer: SimCustomerRef): Promise<CustomerMoment> => {
    const [row, sim] = await Promise.all([
      db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid: customer.gid } } }),
      json<{ customer: { tags: string[] } }>(`${control}/customers/${customer.id}`),
    ]);
    return {
      tier: row?.tierKey ?? null,
      spendMinor: row?.qualifyingSpend ?? 0,
      graceUntil: row?.graceUntil ? row.graceUntil.toISOString() : null,
      shopifyTag: sim.customer.tags.find((t) => t.startsWith(TIERLINE_TAG_PREFIX)) ?? null,
    };
  };

  const everyone = async () => Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await moment(customers[k])]))) as Record<MoneyStoryKey, CustomerMoment>;

  const before = await everyone();

  const orderMinor = { cashOnDelivery: 450_00, voidedAuthorization: 450_00, giftCard: 500_00, refundedUpgrade: 450_00 } satisfies Record<MoneyStoryKey, number>;
  const cod = await placeOrder(json, control, customers.cashOnDelivery, { lineItems: [line("Winter coat", orderMinor.cashOnDelivery)], gateway: "Cash on Delivery (COD)" });
  const authorized = await placeOrder(json, control, customers.voidedAuthorization, { lineItems: [line("Winter coat", orderMinor.voidedAuthorization)], financialStatus: "AUTHORIZED" });
  await placeOrder(json, control, customers.giftCard, { lineItems: [line("Gift card", orderMinor.giftCard, { giftCard: true })], taxRate: 0, shipping: null });
  const upgrade = await placeOrder(json, control, customers.refundedUpgrade, { lineItems: [line("Winter coat", orderMinor.refundedUpgrade)] });
  await quiet(context);
  const placed = await everyone();

  await post(json, `${control}/orders/${cod}/mark-paid`);
  await post(json, `${control}/orders/${authorized}/void`);
  await post(json, `${control}/orders/${upgrade}/refunds`, { full: true, note: "returned" });
  await quiet(context);
  const after = await everyone();

  return Object.fromEntries(keys.map((k) => [k, { orderMinor: orderMinor[k], before: before[k], placed: placed[k], after: after[k] }])) as unknown as MoneyStories;
}
