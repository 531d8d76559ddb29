// Sends a webhook the way Shopify does: raw JSON body, HMAC-SHA256 (base64) of the
// exact bytes with the app secret, and the X-Shopify-* headers.
import { createHmac, randomUUID } from "node:crypto";

export interface WebhookDelivery {
  topic: string;
  shop: string;
  body: string;
  webhookId?: string;
  eventId?: string;
  secret: string;
  apiVersion?: string;
  /** Override the signature (forged) or drop it (null). */
  hmac?: string | null;
}

export function signBody(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export async function sendWebhook(appUrl: string, delivery: WebhookDelivery): Promise<{ status: number; body: { status: string; message: string }; webhookId: string; ms: number }> {
  const webhookId = delivery.webhookId ?? randomUUID();
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": delivery.topic,
    "X-Shopify-Shop-Domain": delivery.shop,
    "X-Shopify-API-Version": delivery.apiVersion ?? "2026-01",
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Event-Id": delivery.eventId ?? randomUUID(),
    "X-Shopify-Triggered-At": new Date().toISOString(),
  };
  const hmac = delivery.hmac === undefined ? signBody(delivery.body, delivery.secret) : delivery.hmac;
  if (hmac !== null) headers["X-Shopify-Hmac-Sha256"] = hmac;
  const path = `/webhooks/${delivery.topic.replace(".", "/")}`;
  const started = performance.now();
  const response = await fetch(new URL(path, appUrl), { method: "POST", headers, body: delivery.body });
  const text = await response.text();
  let parsed: { status: string; message: string };
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { status: "unparsed", message: text };
  }
  return { status: response.status, body: parsed, webhookId, ms: performance.now() - started };
}
