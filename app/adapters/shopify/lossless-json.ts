// JSON.parse that keeps 64-bit integers exact: any integer beyond 2^53 comes back
// as its decimal string. Shopify sends numeric ids (refund.order_id, the compliance
// payloads' customer.id) that plain JSON.parse silently rounds.
// Relies on the reviver's `context.source` (Node >= 21).
export function parseJsonLosslessly(text: string): unknown {
  return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return context.source;
    }
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/** A numeric Shopify id (number or exact string) as its decimal string. */
export function idString(value: unknown): string | null {
  if (typeof value === "string" && /^\d+$/.test(value)) return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return null;
}

export function gid(type: string, id: string): string {
  return `gid://shopify/${type}/${id}`;
}

/**
 * Topics whose handlers read a numeric id (refunds/create's and fulfillments' order_id,
 * which the erasure guard looks up; the compliance payloads' customer and order ids;
 * orders/delete's id): parsed losslessly. Every other
 * handler reads ids from admin_graphql_api_id strings, where plain JSON.parse (about
 * four times cheaper) is exact.
 */
const TOPICS_READING_NUMERIC_IDS = new Set(["refunds/create", "fulfillments/create", "fulfillments/update", "orders/delete", "customers/data_request", "customers/redact", "shop/redact"]);

export function parseWebhookPayload(topic: string, text: string): unknown {
  return TOPICS_READING_NUMERIC_IDS.has(topic) ? parseJsonLosslessly(text) : JSON.parse(text);
}
