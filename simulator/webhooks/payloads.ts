// Webhook bodies built from the store's objects, shaped like Shopify's own
// deliveries at API 2025-10 (see ../shared/reference/webhooks/ and the
// conformance test beside this file): the same field names, nesting and JSON
// types. Ids are `RawNumber`s so the JSON text carries every digit.

import type {
  MoneyBag,
  SimBulkOperation,
  SimCustomer,
  SimFulfillment,
  SimFulfillmentOrder,
  SimLineItem,
  SimOrder,
  SimRefund,
  SimShop,
  SimTaxLine,
  SimTransaction,
  StoreChange,
  StoreChangeOf,
} from "../store/types.ts";
import { addressFor, stableHash, type Person } from "../store/addresses.ts";
import { rawId, type RawNumber } from "./webhook-json.ts";
import { shopTime, timezoneLabel } from "./shop-time.ts";

export type WebhookTopic =
  | StoreChange["topic"]
  | "customers/data_request"
  | "customers/redact"
  | "shop/redact";

type Json = unknown;
type Obj = Record<string, Json>;

/** What every builder needs to know about the shop. */
export interface PayloadContext {
  shopId: string;
  shopDomain: string;
  timeZone: string; // IANA
  currency: string;
}

export function payloadContext(shop: SimShop | undefined, domain: string): PayloadContext {
  return {
    shopId: shop?.id ?? "0",
    shopDomain: shop?.domain ?? domain,
    timeZone: shop?.ianaTimezone ?? "UTC",
    currency: shop?.currency ?? "USD",
  };
}

// ---------------------------------------------------------------- small pieces

const lower = (s: string | null | undefined) => (s == null ? null : s.toLowerCase());
const gid = (type: string, id: string | number) => `gid://shopify/${type}/${id}`;

function moneySet(bag: MoneyBag): Obj {
  return {
    shop_money: { amount: bag.shopMoney.amount, currency_code: bag.shopMoney.currencyCode },
    presentment_money: { amount: bag.presentmentMoney.amount, currency_code: bag.presentmentMoney.currencyCode },
  };
}

function zeroBag(shopCurrency: string, presentmentCurrency: string): MoneyBag {
  return {
    shopMoney: { amount: "0.00", currencyCode: shopCurrency },
    presentmentMoney: { amount: "0.00", currencyCode: presentmentCurrency },
  };
}

const cents = (amount: string) => Math.round(Number(amount) * 100);
const fromCents = (c: number) => (c / 100).toFixed(2);

function scaleBag(bag: MoneyBag, factor: number): MoneyBag {
  return {
    shopMoney: { amount: fromCents(cents(bag.shopMoney.amount) * factor), currencyCode: bag.shopMoney.currencyCode },
    presentmentMoney: { amount: fromCents(cents(bag.presentmentMoney.amount) * factor), currencyCode: bag.presentmentMoney.currencyCode },
  };
}

function sumBags(bags: MoneyBag[], shopCurrency: string, presentmentCurrency: string): MoneyBag {
  let s = 0;
  let p = 0;
  for (const b of bags) {
    s += cents(b.shopMoney.amount);
    p += cents(b.presentmentMoney.amount);
  }
  return {
    shopMoney: { amount: fromCents(s), currencyCode: shopCurrency },
    presentmentMoney: { amount: fromCents(p), currencyCode: presentmentCurrency },
  };
}

function taxLines(lines: SimTaxLine[]): Obj[] {
  return lines.map((t) => ({
    channel_liable: false,
    price: t.priceSet.shopMoney.amount,
    price_set: moneySet(t.priceSet),
    rate: t.rate,
    title: t.title,
  }));
}

const hash = stableHash;

/** An address as payloads carry it (derived from the owner's id: simulator/store/addresses.ts). */
function postalAddress(seed: string, who: Person): Obj {
  const a = addressFor(seed, who);
  return {
    first_name: a.firstName,
    address1: a.address1,
    phone: a.phone,
    city: a.city,
    zip: a.zip,
    province: a.province,
    country: a.country,
    last_name: a.lastName,
    address2: a.address2,
    company: a.company,
    latitude: a.latitude,
    longitude: a.longitude,
    name: a.name,
    country_code: a.countryCode,
    province_code: a.provinceCode,
  };
}

function customerAddress(c: SimCustomer): Obj {
  const a = postalAddress(`customer:${c.id}`, c);
  // A customer address has its own id, derived so it is stable across payloads.
  const addressId = String(1_000_000_000 + (hash(`address:${c.id}`) % 8_999_999_999));
  return {
    id: rawId(addressId),
    customer_id: rawId(c.id),
    first_name: a.first_name,
    last_name: a.last_name,
    company: a.company,
    address1: a.address1,
    address2: a.address2,
    city: a.city,
    province: a.province,
    country: a.country,
    zip: a.zip,
    phone: a.phone,
    name: a.name,
    province_code: a.province_code,
    country_code: a.country_code,
    country_name: a.country,
    default: true,
  };
}

