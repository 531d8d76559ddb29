import { describe, expect, it } from "vitest";
import { jobIdFor, QUEUES } from "./queue-registry.ts";

describe("job ids", () => {
  it("never contain ':' and are never all digits (BullMQ refuses both)", () => {
    for (const id of ["gid://shopify/Order/820982911946154508", "820982911946154508", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"]) {
      const jobId = jobIdFor("wh", id);
      expect(jobId).not.toContain(":");
      expect(jobId).not.toMatch(/^\d+$/);
    }
  });

  it("keep distinct ids distinct", () => {
    expect(jobIdFor("tier", "a/b")).not.toBe(jobIdFor("tier", "a_b"));
    expect(jobIdFor("tier", "a:b")).not.toBe(jobIdFor("tier", "a~3a~b"));
  });

  it("validate payloads at the queue boundary", () => {
    expect(QUEUES.webhooks.payload.safeParse({ webhookId: "w", shop: "evil.example.com", topic: "orders/create" }).success).toBe(false);
    expect(QUEUES.tierRecompute.payload.safeParse({ shop: "a.myshopify.com", customerGid: "gid://shopify/Customer/1", cause: "order" }).success).toBe(true);
  });
});
