import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PayloadError } from "../adapters/shopify/webhook-payloads.ts";
import { fulfillmentOrdersNamed } from "./apply-fulfillment-order-webhook.server.ts";

const sample = (topic: string) => JSON.parse(readFileSync(path.resolve(import.meta.dirname, `../../simulator/reference/webhooks/${topic}.json`), "utf8"));

describe("fulfillment orders a split, merge or move names", () => {
  it("split: the split one, the remaining and the replacement", () => {
    expect(fulfillmentOrdersNamed(sample("fulfillment_orders_split")).sort()).toEqual(["gid://shopify/FulfillmentOrder/1", "gid://shopify/FulfillmentOrder/2", "gid://shopify/FulfillmentOrder/3"]);
  });

  it("merged: the surviving one and every merged one (numeric ids)", () => {
    expect(fulfillmentOrdersNamed(sample("fulfillment_orders_merged")).sort()).toEqual(["gid://shopify/FulfillmentOrder/1", "gid://shopify/FulfillmentOrder/2"]);
  });

  it("moved: the original and the moved one", () => {
    expect(fulfillmentOrdersNamed(sample("fulfillment_orders_moved")).sort()).toEqual(["gid://shopify/FulfillmentOrder/1", "gid://shopify/FulfillmentOrder/2"]);
  });

  it("refuses what is not an object, and names nothing in an unrelated body", () => {
    expect(() => fulfillmentOrdersNamed([])).toThrow(PayloadError);
    expect(fulfillmentOrdersNamed({ id: 5 })).toEqual([]);
  });
});