// ---------------------------------------------------------------- customers

/** The customer object inside an order payload (no addresses list). */
function orderCustomer(c: SimCustomer, ctx: PayloadContext): Obj {
  return {
    id: rawId(c.id),
    created_at: shopTime(c.createdAt, ctx.timeZone),
    updated_at: shopTime(c.updatedAt, ctx.timeZone),
    first_name: c.firstName,
    last_name: c.lastName,
    state: lower(c.state),
    note: c.note,
    verified_email: c.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: c.taxExempt,
    email: c.email,
    phone: c.phone,
    currency: c.currency,
    tax_exemptions: [],
    admin_graphql_api_id: c.gid,
    default_address: customerAddress(c),
  };
}

/** customers/create and customers/update: the order's customer object plus its addresses. Since 2025-01 without tags, order count or total spent. */
export function customerPayload(c: SimCustomer, ctx: PayloadContext): Obj {
  const customer = orderCustomer(c, ctx);
  return { ...customer, addresses: [customer.default_address] };
}

export function customerDeletePayload(c: Pick<SimCustomer, "id" | "gid">): Obj {
  return { id: rawId(c.id), tax_exemptions: [], admin_graphql_api_id: c.gid };
}

/** customer.tags_added / customer.tags_removed: a GraphQL-style event body. */
export function customerTagsPayload(c: Pick<SimCustomer, "gid">, tags: string[], occurredAt: string): Obj {
  return { customerId: c.gid, tags: [...tags], occurredAt: new Date(occurredAt).toISOString() };
}

// ---------------------------------------------------------------- orders

type LineItemShape = "order" | "nested";

function lineItemFulfillmentStatus(li: SimLineItem): string | null {
  const fulfilled = li.currentQuantity - li.unfulfilledQuantity;
  if (fulfilled <= 0) return null;
  return li.unfulfilledQuantity === 0 ? "fulfilled" : "partial";
}

function lineItem(li: SimLineItem, shape: LineItemShape): Obj {
  const hasDiscount = cents(li.totalDiscountSet.shopMoney.amount) !== 0;
  const common: Obj = {
    id: rawId(li.id),
    variant_id: rawId(li.variantId),
    title: li.title,
    quantity: li.quantity,
    sku: li.sku,
    variant_title: li.variantTitle,
    vendor: li.vendor,
    fulfillment_service: "manual",
    product_id: rawId(li.productId),
    requires_shipping: li.requiresShipping,
    taxable: li.taxable,
    gift_card: li.giftCard,
    name: li.name,
    variant_inventory_management: li.variantId ? "shopify" : null,
    properties: [],
    product_exists: li.productId !== null,
    fulfillable_quantity: li.unfulfilledQuantity,
    grams: li.grams,
    price: li.originalUnitPriceSet.shopMoney.amount,
    total_discount: li.totalDiscountSet.shopMoney.amount,
    fulfillment_status: lineItemFulfillmentStatus(li),
    price_set: moneySet(li.originalUnitPriceSet),
    total_discount_set: moneySet(li.totalDiscountSet),
    discount_allocations: hasDiscount
      ? [{ amount: li.totalDiscountSet.shopMoney.amount, discount_application_index: 0, amount_set: moneySet(li.totalDiscountSet) }]
      : [],
    duties: li.duties.map((d) => ({
      id: rawId(d.id),
      harmonized_system_code: d.harmonizedSystemCode,
      country_code_of_origin: d.countryCodeOfOrigin,
      price_set: moneySet(d.priceSet),
      tax_lines: taxLines(d.taxLines),
      admin_graphql_api_id: d.gid,
    })),
    admin_graphql_api_id: li.gid,
    tax_lines: taxLines(li.taxLines),
  };
  if (shape === "nested") return common;
  return { ...common, attributed_staffs: [], current_quantity: li.currentQuantity, sales_line_item_group_id: null };
}

function shippingLine(s: SimOrder["shippingLines"][number]): Obj {
  return {
    id: rawId(s.id),
    carrier_identifier: null,
    code: s.code,
    current_discounted_price_set: moneySet(s.isRemoved ? scaleBag(s.discountedPriceSet, 0) : s.discountedPriceSet),
    discounted_price: s.discountedPriceSet.shopMoney.amount,
    discounted_price_set: moneySet(s.discountedPriceSet),
    is_removed: s.isRemoved,
    phone: null,
    price: s.originalPriceSet.shopMoney.amount,
    price_set: moneySet(s.originalPriceSet),
    requested_fulfillment_service_id: null,
    source: s.source,
    title: s.title,
    tax_lines: taxLines(s.taxLines),
    discount_allocations: [],
  };
}

