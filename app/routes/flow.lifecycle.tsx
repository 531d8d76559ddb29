// POST /flow/lifecycle: Shopify Flow's trigger lifecycle callback (lifecycle_callback_url in each
// flow_trigger extension's toml). Signed like a webhook and checked the same way; a forged or
// unsigned call is refused (401) with nothing stored. A 2xx lets the merchant enable the workflow.
import type { ActionFunctionArgs } from "@remix-run/node";
import { db } from "../db.server.ts";
import { env } from "../env.server.ts";
import { createWebhookSignatureCheck } from "../adapters/shopify/webhook-signature.server.ts";
import { parseFlowLifecycleCallback } from "../adapters/shopify/flow-lifecycle-callback.ts";
import { recordFlowTriggerUse } from "../use-cases/flow-trigger-use.server.ts";

const verifySignature = createWebhookSignatureCheck({ apiSecret: env().SHOPIFY_API_SECRET });

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const rawBody = Buffer.from(await request.arrayBuffer());
  const signature = verifySignature({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), rawBody });
  if (!signature.valid) return new Response(null, { status: 401 });
  const callback = parseFlowLifecycleCallback(rawBody.toString("utf8"));
  if (!callback) return new Response(null, { status: 400 });
  await recordFlowTriggerUse(db, callback);
  return new Response(null, { status: 200 });
}

export const loader = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
