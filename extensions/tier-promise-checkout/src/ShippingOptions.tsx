/** @jsxImportSource preact */
// purchase.checkout.shipping-option-list.render-after (Shopify Plus): the buyer's promise beside the
// delivery options, for an order placed now.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import type { Api } from "@shopify/ui-extensions/purchase.checkout.shipping-option-list.render-after";
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
        orderId: null,
        locale: shopify.localization.language.value?.isoCode ?? null,
        country: address?.countryCode ?? null,
        province: address?.provinceCode ?? null,
      }}
    />,
    document.body,
  );
};
