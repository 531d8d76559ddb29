// Shopify Flow's trigger lifecycle callback, played by the simulator: a merchant enabling or
// disabling a workflow that uses one of the app's triggers makes Flow POST a JSON body, signed
// like a webhook (HMAC-SHA256 of the body with the app secret, base64), to the trigger's
// lifecycle_callback_url. Flow lets the merchant enable the workflow only on a 2xx answer.
//
//   POST /_sim/shops/:shop/flow-workflows   { handle, enabled: boolean } → { status } (409 when the app refused)
//   GET  /_sim/shops/:shop/flow-workflows   → { enabled: [handle…] }
import { createHmac } from "node:crypto";
import { HttpError, type Router } from "../router.ts";
import type { SimStore } from "../store/store.ts";
import { projectFlowTriggers } from "../admin-api/flow-triggers.ts";
import { resolveSubscriptionUri } from "./app-toml.ts";

export interface FlowLifecycleContext {
  store: SimStore;
  appUrl: string;
  apiSecret: string;
  apiKey: string;
}

/** The body Flow sends; the trigger is named by its handle in flow_trigger_definition_id. */
export function flowLifecycleBody(input: { shopId: string; shop: string; handle: string; enabled: boolean; timestamp: Date }): string {
  return JSON.stringify({
    flow_trigger_definition_id: input.handle,
    has_enabled_flow: input.enabled,
    shop_id: Number(input.shopId),
    shopify_domain: input.shop,
    timestamp: input.timestamp.toISOString(),
  });
}

export function registerFlowLifecycleRoutes(router: Router, ctx: FlowLifecycleContext): void {
  // Per shop, the triggers with an enabled workflow (what Flow itself knows).
  const enabled = new Map<string, Set<string>>();

  router.get("/_sim/shops/:shop/flow-workflows", ({ params }) => ({ enabled: [...(enabled.get(params.shop) ?? [])].sort() }));

  router.post("/_sim/shops/:shop/flow-workflows", async ({ params, json }) => {
    const body = await json<{ handle?: unknown; enabled?: unknown }>();
    const data = ctx.store.findShop(params.shop);
    if (!data) throw new HttpError(404, "unknown shop", { error: `unknown shop ${params.shop}` });
    if (data.shop.installation?.apiKey !== ctx.apiKey) throw new HttpError(409, "app not installed", { error: "the app is not installed on this shop" });
    const trigger = typeof body.handle === "string" ? projectFlowTriggers().get(body.handle) : undefined;
    if (!trigger) throw new HttpError(400, "unknown trigger", { error: `handle must be one of ${[...projectFlowTriggers().keys()].join(", ")}` });
    if (typeof body.enabled !== "boolean") throw new HttpError(400, "enabled", { error: "enabled must be true or false" });
    const current = enabled.get(params.shop) ?? new Set<string>();
    if (trigger.lifecycleCallbackUrl) {
      const payload = flowLifecycleBody({ shopId: String(data.shop.id), shop: params.shop, handle: trigger.handle, enabled: body.enabled, timestamp: new Date() });
      const response = await fetch(resolveSubscriptionUri(trigger.lifecycleCallbackUrl, ctx.appUrl), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": createHmac("sha256", ctx.apiSecret).update(payload, "utf8").digest("base64"), "X-Shopify-Shop-Domain": params.shop },
        body: payload,
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      // Flow keeps the workflow off when the app does not acknowledge the callback.
      if (body.enabled && !response.ok) throw new HttpError(409, "callback refused", { error: `the app answered ${response.status} to the lifecycle callback`, status: response.status });
    }
    if (body.enabled) current.add(trigger.handle);
    else current.delete(trigger.handle);
    enabled.set(params.shop, current);
    return { handle: trigger.handle, enabled: body.enabled };
  });
}
