// The tier sync against the store simulator (the real Admin SDL, cost and
// throttling) and a real database (SQLite and PostgreSQL): tags and metafields land as expected,
// merchant tags are untouched, a second sync writes nothing, THROTTLED backs off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { AdminCostBudget } from "../adapters/shopify/admin-cost-budget.ts";
import { createFetchAdminGraphqlClient, type AdminGraphqlClient } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner, type AdminRunner, type AdminRunOptions } from "../adapters/shopify/admin-operation-runner.ts";
import type { Db } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import type { Job } from "bullmq";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { createLogger } from "../logger.server.ts";
import { createTierRecomputeProcessor } from "../workers/tier-jobs.ts";
import { applyTagChangeWebhook } from "./apply-tag-change-webhook.server.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { syncCustomerTier } from "./sync-customer-tier.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

const SHOP = "tier-sync.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");

type SimCustomerJson = { id: string; gid: string; tags: string[]; metafields: Record<string, { key: string; namespace: string; type: string; value: string }> };
type MutationsJson = { count: number; pointsSpent: number; mutations: { kind: string; ok: boolean; detail: Record<string, unknown> }[] };

describe.each(DATABASE_KINDS)("syncCustomerTier against the store simulator, on %s", (kind) => {
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
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", scopes: "read_customers,write_customers" } });
  });

  afterAll(async () => {
    await database?.drop();
    await sim?.close();
  });

  it("adds the Gold tag, removes only Tierline's old tags, sets the metafields, then writes nothing", async () => {
    const gid = await memberWithSpend(["vip", "tierline:silver", "newsletter"], 250_000);
    const before = await mutations();

    const first = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect(first).toMatchObject({ status: "written", reads: 1, tagsAdded: ["tierline:gold"], tagsRemoved: ["tierline:silver"] });

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
    const written = await mutations();
    expect(written.mutations.slice(before.count).map((m) => [m.kind, m.ok])).toEqual([
      ["metafieldsSet", true],
      ["tagsAdd", true],
      ["tagsRemove", true],
    ]);
    const row = await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } });
    expect(row).toMatchObject({ writtenTierTag: "tierline:gold", syncStatus: "synced", syncAttempts: 0, syncError: null });
    expect(row.writtenDigest).toMatch(/^[0-9a-f]{16}$/);

    // Nothing changed: no request at all, and with force a read but no write.
    const again = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect(again).toMatchObject({ status: "unchanged", reads: 0 });
    const forced = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor(), force: true });
    expect(forced).toMatchObject({ status: "unchanged", reads: 1, tagsAdded: [], tagsRemoved: [], metafieldsSet: [] });
    const after = await mutations();
    expect(after.count).toBe(written.count);
    expect(after.mutations).toEqual(written.mutations);
  });

  it("recomputing without a change keeps the sync free", async () => {
    const gid = await memberWithSpend(["wholesale"], 60_000);
    await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect((await simCustomer(gid)).tags.sort()).toEqual(["tierline:silver", "wholesale"]);
    const { pointsSpent, count } = await mutations();
    await recomputeCustomerTier({ db, shop: SHOP, customerGid: gid, cause: "order", now: NOW });
    const again = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: async () => { throw new Error("must not need the Admin API"); } });
    expect(again.status).toBe("unchanged");
    expect(await mutations()).toMatchObject({ pointsSpent, count });
  });

  it("a spend change within a tier is one metafieldsSet, without a read", async () => {
    const gid = await memberWithSpend(["vip"], 60_000);
    await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    await addOrder(gid, 10_000);
    const before = await mutations();
    const result = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect(result).toMatchObject({ status: "written", reads: 0, tagsAdded: [], tagsRemoved: [] });
    const after = await mutations();
    expect(after.mutations.slice(before.count).map((m) => m.kind)).toEqual(["metafieldsSet"]);
    expect(after.pointsSpent - before.pointsSpent).toBe(11);
    expect(appMetafields(await simCustomer(gid))).toMatchObject({ tier: "silver", qualifying_spend: JSON.stringify({ amount: "700.00", currency_code: "USD" }) });
  });

  it("moving up to the top tier deletes the next-tier metafields", async () => {
    const gid = await memberWithSpend(["vip"], 80_000);
    await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect(appMetafields(await simCustomer(gid))).toMatchObject({ tier: "silver", next_tier_name: "Gold" });
    await addOrder(gid, 150_000);

    const before = await mutations();
    const result = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect(result).toMatchObject({ status: "written", tagsAdded: ["tierline:gold"], tagsRemoved: ["tierline:silver"], metafieldsDeleted: ["next_tier_name", "spend_to_next_tier"] });
    const after = await mutations();
    expect(after.mutations.slice(before.count).map((m) => [m.kind, m.ok])).toEqual([
      ["metafieldsSet", true],
      ["tagsAdd", true],
      ["tagsRemove", true],
      ["metafieldsDelete", true],
    ]);
    const metafields = appMetafields(await simCustomer(gid));
    expect(metafields).not.toHaveProperty("next_tier_name");
    expect(metafields).not.toHaveProperty("spend_to_next_tier");
    expect(appMetafields(await simCustomer(gid))).toMatchObject({ tier: "gold", qualifying_spend: JSON.stringify({ amount: "2300.00", currency_code: "USD" }) });
  });

  it.each([
    ["in a 200 body", false],
    ["as HTTP 429", true],
  ])("backs off on THROTTLED %s and retries until the write lands", async (_label, http429) => {
    const gid = await memberWithSpend(["vip"], 300_000);
    // A slow refill, so the bucket is still short when the first request lands.
    await control("POST", `/shops/${SHOP}/throttle`, { http429, restoreRate: 25, drain: 1_000_000 });
    const waits: { ms: number; cause: string }[] = [];
    try {
      const result = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor({ onWait: (w) => waits.push(w) }) });
      expect(result).toMatchObject({ status: "written", tagsAdded: ["tierline:gold"] });
    } finally {
      await control("POST", `/shops/${SHOP}/throttle`, { http429: false, restoreRate: 1_000 });
    }
    expect(waits.some((w) => w.cause === "throttled")).toBe(true);
    expect((await simCustomer(gid)).tags.sort()).toEqual(["tierline:gold", "vip"]);
  });

  it("records a failure and rethrows when Shopify keeps failing, and succeeds on the next attempt", async () => {
    const gid = await memberWithSpend([], 10_000);
    const failing = async () =>
      createAdminRunner({ shop: SHOP, request: async () => ({ status: 503, data: null, errors: [{ message: "Service Unavailable" }], extensions: null }) }, runnerOptions());
    await expect(syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: failing })).rejects.toMatchObject({ reason: "server_error" });
    expect(await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).toMatchObject({ syncStatus: "failed", syncAttempts: 1 });

    const retried = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
    expect(retried).toMatchObject({ status: "written", tagsAdded: ["tierline:bronze"] });
    expect(await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).toMatchObject({ syncStatus: "synced", syncAttempts: 0 });
  });

  describe("in the worker and on tag webhooks", () => {
    const log = createLogger("test", "error");
    const processor = (adminForShop: (shop: string) => Promise<AdminRunner> = () => adminFor()()) =>
      createTierRecomputeProcessor({ db, queues: {} as JobQueues, log, now: () => NOW, adminFor: adminForShop });
    const job = (customerGid: string, cause: TierRecomputeCause = "order") => ({ data: { shop: SHOP, customerGid, cause } }) as Job<{ shop: string; customerGid: string; cause: TierRecomputeCause }>;

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

    it("the tier job recomputes, then writes the tier to Shopify", async () => {
      const gid = await memberWithSpend(["vip"], 80_000);
      const result = await processor()(job(gid));
      expect(result).toMatchObject({ tierKey: "silver", sync: "written", tagsAdded: ["tierline:silver"] });
      expect((await simCustomer(gid)).tags.sort()).toEqual(["tierline:silver", "vip"]);
      expect(await processor()(job(gid))).toMatchObject({ sync: "unchanged", reads: 0 });
    });

    it("an uninstalled shop (no session) is skipped without retries", async () => {
      const gid = await memberWithSpend([], 90_000);
      const gone = processor(async () => {
        throw new SessionNotFoundError("no offline session");
      });
      await expect(gone(job(gid))).resolves.toMatchObject({ sync: "skipped", note: "session_missing" });
      expect(await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).toMatchObject({ syncStatus: "failed" });
    });

    it("ignores echoes and merchant tags; corrects a merchant's removal of the tier tag", async () => {
      const gid = await memberWithSpend(["vip"], 210_000);
      await processor()(job(gid));
      expect(await tagWebhook("customer.tags_added", gid, ["tierline:gold"])).toMatchObject({ outcome: { note: "echo of Tierline's own write" }, requested: [] });
      expect(await tagWebhook("customer.tags_added", gid, ["vip", "spring-sale"])).toMatchObject({ outcome: { note: "no Tierline tag involved" }, requested: [] });

      await control("POST", `/shops/${SHOP}/customers/${encodeURIComponent(gid)}`, { removeTags: ["tierline:gold"] });
      const removal = await tagWebhook("customer.tags_removed", gid, ["tierline:gold"]);
      expect(removal.outcome.note).toMatch(/correcting/);
      expect(removal.requested).toEqual([gid]);
      expect(await processor()(job(gid, "customer"))).toMatchObject({ sync: "written", tagsAdded: ["tierline:gold"], metafieldsSet: 0 });
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
          if (query.includes("mutation TagsAdd")) echoes.push((await tagWebhook("customer.tags_added", gid, variables?.tags as string[])).outcome);
          return response;
        },
      };
      await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: async () => createAdminRunner(client, runnerOptions()) });
      expect(echoes).toEqual([{ status: "processed", note: "echo of Tierline's own write" }]);
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
      await expect(syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: async () => createAdminRunner(failTags, runnerOptions()) })).rejects.toMatchObject({ reason: "server_error" });
      expect(await db.customer.findUniqueOrThrow({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } } })).toMatchObject({ writtenTierTag: "tierline:silver", writtenDigest: null, syncStatus: "failed" });
      const retried = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor() });
      expect(retried).toMatchObject({ status: "written", reads: 1, tagsAdded: ["tierline:silver"], metafieldsSet: [] });
    });

    it("respects a merchant's tag edit on a pinned member", async () => {
      const gid = await memberWithSpend([], 70_000);
      await db.customer.update({ where: { shop_customerGid: { shop: SHOP, customerGid: gid } }, data: { pinnedTierKey: "gold" } });
      await processor()(job(gid, "manual"));
      expect((await simCustomer(gid)).tags).toEqual(["tierline:gold"]);

      await control("POST", `/shops/${SHOP}/customers/${encodeURIComponent(gid)}`, { removeTags: ["tierline:gold"] });
      const removal = await tagWebhook("customer.tags_removed", gid, ["tierline:gold"]);
      expect(removal).toMatchObject({ requested: [] });
      expect(removal.outcome.note).toMatch(/pinned member/);
      const forced = await syncCustomerTier({ db, shop: SHOP, customerGid: gid, admin: adminFor(), force: true });
      expect(forced).toMatchObject({ tagsAdded: [], tagsRemoved: [] });
      expect((await simCustomer(gid)).tags).toEqual([]);
    });
  });
});
