/**
 * What the checkout and order-status extensions show a buyer: their tier and its promise, and for a
 * guest or a lower tier what the next tier would promise and what qualifies for it. Dates and money
 * are formatted here, in the buyer's locale, so the extension bundle carries no date library.
 *
 * Exported API
 * - type BuyerStanding, type PromiseFacts, type CheckoutPromiseAnswer
 * - checkoutPromiseAnswer({ tierRules, buyer, promise, nextPromise, locale }): CheckoutPromiseAnswer
 * - nextTierOf(tierRules, tierKey): TierDefinition | null
 * - buyerLocale(requested): string                 a locale Intl supports, "en" otherwise
 * - formatLocalDay(day, locale): string            "Tue, Nov 25" (en-US), "mar. 25 nov." (fr)
 *
 * Local days (YYYY-MM-DD) are already the shop's calendar dates (promise-date-calculator.ts), so
 * they are formatted as dates, not as instants: a buyer in another zone sees the shop's day.
 */
import type { LocalDate } from "./business-calendar.ts";
import { currencyExponent, type MinorUnits } from "./money.ts";
import { tierIndex, type TierDefinition, type TierRules } from "./tier-rules.ts";

export type BuyerStanding =
  | { kind: "guest" }
  /** A signed-in buyer; tierKey null when Tierline has not placed them yet (the base tier). */
  | { kind: "member"; tierKey: string | null; qualifyingSpendMinor: MinorUnits; qualifyingOrders: number };

/** A promise as the answer needs it, whether stored for an order or previewed for now. */
export type PromiseFacts = {
  tierKey: string;
  shipByDay: LocalDate;
  arriveBy: { earliestDay: LocalDate; latestDay: LocalDate } | null;
};

export type FormattedPromise = {
  tierKey: string;
  tierName: string;
  shipByDay: LocalDate;
  /** e.g. "Tue, Nov 25" in the buyer's locale. */
  shipBy: string;
  /** e.g. "Thu, Nov 27 – Mon, Dec 1"; null when the zone has no transit estimate. */
  arriveBy: string | null;
};

export type CheckoutPromiseAnswer = {
  /** The buyer's tier; for a guest the base tier, with `member: false`. */
  tier: { key: string; name: string; member: boolean };
  /** "order": the promise stored when this buyer's order was paid; "preview": for an order placed now. */
  source: "order" | "preview";
  promise: FormattedPromise | null;
  /** The tier above, for a guest or a lower tier; null at the top. */
  next: {
    tier: { key: string; name: string };
    promise: FormattedPromise | null;
    /** What qualifies. Guests: the tier's threshold; members: what is still missing. */
    qualifies: {
      spend: string | null;
      spendMinor: MinorUnits;
      /** Spend is counted over this window. */
      window: { kind: "trailing_days"; days: number } | { kind: "calendar_year" } | { kind: "lifetime" };
      orders: number | null;
      /** Members only: spend and orders already in. */
      more: boolean;
    };
  } | null;
  locale: string;
};

export function nextTierOf(tierRules: TierRules, tierKey: string): TierDefinition | null {
  const index = tierIndex(tierRules, tierKey);
  return index >= 0 ? (tierRules.tiers[index + 1] ?? null) : null;
}

const localeCache = new Map<string, string>();

/** The requested locale when Intl formats dates in it (or in its language); "en" otherwise. */
export function buyerLocale(requested: string | null | undefined): string {
  const wanted = (requested ?? "").trim().slice(0, 35);
  if (!wanted) return "en";
  const known = localeCache.get(wanted);
  if (known) return known;
  let resolved = "en";
  try {
    const [canonical] = Intl.getCanonicalLocales(wanted);
    if (canonical && Intl.DateTimeFormat.supportedLocalesOf([canonical]).length > 0) resolved = canonical;
  } catch {
    // Not a BCP 47 tag: English.
  }
  if (localeCache.size >= 500) localeCache.clear();
  localeCache.set(wanted, resolved);
  return resolved;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
const formattedDays = new Map<string, string>();
const moneyFormats = new Map<string, Intl.NumberFormat>();
const formattedMoney = new Map<string, string>();

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (!value) {
    if (cache.size >= 500) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

export function formatLocalDay(day: LocalDate, locale: string): string {
  // Few distinct days and locales are asked for at once: formatting is the answer's main cost.
  return cached(formattedDays, `${locale}|${day}`, () => {
    const [y, m, d] = day.split("-").map(Number);
    const format = cached(dayFormats, locale, () => new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }));
    // Noon UTC of the local day: formatted in UTC it is that day whatever the buyer's zone.
    return format.format(new Date(Date.UTC(y, m - 1, d, 12)));
  });
}

