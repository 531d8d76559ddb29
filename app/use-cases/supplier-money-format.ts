// Money on the supplier pages: minor units shown in the shop's currency and the merchant's locale.
import { currencyExponent, formatMoney } from "../domain/money.ts";

export function displayMoney(amountMinor: number, currency: string, locale: string): string {
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }).format(Number(formatMoney(amountMinor, currency)));
}
