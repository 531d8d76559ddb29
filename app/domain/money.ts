/**
 * Money as integer minor units, exact, one currency at a time.
 *
 * Exported API
 * - type MinorUnits = number                                    safe integer count of the currency's minor unit
 * - type Money = { amountMinor: MinorUnits; currency: string }
 * - class MoneyParseError, class CurrencyMismatchError, class InvalidCurrencyError
 * - currencyExponent(currency): number                          ISO 4217 minor-unit digits (JPY 0, KWD 3, default 2)
 * - parseMoney(decimal, currency): MinorUnits                   "123.45" → 12345, exactly (no floats)
 * - formatMoney(amountMinor, currency): string                  12345 → "123.45" (Shopify's decimal string form)
 * - money(amountMinor, currency): Money
 * - addMoney(a, b): Money                                       throws CurrencyMismatchError across currencies
 * - subtractMoney(a, b): Money                                  same
 * - sumMoney(items, currency): Money                            every item must be in `currency`
 * - assertSameCurrency(expected, actual, context?): void
 */

export type MinorUnits = number;

export type Money = { amountMinor: MinorUnits; currency: string };

export class MoneyParseError extends Error {
  override readonly name = "MoneyParseError";
  constructor(
    readonly input: string,
    readonly currency: string,
    reason: string,
  ) {
    super(`Cannot parse ${JSON.stringify(input)} as ${currency}: ${reason}`);
  }
}

export class CurrencyMismatchError extends Error {
  override readonly name = "CurrencyMismatchError";
  constructor(
    readonly expected: string,
    readonly actual: string,
    context?: string,
  ) {
    super(`Currency mismatch${context ? ` (${context})` : ""}: expected ${expected}, got ${actual}`);
  }
}

export class InvalidCurrencyError extends Error {
  override readonly name = "InvalidCurrencyError";
  constructor(readonly currency: string) {
    super(`Not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  }
}

// ISO 4217 exponents that differ from 2. Shopify stores shop money at the currency's precision.
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
  UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const CURRENCY_CODE = /^[A-Z]{3}$/;

function checkCurrency(currency: string): void {
  if (!CURRENCY_CODE.test(currency)) throw new InvalidCurrencyError(currency);
}

export function currencyExponent(currency: string): number {
  checkCurrency(currency);
  return EXPONENTS[currency] ?? 2;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Exact decimal-string → minor units. Digits beyond the currency's exponent are accepted only
 * when they are zeros (Shopify writes JPY as "1000.0"); anything else would need rounding,
 * which is a business decision the caller must make, so it is an error here.
 */
export function parseMoney(decimal: string, currency: string): MinorUnits {
  const exponent = currencyExponent(currency);
  const match = DECIMAL.exec(decimal);
  if (!match) throw new MoneyParseError(decimal, currency, "expected digits with an optional '.' and fraction");
  const [, sign, whole, fraction = ""] = match;
  const kept = fraction.slice(0, exponent);
  const dropped = fraction.slice(exponent);
  if (/[^0]/.test(dropped)) {
    throw new MoneyParseError(decimal, currency, `more than ${exponent} decimal places`);
  }
  const digits = (whole + kept.padEnd(exponent, "0")).replace(/^0+(?=\d)/, "");
  // Compare as strings first: Number() on a long digit string would silently lose precision.
  const max = String(Number.MAX_SAFE_INTEGER);
  if (digits.length > max.length || (digits.length === max.length && digits > max)) {
    throw new MoneyParseError(decimal, currency, "amount too large");
  }
  const magnitude = Number(digits);
  return sign && magnitude !== 0 ? -magnitude : magnitude;
}

export function formatMoney(amountMinor: MinorUnits, currency: string): string {
  const exponent = currencyExponent(currency);
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`Minor units must be a safe integer, got ${amountMinor}`);
  }
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? "-" : ""}${whole}${exponent > 0 ? `.${fraction}` : ""}`;
}

export function money(amountMinor: MinorUnits, currency: string): Money {
  checkCurrency(currency);
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`Minor units must be a safe integer, got ${amountMinor}`);
  }
  return { amountMinor, currency };
}

export function assertSameCurrency(expected: string, actual: string, context?: string): void {
  if (expected !== actual) throw new CurrencyMismatchError(expected, actual, context);
}

function checkedSum(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError("Money amount overflow");
  return sum;
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a.currency, b.currency, "addMoney");
  return { amountMinor: checkedSum(a.amountMinor, b.amountMinor), currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a.currency, b.currency, "subtractMoney");
  return { amountMinor: checkedSum(a.amountMinor, -b.amountMinor), currency: a.currency };
}

export function sumMoney(items: Iterable<Money>, currency: string): Money {
  let total = money(0, currency);
  for (const item of items) total = addMoney(total, item);
  return total;
}
