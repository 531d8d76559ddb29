// Types of the store simulator's in-memory Shopify store.
//
// The store holds one SimShop per myshopify domain. Every change Shopify would
// report by webhook is emitted as a `StoreChange` on the store's EventEmitter
// (event name "change"); simulator-edge turns those into webhook deliveries,
// so these shapes carry everything a payload needs (ids, GIDs, timestamps,
// money in shop and presentment currency).
//
// Conventions:
// - Numeric ids are decimal strings ("7300094312345678"), never JS numbers:
//   Shopify ids are 64-bit and would lose precision.
// - Every object also carries its GID (`gid://shopify/Customer/<id>`).
// - Money amounts are decimal strings with two decimals ("12.50"), as the
//   Admin API returns them; currency codes are ISO 4217 ("USD").
// - Timestamps are ISO-8601 UTC strings ("2025-01-31T12:00:00.000Z").

export type Id = string; // decimal digits of a 64-bit-looking number
export type Gid = string; // gid://shopify/<Type>/<Id>
export type IsoDateTime = string;
export type CurrencyCode = string;

export interface Money {
  amount: string; // "12.50"
  currencyCode: CurrencyCode;
}

/** Shopify's MoneyBag: the same amount in the shop's and in the buyer's currency. */
export interface MoneyBag {
  shopMoney: Money;
  presentmentMoney: Money;
}

// ---------------------------------------------------------------- shop

export interface SimPlan {
  name: string; // "Basic" | "Shopify" | "Advanced" | "Shopify Plus" | ...
  displayName: string;
  shopifyPlus: boolean;
  bucketSize: number; // points (throttleStatus.maximumAvailable)
  restoreRate: number; // points per second
}

export interface SimAppInstallation {
  appId: Id; // numeric app id (used for the app-owned metafield namespace app--{appId})
  apiKey: string; // client id
  accessToken: string; // offline access token ("shpat_…")
  scopes: string[]; // ["read_customers", "write_customers", ...]
  installedAt: IsoDateTime;
}

export interface SimLocation {
  id: Id;
  gid: Gid;
  name: string;
}

export interface SimShop {
  id: Id;
  gid: Gid;
  domain: string; // "demo-store.myshopify.com" (myshopifyDomain)
  name: string;
  email: string;
  currency: CurrencyCode; // shop currency
  /** Prices include tax (EU, UK, Australia…): Shop.taxesIncluded, and each new order's taxes_included. */
  taxesIncluded: boolean;
  enabledPresentmentCurrencies: CurrencyCode[];
  ianaTimezone: string; // "America/New_York"
  /** The shop address' country (Shop.billingAddress.countryCodeV2), e.g. "US". */
  countryCode: string;
  plan: SimPlan;
  createdAt: IsoDateTime;
  installation: SimAppInstallation | null; // null when the app is not installed
  locations: SimLocation[];
}

// ---------------------------------------------------------------- metafields

