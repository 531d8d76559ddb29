import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  addMoney,
  CurrencyMismatchError,
  currencyExponent,
  formatMoney,
  InvalidCurrencyError,
  money,
  MoneyParseError,
  parseMoney,
  subtractMoney,
  sumMoney,
} from "./money.ts";

describe("currencyExponent", () => {
  it("knows zero, two and three decimal currencies", () => {
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("KRW")).toBe(0);
    expect(currencyExponent("USD")).toBe(2);
    expect(currencyExponent("EUR")).toBe(2);
    expect(currencyExponent("KWD")).toBe(3);
    expect(currencyExponent("BHD")).toBe(3);
  });

  it("rejects things that are not currency codes", () => {
    expect(() => currencyExponent("usd")).toThrow(InvalidCurrencyError);
    expect(() => currencyExponent("US")).toThrow(InvalidCurrencyError);
    expect(() => currencyExponent("")).toThrow(InvalidCurrencyError);
  });
});

describe("parseMoney", () => {
  it("parses two-decimal amounts exactly", () => {
    expect(parseMoney("123.45", "USD")).toBe(12345);
    expect(parseMoney("0.10", "USD")).toBe(10);
    expect(parseMoney("0.1", "USD")).toBe(10);
    expect(parseMoney("100", "USD")).toBe(10000);
    expect(parseMoney("0", "USD")).toBe(0);
    expect(parseMoney("007.50", "USD")).toBe(750);
  });

  it("avoids the float errors of Math.round(x * 100)", () => {
    // 1.005 * 100 = 100.49999999999999 and 4.35 * 100 = 434.99999999999994 in floating point.
    expect(parseMoney("1.01", "USD")).toBe(101);
    expect(parseMoney("4.35", "USD")).toBe(435);
    expect(parseMoney("1.10", "USD")).toBe(110);
    expect(parseMoney("0.29", "USD")).toBe(29);
  });

  it("uses the currency's exponent", () => {
    expect(parseMoney("1500", "JPY")).toBe(1500);
    expect(parseMoney("1500.0", "JPY")).toBe(1500); // Shopify writes JPY with a trailing .0
    expect(parseMoney("1.234", "KWD")).toBe(1234);
    expect(parseMoney("1.2", "KWD")).toBe(1200);
  });

  it("accepts extra zero decimals but refuses to round", () => {
    expect(parseMoney("12.3400", "USD")).toBe(1234);
    expect(() => parseMoney("12.345", "USD")).toThrow(MoneyParseError);
    expect(() => parseMoney("1500.5", "JPY")).toThrow(MoneyParseError);
  });

  it("handles signs, and never produces -0", () => {
    expect(parseMoney("-5.25", "USD")).toBe(-525);
    expect(Object.is(parseMoney("-0.00", "USD"), 0)).toBe(true);
  });

  it("rejects malformed input", () => {
    for (const bad of ["", " 1.00", "1.00 ", "1,00", "1.", ".5", "+1", "1e3", "abc", "1.2.3", "NaN", "--1"]) {
      expect(() => parseMoney(bad, "USD"), bad).toThrow(MoneyParseError);
    }
  });

  it("rejects amounts beyond safe integers instead of losing precision", () => {
    expect(parseMoney("90071992547409.91", "USD")).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseMoney("90071992547409.92", "USD")).toThrow(MoneyParseError);
    expect(() => parseMoney("100000000000000000000", "JPY")).toThrow(MoneyParseError);
  });

  it("round-trips with formatMoney for any amount", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.constantFrom("USD", "JPY", "KWD"),
        (minor, currency) => {
          expect(parseMoney(formatMoney(minor, currency), currency)).toBe(minor);
        },
      ),
    );
  });
});

describe("formatMoney", () => {
  it("formats to Shopify's decimal strings", () => {
    expect(formatMoney(12345, "USD")).toBe("123.45");
    expect(formatMoney(5, "USD")).toBe("0.05");
    expect(formatMoney(0, "USD")).toBe("0.00");
    expect(formatMoney(-5, "USD")).toBe("-0.05");
    expect(formatMoney(1500, "JPY")).toBe("1500");
    expect(formatMoney(1, "KWD")).toBe("0.001");
  });

  it("refuses non-integers", () => {
    expect(() => formatMoney(1.5, "USD")).toThrow(RangeError);
    expect(() => formatMoney(Number.NaN, "USD")).toThrow(RangeError);
  });
});

describe("money arithmetic", () => {
  it("adds and subtracts within one currency", () => {
    expect(addMoney(money(100, "USD"), money(250, "USD"))).toEqual(money(350, "USD"));
    expect(subtractMoney(money(100, "USD"), money(250, "USD"))).toEqual(money(-150, "USD"));
    expect(sumMoney([money(1, "EUR"), money(2, "EUR")], "EUR")).toEqual(money(3, "EUR"));
    expect(sumMoney([], "EUR")).toEqual(money(0, "EUR"));
  });

  it("never adds across currencies", () => {
    expect(() => addMoney(money(100, "USD"), money(100, "CAD"))).toThrow(CurrencyMismatchError);
    expect(() => subtractMoney(money(100, "USD"), money(100, "CAD"))).toThrow(CurrencyMismatchError);
    expect(() => sumMoney([money(1, "USD"), money(1, "EUR")], "USD")).toThrow(CurrencyMismatchError);
  });

  it("refuses overflow", () => {
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, "USD"), money(1, "USD"))).toThrow(RangeError);
    expect(() => money(0.5, "USD")).toThrow(RangeError);
  });
});
