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

const updates = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "update" : "updates"}`;

export function FailedDeliveriesBanner({
  count,
  retryable,
  latest,
  busy = null,
  onRetry,
  onDismiss,
}: {
  count: number;
  retryable: number;
  /** `when`: the time it arrived, formatted for the shop (locale and time zone). */
  latest: { topic: string; reason: string; receivedAt: string; when: string };
  /** The action under way ("retry-failed-deliveries" | "dismiss-failed-deliveries"), if any. */
  busy?: string | null;
  onRetry?: () => void;
  onDismiss?: () => void;
}) {
  const technical = latest.reason !== "no reason recorded" ? latest.reason : null;
  const erased = count - retryable;
  const dismiss = { content: "Dismiss", onAction: onDismiss, loading: busy === "dismiss-failed-deliveries", disabled: busy !== null };
  return (
    <Banner
      tone="critical"
      title={`${count.toLocaleString("en-US")} ${count === 1 ? "update from Shopify" : "updates from Shopify"} could not be processed`}
      action={retryable > 0 ? { content: retryable === count ? "Retry" : `Retry ${updates(retryable)}`, onAction: onRetry, loading: busy === "retry-failed-deliveries", disabled: busy !== null } : dismiss}
      secondaryAction={retryable > 0 ? { content: "Dismiss", onAction: busy === null ? onDismiss : undefined } : undefined}
    >
      <BlockStack gap="200">
        <p>
          Tierline tried {count === 1 ? "it" : "each of them"} several times and stopped, so members' tiers may not reflect {count === 1 ? "it" : "them"}. The latest was{" "}
          {describeDeliveryTopic(latest.topic)}, received {latest.when}. {describeFailureReason(latest.reason)}
        </p>
        {erased > 0 && (
          <p>
            {erased === count ? (count === 1 ? "It" : "They") : `${erased.toLocaleString("en-US")} of them`} can no longer be retried: {erased === 1 ? "its" : "their"} content was deleted (kept only for a limited time, or erased by a customer's privacy request), so {erased === 1 ? "it" : "they"} can only be dismissed.
          </p>
        )}
        <p>Retry tries them again now; Dismiss hides this notice and keeps them on record for support.</p>
        {technical && <Text as="p" tone="subdued">Details for support: {technical}</Text>}
      </BlockStack>
    </Banner>
  );
}

export type FailedDeliveriesActionOutcome =
  | { intent: "retry-failed-deliveries"; ok: true; retried: number; notRetryable: number; remaining: number }
  | { intent: "dismiss-failed-deliveries"; ok: true; dismissed: number; erased: number }
  | { intent: string; ok: false; message: string };

/** What Retry or Dismiss did, in the merchant's words. */
export function FailedDeliveriesOutcome({ outcome }: { outcome: FailedDeliveriesActionOutcome }) {
  if (!outcome.ok) {
    return <Banner tone="warning" title="The updates could not be retried">{outcome.message}</Banner>;
  }
  if (outcome.intent === "retry-failed-deliveries" && "retried" in outcome) {
    const { retried, notRetryable, remaining } = outcome;
    return (
      <Banner tone={retried > 0 ? "success" : "info"} title={retried > 0 ? `${updates(retried)} queued to be processed again` : "Nothing could be retried"}>
        <BlockStack gap="100">
          {retried > 0 && <p>Tierline is processing {retried === 1 ? "it" : "them"} now; if {retried === 1 ? "it fails" : "any fail"} again, {retried === 1 ? "it" : "they"} will show here again.</p>}
          {remaining > 0 && <p>{updates(remaining)} more can be retried: choose Retry again.</p>}
          {notRetryable > 0 && <p>{updates(notRetryable)} could not be retried because {notRetryable === 1 ? "its" : "their"} content was deleted; {notRetryable === 1 ? "it" : "they"} can only be dismissed.</p>}
        </BlockStack>
      </Banner>
    );
  }
  if ("dismissed" in outcome) {
    return (
      <Banner tone="success" title={outcome.dismissed > 0 ? `${updates(outcome.dismissed)} dismissed` : "Nothing left to dismiss"}>
        {outcome.dismissed > 0 && <p>{outcome.dismissed === 1 ? "It stays" : "They stay"} on record for support, and will not be shown here again.</p>}
      </Banner>
    );
  }
  return null;
}
