// Orders: placing one (lines, discounts, tax, shipping, currencies, its fulfillment order and the
// stock it takes), committed edits, and cancellation (which refunds or voids what was paid).
import { normalizeTagList } from "./customers.ts";
import { copyDeliveryMethod, deliveryMethodFor, type DeliveryMethodInput } from "./delivery-methods.ts";
import { takeFromFulfillmentOrders, recomputeFulfillmentStatus } from "./fulfillments.ts";
import { stockForLine } from "./inventory.ts";
import { fromBag, parseCents, prorate, subPairs, toBag, ZERO_PAIR, type CentsPair } from "./money.ts";
import { recomputeCurrentTotals, recomputeFinancials, recomputeOriginalTotals } from "./order-totals.ts";
import { capturableAmount, isManualGateway, transaction } from "./payments.ts";
import { allDuties, buildRefund, finishRefund, type RefundInput } from "./refunds.ts";
import { exchangeRate } from "./shops.ts";
import { customerSnapshot, snapshot, StoreError, type OperationOptions, type ShopData, type StoreCore } from "./store-core.ts";
import type {
  CurrencyCode, Id, IsoDateTime, SimCancelReason, SimFulfillmentOrder, SimLineItem, SimOrder, SimPaymentTerms, SimPaymentTermsType,
  SimShippingLine, StoreChange,
} from "./types.ts";

export interface CreateOrderLineInput {
  variantId?: Id;
  title?: string;
  sku?: string;
  /** Unit price in shop currency; defaults to the variant's price. */
  price?: string;
  quantity: number;
  /** Defaults: true, or false for a gift card. */
  taxable?: boolean;
  /** Defaults: true, or false for a gift card. */
  requiresShipping?: boolean;
  /** The purchase of a gift card (LineItem.isGiftCard, `gift_card: true`). */
  giftCard?: boolean;
  /** Import duty charged on this line (its whole quantity), shop currency. */
  duty?: { amount: string; harmonizedSystemCode?: string | null; countryCodeOfOrigin?: string | null } | null;
}

export interface CreateOrderInput {
  customerId?: Id | null;
  email?: string | null;
  lineItems: CreateOrderLineInput[];
  shipping?: { title?: string; price: string } | null;
  /** e.g. 0.08; applied to line items (and shipping when taxShipping). */
  taxRate?: number;
  taxTitle?: string;
  taxShipping?: boolean;
  discount?: { code: string; percentage?: number; amount?: string } | null;
  presentmentCurrency?: CurrencyCode;
  test?: boolean;
  /**
   * How the order is paid when placed: PAID (a sale), AUTHORIZED (an authorization to capture or
   * void later) or PENDING (nothing yet: manual methods, cash on delivery, payment terms).
   * Defaults to PAID, or PENDING with a manual gateway or payment terms.
   */
  financialStatus?: "PAID" | "PENDING" | "AUTHORIZED";
  /**
   * Gateway of the main payment: "shopify_payments" by default ("bogus" for test orders). A manual
   * method ("manual", "Cash on Delivery (COD)", "Bank Deposit", "Money Order") leaves a pending
   * sale until the merchant marks the order paid.
   */
  gateway?: string;
  /** Part of the total paid with a gift card when placed (shop currency): a sale on gateway "gift_card". */
  giftCardAmount?: string | null;
  /** A tip (shop currency): part of the total, received with the payment. */
  tip?: string | null;
  /** Prices include tax; defaults to the shop's setting. */
  taxesIncluded?: boolean;
  /** Placed on payment terms (pending until paid): NET with dueInDays, RECEIPT, FULFILLMENT or FIXED. */
  paymentTerms?: { type: SimPaymentTermsType; dueInDays?: number | null } | null;
  tags?: string[];
  note?: string | null;
  sourceName?: string;
  processedAt?: IsoDateTime;
  fulfillBy?: IsoDateTime | null;
  /**
   * How the buyer gets it, with what checkout promised (branded promise, delivery window).
   * Omitted: plain shipping named after the shipping line; null: none.
   */
  deliveryMethod?: DeliveryMethodInput | null;
}
export interface EditOrderInput {
  addLineItems?: CreateOrderLineInput[];
  /** `restock` as orderEditSetQuantity takes it: put the removed units back (default false). */
  setQuantities?: { lineItemId: Id; quantity: number; restock?: boolean }[];
  notifyCustomer?: boolean;
}

