// The checkout promise lookup on SQLite and PostgreSQL: full lanes move the previews, the shop's
// settings are cached and refreshed behind the answers, and only the buyer's own order is read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { savePromiseRules, savePromiseRulesAndLeadTimes } from "../adapters/db/promise-settings-repository.server.ts";
import { saveTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { defaultPromiseRules } from "../domain/promise-rules.ts";
import { DEFAULT_TIER_RULES } from "../domain/tier-rules.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { createCheckoutPromiseLookup, orderGidFrom } from "./checkout-promise.server.ts";

// Monday 9:00 in New York: Gold (24–48 business hours) is due Wednesday.
const NOW = new Date("2026-11-23T14:00:00Z");
const SHOP = "lookup.myshopify.com";
const BUYER = "gid://shopify/Customer/31";

it("reads order ids as Shopify's pages give them", () => {
  expect(orderGidFrom("gid://shopify/Order/450789469")).toBe("gid://shopify/Order/450789469");
  expect(orderGidFrom("gid://shopify/OrderIdentity/450789469")).toBe("gid://shopify/Order/450789469");
  expect(orderGidFrom("450789469")).toBe("gid://shopify/Order/450789469");
  for (const bad of ["gid://shopify/Customer/1", "1 OR 1=1", "", null, "gid://shopify/Order/"]) expect(orderGidFrom(bad)).toBeNull();
});

describe.each(DATABASE_KINDS)("checkout promise lookup (%s)", (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind, "checkout_lookup");
    await database.db.shop.create({ data: { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" } });
    await database.db.customer.create({ data: { shop: SHOP, customerGid: BUYER, tierKey: "gold", qualifyingSpend: 300_000 } });
  });
  afterAll(async () => database?.drop());

  const ask = (lookup: ReturnType<typeof createCheckoutPromiseLookup>, now = NOW) =>
    lookup({ shop: SHOP, customerGid: BUYER, orderId: null, locale: "en-GB", destination: null, now });

  it("moves a preview off a full day of its lane", async () => {
    const rules = defaultPromiseRules("America/New_York", "US");
    rules.lanes = rules.lanes.map((lane) => (lane.tierKey === "gold" ? { ...lane, dailyCapacity: 1 } : lane));
    await savePromiseRules(database.db, SHOP, rules);
    const before = await ask(createCheckoutPromiseLookup(database.db));
    expect(before.status).toBe(200);
    if (before.status !== 200) return;
    expect(before.body.promise).toMatchObject({ tierKey: "gold", shipByDay: "2026-11-25", shipBy: "Wed 25 Nov" });
    await database.db.orderPromise.create({
      data: { shop: SHOP, orderGid: "gid://shopify/Order/1", customerGid: null, tierKey: "gold", laneKey: "priority_production", orderedAt: NOW, intakeDay: "2026-11-23", shipByEarliest: NOW, shipBy: NOW, shipByDay: "2026-11-25" },
    });
    const after = await ask(createCheckoutPromiseLookup(database.db));
    // Thursday is Thanksgiving (the shop's country's holidays): Friday is the next day with room.
    expect(after.status === 200 && after.body.promise?.shipByDay).toBe("2026-11-27");
  });

  const renamedSilver = (name: string) => ({ ...DEFAULT_TIER_RULES, tiers: DEFAULT_TIER_RULES.tiers.map((t) => (t.key === "silver" ? { ...t, name } : t)) });

  it("answers from the cached settings past their lifetime while it reloads them (a change this process was not told of)", async () => {
    const lookup = createCheckoutPromiseLookup(database.db, { shopTtlMs: 1_000 });
    const first = await lookup({ shop: SHOP, customerGid: null, orderId: null, locale: "en", destination: null, now: NOW });
    expect(first.status === 200 && first.body.next?.tier.name).toBe("Silver");
    // As another process saves: straight to the row, so no save is heard here.
    await database.db.tierSettings.upsert({ where: { shop: SHOP }, create: { shop: SHOP, rules: JSON.stringify(renamedSilver("Argent")) }, update: { rules: JSON.stringify(renamedSilver("Argent")), version: { increment: 1 } } });
    const guest = (at: number) => lookup({ shop: SHOP, customerGid: null, orderId: null, locale: "en", destination: null, now: new Date(NOW.getTime() + at) });
    const within = await guest(500);
    expect(within.status === 200 && within.body.next?.tier.name).toBe("Silver");
    // Past the lifetime: still the old answer, and a reload starts.
    const stale = await guest(2_000);
    expect(stale.status === 200 && stale.body.next?.tier.name).toBe("Silver");
    await expect.poll(async () => {
      const answer = await guest(2_500);
      return answer.status === 200 ? answer.body.next?.tier.name : null;
    }).toBe("Argent");
  });

  it("answers with tier rules and promise settings saved in this process at once, long before the cached copy ages out", async () => {
    const lookup = createCheckoutPromiseLookup(database.db, { shopTtlMs: 3_600_000 });
    const silverBuyer = () => lookup({ shop: SHOP, customerGid: "gid://shopify/Customer/32", orderId: null, locale: "en", destination: null, now: NOW });
    await database.db.customer.create({ data: { shop: SHOP, customerGid: "gid://shopify/Customer/32", tierKey: "silver", qualifyingSpend: 60_000 } });
    const before = await silverBuyer();
    // The previous test renamed Silver as another process would.
    expect(before.status === 200 && before.body.tier.name).toBe("Argent");
    const silverDay = before.status === 200 ? before.body.promise?.shipByDay : null;
    expect(silverDay).toBe("2026-11-27");

    await saveTierRules(database.db, SHOP, renamedSilver("Zilver"));
    const renamed = await silverBuyer();
    expect(renamed.status === 200 && renamed.body.tier.name).toBe("Zilver");

    // Silver's lane now ships within one business day: Tuesday, not after Thanksgiving.
    const rules = defaultPromiseRules("America/New_York", "US");
    rules.lanes = rules.lanes.map((lane) => (lane.tierKey === "silver" ? { ...lane, handling: { unit: "business_days", min: 1, max: 1 } } : lane));
    await savePromiseRulesAndLeadTimes(database.db, SHOP, rules, []);
    const faster = await silverBuyer();
    expect(faster.status === 200 && faster.body.promise).toMatchObject({ tierKey: "silver", shipByDay: "2026-11-24" });
  });

  it("answers 404 for a shop that uninstalled Tierline", async () => {
    await database.db.shop.create({ data: { domain: "gone.myshopify.com", uninstalledAt: NOW } });
    const answer = await createCheckoutPromiseLookup(database.db)({ shop: "gone.myshopify.com", customerGid: null, orderId: null, locale: null, destination: null, now: NOW });
    expect(answer.status).toBe(404);
  });
});
