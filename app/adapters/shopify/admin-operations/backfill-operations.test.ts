// The backfill's and reconciliation's Admin operations are valid against Shopify's
// published SDL, including the bulk query sent as a string inside bulkOperationRunQuery.
import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { adminSchema } from "../../../../simulator/admin-api/schema.ts";
import { requestedQueryCost } from "../../../../simulator/admin-api/cost.ts";
import { BULK_OPERATION_RUN_QUERY_MUTATION } from "./bulk-operation-run-query.ts";
import { BULK_OPERATION_STATUS_QUERY } from "./bulk-operation-status.ts";
import { ORDER_HISTORY_BULK_QUERY } from "./order-history-bulk-query.ts";
import { ORDERS_COUNT_QUERY } from "./orders-count.ts";
import { ORDERS_UPDATED_PAGE, ORDERS_UPDATED_SINCE_QUERY, ordersUpdatedSinceOperation, updatedAfterQuery } from "./orders-updated-since.ts";
import { SHOP_DETAILS_QUERY } from "./shop-details.ts";
import { CUSTOMERS_UPDATED_PAGE, CUSTOMERS_UPDATED_SINCE_QUERY, customersUpdatedSinceOperation } from "./customers-updated-since.ts";
import { ORDERS_BY_ID_PAGE, ORDERS_WITH_REFUND_PARTS_QUERY, ordersWithRefundPartsOperation } from "./orders-with-refund-parts.ts";
import { LINE_ITEMS_PAGE, ORDER_LINE_ITEMS_AFTER_QUERY, orderLineItemsAfterOperation } from "./order-line-items.ts";

const OPERATIONS = {
  BulkOperationRunQuery: BULK_OPERATION_RUN_QUERY_MUTATION,
  BulkOperationStatus: BULK_OPERATION_STATUS_QUERY,
  OrderHistoryBulk: ORDER_HISTORY_BULK_QUERY,
  OrdersCount: ORDERS_COUNT_QUERY,
  OrdersUpdatedSince: ORDERS_UPDATED_SINCE_QUERY,
  CustomersUpdatedSince: CUSTOMERS_UPDATED_SINCE_QUERY,
  OrdersWithRefundParts: ORDERS_WITH_REFUND_PARTS_QUERY,
  OrderLineItemsAfter: ORDER_LINE_ITEMS_AFTER_QUERY,
  ShopDetails: SHOP_DETAILS_QUERY,
};

describe("backfill and reconciliation Admin operations", () => {
  const schema = adminSchema();

  it.each(Object.entries(OPERATIONS))("%s validates against the Admin SDL", (name, query) => {
    expect(query.trimStart().startsWith("#graphql")).toBe(true);
    const document = parse(query);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const operations = document.definitions.filter((d) => d.kind === "OperationDefinition");
    expect(operations).toHaveLength(1);
    expect(operations[0].kind === "OperationDefinition" && operations[0].name?.value).toBe(name);
  });

  it("keeps a reconciliation page and a page of orders by id under the 1,000-point query ceiling", () => {
    expect(ordersUpdatedSinceOperation.cost({ first: ORDERS_UPDATED_PAGE, after: null, query: "" })).toBeLessThanOrEqual(1_000);
    expect(ordersWithRefundPartsOperation.cost({ ids: Array.from({ length: ORDERS_BY_ID_PAGE }, (_, i) => `gid://shopify/Order/${i + 1}`) })).toBeLessThanOrEqual(1_000);
  });

  it("states each order query's requested cost as Shopify's rules count it (checked by the simulator's calculation)", () => {
    const cost = (query: string, variables: Record<string, unknown>) => {
      const document = parse(query);
      const operation = document.definitions.find((d) => d.kind === "OperationDefinition")!;
      return requestedQueryCost({ schema, document, operation: operation as never, variables });
    };
    const page = { first: ORDERS_UPDATED_PAGE, after: null, query: "" };
    expect(ordersUpdatedSinceOperation.cost(page)).toBe(cost(ORDERS_UPDATED_SINCE_QUERY, page));
    const customers = { first: CUSTOMERS_UPDATED_PAGE, after: null, query: "" };
    expect(customersUpdatedSinceOperation.cost(customers)).toBe(cost(CUSTOMERS_UPDATED_SINCE_QUERY, customers));
    expect(customersUpdatedSinceOperation.cost(customers)).toBeLessThanOrEqual(1_000);
    const ids = { ids: Array.from({ length: ORDERS_BY_ID_PAGE }, (_, i) => `gid://shopify/Order/${i + 1}`) };
    expect(ordersWithRefundPartsOperation.cost(ids)).toBeGreaterThanOrEqual(cost(ORDERS_WITH_REFUND_PARTS_QUERY, ids));
    const lines = { id: "gid://shopify/Order/1", first: LINE_ITEMS_PAGE, after: "cursor" };
    expect(orderLineItemsAfterOperation.cost(lines)).toBeGreaterThanOrEqual(cost(ORDER_LINE_ITEMS_AFTER_QUERY, lines));
    expect(orderLineItemsAfterOperation.cost(lines)).toBeLessThanOrEqual(1_000);
  });

  it("writes the updated-since filter in Shopify's search syntax", () => {
    expect(updatedAfterQuery(new Date("2026-11-20T12:00:00Z"))).toBe("updated_at:>'2026-11-20T12:00:00.000Z'");
  });
});
