// The Overview's notice of Shopify updates (webhook deliveries) that failed for good, in the
// merchant's words: what the update was about and why it stopped, with the technical
// detail kept apart for support.
import { Banner, BlockStack, Text } from "@shopify/polaris";

const TOPIC_WORDS: Record<string, string> = {
  "orders/create": "a new order",
  "orders/paid": "an order's payment",
  "orders/updated": "a change to an order",
  "orders/cancelled": "an order's cancellation",
  "refunds/create": "a refund",
  "customers/create": "a new customer",
  "customers/update": "a change to a customer",
  "customers/delete": "a deleted customer",
  "customer.tags_added": "tags added to a customer",
  "customer.tags_removed": "tags removed from a customer",
  "fulfillments/create": "a fulfillment",
  "fulfillments/update": "a change to a fulfillment",
  "fulfillment_orders/split": "a fulfillment change",
  "fulfillment_orders/merged": "a fulfillment change",
  "fulfillment_orders/moved": "a fulfillment change",
  "inventory_levels/update": "an inventory change",
  "app/uninstalled": "the app being uninstalled",
  "bulk_operations/finish": "an order history import",
  "customers/data_request": "a customer's data request",
  "customers/redact": "a customer's erasure request",
  "shop/redact": "the store's erasure request",
};

/** What the update was about, in plain words. */
export function describeDeliveryTopic(topic: string): string {
  return TOPIC_WORDS[topic] ?? "an update";
}

/** Why it stopped, in plain words; null when the recorded reason is all there is to say. */
export function describeFailureReason(reason: string): string {
  if (reason.startsWith("payload cannot be parsed") || reason.startsWith("no handler for topic")) return "Tierline could not read what Shopify sent.";
  if (/^gave up after \d+ attempts$/.test(reason)) return "It kept failing, so Tierline stopped retrying.";
  if (reason === "no reason recorded") return "Its details were erased (a customer's privacy request).";
  return "An error kept it from being processed.";
}

const WHEN = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", hourCycle: "h23", timeZone: "UTC" });

export function FailedDeliveriesBanner({ count, latest }: { count: number; latest: { topic: string; reason: string; receivedAt: string } }) {
  const technical = latest.reason !== "no reason recorded" ? latest.reason : null;
  return (
    <Banner tone="critical" title={`${count} ${count === 1 ? "update from Shopify" : "updates from Shopify"} could not be processed`}>
      <BlockStack gap="200">
        <p>
          Tierline tried {count === 1 ? "it" : "each of them"} several times and stopped, so members' tiers may not reflect {count === 1 ? "it" : "them"}. The latest was{" "}
          {describeDeliveryTopic(latest.topic)}, received {WHEN.format(new Date(latest.receivedAt))} UTC. {describeFailureReason(latest.reason)}
        </p>
        {technical && <Text as="p" tone="subdued">Details for support: {technical}</Text>}
      </BlockStack>
    </Banner>
  );
}