function transaction(t: SimTransaction, orderId: string, orderName: string): Obj {
  return {
    id: rawId(t.id),
    order_id: rawId(orderId),
    kind: lower(t.kind),
    gateway: t.gateway,
    status: lower(t.status),
    message: null,
    created_at: t.createdAt,
    test: t.test,
    authorization: null,
    location_id: null,
    user_id: null,
    parent_id: rawId(t.parentId),
    processed_at: t.processedAt,
    device_id: null,
    error_code: null,
    source_name: "web",
    receipt: {},
    // Transactions are in the currency the buyer paid in (the presentment currency).
    amount: t.amountSet.presentmentMoney.amount,
    currency: t.amountSet.presentmentMoney.currencyCode,
    payment_id: `${orderName}.${t.id.slice(-1)}`,
    total_unsettled_set: {
      presentment_money: { amount: "0.0", currency: "XXX" },
      shop_money: { amount: "0.0", currency: "XXX" },
    },
    manual_payment_gateway: t.manualPaymentGateway,
    amount_rounding: null,
    admin_graphql_api_id: t.gid,
  };
}

/** The refund object: the refunds/create body, and each entry of an order's `refunds`. */
export function refundPayload(r: SimRefund, order: SimOrder, ctx: PayloadContext): Obj {
  const t = (iso: string | null) => shopTime(iso, ctx.timeZone);
  const byId = new Map(order.lineItems.map((li) => [li.id, li]));
  return {
    id: rawId(r.id),
    order_id: rawId(order.id),
    created_at: t(r.createdAt),
    note: r.note,
    user_id: null, // refunds made through the API carry no staff user
    processed_at: t(r.processedAt),
    // No sample shows a refunded duty; each entry follows RefundDuty (the duty's id and the amount given back).
    duties: r.duties.map((d) => ({ duty_id: rawId(d.dutyId), amount_set: moneySet(d.amountSet) })),
    total_duties_set: moneySet(r.totalDutiesSet),
    return: null,
    restock: r.restock,
    refund_shipping_lines: r.refundShippingLines.map((s) => ({
      id: rawId(s.id),
      shipping_line_id: rawId(s.shippingLineId),
      subtotal_amount_set: moneySet(s.subtotalAmountSet),
      tax_amount_set: moneySet(s.taxAmountSet),
    })),
    admin_graphql_api_id: r.gid,
    order_adjustments: r.orderAdjustments.map((a) => ({
      id: rawId(a.id),
      order_id: rawId(order.id),
      refund_id: rawId(r.id),
      amount: a.amountSet.shopMoney.amount,
      tax_amount: a.taxAmountSet.shopMoney.amount,
      kind: lower(a.kind),
      reason: a.kind === "SHIPPING_REFUND" ? "Shipping refund" : "Refund discrepancy",
      amount_set: moneySet(a.amountSet),
      tax_amount_set: moneySet(a.taxAmountSet),
    })),
    refund_line_items: r.refundLineItems.map((rli) => {
      const li = byId.get(rli.lineItemId);
      return {
        id: rawId(rli.id),
        quantity: rli.quantity,
        line_item_id: rawId(rli.lineItemId),
        location_id: rawId(rli.locationId),
        restock_type: lower(rli.restockType),
        // Shopify sends these two as JSON numbers, unlike every other amount.
        subtotal: Number(rli.subtotalSet.shopMoney.amount),
        total_tax: Number(rli.totalTaxSet.shopMoney.amount),
        subtotal_set: moneySet(rli.subtotalSet),
        total_tax_set: moneySet(rli.totalTaxSet),
        line_item: li ? lineItem(li, "nested") : null,
      };
    }),
    transactions: r.transactions.map((tx) => ({
      ...transaction(tx, order.id, order.name),
      created_at: t(tx.createdAt),
      processed_at: t(tx.processedAt),
    })),
  };
}

