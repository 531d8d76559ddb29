// The merchant's tier rules per shop; the defaults (in the shop's currency) until they edit them.
import type { Db } from "../../db.server.ts";
import { defaultTierRules, parseTierRules, type TierRules } from "../../domain/tier-rules.ts";

export async function loadTierRules(db: Db, shop: string): Promise<TierRules> {
  const [settings, shopRow] = await Promise.all([
    db.tierSettings.findUnique({ where: { shop } }),
    db.shop.findUnique({ where: { domain: shop }, select: { currencyCode: true } }),
  ]);
  if (settings) {
    const parsed = parseTierRules(JSON.parse(settings.rules));
    if (parsed.ok) return parsed.rules;
    throw new Error(`Stored tier rules of ${shop} are invalid: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  }
  return defaultTierRules(shopRow?.currencyCode ?? "USD");
}

export async function saveTierRules(db: Db, shop: string, rules: TierRules): Promise<number> {
  const saved = await db.tierSettings.upsert({
    where: { shop },
    create: { shop, rules: JSON.stringify(rules) },
    update: { rules: JSON.stringify(rules), version: { increment: 1 } },
  });
  return saved.version;
}
