// Benchmark: promise computation for 10,000 paid orders over the holiday season, against a
// New York calendar with the US public holidays and two closing days of the merchant's own,
// daily lanes smaller than the orders they get (so days fill and promises roll over, further
// and further), and some lines out of stock. Bookings accumulate as the paid-order flow
// accumulates them: each promise books its ship-by day in its lane, and the next order sees it.
// Pure domain code, no I/O: prints CPU ms per promise (user + system), wall time for the run,
// per-promise p50/p99, and how many promises rolled over and how far.
//   npm run bench -- promise-computation        PROMISE_BENCH_ORDERS=<n> for another count
import { publicHolidays } from "../app/adapters/holidays/public-holidays.server.ts";
import { localDateOf, type LocalDate } from "../app/domain/business-calendar.ts";
import { calculatePromise, type OrderLineStock } from "../app/domain/promise-date-calculator.ts";
import { businessCalendarFrom, defaultPromiseRules, type PromiseRules } from "../app/domain/promise-rules.ts";

const ORDERS = Number(process.env.PROMISE_BENCH_ORDERS ?? 10_000);
const FIRST_ORDER = Date.parse("2026-12-14T05:00:00Z"); // Monday 14 December, midnight in New York
const SPAN_MS = 26 * 24 * 3_600_000; // to 9 January: Christmas, New Year, weekends
const TIERS = [
  { tierKey: "gold", share: 0.2 },
  { tierKey: "silver", share: 0.3 },
  { tierKey: "bronze", share: 0.5 },
];
// About 385 orders a day: gold gets ~77 a day for 60 slots, silver ~115 for 90, bronze ~190 for 150.
const CAPACITY: Record<string, number> = { gold: 60, silver: 90, bronze: 150 };

/** Deterministic PRNG (mulberry32), so every run computes the same promises. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function rules(): PromiseRules {
  const r = defaultPromiseRules("America/New_York", "US");
  r.calendar.holidaysAdded = [{ date: "2026-12-24", name: "Christmas Eve (closed)" }, { date: "2026-12-31", name: "Stocktake" }];
  r.lanes = r.lanes.map((lane) => ({ ...lane, dailyCapacity: CAPACITY[lane.tierKey] ?? null }));
  return r;
}

type Order = { tierKey: string; orderedAt: Date; lines: OrderLineStock[] };

function orders(count: number, seed: number): Order[] {
  const next = random(seed);
  const list: Order[] = [];
  for (let i = 0; i < count; i++) {
    const pick = next();
    const tierKey = pick < TIERS[0]!.share ? "gold" : pick < TIERS[0]!.share + TIERS[1]!.share ? "silver" : "bronze";
    const lines: OrderLineStock[] = [];
    const lineCount = 1 + Math.floor(next() * 3);
    for (let l = 0; l < lineCount; l++) {
      const inStock = next() >= 0.05;
      lines.push({ sku: `SKU-${Math.floor(next() * 500)}`, inStock, replenishmentBusinessDays: inStock || next() < 0.3 ? null : 3 + Math.floor(next() * 12) });
    }
    list.push({ tierKey, orderedAt: new Date(FIRST_ORDER + next() * SPAN_MS), lines });
  }
  return list.sort((a, b) => a.orderedAt.getTime() - b.orderedAt.getTime());
}

function run(list: Order[], promiseRules: PromiseRules, calendar: ReturnType<typeof businessCalendarFrom>) {
  const bookings = new Map<string, Record<LocalDate, number>>(promiseRules.lanes.map((lane) => [lane.key, {}]));
  const durations: number[] = [];
  let moved = 0;
  let awaitingStock = 0;
  let maxRolloverDays = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (const order of list) {
    const laneKey = promiseRules.lanes.find((lane) => lane.tierKey === order.tierKey)!.key;
    const laneBookings = bookings.get(laneKey)!;
    const started = performance.now();
    const promise = calculatePromise({
      rules: promiseRules, calendar, tierKey: order.tierKey, orderedAt: order.orderedAt, lines: order.lines,
      laneBookings, destination: null, shopifyPromises: [], now: new Date(order.orderedAt.getTime() + 60_000),
    });
    durations.push(performance.now() - started);
    laneBookings[promise.shipByDay] = (laneBookings[promise.shipByDay] ?? 0) + 1;
    for (const adjustment of promise.adjustments) {
      if (adjustment.kind === "awaiting_stock") awaitingStock++;
      if (adjustment.kind === "lane_full") {
        moved++;
        maxRolloverDays = Math.max(maxRolloverDays, adjustment.fullDays.length);
      }
    }
  }
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  durations.sort((a, b) => a - b);
  const quantile = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]!;
  const overbooked = [...bookings.entries()].flatMap(([laneKey, days]) => Object.entries(days).filter(([, n]) => n > (CAPACITY[promiseRules.lanes.find((l) => l.key === laneKey)!.tierKey] ?? Infinity)));
  const lastShipByDay = [...bookings.values()].flatMap((days) => Object.keys(days)).sort().at(-1) ?? null;
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, p50: quantile(0.5), p99: quantile(0.99), moved, awaitingStock, maxRolloverDays, overbooked: overbooked.length, lastShipByDay };
}

const promiseRules = rules();
const calendar = businessCalendarFrom(promiseRules.calendar, publicHolidays(promiseRules.calendar.holidayRegion, [2026, 2027]));
const list = orders(ORDERS, 42);
console.log(`promise computation: ${ORDERS} orders from ${localDateOf(calendar, list[0]!.orderedAt)} to ${localDateOf(calendar, list.at(-1)!.orderedAt)}, ${calendar.holidays.length} holidays, lane capacities ${JSON.stringify(CAPACITY)} per day`);
// A short warm-up on other orders, so the figures are of compiled code.
run(orders(500, 7), promiseRules, calendar);
const result = run(list, promiseRules, calendar);
if (result.overbooked > 0) {
  console.error(`FAILED: ${result.overbooked} lane days booked beyond capacity`);
  process.exitCode = 1;
}
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
console.log(`  wall ${round(result.wallMs, 1)} ms, CPU ${round(result.cpuMs, 1)} ms: ${round(result.cpuMs / ORDERS, 4)} ms CPU per promise (p50 ${round(result.p50, 4)} ms, p99 ${round(result.p99, 4)} ms)`);
console.log(`  ${result.moved} promises moved off full days (at most ${result.maxRolloverDays} full days skipped), ${result.awaitingStock} waited for stock, last ship-by day ${result.lastShipByDay}`);
console.log(
  JSON.stringify({
    benchmark: "promise-computation",
    orders: ORDERS,
    holidays: calendar.holidays.length,
    wallMs: round(result.wallMs, 1),
    cpuMsPerPromise: round(result.cpuMs / ORDERS, 4),
    p50Ms: round(result.p50, 4),
    p99Ms: round(result.p99, 4),
    movedOffFullDays: result.moved,
    maxFullDaysSkipped: result.maxRolloverDays,
    awaitingStock: result.awaitingStock,
    overbookedLaneDays: result.overbooked,
  }),
);
