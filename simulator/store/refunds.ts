// Refunds: line items (with or without restock), shipping and goodwill amounts, limited to what
// duties, limited to what was paid and not yet returned; each refund updates the order's
// quantities, totals and stock. The money goes back to the payments it came from, the card before
// a gift card, each refund transaction in both currencies (the presentment amount is what the
// buyer sees, as on Shopify's transactions).
import { recomputeFulfillmentStatus, takeFromFulfillmentOrders } from "./fulfillments.ts";
import { moveStock } from "./inventory.ts";
import { addPairs, formatCents, fromBag, parseCents, prorate, subPairs, toBag, ZERO_PAIR, type CentsPair } from "./money.ts";
import { lineDuties, lineOriginalTotal, lineTax, recomputeCurrentTotals, recomputeFinancials, sumTaxLines, taxOnTop } from "./order-totals.ts";
import { transaction } from "./payments.ts";
import { snapshot, StoreError, type OperationOptions, type ShopData, type StoreCore } from "./store-core.ts";
import type { CurrencyCode, Id, IsoDateTime, SimOrder, SimRefund, SimRestockType, SimTransaction, StoreChange } from "./types.ts";

export interface RefundInput {
  lineItems?: { lineItemId: Id; quantity: number; restockType?: SimRestockType }[];
  /** Refund shipping: `full: true` or an amount in shop currency. */
  shipping?: { full?: boolean; amount?: string } | null;
  /** Extra money back beyond items and shipping (goodwill). */
  amount?: string | null;
  /** The currency of `amount` and `shipping.amount`: the shop's (default) or the order's presentment currency. */
  currency?: CurrencyCode | null;
  /** Duties given back, as refundCreate takes them: all that is left of one, or its share for the units refunded. */
  refundDuties?: { dutyId: Id; refundType?: "FULL" | "PROPORTIONAL" }[] | null;
  note?: string | null;
}

/** Duties still to give back, per duty id. */
function dutiesLeft(order: SimOrder): Map<Id, CentsPair> {
  const left = new Map<Id, CentsPair>();
  for (const line of order.lineItems) for (const d of line.duties) left.set(d.id, fromBag(d.priceSet));
  for (const r of order.refunds) for (const d of r.duties) left.set(d.dutyId, subPairs(left.get(d.dutyId) ?? ZERO_PAIR, fromBag(d.amountSet)));
  return left;
}

export function refundOrder(store: StoreCore, domain: string, orderId: Id, input: RefundInput, options?: OperationOptions): SimRefund {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  const at = store.at(options);
  const refund = buildRefund(store, data, order, input, at);
  finishRefund(store, data, order, refund, at, options);
  return refund;
}

/** Refunds everything still refundable: all current line items, remaining shipping. */
export function refundOrderFully(store: StoreCore, domain: string, orderId: Id, options?: OperationOptions & { note?: string; restockType?: SimRestockType }): SimRefund {
  const order = store.order(domain, orderId);
  return refundOrder(store, domain, orderId, {
    lineItems: order.lineItems.filter((l) => l.currentQuantity > 0).map((l) => ({ lineItemId: l.id, quantity: l.currentQuantity, restockType: options?.restockType ?? "RETURN" })),
    shipping: order.shippingLines.length && fromBag(order.currentShippingPriceSet).shop > 0 ? { full: true } : null,
    refundDuties: allDuties(order),
    note: options?.note ?? null,
  }, options);
}

/** Every duty with something left to give back, in full. */
export function allDuties(order: SimOrder): NonNullable<RefundInput["refundDuties"]> {
  return [...dutiesLeft(order)].filter(([, left]) => left.shop > 0).map(([dutyId]) => ({ dutyId, refundType: "FULL" as const }));
}