function formatDayRange(from: LocalDate, to: LocalDate, locale: string): string {
  return from === to ? formatLocalDay(from, locale) : `${formatLocalDay(from, locale)} – ${formatLocalDay(to, locale)}`;
}

function formatMoney(amountMinor: MinorUnits, currency: string, locale: string): string {
  // Guests are all shown the next tier's threshold: the same few amounts again and again.
  return cached(formattedMoney, `${locale}|${currency}|${amountMinor}`, () => {
    const exponent = currencyExponent(currency);
    const format = cached(moneyFormats, `${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }));
    return format.format(amountMinor / 10 ** exponent);
  });
}

function formatPromise(promise: PromiseFacts | null, tierRules: TierRules, locale: string): FormattedPromise | null {
  if (!promise) return null;
  const tier = tierRules.tiers.find((t) => t.key === promise.tierKey);
  return {
    tierKey: promise.tierKey,
    tierName: tier?.name ?? promise.tierKey,
    shipByDay: promise.shipByDay,
    shipBy: formatLocalDay(promise.shipByDay, locale),
    arriveBy: promise.arriveBy ? formatDayRange(promise.arriveBy.earliestDay, promise.arriveBy.latestDay, locale) : null,
  };
}

/** The buyer's tier key as the rules know it: unplaced buyers, guests and retired tier keys count as the base tier. */
export function standingTierKey(tierRules: TierRules, buyer: BuyerStanding): string {
  const base = tierRules.tiers[0].key;
  if (buyer.kind === "guest" || buyer.tierKey === null) return base;
  return tierIndex(tierRules, buyer.tierKey) >= 0 ? buyer.tierKey : base;
}

export type CheckoutPromiseAnswerInput = {
  tierRules: TierRules;
  buyer: BuyerStanding;
  /** The stored promise of the buyer's order, or the preview for the buyer's tier. */
  promise: { source: "order" | "preview"; facts: PromiseFacts | null };
  /** The preview for the tier above the buyer's (null at the top or without a lane). */
  nextPromise: PromiseFacts | null;
  locale: string;
};

export function checkoutPromiseAnswer({ tierRules, buyer, promise, nextPromise, locale }: CheckoutPromiseAnswerInput): CheckoutPromiseAnswer {
  const tierKey = standingTierKey(tierRules, buyer);
  const tier = tierRules.tiers[tierIndex(tierRules, tierKey)];
  const next = nextTierOf(tierRules, tierKey);
  const window = tierRules.window.kind === "trailing_days" ? { kind: "trailing_days" as const, days: tierRules.window.days } : { kind: tierRules.window.kind };
  let nextAnswer: CheckoutPromiseAnswer["next"] = null;
  if (next) {
    const member = buyer.kind === "member";
    const spendMinor = member ? Math.max(0, next.entryThresholdMinor - buyer.qualifyingSpendMinor) : next.entryThresholdMinor;
    const orders = next.minOrders ? (member ? Math.max(0, next.minOrders - buyer.qualifyingOrders) : next.minOrders) : null;
    nextAnswer = {
      tier: { key: next.key, name: next.name },
      promise: formatPromise(nextPromise, tierRules, locale),
      qualifies: {
        spend: spendMinor > 0 ? formatMoney(spendMinor, tierRules.currency, locale) : null,
        spendMinor,
        window,
        orders: orders || null,
        more: member,
      },
    };
  }
  return {
    tier: { key: tier.key, name: tier.name, member: buyer.kind === "member" },
    source: promise.source,
    promise: formatPromise(promise.facts, tierRules, locale),
    next: nextAnswer,
    locale,
  };
}
