import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { rmSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { EnvError, parseEnv, redisTargetOf } from "./env.server.ts";

const base = { SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example.com", SCOPES: "read_orders" };

describe("environment", () => {
  it("applies the documented defaults", () => {
    const env = parseEnv(base);
    expect(env).toMatchObject({ PORT: 3000, DATABASE_URL: "file:.data/tierline.db", REDIS_URL: "redis://127.0.0.1:6379", WORKER_CONCURRENCY: 16 });
  });

  it("names every missing variable", () => {
    expect(() => parseEnv({})).toThrow(EnvError);
    try {
      parseEnv({ SHOPIFY_API_KEY: "k" });
    } catch (error) {
      expect((error as Error).message).toMatch(/SHOPIFY_API_SECRET is missing/);
      expect((error as Error).message).toMatch(/SHOPIFY_APP_URL is missing/);
      expect((error as Error).message).toMatch(/SCOPES is missing/);
    }
  });

  it("uses one Redis unless REDIS_CLUSTER_NODES names a cluster, and refuses a malformed node", () => {
    expect(redisTargetOf(parseEnv(base))).toBe("redis://127.0.0.1:6379");
    expect(redisTargetOf(parseEnv({ ...base, REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7000,rediss://u:p@10.0.0.3:7000" }))).toEqual({
      clusterNodes: ["10.0.0.1:7000", "10.0.0.2:7000", "rediss://u:p@10.0.0.3:7000"],
    });
    expect(() => parseEnv({ ...base, REDIS_CLUSTER_NODES: "10.0.0.1:7000,http://x:1" })).toThrow(/REDIS_CLUSTER_NODES is invalid/);
    expect(() => parseEnv({ ...base, REDIS_CLUSTER_NODES: "10.0.0.1:port" })).toThrow(/REDIS_CLUSTER_NODES is invalid/);
  });

  it("refuses the simulator redirect and plain http in production", () => {
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SHOPIFY_API_ORIGIN: "http://127.0.0.1:4000" })).toThrow(/refused when NODE_ENV=production/);
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SHOPIFY_APP_URL: "http://app.example.com" })).toThrow(/https/);
    expect(parseEnv({ ...base, NODE_ENV: "development", SHOPIFY_API_ORIGIN: "http://127.0.0.1:4000" }).SHOPIFY_API_ORIGIN).toBe("http://127.0.0.1:4000");
  });

  it("keeps done webhook payloads 30 days unless told otherwise, and refuses a negative retention", () => {
    expect(parseEnv(base).WEBHOOK_PAYLOAD_RETENTION_DAYS).toBe(30);
    expect(parseEnv({ ...base, WEBHOOK_PAYLOAD_RETENTION_DAYS: "7" }).WEBHOOK_PAYLOAD_RETENTION_DAYS).toBe(7);
    expect(() => parseEnv({ ...base, WEBHOOK_PAYLOAD_RETENTION_DAYS: "-1" })).toThrow(/WEBHOOK_PAYLOAD_RETENTION_DAYS is invalid/);
  });

  it("is production unless NODE_ENV says otherwise", () => {
    expect(parseEnv(base).NODE_ENV).toBe("production");
    expect(() => parseEnv({ ...base, SHOPIFY_APP_URL: "http://app.example.com" })).toThrow(/https/);
    expect(parseEnv({ ...base, NODE_ENV: "development" }).NODE_ENV).toBe("development");
  });

  it("redirects Shopify traffic only when development or test is asked for, and only to this machine", () => {
    expect(() => parseEnv({ ...base, SHOPIFY_API_ORIGIN: "http://127.0.0.1:4000" })).toThrow(/refused when NODE_ENV=production/);
    for (const origin of ["http://127.0.0.1:4000", "http://[::1]:4711", "http://127.8.0.1"]) {
      expect(parseEnv({ ...base, NODE_ENV: "development", SHOPIFY_API_ORIGIN: origin }).SHOPIFY_API_ORIGIN).toBe(origin);
      expect(parseEnv({ ...base, NODE_ENV: "test", SHOPIFY_API_ORIGIN: origin }).SHOPIFY_API_ORIGIN).toBe(origin);
    }
    // A name is resolved by the system (hosts file, DNS search domains), so even localhost could go
    // elsewhere; an IPv4-mapped or unspecified IPv6 address is not the loopback either.
    for (const origin of ["https://evil.example.com", "http://10.0.0.5:4711", "http://127.0.0.1.evil.example.com", "http://localhost.example.com", "http://localhost:4711", "http://LOCALHOST.:4711", "http://[::ffff:7f00:1]:4711", "http://[::]:4711", "http://0.0.0.0:4711", "http://127.0.0.1@evil.example.com"]) {
      expect(() => parseEnv({ ...base, NODE_ENV: "development", SHOPIFY_API_ORIGIN: origin })).toThrow(/must be a loopback address/);
    }
  });

  it("`npm run worker` without NODE_ENV runs in production, so it refuses the simulator redirect", () => {
    const root = path.resolve(import.meta.dirname, "..");
    // Where a worker that did start (today's default) would put its database; removed after.
    const scratch = path.join(tmpdir(), `tierline-env-${process.pid}`);
    onTestFinished(() => rmSync(scratch, { recursive: true, force: true }));
    const result = spawnSync(process.execPath, ["--import", "tsx", "app/workers/worker-process.ts"], {
      cwd: root,
      encoding: "utf8",
      // No NODE_ENV at all (the cast: Remix's types insist on one).
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...base, SHOPIFY_API_ORIGIN: "http://127.0.0.1:9", DATABASE_URL: `file:${path.join(scratch, "never-opened.db")}` } as unknown as NodeJS.ProcessEnv,
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/SHOPIFY_API_ORIGIN .* refused when NODE_ENV=production/);
  });
});
