// The app's webhook intake, wired as app/server/web-process.ts wires it
// (createWebServer + createWebhookIntake + the signature check + the installed-shop
// check + DeliveryRecorder into the writer thread's SQLite and BullMQ), on a temp
// SQLite file and the benchmark's private Redis. Only /webhooks/* is hit, so the
// Remix handler is a stand-in answering 404.
//
// Environment (set by webhook-intake.bench.ts): DATABASE_URL (file:…), REDIS_URL,
// QUEUE_PREFIX, SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL, BENCH_SHOP.
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { cpuSecondsOfThisProcess, serveParent } from "../support/child-server.ts";
import { mainThreadCpuSeconds } from "./thread-cpu.ts";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const databaseUrl = required("DATABASE_URL");
  const { createDb, databaseTarget } = await import("../../app/db.server.ts");
  const { applyMigrations } = await import("../../app/adapters/db/migrate.server.ts");
  const { createLogger } = await import("../../app/logger.server.ts");
  const { createWebhookSignatureCheck } = await import("../../app/adapters/shopify/webhook-signature.server.ts");
  const { createJobQueues } = await import("../../app/adapters/queues/job-queues.server.ts");
  const { createProducerConnection } = await import("../../app/adapters/queues/redis-connection.server.ts");
  const { DeliveryRecorder } = await import("../../app/webhooks/delivery-recorder.server.ts");
  const { createWebhookIntake } = await import("../../app/webhooks/webhook-intake.server.ts");
  const { createInstalledShopCheck } = await import("../../app/webhooks/installed-shops.server.ts");
  const { createWebServer } = await import("../../app/server/web-server.ts");

  const target = databaseTarget(databaseUrl);
  await applyMigrations(target);
  const db = createDb(target);
  const shop = required("BENCH_SHOP");
  await db.shop.create({ data: { domain: shop, name: "Bench shop", scopes: "read_orders" } });

  const log = createLogger("web");
  const connection = createProducerConnection(required("REDIS_URL"));
  connection.on("error", () => {});
  if (connection.status !== "ready") await once(connection, "ready");
  const queues = createJobQueues(connection, required("QUEUE_PREFIX"));

  const { createDeliveryWriter } = await import("../../app/webhooks/delivery-writer.server.ts");
  const writer = await createDeliveryWriter(target);
  const recorder = new DeliveryRecorder({ writer, queue: queues.webhooks });
  const receiveWebhook = createWebhookIntake({
    verifyHmac: createWebhookSignatureCheck({ apiSecret: required("SHOPIFY_API_SECRET") }),
    isInstalled: createInstalledShopCheck(db),
    recorder,
    log,
  });
  const notFound = async (_req: unknown, res: ServerResponse) => {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
  };
  const server = createWebServer({
    receiveWebhook,
    remix: notFound,
    health: async () => ({ ok: true, database: target.kind }),
    onError: (error) => log.error("request failed", { error: error instanceof Error ? error.stack : String(error) }),
  });

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    await queues.close().catch(() => {});
    await writer.close().catch(() => {});
    connection.disconnect();
    await db.$disconnect().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  serveParent(
    {
      cpu: () => cpuSecondsOfThisProcess(),
      // The event loop's own share (the app also writes from a worker thread).
      mainThreadCpu: () => mainThreadCpuSeconds(),
      // What the app itself has kept: read back through its own database client.
      storedIds: async () => (await db.webhookDelivery.findMany({ select: { webhookId: true } })).map((row) => row.webhookId),
    },
    () => void shutdown()
  );

  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
