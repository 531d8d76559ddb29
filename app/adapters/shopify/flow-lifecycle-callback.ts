// Shopify Flow's trigger lifecycle callback: a signed POST (HMAC of the raw body with the app
// secret, X-Shopify-Hmac-Sha256, as webhooks) telling the app whether a shop has an enabled
// workflow using one of its triggers. Fields: flow_trigger_definition_id (taken as the trigger's
// handle), has_enabled_flow, shop_id, shopify_domain, timestamp (the newest one wins).
export interface FlowLifecycleCallback {
  shop: string;
  handle: string;
  hasEnabledFlow: boolean;
  timestamp: Date;
}

/** The callback in the body, or null when it is not one (missing or mistyped fields). */
export function parseFlowLifecycleCallback(body: string): FlowLifecycleCallback | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  const timestamp = typeof v.timestamp === "string" ? new Date(v.timestamp) : null;
  if (typeof v.shopify_domain !== "string" || !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(v.shopify_domain)) return null;
  if (typeof v.flow_trigger_definition_id !== "string" || !v.flow_trigger_definition_id) return null;
  if (typeof v.has_enabled_flow !== "boolean" || !timestamp || Number.isNaN(timestamp.getTime())) return null;
  return { shop: v.shopify_domain, handle: v.flow_trigger_definition_id, hasEnabledFlow: v.has_enabled_flow, timestamp };
}