/** An order's payment terms as the REST Order resource shows them (the samples carry none). */
function paymentTerms(o: SimOrder, ctx: PayloadContext): Obj {
  const terms = o.paymentTerms!;
  const t = (iso: string | null) => shopTime(iso, ctx.timeZone);
  const amount = Number(o.totalOutstandingSet.presentmentMoney.amount);
  return {
    id: rawId(terms.id),
    amount,
    currency: o.presentmentCurrency,
    payment_terms_name: terms.paymentTermsName,
    payment_terms_type: terms.paymentTermsType.toLowerCase(),
    due_in_days: terms.dueInDays,
    created_at: t(terms.issuedAt),
    updated_at: t(terms.completedAt ?? terms.issuedAt),
    payment_schedules: [{
      id: rawId(terms.id),
      amount: Number(o.totalPriceSet.presentmentMoney.amount),
      currency: o.presentmentCurrency,
      issued_at: t(terms.issuedAt),
      due_at: t(terms.dueAt),
      completed_at: t(terms.completedAt),
      expected_payment_method: null,
    }],
  };
}

function orderToken(o: SimOrder): string {
  return (hash(`token:${o.id}`).toString(16) + hash(`token2:${o.id}`).toString(16)).padStart(16, "0");
}

function confirmationNumber(o: SimOrder): string {
  return hash(`confirmation:${o.id}`).toString(36).toUpperCase().padStart(7, "X").slice(0, 9);
}

/** orders/create, orders/updated, orders/paid, orders/cancelled (and orders/fulfilled & co.). */
export function orderPayload(o: SimOrder, customer: SimCustomer | null, ctx: PayloadContext): Obj {
  const t = (iso: string | null) => shopTime(iso, ctx.timeZone);
  const zero = zeroBag(o.currency, o.presentmentCurrency);
  const lineItemsPrice = sumBags(
    o.lineItems.map((li) => scaleBag(li.originalUnitPriceSet, li.quantity)),
    o.currency,
    o.presentmentCurrency,
  );
  const gateways = [...new Set(o.transactions.map((x) => x.gateway))];
  const who: Person = customer ?? { firstName: null, lastName: null, phone: null };
  const address = o.lineItems.some((li) => li.requiresShipping) || customer
    ? postalAddress(customer ? `customer:${customer.id}` : `order:${o.id}`, who)
    : null;
  const fulfillmentStatus =
    o.fulfillmentStatus === "FULFILLED" ? "fulfilled" : o.fulfillmentStatus === "PARTIALLY_FULFILLED" ? "partial" : o.fulfillmentStatus === "RESTOCKED" ? "restocked" : null;
  const token = orderToken(o);
  return {
    id: rawId(o.id),
    admin_graphql_api_id: o.gid,
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: false,
    cancel_reason: lower(o.cancelReason),
    cancelled_at: t(o.cancelledAt),
    cart_token: null,
    checkout_id: null,
    checkout_token: null,
    client_details: null,
    closed_at: t(o.closedAt),
    confirmation_number: confirmationNumber(o),
    confirmed: true,
    contact_email: o.email,
    created_at: t(o.createdAt),
    currency: o.currency,
    current_shipping_price_set: moneySet(o.currentShippingPriceSet),
    current_subtotal_price: o.currentSubtotalPriceSet.shopMoney.amount,
    current_subtotal_price_set: moneySet(o.currentSubtotalPriceSet),
    current_total_additional_fees_set: null,
    current_total_discounts: o.currentTotalDiscountsSet.shopMoney.amount,
    current_total_discounts_set: moneySet(o.currentTotalDiscountsSet),
    current_total_duties_set: o.currentTotalDutiesSet ? moneySet(o.currentTotalDutiesSet) : null,
    current_total_price: o.currentTotalPriceSet.shopMoney.amount,
    current_total_price_set: moneySet(o.currentTotalPriceSet),
    current_total_tax: o.currentTotalTaxSet.shopMoney.amount,
    current_total_tax_set: moneySet(o.currentTotalTaxSet),
    customer_locale: "en",
    device_id: null,
    discount_codes: o.discountCodes.map((d) => ({ code: d.code, amount: d.amountSet.shopMoney.amount, type: d.type })),
    duties_included: false,
    email: o.email,
    estimated_taxes: false,
    financial_status: lower(o.financialStatus),
    fulfillment_status: fulfillmentStatus,
    landing_site: null,
    landing_site_ref: null,
    location_id: null,
    merchant_business_entity_id: Buffer.from(ctx.shopId).toString("base64").replace(/=+$/, ""),
    merchant_of_record_app_id: null,
    name: o.name,
    note: o.note,
    note_attributes: [],
    number: o.number,
    order_number: o.orderNumber,
    order_status_url: `https://${ctx.shopDomain}/${ctx.shopId}/orders/${token}/authenticate?key=${hash(`key:${o.id}`).toString(16)}`,
    original_total_additional_fees_set: null,
    original_total_duties_set: o.originalTotalDutiesSet ? moneySet(o.originalTotalDutiesSet) : null,
    payment_gateway_names: gateways,
    phone: null,
    po_number: null,
    presentment_currency: o.presentmentCurrency,
    processed_at: t(o.processedAt),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: o.sourceName,
    source_url: null,
    subtotal_price: o.subtotalPriceSet.shopMoney.amount,
    subtotal_price_set: moneySet(o.subtotalPriceSet),
    tags: o.tags.join(", "),
    tax_exempt: customer?.taxExempt ?? false,
    tax_lines: taxLines(o.taxLines),
    taxes_included: o.taxesIncluded,
    test: o.test,
    token,
    total_cash_rounding_payment_adjustment_set: moneySet(zero),
    total_cash_rounding_refund_adjustment_set: moneySet(zero),
    total_discounts: o.totalDiscountsSet.shopMoney.amount,
    total_discounts_set: moneySet(o.totalDiscountsSet),
    total_line_items_price: lineItemsPrice.shopMoney.amount,
    total_line_items_price_set: moneySet(lineItemsPrice),
    total_outstanding: o.totalOutstandingSet.shopMoney.amount,
    total_price: o.totalPriceSet.shopMoney.amount,
    total_price_set: moneySet(o.totalPriceSet),
    total_shipping_price_set: moneySet(o.totalShippingPriceSet),
    total_tax: o.totalTaxSet.shopMoney.amount,
    total_tax_set: moneySet(o.totalTaxSet),
    total_tip_received: o.totalTipReceivedSet.shopMoney.amount,
    total_weight: o.lineItems.reduce((g, li) => g + li.grams * li.currentQuantity, 0),
    updated_at: t(o.updatedAt),
    user_id: null,
    billing_address: address,
    customer: customer ? orderCustomer(customer, ctx) : null,
    discount_applications: o.discountCodes.map((d) => ({
      target_type: "line_item",
      type: "discount_code",
      value:
        d.type === "percentage"
          ? ((cents(d.amountSet.shopMoney.amount) / Math.max(1, cents(lineItemsPrice.shopMoney.amount))) * 100).toFixed(1)
          : d.amountSet.shopMoney.amount,
      value_type: d.type,
      allocation_method: "across",
      target_selection: "all",
      code: d.code,
    })),
    fulfillments: o.fulfillments.map((f) => orderFulfillment(fulfillmentInput(f, o), o, ctx)),
    line_items: o.lineItems.map((li) => lineItem(li, "order")),
    payment_terms: o.paymentTerms ? paymentTerms(o, ctx) : null,
    refunds: o.refunds.map((r) => refundPayload(r, o, ctx)),
    shipping_address: o.lineItems.some((li) => li.requiresShipping) ? address : null,
    shipping_lines: o.shippingLines.map(shippingLine),
    returns: [],
    line_item_groups: [],
  };
}

