// Webhook bodies about a person, as Shopify sends them: Shopify's own sample payloads
// (simulator/reference/webhooks) with the person's details wherever the sample has a person's,
// and their ids as bare JSON numbers (beyond 2^53 they must survive exactly).
import { readFileSync } from "node:fs";
import path from "node:path";

const REFERENCE = path.resolve(import.meta.dirname, "../../simulator/reference/webhooks");

export interface Person {
  id: string;
  email: string;
  first: string;
  last: string;
  phone: string;
  address1: string;
  city: string;
  zip: string;
  orders: string[];
}

export const gidOf = (p: Person) => `gid://shopify/Customer/${p.id}`;
export const needlesOf = (p: Person) => [p.id, gidOf(p), p.email, p.first, p.last, p.phone, p.address1, p.city, p.zip, ...p.orders];

export const sample = (name: string) => JSON.parse(readFileSync(path.join(REFERENCE, name), "utf8")) as Record<string, unknown>;

/** Big ids go in as placeholders and come out as bare JSON numbers, exactly. */
export const num = (digits: string) => `__NUM_${digits}__`;
export const toBody = (value: unknown) => JSON.stringify(value).replace(/"__NUM_(\d+)__"/g, "$1");

/** Shopify's sample payload with the person's details wherever the sample has a person's. */
export function personalize(value: unknown, p: Person): unknown {
  if (Array.isArray(value)) return value.map((v) => personalize(v, p));
  if (typeof value !== "object" || value === null) return value;
  const object = { ...(value as Record<string, unknown>) };
  const isPersonish = "first_name" in object || "last_name" in object;
  for (const [key, inner] of Object.entries(object)) {
    if (key === "email" || key === "contact_email") object[key] = p.email;
    else if (key === "first_name") object[key] = p.first;
    else if (key === "last_name") object[key] = p.last;
    else if (key === "name" && isPersonish) object[key] = `${p.first} ${p.last}`;
    else if (key === "phone") object[key] = p.phone;
    else if (key === "address1") object[key] = p.address1;
    else if (key === "city") object[key] = p.city;
    else if (key === "zip") object[key] = p.zip;
    else if (key === "customer_id") object[key] = num(p.id);
    else object[key] = personalize(inner, p);
  }
  return object;
}

export const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });

export function customerBody(p: Person, updatedAt: string): string {
  const body = personalize(sample("customers_create.json"), p) as Record<string, unknown>;
  return toBody({ ...body, id: num(p.id), admin_graphql_api_id: gidOf(p), updated_at: updatedAt, created_at: updatedAt });
}

export function orderBody(p: Person, orderId: string, total: string, updatedAt: string): string {
  const body = personalize(sample("orders_create.json"), p) as Record<string, unknown>;
  const customer = body.customer as Record<string, unknown>;
  return toBody({
    ...body,
    id: num(orderId),
    admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
    created_at: updatedAt,
    processed_at: updatedAt,
    updated_at: updatedAt,
    cancelled_at: null,
    cancel_reason: null,
    test: false,
    // Paid in full: only money received counts (the sample is a voided order).
    financial_status: "paid",
    total_outstanding: "0.00",
    current_total_price: total,
    current_total_price_set: money(total),
    current_shipping_price_set: money("0.00"),
    current_total_tax_set: money("0.00"),
    customer: { ...customer, id: num(p.id), admin_graphql_api_id: gidOf(p) },
  });
}

export function refundBody(p: Person, orderId: string, refundId: string, amount: string, createdAt: string): string {
  const body = personalize(sample("refunds_create.json"), p) as Record<string, unknown>;
  return toBody({
    ...body,
    id: num(refundId),
    admin_graphql_api_id: `gid://shopify/Refund/${refundId}`,
    order_id: num(orderId),
    created_at: createdAt,
    processed_at: createdAt,
    refund_line_items: [],
    refund_shipping_lines: [],
    order_adjustments: [],
    transactions: [{ id: 1, order_id: num(orderId), kind: "refund", status: "success", amount, currency: "USD", gateway: "bogus" }],
  });
}

export function fulfillmentBody(p: Person, orderId: string): string {
  const body = personalize(sample("fulfillments_create.json"), p) as Record<string, unknown>;
  return toBody({ ...body, order_id: num(orderId) });
}

export const tagsBody = (p: Person, tags: string[]) => toBody({ ...sample("customer_tags_added.json"), customerId: gidOf(p), tags });

export function complianceBody(shop: string, p: Person, kind: "customers/data_request" | "customers/redact"): string {
  const customer = { id: num(p.id), email: p.email, phone: p.phone };
  return kind === "customers/redact"
    ? toBody({ shop_id: 1, shop_domain: shop, customer, orders_to_redact: p.orders.map(num) })
    : toBody({ shop_id: 1, shop_domain: shop, customer, orders_requested: p.orders.map(num), data_request: { id: 9999 } });
}
