// The shop's tier sync against the store simulator (the real Admin SDL, cost and
// throttling) and a real database (SQLite and PostgreSQL): tags and metafields land
// as expected, merchant tags are untouched, a second sync writes nothing, several
// customers share a metafieldsSet, spend-only changes wait for the batched refresh,
// THROTTLED ends the slice and the write lands later.
import { markShopTierLadderDue } from "./write-shop-tier-ladder.server.ts";
import { recordFlowTriggerUse } from "./flow-trigger-use.server.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { AdminCostBudget } from "../adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient, type AdminGraphqlClient } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunOptions } from "../adapters/shopify/admin-operation-runner.ts";
import { ShopifyRetryableError } from "../adapters/shopify/shopify-errors.ts";
import type { Db } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { applyTagChangeWebhook } from "./apply-tag-change-webhook.server.ts";
import { statementCount } from "../adapters/db/statement-driver.server.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { syncShopTiers, type SyncShopTiersInput } from "./sync-shop-tiers.server.ts";
import { saveTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { defaultTierRules } from "../domain/tier-rules.ts";

const SHOP = "tier-sync.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");

type SimCustomerJson = { id: string; gid: string; tags: string[]; metafields: Record<string, { key: string; namespace: string; type: string; value: string }> };
type MutationsJson = { count: number; pointsSpent: number; mutations: { kind: string; ok: boolean; detail: Record<string, unknown> }[] };

