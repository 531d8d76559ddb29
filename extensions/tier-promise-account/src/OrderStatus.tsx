/** @jsxImportSource preact */
// customer-account.order-status.block.render (every plan): the promise stored for this order.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import type { Api } from "@shopify/ui-extensions/customer-account.order-status.block.render";
import { TierPromise } from "../../shared/src/TierPromise.tsx";

declare const shopify: Api;

export default async () => {
  // Present only when the app may read the buyer's address (protected customer data).
  const address = "shippingAddress" in shopify ? shopify.shippingAddress?.value : undefined;
  render(
    <TierPromise
      translate={shopify.i18n.translate}
      request={{
        token: () => shopify.sessionToken.get(),
        orderId: shopify.order.value?.id ?? null,
        locale: shopify.localization.language.value?.isoCode ?? null,
        country: address?.countryCode ?? null,
        province: address?.provinceCode ?? null,
      }}
    />,
    document.body,
  );
};