/** orders/edited: the order edit that was committed. */
export function orderEditedPayload(change: StoreChangeOf<"orders/edited">, ctx: PayloadContext): Obj {
  const e = change.edit;
  const t = (iso: string) => shopTime(iso, ctx.timeZone);
  return {
    order_edit: {
      id: rawId(e.id),
      app_id: null,
      created_at: t(e.committedAt),
      committed_at: t(e.committedAt),
      notify_customer: e.notifyCustomer,
      order_id: rawId(change.order.id),
      staff_note: "",
      user_id: null,
      line_items: {
        additions: e.lineItemsAdded.map((a) => ({ id: rawId(a.lineItemId), delta: a.delta })),
        removals: e.lineItemsRemoved.map((a) => ({ id: rawId(a.lineItemId), delta: a.delta })),
      },
      discounts: { line_item: { additions: [], removals: [] } },
      shipping_lines: { additions: [], removals: [] },
    },
  };
}

// ---------------------------------------------------------------- fulfillments

/** A shipment of (part of) an order, as the payload builders take it. */
export interface FulfillmentInput {
  id: string;
  gid: string;
  status: "pending" | "open" | "success" | "cancelled" | "error" | "failure";
  createdAt: string;
  updatedAt: string;
  locationId: string | null;
  trackingCompany: string | null;
  trackingNumbers: string[];
  trackingUrls: string[];
  shipmentStatus: string | null;
  /** Fulfilled line items and quantities; the order's line items supply the rest. */
  lineItems: { lineItemId: string; quantity: number }[];
  /** 1-based position among the order's fulfillments: name is "#1001.1". */
  sequence: number;
}

