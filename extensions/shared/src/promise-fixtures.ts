// For the extensions' tests: backend answers made by the server's own answer function (so the
// extension is tested against the shape the route really sends), and the host's translate() over
// our locale files, as Shopify's checkout does it ({{name}} placeholders).
import { readFileSync } from "node:fs";
import path from "node:path";
import { checkoutPromiseAnswer, type BuyerStanding, type PromiseFacts } from "../../../app/domain/checkout-promise-answer.ts";
import { DEFAULT_TIER_RULES } from "../../../app/domain/tier-rules.ts";
import type { Translate } from "./TierPromise.tsx";

export const LOCALES = ["en", "fr", "de"] as const;
export type TestLocale = (typeof LOCALES)[number];

export function localeMessages(extensionDir: string, locale: TestLocale): Record<string, string> {
  const file = locale === "en" ? "en.default.json" : `${locale}.json`;
  return JSON.parse(readFileSync(path.join(extensionDir, "locales", file), "utf8")) as Record<string, string>;
}

export function translator(extensionDir: string, locale: TestLocale): Translate {
  const messages = localeMessages(extensionDir, locale);
  return (key, options = {}) => {
    const message = messages[key];
    if (message === undefined) throw new Error(`${locale}: no message ${key}`);
    return message.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(options[name] ?? `{{${name}}}`));
  };
}

/** Wed 25 Nov (Gold), Thu 26 Nov (Silver), Wed 9 Dec (Bronze) 2026; Gold arrives Fri 27 Nov – Tue 1 Dec. */
export const FACTS: Record<"gold" | "silver" | "bronze", PromiseFacts> = {
  gold: { tierKey: "gold", shipByDay: "2026-11-25", arriveBy: { earliestDay: "2026-11-27", latestDay: "2026-12-01" } },
  silver: { tierKey: "silver", shipByDay: "2026-11-26", arriveBy: null },
  bronze: { tierKey: "bronze", shipByDay: "2026-12-09", arriveBy: null },
};

const NEXT = { bronze: "silver", silver: "gold", gold: null } as const;

export function answerFor(buyer: BuyerStanding, locale: string, source: "order" | "preview" = "preview") {
  const tierKey = buyer.kind === "member" && buyer.tierKey ? (buyer.tierKey as keyof typeof FACTS) : "bronze";
  const next = NEXT[tierKey];
  return checkoutPromiseAnswer({ tierRules: DEFAULT_TIER_RULES, buyer, promise: { source, facts: FACTS[tierKey] }, nextPromise: next ? FACTS[next] : null, locale });
}

export const jsonResponse = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