export function buildRefund(store: StoreCore, data: ShopData, order: SimOrder, input: RefundInput, at: IsoDateTime): SimRefund {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  const refund: SimRefund = {
    ...store.mint("Refund"), orderId: order.id, createdAt: at, processedAt: at, updatedAt: at, note: input.note ?? null,
    restock: false, refundLineItems: [], refundShippingLines: [], orderAdjustments: [], transactions: [],
    totalRefundedSet: toBag(ZERO_PAIR, cur, pres), duties: [], totalDutiesSet: toBag(ZERO_PAIR, cur, pres),
  };
  const amountIn = input.currency ?? cur;
  if (amountIn !== cur && amountIn !== pres) throw new StoreError(`refund amounts are in ${cur} or ${pres}`, 422);
  // An amount given in one currency, with its counterpart at the order's exchange rate.
  const money = (amount: string): CentsPair => {
    const cents = parseCents(amount);
    return amountIn === cur ? { shop: cents, pres: Math.round(cents * order.exchangeRate) } : { shop: Math.round(cents / order.exchangeRate), pres: cents };
  };
  let total: CentsPair = ZERO_PAIR;
  for (const item of input.lineItems ?? []) {
    const line = order.lineItems.find((l) => l.id === item.lineItemId);
    if (!line) throw new StoreError(`unknown line item ${item.lineItemId}`);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > line.currentQuantity) {
      throw new StoreError(`cannot refund ${item.quantity} of line item ${line.id} (refundable: ${line.currentQuantity})`, 422);
    }
    const lineTotal = subPairs(lineOriginalTotal(line), fromBag(line.totalDiscountSet));
    const subtotal = prorate(lineTotal, item.quantity, line.quantity);
    const tax = prorate(lineTax(line), item.quantity, line.quantity);
    const restockType = item.restockType ?? "NO_RESTOCK";
    if (restockType === "CANCEL" && item.quantity > line.unfulfilledQuantity) {
      throw new StoreError(`cannot cancel ${item.quantity} of line item ${line.id}: only ${line.unfulfilledQuantity} unshipped; shipped units come back with restock type RETURN`, 422);
    }
    refund.refundLineItems.push({
      ...store.mint("RefundLineItem"), lineItemId: line.id, quantity: item.quantity, restockType,
      restocked: restockType === "RETURN" || restockType === "CANCEL",
      locationId: restockType === "NO_RESTOCK" ? null : data.shop.locations[0].id,
      priceSet: line.originalUnitPriceSet, subtotalSet: toBag(subtotal, cur, pres), totalTaxSet: toBag(tax, cur, pres),
    });
    if (restockType !== "NO_RESTOCK") refund.restock = true;
    total = addPairs(total, subtotal, taxOnTop(order, tax));
  }
  const left = dutiesLeft(order);
  let duties = ZERO_PAIR;
  for (const want of input.refundDuties ?? []) {
    const line = order.lineItems.find((l) => l.duties.some((d) => d.id === want.dutyId));
    const remaining = left.get(want.dutyId);
    if (!line || !remaining) throw new StoreError(`unknown duty ${want.dutyId}`);
    const units = refund.refundLineItems.filter((r) => r.lineItemId === line.id).reduce((n, r) => n + r.quantity, 0);
    const share = want.refundType === "PROPORTIONAL" ? prorate(lineDuties(line), units, line.quantity) : remaining;
    const amount = { shop: Math.min(share.shop, remaining.shop), pres: Math.min(share.pres, remaining.pres) };
    if (amount.shop <= 0) continue;
    refund.duties.push({ dutyId: want.dutyId, amountSet: toBag(amount, cur, pres) });
    left.set(want.dutyId, subPairs(remaining, amount));
    duties = addPairs(duties, amount);
  }
  refund.totalDutiesSet = toBag(duties, cur, pres);
  total = addPairs(total, duties);
  if (input.shipping && (input.shipping.full || input.shipping.amount)) {
    const line = order.shippingLines[0];
    if (!line) throw new StoreError("order has no shipping to refund", 422);
    const shipped = fromBag(line.discountedPriceSet);
    const shippedTax = sumTaxLines(line.taxLines);
    const already = fromBag(order.totalRefundedShippingSet);
    const remaining = subPairs(shipped, already);
    const wanted = input.shipping.full ? remaining : money(input.shipping.amount!);
    if (wanted.shop > remaining.shop || wanted.shop <= 0) throw new StoreError(`shipping refund must be between 0.01 and ${formatCents(remaining.shop)}`, 422);
    const tax = prorate(shippedTax, wanted.shop, shipped.shop || 1);
    refund.refundShippingLines.push({ ...store.mint("RefundShippingLine"), shippingLineId: line.id, subtotalAmountSet: toBag(wanted, cur, pres), taxAmountSet: toBag(tax, cur, pres) });
    total = addPairs(total, wanted, taxOnTop(order, tax));
  }
  const suggested = total;
  if (input.amount) {
    const extra = money(input.amount);
    if (extra.shop <= 0) throw new StoreError("refund amount must be positive", 422);
    total = addPairs(total, extra);
  }
  if (total.shop <= 0 && !refund.refundLineItems.length) throw new StoreError("a refund needs line items, shipping or an amount", 422);
  const received = fromBag(order.totalReceivedSet);
  const refunded = fromBag(order.totalRefundedSet);
  const refundable = subPairs(received, refunded);
  // Unpaid orders: items can be removed, no money moves.
  const paidBack = received.shop > 0 ? { shop: Math.min(total.shop, refundable.shop), pres: Math.min(total.pres, refundable.pres) } : ZERO_PAIR;
  // Money returned beyond the items and shipping (as far as they could still be refunded) shows
  // as a refund discrepancy adjustment, negative: only what was actually paid out, never more.
  if (received.shop > 0) {
    const beyond = subPairs(paidBack, { shop: Math.min(suggested.shop, refundable.shop), pres: Math.min(suggested.pres, refundable.pres) });
    if (beyond.shop > 0) {
      refund.orderAdjustments.push({ ...store.mint("OrderAdjustment"), kind: "REFUND_DISCREPANCY", reason: "REFUND_DISCREPANCY", amountSet: toBag({ shop: -beyond.shop, pres: -beyond.pres }, cur, pres), taxAmountSet: toBag(ZERO_PAIR, cur, pres) });
    }
  }
  if (paidBack.shop > 0) refund.transactions.push(...refundTransactions(store, order, paidBack, at));
  refund.totalRefundedSet = toBag(paidBack, cur, pres);
  return refund;
}

