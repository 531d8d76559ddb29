// Dates and numbers on the promise pages, in the merchant's locale and the shop's time zone.
// Formatted on the server so the page shows the same text before and after hydration.

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

export function formatShopDateTime(instant: Date | string, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(new Date(instant));
}

/** A shop-local calendar day ("YYYY-MM-DD"), no time zone arithmetic involved. */
export function formatLocalDay(day: string, locale: string, options: { year?: boolean } = {}): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", weekday: "short", month: "short", day: "numeric", ...(options.year ? { year: "numeric" } : {}) }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}
