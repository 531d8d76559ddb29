// Promise rules per shop: defaults from the shop's own time zone and country until the merchant
// saves theirs, the country's public holidays in the calendar, and no shop reading another's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import { isWorkingDay } from "../../domain/business-calendar.ts";
import { defaultPromiseRules } from "../../domain/promise-rules.ts";
import { createDb, databaseTarget } from "../../db.server.ts";
import { loadPromiseSettings, loadPromiseSetup, loadSkuSupplySettings, savePromiseRules } from "./promise-settings-repository.server.ts";

const BERLIN = "berlin-shop.myshopify.com";
const TOKYO = "tokyo-shop.myshopify.com";

describe.each(DATABASE_KINDS)("promise settings on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, "promise_settings");
    await database.db.shop.createMany({
      data: [
        { domain: BERLIN, ianaTimezone: "Europe/Berlin", countryCode: "DE" },
        { domain: TOKYO, ianaTimezone: "Asia/Tokyo", countryCode: "JP" },
      ],
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("defaults to the shop's zone and its country's public holidays", async () => {
    const setup = await loadPromiseSetup(database.db, BERLIN, new Date("2026-12-02T10:00:00Z"));
    expect(setup.saved).toBe(false);
    expect(setup.version).toBe(0);
    expect(setup.rules).toEqual(defaultPromiseRules("Europe/Berlin", "DE"));
    expect(setup.calendar.timeZone).toBe("Europe/Berlin");
    // Christmas and Boxing Day close German warehouses, this year and (for promises that reach it) next.
    expect(setup.seededHolidays.map((h) => h.date)).toEqual(expect.arrayContaining(["2026-12-25", "2026-12-26", "2027-01-01", "2027-12-25"]));
    expect(isWorkingDay(setup.calendar, "2026-12-25")).toBe(false);
    expect(isWorkingDay(setup.calendar, "2026-12-23")).toBe(true);
  });

  it("keeps each shop's saved rules to itself, with the merchant's own closing days and removals", async () => {
    const rules = defaultPromiseRules("Asia/Tokyo", "JP");
    rules.calendar.holidaysAdded = [{ date: "2026-12-28", name: "Stocktake" }];
    rules.calendar.holidaysRemoved = ["2027-01-01"];
    expect(await savePromiseRules(database.db, TOKYO, rules)).toBe(1);
    expect(await savePromiseRules(database.db, TOKYO, rules)).toBe(2);

    const tokyo = await loadPromiseSetup(database.db, TOKYO, new Date("2026-12-02T10:00:00Z"));
    expect(tokyo).toMatchObject({ saved: true, version: 2 });
    expect(isWorkingDay(tokyo.calendar, "2026-12-28")).toBe(false);
    expect(isWorkingDay(tokyo.calendar, "2027-01-01")).toBe(true); // removed: the merchant works that day
    expect(isWorkingDay(tokyo.calendar, "2027-01-02")).toBe(false); // a Saturday all the same

    const berlin = await loadPromiseSettings(database.db, BERLIN);
    expect(berlin.saved).toBe(false);
  });

  it("keeps a shop's setup between promises, and sees a save made through another connection (the web process) at once", async () => {
    const shop = "cached-shop.myshopify.com";
    await database.db.shop.create({ data: { domain: shop, ianaTimezone: "Europe/Berlin", countryCode: "DE" } });
    const at = new Date("2026-12-02T10:00:00Z");
    const first = await loadPromiseSetup(database.db, shop, at);
    expect(await loadPromiseSetup(database.db, shop, at)).toBe(first);
    const web = createDb(databaseTarget(database.url));
    try {
      const rules = defaultPromiseRules("Europe/Berlin", "DE");
      rules.calendar.holidaysAdded = [{ date: "2026-12-07", name: "Inventory" }];
      await savePromiseRules(web, shop, rules);
      const saved = await loadPromiseSetup(database.db, shop, at);
      expect(saved).toMatchObject({ saved: true, version: 1 });
      expect(isWorkingDay(saved.calendar, "2026-12-07")).toBe(false);
      // Deleted and saved again (version 1 again): still seen, by its updatedAt.
      rules.calendar.holidaysAdded = [{ date: "2026-12-08", name: "Audit" }];
      await web.promiseSettings.deleteMany({ where: { shop } });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await savePromiseRules(web, shop, rules);
      const again = await loadPromiseSetup(database.db, shop, at);
      expect([again.version, isWorkingDay(again.calendar, "2026-12-07"), isWorkingDay(again.calendar, "2026-12-08")]).toEqual([1, true, false]);
      // The shop moved (no saved rules: the defaults follow its zone).
      await web.promiseSettings.deleteMany({ where: { shop } });
      await web.shop.update({ where: { domain: shop }, data: { ianaTimezone: "Asia/Tokyo", countryCode: "JP" } });
      expect((await loadPromiseSetup(database.db, shop, at)).calendar.timeZone).toBe("Asia/Tokyo");
      // Another year needs that year's holidays.
      expect((await loadPromiseSetup(database.db, shop, new Date("2028-06-01T00:00:00Z"))).seededHolidays.some((h) => h.date.startsWith("2029-"))).toBe(true);
    } finally {
      await web.$disconnect();
    }
  });

  it("refuses to use stored rules that no longer validate, naming the shop", async () => {
    await database.db.promiseSettings.create({ data: { shop: "broken.myshopify.com", rules: JSON.stringify({ lanes: [] }) } });
    await expect(loadPromiseSettings(database.db, "broken.myshopify.com")).rejects.toThrow(/broken\.myshopify\.com/);
  });

  it("reads SKU lead times and priority capacity of one shop only", async () => {
    await database.db.skuReplenishment.createMany({
      data: [
        { shop: BERLIN, sku: "MUG-1", replenishmentBusinessDays: 12, priorityCapacityUnits: 4 },
        { shop: TOKYO, sku: "MUG-1", replenishmentBusinessDays: 3, priorityCapacityUnits: 9 },
        { shop: BERLIN, sku: "CAP-2", replenishmentBusinessDays: 5 },
      ],
    });
    const berlin = await loadSkuSupplySettings(database.db, BERLIN, ["MUG-1", "MUG-1", "CAP-2", "NONE"]);
    expect([...berlin.leadTimes].sort()).toEqual([["CAP-2", 5], ["MUG-1", 12]]);
    expect([...berlin.priorityCapacity].sort()).toEqual([["CAP-2", 0], ["MUG-1", 4]]);
    expect((await loadSkuSupplySettings(database.db, TOKYO, [])).leadTimes.size).toBe(0);
  });
});
