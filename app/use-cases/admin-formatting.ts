// Money, counts and dates on every admin page, in the merchant's locale, the shop's currency and
// the shop's time zone (Intl). Pages format on the server where they can, so the text is the same
// before and after hydration. Pure: no I/O, usable in the browser too.
import { currencyExponent, type MinorUnits } from "../domain/money.ts";

/** What a page needs to format for one shop. */
export interface ShopFormat {
  locale: string;
  currency: string;
  timeZone: string;
}

/**
 * The admin passes the merchant's language (`locale=en`); the browser says it too. A bare language
 * takes the shop's country as its region, so a British shop reads "8 Dec" and an American one "Dec 8".
 */
export function resolveLocale({ requested, acceptLanguage, country }: { requested: string | null; acceptLanguage: string | null; country: string | null }): string {
  const candidates = [requested, acceptLanguage?.split(",")[0]?.split(";")[0]?.trim() ?? null, "en"];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(candidate);
      if (!canonical) continue;
      const locale = new Intl.Locale(canonical);
      if (locale.region || !country) return canonical;
      const withRegion = `${locale.language}-${country}`;
      return Intl.getCanonicalLocales(withRegion)[0] ?? canonical;
    } catch {
      // Not a locale tag: try the next one.
    }
  }
  return "en";
}

// Making an Intl formatter costs far more than formatting with it (a Members page formats a hundred
// dates): one per locale, zone and options, kept.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules>();
function cachedFormatter<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules>(key: string, make: () => T): T {
  let format = formatters.get(key) as T | undefined;
  if (!format) {
    if (formatters.size >= 1_000) formatters.clear();
    formatters.set(key, (format = make()));
  }
  return format;
}
const dateFormat = (locale: string, options: Intl.DateTimeFormatOptions) => cachedFormatter(`d|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
const cachedNumberFormat = (locale: string, options: Intl.NumberFormatOptions) => cachedFormatter(`n|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));

export function formatShopDateTime(instant: Date | string, locale: string, timeZone: string): string {
  return dateFormat(locale, { timeZone, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(new Date(instant));
}

/** A shop-local calendar day ("YYYY-MM-DD"), no time zone arithmetic involved. */
export function formatLocalDay(day: string, locale: string, options: { year?: boolean } = {}): string {
  const [y, m, d] = day.split("-").map(Number);
  return dateFormat(locale, { timeZone: "UTC", weekday: "short", month: "short", day: "numeric", ...(options.year ? { year: "numeric" } : {}) }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function formatCount(value: number, locale: string): string {
  return cachedNumberFormat(locale, {}).format(value);
}

/** 637606 USD → "$6,376.06" (en-US), "6 376,06 $US" (fr-FR); the currency's own minor digits. */
export function formatMoney(amountMinor: MinorUnits, { locale, currency }: Pick<ShopFormat, "locale" | "currency">, options: { whole?: boolean } = {}): string {
  const exponent = currencyExponent(currency);
  const digits = options.whole && amountMinor % 10 ** exponent === 0 ? 0 : exponent;
  return cachedNumberFormat(locale, { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amountMinor / 10 ** exponent);
}

/**
 * How each tier's entry reads: thresholds are stored as the smallest qualifying amount, so
 * Gold at 2000.01 is "over $2,000", Silver at 500.00 "$500 or more", the first tier "any spend".
 */
export function describeThreshold(entryMinor: MinorUnits, format: Pick<ShopFormat, "locale" | "currency">): string {
  if (entryMinor <= 0) return "any spend";
  const exponent = currencyExponent(format.currency);
  const unit = 10 ** exponent;
  if (exponent > 0 && entryMinor % unit === 1) return `over ${formatMoney(entryMinor - 1, format, { whole: true })}`;
  return `${formatMoney(entryMinor, format, { whole: true })} or more`;
}

export function formatPercent(ratio: number, locale: string): string {
  return cachedNumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(ratio);
}

/** "1 member", "2,345 members": the count in the locale, the noun by the locale's plural rules (English nouns). */
export function plural(count: number, one: string, other: string, locale = "en"): string {
  const category = cachedFormatter(`p|${locale}`, () => new Intl.PluralRules(locale)).select(count);
  return `${formatCount(count, locale)} ${category === "one" ? one : other}`;
}

/** A day something happened or ends: "Mar 4, 2026" in the shop's time zone. */
export function formatShopDate(instant: Date | string, { locale, timeZone }: Pick<ShopFormat, "locale" | "timeZone">): string {
  return dateFormat(locale, { timeZone, year: "numeric", month: "short", day: "numeric" }).format(new Date(instant));
}

/** When an event happened: "Mar 4, 2026, 3:12 PM" in the shop's time zone. */
export function formatEventTime(instant: Date | string, { locale, timeZone }: Pick<ShopFormat, "locale" | "timeZone">): string {
  return dateFormat(locale, { timeZone, year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(new Date(instant));
}
