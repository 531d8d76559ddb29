// Entry of the web process (`npm start`): validates the environment, applies
// migrations, then serves Remix and the webhook fast path on PORT.
import path from "node:path";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { envOrExit } from "../env.server.ts";
import { createLogger } from "../logger.server.ts";
import { answersWithin } from "../health.server.ts";

const log = createLogger("web");

/** How long requests in flight may take to finish after SIGTERM (under a platform's usual 30 s grace). */
const SHUTDOWN_DEADLINE_MS = 20_000;


async function main(): Promise<void> {
  const config = envOrExit();
  // Production unless NODE_ENV says otherwise (the libraries loaded below read it).
  process.env.NODE_ENV = config.NODE_ENV;
  const { db, databaseTarget, projectRoot } = await import("../db.server.ts");
  const { applyMigrations } = await import("../adapters/db/migrate.server.ts");
  const target = databaseTarget();
  await applyMigrations(target);

  const buildPath = path.join(projectRoot, "build/index.js");
  if (!existsSync(buildPath)) {
    console.error("No Remix build at build/index.js: run `npm run build` first.");
    process.exit(1);
  }
  const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
  const { createWebhookSignatureCheck } = await import("../adapters/shopify/webhook-signature.server.ts");
  const { jobQueues, closeJobQueues, pingQueueRedis } = await import("../adapters/queues/queues.server.ts");
  const { DeliveryRecorder } = await import("../webhooks/delivery-recorder.server.ts");
  const { createWebhookIntake } = await import("../webhooks/webhook-intake.server.ts");
  const { createInstalledShopCheck } = await import("../webhooks/installed-shops.server.ts");
  const { createWebServer } = await import("./web-server.ts");
  const { trackHttpDrain } = await import("./graceful-shutdown.ts");
  const { createRemixHandler } = await import("./remix-request-handler.ts");
  const { createStaticHandler } = await import("./static-files.ts");
  const { checkoutPromiseFastPath } = await import("./checkout-promise-fast-path.ts");
  const { appOriginOf, createSessionTokenVerifier } = await import("../adapters/shopify/checkout-session-token.server.ts");
  const { createCheckoutPromiseLookup } = await import("../use-cases/checkout-promise.server.ts");

  const queues = jobQueues();
  const { createDeliveryWriter } = await import("../webhooks/delivery-writer.server.ts");
  const deliveryWriter = await createDeliveryWriter(target);
  // Batches written (one INSERT each on PostgreSQL), for the scale-out benchmark's statements per order.
  let deliveryBatches = 0;
  // Deliveries within 100 ms of each other share one job: the worker pays a job's fetch, finish and
  // wake-up (about 1 ms of CPU on a shared machine, docs/decisions/0020) once for them all; Shopify
  // waits 5 s for the answer, the delivery 100 ms more at most.
  const recorder = new DeliveryRecorder({ writer: { ...deliveryWriter, write: (rows) => (deliveryBatches++, deliveryWriter.write(rows)) }, queue: queues.webhooks, gatherMs: 100 });
  const { statementCount } = await import("../adapters/db/statement-driver.server.ts");
  process.on("message", (message: { type?: string }) => {
    if (message?.type === "statement-count") process.send?.({ type: "statement-count", ...statementCount, deliveryBatches });
  });
  const receiveWebhook = createWebhookIntake({
    verifyHmac: createWebhookSignatureCheck({ apiSecret: config.SHOPIFY_API_SECRET }),
    isInstalled: createInstalledShopCheck(db),
    recorder,
    log,
  });

  const server = createWebServer({
    receiveWebhook,
    serveStatic: createStaticHandler(path.join(projectRoot, "public")),
    remix: createRemixHandler(build, config.NODE_ENV),
    // Called by checkout for every buyer; other methods reach app/routes/api.checkout.promise.tsx.
    fastRoutes: [
      checkoutPromiseFastPath({
        pathname: "/api/checkout/promise",
        verify: createSessionTokenVerifier({ apiKey: config.SHOPIFY_API_KEY, apiSecret: config.SHOPIFY_API_SECRET, appUrl: config.SHOPIFY_APP_URL }),
        lookup: createCheckoutPromiseLookup(db),
        apiKey: config.SHOPIFY_API_KEY,
        appOrigin: appOriginOf(config.SHOPIFY_APP_URL),
      }),
    ],
    health: () => webHealth(),
    onError: (error) => log.error("request failed", { error: error instanceof Error ? error.stack : String(error) }),
  });
  const drain = trackHttpDrain(server);
  // Ready while draining is not under way and the database and Redis answer (each within 1 s).
  const webHealth = async () => {
    if (drain.draining) return { ok: false, draining: true };
    const [database, redis] = await Promise.all([
      answersWithin(() => db.$queryRawUnsafe("SELECT 1")),
      answersWithin(pingQueueRedis),
    ]);
    return { ok: database && redis, database: database ? target.kind : "unreachable", redis: redis ? "ok" : "unreachable" };
  };
  server.listen(config.PORT, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    log.info("Tierline web listening", { port, url: config.SHOPIFY_APP_URL, database: target.kind });
    process.send?.({ type: "listening", port });
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info("shutting down", { signal, inFlight: drain.inFlight });
    // Requests in flight (a webhook being stored and queued) finish before Redis and the database close.
    const { forced } = await drain.drain(SHUTDOWN_DEADLINE_MS);
    if (forced) log.warn("requests still open at the shutdown deadline were cut", { deadlineMs: SHUTDOWN_DEADLINE_MS });
    await closeJobQueues().catch(() => {});
    await deliveryWriter.close().catch(() => {});
    await db.$disconnect().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
