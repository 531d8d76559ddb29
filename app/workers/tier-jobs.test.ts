// The tier job's default Admin client, as the worker process builds it: the shop's
// stored offline session → shopify-app-remix's unauthenticated.admin → the origin
// override (SHOPIFY_API_ORIGIN) → the store simulator. Then a recomputation and the shop's sync.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/server.ts";
import { saveOrderSnapshot } from "../adapters/db/ledger-repository.server.ts";
import { applyMigrations } from "../adapters/db/migrate.server.ts";
import { customersTagsAndMetafieldsOperation } from "../adapters/shopify/admin-operations/customer-tags-and-metafields.ts";
import { classifyShopifyError } from "../adapters/shopify/shopify-errors.ts";
import { createDb, databaseTarget, type Db } from "../db.server.ts";
import { recomputeCustomerTier } from "../use-cases/recompute-customer-tier.server.ts";
import { syncShopTiers } from "../use-cases/sync-shop-tiers.server.ts";
import { shopifyAdminRunner } from "./tier-jobs.ts";

// shopify.server.ts reads the environment and opens the process's database when first
// loaded: point both at this test's own before anything loads.
const setup = await vi.hoisted(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "tierline-jobs-"));
  const url = `file:${join(dir, "jobs.db")}`;
  Object.assign(process.env, { SHOPIFY_API_KEY: "jobs-key", SHOPIFY_API_SECRET: "jobs-secret", SHOPIFY_APP_URL: "https://jobs.example", SCOPES: "read_customers,write_customers", DATABASE_URL: url, LOG_LEVEL: "error" });
  return { dir, url };
});

const SHOP = "tier-jobs.myshopify.com";
const NOW = new Date("2026-11-20T12:00:00Z");

describe("tier job with the shop's offline session", () => {
  let sim: RunningSimulator;
  let db: Db;
  let customerGid: string;

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "jobs-key", apiSecret: "jobs-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
    process.env.SHOPIFY_API_ORIGIN = sim.origin;
    const created = await (await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: SHOP, seed: 5, size: "tiny", now: NOW.toISOString() }) })).json() as { accessToken: string };
    const customer = await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/customers`, { method: "POST", body: JSON.stringify({ email: "job@example.com", tags: ["wholesale"] }) })).json() as { customer: { gid: string } };
    customerGid = customer.customer.gid;
    await applyMigrations(databaseTarget(setup.url));
    db = createDb(databaseTarget(setup.url));
    // What token exchange stores at install.
    await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, scope: "read_customers,write_customers", accessToken: created.accessToken } });
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
    await saveOrderSnapshot(db, SHOP, { orderId: "gid://shopify/Order/42", customerId: customerGid, processedAt: NOW, updatedAt: NOW, currency: "USD", currentTotalMinor: 99_000, currentShippingMinor: 0, currentTaxMinor: 0, cancelledAt: null, test: false }, "#42");
  });

  afterAll(async () => {
    await db?.$disconnect();
    await sim?.close();
    rmSync(setup.dir, { recursive: true, force: true });
  });

  it("reaches the simulator through unauthenticated.admin", async () => {
    const runner = await shopifyAdminRunner(SHOP);
    const data = await runner.run(customersTagsAndMetafieldsOperation, { ids: [customerGid], namespace: "$app", withMetafields: true });
    expect(data.nodes[0]).toMatchObject({ id: customerGid, tags: ["wholesale"] });
  });

  it("the shop's tier sync writes the recomputed tier with the default client", async () => {
    const recomputed = await recomputeCustomerTier({ db, shop: SHOP, customerGid, cause: "order", now: NOW });
    expect(recomputed).toMatchObject({ tierKey: "silver", changed: true });
    const result = await syncShopTiers({ db, shop: SHOP, admin: () => shopifyAdminRunner(SHOP), now: () => NOW });
    expect(result).toMatchObject({ written: 1, reads: 1, tagsAdded: 1 });
    const customer = await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/customers/${encodeURIComponent(customerGid)}`)).json() as { customer: { tags: string[] } };
    expect(customer.customer.tags.sort()).toEqual(["tierline:silver", "wholesale"]);
  });

  it("a shop without a session is a terminal failure", async () => {
    const error = await shopifyAdminRunner("never-installed.myshopify.com").catch((e: unknown) => e);
    expect(classifyShopifyError(error)).toMatchObject({ name: "ShopifyTerminalError", reason: "session_missing" });
  });
});