/** How an order prices its lines: currencies, tax (on top of prices or included in them). */
interface LinePricing {
  rate: number;
  shopCur: CurrencyCode;
  presCur: CurrencyCode;
  taxRate: number;
  taxTitle: string;
  taxesIncluded: boolean;
}

/** Tax on an amount: added on top, or the part of a tax-inclusive amount that is tax. */
function taxOf(amount: CentsPair, pricing: LinePricing): CentsPair {
  if (pricing.taxRate <= 0) return ZERO_PAIR;
  const factor = pricing.taxesIncluded ? pricing.taxRate / (1 + pricing.taxRate) : pricing.taxRate;
  return { shop: Math.round(amount.shop * factor), pres: Math.round(amount.pres * factor) };
}

export function buildLineItem(store: StoreCore, data: ShopData, input: CreateOrderLineInput, pricing: LinePricing, discountFraction: number, discountCents: number | null): { line: SimLineItem; total: CentsPair } {
  const { rate, shopCur, presCur, taxRate, taxTitle } = pricing;
  const variant = input.variantId ? data.variants.get(input.variantId) : undefined;
  if (input.variantId && !variant) throw new StoreError(`unknown variant ${input.variantId}`);
  if (!Number.isInteger(input.quantity) || input.quantity < 1) throw new StoreError("line item quantity must be a positive integer");
  const product = variant ? data.productsById.get(variant.productId) : undefined;
  const unitShop = parseCents(input.price ?? variant?.price ?? "0");
  const unit: CentsPair = { shop: unitShop, pres: Math.round(unitShop * rate) };
  const original = { shop: unit.shop * input.quantity, pres: unit.pres * input.quantity };
  const discount: CentsPair = discountCents !== null
    ? { shop: discountCents, pres: Math.round(discountCents * rate) }
    : { shop: Math.round(original.shop * discountFraction), pres: Math.round(original.pres * discountFraction) };
  const discounted = subPairs(original, discount);
  const giftCard = input.giftCard ?? false;
  const taxable = input.taxable ?? !giftCard;
  const tax: CentsPair = taxable ? taxOf(discounted, pricing) : ZERO_PAIR;
  const dutyShop = input.duty ? parseCents(input.duty.amount) : 0;
  if (dutyShop < 0) throw new StoreError("a duty cannot be negative");
  const title = input.title ?? product?.title ?? "Custom item";
  const variantTitle = variant && variant.title !== "Default Title" ? variant.title : null;
  const line: SimLineItem = {
    ...store.mint("LineItem"),
    productId: product?.id ?? null,
    variantId: variant?.id ?? null,
    title,
    variantTitle,
    name: variantTitle ? `${title} - ${variantTitle}` : title,
    sku: input.sku ?? variant?.sku ?? null,
    vendor: product?.vendor ?? null,
    quantity: input.quantity,
    currentQuantity: input.quantity,
    unfulfilledQuantity: input.quantity,
    requiresShipping: input.requiresShipping ?? !giftCard,
    taxable,
    grams: variant?.grams ?? 0,
    originalUnitPriceSet: toBag(unit, shopCur, presCur),
    discountedUnitPriceSet: toBag(prorate(discounted, 1, input.quantity), shopCur, presCur),
    totalDiscountSet: toBag(discount, shopCur, presCur),
    taxLines: tax.shop || tax.pres ? [{ title: taxTitle, rate: taxRate, priceSet: toBag(tax, shopCur, presCur) }] : [],
    giftCard,
    duties: input.duty
      ? [{
          ...store.mint("Duty"),
          harmonizedSystemCode: input.duty.harmonizedSystemCode ?? null,
          countryCodeOfOrigin: input.duty.countryCodeOfOrigin ?? null,
          priceSet: toBag({ shop: dutyShop, pres: Math.round(dutyShop * rate) }, shopCur, presCur),
          taxLines: [],
        }]
      : [],
  };
  return { line, total: original };
}

