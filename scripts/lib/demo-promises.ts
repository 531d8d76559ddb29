// The demo's "delivery promises per tier" step (docs/decisions/0011, 0013, 0014, 0015), played as a
// store would play it. Three new customers become Gold, Silver and Bronze members; then
//   - the merchant limits the Gold lane to a small daily capacity (the stored promise rules, as
//     the Promise settings page saves them);
//   - the members and a guest place paid orders: each gets its tier's ship-by, written onto the
//     order in the simulated store (the fulfillment orders' deadline, the order metafield, the tag);
//     Gold orders are placed one at a time, each booked before the next (the last finds its day full);
//   - the merchant ships: some now (on time), some a day after their ship-by (the simulator ships
//     at a given time, as if its clock had moved on);
//   - Tierline's promise-kept rate per tier (promiseKeptRates) is read back;
//   - a Gold buyer's thank-you page (the simulator's, running the built checkout extension).
// Every wait is on state. `judgePromiseStories` says where an outcome differs from the rules; the
// demo fails on it.
import type { Browser } from "playwright-core";
import type { Db } from "../../app/db.server.ts";
import { promiseKeptRates } from "../../app/adapters/db/promise-score-repository.server.ts";
import { loadPromiseSettings, savePromiseRules } from "../../app/adapters/db/promise-settings-repository.server.ts";
import { loadTierRules } from "../../app/adapters/db/tier-settings-repository.server.ts";
import { formatLocalDay } from "../../app/domain/checkout-promise-answer.ts";
import { fulfillmentDeadlineOf, PROMISE_METAFIELD_KEY } from "../../app/domain/order-promise-writes.ts";
import type { PromiseAdjustment } from "../../app/domain/promise-date-calculator.ts";
import { laneForTier } from "../../app/domain/promise-rules.ts";
import { TIERLINE_TAG_PREFIX } from "../../app/domain/tier-rules.ts";
import { eventually } from "./app-processes.ts";
import { quiet } from "./demo-money.ts";
import type { SettleWatcher } from "./settle.ts";

export type Buyer = "gold" | "silver" | "bronze" | "guest";
export type ShipPlan = "on_time" | "late" | "not_shipped";

/** One order of the step: what the rules say it gets, and what Tierline and the store hold. */
export interface PromisedOrder {
  name: string;
  orderGid: string;
  buyer: Buyer;
  /** The tier the buyer held before the order (a guest: none). */
  heldBefore: string | null;
  /** The tier the rules promise: the one held before the order; a guest gets the base tier. */
  expectedTier: string;
  /** The stored promise (null: none was made). */
  promise: { tierKey: string; laneKey: string; shipBy: string; shipByDay: string; laneFull: { fullDays: string[]; movedTo: string } | null } | null;
  /** What the simulated store holds on the order, read back before shipping. */
  store: {
    /** The deadline (`fulfillBy`) of each of its open fulfillment orders. */
    fulfillBy: (string | null)[];
    /** The `$app.delivery_promise` metafield's value, parsed (null: none). */
    metafield: { tier?: string; lane?: string; shipBy?: string } | null;
    tags: string[];
  };
  ship: ShipPlan;
  /** When it was shipped, and Tierline's outcome for it once fully shipped. */
  shippedAt: string | null;
  outcome: string | null;
}

export interface PromiseStories {
  timeZone: string;
  /** The lane given a small capacity before the orders. */
  capped: { laneKey: string; laneName: string; tierKey: string; dailyCapacity: number };
  /** Each tier's lane key, from the stored rules. */
  lanes: Record<string, string>;
  /** Open promises per ship-by day in the capped lane, after the orders were promised (before shipping). */
  bookings: Record<string, number>;
  orders: PromisedOrder[];
  /** promiseKeptRates grouped by tier, after the shipments. */
  rates: { key: string | null; kept: number; late: number; rate: number | null }[];
  thankYou: { url: string; expected: string; seen: string | null; checked: boolean };
}

