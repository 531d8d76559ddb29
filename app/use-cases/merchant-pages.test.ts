// The use-cases behind the Tier rules page and the Overview, on both databases (Members: members-admin.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import type { Db } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { DEFAULT_TIER_RULES } from "../domain/tier-rules.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { shopsWithDueTierWrites } from "./shops-with-due-tier-writes.server.ts";
import { draftFromRules, loadTierRulesOverview, previewTierRules, rulesFromDraft, saveTierRulesAndRecompute, submitTierRulesDraft } from "./tier-rules-admin.server.ts";
import { loadOverview } from "./overview-admin.server.ts";
import { saveTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { runRulesRecompute, type RecomputeProgress } from "./tier-rules-recompute.server.ts";

const SHOP = "pages.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const gidOf = (n: number) => `gid://shopify/Customer/${n}`;

describe.each(DATABASE_KINDS)("merchant page use-cases on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  const requested: { shop: string; rulesVersion: number }[] = [];
  const requestRulesRecompute = async (shop: string, rulesVersion: number) => void requested.push({ shop, rulesVersion });

  beforeAll(async () => {
    database = await createTestDatabase(kind, "pages");
    db = database.db;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    const people: [number, string, string, number][] = [
      [1, "Ada", "ada@example.com", 30_000],
      [2, "Bo", "bo@example.com", 80_000],
      [3, "Cy", "cy@example.com", 250_000],
    ];
    for (const [n, firstName, email, total] of people) {
      await db.customer.create({ data: { shop: SHOP, customerGid: gidOf(n), firstName, email } });
      const at = new Date(NOW.getTime() - 20 * 86_400_000);
      await saveOrderSnapshot(db, SHOP, { orderId: `gid://shopify/Order/${n}`, customerId: gidOf(n), processedAt: at, updatedAt: at, currency: "USD", currentTotalMinor: total, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, null);
      await recomputeCustomerTier({ db, shop: SHOP, customerGid: gidOf(n), cause: "order", now: NOW });
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("turns the rules into a form draft and back, and names invalid fields", () => {
    const draft = draftFromRules(DEFAULT_TIER_RULES);
    expect(draft.tiers.map((t) => t.threshold)).toEqual(["0.00", "500.00", "2000.01"]);
    expect(rulesFromDraft(draft, "USD")).toEqual({ ok: true, rules: DEFAULT_TIER_RULES });
    const bad = rulesFromDraft({ ...draft, tiers: draft.tiers.map((t, i) => (i === 1 ? { ...t, threshold: "lots" } : i === 2 ? { ...t, threshold: "100" } : t)) }, "USD");
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["tiers.1.entryThresholdMinor"]));
  });

  it("previews a threshold change against the ledger without saving it", async () => {
    const draft = draftFromRules(DEFAULT_TIER_RULES);
    draft.tiers[1].threshold = "250";
    const parsed = rulesFromDraft(draft, "USD");
    if (!parsed.ok) throw new Error("draft should parse");
    const preview = await previewTierRules({ db, shop: SHOP, newRules: parsed.rules, now: NOW });
    expect(preview).toMatchObject({ members: 3, movedUp: 1, movedDown: 0, tierCounts: { before: { bronze: 1, silver: 1, gold: 1 }, after: { bronze: 0, silver: 2, gold: 1 } } });
    expect(preview.movements).toEqual([{ fromTierKey: "bronze", toTierKey: "silver", direction: "up", count: 1, examples: [{ customerId: gidOf(1), spendUnderNewRulesMinor: 30_000 }] }]);
    expect(preview.names[gidOf(1)]).toBe("Ada");
    expect(await db.tierSettings.count()).toBe(0);
  });

  it("saves, starts one recomputation of every customer, and reports its progress page by page until all are done", async () => {
    const rules = { ...DEFAULT_TIER_RULES, tiers: DEFAULT_TIER_RULES.tiers.map((t) => (t.key === "silver" ? { ...t, entryThresholdMinor: 25_000 } : t)) };
    requested.length = 0;
    expect(await saveTierRulesAndRecompute({ db, shop: SHOP, rules, now: NOW, requestRulesRecompute })).toEqual({ version: 1, customers: 3 });
    expect(requested).toEqual([{ shop: SHOP, rulesVersion: 1 }]);
    expect((await loadTierRulesOverview(db, SHOP)).recompute).toEqual({ done: 0, total: 3 });
    // The job, a customer a page: what the page shows as each page is saved (the sync is asked per page).
    const seen: (RecomputeProgress | null)[] = [];
    const requestTierSync = async () => void seen.push((await loadTierRulesOverview(db, SHOP)).recompute);
    expect(await runRulesRecompute({ db, shop: SHOP, rulesVersion: 1, now: NOW, pageSize: 1, requestTierSync })).toMatchObject({ status: "done", customers: 3, tierChanges: 1 });
    expect(seen).toEqual([{ done: 0, total: 3 }, { done: 1, total: 3 }, { done: 2, total: 3 }]);
    const overview = await loadTierRulesOverview(db, SHOP);
    expect(overview).toMatchObject({ recompute: null, version: 1, tierCounts: { bronze: 0, silver: 2, gold: 1 } });
    expect(overview.draft.tiers[1].threshold).toBe("250.00");
    expect(await db.tierChange.findMany({ where: { shop: SHOP, reason: "rule_change" }, select: { customerGid: true, fromTier: true, toTier: true } })).toEqual([{ customerGid: gidOf(1), fromTier: "bronze", toTier: "silver" }]);
    // The same job delivered again does nothing.
    expect(await runRulesRecompute({ db, shop: SHOP, rulesVersion: 1, now: NOW, requestTierSync })).toEqual({ status: "already_done" });
  });

  it("a save during a recomputation starts over: the older job stops at its next page and the page counts the newer one", async () => {
    requested.length = 0;
    const rules = await loadTierRulesOverview(db, SHOP).then((page) => page.rules);
    const { version } = await saveTierRulesAndRecompute({ db, shop: SHOP, rules, now: NOW, requestRulesRecompute });
    let newer = 0;
    const older = await runRulesRecompute({
      db, shop: SHOP, rulesVersion: version, now: NOW, pageSize: 1,
      // After the first page the merchant saves again.
      requestTierSync: async () => void (newer ||= (await saveTierRulesAndRecompute({ db, shop: SHOP, rules, now: NOW, requestRulesRecompute })).version),
    });
    expect(older).toEqual({ status: "superseded" });
    expect(requested.map((r) => r.rulesVersion)).toEqual([version, newer]);
    expect((await loadTierRulesOverview(db, SHOP)).recompute).toEqual({ done: 0, total: 3 });
    expect(await runRulesRecompute({ db, shop: SHOP, rulesVersion: newer, now: NOW, requestTierSync: async () => undefined })).toMatchObject({ status: "done", customers: 3 });
    expect((await loadTierRulesOverview(db, SHOP)).recompute).toBeNull();
    // A job of a version already replaced finds nothing to do.
    expect(await runRulesRecompute({ db, shop: SHOP, rulesVersion: version, now: NOW, requestTierSync: async () => undefined })).toEqual({ status: "superseded" });
  });

  it("finds the installed shops with tier writes due (pending, failed and due, or the shop's ladder) and with stale spend values", async () => {
    await db.shop.create({ data: { domain: "gone.myshopify.com", currencyCode: "USD", uninstalledAt: NOW } });
    await db.customer.create({ data: { shop: "gone.myshopify.com", customerGid: gidOf(9), tierKey: "bronze", syncStatus: "pending" } });
    await db.customer.updateMany({ where: { shop: SHOP }, data: { syncStatus: "synced" } });
    // The shop's tier ladder (a shop metafield) waits for its write: the shop is due until a sync writes it.
    expect(await shopsWithDueTierWrites(db, NOW)).toEqual({ due: [SHOP], stale: [] });
    await db.shop.update({ where: { domain: SHOP }, data: { tierLadderDue: false } });
    expect(await shopsWithDueTierWrites(db, NOW)).toEqual({ due: [], stale: [] });
    // Failed, but its retry is not due yet: not swept.
    await db.customer.updateMany({ where: { shop: SHOP, customerGid: gidOf(1) }, data: { syncStatus: "failed", syncDueAt: new Date(NOW.getTime() + 60_000) } });
    await db.customer.updateMany({ where: { shop: SHOP, customerGid: gidOf(3) }, data: { syncStatus: "stale" } });
    expect(await shopsWithDueTierWrites(db, NOW)).toEqual({ due: [], stale: [SHOP] });
    expect(await shopsWithDueTierWrites(db, new Date(NOW.getTime() + 61_000))).toEqual({ due: [SHOP], stale: [SHOP] });
    // A refusal (no retry time) waits for a new cause.
    await db.customer.updateMany({ where: { shop: SHOP, customerGid: gidOf(1) }, data: { syncDueAt: null } });
    expect((await shopsWithDueTierWrites(db, new Date(NOW.getTime() + 61_000))).due).toEqual([]);
  });
});

describe.each(DATABASE_KINDS)("a shop outside USD: Overview and Tier rules on %s", (kind) => {
  const EUR_SHOP = "euro-pages.myshopify.com";
  let database: TestDatabase;
  let db: Db;
  const requestRulesRecompute = async () => undefined;

  beforeAll(async () => {
    database = await createTestDatabase(kind, "eurpages");
    db = database.db;
    await db.shop.create({ data: { domain: EUR_SHOP, currencyCode: "EUR" } });
    const at = new Date(NOW.getTime() - 5 * 86_400_000);
    const order = (n: number, currency: string) => ({
      orderId: `gid://shopify/Order/${n}`, customerId: gidOf(n), processedAt: at, updatedAt: at, currency, currentTotalMinor: 90_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false,
    });
    await saveOrderSnapshot(db, EUR_SHOP, order(1, "EUR"), null);
    // Recorded in another currency than the shop's (e.g. before the shop changed currency).
    await saveOrderSnapshot(db, EUR_SHOP, order(2, "USD"), null);
    // A guest's order in another currency counts for nobody's tier: not the merchant's concern.
    await saveOrderSnapshot(db, EUR_SHOP, { ...order(3, "USD"), customerId: null }, null);
    for (const n of [1, 2]) await recomputeCustomerTier({ db, shop: EUR_SHOP, customerGid: gidOf(n), cause: "order", now: NOW });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("says tiers wait for thresholds confirmed in euros and counts the order it cannot value; saving in euros confirms", async () => {
    const overview = await loadOverview(db, EUR_SHOP);
    expect(overview).toMatchObject({ currency: "EUR", unvaluedOrders: 1, thresholdCurrency: { confirmed: false, reason: "defaults_not_confirmed", shopCurrency: "EUR" } });
    const page = await loadTierRulesOverview(db, EUR_SHOP);
    expect(page.thresholdCurrency).toMatchObject({ confirmed: false, shopCurrency: "EUR" });
    // The recompute of the customer with the dollar order did not throw; it counts nothing.
    expect(await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: EUR_SHOP, customerGid: gidOf(2) } } })).toMatchObject({ qualifyingSpend: 0 });

    const saved = await submitTierRulesDraft({ db, shop: EUR_SHOP, intent: "save", draft: page.draft, now: NOW, requestRulesRecompute });
    expect(saved.ok).toBe(true);
    expect(await loadOverview(db, EUR_SHOP)).toMatchObject({ thresholdCurrency: { confirmed: true } });
    expect((await loadTierRulesOverview(db, EUR_SHOP)).rules.currency).toBe("EUR");
  });

  it("rules saved in dollars are saved again in the shop's currency", async () => {
    await saveTierRules(db, EUR_SHOP, DEFAULT_TIER_RULES);
    const page = await loadTierRulesOverview(db, EUR_SHOP);
    expect(page.thresholdCurrency).toMatchObject({ confirmed: false, reason: "rules_in_other_currency", rulesCurrency: "USD", shopCurrency: "EUR" });
    await submitTierRulesDraft({ db, shop: EUR_SHOP, intent: "save", draft: page.draft, now: NOW, requestRulesRecompute });
    const after = await loadTierRulesOverview(db, EUR_SHOP);
    expect(after.rules.currency).toBe("EUR");
    expect(after.thresholdCurrency).toEqual({ confirmed: true });
  });
});