export function fulfillmentPayload(f: FulfillmentInput, order: SimOrder, customer: SimCustomer | null, ctx: PayloadContext): Obj {
  const t = (iso: string) => shopTime(iso, ctx.timeZone);
  const byId = new Map(order.lineItems.map((li) => [li.id, li]));
  const who: Person = customer ?? { firstName: null, lastName: null, phone: null };
  return {
    id: rawId(f.id),
    order_id: rawId(order.id),
    status: f.status,
    created_at: t(f.createdAt),
    service: "manual",
    updated_at: t(f.updatedAt),
    tracking_company: f.trackingCompany,
    shipment_status: f.shipmentStatus,
    location_id: rawId(f.locationId),
    // Real deliveries carry the location's address here; store locations have none.
    origin_address: {},
    email: order.email,
    destination: postalAddress(customer ? `customer:${customer.id}` : `order:${order.id}`, who),
    line_items: f.lineItems
      .map(({ lineItemId, quantity }) => {
        const li = byId.get(lineItemId);
        return li ? { ...lineItem(li, "nested"), quantity } : null;
      })
      .filter((x) => x !== null),
    tracking_number: f.trackingNumbers[0] ?? null,
    tracking_numbers: f.trackingNumbers,
    tracking_url: f.trackingUrls[0] ?? null,
    tracking_urls: f.trackingUrls,
    receipt: {},
    name: `${order.name}.${f.sequence}`,
    admin_graphql_api_id: f.gid,
  };
}

/** The store's fulfillment, in the builders' terms. */
export function fulfillmentInput(f: SimFulfillment, order: SimOrder): FulfillmentInput {
  const position = order.fulfillments.findIndex((x) => x.id === f.id);
  return {
    id: f.id,
    gid: f.gid,
    status: f.status.toLowerCase() as FulfillmentInput["status"],
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
    locationId: f.locationId,
    trackingCompany: f.trackingInfo[0]?.company ?? null,
    trackingNumbers: f.trackingInfo.map((t) => t.number).filter((n): n is string => n !== null),
    trackingUrls: f.trackingInfo.map((t) => t.url).filter((u): u is string => u !== null),
    shipmentStatus: null,
    lineItems: f.lineItems.map((l) => ({ lineItemId: l.lineItemId, quantity: l.quantity })),
    sequence: position >= 0 ? position + 1 : Number(f.name.slice(f.name.lastIndexOf(".") + 1)) || 1,
  };
}

/** An entry of an order's `fulfillments`: the fulfillment without destination and email, line items with their current quantity. */
function orderFulfillment(f: FulfillmentInput, order: SimOrder, ctx: PayloadContext): Obj {
  const { destination: _d, email: _e, ...rest } = fulfillmentPayload(f, order, null, ctx);
  const current = new Map(order.lineItems.map((li) => [li.id, li.currentQuantity]));
  return {
    ...rest,
    line_items: f.lineItems
      .filter(({ lineItemId }) => current.has(lineItemId))
      .map(({ lineItemId, quantity }) => ({ ...lineItem(order.lineItems.find((li) => li.id === lineItemId)!, "nested"), quantity, current_quantity: current.get(lineItemId) })),
  };
}

// ---------------------------------------------------------------- fulfillment orders

/** Every fulfillment_orders/* change (one union member in the store's types). */
export type FulfillmentOrderChange = Extract<StoreChange, { fulfillmentOrder: SimFulfillmentOrder }>;

const foRef = (fo: SimFulfillmentOrder) => ({ id: fo.gid, status: lower(fo.status) });
const locationGid = (id: string) => gid("Location", id);

/**
 * fulfillment_orders/split. `fulfillmentOrder` is the order that was split
 * (it keeps the remaining items), `related[0]` the new one holding the split items.
 */
export function fulfillmentOrdersSplitPayload(change: FulfillmentOrderChange): Obj {
  const original = change.fulfillmentOrder;
  const replacement = change.related[0] ?? null;
  return {
    split_line_items: (replacement?.lineItems ?? []).map((li) => ({ id: li.gid, quantity: li.totalQuantity })),
    fulfillment_order: foRef(original),
    remaining_fulfillment_order: foRef(original),
    replacement_fulfillment_order: replacement ? foRef(replacement) : null,
  };
}

/**
 * fulfillment_orders/merged. `fulfillmentOrder` is the order the merge made,
 * `related` the ones merged, `mergeIntents` the units asked of each (when the
 * change carries none, each related order's line items as they are).
 */
export function fulfillmentOrdersMergedPayload(change: FulfillmentOrderChange): Obj {
  const intents = change.mergeIntents
    ?? [change.fulfillmentOrder, ...change.related].map((fo) => ({ fulfillmentOrderId: fo.id, lineItems: fo.lineItems.map((li) => ({ id: li.id, quantity: li.totalQuantity })) }));
  return {
    merge_intents: intents.map((intent) => ({
      fulfillment_order_id: rawId(intent.fulfillmentOrderId),
      fulfillment_order_line_items: intent.lineItems.map((li) => ({ id: rawId(li.id), quantity: li.quantity })),
    })),
    fulfillment_order_merges: { fulfillment_order: foRef(change.fulfillmentOrder) },
  };
}

