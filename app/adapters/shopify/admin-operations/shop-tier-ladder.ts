// The shop's id, to own the shop metafield $app.tier_ladder (metafieldsSet needs an ownerId).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const SHOP_ID_QUERY = `#graphql
  query ShopId {
    shop {
      id
    }
  }
`;

export type ShopIdData = { shop: { id: string } };

export const shopIdOperation: AdminOperation<ShopIdData, Record<string, never>> = {
  name: "ShopId",
  query: SHOP_ID_QUERY,
  cost: () => 1,
};

export async function readShopId(runner: AdminRunner): Promise<string> {
  return (await runner.run(shopIdOperation, {})).shop.id;
}