const tierName = (tier: string | null | undefined) => (tier ? tier[0].toUpperCase() + tier.slice(1) : "no tier");
const tagOf = (tier: string) => `${TIERLINE_TAG_PREFIX}${tier}`;

/**
 * Where the outcome departs from the rules, in plain words; empty when promises behaved. Pure, so
 * a test can hold it to outcomes the app must never produce.
 */
export function judgePromiseStories(s: PromiseStories): string[] {
  const problems: string[] = [];
  const { capped } = s;
  for (const order of s.orders) {
    const what = `${order.name} (${order.buyer === "guest" ? "a guest" : `${tierName(order.buyer)} member`})`;
    const p = order.promise;
    if (!p) {
      problems.push(`${what}: no promise was made`);
      continue;
    }
    if (order.buyer !== "guest" && order.heldBefore !== order.buyer) problems.push(`${what}: holds ${tierName(order.heldBefore)} before the order, the demo's first order makes ${tierName(order.buyer)}`);
    if (p.tierKey !== order.expectedTier) problems.push(`${what}: promised ${tierName(p.tierKey)}'s ship-by, the rules say ${tierName(order.expectedTier)}'s`);
    if (s.lanes[p.tierKey] !== p.laneKey) problems.push(`${what}: booked into lane ${p.laneKey}, ${tierName(p.tierKey)}'s lane is ${s.lanes[p.tierKey] ?? "none"}`);
    const deadline = fulfillmentDeadlineOf(new Date(p.shipBy)).getTime();
    if (order.store.fulfillBy.length === 0) problems.push(`${what}: the store shows no open fulfillment order to carry the deadline`);
    const wrong = order.store.fulfillBy.filter((at) => at === null || Date.parse(at) !== deadline);
    if (wrong.length) problems.push(`${what}: ${wrong.length} of ${order.store.fulfillBy.length} fulfillment orders have deadline ${wrong[0] ?? "none"}, the promise says ${new Date(deadline).toISOString()}`);
    const mf = order.store.metafield;
    if (!mf) problems.push(`${what}: no ${PROMISE_METAFIELD_KEY} metafield on the order`);
    else if (mf.tier !== p.tierKey || mf.lane !== p.laneKey || (mf.shipBy ? Date.parse(mf.shipBy) : NaN) !== Date.parse(p.shipBy)) problems.push(`${what}: the order metafield says ${mf.tier}/${mf.lane}/${mf.shipBy}, the promise ${p.tierKey}/${p.laneKey}/${p.shipBy}`);
    if (!order.store.tags.includes(tagOf(p.tierKey))) problems.push(`${what}: the order is not tagged ${tagOf(p.tierKey)}`);
    // Capacity: a day in the capped lane never holds more than it takes; a promise moved on found its days full.
    if (p.laneKey === capped.laneKey) {
      const booked = s.bookings[p.shipByDay] ?? 0;
      if (booked > capped.dailyCapacity) problems.push(`${what}: ship-by day ${p.shipByDay} holds ${booked} ${capped.laneName} orders, the lane takes ${capped.dailyCapacity}`);
      for (const day of p.laneFull?.fullDays ?? []) {
        if ((s.bookings[day] ?? 0) < capped.dailyCapacity) problems.push(`${what}: moved past ${day} as full, which holds ${s.bookings[day] ?? 0} of ${capped.dailyCapacity}`);
      }
      if (p.laneFull && p.laneFull.movedTo !== p.shipByDay) problems.push(`${what}: moved to ${p.laneFull.movedTo} but promised for ${p.shipByDay}`);
    }
    // Shipments: on time is kept, after the ship-by is late.
    if (order.ship !== "not_shipped") {
      const want = order.ship === "on_time" ? "kept" : "late";
      if (order.outcome !== want) problems.push(`${what}: shipped ${order.ship === "on_time" ? "before" : "after"} its ship-by, Tierline scored it ${order.outcome ?? "not at all"}, the rules say ${want}`);
    }
  }
  const cappedOrders = s.orders.filter((o) => o.promise?.laneKey === capped.laneKey);
  if (cappedOrders.length > capped.dailyCapacity && !cappedOrders.some((o) => o.promise?.laneFull)) {
    problems.push(`${cappedOrders.length} ${capped.laneName} orders into a lane of ${capped.dailyCapacity} a day, none moved to a day with room`);
  }
  // The kept rate per tier counts exactly the shipments made (one line each), nothing else.
  const shipped = new Map<string, { kept: number; late: number }>();
  for (const order of s.orders) {
    if (order.ship === "not_shipped" || !order.promise) continue;
    const tally = shipped.get(order.promise.tierKey) ?? { kept: 0, late: 0 };
    tally[order.ship === "on_time" ? "kept" : "late"]++;
    shipped.set(order.promise.tierKey, tally);
  }
  for (const [tier, want] of shipped) {
    const got = s.rates.find((r) => r.key === tier);
    if (!got || got.kept !== want.kept || got.late !== want.late) problems.push(`${tierName(tier)}: promise-kept rate counts ${got ? `${got.kept} kept, ${got.late} late` : "nothing"}, the demo shipped ${want.kept} on time, ${want.late} late`);
  }
  for (const got of s.rates) {
    if (got.key === null || !shipped.has(got.key)) problems.push(`${tierName(got.key)}: promise-kept rate counts ${got.kept} kept, ${got.late} late, the demo shipped none`);
  }
  if (s.thankYou.checked && s.thankYou.seen !== s.thankYou.expected) problems.push(`the thank-you page shows ${s.thankYou.seen === null ? "no promise" : `"${s.thankYou.seen}"`}, the Gold buyer's promise is "${s.thankYou.expected}"`);
  return problems;
}

