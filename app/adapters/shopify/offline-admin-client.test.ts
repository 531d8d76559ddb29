// The worker's Admin API client: the offline token from the Session table (cached,
// read again after a 401), GraphQL over node:http, network failures as AdminNetworkError.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../../tests/support/test-database.ts";
import { AdminNetworkError } from "./admin-graphql-client.ts";
import { createOfflineAdminClients } from "./offline-admin-client.server.ts";

const SHOP = "offline-client.myshopify.com";

interface Seen {
  shop: string | undefined;
  token: string | undefined;
  path: string | undefined;
  body: string;
}

describe.each(DATABASE_KINDS)("offline Admin API clients on %s", (kind) => {
  let database: TestDatabase;
  let server: http.Server;
  let origin: string;
  const seen: Seen[] = [];
  let answer: (request: Seen) => { status: number; body: string; headers?: Record<string, string> } | "hang" = () => ({ status: 200, body: "{}" });

  beforeAll(async () => {
    database = await createTestDatabase(kind, "offline_admin");
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const request = { shop: req.headers["x-forwarded-host"] as string | undefined, token: req.headers["x-shopify-access-token"] as string | undefined, path: req.url, body };
        seen.push(request);
        const reply = answer(request);
        if (reply === "hang") return;
        res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await database.db.$disconnect();
    await database.drop();
  });
  afterEach(async () => {
    seen.length = 0;
    await database.db.session.deleteMany({});
  });

  const storeToken = (accessToken: string, expires: Date | null = null) =>
    database.db.session.upsert({
      where: { id: `offline_${SHOP}` },
      create: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken, expires, scope: "read_orders" },
      update: { accessToken, expires },
    });

  it("sends the query with the shop's offline token and answers Shopify's body", async () => {
    await storeToken("shpat_one");
    answer = () => ({ status: 200, body: JSON.stringify({ data: { shop: { name: "Offline" } }, extensions: { cost: { requestedQueryCost: 1 } } }) });
    const clients = createOfflineAdminClients({ db: database.db, origin });
    const client = await clients.clientFor(SHOP);
    const response = await client!.request<{ shop: { name: string } }>("query { shop { name } }", { first: 1 });
    expect(response).toMatchObject({ status: 200, data: { shop: { name: "Offline" } }, errors: null });
    expect(seen).toEqual([{ shop: SHOP, token: "shpat_one", path: expect.stringMatching(/^\/admin\/api\/\d{4}-\d{2}\/graphql\.json$/), body: JSON.stringify({ query: "query { shop { name } }", variables: { first: 1 } }) }]);
    clients.close();
  });

  it("has no client for a shop without an offline session, or with a token that expires (the library refreshes those)", async () => {
    const clients = createOfflineAdminClients({ db: database.db, origin });
    expect(await clients.clientFor(SHOP)).toBeNull();
    await storeToken("shpat_expiring", new Date(Date.now() + 3_600_000));
    expect(await clients.clientFor(SHOP)).toBeNull();
    expect(seen).toHaveLength(0);
    clients.close();
  });

  it("keeps the token for its time to live, and after a 401 reads it again once (a reinstall made a new one)", async () => {
    await storeToken("shpat_old");
    let clock = 0;
    const clients = createOfflineAdminClients({ db: database.db, origin, tokenTtlMs: 60_000, now: () => clock });
    const client = (await clients.clientFor(SHOP))!;
    await storeToken("shpat_new");
    answer = (request) => (request.token === "shpat_new" ? { status: 200, body: '{"data":{"ok":true}}' } : { status: 401, body: '{"errors":"[API] Invalid API key or access token"}' });
    clock = 1_000;
    const response = await client.request("query { ok }");
    expect(response.status).toBe(200);
    expect(seen.map((request) => request.token)).toEqual(["shpat_old", "shpat_new"]);

    // Revoked for good: the second 401 is answered as it came, not retried forever.
    await storeToken("shpat_revoked");
    answer = () => ({ status: 401, body: '{"errors":"[API] Invalid API key or access token"}' });
    seen.length = 0;
    const refused = await client.request("query { ok }");
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toContain("Invalid API key");
    expect(seen.map((request) => request.token)).toEqual(["shpat_new", "shpat_revoked"]);
    clients.close();
  });

  it("passes Retry-After on a 429 and turns a silent server into a network error", async () => {
    await storeToken("shpat_one");
    const clients = createOfflineAdminClients({ db: database.db, origin, timeoutMs: 200 });
    const client = (await clients.clientFor(SHOP))!;
    answer = () => ({ status: 429, body: '{"errors":"Exceeded 2 calls per second"}', headers: { "Retry-After": "2.0" } });
    expect(await client.request("query { ok }")).toMatchObject({ status: 429, retryAfterSeconds: 2 });
    answer = () => "hang";
    await expect(client.request("query { ok }")).rejects.toBeInstanceOf(AdminNetworkError);
    clients.close();
  });
});
