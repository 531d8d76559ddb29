// The production client path, end to end: @shopify/shopify-api's GraphQL client
// (as shopify-app-remix's admin.graphql calls it), sent to the store simulator
// through the same origin override the app uses offline, adapted to
// AdminGraphqlClient so every failure comes back as a classified response.
import "@shopify/shopify-api/adapters/node";
import { LogSeverity, Session, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../../simulator/server.ts";
import { adminGraphqlClientFromShopify, createFetchAdminGraphqlClient, type AdminGraphqlClient, type ShopifyAdminGraphql } from "./admin-graphql-client.ts";
import { API_VERSION } from "./api-version.ts";
import { installShopifyOriginOverride } from "./shopify-origin-override.server.ts";
import { errorOfResponse } from "./shopify-errors.ts";

const SHOP = "client-path.myshopify.com";
/** About 100 points: a drained bucket (100 points/s) cannot refill it between the drain and the request. */
const COSTLY = "query Customers { customers(first: 98) { nodes { id } } }";

describe("AdminGraphqlClient over shopify-api and over fetch", () => {
  let sim: RunningSimulator;
  let token: string;
  const control = async (route: string, body: unknown) => {
    const res = await fetch(`${sim.origin}/_sim${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    return res.json() as Promise<Record<string, unknown>>;
  };

  /** What shopify-app-remix's admin.graphql does with the library client (see its graphqlClientFactory). */
  function libraryAdmin(accessToken: string): ShopifyAdminGraphql {
    const api = shopifyApi({
      apiKey: "client-key", apiSecretKey: "client-secret", scopes: ["read_customers"], hostName: "localhost:3000",
      apiVersion: API_VERSION, isEmbeddedApp: true, logger: { level: LogSeverity.Error, log: () => {} },
    });
    const session = new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken });
    return {
      async graphql(query, options) {
        const client = new api.clients.Graphql({ session });
        return new Response(JSON.stringify(await client.request(query, { variables: options?.variables, retries: 0 })));
      },
    };
  }

  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "client-key", apiSecret: "client-secret", appUrl: "http://127.0.0.1:9", edgeModules: false });
    token = (await control("/shops", { shop: SHOP, seed: 3, size: "tiny", now: "2026-11-20T12:00:00Z" })).accessToken as string;
    installShopifyOriginOverride(sim.origin);
  });
  afterAll(() => sim?.close());

  const clients = (): [string, AdminGraphqlClient, AdminGraphqlClient][] => [
    ["shopify-api", adminGraphqlClientFromShopify(SHOP, libraryAdmin(token)), adminGraphqlClientFromShopify(SHOP, libraryAdmin("wrong-token"))],
    ["fetch", createFetchAdminGraphqlClient({ shop: SHOP, accessToken: token, origin: sim.origin }), createFetchAdminGraphqlClient({ shop: SHOP, accessToken: "wrong-token", origin: sim.origin })],
  ];

  it("answers data with the cost extension", async () => {
    for (const [name, client] of clients()) {
      const response = await client.request<{ shop: { myshopifyDomain: string } }>("query ShopName { shop { myshopifyDomain } }");
      expect(response, name).toMatchObject({ status: 200, data: { shop: { myshopifyDomain: SHOP } }, errors: null });
      expect(response.extensions?.cost?.throttleStatus, name).toMatchObject({ maximumAvailable: expect.any(Number) });
      expect(errorOfResponse(response, "ShopName")).toBeNull();
    }
  });

  it("turns THROTTLED (in a 200 body and as HTTP 429), 401 and schema errors into classified responses", async () => {
    for (const [name, client, unauthorized] of clients()) {
      await control(`/shops/${SHOP}/throttle`, { http429: false, drain: 1_000_000 });
      const throttled = await client.request(COSTLY);
      expect(errorOfResponse(throttled, "Customers"), name).toMatchObject({ name: "ShopifyRetryableError", reason: "throttled" });

      await control(`/shops/${SHOP}/throttle`, { http429: true, drain: 1_000_000 });
      const limited = await client.request(COSTLY);
      expect(limited.status, name).toBe(429);
      expect(errorOfResponse(limited, "Customers"), name).toMatchObject({ reason: "throttled" });
      await control(`/shops/${SHOP}/throttle`, { http429: false });
      await new Promise((r) => setTimeout(r, 1_200));

      expect(errorOfResponse(await unauthorized.request("query ShopName { shop { id } }"), "ShopName"), name).toMatchObject({ name: "ShopifyTerminalError", reason: "unauthorized", status: 401 });
      expect(errorOfResponse(await client.request("query Nope { shop { notAField } }"), "Nope"), name).toMatchObject({ name: "ShopifyTerminalError", reason: "query_invalid" });
    }
  });
});
