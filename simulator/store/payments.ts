// Payments: the order's transactions, and taking the money an order still owes.
import { fromBag, toBag, type CentsPair } from "./money.ts";
import { recomputeFinancials } from "./order-totals.ts";
import { StoreError, type OperationOptions, type StoreCore } from "./store-core.ts";
import type { Id, IsoDateTime, SimOrder, SimTransaction } from "./types.ts";

export function transaction(store: StoreCore, order: SimOrder, kind: SimTransaction["kind"], amount: CentsPair, at: IsoDateTime, parentId: Id | null): SimTransaction {
  return {
    ...store.mint("OrderTransaction"), kind, status: "SUCCESS", gateway: order.test ? "bogus" : "shopify_payments",
    amountSet: toBag(amount, order.currency, order.presentmentCurrency), createdAt: at, processedAt: at, parentId, test: order.test,
  };
}

/** Captures what is outstanding (marks the order paid). */
export function payOrder(store: StoreCore, domain: string, orderId: Id, options?: OperationOptions): SimOrder {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  if (order.cancelledAt) throw new StoreError("cannot pay a cancelled order", 422);
  const outstanding = fromBag(order.totalOutstandingSet);
  if (outstanding.shop <= 0 && order.financialStatus !== "PENDING" && order.financialStatus !== "AUTHORIZED") throw new StoreError("order has nothing outstanding", 422);
  const at = store.at(options);
  const auth = order.transactions.find((t) => t.kind === "AUTHORIZATION");
  order.transactions.push(transaction(store, order, auth ? "CAPTURE" : "SALE", outstanding.shop > 0 ? outstanding : fromBag(order.currentTotalPriceSet), at, auth?.id ?? null));
  recomputeFinancials(order);
  order.updatedAt = at;
  store.orderChange("orders/paid", data, order, at, options);
  store.orderChange("orders/updated", data, order, at, options);
  return order;
}