export function createOrder(store: StoreCore, domain: string, input: CreateOrderInput, options?: OperationOptions): SimOrder {
  const data = store.shop(domain);
  if (!input.lineItems?.length) throw new StoreError("an order needs at least one line item");
  const customer = input.customerId ? data.customers.get(input.customerId) : undefined;
  if (input.customerId && !customer) throw new StoreError(`unknown customer ${input.customerId}`);
  const at = store.at(options);
  const shopCur = data.shop.currency;
  const presCur = input.presentmentCurrency ?? shopCur;
  const rate = exchangeRate(shopCur, presCur);
  const taxRate = input.taxRate ?? 0;
  const taxTitle = input.taxTitle ?? "Sales Tax";
  const taxesIncluded = input.taxesIncluded ?? data.shop.taxesIncluded;
  const pricing: LinePricing = { rate, shopCur, presCur, taxRate, taxTitle, taxesIncluded };

  // Discount: a percentage applies to each line; a fixed amount is allocated by line value.
  let fraction = 0;
  let allocations: (number | null)[] = input.lineItems.map(() => null);
  if (input.discount?.percentage) fraction = input.discount.percentage / 100;
  else if (input.discount?.amount) {
    const amount = parseCents(input.discount.amount);
    const values = input.lineItems.map((l) => parseCents(l.price ?? (l.variantId ? data.variants.get(l.variantId)?.price ?? "0" : "0")) * l.quantity);
    const sum = values.reduce((a, b) => a + b, 0);
    const capped = Math.min(amount, sum);
    let given = 0;
    allocations = values.map((v, i) => {
      const share = i === values.length - 1 ? capped - given : Math.round((capped * v) / (sum || 1));
      given += share;
      return share;
    });
  }
  const built = input.lineItems.map((l, i) => buildLineItem(store, data, l, pricing, fraction, allocations[i]));
  const shippingLines: SimShippingLine[] = [];
  if (input.shipping) {
    const price = parseCents(input.shipping.price);
    const p: CentsPair = { shop: price, pres: Math.round(price * rate) };
    const tax = input.taxShipping ? taxOf(p, pricing) : ZERO_PAIR;
    const title = input.shipping.title ?? "Standard";
    shippingLines.push({
      ...store.mint("ShippingLine"), title, code: title, source: "shopify",
      originalPriceSet: toBag(p, shopCur, presCur), discountedPriceSet: toBag(p, shopCur, presCur),
      taxLines: tax.shop || tax.pres ? [{ title: taxTitle, rate: taxRate, priceSet: toBag(tax, shopCur, presCur) }] : [],
      isRemoved: false,
    });
  }
  const deliveryMethod = deliveryMethodFor(store, input.deliveryMethod, shippingLines[0]);
  const { id, gid } = store.mint("Order");
  const number = data.nextOrderNumber - 1000;
  const orderNumber = data.nextOrderNumber++;
  const zero = toBag(ZERO_PAIR, shopCur, presCur);
  const order: SimOrder = {
    id, gid, shopDomain: data.shop.domain,
    name: `#${orderNumber}`, number, orderNumber,
    customerId: customer?.id ?? null,
    email: input.email ?? customer?.email ?? null,
    createdAt: at, processedAt: input.processedAt ?? at, updatedAt: at, closedAt: null,
    cancelledAt: null, cancelReason: null,
    test: input.test ?? false,
    tags: normalizeTagList(input.tags ?? []),
    note: input.note ?? null,
    sourceName: input.sourceName ?? "web",
    currency: shopCur, presentmentCurrency: presCur, exchangeRate: rate,
    taxesIncluded,
    lineItems: built.map((b) => b.line),
    shippingLines,
    taxLines: [],
    discountCodes: input.discount ? [{ code: input.discount.code, amountSet: zero, type: input.discount.percentage ? "percentage" : "fixed_amount" }] : [],
    subtotalPriceSet: zero, totalDiscountsSet: zero, totalShippingPriceSet: zero, totalTaxSet: zero, totalPriceSet: zero, originalTotalPriceSet: zero,
    currentSubtotalPriceSet: zero, currentTotalDiscountsSet: zero, currentShippingPriceSet: zero, currentTotalTaxSet: zero, currentTotalPriceSet: zero,
    totalRefundedSet: zero, totalRefundedShippingSet: zero, totalReceivedSet: zero, totalOutstandingSet: zero,
    tipSet: toBag(tipOf(input.tip, rate), shopCur, presCur), totalTipReceivedSet: zero,
    originalTotalDutiesSet: null, currentTotalDutiesSet: null,
    paymentTerms: input.paymentTerms ? paymentTerms(store, input.paymentTerms, at) : null,
    financialStatus: "PENDING", fulfillmentStatus: "UNFULFILLED",
    transactions: [], refunds: [], fulfillmentOrders: [], fulfillments: [], edited: false,
    metafields: new Map(),
  };
  recomputeOriginalTotals(order);
  order.originalTotalPriceSet = order.totalPriceSet;
  if (order.discountCodes.length) order.discountCodes[0].amountSet = order.totalDiscountsSet;
  recomputeCurrentTotals(order);

  const fo: SimFulfillmentOrder = {
    ...store.mint("FulfillmentOrder"), orderId: id, status: "OPEN", assignedLocationId: data.shop.locations[0].id,
    fulfillAt: at, fulfillBy: input.fulfillBy ?? null, deliveryMethod,
    lineItems: order.lineItems.filter((l) => l.requiresShipping).map((l) => ({ ...store.mint("FulfillmentOrderLineItem"), lineItemId: l.id, totalQuantity: l.quantity, remainingQuantity: l.quantity })),
    createdAt: at, updatedAt: at,
  };
  if (fo.lineItems.length) {
    order.fulfillmentOrders.push(fo);
    data.fulfillmentOrders.set(fo.id, fo);
  }
  placePayment(store, order, input, at);
  recomputeFinancials(order);

  data.orders.set(id, order);
  if (order.customerId) {
    const list = data.ordersByCustomer.get(order.customerId) ?? [];
    list.push(order);
    data.ordersByCustomer.set(order.customerId, list);
  }
  store.orderChange("orders/create", data, order, at, options);
  if (order.financialStatus === "PAID") store.orderChange("orders/paid", data, order, at, options);
  // Placing an order takes its units from available stock, as Shopify does for tracked items.
  for (const line of order.lineItems) stockForLine(store, data, order, line, -line.quantity, at, options);
  return order;
}
function tipOf(tip: string | null | undefined, rate: number): CentsPair {
  const shop = tip ? parseCents(tip) : 0;
  if (shop < 0) throw new StoreError("a tip cannot be negative");
  return { shop, pres: Math.round(shop * rate) };
}

