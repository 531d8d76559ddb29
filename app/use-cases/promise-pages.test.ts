// The use-cases behind the Promise settings and Promises pages, on real SQLite and PostgreSQL:
// bad input stores nothing, saving stores rules and lead times together and bumps the version,
// the preview counts the lanes' open bookings, and no shop sees another's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import type { Db } from "../db.server.ts";
import { loadPromiseSetup } from "../adapters/db/promise-settings-repository.server.ts";
import { saveTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { promiseStatus } from "../domain/promise-score.ts";
import { DEFAULT_TIER_RULES } from "../domain/tier-rules.ts";
import { loadPromiseSettingsPage, submitPromiseSettings, type PromiseSettingsDraft } from "./promise-settings-admin.server.ts";
import { loadPromisesPage } from "./promises-admin.server.ts";
import { PROMISE_STATUSES } from "../components/promise-status.ts";
import { resolveLocale } from "./admin-formatting.ts";

const SHOP = "promise-pages.myshopify.com";
const OTHER = "other-promises.myshopify.com";
// Wednesday 2 December 2026, 10:00 in New York: before the 14:00 cut-off.
const NOW = new Date("2026-12-02T15:00:00Z");
const LOCALE = "en-US";

type Row = { order: number; tierKey: string; laneKey: string; shipBy: string; shipByDay: string; shippedAt?: string; status?: string; adjustments?: unknown[]; conflict?: unknown; shop?: string };

async function addPromise(db: Db, row: Row): Promise<void> {
  await db.orderPromise.create({
    data: {
      shop: row.shop ?? SHOP,
      orderGid: `gid://shopify/Order/${row.order}`,
      orderName: `#${row.order}`,
      tierKey: row.tierKey,
      laneKey: row.laneKey,
      orderedAt: new Date("2026-11-30T15:00:00Z"),
      intakeDay: "2026-11-30",
      shipByEarliest: new Date("2026-12-01T15:00:00Z"),
      shipBy: new Date(row.shipBy),
      shipByDay: row.shipByDay,
      shippedAt: row.shippedAt ? new Date(row.shippedAt) : null,
      status: row.status ?? (row.shippedAt ? "shipped" : "open"),
      adjustments: JSON.stringify(row.adjustments ?? []),
      conflict: row.conflict ? JSON.stringify(row.conflict) : null,
    },
  });
}

describe.each(DATABASE_KINDS)("promise pages on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  const page = (shop = SHOP) => loadPromiseSettingsPage({ db, shop, now: NOW, locale: LOCALE });
  const submit = (draft: PromiseSettingsDraft, intent: "preview" | "save" = "save", shop = SHOP) => submitPromiseSettings({ db, shop, intent, draft, now: NOW, locale: LOCALE });

  beforeAll(async () => {
    database = await createTestDatabase(kind, "promise_pages");
    db = database.db;
    await db.shop.createMany({
      data: [
        { domain: SHOP, currencyCode: "USD", ianaTimezone: "America/New_York", countryCode: "US" },
        { domain: OTHER, currencyCode: "EUR", ianaTimezone: "Europe/Berlin", countryCode: "DE" },
      ],
    });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("starts from the defaults in the shop's zone, with its country's holidays and a preview per tier", async () => {
    const loaded = await page();
    expect(loaded).toMatchObject({ version: 0, saved: false, tierIssues: [], draft: { timeZone: "America/New_York", cutoff: "14:00", holidayCountry: "US", workingDays: [1, 2, 3, 4, 5] } });
    expect(loaded.draft.lanes.map((l) => [l.tierKey, l.unit, l.min, l.max, l.capacity])).toEqual([
      ["bronze", "business_days", "7", "10", ""],
      ["silver", "business_hours", "48", "72", ""],
      ["gold", "business_hours", "24", "48", ""],
    ]);
    expect(loaded.holidays.seeded.map((h) => h.date)).toEqual(expect.arrayContaining(["2026-12-25", "2027-01-01", "2027-07-05"]));
    // Thanksgiving has passed: nothing to switch off there.
    expect(loaded.holidays.seeded.map((h) => h.date)).not.toContain("2026-11-26");
    expect(loaded.holidays.seeded.find((h) => h.date === "2026-12-25")).toMatchObject({ name: "Christmas Day", label: "Fri, Dec 25, 2026" });
    expect(loaded.attribution).toMatch(/date-holidays/);
    // 48 business hours from Wednesday 10:00 is Friday 10:00; 10 business days pass Christmas Day.
    expect(loaded.preview?.tiers.map((t) => [t.tierName, t.shipBy])).toEqual([
      ["Bronze", "Wed, Dec 16, 11:59 PM"],
      ["Silver", "Mon, Dec 7, 10:00 AM"],
      ["Gold", "Fri, Dec 4, 10:00 AM"],
    ]);
  });

  it("stores nothing when any field is bad, and says which field and why", async () => {
    const first = await page();
    const good: PromiseSettingsDraft = { ...first.draft, skus: [{ sku: "MUG-1", days: "4", capacity: "" }] };
    expect(await submit(good)).toMatchObject({ ok: true, version: 1 });
    const before = { settings: await db.promiseSettings.findUniqueOrThrow({ where: { shop: SHOP } }), skus: await db.skuReplenishment.findMany({ where: { shop: SHOP } }) };

    const gold = good.lanes.findIndex((l) => l.tierKey === "gold");
    const silver = good.lanes.findIndex((l) => l.tierKey === "silver");
    const bronze = good.lanes.findIndex((l) => l.tierKey === "bronze");
    const bad: PromiseSettingsDraft = {
      ...good,
      cutoff: "25:99",
      lanes: good.lanes.map((l, i) => (i === gold ? { ...l, min: "-4", handlingCost: "-2" } : i === silver ? { ...l, capacity: "0", handlingCost: "4.5.0" } : i === bronze ? { ...l, min: "12", max: "10" } : l)),
      transit: [{ zone: "XX", minDays: "2", maxDays: "4" }, { zone: "us-zz", minDays: "1", maxDays: "2" }, { zone: "DE", minDays: "5", maxDays: "3" }],
      skus: [{ sku: "MUG-1", days: "3", capacity: "-1" }, { sku: "MUG-1", days: "2", capacity: "" }, { sku: "CAP-2", days: "soon", capacity: "lots" }],
      defaultReplenishmentDays: "-1",
    };
    const result = await submit(bad);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    const at = (path: string) => issues.find((i) => i.path === path)?.message;
    expect(at("calendar.cutoff")).toMatch(/time such as 14:00/);
    expect(at(`lanes.${gold}.handling.min`)).toBe("Must not be negative");
    expect(at(`lanes.${silver}.dailyCapacity`)).toMatch(/At least 1 order a day/);
    expect(at(`lanes.${bronze}.handling.min`)).toMatch(/shortest time can't be longer than the longest/);
    expect(at("transit.0.zone")).toMatch(/no country "XX"/);
    expect(at("transit.1.zone")).toMatch(/no region "US-ZZ"/);
    expect(at("transit.2.minDays")).toMatch(/shortest transit/);
    expect(at("skus.1.sku")).toMatch(/listed twice/);
    expect(at("skus.2.days")).toMatch(/whole number/);
    expect(at("skus.0.capacity")).toMatch(/Can't be negative/);
    expect(at("skus.2.capacity")).toMatch(/whole number such as 3/);
    expect(at(`lanes.${gold}.handlingCostMinor`)).toBe("Enter an amount of zero or more.");
    expect(at(`lanes.${silver}.handlingCostMinor`)).toMatch(/^Enter an amount in USD like 500/);
    expect(at("defaultReplenishmentBusinessDays")).toBe("Must not be negative");
    // A preview of bad input answers the same issues and stores nothing either.
    expect((await submit(bad, "preview")).ok).toBe(false);

    expect(await db.promiseSettings.findUniqueOrThrow({ where: { shop: SHOP } })).toEqual(before.settings);
    expect(await db.skuReplenishment.findMany({ where: { shop: SHOP } })).toEqual(before.skus);
  });

  it("saves rules and lead times together, bumps the version, and keeps each shop's to itself", async () => {
    const loaded = await page();
    expect(loaded).toMatchObject({ version: 1, saved: true, draft: { skus: [{ sku: "MUG-1", days: "4", capacity: "" }] } });
    const otherBefore = await page(OTHER);
    await submit({ ...otherBefore.draft, skus: [{ sku: "MUG-1", days: "30", capacity: "" }] }, "save", OTHER);

    const draft: PromiseSettingsDraft = {
      ...loaded.draft,
      cutoff: "12:30",
      workingDays: [1, 2, 3, 4, 5, 6],
      holidaysRemoved: ["2026-12-25"],
      holidaysAdded: [{ date: "2026-12-24", name: "Stocktake" }],
      transit: [{ zone: "us-ca", minDays: "2", maxDays: "4" }],
      skus: [{ sku: "CAP-2", days: "15", capacity: "" }, { sku: "TEE-3", days: "0", capacity: "" }],
    };
    const saved = await submit(draft);
    expect(saved).toMatchObject({ ok: true, intent: "save", version: 2 });

    const setup = await loadPromiseSetup(db, SHOP, NOW);
    expect(setup.version).toBe(2);
    expect(setup.rules.calendar).toMatchObject({ cutoff: "12:30", workingDays: [1, 2, 3, 4, 5, 6], holidaysRemoved: ["2026-12-25"], holidaysAdded: [{ date: "2026-12-24", name: "Stocktake" }] });
    expect(setup.rules.transit).toEqual([{ zone: "US-CA", minDays: 2, maxDays: 4 }]);
    expect(setup.calendar.holidays).toContain("2026-12-24");
    expect(setup.calendar.holidays).not.toContain("2026-12-25");
    // MUG-1 removed, CAP-2 and TEE-3 added.
    expect((await db.skuReplenishment.findMany({ where: { shop: SHOP }, orderBy: { sku: "asc" } })).map((r) => [r.sku, r.replenishmentBusinessDays])).toEqual([["CAP-2", 15], ["TEE-3", 0]]);
    // The other shop's settings and SKUs are its own.
    const other = await page(OTHER);
    expect(other).toMatchObject({ version: 1, draft: { timeZone: "Europe/Berlin", cutoff: "14:00", holidayCountry: "DE", skus: [{ sku: "MUG-1", days: "30", capacity: "" }] } });
    expect(other.holidays.seeded.map((h) => h.date)).toContain("2026-12-26");
    expect((await page()).draft).toMatchObject({ cutoff: "12:30", transit: [{ zone: "US-CA" }] });
  });

  it("refuses a save over settings saved elsewhere since the page was loaded, and stores nothing", async () => {
    const loaded = await page();
    expect(loaded.version).toBe(2);
    const before = { settings: await db.promiseSettings.findUniqueOrThrow({ where: { shop: SHOP } }), skus: await db.skuReplenishment.findMany({ where: { shop: SHOP }, orderBy: { sku: "asc" } }) };
    const edit: PromiseSettingsDraft = { ...loaded.draft, cutoff: "09:00", skus: [] };
    for (const stale of [1, 0]) {
      const result = await submitPromiseSettings({ db, shop: SHOP, intent: "save", draft: edit, now: NOW, locale: LOCALE, expectedVersion: stale });
      expect(result).toMatchObject({ ok: false, conflict: true, issues: [{ path: "", message: expect.stringContaining("now version 2") }] });
    }
    expect(await db.promiseSettings.findUniqueOrThrow({ where: { shop: SHOP } })).toEqual(before.settings);
    expect(await db.skuReplenishment.findMany({ where: { shop: SHOP }, orderBy: { sku: "asc" } })).toEqual(before.skus);
    // The other shop has saved once: a page it loaded before that (version 0) is refused too.
    expect(await submitPromiseSettings({ db, shop: OTHER, intent: "save", draft: (await page(OTHER)).draft, now: NOW, locale: LOCALE, expectedVersion: 0 })).toMatchObject({ ok: false, conflict: true });
    // Saving from the current version goes through; put the cut-off back for the tests below.
    expect(await submitPromiseSettings({ db, shop: SHOP, intent: "save", draft: { ...loaded.draft }, now: NOW, locale: LOCALE, expectedVersion: 2 })).toMatchObject({ ok: true, version: 3 });
  });

  it("previews with the lanes' open bookings: a full day moves the promise, other shops' and finished orders do not count", async () => {
    const loaded = await page();
    const draft: PromiseSettingsDraft = { ...loaded.draft, cutoff: "14:00", workingDays: [1, 2, 3, 4, 5], lanes: loaded.draft.lanes.map((l) => (l.tierKey === "gold" ? { ...l, capacity: "2" } : l)) };
    const gold = async () => {
      const result = await submit(draft, "preview");
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return result.preview.tiers.find((t) => t.tierKey === "gold")!;
    };
    expect((await gold()).shipBy).toBe("Fri, Dec 4, 10:00 AM");
    const friday = { tierKey: "gold", laneKey: "priority_production", shipBy: "2026-12-04T15:00:00Z", shipByDay: "2026-12-04" };
    await addPromise(db, { ...friday, order: 1 });
    await addPromise(db, { ...friday, order: 2, shop: OTHER });
    await addPromise(db, { ...friday, order: 3, shippedAt: "2026-12-01T15:00:00Z" });
    await addPromise(db, { ...friday, order: 4, status: "cancelled" });
    expect((await gold()).shipBy).toBe("Fri, Dec 4, 10:00 AM");
    await addPromise(db, { ...friday, order: 5 });
    const moved = await gold();
    expect(moved.shipBy).toBe("Mon, Dec 7, 11:59 PM");
    expect(moved.notes).toEqual(["Priority production was full (2 a day) on Fri, Dec 4: moved to Mon, Dec 7"]);
    // Nothing was saved by previewing.
    expect((await db.promiseSettings.findUniqueOrThrow({ where: { shop: SHOP } })).version).toBe(3);
  });

  it("keeps lanes in step with the tiers: a new tier gets a lane to fill in, and a draft without it is refused", async () => {
    await saveTierRules(db, SHOP, { ...DEFAULT_TIER_RULES, tiers: [...DEFAULT_TIER_RULES.tiers, { key: "platinum", name: "Platinum", entryThresholdMinor: 500_000, tag: "tierline:platinum" }] });
    const loaded = await page();
    expect(loaded.tierIssues).toEqual([{ path: "lanes", message: 'Tier "platinum" has no lane' }]);
    expect(loaded.draft.lanes.map((l) => l.tierKey)).toEqual(["bronze", "silver", "gold", "platinum"]);
    expect(loaded.preview?.tiers.map((t) => t.tierName)).toEqual(["Bronze", "Silver", "Gold", "Platinum"]);
    const without = await submit({ ...loaded.draft, lanes: loaded.draft.lanes.filter((l) => l.tierKey !== "platinum") });
    expect(without).toMatchObject({ ok: false, issues: [{ path: "lanes", message: 'Tier "platinum" has no lane' }] });
    expect(await submit(loaded.draft)).toMatchObject({ ok: true, version: 4 });
    expect((await page()).tierIssues).toEqual([]);
    // Platinum goes away again: its lane is left out of the draft, and saving drops it.
    const platinumLane = loaded.draft.lanes[3];
    await saveTierRules(db, SHOP, DEFAULT_TIER_RULES);
    const after = await page();
    expect(after.tierIssues).toEqual([{ path: "lanes", message: `The lane "${platinumLane.name}" served a tier that no longer exists; it is dropped when you save` }]);
    expect(after.draft.lanes.map((l) => l.tierKey)).toEqual(["bronze", "silver", "gold"]);
    expect(after.preview?.tiers).toHaveLength(3);
    // A hand-made draft that keeps it is refused.
    expect(await submit({ ...after.draft, lanes: [...after.draft.lanes, platinumLane] })).toMatchObject({ ok: false, issues: [{ path: "lanes.3.tierKey", message: 'There is no tier "platinum"' }] });
    expect(await submit(after.draft)).toMatchObject({ ok: true, version: 5 });
    expect((await page()).tierIssues).toEqual([]);
  });

  it("lists promises with status, filters, counts, pages, roll-overs, conflicts and full lanes, only the shop's own", async () => {
    await db.orderPromise.deleteMany({});
    const rows: Row[] = [
      // Late: due Tuesday, not shipped.
      { order: 10, tierKey: "gold", laneKey: "priority_production", shipBy: "2026-12-01T22:00:00Z", shipByDay: "2026-12-01" },
      // Due today (Wednesday 17:00 New York).
      { order: 11, tierKey: "gold", laneKey: "priority_production", shipBy: "2026-12-02T22:00:00Z", shipByDay: "2026-12-02" },
      // On time, rolled over from a full Thursday.
      { order: 12, tierKey: "silver", laneKey: "priority_shipping", shipBy: "2026-12-05T04:59:59.999Z", shipByDay: "2026-12-04", adjustments: [{ kind: "lane_full", laneKey: "priority_shipping", dailyCapacity: 1, fullDays: ["2026-12-03"], movedTo: "2026-12-04" }] },
      { order: 13, tierKey: "silver", laneKey: "priority_shipping", shipBy: "2026-12-04T15:00:00Z", shipByDay: "2026-12-04" },
      // Kept and broken.
      { order: 14, tierKey: "bronze", laneKey: "standard_batch", shipBy: "2026-11-30T22:00:00Z", shipByDay: "2026-11-30", shippedAt: "2026-11-30T20:00:00Z" },
      {
        order: 15, tierKey: "gold", laneKey: "priority_production", shipBy: "2026-11-27T22:00:00Z", shipByDay: "2026-11-27", shippedAt: "2026-11-30T20:00:00Z",
        conflict: { brandedPromiseHandle: "shop_promise", maxDeliveryAt: "2026-11-29T04:59:59.000Z", transitDays: 2, requiredShipBy: "2026-11-27T22:00:00Z", computedShipBy: "2026-11-30T22:00:00Z", unmeetable: false },
      },
      // Cancelled: not listed.
      { order: 16, tierKey: "gold", laneKey: "priority_production", shipBy: "2026-12-03T22:00:00Z", shipByDay: "2026-12-03", status: "cancelled" },
      // Another shop's.
      { order: 17, tierKey: "gold", laneKey: "priority_production", shipBy: "2026-12-01T22:00:00Z", shipByDay: "2026-12-01", shop: OTHER },
    ];
    for (const row of rows) await addPromise(db, row);
    // Silver's lane holds 2 a day: Friday's two open promises fill it.
    const settings = await page();
    await submit({ ...settings.draft, lanes: settings.draft.lanes.map((l) => (l.tierKey === "silver" ? { ...l, capacity: "2" } : l)) });

    const list = (search = "", pageSize?: number) => loadPromisesPage({ db, shop: SHOP, params: new URLSearchParams(search), now: NOW, locale: LOCALE, pageSize });
    const all = await list();
    expect(all.totalPromises).toBe(6);
    expect(all.statusCounts).toEqual({ late: 1, due_today: 1, on_time: 2, kept: 1, broken: 1 });
    // Open promises first, by ship-by; then shipped ones, the latest shipment first.
    expect(all.rows.map((r) => [r.orderName, r.status])).toEqual([["#10", "late"], ["#11", "due_today"], ["#13", "on_time"], ["#12", "on_time"], ["#15", "broken"], ["#14", "kept"]]);
    // The database's status conditions say what promiseStatus says, row by row.
    const setup = await loadPromiseSetup(db, SHOP, NOW);
    for (const row of rows.filter((r) => !r.shop && r.status !== "cancelled")) {
      const expected = promiseStatus({ shipBy: new Date(row.shipBy), shippedAt: row.shippedAt ? new Date(row.shippedAt) : null, now: NOW, calendar: setup.calendar });
      expect((await list(`status=${expected}`)).rows.map((r) => r.orderName)).toContain(`#${row.order}`);
    }
    expect(PROMISE_STATUSES.length).toBe(5);

    const rolled = all.rows.find((r) => r.orderName === "#12")!;
    expect(rolled).toMatchObject({ tierName: "Silver", laneName: "Priority shipping", shipBy: "Fri, Dec 4, 11:59 PM", flagged: true, adjustments: ["Priority shipping was full (1 a day) on Thu, Dec 3: moved to Fri, Dec 4"] });
    expect(all.rows.find((r) => r.orderName === "#15")!.conflict).toBe("Shopify's shop promise promised delivery by Sat, Nov 28, 11:59 PM: ship-by brought forward from Mon, Nov 30, 5:00 PM to Fri, Nov 27, 5:00 PM.");
    expect(all.capacityFlags).toEqual([{ laneName: "Priority shipping", day: "Fri, Dec 4", booked: "2", capacity: "2", level: "full" }]);

    expect((await list("tier=gold")).rows.map((r) => r.orderName)).toEqual(["#10", "#11", "#15"]);
    expect((await list("tier=gold")).statusCounts).toEqual({ late: 1, due_today: 1, on_time: 0, kept: 0, broken: 1 });
    expect((await list("tier=silver&status=on_time")).total).toBe(2);
    const second = await list("page=2", 4);
    expect(second).toMatchObject({ total: 6, page: 2, pageSize: 4 });
    expect(second.rows.map((r) => r.orderName)).toEqual(["#15", "#14"]);

    const other = await loadPromisesPage({ db, shop: OTHER, params: new URLSearchParams(), now: NOW, locale: "de-DE" });
    expect(other.rows.map((r) => r.orderName)).toEqual(["#17"]);
    expect(other.rows[0].shipBy).toBe("Di., 1. Dez., 23:00");
    const empty = await loadPromisesPage({ db, shop: "no-orders.myshopify.com", params: new URLSearchParams(), now: NOW, locale: LOCALE });
    expect(empty).toMatchObject({ totalPromises: 0, rows: [] });
  });

  it("saves each priority lane's handling cost in the shop's currency and each SKU's priority capacity, and shows them back", async () => {
    const loaded = await page();
    const lane = (tierKey: string) => loaded.draft.lanes.findIndex((l) => l.tierKey === tierKey);
    const draft: PromiseSettingsDraft = {
      ...loaded.draft,
      lanes: loaded.draft.lanes.map((l, i) => (i === lane("gold") ? { ...l, handlingCost: "$1,250.5" } : i === lane("silver") ? { ...l, handlingCost: "0.75" } : l)),
      skus: [{ sku: "CAP-2", days: "15", capacity: "40" }, { sku: "TEE-3", days: "0", capacity: "" }],
    };
    const { version } = loaded;
    expect(await submit(draft)).toMatchObject({ ok: true, version: version + 1 });
    const setup = await loadPromiseSetup(db, SHOP, NOW);
    expect(Object.fromEntries(setup.rules.lanes.map((l) => [l.tierKey, l.handlingCostMinor]))).toEqual({ bronze: undefined, silver: 75, gold: 125_050 });
    expect((await db.skuReplenishment.findMany({ where: { shop: SHOP }, orderBy: { sku: "asc" } })).map((r) => [r.sku, r.priorityCapacityUnits])).toEqual([["CAP-2", 40], ["TEE-3", 0]]);
    const again = await page();
    expect(again.currency).toBe("USD");
    expect(again.draft.lanes.map((l) => [l.tierKey, l.handlingCost])).toEqual([["bronze", ""], ["silver", "0.75"], ["gold", "1250.50"]]);
    expect(again.draft.skus).toEqual([{ sku: "CAP-2", days: "15", capacity: "40" }, { sku: "TEE-3", days: "0", capacity: "" }]);
    // Saving the page untouched keeps them (the form carries them back).
    expect(await submit(again.draft)).toMatchObject({ ok: true, version: version + 2 });
    expect((await loadPromiseSetup(db, SHOP, NOW)).rules.lanes.find((l) => l.tierKey === "gold")?.handlingCostMinor).toBe(125_050);
    // Cleared: no cost and no capacity.
    const cleared = { ...again.draft, lanes: again.draft.lanes.map((l) => ({ ...l, handlingCost: "" })), skus: again.draft.skus.map((r) => ({ ...r, capacity: "" })) };
    expect(await submit(cleared)).toMatchObject({ ok: true, version: version + 3 });
    expect((await loadPromiseSetup(db, SHOP, NOW)).rules.lanes.every((l) => l.handlingCostMinor === undefined)).toBe(true);
    expect((await db.skuReplenishment.findMany({ where: { shop: SHOP } })).every((r) => r.priorityCapacityUnits === 0)).toBe(true);
  });
});

describe("the merchant's locale", () => {
  it("takes the admin's language with the shop's country, then the browser's, then English", () => {
    expect(resolveLocale({ requested: "en", acceptLanguage: "fr-FR,fr;q=0.9", country: "GB" })).toBe("en-GB");
    expect(resolveLocale({ requested: "de", acceptLanguage: null, country: null })).toBe("de");
    expect(resolveLocale({ requested: null, acceptLanguage: "fr-CA,fr;q=0.9", country: "US" })).toBe("fr-CA");
    expect(resolveLocale({ requested: "not a locale!", acceptLanguage: null, country: "US" })).toBe("en-US");
  });
});