/**
 * fulfillment_orders/moved. `fulfillmentOrder` is the original, `related[0]`
 * the one now at the destination; when the whole order moved, Shopify reports
 * the same order in both places. `requestedLineItems` are the original's line
 * items asked to move, `sourceLocationId` where they were.
 */
export function fulfillmentOrdersMovedPayload(change: FulfillmentOrderChange): Obj {
  const original = change.fulfillmentOrder;
  const moved = change.related[0] ?? original;
  const ref = (fo: SimFulfillmentOrder) => ({ ...foRef(fo), assigned_location_id: locationGid(fo.assignedLocationId) });
  const requested = change.requestedLineItems ?? moved.lineItems.map((li) => ({ gid: li.gid, quantity: li.totalQuantity }));
  return {
    original_fulfillment_order: ref(original),
    moved_fulfillment_order: ref(moved),
    destination_location_id: locationGid(moved.assignedLocationId),
    fulfillment_order_line_items_requested: requested.map((li) => ({ id: li.gid, quantity: li.quantity })),
    source_location: { id: locationGid(change.sourceLocationId ?? original.assignedLocationId) },
  };
}

/** fulfillment_orders/cancelled, placed_on_hold, hold_released, rescheduled. */
export function fulfillmentOrderStatusPayload(
  change: FulfillmentOrderChange,
  ctx: PayloadContext,
): Obj {
  const fo = change.fulfillmentOrder;
  const other = change.related[0];
  switch (change.topic) {
    case "fulfillment_orders/cancelled":
      // No replacement when the whole order was cancelled: the key stays, null.
      return { fulfillment_order: foRef(fo), replacement_fulfillment_order: other ? foRef(other) : null };
    case "fulfillment_orders/rescheduled":
      return { fulfillment_order: { ...foRef(fo), fulfill_at: shopTime(fo.fulfillAt, ctx.timeZone) } };
    case "fulfillment_orders/placed_on_hold": {
      // The store keeps no hold records: the hold is derived from the order
      // (one merchant hold, reason "other"), and the held items are the order's own.
      // Shopify always sends the hold just created, and every hold in fulfillment_holds.
      const hold = {
        id: gid("FulfillmentHold", String(1_000_000 + (hash(`hold:${fo.id}`) % 8_999_999))),
        reason: "other",
        reason_notes: null,
        held_by_requesting_app: false,
        handle: "",
        held_by_app: null,
      };
      return {
        fulfillment_order: { ...foRef(fo), fulfillment_holds: [hold] },
        remaining_fulfillment_order: other ? foRef(other) : null,
        held_fulfillment_order_line_items: fo.lineItems.map((li) => ({ id: li.gid, quantity: li.remainingQuantity })),
        created_fulfillment_hold: hold,
      };
    }
    default:
      return { fulfillment_order: foRef(fo) };
  }
}

// ---------------------------------------------------------------- inventory, bulk, app, compliance

