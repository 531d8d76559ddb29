// A bulk mutation against the store simulator over HTTP (the real schema, the staged upload as a
// multipart POST, the result file): started, then read once finished, each input line's outcome by
// its line number, refused lines with their userErrors; another bulk mutation running on the shop
// answers null (the caller writes directly), and the two calls are all the bucket pays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../../../simulator/server.ts";
import { AdminCostBudget } from "../admin-cost-budget.ts";
import { createFetchAdminGraphqlClient } from "../admin-graphql-client.ts";
import { createAdminRunner } from "../admin-operation-runner.ts";
import { readBulkMutationResult, startBulkMutation } from "./bulk-mutation.ts";
import { readBulkOperation } from "./bulk-operation-status.ts";
import { TAGS_ADD_MUTATION } from "./tags-add.ts";

const SHOP = "bulk-mutation.myshopify.com";

describe("bulk mutations against the store simulator", () => {
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

  it("adds tags to many orders for 20 points, each line's outcome by its line number once finished", async () => {
    const orders = [...sim.store.shop(SHOP).orders.values()].slice(0, 4);
    const lines = [...orders.map((o) => ({ id: o.gid, tags: ["tierline:silver"] })), { id: "gid://shopify/Order/987654321", tags: ["tierline:silver"] }];
    const before = sim.store.shop(SHOP).pointsSpent;
    const operationGid = await startBulkMutation(runner(), TAGS_ADD_MUTATION, lines);
    expect(operationGid).toMatch(/^gid:\/\/shopify\/BulkOperation\//);
    expect(sim.store.shop(SHOP).pointsSpent - before).toBe(20);
    await sim.admin.bulk.mutations.idle();
    const state = await readBulkOperation(runner(), operationGid!);
    expect(state?.status).toBe("COMPLETED");
    const outcomes = await readBulkMutationResult(state!, [0, 1, 2, 3, 4, 9]);
    expect([0, 1, 2, 3].map((n) => outcomes.get(n)!.data)).toEqual(orders.map(() => ({ tagsAdd: { userErrors: [] } })));
    expect(outcomes.get(4)).toEqual({ data: { tagsAdd: { userErrors: [{ field: ["id"], message: "Order does not exist" }] } }, errors: null });
    // A line the file does not report is an error, never taken as done.
    expect(outcomes.get(9)).toMatchObject({ data: null, errors: [{ message: expect.stringContaining("before this line ran") }] });
    for (const order of orders) expect(sim.store.order(SHOP, order.id).tags).toContain("tierline:silver");
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
      expect(await startBulkMutation(runner(), TAGS_ADD_MUTATION, [{ id: order.gid, tags: ["tierline:gold"] }])).toBeNull();
      expect(sim.store.order(SHOP, order.id).tags).not.toContain("tierline:gold");
    } finally {
      data.bulkOperations.delete("880001");
    }
  });
});