/** The ship-by in the shop's time zone, as the merchant reads it. */
function shopTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}

const percent = (rate: number | null) => (rate === null ? "–" : `${Math.round(rate * 100)}%`);
const buyerLabel = (buyer: Buyer) => (buyer === "guest" ? "guest" : `${tierName(buyer)} member`);

/** Plain lines for the demo's output: the capacity, one row per order, the shipments, the kept rate. */
export function describePromiseStories(s: PromiseStories): string[] {
  const { capped, timeZone } = s;
  const rows = s.orders.map((o) => {
    const p = o.promise;
    const deadline = o.store.fulfillBy.length && o.store.fulfillBy.every((at) => at === o.store.fulfillBy[0]) ? `${o.store.fulfillBy[0] ?? "none"}` : o.store.fulfillBy.join(", ") || "none";
    const cells = [o.name, buyerLabel(o.buyer), tierName(p?.tierKey), p?.laneKey ?? "-", p ? shopTime(p.shipBy, timeZone) : "no promise", deadline];
    const note = p?.laneFull ? `  ← lane full on ${p.laneFull.fullDays.map((d) => formatLocalDay(d, "en-US")).join(", ")}: moved to ${formatLocalDay(p.laneFull.movedTo, "en-US")}` : "";
    return { cells, note };
  });
  const header = ["order", "buyer", "tier", "lane", `ship-by (${timeZone})`, "deadline on its fulfillment orders (store)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const shipments = s.orders.filter((o) => o.ship !== "not_shipped").map((o) => {
    const when = o.ship === "on_time" ? "now" : `${o.shippedAt ? shopTime(o.shippedAt, timeZone) : "?"}, a day after its ship-by`;
    return `${o.name} ${when} → ${o.outcome ?? "not scored"}`;
  });
  // Highest tier first, as the lanes are listed.
  const rank = (key: string | null) => { const i = Object.keys(s.lanes).indexOf(key ?? ""); return i < 0 ? Infinity : i; };
  const rates = [...s.rates].sort((a, b) => rank(a.key) - rank(b.key)).map((r) => `${tierName(r.key)} ${percent(r.rate)} (${r.kept} of ${r.kept + r.late})`).join(", ");
  return [
    `${capped.laneName} (${tierName(capped.tierKey)}'s lane) limited to ${capped.dailyCapacity} orders a day in the promise rules; then paid orders from members and a guest:`,
    line(header),
    ...rows.map((r) => line(r.cells) + r.note),
    `the merchant ships: ${shipments.join("; ")}`,
    `promise kept per tier: ${rates || "nothing shipped"}`,
  ];
}