/** Splits money going back over the payments it came from: cards first, gift cards last. */
function refundTransactions(store: StoreCore, order: SimOrder, amount: CentsPair, at: IsoDateTime): SimTransaction[] {
  const ok = (t: SimTransaction) => t.status === "SUCCESS";
  const payments = order.transactions.filter((t) => ok(t) && (t.kind === "SALE" || t.kind === "CAPTURE"));
  payments.sort((a, b) => Number(a.gateway === "gift_card") - Number(b.gateway === "gift_card"));
  if (!payments.length) return [transaction(store, order, "REFUND", amount, at, null)];
  const out: SimTransaction[] = [];
  let left = amount;
  payments.forEach((p, i) => {
    if (left.shop <= 0) return;
    const returned = order.transactions.filter((t) => ok(t) && t.kind === "REFUND" && t.parentId === p.id).reduce((sum, t) => addPairs(sum, fromBag(t.amountSet)), ZERO_PAIR);
    const room = subPairs(fromBag(p.amountSet), returned);
    const last = i === payments.length - 1;
    if (room.shop <= 0 && !last) return;
    const part = last || left.shop <= room.shop ? left : { shop: room.shop, pres: Math.min(room.pres, left.pres) };
    out.push(transaction(store, order, "REFUND", part, at, p.id, { gateway: p.gateway }));
    left = subPairs(left, part);
  });
  return out;
}

export function finishRefund(store: StoreCore, data: ShopData, order: SimOrder, refund: SimRefund, at: IsoDateTime, options?: OperationOptions): void {
  for (const rli of refund.refundLineItems) {
    const line = order.lineItems.find((l) => l.id === rli.lineItemId)!;
    // A return gives back shipped units (any beyond them come off what is still to ship);
    // a cancel or a refund without restock removes units not yet shipped first.
    const shipped = line.currentQuantity - line.unfulfilledQuantity;
    const unshipped = rli.restockType === "RETURN" ? Math.max(0, rli.quantity - shipped) : Math.min(rli.quantity, line.unfulfilledQuantity);
    line.currentQuantity -= rli.quantity;
    line.unfulfilledQuantity = Math.min(line.unfulfilledQuantity - unshipped, line.currentQuantity);
    takeFromFulfillmentOrders(order, line.id, unshipped);
    const variant = rli.restocked && line.variantId ? data.variants.get(line.variantId) : undefined;
    if (variant && rli.locationId) moveStock(store, data, variant, rli.locationId, rli.quantity, at, options);
  }
  for (const rsl of refund.refundShippingLines) {
    order.totalRefundedShippingSet = toBag(addPairs(fromBag(order.totalRefundedShippingSet), fromBag(rsl.subtotalAmountSet)), order.currency, order.presentmentCurrency);
  }
  order.refunds.push(refund);
  order.transactions.push(...refund.transactions);
  for (const fo of order.fulfillmentOrders) {
    if ((fo.status === "OPEN" || fo.status === "IN_PROGRESS") && fo.lineItems.every((l) => l.remainingQuantity === 0)) {
      fo.status = "CLOSED";
      fo.updatedAt = at;
    }
  }
  recomputeFulfillmentStatus(order);
  recomputeCurrentTotals(order);
  recomputeFinancials(order);
  order.updatedAt = at;
  if (!options?.silent) {
    store.emitChange({ shop: data.shop.domain, topic: "refunds/create", occurredAt: at, refund: snapshot(refund), order: snapshot(order) } as StoreChange, options);
  }
  store.orderChange("orders/updated", data, order, at, options);
}
