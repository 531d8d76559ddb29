// The Members page and member page use-cases on both databases, with two shops:
// search (wildcards taken literally), filters, the spend range's messages,
// sorting, pages, CSV, bulk pin / unpin, and spend adjustments through the ledger.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import type { Db } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import type { ShopFormat } from "./admin-formatting.ts";
import { loadMemberPage, loadMembersPage, membersCsv, spendRangeFrom, submitMemberAction } from "./members-admin.server.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { recomputeShopTiers } from "./recompute-shop-tiers.server.ts";

const SHOP = "members.myshopify.com";
const OTHER = "other-members.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");
const FORMAT: ShopFormat = { locale: "en-US", currency: "USD", timeZone: "America/New_York" };
const gidOf = (n: number) => `gid://shopify/Customer/${n}`;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe.each(DATABASE_KINDS)("members admin on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  const requested: { gids: string[]; cause: string }[] = [];
  const requestRecompute = async (gids: string[], cause: string) => void requested.push({ gids, cause });
  const page = (shop: string, query: Record<string, string> = {}) => loadMembersPage({ db, shop, params: new URLSearchParams(query), now: NOW, format: FORMAT });
  const names = async (query: Record<string, string>, shop = SHOP) => (await page(shop, query)).members.map((m) => m.name);
  const act = (fields: Record<string, string | string[]>, shop = SHOP) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) form.append(k, value);
    return submitMemberAction({ db, shop, form, format: FORMAT, now: NOW, requestRecompute });
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind, "members");
    db = database.db;
    await db.shop.createMany({ data: [{ domain: SHOP, currencyCode: "USD" }, { domain: OTHER, currencyCode: "USD" }] });
    const people: [string, number, string, string, number, number][] = [
      [SHOP, 1, "Ada", "ada@example.com", 30_000, 200],
      [SHOP, 2, "Bo_b", "bo@example.com", 80_000, 100],
      [SHOP, 3, "Cy 100%", "cy@example.com", 250_000, 50],
      [SHOP, 4, "Dee", "dee@example.com", 60_000, 3],
      [OTHER, 5, "Bob Other", "bob@other.example", 400_000, 10],
    ];
    for (const [shop, n, firstName, email, total, age] of people) {
      await db.customer.create({ data: { shop, customerGid: gidOf(n), firstName, email } });
      await saveOrderSnapshot(db, shop, { orderId: `gid://shopify/Order/${n}`, customerId: gidOf(n), processedAt: daysAgo(age), updatedAt: daysAgo(age), currency: "USD", currentTotalMinor: total, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, null);
    }
    // As the history import does: every tier computed at the install (now).
    await recomputeShopTiers({ db, shop: SHOP, now: NOW, cause: "backfill" });
    await recomputeShopTiers({ db, shop: OTHER, now: NOW, cause: "backfill" });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("lists the shop's members by spend with money, progress, the real date they reached their tier, and counts", async () => {
    const all = await page(SHOP);
    expect(all).toMatchObject({ total: 4, totalLabel: "4 members", range: "1–4 of 4 members" });
    expect(all.members.map((m) => [m.name, m.tierName, m.spend])).toEqual([
      ["Cy 100%", "Gold", "$2,500.00"],
      ["Bo_b", "Silver", "$800.00"],
      ["Dee", "Silver", "$600.00"],
      ["Ada", "Bronze", "$300.00"],
    ]);
    expect(all.members[1]).toMatchObject({ next: "$1,200.01 to Gold" });
    // The tier was computed at the install, but Bo reached Silver with the order of 100 days ago.
    expect(all.members[1].since).toBe(new Intl.DateTimeFormat("en-US", { timeZone: FORMAT.timeZone, year: "numeric", month: "short", day: "numeric" }).format(daysAgo(100)));
    expect(all.tiers.map((t) => t.threshold)).toEqual(["any spend", "$500 or more", "over $2,000"]);
  });

  it("searches as typed, with % and _ as plain characters, case-insensitively, and by customer id", async () => {
    expect(await names({ q: "BO@EXAMPLE" })).toEqual(["Bo_b"]);
    expect(await names({ q: "_" })).toEqual(["Bo_b"]);
    expect(await names({ q: "100%" })).toEqual(["Cy 100%"]);
    expect(await names({ q: "%" })).toEqual(["Cy 100%"]);
    expect(await names({ q: "\\" })).toEqual([]);
    expect(await names({ q: "cy 1" })).toEqual(["Cy 100%"]);
    expect(await names({ q: "4" })).toEqual(["Dee"]);
    // Another shop's member is never found.
    expect(await names({ q: "bob" })).toEqual([]);
    expect(await names({ q: "bob" }, OTHER)).toEqual(["Bob Other"]);
  });

  it("filters by tier, spend range, tier changed recently, and pages through the list", async () => {
    expect(await names({ tier: "silver" })).toEqual(["Bo_b", "Dee"]);
    expect(await names({ minSpend: "600", maxSpend: "$1,000" })).toEqual(["Bo_b", "Dee"]);
    expect(await names({ changed: "7" })).toHaveLength(4);
    expect(await names({ sort: "name", dir: "asc" })).toEqual(["Ada", "Bo_b", "Cy 100%", "Dee"]);
    expect(await names({ sort: "tier", dir: "desc" })).toEqual(["Cy 100%", "Bo_b", "Dee", "Ada"]);
    expect((await page(SHOP, { page: "2" })).members).toEqual([]);
  });

  it("refuses a spend range it cannot read, in the merchant's words, and applies the rest", async () => {
    expect(spendRangeFrom({ minSpend: "lots", maxSpend: "" }, "USD").errors).toEqual({ minSpend: "Enter an amount like 500 or 1,250.50." });
    expect(spendRangeFrom({ minSpend: "-5", maxSpend: "" }, "USD").errors).toEqual({ minSpend: "Enter an amount of zero or more." });
    expect(spendRangeFrom({ minSpend: "1.234", maxSpend: "" }, "USD").errors.minSpend).toMatch(/decimal places/);
    expect(spendRangeFrom({ minSpend: "900", maxSpend: "100" }, "USD").errors).toEqual({ maxSpend: "The highest spend must not be below the lowest." });
    const bad = await page(SHOP, { minSpend: "abc", tier: "silver" });
    expect(bad.errors.minSpend).toBe("Enter an amount like 500 or 1,250.50.");
    expect(bad.members.map((m) => m.name)).toEqual(["Bo_b", "Dee"]);
  });

  it("pins and unpins many members at once, only the shop's own; filters pinned and the CSV follows the filters", async () => {
    requested.length = 0;
    const pinned = await act({ intent: "pin", tierKey: "gold", until: "2027-01-31", customerGid: [gidOf(1), gidOf(4), gidOf(5)] });
    expect(pinned).toEqual({ ok: true, message: "2 members pinned to Gold until Jan 31, 2027." });
    expect(requested).toEqual([{ gids: [gidOf(1), gidOf(4)], cause: "manual" }]);
    expect(await names({ pinned: "yes" })).toEqual(["Dee", "Ada"]);
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: OTHER, customerGid: gidOf(5) } } })).pinnedTierKey).toBeNull();
    // Through the end of Jan 31 in the shop's time zone (New York, UTC−5).
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gidOf(1) } } })).pinnedUntil).toEqual(new Date("2027-02-01T05:00:00Z"));

    const csv = await membersCsv({ db, shop: SHOP, params: new URLSearchParams({ pinned: "yes", sort: "name", dir: "asc" }), now: NOW });
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("Customer ID,Name,Email,Tier,Tier since,Qualifying spend,Currency,Qualifying orders,Pinned to,Pinned until,In grace until");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 4).concat(l.split(",")[5]))).toEqual([
      ["1", "Ada", "ada@example.com", "Gold", "300.00"],
      ["4", "Dee", "dee@example.com", "Gold", "600.00"],
    ]);

    expect(await act({ intent: "unpin", customerGid: [gidOf(1), gidOf(4)] })).toEqual({ ok: true, message: "2 members unpinned." });
    expect(await names({ pinned: "yes" })).toEqual([]);
    expect(await act({ intent: "pin", tierKey: "gold", until: "2020-01-01", customerGid: gidOf(1) })).toMatchObject({ ok: false, error: expect.stringMatching(/after today/) });
    expect(await act({ intent: "pin", tierKey: "gold", customerGid: gidOf(5) })).toEqual({ ok: false, error: "That member is no longer in Tierline." });
  });

  it("a spend adjustment is a ledger entry: counted by the tier rules, recorded once, audited in the history", async () => {
    const form = { intent: "adjust", customerGid: gidOf(4), adjustmentId: "5b0a3a86-2d2c-4d8e-9d4f-3f7a3e0c1a11" };
    expect(await act({ ...form, amount: "1,500", note: "" })).toEqual({ ok: false, error: "Add a note saying why (it is kept in the member's history).", field: "note" });
    expect(await act({ ...form, amount: "a lot", note: "x" })).toEqual({ ok: false, error: "Enter an amount like 25.00 or -25.00.", field: "amount" });
    expect(await act({ ...form, amount: "0", note: "x" })).toMatchObject({ ok: false, field: "amount" });
    expect(await act({ ...form, amount: "1,500", note: "Bought in the Paris store" })).toEqual({ ok: true, message: "Spend adjusted by +$1,500.00." });
    expect(await act({ ...form, amount: "1,500", note: "Bought in the Paris store" })).toEqual({ ok: true, message: "This adjustment was already recorded." });
    let dee = (await loadMemberPage({ db, shop: SHOP, customerGid: gidOf(4), now: NOW, format: FORMAT }))!;
    expect(dee).toMatchObject({ tierName: "Gold", spend: "$2,100.00", orders: "1 qualifying order", shopifyUrl: "shopify://admin/customers/4" });
    expect(dee.history[0]).toMatchObject({ kind: "adjustment", title: "Spend adjusted by +$1,500.00", detail: "Bought in the Paris store" });
    expect(dee.history[1]).toMatchObject({ kind: "tier", title: "Silver → Gold" });
    expect(dee.counted.map((c) => [c.label, c.spend])).toEqual([["Spend adjustment", "$1,500.00"], ["Order 4", "$600.00"]]);
    // The shop-wide recompute (rule change, backfill) reads the adjustment too: nothing moves.
    await recomputeShopTiers({ db, shop: SHOP, now: NOW, cause: "rule_change" });
    expect((await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gidOf(4) } } })).qualifyingSpend).toBe(210_000);

    // A correction takes it back at once (no grace), in the history as well.
    expect(await act({ ...form, adjustmentId: "5b0a3a86-2d2c-4d8e-9d4f-3f7a3e0c1a12", amount: "-1500", note: "Entered twice by mistake" })).toEqual({ ok: true, message: "Spend adjusted by -$1,500.00." });
    dee = (await loadMemberPage({ db, shop: SHOP, customerGid: gidOf(4), now: NOW, format: FORMAT }))!;
    expect(dee).toMatchObject({ tierName: "Silver", spend: "$600.00", keep: null });
    expect(await db.ledgerAdjustment.count({ where: { shop: SHOP } })).toBe(2);
    // Another shop cannot adjust (or see) this member.
    expect(await act({ ...form, adjustmentId: "5b0a3a86-2d2c-4d8e-9d4f-3f7a3e0c1a13", amount: "5", note: "x" }, OTHER)).toEqual({ ok: false, error: "That member is no longer in Tierline." });
    expect(await loadMemberPage({ db, shop: OTHER, customerGid: gidOf(4), now: NOW, format: FORMAT })).toBeNull();
  });

  it("a member in grace reads what keeps the tier and until when", async () => {
    const graceUntil = new Date(NOW.getTime() + 10 * 86_400_000);
    await db.customer.updateMany({ where: { shop: SHOP, customerGid: gidOf(2) }, data: { tierKey: "gold", graceUntil, downgradeTierKey: "silver", graceReason: "window" } });
    const bo = (await loadMemberPage({ db, shop: SHOP, customerGid: gidOf(2), now: NOW, format: FORMAT }))!;
    expect(bo.keep).toEqual({ toGo: "$1,200.01", by: "Nov 30, 2026, 7:00 AM", downgradeTo: "Silver" });
    expect(await names({ grace: "yes" })).toEqual(["Bo_b"]);
    await recomputeCustomerTier({ db, shop: SHOP, customerGid: gidOf(2), cause: "manual", now: NOW });
  });
});
