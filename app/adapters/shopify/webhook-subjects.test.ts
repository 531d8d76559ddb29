import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseWebhookPayload } from "./lossless-json.ts";
import { numericIdOf, webhookSubjects } from "./webhook-subjects.ts";

// Parsed as the worker parses each topic, so a rounded id would show here.
const sample = (name: string, topic: string) => parseWebhookPayload(topic, readFileSync(path.resolve(import.meta.dirname, "../../../simulator/reference/webhooks", name), "utf8"));

describe("whom a webhook payload names (Shopify's samples)", () => {
  it("an order names itself and its customer", () => {
    expect(webhookSubjects("orders/updated", sample("orders_updated.json", "orders/updated"))).toEqual({
      customerGids: ["gid://shopify/Customer/115310627314723954"],
      orderGids: ["gid://shopify/Order/820982911946154508"],
    });
  });

  it("refunds and fulfillments name their order by its numeric id, digit for digit", () => {
    // The documentation's samples carry the id already rounded by a JavaScript printer: read as written.
    expect(webhookSubjects("refunds/create", sample("refunds_create.json", "refunds/create"))).toEqual({ customerGids: [], orderGids: ["gid://shopify/Order/820982911946154500"] });
    expect(webhookSubjects("fulfillments/create", sample("fulfillments_create.json", "fulfillments/create"))).toEqual({ customerGids: [], orderGids: ["gid://shopify/Order/820982911946154500"] });
    for (const topic of ["refunds/create", "fulfillments/create", "fulfillments/update"]) {
      expect(webhookSubjects(topic, parseWebhookPayload(topic, '{"order_id":7300000000000000123}'))).toEqual({ customerGids: [], orderGids: ["gid://shopify/Order/7300000000000000123"] });
    }
  });

  it("customer payloads, tag echoes and compliance requests name the customer (and the listed orders)", () => {
    expect(webhookSubjects("customers/update", sample("customers_update.json", "customers/update")).customerGids).toEqual(["gid://shopify/Customer/706405506930370084"]);
    expect(webhookSubjects("customer.tags_added", sample("customer_tags_added.json", "customer.tags_added"))).toEqual({ customerGids: ["gid://shopify/Customer/1"], orderGids: [] });
    expect(webhookSubjects("customers/redact", sample("customers_redact.json", "customers/redact"))).toEqual({
      customerGids: ["gid://shopify/Customer/191167"],
      orderGids: ["gid://shopify/Order/299938", "gid://shopify/Order/280263", "gid://shopify/Order/220458"],
    });
  });

  it("anything else, or a payload that is not an object, names nobody", () => {
    expect(webhookSubjects("inventory_levels/update", sample("inventory_levels_update.json", "inventory_levels/update"))).toEqual({ customerGids: [], orderGids: [] });
    expect(webhookSubjects("orders/updated", null)).toEqual({ customerGids: [], orderGids: [] });
    expect(numericIdOf("gid://shopify/Customer/7300000000000000123")).toBe("7300000000000000123");
  });
});
