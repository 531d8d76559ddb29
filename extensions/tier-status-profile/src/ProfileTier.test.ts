// @vitest-environment jsdom
// The Profile page block (customer accounts): for a Bronze, Silver and Gold member in each locale,
// their tier, spend in the window, what the next tier needs and each tier's promise, from the
// app-owned metafields alone (the Customer Account API; no call to the app); nothing for a buyer
// without a tier or when the metafields cannot be read.
import path from "node:path";
import { readFileSync } from "node:fs";
import { getExtension } from "@shopify/ui-extensions-tester";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CUSTOMER_ACCOUNT_API, LADDER_KEY, METAFIELD_KEYS } from "./member-tier.ts";

const DIR = path.resolve(import.meta.dirname, "..");
const extension = getExtension("customer-account.profile.block.render");
const LOCALES = ["en", "fr", "de"] as const;
type Locale = (typeof LOCALES)[number];

/** Shopify's translate: nested keys by dots, plural forms chosen by `count`, {{placeholders}}. */
function translator(locale: Locale) {
  const messages = JSON.parse(readFileSync(path.join(DIR, "locales", locale === "en" ? "en.default.json" : `${locale}.json`), "utf8"));
  const plural = new Intl.PluralRules(locale);
  return (key: string, options: Record<string, string | number> = {}) => {
    let message = key.split(".").reduce((node, part) => node?.[part], messages);
    if (message && typeof message === "object" && typeof options.count === "number") message = message[plural.select(options.count)] ?? message.other;
    if (typeof message !== "string") throw new Error(`${locale}: no message ${key}`);
    return message.replace(/\{\{\s*(\w+)\s*\}\}/g, (_: string, name: string) => String(options[name] ?? `{{${name}}}`));
  };
}

const LADDER = JSON.stringify({
  currency: "USD",
  window: { kind: "trailing_days", days: 365 },
  tiers: [
    { key: "bronze", name: "Bronze", from: "0.00", ships: { unit: "business_days", min: 7, max: 10 } },
    { key: "silver", name: "Silver", from: "500.00", ships: { unit: "business_hours", min: 48, max: 72 } },
    { key: "gold", name: "Gold", from: "2000.01", ships: { unit: "business_hours", min: 24, max: 48 } },
  ],
});
const money = (amount: string) => JSON.stringify({ amount, currency_code: "USD" });
const MEMBERS = {
  bronze: { tier: "bronze", tier_name: "Bronze", qualifying_spend: money("120.00"), next_tier_name: "Silver", spend_to_next_tier: money("380.00"), tier_ladder: LADDER },
  silver: { tier: "silver", tier_name: "Silver", qualifying_spend: money("1234.50"), next_tier_name: "Gold", spend_to_next_tier: money("765.51"), tier_ladder: LADDER },
  gold: { tier: "gold", tier_name: "Gold", qualifying_spend: money("2500.00"), tier_ladder: LADDER },
};

function host(locale: Locale, metafields: Record<string, string> | null, ok = true) {
  extension.shopify.i18n.translate = translator(locale) as typeof extension.shopify.i18n.translate;
  extension.shopify.i18n.formatCurrency = ((n: number, o?: { currency?: string }) => new Intl.NumberFormat(locale, { style: "currency", currency: o?.currency ?? "USD" }).format(n)) as typeof extension.shopify.i18n.formatCurrency;
  const fetch = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) =>
    new Response(JSON.stringify({
      data: {
        customer: metafields === null ? null : { metafields: METAFIELD_KEYS.map((key) => (key in metafields ? { key, value: metafields[key] } : null)) },
        // The ladder is the shop's metafield, not the member's.
        shop: { metafield: metafields?.[LADDER_KEY] ? { value: metafields[LADDER_KEY] } : null },
      },
    }), { status: ok ? 200 : 500, headers: { "Content-Type": "application/json" } }),
  );
  extension.fetch = fetch as typeof extension.fetch;
  return fetch;
}

const lines = () => [...document.body.querySelectorAll("s-text, s-list-item, s-heading")].map((e) => e.textContent);

beforeEach(() => extension.setUp());
afterEach(() => extension.tearDown());

