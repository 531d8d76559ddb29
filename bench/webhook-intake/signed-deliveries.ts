// Realistic signed orders/create deliveries: Shopify's compact JSON body (a
// few KB), every X-Shopify-* header, a fresh X-Shopify-Webhook-Id per delivery.
// Bodies come from a small pool of orders signed up front, so the load
// generator spends its CPU on sending, not on HMACs.
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";

export const REFERENCE_ORDER = new URL("../../simulator/reference/webhooks/orders_create.json", import.meta.url).pathname;

export interface Delivery {
  path: string;
  webhookId: string;
  headers: Record<string, string | number>;
  body: Buffer;
}

// Used when Shopify's reference sample is not on this machine: an order of the same shape and size.
function syntheticOrder(): Record<string, unknown> {
  const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });
  const address = {
    first_name: "Jon",
    last_name: "Snow",
    address1: "123 Amoebobacterial St",
    city: "Ottawa",
    province: "Ontario",
    country: "Canada",
    zip: "K2P0V6",
    phone: "555-625-1199",
    country_code: "CA",
    province_code: "ON",
  };
  const lineItem = (n: number) => ({
    id: 466157049 + n,
    admin_graphql_api_id: `gid://shopify/LineItem/${466157049 + n}`,
    current_quantity: 1,
    fulfillable_quantity: 1,
    fulfillment_service: "manual",
    fulfillment_status: null,
    gift_card: false,
    grams: 567,
    name: `IPod Nano - 8GB ${n}`,
    price: "199.00",
    price_set: money("199.00"),
    product_exists: true,
    product_id: 632910392,
    properties: [],
    quantity: 1,
    requires_shipping: true,
    sku: `IPOD2008PINK${n}`,
    taxable: true,
    title: "IPod Nano - 8GB",
    total_discount: "0.00",
    total_discount_set: money("0.00"),
    variant_id: 808950810,
    variant_inventory_management: "shopify",
    variant_title: null,
    vendor: null,
    tax_lines: [],
    duties: [],
    discount_allocations: [],
  });
  return {
    id: 450789469, // replaced by each variant's order id
    admin_graphql_api_id: "gid://shopify/Order/820982911946154508",
    buyer_accepts_marketing: true,
    contact_email: "jon@example.com",
    created_at: "2021-12-31T19:00:00-05:00",
    currency: "USD",
    current_subtotal_price: "398.00",
    current_subtotal_price_set: money("398.00"),
    current_total_price: "398.00",
    current_total_price_set: money("398.00"),
    email: "jon@example.com",
    financial_status: "paid",
    name: "#9999",
    order_number: 1234,
    processed_at: "2021-12-31T19:00:00-05:00",
    subtotal_price: "388.00",
    subtotal_price_set: money("388.00"),
    tags: "tag1, tag2",
    total_price: "398.00",
    total_price_set: money("398.00"),
    updated_at: "2021-12-31T19:00:00-05:00",
    billing_address: address,
    shipping_address: address,
    customer: {
      id: 207119551,
      email: "john@example.com",
      first_name: "John",
      last_name: "Smith",
      state: "disabled",
      tags: "",
      currency: "USD",
      admin_graphql_api_id: "gid://shopify/Customer/207119551",
      default_address: address,
    },
    line_items: [1, 2, 3, 4, 5].map(lineItem),
    shipping_lines: [{ id: 369256396, code: null, price: "10.00", price_set: money("10.00"), title: "Generic Shipping" }],
    refunds: [],
    fulfillments: [],
    discount_codes: [],
    note_attributes: [],
    tax_lines: [],
  };
}

export interface DeliverySource {
  /** Where the order body came from, for the report. */
  origin: string;
  bodyBytes: number;
  next(): Delivery;
}

export function signedOrderDeliveries(options: {
  secret: string;
  shop: string;
  apiVersion: string;
  fixture?: string;
  variants?: number;
}): DeliverySource {
  const fixture = options.fixture ?? REFERENCE_ORDER;
  const base: Record<string, unknown> = existsSync(fixture) ? JSON.parse(readFileSync(fixture, "utf8")) : syntheticOrder();
  const origin = existsSync(fixture) ? fixture : "synthetic order (reference sample not found)";
  const bodies = Array.from({ length: options.variants ?? 32 }, (_, i) => {
    // Each variant is another order, so not every delivery carries the same bytes.
    const orderId = `82098291194615${String(4508 + i).padStart(4, "0")}`;
    const order = { ...base, admin_graphql_api_id: `gid://shopify/Order/${orderId}`, name: `#${10_000 + i}`, order_number: 10_000 + i };
    const body = Buffer.from(JSON.stringify(order));
    // Shopify's raw body keeps the id as written; JSON.stringify of a rounded number would not.
    const text = body.toString().replace(/^\{"id":[0-9]+/, `{"id":${orderId}`);
    const exact = Buffer.from(text);
    return { body: exact, hmac: createHmac("sha256", options.secret).update(exact).digest("base64"), orderId };
  });
  let i = 0;
  return {
    origin,
    bodyBytes: bodies[0].body.length,
    next(): Delivery {
      const variant = bodies[i++ % bodies.length];
      const webhookId = randomUUID();
      return {
        path: "/webhooks/orders/create",
        webhookId,
        body: variant.body,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": variant.body.length,
          "User-Agent": "Shopify-Captain-Hook",
          Accept: "*/*",
          "X-Shopify-Topic": "orders/create",
          "X-Shopify-Hmac-Sha256": variant.hmac,
          "X-Shopify-Shop-Domain": options.shop,
          "X-Shopify-API-Version": options.apiVersion,
          "X-Shopify-Webhook-Id": webhookId,
          "X-Shopify-Event-Id": randomUUID(),
          "X-Shopify-Triggered-At": new Date().toISOString(),
          "X-Shopify-Order-Id": variant.orderId,
        },
      };
    },
  };
}
