// @vitest-environment jsdom
// The thank-you block under Shopify's extension tester: what Gold, Silver and Bronze members and
// guests see, in each locale, and that a failing or slow backend leaves the page untouched.
import path from "node:path";
import { getExtension } from "@shopify/ui-extensions-tester";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answerFor, jsonResponse, LOCALES, translator, type TestLocale } from "../../shared/src/promise-fixtures.ts";
import { PROMISE_TIMEOUT_MS } from "../../shared/src/promise-request.ts";

const DIR = path.resolve(import.meta.dirname, "..");
const extension = getExtension("purchase.thank-you.block.render");
const ORDER = "gid://shopify/OrderIdentity/4501";

function host(locale: TestLocale = "en") {
  extension.shopify.i18n.translate = translator(DIR, locale) as typeof extension.shopify.i18n.translate;
  extension.shopify.localization.language.value = { isoCode: locale };
  extension.shopify.sessionToken.get = async () => "checkout-token";
  extension.shopify.orderConfirmation.value = { order: { id: ORDER }, isFirstOrder: false, number: "1001" } as typeof extension.shopify.orderConfirmation.value;
}

const text = () => document.body.textContent ?? "";
const lines = () => [...document.body.querySelectorAll("s-text")].map((el) => el.textContent);

beforeEach(() => extension.setUp());
afterEach(() => {
  extension.tearDown();
  vi.useRealTimers();
});

describe("thank-you promise block", () => {
  it("shows a Gold member their promise and arrive-by range, asking with the session token and this order", async () => {
    host();
    const fetch = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => jsonResponse(answerFor({ kind: "member", tierKey: "gold", qualifyingSpendMinor: 300_000, qualifyingOrders: 9 }, "en", "order")));
    extension.fetch = fetch as typeof extension.fetch;
    await extension.render();
    await vi.waitFor(() => expect(text()).toContain("Gold member: ships by Wed, Nov 25"));
    expect(lines()).toEqual(["Gold member: ships by Wed, Nov 25", "Arrives Fri, Nov 27 – Tue, Dec 1"]);
    const [url, init] = fetch.mock.calls[0];
    const asked = new URL(String(url));
    expect(asked.pathname).toBe("/api/checkout/promise");
    expect(asked.searchParams.get("orderId")).toBe(ORDER);
    expect(asked.searchParams.get("locale")).toBe("en");
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer checkout-token");
  });

  it("shows a Silver member their promise, Gold's, and how much more qualifies", async () => {
    host();
    extension.fetch = vi.fn(async () => jsonResponse(answerFor({ kind: "member", tierKey: "silver", qualifyingSpendMinor: 120_000, qualifyingOrders: 4 }, "en"))) as typeof extension.fetch;
    await extension.render();
    await vi.waitFor(() => expect(text()).toContain("Silver member"));
    expect(lines()).toEqual(["Silver member: ships by Thu, Nov 26", "Gold members: ships by Wed, Nov 25", "Spend $800.01 more to become Gold."]);
  });

  it("shows a Bronze member Silver's promise and what qualifies", async () => {
    host();
    extension.fetch = vi.fn(async () => jsonResponse(answerFor({ kind: "member", tierKey: "bronze", qualifyingSpendMinor: 12_500, qualifyingOrders: 1 }, "en"))) as typeof extension.fetch;
    await extension.render();
    await vi.waitFor(() => expect(text()).toContain("Bronze member"));
    expect(lines()).toEqual(["Bronze member: ships by Wed, Dec 9", "Silver members: ships by Thu, Nov 26", "Spend $375.00 more to become Silver."]);
  });

  it("shows a guest the base promise, the next tier's, its threshold, and to sign in", async () => {
    host();
    extension.fetch = vi.fn(async () => jsonResponse(answerFor({ kind: "guest" }, "en"))) as typeof extension.fetch;
    await extension.render();
    await vi.waitFor(() => expect(text()).toContain("Ships by"));
    expect(lines()).toEqual(["Ships by Wed, Dec 9", "Silver members: ships by Thu, Nov 26", "Members who spend $500.00 become Silver.", "Sign in to see your member promise."]);
  });

  it.each(LOCALES)("speaks %s: labels from the locale file, dates as the backend formatted them", async (locale) => {
    host(locale);
    const fetch = vi.fn(async (_url: string | URL | Request) => jsonResponse(answerFor({ kind: "member", tierKey: "silver", qualifyingSpendMinor: 120_000, qualifyingOrders: 4 }, locale)));
    extension.fetch = fetch as typeof extension.fetch;
    await extension.render();
    await vi.waitFor(() => expect(document.body.querySelector("s-heading")).not.toBeNull());
    expect(new URL(String(fetch.mock.calls[0][0])).searchParams.get("locale")).toBe(locale);
    const expected = {
      en: ["Your delivery promise", "Silver member: ships by Thu, Nov 26", "Spend $800.01 more to become Gold."],
      fr: ["Votre promesse de livraison", "Membre Silver : expédié d’ici le jeu. 26 nov.", "Dépensez encore 800,01\u00a0$US pour devenir Gold."],
      de: ["Ihr Lieferversprechen", "Silver-Mitglied: Versand bis Do., 26. Nov.", "Noch 800,01\u00a0$ bis Gold."],
    }[locale];
    expect(document.body.querySelector("s-heading")?.textContent).toBe(expected[0]);
    expect(lines()).toContain(expected[1]);
    expect(lines()).toContain(expected[2]);
  });

  it("renders nothing when the backend is down", async () => {
    host();
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

  it("renders nothing when the backend answers with an error", async () => {
    host();
    const fetch = vi.fn(async () => jsonResponse({ error: "Tierline is not installed on this shop" }, 404));
    extension.fetch = fetch as typeof extension.fetch;
    vi.useFakeTimers();
    await extension.render();
    await vi.runAllTimersAsync();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(document.body.innerHTML).toBe("");
  });

  it("gives up on a slow backend after its timeout, aborting the request, and renders nothing", async () => {
    host();
    let signal: AbortSignal | undefined;
    let askedAt = 0;
    let answer: (response: Response) => void = () => {};
    extension.fetch = vi.fn((_url: string | URL | Request, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      askedAt = Date.now();
      return new Promise<Response>((resolve) => (answer = resolve));
    }) as typeof extension.fetch;
    vi.useFakeTimers();
    await extension.render();
    // Preact runs effects after the next frame: let it ask.
    await vi.advanceTimersByTimeAsync(200);
    expect(extension.fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(askedAt + PROMISE_TIMEOUT_MS - 1 - Date.now());
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);
    // An answer arriving after the timeout is not shown either.
    answer(jsonResponse(answerFor({ kind: "member", tierKey: "gold", qualifyingSpendMinor: 300_000, qualifyingOrders: 9 }, "en")));
    await vi.runAllTimersAsync();
    expect(document.body.innerHTML).toBe("");
  });
});
