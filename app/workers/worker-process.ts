// Entry of the worker process (`npm run worker`): runs the BullMQ workers until
// SIGTERM/SIGINT, then closes workers (finishing or releasing the job in hand),
// the database, and Redis, in that order.
import { envOrExit, redisTargetOf } from "../env.server.ts";
import type { AddressInfo } from "node:net";
import { createLogger } from "../logger.server.ts";
import { answersWithin, serveHealth } from "../health.server.ts";

const log = createLogger("worker");

async function main(): Promise<void> {
  const config = envOrExit();
  // Production unless NODE_ENV says otherwise (the libraries loaded below read it).
  process.env.NODE_ENV = config.NODE_ENV;
  const { db, databaseTarget } = await import("../db.server.ts");
  const { applyMigrations } = await import("../adapters/db/migrate.server.ts");
  await applyMigrations(databaseTarget());
  if (config.SHOPIFY_API_ORIGIN) {
    const { installShopifyOriginOverride } = await import("../adapters/shopify/shopify-origin-override.server.ts");
    installShopifyOriginOverride(config.SHOPIFY_API_ORIGIN);
  }
  const { startWorkers } = await import("./start-workers.ts");
  const { createSmtpMailer } = await import("../adapters/suppliers/email-supplier-connector.server.ts");
  const rfqMailer = config.SMTP_URL ? createSmtpMailer({ smtpUrl: config.SMTP_URL, from: config.SMTP_FROM ?? `Tierline <replenishment@${new URL(config.SHOPIFY_APP_URL).hostname}>` }) : null;
  const running = await startWorkers({
    db,
    redis: redisTargetOf(config),
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockMs: config.WORKER_LOCK_MS,
    purgeDelayMs: config.SHOP_PURGE_DELAY_HOURS * 3_600_000,
    payloadRetentionMs: config.WEBHOOK_PAYLOAD_RETENTION_DAYS * 86_400_000,
    appUrl: config.SHOPIFY_APP_URL,
    supplierPollMs: config.SUPPLIER_POLL_MS,
    rfqMailer,
    log,
  });
  let closing = false;
  const health = config.WORKER_HEALTH_PORT === undefined ? null : await serveHealth(config.WORKER_HEALTH_PORT, async () => {
    if (closing) return { ok: false, draining: true };
    const [redis, database] = await Promise.all([answersWithin(running.ping), answersWithin(() => db.$queryRawUnsafe("SELECT 1"))]);
    const stopped = running.workers.filter((w) => !w.isRunning()).map((w) => w.name);
    return { ok: redis && database && stopped.length === 0, redis: redis ? "ok" : "unreachable", database: database ? "ok" : "unreachable", stopped };
  });
  process.send?.({ type: "ready", ...(health ? { healthPort: (health.address() as AddressInfo).port } : {}) });
  // Statements sent so far (hot path and Prisma), for the tier-pipeline benchmark's per-order figures.
  const { statementCount, statementTiming } = await import("../adapters/db/statement-driver.server.ts");
  process.on("message", (message: { type?: string }) => {
    if (message?.type === "statement-count") process.send?.({ type: "statement-count", ...statementCount });
  });
  if (statementTiming) {
    const { writeFileSync } = await import("node:fs");
    process.on("exit", () => {
      const entries = [...statementTiming.entries()];
      const prisma = entries.filter(([sql]) => sql.startsWith("prisma: ")).sort((a, b) => b[1].count - a[1].count).slice(0, 25);
      const rows = [...entries.filter(([sql]) => !sql.startsWith("prisma: ")).sort((a, b) => b[1].ms - a[1].ms).slice(0, 25), ...prisma];
      writeFileSync(process.env.TIERLINE_STATEMENT_TIMING!, rows.map(([sql, t]) => `${t.ms.toFixed(0)} ms ${t.count}x ${(t.ms / t.count).toFixed(3)} ms/each ${sql.slice(0, 160)}`).join("\n") + "\n");
    });
  }

  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info("shutting down", { signal });
    await running.close();
    health?.close();
    rfqMailer?.close();
    await db.$disconnect();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