export function inventoryLevelPayload(change: StoreChangeOf<"inventory_levels/update">, ctx: PayloadContext): Obj {
  return {
    inventory_item_id: rawId(change.inventoryItemId),
    location_id: rawId(change.locationId),
    available: change.available,
    updated_at: shopTime(change.updatedAt, ctx.timeZone),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${change.locationId}?inventory_item_id=${change.inventoryItemId}`,
  };
}

export function bulkOperationFinishPayload(b: SimBulkOperation, ctx: PayloadContext): Obj {
  return {
    admin_graphql_api_id: b.gid,
    completed_at: shopTime(b.completedAt, ctx.timeZone),
    created_at: shopTime(b.createdAt, ctx.timeZone),
    error_code: lower(b.errorCode),
    status: lower(b.status),
    type: lower(b.type),
  };
}

const MONEY_FORMATS: Record<string, string> = { USD: "${{amount}}", CAD: "${{amount}}", EUR: "€{{amount}}", GBP: "£{{amount}}" };

/** app/uninstalled: the shop object, as the REST Shop resource. */
export function shopPayload(shop: SimShop): Obj {
  const t = (iso: string) => shopTime(iso, shop.ianaTimezone);
  const money = MONEY_FORMATS[shop.currency] ?? "{{amount}}";
  const owner = shop.email.split("@")[0] ?? "owner";
  return {
    id: rawId(shop.id),
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    province: "Ontario",
    country: "CA",
    address1: "151 O'Connor Street",
    zip: "K2P 2L8",
    city: "Ottawa",
    source: null,
    phone: "",
    latitude: 45.4200649,
    longitude: -75.6962204,
    primary_locale: "en",
    address2: null,
    created_at: t(shop.createdAt),
    updated_at: t(shop.createdAt),
    country_code: "CA",
    country_name: "Canada",
    currency: shop.currency,
    customer_email: shop.email,
    timezone: timezoneLabel(shop.ianaTimezone, Date.parse(shop.createdAt)),
    iana_timezone: shop.ianaTimezone,
    shop_owner: owner,
    money_format: money,
    money_with_currency_format: `${money} ${shop.currency}`,
    weight_unit: "kg",
    province_code: "ON",
    taxes_included: false,
    auto_configure_tax_inclusivity: false,
    tax_shipping: false,
    county_taxes: true,
    plan_display_name: shop.plan.displayName,
    plan_name: shop.plan.name.toLowerCase().replace(/\s+/g, "_"),
    has_discounts: false,
    has_gift_cards: false,
    myshopify_domain: shop.domain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: money,
    money_with_currency_in_emails_format: `${money} ${shop.currency}`,
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: false,
    has_storefront: true,
    finances: true,
    primary_location_id: rawId(shop.locations[0]?.id ?? null),
    checkout_api_supported: true,
    multi_location_enabled: shop.locations.length > 1,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [...shop.enabledPresentmentCurrencies],
    marketing_sms_consent_enabled_at_checkout: false,
    transactional_sms_disabled: false,
  };
}

export interface ComplianceCustomer {
  id: string;
  email: string | null;
  phone: string | null;
}

export function customersDataRequestPayload(ctx: PayloadContext, customer: ComplianceCustomer, orderIds: string[], dataRequestId: string): Obj {
  return {
    shop_id: rawId(ctx.shopId),
    shop_domain: ctx.shopDomain,
    customer: { id: rawId(customer.id), email: customer.email, phone: customer.phone },
    orders_requested: orderIds.map((id) => rawId(id) as RawNumber),
    data_request: { id: rawId(dataRequestId) },
  };
}

export function customersRedactPayload(ctx: PayloadContext, customer: ComplianceCustomer, orderIds: string[]): Obj {
  return {
    shop_id: rawId(ctx.shopId),
    shop_domain: ctx.shopDomain,
    customer: { id: rawId(customer.id), email: customer.email, phone: customer.phone },
    orders_to_redact: orderIds.map((id) => rawId(id) as RawNumber),
  };
}

export function shopRedactPayload(ctx: PayloadContext): Obj {
  return { shop_id: rawId(ctx.shopId), shop_domain: ctx.shopDomain };
}

// ---------------------------------------------------------------- from a store change

/** The webhook body for one store change, or null when no payload is defined for it. */
export function payloadForChange(change: StoreChange, ctx: PayloadContext): Obj | null {
  switch (change.topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/paid":
    case "orders/cancelled":
    case "orders/fulfilled":
    case "orders/partially_fulfilled":
      return orderPayload(change.order, change.customer, ctx);
    case "fulfillments/create":
    case "fulfillments/update":
      return fulfillmentPayload(fulfillmentInput(change.fulfillment, change.order), change.order, change.customer, ctx);
    case "orders/delete":
      return { id: rawId(change.order.id) };
    case "orders/edited":
      return orderEditedPayload(change, ctx);
    case "refunds/create":
      return refundPayload(change.refund, change.order, ctx);
    case "customers/create":
    case "customers/update":
      return customerPayload(change.customer, ctx);
    case "customers/delete":
      return customerDeletePayload(change.customer);
    case "customer.tags_added":
    case "customer.tags_removed":
      return customerTagsPayload(change.customer, change.tags, change.occurredAt);
    case "fulfillment_orders/split":
      return fulfillmentOrdersSplitPayload(change);
    case "fulfillment_orders/merged":
      return fulfillmentOrdersMergedPayload(change);
    case "fulfillment_orders/moved":
      return fulfillmentOrdersMovedPayload(change);
    case "fulfillment_orders/cancelled":
    case "fulfillment_orders/placed_on_hold":
    case "fulfillment_orders/hold_released":
    case "fulfillment_orders/rescheduled":
      return fulfillmentOrderStatusPayload(change, ctx);
    case "inventory_levels/update":
      return inventoryLevelPayload(change, ctx);
    case "bulk_operations/finish":
      return bulkOperationFinishPayload(change.bulkOperation, ctx);
    case "app/uninstalled":
      return shopPayload(change.shopSnapshot);
    default:
      return null;
  }
}
