// Every webhook topic Tierline subscribes to, as Shopify names it in the
// X-Shopify-Topic header. shopify.app.toml declares the same list (a test keeps
// them equal); the worker's dispatch table must cover each one.

export const SUBSCRIBED_TOPICS = [
  "orders/create",
  "orders/paid",
  "orders/updated",
  "orders/cancelled",
  "refunds/create",
  "customers/create",
  "customers/update",
  "customers/delete",
  "customer.tags_added",
  "customer.tags_removed",
  "fulfillments/create",
  "fulfillments/update",
  "fulfillment_orders/split",
  "fulfillment_orders/merged",
  "fulfillment_orders/moved",
  "inventory_levels/update",
  "app/uninstalled",
  "bulk_operations/finish",
] as const;

/** Mandatory privacy topics; declared as compliance_topics, accepted even after uninstall. */
export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;

export type SubscribedTopic = (typeof SUBSCRIBED_TOPICS)[number];
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[number];
export type WebhookTopic = SubscribedTopic | ComplianceTopic;

const ALL = new Set<string>([...SUBSCRIBED_TOPICS, ...COMPLIANCE_TOPICS]);
const COMPLIANCE = new Set<string>(COMPLIANCE_TOPICS);

export function isKnownTopic(topic: string): topic is WebhookTopic {
  return ALL.has(topic);
}

/** Topics processed even when the shop has no installation (privacy law, uninstall echoes). */
export function isAcceptedWithoutInstallation(topic: string): boolean {
  return COMPLIANCE.has(topic) || topic === "app/uninstalled";
}

/** The URI path a topic is delivered to: /webhooks/orders/create, /webhooks/customer/tags_added. */
export function webhookPath(topic: WebhookTopic): string {
  return `/webhooks/${topic.replace(".", "/")}`;
}
