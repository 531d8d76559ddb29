// The shop's own details (currency, time zone) and the scopes actually granted,
// read once after install: tiers are in the shop's currency, calendar-year windows
// in its time zone, promise holidays from its country, and read_all_orders decides how far back history goes.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const SHOP_DETAILS_QUERY = `#graphql
  query ShopDetails {
    shop {
      name
      currencyCode
      ianaTimezone
      billingAddress {
        countryCodeV2
      }
    }
    currentAppInstallation {
      accessScopes {
        handle
      }
    }
  }
`;

export type ShopDetailsData = {
  shop: { name: string; currencyCode: string; ianaTimezone: string; billingAddress: { countryCodeV2: string | null } | null };
  currentAppInstallation: { accessScopes: { handle: string }[] } | null;
};

export const shopDetailsOperation: AdminOperation<ShopDetailsData, Record<string, never>> = {
  name: "ShopDetails",
  query: SHOP_DETAILS_QUERY,
  cost: () => 2,
};

export interface ShopDetails {
  name: string;
  currencyCode: string;
  ianaTimezone: string;
  /** ISO 3166 country of the shop's address (seeds the promise calendar's holidays); null when unknown. */
  countryCode: string | null;
  /** null when the installation could not be read. */
  scopes: string[] | null;
}

export async function readShopDetails(runner: AdminRunner): Promise<ShopDetails> {
  const data = await runner.run(shopDetailsOperation, {});
  return {
    name: data.shop.name,
    currencyCode: data.shop.currencyCode,
    ianaTimezone: data.shop.ianaTimezone,
    countryCode: data.shop.billingAddress?.countryCodeV2 ?? null,
    scopes: data.currentAppInstallation ? data.currentAppInstallation.accessScopes.map((s) => s.handle) : null,
  };
}
