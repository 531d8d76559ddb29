// The notice shown on the Overview and the Tier rules page while tier tags wait for thresholds
// confirmed in the shop's currency (tier-rules.ts: thresholdCurrencyStatus).
import { Banner } from "@shopify/polaris";
import type { ThresholdCurrencyStatus } from "../domain/tier-rules.ts";

/** `onRulesPage`: the merchant is already where thresholds are confirmed. */
export function thresholdCurrencyMessage(status: ThresholdCurrencyStatus, onRulesPage = false): { title: string; body: string } | null {
  if (status.confirmed) return null;
  const shop = status.shopCurrency;
  const where = onRulesPage ? "below" : "on the Tier rules page";
  switch (status.reason) {
    case "defaults_not_confirmed":
      return {
        title: `Confirm your tier thresholds in ${shop} before tiers are written`,
        body: `Your store's currency is ${shop}. Tierline's starting thresholds (500 and 2,000) were chosen for US dollars, so no tier tags or values are written to Shopify until you review the thresholds ${where} and save them in ${shop}. Members' tiers are still worked out in the meantime.`,
      };
    case "rules_in_other_currency":
      return {
        title: `Your tier thresholds are in ${status.rulesCurrency}, your store sells in ${shop}`,
        body: `No tier tags or values are written to Shopify until you save the thresholds again, in ${shop}, ${where}. Orders in ${shop} cannot be weighed against thresholds in ${status.rulesCurrency}.`,
      };
    case "shop_currency_unknown":
      return {
        title: "Waiting for your store's currency",
        body: "Tierline has not read your store's currency from Shopify yet, so no tier tags are written. This normally clears within a minute of installing; saving your tier rules also confirms them.",
      };
  }
}

export function ThresholdCurrencyBanner({ status, onRulesPage = false }: { status: ThresholdCurrencyStatus; onRulesPage?: boolean }) {
  const message = thresholdCurrencyMessage(status, onRulesPage);
  if (!message) return null;
  return (
    <Banner tone="warning" title={message.title} action={onRulesPage ? undefined : { content: "Review thresholds", url: "/app/tiers" }}>
      <p>{message.body}</p>
    </Banner>
  );
}