describe("profile tier block", () => {
  const EXPECTED: Record<Locale, Record<keyof typeof MEMBERS, string[]>> = {
    en: {
      bronze: ["Bronze member", "You have spent $120.00 in the last 365 days.", "Spend $380.00 more to become Silver."],
      silver: ["Silver member", "You have spent $1,234.50 in the last 365 days.", "Spend $765.51 more to become Gold."],
      gold: ["Gold member", "You have spent $2,500.00 in the last 365 days.", "You are in our top tier."],
    },
    fr: {
      bronze: ["Membre Bronze", "Vous avez dépensé 120,00 $US au cours des 365 derniers jours.", "Dépensez encore 380,00 $US pour devenir Silver."],
      silver: ["Membre Silver", "Vous avez dépensé 1 234,50 $US au cours des 365 derniers jours.", "Dépensez encore 765,51 $US pour devenir Gold."],
      gold: ["Membre Gold", "Vous avez dépensé 2 500,00 $US au cours des 365 derniers jours.", "Vous êtes à notre niveau le plus élevé."],
    },
    de: {
      bronze: ["Bronze-Mitglied", "Sie haben in den letzten 365 Tagen 120,00 $ ausgegeben.", "Geben Sie noch 380,00 $ aus, um Silver zu werden."],
      silver: ["Silver-Mitglied", "Sie haben in den letzten 365 Tagen 1.234,50 $ ausgegeben.", "Geben Sie noch 765,51 $ aus, um Gold zu werden."],
      gold: ["Gold-Mitglied", "Sie haben in den letzten 365 Tagen 2.500,00 $ ausgegeben.", "Sie sind in unserer höchsten Stufe."],
    },
  };
  const cases = LOCALES.flatMap((locale) => (Object.keys(MEMBERS) as (keyof typeof MEMBERS)[]).map((tier) => [locale, tier] as const));

  it.each(cases)("%s: a %s member sees their tier, spend, next step and every tier's promise", async (locale, tier) => {
    const fetch = host(locale, MEMBERS[tier]);
    await extension.render();
    await vi.waitFor(() => expect(document.body.querySelector("s-text")).not.toBeNull());
    const norm = (s: string | null) => s?.replace(/\s/g, " ");
    expect(lines().slice(0, 3).map(norm)).toEqual(EXPECTED[locale][tier].map(norm));
    const items = [...document.body.querySelectorAll("s-list-item")].map((e) => norm(e.textContent));
    expect(items).toHaveLength(3);
    expect(items.filter((i) => i?.includes({ en: "(your tier)", fr: "(votre niveau)", de: "(Ihre Stufe)" }[locale]))).toHaveLength(1);
    // One request, to Shopify's Customer Account API, for the app's own metafields only.
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String(fetch.mock.calls[0][0])).toBe(CUSTOMER_ACCOUNT_API);
    const query = JSON.parse(String(fetch.mock.calls[0][1]?.body)).query as string;
    expect(query.match(/namespace: "([^"]+)"/g)?.every((n) => n === 'namespace: "$app"')).toBe(true);
    expect(query).toMatch(/shop\s*\{\s*metafield\(namespace: "\$app", key: "tier_ladder"\)/);
    expect(query).not.toMatch(/customer[^]*key: "tier_ladder"[^]*shop/);
  });

  it("every tier's promise reads in the buyer's words (en)", async () => {
    host("en", MEMBERS.silver);
    await extension.render();
    await vi.waitFor(() => expect(document.body.querySelector("s-list-item")).not.toBeNull());
    expect([...document.body.querySelectorAll("s-list-item")].map((e) => e.textContent?.replace(/\s/g, " "))).toEqual([
      "Bronze (from $0.00): ships within 7–10 business days",
      "Silver (from $500.00): ships within 72 business hours (your tier)",
      "Gold (from $2,000.01): ships within 48 business hours",
    ]);
  });

  it.each([
    ["a buyer without a tier", {}, true],
    ["no customer in the answer", null, true],
    ["an answer Shopify failed", MEMBERS.gold, false],
  ] as const)("renders nothing for %s", async (_label, metafields, ok) => {
    const fetch = host("en", metafields, ok);
    await extension.render();
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 0));
    expect(document.body.innerHTML).toBe("");
  });
});
