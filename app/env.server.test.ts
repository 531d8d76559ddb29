import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.server.ts";

const base = { SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example.com", SCOPES: "read_orders" };

describe("environment", () => {
  it("applies the documented defaults", () => {
    const env = parseEnv(base);
    expect(env).toMatchObject({ PORT: 3000, DATABASE_URL: "file:.data/tierline.db", REDIS_URL: "redis://127.0.0.1:6379", WORKER_CONCURRENCY: 8 });
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
});
