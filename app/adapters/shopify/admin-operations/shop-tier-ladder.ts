// The shop's id, to own the shop metafield $app.tier_ladder (metafieldsSet needs an ownerId), and
// the ladder it holds now: a write whose answer never came may have landed, and is not made again.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const SHOP_ID_QUERY = `#graphql
  query ShopId {
    shop {
      id
      tierLadder: metafield(namespace: "$app", key: "tier_ladder") {
        value
      }
    }
  }
`;

export type ShopIdData = { shop: { id: string; tierLadder: { value: string } | null } };

export const shopIdOperation: AdminOperation<ShopIdData, Record<string, never>> = {
  name: "ShopId",
  query: SHOP_ID_QUERY,
  cost: () => 1,
};

export async function readShopLadder(runner: AdminRunner): Promise<{ ownerId: string; ladder: string | null }> {
  const { shop } = await runner.run(shopIdOperation, {});
  return { ownerId: shop.id, ladder: shop.tierLadder?.value ?? null };
}
