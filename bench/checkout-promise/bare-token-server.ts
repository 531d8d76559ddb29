// The benchmark's yardstick: a bare node:http handler that only verifies the checkout session token,
// with the same verifier authenticate.public.checkout uses (@shopify/shopify-api's
// decodeSessionToken: jose, HS256, 10 s clock tolerance), and answers its claims as JSON.
// Environment: SHOPIFY_API_KEY, SHOPIFY_API_SECRET. Tells its parent { type: "listening", port }.
import http from "node:http";
import "@shopify/shopify-api/adapters/node";
import { ApiVersion, shopifyApi } from "@shopify/shopify-api";
import { cpuSecondsOfThisProcess, serveParent } from "../support/child-server.ts";

const api = shopifyApi({
  apiKey: process.env.SHOPIFY_API_KEY!,
  apiSecretKey: process.env.SHOPIFY_API_SECRET!,
  apiVersion: ApiVersion.January26,
  hostName: "127.0.0.1",
  isEmbeddedApp: true,
  logger: { level: 0 },
});

const server = http.createServer(async (req, res) => {
  const header = req.headers.authorization ?? "";
  try {
    const claims = await api.session.decodeSessionToken(header.replace(/^Bearer /, ""), { checkAudience: false });
    const body = JSON.stringify({ dest: claims.dest, sub: claims.sub ?? null });
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), "Access-Control-Allow-Origin": "*" });
    res.end(body);
  } catch {
    res.writeHead(401).end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send?.({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
});
serveParent({ cpu: () => cpuSecondsOfThisProcess() }, () => server.close(() => process.exit(0)));
