// The redirect of Shopify traffic (which carries access tokens) goes nowhere but this machine.
import { describe, expect, it } from "vitest";
import { installShopifyOriginOverride, rewriteShopifyUrl } from "./shopify-origin-override.server.ts";

describe("Shopify origin override", () => {
  it("refuses an origin that is not a loopback address", () => {
    for (const origin of ["https://evil.example.com", "http://192.168.1.20:4711", "http://127.0.0.1.nip.io"]) {
      expect(() => installShopifyOriginOverride(origin)).toThrow(/loopback/);
    }
  });

  it("rewrites a shop's URL to the origin and names the shop", () => {
    expect(rewriteShopifyUrl("https://a-shop.myshopify.com/admin/api/2026-01/graphql.json?x=1", "http://127.0.0.1:4711")).toEqual({ url: "http://127.0.0.1:4711/admin/api/2026-01/graphql.json?x=1", shop: "a-shop.myshopify.com" });
    expect(rewriteShopifyUrl("https://example.com/x", "http://127.0.0.1:4711")).toBeNull();
  });
});
