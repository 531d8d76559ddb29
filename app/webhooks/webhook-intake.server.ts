// Webhook intake: the fast path every Shopify delivery takes.
//
//   verify HMAC (Shopify's own library) → parse → known topic? → installed shop?
//   → stored in WebhookDelivery and queued (DeliveryRecorder) → 200
//
// It never does the work itself: the worker process does. It answers 200 only
// for a delivery it kept, and 503 when it could not keep one, so Shopify retries.
import { isAcceptedWithoutInstallation, isKnownTopic } from "../adapters/shopify/webhook-topics.ts";
import { DeliveryNotKeptError, type AcceptedDelivery, type DeliveryRecorder } from "./delivery-recorder.server.ts";

export interface IntakeRequest {
  method: string;
  url: string;
  /** Raw node:http headers (lower-case names), for Shopify's validator. */
  headers: Record<string, string | string[] | undefined>;
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  rawBody: string;
}

export interface IntakeResponse {
  status: number;
  body: { status: "accepted" | "ignored" | "error"; message: string };
}

export type HmacCheck = (request: IntakeRequest) => Promise<{ valid: true } | { valid: false; reason: string }>;

export interface IntakeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WebhookIntakeOptions {
  verifyHmac: HmacCheck;
  isInstalled: (shop: string) => Promise<boolean>;
  recorder: DeliveryRecorder;
  log: IntakeLogger;
}

const respond = (status: number, bodyStatus: IntakeResponse["body"]["status"], message: string): IntakeResponse => ({
  status,
  body: { status: bodyStatus, message },
});

const REQUIRED_HEADERS = ["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Webhook-Id"];

export function createWebhookIntake(options: WebhookIntakeOptions) {
  return async function receiveWebhook(request: IntakeRequest): Promise<IntakeResponse> {
    if (request.method !== "POST") return respond(405, "error", "Webhooks are delivered with POST");
    if (!request.header("X-Shopify-Hmac-Sha256")) return respond(401, "error", "Missing X-Shopify-Hmac-Sha256 signature");
    const missing = REQUIRED_HEADERS.filter((name) => !request.header(name));
    if (missing.length > 0) return respond(400, "error", `Missing webhook headers: ${missing.join(", ")}`);

    const hmac = await options.verifyHmac(request);
    if (!hmac.valid) {
      options.log.warn("webhook rejected: invalid signature", { shop: request.header("X-Shopify-Shop-Domain"), reason: hmac.reason });
      return respond(401, "error", "Invalid webhook signature");
    }

    const topic = request.header("X-Shopify-Topic")!;
    const shop = request.header("X-Shopify-Shop-Domain")!;
    const webhookId = request.header("X-Shopify-Webhook-Id")!;
    try {
      const parsed: unknown = JSON.parse(request.rawBody);
      if (parsed === null || typeof parsed !== "object") throw new Error("body is not a JSON object");
    } catch (error) {
      return respond(400, "error", `Malformed JSON body: ${(error as Error).message}`);
    }
    if (!isKnownTopic(topic)) return respond(404, "error", `Tierline does not subscribe to webhook topic "${topic}"`);

    if (!isAcceptedWithoutInstallation(topic)) {
      let installed: boolean;
      try {
        installed = await options.isInstalled(shop);
      } catch (error) {
        return respond(503, "error", `Cannot check the installation right now: ${(error as Error).message}`);
      }
      if (!installed) {
        // A 4xx/5xx would make Shopify retry for hours; acknowledge, log and drop.
        options.log.info("webhook ignored: shop has no installation", { shop, topic, webhookId });
        return respond(200, "ignored", `Shop ${shop} has no Tierline installation; delivery acknowledged and not processed`);
      }
    }

    const triggeredAtHeader = request.header("X-Shopify-Triggered-At");
    const triggeredAt = triggeredAtHeader ? new Date(triggeredAtHeader) : null;
    const delivery: AcceptedDelivery = {
      webhookId,
      shop,
      topic,
      eventId: request.header("X-Shopify-Event-Id") ?? null,
      apiVersion: request.header("X-Shopify-API-Version") ?? null,
      triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
      rawBody: request.rawBody,
    };
    try {
      await options.recorder.record(delivery);
    } catch (error) {
      const message = error instanceof DeliveryNotKeptError ? error.message : String(error);
      options.log.warn("webhook not kept; answering 503 so Shopify retries", { shop, topic, webhookId, error: message });
      return respond(503, "error", "Temporarily unable to store the delivery; please retry");
    }
    return respond(200, "accepted", "Delivery stored and queued");
  };
}
