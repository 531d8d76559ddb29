// The baseline: the least a correct intake can do. Plain node:http, the HMAC
// check with node:crypto (HMAC-SHA256 of the raw body, base64, constant-time
// compare), one BullMQ Queue.add keyed by the webhook id, then 200.
//
// Environment: REDIS_URL, SHOPIFY_API_SECRET, BARE_QUEUE_PREFIX.
import { createHmac, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { DEFAULT_JOB_OPTIONS } from "../../app/adapters/queues/job-queues.server.ts";
import { jobIdFor } from "../../app/adapters/queues/queue-registry.ts";
import { cpuSecondsOfThisProcess, serveParent } from "../support/child-server.ts";
import { mainThreadCpuSeconds } from "./thread-cpu.ts";

const secret = process.env.SHOPIFY_API_SECRET ?? "";
const redisUrl = process.env.REDIS_URL ?? "";
if (!secret || !redisUrl) throw new Error("SHOPIFY_API_SECRET and REDIS_URL must be set");

function reply(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function header(req: http.IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

async function main(): Promise<void> {
  const connection = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  connection.on("error", () => {});
  if (connection.status !== "ready") await once(connection, "ready");
  // Same job options as the app's queues, so both write the same job to Redis.
  const queue = new Queue("bare-webhooks", {
    connection,
    prefix: `{${process.env.BARE_QUEUE_PREFIX ?? "bench-bare"}}`,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const expected = createHmac("sha256", secret).update(body).digest();
      const given = Buffer.from(header(req, "x-shopify-hmac-sha256"), "base64");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(res, 401, "invalid signature");
      const webhookId = header(req, "x-shopify-webhook-id");
      const topic = header(req, "x-shopify-topic");
      const shop = header(req, "x-shopify-shop-domain");
      queue.add(topic, { webhookId, shop, topic }, { jobId: jobIdFor("wh", webhookId) }).then(
        () => reply(res, 200, "ok"),
        () => reply(res, 503, "not queued")
      );
    });
  });
  server.keepAliveTimeout = 65_000;

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    await queue.close().catch(() => {});
    connection.disconnect();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  serveParent({ cpu: () => cpuSecondsOfThisProcess(), mainThreadCpu: () => mainThreadCpuSeconds() }, () => void shutdown());

  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