describe.each(DATABASE_KINDS)("syncShopTiers against the store simulator, on %s", (kind) => {
  let sim: RunningSimulator;
  let token: string;
  let database: TestDatabase;
  let db: Db;
  let orderSeq = 0;

  const control = async <T,>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.origin}/_sim${route}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const simCustomer = async (gid: string) => (await control<{ customer: SimCustomerJson }>("GET", `/shops/${SHOP}/customers/${encodeURIComponent(gid)}`)).customer;
  const mutations = () => control<MutationsJson>("GET", `/shops/${SHOP}/mutations`);
  const appMetafields = (customer: SimCustomerJson) =>
    Object.fromEntries(Object.values(customer.metafields).filter((m) => m.namespace.startsWith("app--")).map((m) => [m.key, m.value]));

  const runnerOptions = (extra: AdminRunOptions = {}): AdminRunOptions => ({ budget: new AdminCostBudget(), ...extra });
  const adminFor = (extra: AdminRunOptions = {}) => async () =>
    createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin }), runnerOptions(extra));

  /** An order worth `totalMinor` in Tierline's ledger, then the customer's tier recomputed. */
  async function addOrder(customerGid: string, totalMinor: number): Promise<void> {
    const at = new Date(NOW.getTime() - 10 * 86_400_000);
    orderSeq++;
    await saveOrderSnapshot(db, SHOP, {
      orderId: `gid://shopify/Order/${9_100_000_000_000 + orderSeq}`,
      customerId: customerGid,
      processedAt: at,
      updatedAt: at,
      currency: "USD",
      currentTotalMinor: totalMinor,
      currentShippingMinor: 0,
      currentTaxMinor: 0,
      cancelledAt: null,
      test: false,
    }, `#${orderSeq}`);
    await recomputeCustomerTier({ db, shop: SHOP, customerGid, cause: "order", now: NOW });
  }

  const rowOf = (gid: string) => db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } });
  /** The named customers' sync, as the shop's sync job runs it. */
  const sync = (gids: string[], options: Partial<SyncShopTiersInput> = {}) =>
    syncShopTiers({ db, shop: SHOP, customerGids: gids, admin: adminFor(), now: () => NOW, ...options });
  /** What the simulator recorded since `before`: [kind, ok] per mutation. */
  const writesSince = async (before: MutationsJson) => (await mutations()).mutations.slice(before.count).map((m) => [m.kind, m.ok]);

  /** A Shopify customer with the given tags, and a ledger worth `spendMinor` for them in Tierline. */
  async function memberWithSpend(tags: string[], spendMinor: number): Promise<string> {
    const { customer } = await control<{ customer: SimCustomerJson }>("POST", `/shops/${SHOP}/customers`, { email: `m${++orderSeq}@example.com`, firstName: "Member", tags });
    await addOrder(customer.gid, spendMinor);
    return customer.gid;
  }

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "sync-key", apiSecret: "sync-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
    ({ accessToken: token } = await control<{ accessToken: string }>("POST", "/shops", { shop: SHOP, seed: 7, size: "tiny", now: NOW.toISOString() }));
    database = await createTestDatabase(kind, "sync");
    db = database.db;
    // The shop's ladder is written by its own test below; the others see the member writes alone.
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", scopes: "read_customers,write_customers", tierLadderDue: false } });
    await recordFlowTriggerUse(db, { shop: SHOP, handle: "member-tier-changed", hasEnabledFlow: true, timestamp: new Date() });
  });

  afterAll(async () => {
    await database?.drop();
    await sim?.close();
  });

  it("adds the Gold tag, removes only Tierline's old tags, sets the metafields, then writes nothing", async () => {
    const gid = await memberWithSpend(["vip", "tierline:silver", "newsletter"], 250_000);
    const before = await mutations();

    const first = await sync([gid]);
    expect(first).toMatchObject({ written: 1, reads: 1, tagsAdded: 1, tagsRemoved: 1, metafieldsSet: 6, metafieldsDeleted: 0 });

    const customer = await simCustomer(gid);
    expect([...customer.tags].sort()).toEqual(["newsletter", "tierline:gold", "vip"]);
    expect(appMetafields(customer)).toEqual({
      tier: "gold",
      tier_name: "Gold",
      qualifying_spend: JSON.stringify({ amount: "2500.00", currency_code: "USD" }),
      tier_since: "2026-11-20T12:00:00Z",
      tier_review_at: "2027-11-10T12:00:00Z",
      tier_pinned: "false",
    });
    // Metafields first (Flow reacting to the tag reads the new values), then the tags; the
    // first write reads the values, so no next-tier value is deleted that was never there.
    // Last, the Flow trigger for the change (fire-flow-triggers.server.ts).
    expect(await writesSince(before)).toEqual([["metafieldsSet", true], ["tagsAdd", true], ["tagsRemove", true], ["flowTriggerReceive", true]]);
    const row = await rowOf(gid);
    expect(row).toMatchObject({ writtenTierTag: "tierline:gold", syncStatus: "synced", syncAttempts: 0, syncError: null, syncDueAt: null });
    expect(row.writtenDigest).toMatch(/^[0-9a-f]{48}$/);

    // Nothing changed: no request at all, and with force a read but no write.
    const written = await mutations();
    expect(await sync([gid], { admin: async () => { throw new Error("must not need the Admin API"); } })).toMatchObject({ unchanged: 1, reads: 0 });
    expect(await sync([gid], { force: true })).toMatchObject({ written: 1, reads: 1, tagsAdded: 0, tagsRemoved: 0, metafieldsSet: 0, metafieldsDeleted: 0 });
    expect(await mutations()).toMatchObject({ count: written.count, mutations: written.mutations });
  });

  it("recomputing without a change keeps the sync free", async () => {
    const gid = await memberWithSpend(["wholesale"], 60_000);
    await sync([gid]);
    expect((await simCustomer(gid)).tags.sort()).toEqual(["tierline:silver", "wholesale"]);
    const { pointsSpent, count } = await mutations();
    await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "order", now: NOW });
    expect(await sync([gid], { admin: async () => { throw new Error("must not need the Admin API"); } })).toMatchObject({ unchanged: 1 });
    expect(await mutations()).toMatchObject({ pointsSpent, count });
  });

  it("a spend change within a tier waits as stale; the refresh writes many customers' spend in one call", async () => {
    const gids = [await memberWithSpend(["vip"], 60_000), await memberWithSpend([], 70_000), await memberWithSpend([], 80_000)];
    await sync(gids);
    for (const gid of gids) await addOrder(gid, 10_000);
    const before = await mutations();
    expect(await sync(gids, { admin: async () => { throw new Error("must not need the Admin API"); } })).toMatchObject({ deferred: 3, written: 0 });
    expect((await rowOf(gids[0])).syncStatus).toBe("stale");
    expect(await mutations()).toMatchObject({ count: before.count });

    const refreshed = await syncShopTiers({ db, shop: SHOP, admin: adminFor(), now: () => NOW, refreshSpend: true });
    expect(refreshed).toMatchObject({ written: 3, reads: 0, tagsAdded: 0, tagsRemoved: 0, metafieldsSet: 9 });
    const after = await mutations();
    expect(after.mutations.slice(before.count).map((m) => m.kind)).toEqual(["metafieldsSet"]);
    // 10 for the call, 1 per customer.
    expect(after.pointsSpent - before.pointsSpent).toBe(13);
    expect(appMetafields(await simCustomer(gids[0]))).toMatchObject({ tier: "silver", qualifying_spend: JSON.stringify({ amount: "700.00", currency_code: "USD" }) });
    expect((await rowOf(gids[0])).syncStatus).toBe("synced");
  });

  it("tier changes of several customers share one metafieldsSet, and need no read when the old tag is known", async () => {
    const gids = [await memberWithSpend(["vip"], 60_000), await memberWithSpend([], 65_000), await memberWithSpend([], 70_000)];
    await sync(gids);
    for (const gid of gids) await addOrder(gid, 150_000);
    const before = await mutations();
    const result = await sync(gids);
    expect(result).toMatchObject({ written: 3, reads: 0, tagsAdded: 3, tagsRemoved: 3 });
    const kinds = (await writesSince(before)).map(([kind]) => kind);
    expect(kinds.filter((k) => k === "metafieldsSet")).toHaveLength(1);
    expect(kinds.filter((k) => k === "metafieldsDelete")).toHaveLength(1);
    const spent = (await mutations()).pointsSpent - before.pointsSpent;
    // 3 × (tagsAdd 10 + tagsRemove 10) + metafieldsSet (10 + 3) + metafieldsDelete 10: 83, under 28 a change;
    // then one Flow trigger per change (10 each).
    expect(kinds.filter((k) => k === "flowTriggerReceive")).toHaveLength(3);
    expect(spent).toBe(83 + 30);
    for (const gid of gids) {
      expect((await simCustomer(gid)).tags.filter((t) => t.startsWith("tierline:"))).toEqual(["tierline:gold"]);
      const metafields = appMetafields(await simCustomer(gid));
      expect(metafields).toMatchObject({ tier: "gold", tier_name: "Gold" });
      expect(metafields).not.toHaveProperty("next_tier_name");
      expect(metafields).not.toHaveProperty("spend_to_next_tier");
    }
  });

  it("first syncs of several members read them in one request; a member Shopify no longer has fails alone", async () => {
    const gids = [await memberWithSpend(["vip"], 300_000), await memberWithSpend([], 310_000), await memberWithSpend(["wholesale"], 320_000)];
    await control("DELETE", `/shops/${SHOP}/customers/${encodeURIComponent(gids[1])}`);
    const reads: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      const { query } = JSON.parse(String(init?.body)) as { query: string };
      if (/^\s*(#graphql\s*)?query\b/.test(query)) reads.push(query.match(/query\s+(\w+)/)![1]);
      return fetch(input, init);
    };
    const admin = async () => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin, fetch: counting }), runnerOptions());
    const result = await sync(gids, { admin });
    expect(reads.filter((name) => name === "CustomersTagsAndMetafields")).toHaveLength(1);
    expect(result).toMatchObject({ written: 2, failed: 1, reads: 3, tagsAdded: 2 });
    expect((await simCustomer(gids[0])).tags.sort()).toEqual(["tierline:gold", "vip"]);
    expect((await simCustomer(gids[2])).tags.sort()).toEqual(["tierline:gold", "wholesale"]);
    expect(await rowOf(gids[1])).toMatchObject({ syncStatus: "failed", syncError: expect.stringContaining("not found") });
  });

  it.each([
    ["in a 200 body", false],
    ["as HTTP 429", true],
  ])("on THROTTLED %s the slice ends, the row stays due, and the write lands on the next run", async (_label, http429) => {
    const gid = await memberWithSpend(["vip"], 300_000);
    // An empty bucket that refills slowly: the runner's in-place wait would be too long.
    await control("POST", `/shops/${SHOP}/throttle`, { http429, restoreRate: 1, drain: 1_000_000 });
    try {
      const result = await sync([gid], { admin: adminFor({ maxWaitMs: 50, maxThrottleRetries: 0 }) });
      expect(result).toMatchObject({ written: 0, failed: 0, more: true });
      expect(result.retryAfterMs).toBeGreaterThan(0);
      expect((await rowOf(gid)).syncStatus).toBe("pending");
    } finally {
      await control("POST", `/shops/${SHOP}/throttle`, { http429: false, restoreRate: 1_000, drain: 0 });
    }
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await sync([gid])).toMatchObject({ written: 1 });
    expect((await simCustomer(gid)).tags.sort()).toEqual(["tierline:gold", "vip"]);
  });

  it("records a failure with its retry time when Shopify fails, and lands on the retry", async () => {
    const gid = await memberWithSpend([], 10_000);
    const failing = async () =>
      createAdminRunner({ shop: SHOP, request: async () => ({ status: 503, data: null, errors: [{ message: "Service Unavailable" }], extensions: null }) }, runnerOptions());
    expect(await sync([gid], { admin: failing })).toMatchObject({ failed: 1, written: 0 });
    const failed = await rowOf(gid);
    expect(failed).toMatchObject({ syncStatus: "failed", syncAttempts: 1 });
    expect(failed.syncDueAt!.getTime()).toBe(NOW.getTime() + 2_000);
    // Not due yet: the shop's run leaves it; once due, it is written.
    expect(await syncShopTiers({ db, shop: SHOP, admin: failing, now: () => NOW })).toMatchObject({ rounds: 0, nextDueAt: failed.syncDueAt });
    const later = new Date(NOW.getTime() + 2_000);
    expect(await syncShopTiers({ db, shop: SHOP, admin: adminFor(), now: () => later })).toMatchObject({ written: 1, tagsAdded: 1 });
    expect(await rowOf(gid)).toMatchObject({ syncStatus: "synced", syncAttempts: 0, syncDueAt: null });
  });

  it("a spend refresh Shopify applied but never answered is compared with Shopify before the retry: nothing is set twice", async () => {
    const gid = await memberWithSpend([], 60_000);
    await sync([gid]);
    await addOrder(gid, 10_000);
    // The metafieldsSet lands; its answer never comes (the client gave up).
    const unanswered = async () => {
      const runner = await adminFor()();
      const run: typeof runner.run = async (operation, variables) => {
        const data = await runner.run(operation, variables);
        if (operation.name === "MetafieldsSet") throw new ShopifyRetryableError("network", "no answer within 4000 ms");
        return data;
      };
      return { ...runner, run };
    };
    expect(await syncShopTiers({ db, shop: SHOP, customerGids: [gid], admin: unanswered, now: () => NOW, refreshSpend: true })).toMatchObject({ failed: 1 });
    expect(appMetafields(await simCustomer(gid))).toMatchObject({ qualifying_spend: JSON.stringify({ amount: "700.00", currency_code: "USD" }) });
    const before = await mutations();
    const later = new Date(NOW.getTime() + 2_000);
    expect(await syncShopTiers({ db, shop: SHOP, admin: adminFor(), now: () => later, refreshSpend: true })).toMatchObject({ written: 1, reads: 1, metafieldsSet: 0, tagsAdded: 0 });
    expect(await writesSince(before)).toEqual([]);
    expect(await rowOf(gid)).toMatchObject({ syncStatus: "synced" });
  });

  it("a shop Tierline cannot reach (no session) ends the sync and leaves the rows due", async () => {
    const gid = await memberWithSpend([], 90_000);
    await expect(sync([gid], { admin: async () => { throw new SessionNotFoundError("no offline session"); } })).rejects.toBeInstanceOf(SessionNotFoundError);
    expect((await rowOf(gid)).syncStatus).toBe("pending");
    await sync([gid]);
  });

  describe("and tag webhooks", () => {
    const tagWebhook = async (topic: "customer.tags_added" | "customer.tags_removed", customerGid: string, tags: string[]) => {
      const requested: string[] = [];
      const outcome = await applyTagChangeWebhook({
        db, shop: SHOP, topic, webhookId: `wh-${Math.random()}`, now: NOW,
        payload: { customerId: customerGid, tags, occurredAt: NOW.toISOString() },
        requestTierRecompute: async (gids) => void requested.push(...gids),
        schedulePurge: async () => {},
      });
      return { outcome, requested };
    };

    it("ignores echoes and merchant tags; corrects a merchant's removal of the tier tag", async () => {
      const gid = await memberWithSpend(["vip"], 210_000);
      await sync([gid]);
      // The echo of this process's own write: recognised without reading the member's row.
      const before = statementCount.hotPath + statementCount.prisma;
      expect(await tagWebhook("customer.tags_added", gid, ["tierline:gold"])).toMatchObject({ outcome: { note: "echo of Tierline's own write" }, requested: [] });
      expect(statementCount.hotPath + statementCount.prisma - before).toBe(0);
      expect(await tagWebhook("customer.tags_added", gid, ["vip", "spring-sale"])).toMatchObject({ outcome: { note: "no Tierline tag involved" }, requested: [] });

      await control("POST", `/shops/${SHOP}/customers/${encodeURIComponent(gid)}`, { removeTags: ["tierline:gold"] });
      const removal = await tagWebhook("customer.tags_removed", gid, ["tierline:gold"]);
      expect(removal.outcome.note).toMatch(/correcting/);
      expect(removal.requested).toEqual([gid]);
      await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "customer", now: NOW });
      expect(await sync([gid])).toMatchObject({ written: 1, reads: 1, tagsAdded: 1, metafieldsSet: 0 });
      expect((await simCustomer(gid)).tags.sort()).toEqual(["tierline:gold", "vip"]);
    });

    it("recognises the echo of a tag write that arrives before the sync has finished", async () => {
      const gid = await memberWithSpend(["vip"], 90_000);
      const simClient = createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin });
      const echoes: unknown[] = [];
      const client: AdminGraphqlClient = {
        shop: SHOP,
        async request<T>(query: string, variables?: Record<string, unknown>) {
          const response = await simClient.request<T>(query, variables);
          // Shopify's webhook for this write, processed while the sync is still running.
          if (query.includes("mutation TagsAdd")) echoes.push((await tagWebhook("customer.tags_added", gid, variables?.tags0 as string[])).outcome);
          return response;
        },
      };
      await sync([gid], { admin: async () => createAdminRunner(client, runnerOptions()) });
      expect(echoes).toEqual([{ status: "processed", note: "echo of Tierline's own write" }]);
    });

    it("a row touched meanwhile by something that does not move the tier (a customers/update) is still saved as written", async () => {
      const gid = await memberWithSpend([], 96_000);
      const simClient = createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin });
      const renaming: AdminGraphqlClient = {
        shop: SHOP,
        async request<T>(query: string, variables?: Record<string, unknown>) {
          if (query.includes("mutation TagsAdd")) await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } }, data: { firstName: "Renamed" } });
          return simClient.request<T>(query, variables);
        },
      };
      expect(await sync([gid], { admin: async () => createAdminRunner(renaming, runnerOptions()) })).toMatchObject({ written: 1, more: false });
      expect(await rowOf(gid)).toMatchObject({ firstName: "Renamed", syncStatus: "synced", writtenTierTag: "tierline:silver" });
      // A tier that moves meanwhile leaves the row due, for the next round to compare.
      const moving: AdminGraphqlClient = {
        shop: SHOP,
        async request<T>(query: string, variables?: Record<string, unknown>) {
          if (query.includes("mutation MetafieldsSet")) await addOrder(gid, 150_000);
          return simClient.request<T>(query, variables);
        },
      };
      await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } }, data: { writtenDigest: null } });
      await addOrder(gid, 1_000);
      expect(await sync([gid], { admin: async () => createAdminRunner(moving, runnerOptions()) })).toMatchObject({ more: true });
      expect((await rowOf(gid)).syncStatus).toBe("pending");
      expect(await sync([gid])).toMatchObject({ written: 1 });
      expect((await simCustomer(gid)).tags).toEqual(["tierline:gold"]);
    });

    it("a tag write that fails leaves the row to be compared with Shopify next time", async () => {
      const gid = await memberWithSpend([], 95_000);
      const simClient = createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin });
      const failTags: AdminGraphqlClient = {
        shop: SHOP,
        async request<T>(query: string, variables?: Record<string, unknown>) {
          if (query.includes("mutation TagsAdd")) return { status: 502, data: null, errors: [{ message: "Bad Gateway" }], extensions: null };
          return simClient.request<T>(query, variables);
        },
      };
      expect(await sync([gid], { admin: async () => createAdminRunner(failTags, runnerOptions()) })).toMatchObject({ failed: 1 });
      expect(await rowOf(gid)).toMatchObject({ writtenTierTag: "tierline:silver", writtenDigest: null, syncStatus: "failed" });
      expect(await sync([gid])).toMatchObject({ written: 1, reads: 1, tagsAdded: 1, metafieldsSet: 0 });
    });

    it("respects a merchant's tag edit on a pinned member", async () => {
      const gid = await memberWithSpend([], 70_000);
      await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } }, data: { pinnedTierKey: "gold" } });
      await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "manual", now: NOW });
      await sync([gid]);
      expect((await simCustomer(gid)).tags).toEqual(["tierline:gold"]);

      await control("POST", `/shops/${SHOP}/customers/${encodeURIComponent(gid)}`, { removeTags: ["tierline:gold"] });
      const removal = await tagWebhook("customer.tags_removed", gid, ["tierline:gold"]);
      expect(removal).toMatchObject({ requested: [] });
      expect(removal.outcome.note).toMatch(/pinned member/);
      expect(await sync([gid], { force: true })).toMatchObject({ tagsAdded: 0, tagsRemoved: 0 });
      expect((await simCustomer(gid)).tags).toEqual([]);
    });
  });

  it("writes nothing to a shop outside USD until its thresholds are confirmed in its currency, then writes", async () => {
    await db.shop.update({ where: { domain: SHOP }, data: { currencyCode: "EUR" } });
    try {
      const { customer } = await control<{ customer: SimCustomerJson }>("POST", `/shops/${SHOP}/customers`, { email: `eur${++orderSeq}@example.com`, firstName: "Euro", tags: [] });
      const at = new Date(NOW.getTime() - 86_400_000);
      await saveOrderSnapshot(db, SHOP, {
        orderId: `gid://shopify/Order/${9_200_000_000_000 + orderSeq}`, customerId: customer.gid, processedAt: at, updatedAt: at, currency: "EUR",
        currentTotalMinor: 80_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false, financialStatus: "paid",
      }, `#${orderSeq}`);
      await recomputeCustomerTier({ db, shop: SHOP, customerGid: customer.gid, cause: "order", now: NOW });
      const before = await mutations();
      // The defaults (500 / 2000) were never meant in euros: nothing goes to Shopify, the row stays due.
      expect(await sync([customer.gid])).toMatchObject({ heldForCurrency: true, written: 0, reads: 0 });
      expect(await writesSince(before)).toEqual([]);
      expect((await simCustomer(customer.gid)).tags).toEqual([]);
      expect((await rowOf(customer.gid)).syncStatus).toBe("pending");
      // The merchant confirms thresholds in euros (Silver from €600): the member's €800 now lands.
      const rules = defaultTierRules("EUR");
      await saveTierRules(db, SHOP, { ...rules, tiers: rules.tiers.map((t) => (t.key === "silver" ? { ...t, entryThresholdMinor: 60_000 } : t)) });
      await recomputeCustomerTier({ db, shop: SHOP, customerGid: customer.gid, cause: "rule_change", now: NOW });
      const confirmed = await sync([customer.gid]);
      expect(confirmed.heldForCurrency).toBeUndefined();
      expect((await simCustomer(customer.gid)).tags).toEqual(["tierline:silver"]);
    } finally {
      await db.tierSettings.deleteMany({ where: { shop: SHOP } });
      await db.shop.update({ where: { domain: SHOP }, data: { currencyCode: "USD" } });
    }
  });

  it("the tier ladder is one SHOP metafield, written once when due (install, rules or promises saved), never per member", async () => {
    type ShopJson = { shop: { gid: string }; metafields: Record<string, { namespace: string; key: string; type: string; value: string }> };
    const shopLadder = async () => Object.values((await control<ShopJson>("GET", `/shops/${SHOP}`)).metafields).find((m) => m.namespace.startsWith("app--") && m.key === "tier_ladder");
    await markShopTierLadderDue(db, SHOP);
    const before = await mutations();
    await sync([]);
    expect(await writesSince(before)).toEqual([["metafieldsSet", true]]);
    expect(JSON.parse((await shopLadder())!.value)).toEqual({
      currency: "USD",
      window: { kind: "trailing_days", days: 365 },
      tiers: [
        { key: "bronze", name: "Bronze", from: "0.00", ships: { unit: "business_days", min: 7, max: 10 } },
        { key: "silver", name: "Silver", from: "500.00", ships: { unit: "business_hours", min: 48, max: 72 } },
        { key: "gold", name: "Gold", from: "2000.01", ships: { unit: "business_hours", min: 24, max: 48 } },
      ],
    });
    expect((await mutations()).mutations.at(-1)).toMatchObject({ detail: { metafields: [{ ownerGid: (await control<ShopJson>("GET", `/shops/${SHOP}`)).shop.gid, key: "tier_ladder", type: "json" }] } });
    expect((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).tierLadderDue).toBe(false);
    // Written: the next syncs, and a member's tier change, write no ladder.
    const after = await mutations();
    await sync([]);
    const gid = await memberWithSpend([], 60_000);
    await sync([gid]);
    const writes = (await mutations()).mutations.slice(after.count);
    expect(writes.filter((m) => m.kind === "metafieldsSet").flatMap((m) => (m as unknown as { detail: { metafields: { key: string }[] } }).detail.metafields.map((f) => f.key))).not.toContain("tier_ladder");
    expect(appMetafields(await simCustomer(gid))).not.toHaveProperty("tier_ladder");
    // Due again while Shopify already holds this ladder (a write whose answer never came): read, not written twice.
    await markShopTierLadderDue(db, SHOP);
    const again = await mutations();
    await sync([]);
    expect(await writesSince(again)).toEqual([]);
    expect((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).tierLadderDue).toBe(false);
  });
});
