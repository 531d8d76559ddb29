// The hot-path signature check must accept and refuse exactly what Shopify's own
// library (webhooks.validate) accepts and refuses.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "./api-version.ts";
import "@shopify/shopify-api/adapters/web-api";
import { LogSeverity, shopifyApi, type ApiVersion } from "@shopify/shopify-api";
import { createWebhookSignatureCheck, type SignatureRequest, type SignatureResult } from "./webhook-signature.server.ts";

/** Shopify's own validation: the reference the fast check is held to. */
function createLibraryWebhookSignatureCheck(config: { apiKey: string; apiSecret: string; appUrl: string; apiVersion: ApiVersion }) {
  const api = shopifyApi({
    apiKey: config.apiKey,
    apiSecretKey: config.apiSecret,
    hostName: new URL(config.appUrl).host,
    apiVersion: config.apiVersion,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
  const origin = new URL(config.appUrl).origin;
  return async function verifyWithLibrary(request: SignatureRequest): Promise<SignatureResult> {
    const rawRequest = {
      method: request.method,
      url: new URL(request.url, origin).toString(),
      headers: {
        entries: () => {
          const pairs = Object.entries(request.headers).flatMap(([name, value]) =>
            value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => [name, v] as [string, string]),
          );
          return pairs[Symbol.iterator]();
        },
      },
    };
    const rawBody = typeof request.rawBody === "string" ? request.rawBody : request.rawBody.toString("utf8");
    const result = await api.webhooks.validate({ rawBody, rawRequest });
    return result.valid ? { valid: true } : { valid: false, reason: String(result.reason) };
  };
}

const SECRET = "hush-this-is-a-test-secret";
const fast = createWebhookSignatureCheck({ apiSecret: SECRET });
const library = createLibraryWebhookSignatureCheck({ apiKey: "key", apiSecret: SECRET, appUrl: "https://app.example.com", apiVersion: API_VERSION });

function request(body: string, hmac: string | undefined): SignatureRequest {
  return {
    method: "POST",
    url: "/webhooks/orders/create",
    rawBody: body,
    headers: {
      ...(hmac === undefined ? {} : { "x-shopify-hmac-sha256": hmac }),
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": "a.myshopify.com",
      "x-shopify-api-version": API_VERSION,
      "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    },
  };
}

const sign = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

describe("webhook signature", () => {
  it("agrees with Shopify's library on valid, forged, altered, re-keyed and missing signatures", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 400 }), fc.constantFrom("valid", "altered", "other-secret", "garbage", "missing", "truncated"), async (body, kind) => {
        const hmac =
          kind === "valid" || kind === "altered" ? sign(body)
          : kind === "other-secret" ? sign(body, "another-secret")
          : kind === "garbage" ? "not-a-signature"
          : kind === "truncated" ? sign(body).slice(0, 20)
          : undefined;
        const sent = kind === "altered" ? `${body} ` : body;
        const ours = fast(request(sent, hmac));
        const theirs = await library(request(sent, hmac));
        expect(ours.valid).toBe(theirs.valid);
        // The intake hands over the body's bytes as received: same answer.
        expect(fast({ ...request(sent, hmac), rawBody: Buffer.from(sent, "utf8") })).toEqual(ours);
        expect(ours.valid).toBe(kind === "valid");
      }),
      { numRuns: 300 },
    );
  });

  it("accepts multi-byte bodies signed over their UTF-8 bytes", async () => {
    const body = '{"note":"Grüße — 注文"}';
    expect(fast(request(body, sign(body)))).toEqual({ valid: true });
    expect(fast({ ...request(body, sign(body)), rawBody: Buffer.from(body, "utf8") })).toEqual({ valid: true });
    expect((await library(request(body, sign(body)))).valid).toBe(true);
  });
});