const TERMS_NAMES: Record<SimPaymentTermsType, string> = { NET: "Net", RECEIPT: "Due on receipt", FULFILLMENT: "Due on fulfillment", FIXED: "Fixed" };

function paymentTerms(store: StoreCore, input: NonNullable<CreateOrderInput["paymentTerms"]>, at: IsoDateTime): SimPaymentTerms {
  if (!Object.hasOwn(TERMS_NAMES, input.type)) throw new StoreError(`payment terms type must be one of ${Object.keys(TERMS_NAMES).join(", ")}`);
  const days = input.type === "NET" ? input.dueInDays ?? 30 : null;
  return {
    ...store.mint("PaymentTerms"),
    paymentTermsType: input.type,
    paymentTermsName: days !== null ? `Net ${days}` : TERMS_NAMES[input.type],
    dueInDays: days,
    issuedAt: at,
    dueAt: days !== null ? new Date(Date.parse(at) + days * 86_400_000).toISOString() : input.type === "RECEIPT" ? at : null,
    completedAt: null,
  };
}

/** The transactions of an order as placed: a gift card part, then the main payment as the status asks. */
function placePayment(store: StoreCore, order: SimOrder, input: CreateOrderInput, at: IsoDateTime): void {
  const total = fromBag(order.totalPriceSet);
  const manual = input.gateway !== undefined && isManualGateway(input.gateway);
  const status = input.financialStatus ?? (manual || input.paymentTerms ? "PENDING" : "PAID");
  if (input.paymentTerms && status !== "PENDING") throw new StoreError("an order on payment terms is placed pending", 422);
  let rest = total;
  if (input.giftCardAmount) {
    const wanted = parseCents(input.giftCardAmount);
    if (wanted <= 0) throw new StoreError("a gift card amount must be positive", 422);
    const shop = Math.min(wanted, total.shop);
    const giftCard = shop === total.shop ? total : { shop, pres: Math.min(Math.round(shop * order.exchangeRate), total.pres) };
    order.transactions.push(transaction(store, order, "SALE", giftCard, at, null, { gateway: "gift_card" }));
    rest = subPairs(total, giftCard);
  }
  if (rest.shop <= 0) return;
  const gateway = input.gateway;
  if (status === "PAID") order.transactions.push(transaction(store, order, "SALE", rest, at, null, { gateway }));
  else if (status === "AUTHORIZED") order.transactions.push(transaction(store, order, "AUTHORIZATION", rest, at, null, { gateway }));
  else if (manual) order.transactions.push(transaction(store, order, "SALE", rest, at, null, { gateway, status: "PENDING" }));
}