/** The figures for the demo's JSON summary. */
export function summarizePromiseStories(s: PromiseStories): Record<string, unknown> {
  return {
    cappedLane: s.capped,
    orders: s.orders.map((o) => ({
      order: o.name, buyer: o.buyer, tier: o.promise?.tierKey ?? null, lane: o.promise?.laneKey ?? null, shipBy: o.promise?.shipBy ?? null,
      deadlines: o.store.fulfillBy, rolledOverFrom: o.promise?.laneFull?.fullDays ?? null, shipped: o.ship, outcome: o.outcome,
    })),
    keptRatePerTier: Object.fromEntries(s.rates.map((r) => [r.key ?? "none", { kept: r.kept, late: r.late, rate: r.rate }])),
    thankYouPage: s.thankYou.url,
  };
}

// ------------------------------------------------------------------ playing it against the app

type Json = <T>(url: string, init?: RequestInit) => Promise<T>;

export interface PromiseStepContext {
  simOrigin: string;
  shop: string;
  db: Db;
  settle: SettleWatcher;
  json: Json;
}

interface SimCustomerRef { id: string; gid: string }
interface SimOrderJson {
  id: string;
  gid: string;
  name: string;
  createdAt: string;
  tags: string[];
  metafields?: Record<string, { key: string; value: string }>;
  fulfillmentOrders: { status: string; fulfillBy: string | null }[];
}

const post = <T>(json: Json, url: string, body: unknown = {}) => json<T>(url, { method: "POST", body: JSON.stringify(body) });

/** The members' first orders (items only count): each lifts a new customer into the tier. */
const MEMBERS = {
  gold: { firstName: "Gwen", spend: "2600.00" },
  silver: { firstName: "Silas", spend: "900.00" },
  bronze: { firstName: "Bea", spend: "150.00" },
} satisfies Record<Exclude<Buyer, "guest">, { firstName: string; spend: string }>;
type Member = keyof typeof MEMBERS;
const MEMBER_KEYS = Object.keys(MEMBERS) as Member[];

export type PromiseCast = Record<Member, SimCustomerRef>;

/** The capacity the Gold lane is given: two orders a day, so the third Gold order moves on. */
export const DEMO_GOLD_CAPACITY = 2;
const GOLD_ORDERS = DEMO_GOLD_CAPACITY + 1;
const DAY = 86_400_000;

/**
 * Creates the three members and their first paid orders. Not among the live orders: a promise
 * write round that the Admin API throttles keeps nothing it wrote and retries as soon as one call
 * fits, so a round of ~45 orders started while the tier sync drains the bucket never finishes
 * (the demo on `small` hung so); three more promises there were enough to tip it.
 */
async function castPromiseStories({ simOrigin, shop, json }: Pick<PromiseStepContext, "simOrigin" | "shop" | "json">): Promise<PromiseCast> {
  const control = `${simOrigin}/_sim/shops/${shop}`;
  const cast = {} as PromiseCast;
  for (const tier of MEMBER_KEYS) {
    const { firstName, spend } = MEMBERS[tier];
    const { customer } = await post<{ customer: SimCustomerRef }>(json, `${control}/customers`, { firstName, lastName: "Demo", email: `${firstName.toLowerCase()}.promise@example.com` });
    cast[tier] = customer;
    await post(json, `${control}/orders`, { customerId: customer.id, lineItems: [{ title: "Tailored coat", price: spend, quantity: 1 }], shipping: { price: "9.00" }, taxRate: 0.08 });
  }
  return cast;
}

