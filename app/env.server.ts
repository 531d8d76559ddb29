// The one place the environment is read. Validated when a process starts: a
// missing or malformed variable stops it with a message naming the variable.
import { z } from "zod";

const optionalUrl = z.string().url().optional().or(z.literal("").transform(() => undefined));

const EnvSchema = z.object({
  // Production unless said otherwise: `npm start` and `npm run worker` are what a
  // deployment runs; the demo, `npm run dev:web` and the tests set it themselves.
  NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
  SHOPIFY_API_KEY: z.string().min(1, "the app's client id from the Partner dashboard"),
  SHOPIFY_API_SECRET: z.string().min(1, "the app's client secret; signs webhooks and session tokens"),
  SHOPIFY_APP_URL: z.string().url("the public https URL Shopify reaches the app at"),
  SCOPES: z.string().min(1, "comma-separated access scopes, as in shopify.app.toml"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().default("file:.data/tierline.db"),
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  // A Redis Cluster instead of REDIS_URL: its seed nodes, comma-separated, each host:port or a
  // redis(s):// URL (credentials and TLS from the URL). Each queue then gets a slot of its own.
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((node) => node.trim()).filter(Boolean))
    .refine((nodes) => nodes.every(isRedisNode), "comma-separated host:port or redis://host:port entries"),
  // Queue key prefix: lets several deployments (or test runs) share one Redis.
  QUEUE_PREFIX: z.string().default("tierline"),
  // Jobs in flight per queue per worker process. A webhook job mostly waits on Redis round
  // trips, so one process needs many in flight: at 200 orders/s (tier-pipeline bench) 8 let
  // 5,000 deliveries queue up with the worker at a third of a core; 16 kept the queue empty.
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  // A worker process answers GET /healthz on this port when set (200 while its workers run and
  // Redis and the database answer; 503 while it drains after SIGTERM).
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional().or(z.literal("").transform(() => undefined)),
  // How long a worker may hold a job before another worker takes it over (crash recovery).
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  // How long the worker waits for an Admin API answer before giving the call up (it may still
  // have been applied: the write paths read Shopify before writing again).
  SHOPIFY_ADMIN_TIMEOUT_MS: z.coerce.number().int().min(500).default(30_000),
  SHOP_PURGE_DELAY_HOURS: z.coerce.number().min(0).default(48),
  // Stored webhook payloads (personal data) are blanked this long after their delivery is done.
  WEBHOOK_PAYLOAD_RETENTION_DAYS: z.coerce.number().min(0, "days, 0 or more").max(3650).default(30),
  // How often an RFQ sent to a supplier looks for its answer (the answer callback also wakes it at once).
  SUPPLIER_POLL_MS: z.coerce.number().int().min(50).default(30_000),
  // Email RFQs to suppliers without an HTTPS endpoint: smtp(s)://user:password@host:port. Unset:
  // those RFQs are recorded as failed ("email is not set up"). The password belongs here, never in the repo.
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "an smtp:// or smtps:// URL").optional().or(z.literal("").transform(() => undefined)),
  // The From of RFQ emails, e.g. "Acme Buying <buying@acme.example>"; default replenishment@ the app's host.
  SMTP_FROM: z.string().min(3).optional().or(z.literal("").transform(() => undefined)),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  // Development and tests only: send all Shopify traffic (Admin API, token exchange)
  // to this origin instead of https://{shop}. Honoured only with NODE_ENV set to
  // development or test, and only for a loopback address (the local simulator).
  SHOPIFY_API_ORIGIN: optionalUrl,
  // App Bridge script URL (read by @shopify/shopify-app-remix); default is Shopify's CDN.
  APP_BRIDGE_URL: optionalUrl,
});

export type Env = z.infer<typeof EnvSchema>;

/**
 * Whether an origin is this machine: Shopify traffic (with its tokens) may only be redirected there.
 * Loopback IP literals only (127.0.0.0/8, ::1; the URL parser has already normalised forms such
 * as 127.1 or 0x7f000001): a name, even "localhost", is resolved through the hosts file and DNS
 * search domains, which can send it elsewhere.
 */
export function isLoopbackOrigin(origin: string): boolean {
  const host = new URL(origin).hostname;
  return host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function isRedisNode(node: string): boolean {
  try {
    const url = new URL(node.includes("://") ? node : `redis://${node}`);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "" && /^\d*$/.test(url.port);
  } catch {
    return false;
  }
}

/** The Redis the queues live on: the cluster when REDIS_CLUSTER_NODES names one, else REDIS_URL. */
export function redisTargetOf(config: Pick<Env, "REDIS_URL" | "REDIS_CLUSTER_NODES">): string | { clusterNodes: string[] } {
  return config.REDIS_CLUSTER_NODES.length > 0 ? { clusterNodes: config.REDIS_CLUSTER_NODES } : config.REDIS_URL;
}

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return source[name] === undefined || source[name] === ""
        ? `  ${name} is missing: ${issue.message === "Required" ? "required" : issue.message}`
        : `  ${name} is invalid: ${issue.message}`;
    });
    throw new EnvError(`Tierline cannot start; fix these environment variables (see .env.example):\n${lines.join("\n")}`);
  }
  const env = result.data;
  if (env.SHOPIFY_API_ORIGIN && env.NODE_ENV === "production") {
    throw new EnvError(
      "Tierline cannot start: SHOPIFY_API_ORIGIN redirects Shopify traffic (for the local simulator) and is refused when NODE_ENV=production (the default); set NODE_ENV=development to use it.",
    );
  }
  if (env.SHOPIFY_API_ORIGIN && !isLoopbackOrigin(env.SHOPIFY_API_ORIGIN)) {
    throw new EnvError(`Tierline cannot start: SHOPIFY_API_ORIGIN must be a loopback address, as an IP (127.0.0.1 or [::1]; not a name such as localhost, which the resolver could send elsewhere); ${new URL(env.SHOPIFY_API_ORIGIN).hostname} is not.`);
  }
  if (env.NODE_ENV === "production" && !env.SHOPIFY_APP_URL.startsWith("https://")) {
    throw new EnvError("Tierline cannot start: SHOPIFY_APP_URL must be https in production.");
  }
  return env;
}

/** For process entries: the environment, or a clear message and exit code 1. */
export function envOrExit(): Env {
  try {
    return parseEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

let cached: Env | undefined;
export function env(): Env {
  return (cached ??= parseEnv());
}
