// The edge modules loaded by the simulator server itself: the project's
// shopify.app.toml drives the subscriptions, and the fault switches reach the
// Admin API endpoint.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../server.ts";
import { adminEdgeOf } from "../admin/index.ts";
import { PROJECT_APP_TOML } from "../admin/app-config.ts";
import { readAppTomlFile } from "./app-toml.ts";
import { webhooksEdgeOf } from "./index.ts";

const SHOP = "edge.myshopify.com";
let sim: RunningSimulator;
let receiver: Server;
const topics: string[] = [];
const bodies: { topic: string; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    topics.push(`${req.headers["x-shopify-topic"]} ${req.url}`);
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      bodies.push({ topic: String(req.headers["x-shopify-topic"]), body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  sim = await startSimulator({ appUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, apiKey: "edge-key", apiSecret: "edge-secret" });
});

afterAll(async () => {
  await sim.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const graphql = (token: string, query = "{ shop { name } }", variables?: object) =>
  fetch(`${sim.origin}/admin/api/2026-01/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Forwarded-Host": SHOP },
    body: JSON.stringify({ query, variables }),
  });

describe("edge modules inside the simulator server", () => {
  it("registers the routes and reads the project's shopify.app.toml", async () => {
    const routes = (await (await fetch(`${sim.origin}/_sim/routes`)).json()).routes.map((r: { method: string; pattern: string }) => `${r.method} ${r.pattern}`);
    for (const r of ["POST /admin/oauth/access_token", "GET /_sim/app-bridge.js", "GET /_sim/webhooks", "POST /_sim/faults", "GET /_sim/admin/:shop/apps/:handle"]) {
      expect(routes).toContain(r);
    }
    const toml = readAppTomlFile(PROJECT_APP_TOML);
    const webhooks = webhooksEdgeOf(sim.store)!;
    expect(webhooks.delivery.settings.apiVersion).toBe(toml.webhooksApiVersion);
    expect(webhooks.delivery.endpointsFor("customer.tags_added")).toEqual([`${webhooks.delivery.settings.appUrl}/webhooks/customer/tags_added`]);
    expect(webhooks.delivery.endpointsFor("shop/redact")).toEqual([`${webhooks.delivery.settings.appUrl}/webhooks/compliance`]);
    expect(adminEdgeOf(sim.store)!.app).toMatchObject({ apiKey: "edge-key", appHandle: toml.handle ?? "tierline", scopes: toml.scopes });
  });

  it("delivers the store's changes to the app, and applies Admin API faults", async () => {
    const { shop } = sim.store.createShop({ domain: SHOP, install: { apiKey: "edge-key" } });
    const token = shop.installation!.accessToken;
    sim.store.createCustomer(SHOP, { email: "a@example.com", firstName: "A", lastName: "B" });
    await webhooksEdgeOf(sim.store)!.delivery.idle();
    expect(topics).toContain("customers/create /webhooks/customers/create");

    expect((await graphql(token)).status).toBe(200);

    const set = (adminApi: object) => fetch(`${sim.origin}/_sim/faults`, { method: "POST", body: JSON.stringify({ adminApi }) });
    await set({ errorProbability: 1, errorStatus: 502 });
    expect((await graphql(token)).status).toBe(502);

    await set({ errorProbability: 0, dropProbability: 1 });
    await expect(graphql(token)).rejects.toThrow();

    await set({ dropProbability: 0, slowProbability: 1, slowMs: 200 });
    const t0 = Date.now();
    expect((await graphql(token)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);

    await set({ slowProbability: 0, throttledProbability: 1 });
    const throttled = await graphql(token);
    expect(throttled.status).toBe(200);
    expect((await throttled.json()).errors[0].extensions.code).toBe("THROTTLED");

    await set({ throttledProbability: 0, tooManyRequestsProbability: 1 });
    const refused = await graphql(token);
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, "1"]);
    await set({ tooManyRequestsProbability: 0 });
    const { counts } = await (await fetch(`${sim.origin}/_sim/faults`)).json();
    expect(counts).toMatchObject({ adminError: 1, adminDropped: 1, adminSlow: 1, adminThrottled: 1, adminTooManyRequests: 1 });

    await set({ throttlePressure: 500 });
    const body = await (await graphql(token)).json();
    expect(body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(body.extensions.cost.throttleStatus.maximumAvailable - 400);

    await fetch(`${sim.origin}/_sim/faults`, { method: "DELETE" });
    expect((await graphql(token)).status).toBe(200);
  });

  it("fires customer.tags_added / customer.tags_removed back at the app for the tag changes it makes itself", async () => {
    const { shop } = sim.store.findShop(SHOP)!;
    const customer = sim.store.createCustomer(SHOP, { email: "echo@example.com" });
    const edge = webhooksEdgeOf(sim.store)!;
    await edge.delivery.idle();
    bodies.length = 0;
    const token = shop.installation!.accessToken;
    const add = await graphql(token, "mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }", { id: customer.gid, tags: ["tier:gold"] });
    expect((await add.json()).data.tagsAdd.userErrors).toEqual([]);
    const remove = await graphql(token, "mutation($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { userErrors { message } } }", { id: customer.gid, tags: ["tier:gold"] });
    expect((await remove.json()).data.tagsRemove.userErrors).toEqual([]);
    await edge.delivery.idle();
    // Deliveries carry no ordering guarantee: compare in topic order.
    const echoes = bodies.filter((b) => b.topic.startsWith("customer.tags_")).map((b) => [b.topic, JSON.parse(b.body)]);
    expect(echoes.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ["customer.tags_added", { customerId: customer.gid, tags: ["tier:gold"], occurredAt: expect.any(String) }],
      ["customer.tags_removed", { customerId: customer.gid, tags: ["tier:gold"], occurredAt: expect.any(String) }],
    ]);
  });
});
