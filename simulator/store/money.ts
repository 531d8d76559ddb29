// Money arithmetic in integer minor units (cents), formatted as Shopify's decimal strings.
// A pair [shop, presentment] travels together so each currency's sums stay exact in that currency.
import type { CurrencyCode, MoneyBag } from "./types.ts";

export type Cents = number;
export interface CentsPair {
  shop: Cents;
  pres: Cents;
}

export const ZERO_PAIR: CentsPair = Object.freeze({ shop: 0, pres: 0 }) as CentsPair;

export function formatCents(cents: Cents): string {
  const negative = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return `${negative ? "-" : ""}${whole}.${frac < 10 ? "0" : ""}${frac}`;
}

/** "12.5" / "12.50" / "-3" → cents. Throws on anything that is not a plain decimal. */
const parsed = new Map<string, Cents>();

export function parseCents(amount: string | number): Cents {
  if (typeof amount === "string") {
    const hit = parsed.get(amount);
    if (hit !== undefined) return hit;
    const value = parseCentsUncached(amount);
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(amount, value);
    return value;
  }
  return parseCentsUncached(amount);
}

function parseCentsUncached(amount: string | number): Cents {
  const text = typeof amount === "number" ? amount.toFixed(2) : amount.trim();
  const m = /^(-)?(\d+)(?:\.(\d{0,2})\d*)?$/.exec(text);
  if (!m) throw new Error(`not a money amount: ${JSON.stringify(amount)}`);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -cents : cents;
}

export function pair(shop: Cents, rate: number): CentsPair {
  return { shop, pres: Math.round(shop * rate) };
}

export function addPairs(...pairs: CentsPair[]): CentsPair {
  let shop = 0;
  let pres = 0;
  for (const p of pairs) {
    shop += p.shop;
    pres += p.pres;
  }
  return { shop, pres };
}

export function subPairs(a: CentsPair, b: CentsPair): CentsPair {
  return { shop: a.shop - b.shop, pres: a.pres - b.pres };
}

/** Part of a pair in proportion num/den, rounded in each currency. */
export function prorate(p: CentsPair, num: number, den: number): CentsPair {
  if (den === 0) return { shop: 0, pres: 0 };
  return { shop: Math.round((p.shop * num) / den), pres: Math.round((p.pres * num) / den) };
}

export function scalePair(p: CentsPair, factor: number): CentsPair {
  return { shop: Math.round(p.shop * factor), pres: Math.round(p.pres * factor) };
}

// MoneyBags are treated as immutable, so equal ones can be shared (this keeps a 100k-order store
// small). Cached per currency pair, keyed by a number packing both amounts when they fit.
const bagCache = new Map<string, Map<string, Map<number | string, MoneyBag>>>();
let cachedBags = 0;
const OFFSET = 2 ** 26;

export function toBag(p: CentsPair, shopCurrency: CurrencyCode, presCurrency: CurrencyCode): MoneyBag {
  let byPres = bagCache.get(shopCurrency);
  if (!byPres) bagCache.set(shopCurrency, (byPres = new Map()));
  let cache = byPres.get(presCurrency);
  if (!cache) byPres.set(presCurrency, (cache = new Map()));
  const fits = Math.abs(p.shop) < OFFSET && Math.abs(p.pres) < OFFSET;
  const key = fits ? (p.shop + OFFSET) * 2 ** 27 + (p.pres + OFFSET) : `${p.shop}|${p.pres}`;
  let bag = cache.get(key);
  if (!bag) {
    bag = {
      shopMoney: { amount: formatCents(p.shop), currencyCode: shopCurrency },
      presentmentMoney: { amount: formatCents(p.pres), currencyCode: presCurrency },
    };
    if (++cachedBags > 500_000) {
      bagCache.clear();
      cachedBags = 0;
    }
    cache.set(key, bag);
  }
  return bag;
}

export function fromBag(bag: MoneyBag): CentsPair {
  return { shop: parseCents(bag.shopMoney.amount), pres: parseCents(bag.presentmentMoney.amount) };
}
