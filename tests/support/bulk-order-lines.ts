// One order of the history bulk query as the import sees it, for mapping tests that read a
// single order with an ordinary query: the bulk selection with its line-item connection given
// a `first` (an ordinary query needs one), then split as the bulk file gives it (the order's
// own line, each line item a line of its own carrying __parentId) and mapped as the import maps it.
import { ORDER_BULK_LEDGER_FIELDS } from "../../app/adapters/shopify/admin-operations/order-ledger-fields.ts";
import { giftCardLineFromBulkText, orderEntriesFromBulk, type GraphqlOrderEntries } from "../../app/adapters/shopify/order-graphql-mapping.ts";

export const BULK_FIELDS_IN_ONE_READ = ORDER_BULK_LEDGER_FIELDS.replace("lineItems {", "lineItems(first: 250) {");
if (BULK_FIELDS_IN_ONE_READ === ORDER_BULK_LEDGER_FIELDS) throw new Error("the bulk selection has no line-item connection to bound");

export function bulkEntriesOf(node: unknown): GraphqlOrderEntries {
  const { lineItems, ...order } = node as { id: string; lineItems: { nodes: object[] } };
  const giftCards = new Map<string, number>();
  for (const item of lineItems.nodes) {
    const line = giftCardLineFromBulkText(JSON.stringify({ ...item, __parentId: order.id }));
    if (line) giftCards.set(line.orderId, (giftCards.get(line.orderId) ?? 0) + line.minor);
  }
  return orderEntriesFromBulk(order, giftCards);
}