/** An order edit, committed: add line items and/or change quantities. */
export function editOrder(store: StoreCore, domain: string, orderId: Id, input: EditOrderInput, options?: OperationOptions): SimOrder {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  if (order.cancelledAt) throw new StoreError("cannot edit a cancelled order", 422);
  const at = store.at(options);
  const added: { lineItemId: Id; delta: number }[] = [];
  const removed: { lineItemId: Id; delta: number }[] = [];
  const restocked: { line: SimLineItem; delta: number }[] = [];
  for (const change of input.setQuantities ?? []) {
    const line = order.lineItems.find((l) => l.id === change.lineItemId);
    if (!line) throw new StoreError(`unknown line item ${change.lineItemId}`);
    if (change.quantity < 0 || change.quantity > line.currentQuantity) throw new StoreError("an edit can only lower a line item's quantity; add a new line item to raise it");
    const delta = line.currentQuantity - change.quantity;
    if (delta === 0) continue;
    // Shopify's edits only remove units not yet shipped.
    if (delta > line.unfulfilledQuantity) throw new StoreError(`cannot remove fulfilled units of line item ${line.id} (unfulfilled: ${line.unfulfilledQuantity})`, 422);
    line.currentQuantity = change.quantity;
    line.unfulfilledQuantity -= delta;
    removed.push({ lineItemId: line.id, delta });
    takeFromFulfillmentOrders(order, line.id, delta);
    if (change.restock) restocked.push({ line, delta });
  }
  const taxRate = order.lineItems.flatMap((l) => l.taxLines)[0]?.rate ?? 0;
  const taxTitle = order.lineItems.flatMap((l) => l.taxLines)[0]?.title ?? "Sales Tax";
  for (const l of input.addLineItems ?? []) {
    const { line } = buildLineItem(store, data, l, { rate: order.exchangeRate, shopCur: order.currency, presCur: order.presentmentCurrency, taxRate, taxTitle, taxesIncluded: order.taxesIncluded }, 0, null);
    order.lineItems.push(line);
    added.push({ lineItemId: line.id, delta: line.quantity });
    if (line.requiresShipping) {
      let fo = order.fulfillmentOrders.find((f) => f.status === "OPEN");
      if (!fo && !order.fulfillmentOrders.some((f) => f.status === "ON_HOLD" || f.status === "SCHEDULED")) {
        // Everything else shipped (or none needed shipping): the added item gets its own fulfillment order.
        fo = { ...store.mint("FulfillmentOrder"), orderId: order.id, status: "OPEN", assignedLocationId: order.fulfillmentOrders[0]?.assignedLocationId ?? data.shop.locations[0].id, fulfillAt: at, fulfillBy: null, deliveryMethod: copyDeliveryMethod(store, order.fulfillmentOrders[0]?.deliveryMethod), lineItems: [], createdAt: at, updatedAt: at };
        order.fulfillmentOrders.push(fo);
        data.fulfillmentOrders.set(fo.id, fo);
      }
      if (fo) fo.lineItems.push({ ...store.mint("FulfillmentOrderLineItem"), lineItemId: line.id, totalQuantity: line.quantity, remainingQuantity: line.quantity });
    }
  }
  if (!added.length && !removed.length) throw new StoreError("the edit changes nothing");
  order.edited = true;
  recomputeFulfillmentStatus(order);
  recomputeOriginalTotals(order);
  recomputeCurrentTotals(order);
  recomputeFinancials(order);
  order.updatedAt = at;
  const edit = store.mint("OrderEdit");
  if (!options?.silent) {
    store.emitChange({
      shop: data.shop.domain, topic: "orders/edited", occurredAt: at, order: snapshot(order), customer: customerSnapshot(data, order),
      edit: { id: edit.id, gid: edit.gid, committedAt: at, notifyCustomer: input.notifyCustomer ?? false, lineItemsAdded: added, lineItemsRemoved: removed },
    } as StoreChange, options);
  }
  store.orderChange("orders/updated", data, order, at, options);
  for (const { line, delta } of restocked) stockForLine(store, data, order, line, delta, at, options);
  for (const { lineItemId, delta } of added) stockForLine(store, data, order, order.lineItems.find((l) => l.id === lineItemId)!, -delta, at, options);
  return order;
}
export function cancelOrder(store: StoreCore, domain: string, orderId: Id, input: { reason?: SimCancelReason; refund?: boolean; restock?: boolean } = {}, options?: OperationOptions): SimOrder {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  if (order.cancelledAt) throw new StoreError("order is already cancelled", 422);
  const at = store.at(options);
  const paid = fromBag(order.totalReceivedSet).shop > 0;
  if (paid && input.refund !== false) {
    const refund = buildRefund(store, data, order, {
      lineItems: order.lineItems.filter((l) => l.currentQuantity > 0).flatMap((l): NonNullable<RefundInput["lineItems"]> => {
        if (input.restock === false) return [{ lineItemId: l.id, quantity: l.currentQuantity, restockType: "NO_RESTOCK" }];
        // Units already shipped come back as a return; the rest are cancelled.
        const shipped = l.currentQuantity - l.unfulfilledQuantity;
        return [
          ...(l.unfulfilledQuantity > 0 ? [{ lineItemId: l.id, quantity: l.unfulfilledQuantity, restockType: "CANCEL" as const }] : []),
          ...(shipped > 0 ? [{ lineItemId: l.id, quantity: shipped, restockType: "RETURN" as const }] : []),
        ];
      }),
      shipping: order.shippingLines.length && fromBag(order.currentShippingPriceSet).shop > 0 ? { full: true } : null,
      refundDuties: allDuties(order),
    }, at);
    order.cancelledAt = at;
    order.cancelReason = input.reason ?? "CUSTOMER";
    finishRefund(store, data, order, refund, at, { ...options, silent: true });
    if (!options?.silent) store.emitChange({ shop: data.shop.domain, topic: "refunds/create", occurredAt: at, refund: snapshot(refund), order: snapshot(order) } as StoreChange, options);
  } else {
    order.cancelledAt = at;
    order.cancelReason = input.reason ?? "CUSTOMER";
    // An authorization still open is voided with the order (one already voided stays as it is).
    const auth = order.transactions.find((t) => t.kind === "AUTHORIZATION");
    if (auth && capturableAmount(order).shop > 0) order.transactions.push(transaction(store, order, "VOID", fromBag(auth.amountSet), at, auth.id, { gateway: auth.gateway }));
  }
  order.closedAt = at;
  for (const fo of order.fulfillmentOrders) {
    if (fo.status === "OPEN" || fo.status === "IN_PROGRESS" || fo.status === "SCHEDULED" || fo.status === "ON_HOLD") {
      fo.status = "CLOSED";
      fo.updatedAt = at;
      if (!options?.silent) store.emitChange({ shop: data.shop.domain, topic: "fulfillment_orders/cancelled", occurredAt: at, fulfillmentOrder: snapshot(fo), related: [], order: snapshot(order) } as unknown as StoreChange, options);
    }
  }
  recomputeFinancials(order);
  order.updatedAt = at;
  store.orderChange("orders/cancelled", data, order, at, options);
  store.orderChange("orders/updated", data, order, at, options);
  return order;
}
