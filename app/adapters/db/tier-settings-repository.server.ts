// The merchant's tier rules per shop; the defaults (in the shop's currency) until they edit them.
import { sqlOf } from "./hot-path-sql.server.ts";
import { shopSettingsSaved } from "./shop-settings-changes.server.ts";
import type { Db } from "../../db.server.ts";
import { defaultTierRules, parseTierRules, thresholdCurrencyStatus, type ThresholdCurrencyStatus, type TierRules } from "../../domain/tier-rules.ts";

const RULES_AND_CURRENCY = `SELECT (SELECT "rules" FROM "TierSettings" WHERE "shop" = ?) AS "rules", (SELECT "currencyCode" FROM "Shop" WHERE "domain" = ?) AS "currencyCode"`;

const RULES_CURRENCY_AND_TOMBSTONES = `SELECT (SELECT "rules" FROM "TierSettings" WHERE "shop" = ?) AS "rules", (SELECT "currencyCode" FROM "Shop" WHERE "domain" = ?) AS "currencyCode", EXISTS (SELECT 1 FROM "ErasureTombstone" WHERE "shop" = ?) AS "shopHasTombstones"`;

/** Rules as stored → as parsed: validating them costs more than the lookup, and they rarely change. */
const parsedRules = new Map<string, TierRules>();

/**
 * The shop's saved rules, or the defaults in its currency. One cached prepared statement: every
 * recomputation and every sync round loads the rules, and two compiled Prisma
 * queries cost several times what the lookup does.
 */
export async function loadTierRules(db: Db, shop: string): Promise<TierRules> {
  const [row] = (await sqlOf(db).all(RULES_AND_CURRENCY, [shop, shop])) as Array<{ rules: string | null; currencyCode: string | null }>;
  return tierRulesFrom(shop, row ?? null);
}

/** The rules, and whether the shop has any erasure tombstone (a recomputation's first look for them), in one statement. */
export async function loadTierRulesAndTombstoneFlag(db: Db, shop: string): Promise<{ rules: TierRules; shopHasTombstones: boolean }> {
  const [row] = (await sqlOf(db).all(RULES_CURRENCY_AND_TOMBSTONES, [shop, shop, shop])) as Array<{ rules: string | null; currencyCode: string | null; shopHasTombstones: unknown }>;
  return { rules: tierRulesFrom(shop, row ?? null), shopHasTombstones: truthy(row?.shopHasTombstones) };
}

/** A boolean as either driver returns it (SQLite 0/1, PostgreSQL true/false). */
export const truthy = (value: unknown) => value === true || value === 1 || value === 1n || value === "1" || value === "t";

/** The rules a stored settings row (and the shop's currency) say, parsed once per text. */
export function tierRulesFrom(shop: string, row: { rules: string | null; currencyCode: string | null } | null): TierRules {
  if (row?.rules) {
    const known = parsedRules.get(row.rules);
    if (known) return known;
    const parsed = parseTierRules(JSON.parse(row.rules));
    if (parsed.ok) {
      if (parsedRules.size >= 200) parsedRules.clear();
      parsedRules.set(row.rules, parsed.rules);
      return parsed.rules;
    }
    throw new Error(`Stored tier rules of ${shop} are invalid: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  }
  return defaultTierRules(row?.currencyCode ?? "USD");
}

/**
 * Whether the thresholds are confirmed in the shop's currency (tier-rules.ts: thresholdCurrencyStatus),
 * with the rules it was decided on. Tier writes to Shopify wait until it is.
 */
export async function loadThresholdCurrencyStatus(db: Db, shop: string): Promise<{ rules: TierRules; status: ThresholdCurrencyStatus }> {
  // Every sync round asks: the rules' statement answers it (a settings row always has rules).
  const [row] = (await sqlOf(db).all(RULES_AND_CURRENCY, [shop, shop])) as Array<{ rules: string | null; currencyCode: string | null }>;
  const rules = tierRulesFrom(shop, row ?? null);
  return { rules, status: thresholdCurrencyStatus({ shopCurrency: row?.currencyCode ?? null, rules, saved: Boolean(row?.rules) }) };
}

export async function saveTierRules(db: Db, shop: string, rules: TierRules): Promise<number> {
  const saved = await db.tierSettings.upsert({
    where: { shop },
    create: { shop, rules: JSON.stringify(rules) },
    update: { rules: JSON.stringify(rules), version: { increment: 1 } },
  });
  shopSettingsSaved(shop);
  return saved.version;
}
