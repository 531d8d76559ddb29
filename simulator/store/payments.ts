// Payments: the order's transactions, and the ways money comes in after an order is placed:
// capturing an authorization (in full or in part), voiding it, and marking a pending order paid
// (manual methods, cash on delivery, payment terms). Each reports as Shopify does: orders/paid
// once the order is paid in full, orders/updated for every change.
import { fromBag, subPairs, toBag, type CentsPair } from "./money.ts";
import { recomputeFinancials } from "./order-totals.ts";
import { StoreError, type OperationOptions, type StoreCore } from "./store-core.ts";
import type { Id, IsoDateTime, SimOrder, SimTransaction } from "./types.ts";

/** Payment methods the merchant confirms by hand (Shopify's manual payment gateways). */
const MANUAL_GATEWAYS = new Set(["manual", "cash on delivery (cod)", "bank deposit", "money order"]);

export function isManualGateway(gateway: string): boolean {
  return MANUAL_GATEWAYS.has(gateway.toLowerCase());
}

export function transaction(
  store: StoreCore, order: SimOrder, kind: SimTransaction["kind"], amount: CentsPair, at: IsoDateTime, parentId: Id | null,
  options: { gateway?: string; status?: SimTransaction["status"] } = {},
): SimTransaction {
  const gateway = options.gateway ?? (order.test ? "bogus" : "shopify_payments");
  return {
    ...store.mint("OrderTransaction"), kind, status: options.status ?? "SUCCESS", gateway,
    amountSet: toBag(amount, order.currency, order.presentmentCurrency), createdAt: at, processedAt: at, parentId, test: order.test,
    manualPaymentGateway: isManualGateway(gateway),
  };
}

/** The authorization still open (not voided), with what of it is left to capture. */
function openAuthorization(order: SimOrder): { auth: SimTransaction; capturable: CentsPair } | null {
  const ok = (t: SimTransaction) => t.status === "SUCCESS";
  for (const auth of order.transactions) {
    if (auth.kind !== "AUTHORIZATION" || !ok(auth)) continue;
    const children = order.transactions.filter((t) => t.parentId === auth.id && ok(t));
    if (children.some((t) => t.kind === "VOID")) continue;
    let capturable = fromBag(auth.amountSet);
    for (const t of children) if (t.kind === "CAPTURE") capturable = subPairs(capturable, fromBag(t.amountSet));
    if (capturable.shop > 0) return { auth, capturable };
  }
  return null;
}

/** What an order can still capture (Order.totalCapturableSet). */
export function capturableAmount(order: SimOrder): CentsPair {
  return openAuthorization(order)?.capturable ?? { shop: 0, pres: 0 };
}

function afterPayment(store: StoreCore, domain: string, order: SimOrder, wasPaid: boolean, at: IsoDateTime, options?: OperationOptions): SimOrder {
  recomputeFinancials(order);
  order.updatedAt = at;
  const data = store.shop(domain);
  if (!wasPaid && order.financialStatus === "PAID") {
    if (order.paymentTerms && !order.paymentTerms.completedAt) order.paymentTerms.completedAt = at;
    store.orderChange("orders/paid", data, order, at, options);
  }
  store.orderChange("orders/updated", data, order, at, options);
  return order;
}

function payable(store: StoreCore, domain: string, orderId: Id): SimOrder {
  const order = store.order(domain, orderId);
  if (order.cancelledAt) throw new StoreError("cannot take payment for a cancelled order", 422);
  return order;
}

/**
 * Captures an authorization (orderCapture): the amount given (shop currency) or all that is left
 * of it. A partial capture leaves the order partially paid.
 */
export function captureOrder(store: StoreCore, domain: string, orderId: Id, input: { amount?: string | null } = {}, options?: OperationOptions): SimOrder {
  const order = payable(store, domain, orderId);
  const open = openAuthorization(order);
  if (!open) throw new StoreError("order has no authorization left to capture", 422);
  let amount = open.capturable;
  if (input.amount) {
    const shop = fromBag({ shopMoney: { amount: input.amount, currencyCode: order.currency }, presentmentMoney: { amount: "0", currencyCode: order.presentmentCurrency } }).shop;
    if (shop <= 0 || shop > open.capturable.shop) throw new StoreError(`capture amount must be between 0.01 and ${order.currency} ${toBag(open.capturable, order.currency, order.presentmentCurrency).shopMoney.amount}`, 422);
    if (shop < open.capturable.shop) amount = { shop, pres: Math.round((open.capturable.pres * shop) / open.capturable.shop) };
  }
  return recordCapture(store, domain, order, open.auth, amount, options);
}

function recordCapture(store: StoreCore, domain: string, order: SimOrder, auth: SimTransaction, amount: CentsPair, options?: OperationOptions): SimOrder {
  const wasPaid = order.financialStatus === "PAID";
  const at = store.at(options);
  order.transactions.push(transaction(store, order, "CAPTURE", amount, at, auth.id, { gateway: auth.gateway }));
  return afterPayment(store, domain, order, wasPaid, at, options);
}

/** Voids an authorization nothing was captured from (transactionVoid): the order is then voided. */
export function voidAuthorization(store: StoreCore, domain: string, orderId: Id, options?: OperationOptions): SimOrder {
  const order = payable(store, domain, orderId);
  const open = openAuthorization(order);
  if (!open) throw new StoreError("order has no open authorization to void", 422);
  if (order.transactions.some((t) => t.parentId === open.auth.id && t.kind === "CAPTURE" && t.status === "SUCCESS")) {
    throw new StoreError("an authorization that was partly captured cannot be voided", 422);
  }
  const at = store.at(options);
  order.transactions.push(transaction(store, order, "VOID", fromBag(open.auth.amountSet), at, open.auth.id, { gateway: open.auth.gateway }));
  return afterPayment(store, domain, order, false, at, options);
}

/**
 * Marks a pending order paid (orderMarkAsPaid): a sale for what is outstanding, on the order's
 * manual gateway ("manual" when it has none). Refused while an authorization is open: capture it.
 */
export function markOrderAsPaid(store: StoreCore, domain: string, orderId: Id, options?: OperationOptions): SimOrder {
  const order = payable(store, domain, orderId);
  if (openAuthorization(order)) throw new StoreError("order has an open authorization: capture it instead", 422);
  const outstanding = fromBag(order.totalOutstandingSet);
  if (outstanding.shop <= 0) throw new StoreError("order has nothing outstanding", 422);
  const pending = order.transactions.find((t) => t.kind === "SALE" && t.status === "PENDING");
  const at = store.at(options);
  order.transactions.push(transaction(store, order, "SALE", outstanding, at, null, { gateway: pending?.gateway ?? "manual" }));
  return afterPayment(store, domain, order, order.financialStatus === "PAID", at, options);
}

/**
 * Takes what an order still owes, whatever it is now (an edit may have changed it since the
 * authorization): captured against its open authorization, else marked paid.
 */
export function payOrder(store: StoreCore, domain: string, orderId: Id, options?: OperationOptions): SimOrder {
  const order = payable(store, domain, orderId);
  const open = openAuthorization(order);
  if (!open) return markOrderAsPaid(store, domain, orderId, options);
  const outstanding = fromBag(order.totalOutstandingSet);
  return recordCapture(store, domain, order, open.auth, outstanding.shop > 0 ? outstanding : open.capturable, options);
}
