// Webhook payloads → the domain's own types. Shopify's ids stop here: the domain
// sees opaque GID strings; amounts become minor units of the shop's currency
// (shop_money, never presentment money).
import { z } from "zod/v4";
import { parseMoney } from "../../domain/money.ts";
import { financialStatusOf, type OrderSnapshot, type RefundRecord } from "../../domain/order-ledger.ts";
import { gid, idString } from "./lossless-json.ts";

export class PayloadError extends Error {}

/**
 * A Shopify GID of this kind with its numeric id, nothing else: rows are keyed by it, and erasure
 * finds the stored payloads naming a customer or order by that number (docs/decisions/0007).
 */
export const shopifyGid = (kind: string) => z.string().regex(new RegExp(`^gid://shopify/${kind}/\\d+$`), `a gid://shopify/${kind}/<number> id`);

const moneySet = z.object({
  shop_money: z.object({ amount: z.union([z.string(), z.number()]), currency_code: z.string() }),
  presentment_money: z.object({ amount: z.union([z.string(), z.number()]), currency_code: z.string() }).optional(),
});

const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "a date-time");

// Only the fields the mapping reads are named, and nested objects are not passthrough: zod then
// copies no unknown key of the line items or the customer (an order's parse took 1.8× its
// JSON.parse with them copied, 1.0× without; two order deliveries per order, issue 9).
const OrderPayload = z.object({
  admin_graphql_api_id: shopifyGid("Order"),
  name: z.string().optional(),
  created_at: timestamp,
  processed_at: timestamp.nullable().optional(),
  updated_at: timestamp,
  cancelled_at: timestamp.nullable().optional(),
  test: z.boolean().optional().default(false),
  currency: z.string(),
  presentment_currency: z.string().optional(),
  current_total_price_set: moneySet,
  current_shipping_price_set: moneySet.optional(),
  total_shipping_price_set: moneySet.optional(),
  current_total_tax_set: moneySet.optional(),
  financial_status: z.string().nullable().optional(),
  total_outstanding: z.union([z.string(), z.number()]).nullable().optional(),
  taxes_included: z.boolean().nullable().optional(),
  total_tip_received: z.union([z.string(), z.number()]).nullable().optional(),
  current_total_duties_set: moneySet.nullable().optional(),
  line_items: z
    .array(
      z.object({
        gift_card: z.boolean().nullable().optional(),
        quantity: z.number().optional(),
        current_quantity: z.number().nullable().optional(),
        price_set: moneySet.optional(),
      }),
    )
    .nullable()
    .optional(),
  shipping_lines: z
    .array(
      z.object({
        discounted_price_set: moneySet.optional(),
        tax_lines: z.array(z.object({ price_set: moneySet.optional() })).nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
  customer: z.object({ admin_graphql_api_id: shopifyGid("Customer") }).nullable().optional(),
});

const RefundPayload = z.object({
  admin_graphql_api_id: shopifyGid("Refund"),
  order_id: z.union([z.string(), z.number()]),
  created_at: timestamp,
  refund_line_items: z.array(z.object({ subtotal_set: moneySet, total_tax_set: moneySet.optional() }).passthrough()).default([]),
  refund_shipping_lines: z
    .array(z.object({ subtotal_amount_set: moneySet.optional(), tax_amount_set: moneySet.optional(), total_tax_amount_set: moneySet.optional() }).passthrough())
    .default([]),
  order_adjustments: z
    .array(z.object({ kind: z.string().optional(), amount_set: moneySet.optional(), tax_amount_set: moneySet.optional() }).passthrough())
    .default([]),
  transactions: z
    .array(z.object({ kind: z.string(), status: z.string(), amount: z.union([z.string(), z.number()]), currency: z.string().nullable().optional() }).passthrough())
    .default([]),
});

const CustomerPayload = z.object({
  admin_graphql_api_id: shopifyGid("Customer"),
  updated_at: timestamp.optional(),
  email: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
});

const CustomerDeletePayload = z.object({ admin_graphql_api_id: shopifyGid("Customer") });

/**
 * `value` as `schema` reads it, or a PayloadError naming up to five bad fields. `subject` says what
 * was read and from where ("Order payload", "Order from the Admin API").
 */
export function parseFields<T>(schema: z.ZodType<T>, value: unknown, subject: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    throw new PayloadError(`${subject} is missing or has malformed fields: ${issues.join("; ")}`);
  }
  return result.data;
}

const amount = (set: z.infer<typeof moneySet> | null | undefined, currency: string): number =>
  set ? parseMoney(String(set.shop_money.amount), currency) : 0;

const decimal = (value: string | number | null | undefined, currency: string): number =>
  value === null || value === undefined || value === "" ? 0 : parseMoney(String(value), currency);

/** `whole × part / of`, rounded half up, exact for the amounts orders hold. */
export function prorated(whole: number, part: number, of: number): number {
  if (of <= 0 || part >= of) return of <= 0 ? 0 : whole;
  return Math.round((whole * part) / of);
}


/**
 * Tax on what is left of the shipping: the shipping lines' tax in the share of their charged price
 * that the order's current shipping still holds (refunded shipping takes its tax with it). Both are
 * before tax, or both with it when taxes are included, so the share is the same either way.
 */
function currentShippingTax(order: z.infer<typeof OrderPayload>, currency: string): number {
  const lines = order.shipping_lines ?? [];
  const tax = lines.reduce((sum, line) => sum + (line.tax_lines ?? []).reduce((t, taxLine) => t + amount(taxLine.price_set, currency), 0), 0);
  const charged = lines.reduce((sum, line) => sum + amount(line.discounted_price_set, currency), 0);
  return prorated(tax, amount(order.current_shipping_price_set ?? order.total_shipping_price_set, currency), charged);
}

export function orderSnapshotFromPayload(payload: unknown): OrderSnapshot {
  const order = parseFields(OrderPayload, payload, "Order payload");
  const currency = order.current_total_price_set.shop_money.currency_code || order.currency;
  return {
    orderId: order.admin_graphql_api_id,
    customerId: order.customer?.admin_graphql_api_id ?? null,
    processedAt: new Date(order.processed_at ?? order.created_at),
    updatedAt: new Date(order.updated_at),
    currency,
    currentTotalMinor: amount(order.current_total_price_set, currency),
    currentShippingMinor: amount(order.current_shipping_price_set ?? order.total_shipping_price_set, currency),
    currentTaxMinor: amount(order.current_total_tax_set, currency),
    cancelledAt: order.cancelled_at ? new Date(order.cancelled_at) : null,
    test: order.test,
    ...(order.presentment_currency ? { presentmentCurrency: order.presentment_currency } : {}),
    financialStatus: financialStatusOf(order.financial_status),
    // total_outstanding and total_tip_received are plain decimals in the shop's currency.
    outstandingMinor: decimal(order.total_outstanding, currency),
    // A gift-card line is worth its price per card still on the order (Shopify applies no discounts to gift cards).
    giftCardLinesMinor: (order.line_items ?? [])
      .filter((line) => line.gift_card === true)
      .reduce((sum, line) => sum + amount(line.price_set, currency) * (line.current_quantity ?? line.quantity ?? 0), 0),
    tipMinor: decimal(order.total_tip_received, currency),
    dutiesMinor: amount(order.current_total_duties_set, currency),
    taxesIncluded: order.taxes_included === true,
    currentShippingTaxMinor: currentShippingTax(order, currency),
  };
}

export function orderNameFromPayload(payload: unknown): string | null {
  const name = (payload as { name?: unknown })?.name;
  return typeof name === "string" ? name : null;
}

/**
 * Shop-money amounts of a refund. Refund transactions are in the presentment
 * currency, so when that differs from the shop's, the money returned is rebuilt
 * from the shop-money parts: line items, shipping, and adjustments (Shopify
 * records goodwill and discrepancies as negative adjustments).
 */
export function refundRecordFromPayload(payload: unknown, shopCurrency: string | null): RefundRecord {
  const refund = parseFields(RefundPayload, payload, "Refund payload");
  const orderNumericId = idString(refund.order_id);
  if (!orderNumericId) throw new PayloadError("Refund payload has no usable order_id");
  const currency =
    refund.refund_line_items[0]?.subtotal_set.shop_money.currency_code ??
    refund.refund_shipping_lines[0]?.subtotal_amount_set?.shop_money.currency_code ??
    refund.order_adjustments.find((a) => a.amount_set)?.amount_set?.shop_money.currency_code ??
    shopCurrency;
  if (!currency) throw new PayloadError("Refund payload does not say the shop's currency and the shop's currency is unknown");

  const lineItemsMinor = refund.refund_line_items.reduce((sum, line) => sum + amount(line.subtotal_set, currency) + amount(line.total_tax_set, currency), 0);
  // Shipping refunded with its tax: tax on shipping goes back with the shipping, it is not money beyond it.
  const shippingLinesMinor = refund.refund_shipping_lines.reduce(
    (sum, line) => sum + amount(line.subtotal_amount_set, currency) + amount(line.tax_amount_set ?? line.total_tax_amount_set, currency),
    0,
  );
  const shippingAdjustmentsMinor = refund.order_adjustments
    .filter((a) => a.kind === "shipping_refund")
    .reduce((sum, a) => sum - amount(a.amount_set, currency), 0);
  const otherAdjustmentsMinor = refund.order_adjustments
    .filter((a) => a.kind !== "shipping_refund")
    .reduce((sum, a) => sum - amount(a.amount_set, currency) - amount(a.tax_amount_set, currency), 0);
  const shippingMinor = shippingLinesMinor + shippingAdjustmentsMinor;

  const refunds = refund.transactions.filter((t) => t.kind === "refund" && t.status === "success");
  const inShopCurrency = refunds.every((t) => !t.currency || t.currency === currency);
  const transactionsMinor = inShopCurrency
    ? refunds.reduce((sum, t) => sum + parseMoney(String(t.amount), currency), 0)
    : Math.max(0, lineItemsMinor + shippingMinor + otherAdjustmentsMinor);

  return {
    refundId: refund.admin_graphql_api_id,
    orderId: gid("Order", orderNumericId),
    createdAt: new Date(refund.created_at),
    currency,
    transactionsMinor,
    lineItemsMinor,
    shippingMinor,
  };
}

const EmbeddedRefunds = z.object({
  admin_graphql_api_id: shopifyGid("Order"),
  refunds: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
});

/**
 * The refunds an order payload already lists (its `refunds` array: each entry is the
 * refunds/create body), mapped by refundRecordFromPayload exactly as their own
 * refunds/create would be, so either arrival stores the same row.
 */
export function embeddedRefundRecords(payload: unknown, shopCurrency: string | null): RefundRecord[] {
  const order = parseFields(EmbeddedRefunds, payload, "Order payload");
  // Every listed refund is this order's. Its numeric order_id is past 2^53 and order payloads are
  // read with JSON.parse (which rounds it), so the order's own GID names it instead.
  const orderNumericId = order.admin_graphql_api_id.slice(order.admin_graphql_api_id.lastIndexOf("/") + 1);
  return (order.refunds ?? []).map((refund) => refundRecordFromPayload({ ...refund, order_id: orderNumericId }, shopCurrency));
}

/** Whether an order payload lists any refund (so the shop's currency is worth loading). */
export function listsRefunds(payload: unknown): boolean {
  const refunds = (payload as { refunds?: unknown } | null)?.refunds;
  return Array.isArray(refunds) && refunds.length > 0;
}

export interface CustomerRecord {
  customerGid: string;
  updatedAt: Date | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
}

export function customerFromPayload(payload: unknown): CustomerRecord {
  const customer = parseFields(CustomerPayload, payload, "Customer payload");
  return {
    customerGid: customer.admin_graphql_api_id,
    updatedAt: customer.updated_at ? new Date(customer.updated_at) : null,
    email: customer.email ?? null,
    firstName: customer.first_name ?? null,
    lastName: customer.last_name ?? null,
  };
}

export function deletedCustomerGid(payload: unknown): string {
  return parseFields(CustomerDeletePayload, payload, "Customer delete payload").admin_graphql_api_id;
}

const CompliancePayload = z.object({
  shop_domain: z.string(),
  customer: z.object({ id: z.union([z.string(), z.number()]), email: z.string().nullable().optional() }).optional(),
  orders_to_redact: z.array(z.union([z.string(), z.number()])).optional(),
  orders_requested: z.array(z.union([z.string(), z.number()])).optional(),
});

export interface ComplianceSubject {
  customerGid: string | null;
  email: string | null;
  orderGids: string[];
}

export function complianceSubject(payload: unknown): ComplianceSubject {
  const body = parseFields(CompliancePayload, payload, "Compliance payload");
  const customerId = body.customer ? idString(body.customer.id) : null;
  const orders = [...(body.orders_to_redact ?? []), ...(body.orders_requested ?? [])]
    .map(idString)
    .filter((id): id is string => id !== null)
    .map((id) => gid("Order", id));
  return { customerGid: customerId ? gid("Customer", customerId) : null, email: body.customer?.email ?? null, orderGids: orders };
}