/** Plays the step once the live orders have settled; `checkThankYou` opens the page in a browser (null: no browser). */
export async function playPromiseStories(context: PromiseStepContext, checkThankYou: ((url: string, expected: string) => Promise<string | null>) | null): Promise<PromiseStories> {
  const { simOrigin, shop, db, json } = context;
  const control = `${simOrigin}/_sim/shops/${shop}`;
  const cast = await castPromiseStories(context);
  await quiet(context);

  // The merchant limits the Gold lane, through the stored rules the Promise settings page saves.
  const { rules } = await loadPromiseSettings(db, shop);
  const goldLane = laneForTier(rules, "gold");
  if (!goldLane) throw new Error("the promise rules have no lane for Gold");
  const capped = { laneKey: goldLane.key, laneName: goldLane.name, tierKey: goldLane.tierKey, dailyCapacity: DEMO_GOLD_CAPACITY };
  await savePromiseRules(db, shop, { ...rules, lanes: rules.lanes.map((lane) => (lane.key === goldLane.key ? { ...lane, dailyCapacity: DEMO_GOLD_CAPACITY } : lane)) });
  const lanes = Object.fromEntries(rules.lanes.map((lane) => [lane.tierKey, lane.key]));

  // A promise takes the tier held before the order (docs/decisions/0014), to the second the order
  // carries: the members' tier changes must lie in an earlier second than their orders.
  const members = await db.customer.findMany({ where: { shop, customerGid: { in: MEMBER_KEYS.map((k) => cast[k].gid) } }, select: { customerGid: true, tierKey: true } });
  const held = (gid: string) => members.find((m) => m.customerGid === gid)?.tierKey ?? null;
  const latest = await db.tierChange.findFirst({ where: { shop, customerGid: { in: MEMBER_KEYS.map((k) => cast[k].gid) } }, orderBy: { occurredAt: "desc" }, select: { occurredAt: true } });
  if (latest) {
    const nextSecond = Math.floor(latest.occurredAt.getTime() / 1000) * 1000 + 1000;
    if (Date.now() < nextSecond) await new Promise((r) => setTimeout(r, nextSecond - Date.now() + 50));
  }
  // A guest gets the base tier: the first, lowest.
  const baseTier = (await loadTierRules(db, shop)).tiers[0].key;

  const place = async (customer: SimCustomerRef | null, title: string, price: string) =>
    (await post<{ order: SimOrderJson }>(json, `${control}/orders`, { ...(customer ? { customerId: customer.id } : { email: "guest.promise@example.com" }), lineItems: [{ title, price, quantity: 1 }], shipping: { price: "9.00" }, taxRate: 0.08 })).order;
  const promiseOf = (orderGid: string) => db.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid } } });

  const placed: { order: SimOrderJson; buyer: Buyer; heldBefore: string | null; expectedTier: string; ship: ShipPlan }[] = [];
  // Gold orders one at a time, each booked before the next is placed.
  const goldShips: ShipPlan[] = ["on_time", "late", "on_time"];
  for (let i = 0; i < GOLD_ORDERS; i++) {
    const order = await place(cast.gold, "Cashmere scarf", "120.00");
    await eventually(() => promiseOf(order.gid), { timeoutMs: 60_000, intervalMs: 100, what: `the promise of ${order.name}` });
    placed.push({ order, buyer: "gold", heldBefore: held(cast.gold.gid), expectedTier: held(cast.gold.gid) ?? baseTier, ship: goldShips[i] ?? "on_time" });
  }
  const others: [SimCustomerRef | null, Buyer, ShipPlan][] = [[cast.silver, "silver", "on_time"], [cast.bronze, "bronze", "late"], [null, "guest", "on_time"]];
  for (const [customer, buyer, ship] of others) {
    const order = await place(customer, "Wool beanie", "45.00");
    const heldBefore = customer ? held(customer.gid) : null;
    placed.push({ order, buyer, heldBefore, expectedTier: heldBefore ?? baseTier, ship });
  }
  await quiet(context);

  // What Tierline promised and what the store holds on each order, before anything ships.
  const [bookingRows, ...reads] = await Promise.all([
    db.orderPromise.groupBy({ by: ["shipByDay"], where: { shop, laneKey: capped.laneKey, status: "open" }, _count: { _all: true } }),
    ...placed.map(async ({ order }) => ({ row: await promiseOf(order.gid), sim: (await json<{ order: SimOrderJson }>(`${control}/orders/${order.id}`)).order })),
  ]);
  const bookings = Object.fromEntries(bookingRows.map((r) => [r.shipByDay, r._count._all]));

  // The merchant ships: on time now; late a day after the ship-by (the simulator's clock moved on).
  for (const [i, { order, ship }] of placed.entries()) {
    const row = reads[i].row;
    if (ship === "not_shipped" || !row) continue;
    await post(json, `${control}/orders/${order.id}/fulfill`, ship === "late" ? { at: new Date(row.shipBy.getTime() + DAY).toISOString() } : {});
  }
  await quiet(context);
  const after = await Promise.all(placed.map(({ order }) => promiseOf(order.gid)));
  const rates = await promiseKeptRates(db, shop, { from: "2000-01-01", to: "2100-12-31", groupBy: "tier" });

  const orders: PromisedOrder[] = placed.map(({ buyer, heldBefore, expectedTier, ship }, i) => {
    const { row, sim } = reads[i];
    const laneFull = row ? (JSON.parse(row.adjustments) as PromiseAdjustment[]).find((a) => a.kind === "lane_full") : undefined;
    const metafield = Object.values(sim.metafields ?? {}).find((m) => m.key === PROMISE_METAFIELD_KEY);
    return {
      name: sim.name,
      orderGid: sim.gid,
      buyer,
      heldBefore,
      expectedTier,
      promise: row ? { tierKey: row.tierKey, laneKey: row.laneKey, shipBy: row.shipBy.toISOString(), shipByDay: row.shipByDay, laneFull: laneFull?.kind === "lane_full" ? { fullDays: laneFull.fullDays, movedTo: laneFull.movedTo } : null } : null,
      store: {
        fulfillBy: sim.fulfillmentOrders.filter((fo) => fo.status === "OPEN" || fo.status === "IN_PROGRESS").map((fo) => fo.fulfillBy),
        metafield: metafield ? (JSON.parse(metafield.value) as PromisedOrder["store"]["metafield"]) : null,
        tags: sim.tags,
      },
      ship,
      shippedAt: after[i]?.shippedAt?.toISOString() ?? null,
      outcome: after[i]?.outcome ?? null,
    };
  });

  // A Gold buyer's thank-you page: the first Gold order, its promise as the buyer reads it.
  const gold = orders.find((o) => o.buyer === "gold" && o.promise)!;
  const goldOrder = placed.find((p) => p.order.gid === gold.orderGid)!.order;
  const url = `${simOrigin}/_sim/checkout/${shop}/thank-you/${goldOrder.id}`;
  const expected = gold.promise ? `${tierName(gold.promise.tierKey)} member: ships by ${formatLocalDay(gold.promise.shipByDay, "en")}` : "";
  const seen = checkThankYou ? await checkThankYou(url, expected) : null;
  return { timeZone: rules.calendar.timeZone, capped, lanes, bookings, orders, rates, thankYou: { url, expected, seen, checked: checkThankYou !== null } };
}

/**
 * Opens the thank-you page in the browser and returns the promise line the checkout extension
 * rendered (null: none within 30 s).
 */
export async function readThankYouPromise(browser: Browser, url: string, userAgent: string): Promise<string | null> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, userAgent });
  try {
    await page.goto(url);
    const block = page.locator("#tierline-block");
    await block.getByText("ships by").first().waitFor({ timeout: 30_000 });
    return (await block.locator("s-text").first().innerText()).trim();
  } catch {
    return null;
  } finally {
    await page.close();
  }
}
