// A bulk mutation against the store simulator over HTTP (the real schema, the staged upload as a
// multipart POST, the result file): each input line's outcome comes back in input order, refused
// lines with their userErrors; another bulk mutation running on the shop answers null (the
// caller writes directly), and the two calls are all the bucket pays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../../../simulator/server.ts";
import { AdminCostBudget } from "../admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../admin-graphql-client.ts";
import { createAdminRunner } from "../admin-operation-runner.ts";
import { runBulkMutation } from "./bulk-mutation.ts";
import { TAGS_ADD_MUTATION } from "./tags-add.ts";

const SHOP = "bulk-mutation.myshopify.com";

describe("runBulkMutation against the store simulator", () => {
  let sim: RunningSimulator;
  let token: string;
  const runner = () => createAdminRunner(createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin }), { budget: new AdminCostBudget() });

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "bulk-key", apiSecret: "bulk-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
    const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: SHOP, seed: 3, size: "tiny" }) });
    ({ accessToken: token } = (await res.json()) as { accessToken: string });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it("adds tags to many orders for 20 points and a point a poll, each line's outcome in input order", async () => {
    const orders = [...sim.store.shop(SHOP).orders.values()].slice(0, 4);
    const lines = [...orders.map((o) => ({ id: o.gid, tags: ["tierline:silver"] })), { id: "gid://shopify/Order/987654321", tags: ["tierline:silver"] }];
    const before = sim.store.shop(SHOP).pointsSpent;
    const outcomes = await runBulkMutation(runner(), TAGS_ADD_MUTATION, lines, { pollMs: 10, maxPolls: 5_000 });
    const spent = sim.store.shop(SHOP).pointsSpent - before;
    expect(outcomes).toHaveLength(5);
    expect(outcomes!.slice(0, 4).map((o) => o.data)).toEqual(orders.map(() => ({ tagsAdd: { userErrors: [] } })));
    expect(outcomes![4]).toEqual({ data: { tagsAdd: { userErrors: [{ field: ["id"], message: "Order does not exist" }] } }, errors: null });
    for (const order of orders) expect(sim.store.order(SHOP, order.id).tags).toContain("tierline:silver");
    // Two mutations at 10; the rest is polls of the operation at 1 point each.
    expect(spent).toBeGreaterThanOrEqual(21);
    expect(sim.store.mutations(SHOP).filter((m) => m.kind === "tagsAdd").map((m) => m.cost)).toEqual([0, 0, 0, 0]);
  });

  it("answers null while another bulk mutation of the app runs on the shop", async () => {
    const data = sim.store.shop(SHOP);
    data.bulkOperations.set("880001", {
      id: "880001", gid: "gid://shopify/BulkOperation/880001", shopDomain: SHOP, type: "MUTATION", status: "RUNNING", errorCode: null, query: "mutation { x }",
      objectCount: "0", rootObjectCount: "0", fileSize: null, filePath: null, url: null, partialDataUrl: null, createdAt: new Date().toISOString(), completedAt: null,
    });
    try {
      const order = [...data.orders.values()][0];
      expect(await runBulkMutation(runner(), TAGS_ADD_MUTATION, [{ id: order.gid, tags: ["tierline:gold"] }], { pollMs: 10 })).toBeNull();
      expect(sim.store.order(SHOP, order.id).tags).not.toContain("tierline:gold");
    } finally {
      data.bulkOperations.delete("880001");
    }
  });
});