export interface SimMetafield {
  id: Id;
  gid: Gid;
  namespace: string; // resolved namespace, e.g. "app--4242--tierline" for "$app:tierline"
  key: string;
  type: string; // "single_line_text_field", "json", "number_integer", ...
  value: string; // always the serialized string value, as Shopify stores it
  compareDigest: string; // sha256 hex of the value, for compare-and-set
  ownerType: "CUSTOMER" | "ORDER" | "PRODUCT" | "SHOP";
  ownerGid: Gid;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

/** Metafields keyed by `${namespace}.${key}`. */
export type SimMetafieldMap = Map<string, SimMetafield>;

export interface SimMetafieldDefinition {
  id: Id;
  gid: Gid;
  name: string;
  namespace: string; // resolved
  key: string;
  type: string;
  ownerType: string; // "CUSTOMER", "ORDER", ...
  description: string | null;
  createdAt: IsoDateTime;
}

// ---------------------------------------------------------------- customers

export type SimCustomerState = "DISABLED" | "INVITED" | "ENABLED" | "DECLINED";

export interface SimCustomer {
  id: Id;
  gid: Gid;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  tags: string[]; // unique, in insertion order
  metafields: SimMetafieldMap;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
  state: SimCustomerState;
  verifiedEmail: boolean;
  taxExempt: boolean;
  note: string | null;
  currency: CurrencyCode;
}

// ---------------------------------------------------------------- products

export interface SimInventoryLevel {
  locationId: Id;
  available: number;
  /** Units on their way (purchase orders, transfers); set through inventoryAdjustQuantities name "incoming". */
  incoming?: number;
  updatedAt: IsoDateTime;
}

/** One inventoryAdjustQuantities call as Shopify keeps it (an InventoryAdjustmentGroup). */
export interface SimInventoryAdjustmentGroup {
  id: Id;
  gid: Gid;
  createdAt: IsoDateTime;
  reason: string;
  referenceDocumentUri: string | null;
  changes: { inventoryItemId: Id; locationId: Id; name: string; delta: number; quantityAfterChange: number; ledgerDocumentUri: string | null }[];
}

export interface SimVariant {
  id: Id;
  gid: Gid;
  productId: Id;
  title: string;
  sku: string;
  price: string; // shop currency
  grams: number;
  inventoryItemId: Id;
  inventoryLevels: SimInventoryLevel[];
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

export interface SimProduct {
  id: Id;
  gid: Gid;
  title: string;
  handle: string;
  vendor: string;
  productType: string;
  tags: string[];
  variants: SimVariant[];
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

// ---------------------------------------------------------------- orders

export interface SimTaxLine {
  title: string; // "State Tax"
  rate: number; // 0.06
  priceSet: MoneyBag;
}

/** A duty charged on a line item (Shopify's Duty), for the line's whole original quantity. */
export interface SimDuty {
  id: Id;
  gid: Gid;
  harmonizedSystemCode: string | null;
  countryCodeOfOrigin: string | null;
  priceSet: MoneyBag;
  taxLines: SimTaxLine[];
}

export interface SimLineItem {
  id: Id;
  gid: Gid;
  productId: Id | null;
  variantId: Id | null;
  title: string;
  variantTitle: string | null;
  name: string;
  sku: string | null;
  vendor: string | null;
  quantity: number; // original quantity
  currentQuantity: number; // after edits and refunds with removal
  unfulfilledQuantity: number;
  requiresShipping: boolean;
  taxable: boolean;
  grams: number;
  originalUnitPriceSet: MoneyBag; // unit price
  discountedUnitPriceSet: MoneyBag; // unit price after line-level discounts
  totalDiscountSet: MoneyBag; // line-level discount total
  taxLines: SimTaxLine[]; // for the original quantity; part of the price when the order's taxes are included
  /** The purchase of a gift card: money taken now, spent later on another order. */
  giftCard: boolean;
  duties: SimDuty[];
}

export interface SimShippingLine {
  id: Id;
  gid: Gid;
  title: string;
  code: string;
  source: string;
  originalPriceSet: MoneyBag;
  discountedPriceSet: MoneyBag;
  taxLines: SimTaxLine[];
  isRemoved: boolean;
}

export type SimFinancialStatus =
  | "PENDING"
  | "AUTHORIZED"
  | "PARTIALLY_PAID"
  | "PAID"
  | "PARTIALLY_REFUNDED"
  | "REFUNDED"
  | "VOIDED"
  | "EXPIRED";

export type SimFulfillmentStatus = "UNFULFILLED" | "PARTIALLY_FULFILLED" | "FULFILLED" | "RESTOCKED";

export type SimCancelReason = "CUSTOMER" | "DECLINED" | "FRAUD" | "INVENTORY" | "STAFF" | "OTHER";

export type SimTransactionKind = "AUTHORIZATION" | "CAPTURE" | "SALE" | "VOID" | "REFUND";
export type SimTransactionStatus = "SUCCESS" | "FAILURE" | "PENDING" | "ERROR";

export interface SimTransaction {
  id: Id;
  gid: Gid;
  kind: SimTransactionKind;
  status: SimTransactionStatus;
  gateway: string;
  amountSet: MoneyBag;
  createdAt: IsoDateTime;
  processedAt: IsoDateTime;
  parentId: Id | null;
  test: boolean;
  /** A manual payment method (cash on delivery, bank deposit, "manual"): the merchant marks it paid. */
  manualPaymentGateway: boolean;
}

export type SimFulfillmentOrderStatus = "OPEN" | "IN_PROGRESS" | "CLOSED" | "CANCELLED" | "INCOMPLETE" | "ON_HOLD" | "SCHEDULED";

export interface SimFulfillmentOrderLineItem {
  id: Id;
  gid: Gid;
  lineItemId: Id;
  totalQuantity: number;
  remainingQuantity: number;
}

/** Shopify's DeliveryMethodType. */
export type SimDeliveryMethodType = "SHIPPING" | "LOCAL" | "PICK_UP" | "PICKUP_POINT" | "RETAIL" | "NONE";

/**
 * How the buyer chose to get the order (Shopify's DeliveryMethod), with what checkout promised:
 * a branded promise (Shop Promise: handle "shop_promise") and the delivery window shown.
 * Each fulfillment order carries its own (own id, same content).
 */
export interface SimDeliveryMethod {
  id: Id;
  gid: Gid;
  methodType: SimDeliveryMethodType;
  presentedName: string | null;
  serviceCode: string | null;
  sourceReference: string | null;
  brandedPromise: { handle: string; name: string } | null;
  minDeliveryDateTime: IsoDateTime | null;
  maxDeliveryDateTime: IsoDateTime | null;
  additionalInformation: { instructions: string | null; phone: string | null } | null;
}

export interface SimFulfillmentOrder {
  id: Id;
  gid: Gid;
  orderId: Id;
  status: SimFulfillmentOrderStatus;
  assignedLocationId: Id;
  fulfillAt: IsoDateTime | null;
  fulfillBy: IsoDateTime | null; // the ship-by deadline the app sets
  /** Null (or absent) when the order carries none. */
  deliveryMethod?: SimDeliveryMethod | null;
  lineItems: SimFulfillmentOrderLineItem[];
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

/** A shipment: what fulfillmentCreate makes. Status is SUCCESS once created by a merchant. */
export type SimFulfillmentStatusValue = "SUCCESS" | "CANCELLED" | "ERROR" | "FAILURE" | "OPEN" | "PENDING";

export interface SimFulfillmentLineItem {
  id: Id;
  gid: Gid;
  lineItemId: Id;
  quantity: number;
}

export interface SimTrackingInfo {
  company: string | null;
  number: string | null;
  url: string | null;
}

export interface SimFulfillment {
  id: Id;
  gid: Gid;
  orderId: Id;
  /** The fulfillment orders it took its units from (one location). */
  fulfillmentOrderIds: Id[];
  name: string; // "#1001.1"
  status: SimFulfillmentStatusValue;
  locationId: Id;
  trackingInfo: SimTrackingInfo[];
  lineItems: SimFulfillmentLineItem[];
  notifyCustomer: boolean;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

export type SimRestockType = "NO_RESTOCK" | "CANCEL" | "RETURN" | "LEGACY_RESTOCK";

export interface SimRefundLineItem {
  id: Id;
  gid: Gid;
  lineItemId: Id;
  quantity: number;
  restockType: SimRestockType;
  restocked: boolean;
  locationId: Id | null;
  priceSet: MoneyBag; // unit price
  subtotalSet: MoneyBag; // quantity × discounted unit price
  totalTaxSet: MoneyBag;
}

export interface SimRefundShippingLine {
  id: Id;
  gid: Gid;
  shippingLineId: Id;
  subtotalAmountSet: MoneyBag;
  taxAmountSet: MoneyBag;
}

export interface SimOrderAdjustment {
  id: Id;
  gid: Gid;
  kind: "REFUND_DISCREPANCY" | "SHIPPING_REFUND";
  reason: "REFUND_DISCREPANCY" | "RESTOCK" | "DAMAGE" | "CUSTOMER" | "PENDING_REFUND_DISCREPANCY" | "FULL_RETURN_BALANCING_ADJUSTMENT" | null;
  amountSet: MoneyBag; // negative for money refunded beyond line items (goodwill)
  taxAmountSet: MoneyBag;
}

/** A duty given back by a refund (Shopify's RefundDuty). */
export interface SimRefundDuty {
  dutyId: Id;
  amountSet: MoneyBag;
}

export type SimPaymentTermsType = "NET" | "RECEIPT" | "FULFILLMENT" | "FIXED";

/** When an order placed on payment terms is due; completedAt once paid. */
export interface SimPaymentTerms {
  id: Id;
  gid: Gid;
  paymentTermsType: SimPaymentTermsType;
  paymentTermsName: string; // "Net 30", "Due on receipt", …
  dueInDays: number | null;
  issuedAt: IsoDateTime;
  dueAt: IsoDateTime | null;
  completedAt: IsoDateTime | null;
}

export interface SimRefund {
  id: Id;
  gid: Gid;
  orderId: Id;
  createdAt: IsoDateTime;
  processedAt: IsoDateTime;
  updatedAt: IsoDateTime;
  note: string | null;
  restock: boolean;
  refundLineItems: SimRefundLineItem[];
  refundShippingLines: SimRefundShippingLine[];
  orderAdjustments: SimOrderAdjustment[];
  transactions: SimTransaction[]; // kind REFUND
  totalRefundedSet: MoneyBag; // sum of the refund transactions
  duties: SimRefundDuty[];
  totalDutiesSet: MoneyBag;
}

export interface SimOrder {
  id: Id;
  gid: Gid;
  shopDomain: string;
  name: string; // "#1001"
  number: number; // 1
  orderNumber: number; // 1001
  customerId: Id | null; // null for a guest order
  email: string | null;
  createdAt: IsoDateTime;
  processedAt: IsoDateTime;
  updatedAt: IsoDateTime;
  closedAt: IsoDateTime | null;
  cancelledAt: IsoDateTime | null;
  cancelReason: SimCancelReason | null;
  test: boolean;
  tags: string[];
  note: string | null;
  sourceName: string; // "web", "pos", ...
  currency: CurrencyCode; // shop currency
  presentmentCurrency: CurrencyCode;
  /** presentment amount = shop amount × exchangeRate (fixed at order time). */
  exchangeRate: number;
  taxesIncluded: boolean;
  lineItems: SimLineItem[];
  shippingLines: SimShippingLine[];
  taxLines: SimTaxLine[]; // order-level summary of all tax lines
  discountCodes: { code: string; amountSet: MoneyBag; type: "fixed_amount" | "percentage" }[];

