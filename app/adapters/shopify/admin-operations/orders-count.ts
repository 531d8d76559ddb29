// How many orders the shop has, for the backfill's progress bar (orders read / total).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const ORDERS_COUNT_QUERY = `#graphql
  query OrdersCount {
    ordersCount(limit: null) {
      count
      precision
    }
  }
`;

export type OrdersCountData = { ordersCount: { count: number; precision: string } | null };

export const ordersCountOperation: AdminOperation<OrdersCountData, Record<string, never>> = {
  name: "OrdersCount",
  query: ORDERS_COUNT_QUERY,
  cost: () => 1,
};

export async function countOrders(runner: AdminRunner): Promise<number | null> {
  const data = await runner.run(ordersCountOperation, {});
  return data.ordersCount?.count ?? null;
}
