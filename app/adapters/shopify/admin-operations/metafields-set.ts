// Sets metafields, at most 25 per call (Shopify's limit; each call is atomic).
// Tierline passes namespace "$app": the app-reserved namespace, which Shopify
// resolves to this app's own (app--{id}), matching the definitions in shopify.app.toml.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const MAX_METAFIELDS_PER_SET = 25;

export const METAFIELDS_SET_MUTATION = `#graphql
  mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields {
        key
        namespace
      }
      userErrors {
        field
        message
        code
        elementIndex
      }
    }
  }
`;

export type MetafieldsSetInput = { ownerId: string; namespace: string; key: string; type: string; value: string };
export type MetafieldsSetVariables = { metafields: MetafieldsSetInput[] };
export type MetafieldsSetData = {
  metafieldsSet: { metafields: { key: string; namespace: string }[] | null; userErrors: (UserError & { elementIndex?: number | null })[] } | null;
};

export const metafieldsSetOperation: AdminOperation<MetafieldsSetData, MetafieldsSetVariables> = {
  name: "MetafieldsSet",
  query: METAFIELDS_SET_MUTATION,
  // 10, plus a weight per distinct owner (customers weigh 1, orders 10).
  cost: ({ metafields }) => {
    let weight = 0;
    for (const owner of new Set(metafields.map((m) => m.ownerId))) weight += owner.startsWith("gid://shopify/Order/") ? 10 : 1;
    return 10 + weight;
  },
};

export async function setMetafields(runner: AdminRunner, metafields: MetafieldsSetInput[]): Promise<void> {
  for (let i = 0; i < metafields.length; i += MAX_METAFIELDS_PER_SET) {
    const data = await runner.run(metafieldsSetOperation, { metafields: metafields.slice(i, i + MAX_METAFIELDS_PER_SET) });
    throwOnUserErrors("metafieldsSet", data.metafieldsSet);
  }
}
