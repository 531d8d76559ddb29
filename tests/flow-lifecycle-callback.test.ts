// Shopify Flow's trigger lifecycle callback through the real web process, on both databases: the
// simulator plays the merchant enabling and disabling workflows (signed with the app secret, sent to
// each trigger's lifecycle_callback_url), and the app records which triggers each shop uses. A forged
// or unsigned callback is refused with nothing stored; a late, older callback changes nothing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, startWebProcess, TEST_API_KEY, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { startSimulator, type RunningSimulator } from "../simulator/server.ts";
import { flowLifecycleBody } from "../simulator/webhooks/flow-lifecycle.ts";
import { flowTriggersInUse } from "../app/use-cases/flow-trigger-use.server.ts";
import { signBody } from "./support/signed-webhook.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "flow-lifecycle.myshopify.com";

describe.each(DATABASE_KINDS)("Flow trigger lifecycle callbacks on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let sim: RunningSimulator;
  let appUrl: string;

  const workflow = async (handle: string, enabled: boolean) => {
    const res = await fetch(`${sim.origin}/_sim/shops/${SHOP}/flow-workflows`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ handle, enabled }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = (body: string, hmac: string | null) =>
    fetch(new URL("/flow/lifecycle", appUrl), { method: "POST", headers: { "Content-Type": "application/json", ...(hmac === null ? {} : { "X-Shopify-Hmac-Sha256": hmac }) }, body });

  beforeAll(async () => {
    database = await createTestDatabase(kind, "flowlife");
    redis = await PrivateRedis.start();
    ({ proc: web, url: appUrl } = await startWebProcess(appEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: `f${randomUUID().slice(0, 8)}` })));
    sim = await startSimulator({ apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl, edgeModules: true });
    const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: SHOP }) });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await sim?.close();
    await web?.kill();
    await redis?.stop();
    await database?.drop();
  });

  it("a forged or unsigned callback is refused and nothing is stored", async () => {
    const body = flowLifecycleBody({ shopId: "1", shop: SHOP, handle: "member-tier-changed", enabled: true, timestamp: new Date() });
    expect((await post(body, signBody(body, "not-the-app-secret"))).status).toBe(401);
    expect((await post(body, null)).status).toBe(401);
    // Signed, then altered on the way.
    expect((await post(body.replace("true", "false"), signBody(body, TEST_API_SECRET))).status).toBe(401);
    expect(await database.db.flowTriggerUse.count()).toBe(0);
  });

  it("enabling and disabling a workflow in Flow turns each trigger on and off for the shop", async () => {
    expect(await flowTriggersInUse(database.db, SHOP)).toEqual(new Set());
    expect(await workflow("member-tier-changed", true)).toMatchObject({ status: 200 });
    expect(await flowTriggersInUse(database.db, SHOP)).toEqual(new Set(["member-tier-changed"]));
    expect(await workflow("delivery-promise-at-risk", true)).toMatchObject({ status: 200 });
    expect(await flowTriggersInUse(database.db, SHOP)).toEqual(new Set(["member-tier-changed", "delivery-promise-at-risk"]));
    expect(await workflow("member-tier-changed", false)).toMatchObject({ status: 200 });
    expect(await flowTriggersInUse(database.db, SHOP)).toEqual(new Set(["delivery-promise-at-risk"]));
    expect(await database.db.flowTriggerUse.findMany({ where: { shop: SHOP }, select: { handle: true, enabled: true }, orderBy: { handle: "asc" } })).toEqual([
      { handle: "delivery-promise-at-risk", enabled: true },
      { handle: "member-tier-changed", enabled: false },
    ]);
  });

  it("a callback older than the one recorded changes nothing (they can arrive out of order)", async () => {
    const old = flowLifecycleBody({ shopId: "1", shop: SHOP, handle: "delivery-promise-at-risk", enabled: false, timestamp: new Date("2020-01-01T00:00:00Z") });
    expect((await post(old, signBody(old, TEST_API_SECRET))).status).toBe(200);
    expect(await flowTriggersInUse(database.db, SHOP)).toEqual(new Set(["delivery-promise-at-risk"]));
  });

  it("a signed body that is not a lifecycle callback is a 400", async () => {
    const body = JSON.stringify({ shopify_domain: SHOP });
    expect((await post(body, signBody(body, TEST_API_SECRET))).status).toBe(400);
  });
});
