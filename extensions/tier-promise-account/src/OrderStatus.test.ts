// @vitest-environment jsdom
// The order status page (customer accounts): the promise stored for this order, in each locale;
// nothing when the backend is down.
import path from "node:path";
import { getExtension } from "@shopify/ui-extensions-tester";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answerFor, jsonResponse, LOCALES, translator, type TestLocale } from "../../shared/src/promise-fixtures.ts";

const DIR = path.resolve(import.meta.dirname, "..");
const extension = getExtension("customer-account.order-status.block.render");
const ORDER = "gid://shopify/Order/7702";

function host(locale: TestLocale) {
  extension.shopify.i18n.translate = translator(DIR, locale) as typeof extension.shopify.i18n.translate;
  extension.shopify.localization.language.value = { isoCode: locale };
  extension.shopify.sessionToken.get = async () => "account-token";
  extension.shopify.order.value = { ...extension.shopify.order.value!, id: ORDER };
}

beforeEach(() => extension.setUp());
afterEach(() => {
  extension.tearDown();
  vi.useRealTimers();
});

describe("order status promise block", () => {
  it.each(LOCALES)("shows a Gold member the promise stored for this order (%s)", async (locale) => {
    host(locale);
    const fetch = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => jsonResponse(answerFor({ kind: "member", tierKey: "gold", qualifyingSpendMinor: 250_000, qualifyingOrders: 7 }, locale, "order")));
    extension.fetch = fetch as typeof extension.fetch;
    await extension.render();
    await vi.waitFor(() => expect(document.body.querySelector("s-text")).not.toBeNull());
    const first = { en: "Gold member: ships by Wed, Nov 25", fr: "Membre Gold : expédié d’ici le mer. 25 nov.", de: "Gold-Mitglied: Versand bis Mi., 25. Nov." }[locale];
    expect(document.body.querySelector("s-text")?.textContent).toBe(first);
    const asked = new URL(String(fetch.mock.calls[0][0]));
    expect(asked.searchParams.get("orderId")).toBe(ORDER);
    expect(new Headers(fetch.mock.calls[0][1]?.headers).get("Authorization")).toBe("Bearer account-token");
  });

  it("renders nothing when the backend is down", async () => {
    host("en");
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    extension.fetch = fetch as typeof extension.fetch;
    vi.useFakeTimers();
    await extension.render();
    await vi.runAllTimersAsync();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(document.body.innerHTML).toBe("");
  });
});
