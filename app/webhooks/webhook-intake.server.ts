// Webhook intake: the fast path every Shopify delivery takes.
//
//   headers present, JSON content type? → verify HMAC → JSON object in UTF-8? → known topic?
//   → the fields the topic's handler needs, of the right types? → installed shop?
//   → stored in WebhookDelivery and queued (DeliveryRecorder) → 200
//
// It never does the work itself: the worker process does. It answers 200 only
// for a delivery it kept, and 503 when it could not keep one, so Shopify retries.
// Every step is synchronous except the installation lookup (cached) and the
// recording: one await per request on the common path.
import { isAcceptedWithoutInstallation, isKnownTopic } from "../adapters/shopify/webhook-topics.ts";
import { DeliveryNotKeptError, type AcceptedDelivery, type DeliveryRecorder } from "./delivery-recorder.server.ts";
import { jsonObjectProblem } from "./json-payload.ts";
import { payloadShapeProblem } from "./payload-shape.ts";

export type IntakeHeaders = Record<string, string | string[] | undefined>;

export interface IntakeRequest {
  method: string;
  url: string;
  /** Raw node:http headers (lower-case names). */
  headers: IntakeHeaders;
  /** The body exactly as received. */
  rawBody: Buffer;
}

export interface IntakeResponse {
  status: number;
  body: { status: "accepted" | "ignored" | "error"; message: string };
}

export type HmacCheck = (request: IntakeRequest) => { valid: true } | { valid: false; reason: string };

export interface IntakeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WebhookIntakeOptions {
  verifyHmac: HmacCheck;
  /** A boolean when the answer is cached, so the common case does not wait a turn of the event loop. */
  isInstalled: (shop: string) => boolean | Promise<boolean>;
  recorder: DeliveryRecorder;
  log: IntakeLogger;
}

const respond = (status: number, bodyStatus: IntakeResponse["body"]["status"], message: string): IntakeResponse => ({
  status,
  body: { status: bodyStatus, message },
});

const ACCEPTED = respond(200, "accepted", "Delivery stored and queued");
const NOT_KEPT = respond(503, "error", "Temporarily unable to store the delivery; please retry");

/** application/json, with parameters (charset) or not, in any letter case. */
const JSON_CONTENT_TYPE = /^\s*application\/json\s*(?:;|$)/i;

const header = (headers: IntakeHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const REQUIRED_HEADERS = [
  ["x-shopify-topic", "X-Shopify-Topic"],
  ["x-shopify-shop-domain", "X-Shopify-Shop-Domain"],
  ["x-shopify-api-version", "X-Shopify-API-Version"],
  ["x-shopify-webhook-id", "X-Shopify-Webhook-Id"],
] as const;

function missingHeaders(headers: IntakeHeaders): string[] {
  const missing: string[] = [];
  for (const [name, display] of REQUIRED_HEADERS) if (!header(headers, name)) missing.push(display);
  return missing;
}

export function createWebhookIntake(options: WebhookIntakeOptions) {
  return async function receiveWebhook(request: IntakeRequest): Promise<IntakeResponse> {
    const { headers } = request;
    if (request.method !== "POST") return respond(405, "error", "Webhooks are delivered with POST");
    if (!header(headers, "x-shopify-hmac-sha256")) return respond(401, "error", "Missing X-Shopify-Hmac-Sha256 signature");
    const missing = missingHeaders(headers);
    if (missing.length > 0) return respond(400, "error", `Missing webhook headers: ${missing.join(", ")}`);
    // Shopify sends JSON and says so; anything declared otherwise is refused before any signature work.
    const contentType = header(headers, "content-type");
    if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) return respond(415, "error", `Webhook bodies are JSON (Content-Type: application/json), not "${contentType.slice(0, 100)}"`);

    const hmac = options.verifyHmac(request);
    if (!hmac.valid) {
      options.log.warn("webhook rejected: invalid signature", { shop: header(headers, "x-shopify-shop-domain"), reason: hmac.reason });
      return respond(401, "error", "Invalid webhook signature");
    }

    const topic = header(headers, "x-shopify-topic")!;
    const shop = header(headers, "x-shopify-shop-domain")!;
    const webhookId = header(headers, "x-shopify-webhook-id")!;
    const topLevelKeys: number[] = [];
    const malformed = jsonObjectProblem(request.rawBody, topLevelKeys);
    if (malformed !== null) return respond(400, "error", malformed);
    if (!isKnownTopic(topic)) return respond(404, "error", `Tierline does not subscribe to webhook topic "${topic}"`);
    // A body the worker could only close as failed is refused now, naming the field: nothing stored or queued.
    const misshapen = payloadShapeProblem(topic, request.rawBody, topLevelKeys);
    if (misshapen !== null) return respond(422, "error", misshapen);

    if (!isAcceptedWithoutInstallation(topic)) {
      let installed: boolean;
      try {
        const answer = options.isInstalled(shop);
        installed = typeof answer === "boolean" ? answer : await answer;
      } catch (error) {
        return respond(503, "error", `Cannot check the installation right now: ${(error as Error).message}`);
      }
      if (!installed) {
        // A 4xx/5xx would make Shopify retry for hours; acknowledge, log and drop.
        options.log.info("webhook ignored: shop has no installation", { shop, topic, webhookId });
        return respond(200, "ignored", `Shop ${shop} has no Tierline installation; delivery acknowledged and not processed`);
      }
    }

    const triggeredAtHeader = header(headers, "x-shopify-triggered-at");
    const triggeredAt = triggeredAtHeader ? new Date(triggeredAtHeader) : null;
    const delivery: AcceptedDelivery = {
      webhookId,
      shop,
      topic,
      eventId: header(headers, "x-shopify-event-id") ?? null,
      apiVersion: header(headers, "x-shopify-api-version") ?? null,
      triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
      rawBody: request.rawBody,
    };
    try {
      await options.recorder.record(delivery);
      return ACCEPTED;
    } catch (error) {
      const message = error instanceof DeliveryNotKeptError ? error.message : String(error);
      options.log.warn("webhook not kept; answering 503 so Shopify retries", { shop, topic, webhookId, error: message });
      return NOT_KEPT;
    }
  };
}