  // Totals when placed ("original") and now ("current", after edits, refunds with removal, cancellation).
  subtotalPriceSet: MoneyBag;
  totalDiscountsSet: MoneyBag;
  totalShippingPriceSet: MoneyBag;
  totalTaxSet: MoneyBag;
  totalPriceSet: MoneyBag; // includes items added by edits
  originalTotalPriceSet?: MoneyBag; // as placed (the store always sets it)
  currentSubtotalPriceSet: MoneyBag;
  currentTotalDiscountsSet: MoneyBag;
  currentShippingPriceSet: MoneyBag;
  currentTotalTaxSet: MoneyBag;
  currentTotalPriceSet: MoneyBag;
  totalRefundedSet: MoneyBag;
  totalRefundedShippingSet: MoneyBag;
  totalReceivedSet: MoneyBag;
  totalOutstandingSet: MoneyBag;
  /** Tips are part of the order's totals and are received with the payment. */
  tipSet: MoneyBag;
  totalTipReceivedSet: MoneyBag;
  /** Duties as placed and after refunds; null when the order carries none (as Shopify sends them). */
  originalTotalDutiesSet: MoneyBag | null;
  currentTotalDutiesSet: MoneyBag | null;
  paymentTerms: SimPaymentTerms | null;

  financialStatus: SimFinancialStatus;
  fulfillmentStatus: SimFulfillmentStatus;
  transactions: SimTransaction[];
  refunds: SimRefund[];
  fulfillmentOrders: SimFulfillmentOrder[];
  fulfillments: SimFulfillment[];
  edited: boolean;
  metafields?: SimMetafieldMap; // the store always sets it
}

// ---------------------------------------------------------------- bulk operations

export type SimBulkOperationStatus = "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED" | "EXPIRED";
export type SimBulkOperationErrorCode = "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT";

export interface SimBulkOperation {
  id: Id;
  gid: Gid;
  shopDomain: string;
  type: "QUERY" | "MUTATION";
  status: SimBulkOperationStatus;
  errorCode: SimBulkOperationErrorCode | null;
  query: string;
  objectCount: string; // UnsignedInt64 as string
  rootObjectCount: string;
  fileSize: string | null;
  filePath: string | null; // local JSONL path
  url: string | null; // served by the simulator at /_sim/bulk/{id}.jsonl
  partialDataUrl: string | null;
  createdAt: IsoDateTime;
  completedAt: IsoDateTime | null;
}

// ---------------------------------------------------------------- changes (webhook sources)

export type StoreChangeTopic =
  | "orders/create"
  | "orders/updated"
  | "orders/paid"
  | "orders/cancelled"
  | "orders/edited"
  | "orders/delete"
  | "orders/fulfilled"
  | "orders/partially_fulfilled"
  | "fulfillments/create"
  | "fulfillments/update"
  | "refunds/create"
  | "customers/create"
  | "customers/update"
  | "customers/delete"
  | "customer.tags_added"
  | "customer.tags_removed"
  | "fulfillment_orders/split"
  | "fulfillment_orders/merged"
  | "fulfillment_orders/moved"
  | "fulfillment_orders/cancelled"
  | "fulfillment_orders/placed_on_hold"
  | "fulfillment_orders/hold_released"
  | "fulfillment_orders/rescheduled"
  | "inventory_levels/update"
  | "bulk_operations/finish"
  | "app/uninstalled";

interface ChangeBase<T extends StoreChangeTopic> {
  shop: string; // myshopify domain
  topic: T;
  /** A unique id for the merchant action; simulator-edge may use it as X-Shopify-Event-Id. */
  eventId: string;
  occurredAt: IsoDateTime; // X-Shopify-Triggered-At
}

/**
 * One change that Shopify would report by webhook. Objects are snapshots
 * (deep copies) taken when the change happened, so later changes don't alter
 * a queued payload.
 */
export type StoreChange =
  | (ChangeBase<"orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" | "orders/delete" | "orders/fulfilled" | "orders/partially_fulfilled"> & {
      order: SimOrder;
      customer: SimCustomer | null;
    })
  | (ChangeBase<"orders/edited"> & {
      order: SimOrder;
      customer: SimCustomer | null;
      edit: { id: Id; gid: Gid; committedAt: IsoDateTime; notifyCustomer: boolean; lineItemsAdded: { lineItemId: Id; delta: number }[]; lineItemsRemoved: { lineItemId: Id; delta: number }[] };
    })
  | (ChangeBase<"refunds/create"> & { refund: SimRefund; order: SimOrder })
  | (ChangeBase<"fulfillments/create" | "fulfillments/update"> & { fulfillment: SimFulfillment; order: SimOrder; customer: SimCustomer | null })
  | (ChangeBase<"customers/create" | "customers/update"> & { customer: SimCustomer })
  | (ChangeBase<"customers/delete"> & { customer: SimCustomer })
  | (ChangeBase<"customer.tags_added" | "customer.tags_removed"> & { customer: SimCustomer; tags: string[] })
  | (ChangeBase<
      | "fulfillment_orders/split"
      | "fulfillment_orders/merged"
      | "fulfillment_orders/moved"
      | "fulfillment_orders/cancelled"
      | "fulfillment_orders/placed_on_hold"
      | "fulfillment_orders/hold_released"
      | "fulfillment_orders/rescheduled"
    > & {
      fulfillmentOrder: SimFulfillmentOrder;
      /** split/moved/merged: the other fulfillment order(s) involved. */
      related: SimFulfillmentOrder[];
      order: SimOrder;
      /** merged: what was asked of each fulfillment order merged (its line items and units). */
      mergeIntents?: { fulfillmentOrderId: Id; lineItems: { id: Id; gid: Gid; quantity: number }[] }[];
      /** moved: the line items (of the original) and units asked to move, and where they were. */
      requestedLineItems?: { id: Id; gid: Gid; quantity: number }[];
      sourceLocationId?: Id;
    })
  | (ChangeBase<"inventory_levels/update"> & { inventoryItemId: Id; locationId: Id; available: number; updatedAt: IsoDateTime })
  | (ChangeBase<"bulk_operations/finish"> & { bulkOperation: SimBulkOperation })
  | (ChangeBase<"app/uninstalled"> & { shopSnapshot: SimShop });

export type StoreChangeOf<T extends StoreChangeTopic> = Extract<StoreChange, { topic: T }>;

// ---------------------------------------------------------------- record of the app's mutations

export type MutationRecordKind =
  | "tagsAdd" | "tagsRemove" | "metafieldsSet" | "metafieldsDelete" | "metafieldDefinitionCreate" | "fulfillmentOrdersSetFulfillmentDeadline"
  | "fulfillmentOrderMerge" | "fulfillmentOrderMove" | "bulkOperationRunQuery" | "inventoryAdjustQuantities" | "stagedUploadsCreate" | "bulkOperationRunMutation" | "flowTriggerReceive" | "other";

export interface MutationRecord {
  seq: number; // per-store sequence number
  at: IsoDateTime;
  shop: string;
  kind: MutationRecordKind;
  /** Root field name as sent, e.g. "tagsAdd". */
  field: string;
  /** The cost charged for the whole request this mutation was part of. */
  cost: number;
  ok: boolean; // false when userErrors were returned
  userErrors: { field: string[] | null; message: string; code?: string | null }[];
  /** What changed, per kind. */
  detail:
    | { kind: "tagsAdd" | "tagsRemove"; ownerGid: Gid; tags: string[]; changed: string[] }
    | { kind: "metafieldsSet"; metafields: { ownerGid: Gid; namespace: string; key: string; type: string; value: string }[] }
    | { kind: "metafieldsDelete"; metafields: { ownerGid: Gid; namespace: string; key: string; deleted: boolean }[] }
    | { kind: "metafieldDefinitionCreate"; namespace: string; key: string; type: string; ownerType: string }
    | { kind: "fulfillmentOrdersSetFulfillmentDeadline"; fulfillmentOrderGids: Gid[]; fulfillmentDeadline: IsoDateTime }
    | { kind: "fulfillmentOrderMerge"; sourceGids: Gid[][]; mergedGids: Gid[] }
    | { kind: "fulfillmentOrderMove"; fulfillmentOrderGid: Gid; newLocationGid: Gid; movedGid: Gid | null }
    | { kind: "bulkOperationRunQuery"; bulkOperationGid: Gid | null; query: string }
    | { kind: "inventoryAdjustQuantities"; name: string; reason: string; referenceDocumentUri: string | null; changes: { inventoryItemGid: Gid; locationGid: Gid; delta: number; ledgerDocumentUri: string | null }[] }
    | { kind: "stagedUploadsCreate"; keys: string[] }
    | { kind: "bulkOperationRunMutation"; bulkOperationGid: Gid | null; mutation: string }
    | { kind: "flowTriggerReceive"; handle: string | null; payload: unknown }
    | { kind: "other"; variables: unknown };
}

/** The store's EventEmitter events. */
export interface StoreEvents {
  change: [StoreChange];
  mutation: [MutationRecord];
}
