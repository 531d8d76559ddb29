// Store objects for the webhook tests, shaped like the in-memory store's and
// chosen to resemble Shopify's reference samples (a cancelled, voided order
// with a customer, three line items, a refund). Ids are the samples' exact ones.

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
  StoreChange,
} from "../store/types.ts";

export const SHOP_DOMAIN = "jsmith.myshopify.com";

export function bag(amount: string, currency = "USD", presentment = currency, rate = 1): MoneyBag {
  return {
    shopMoney: { amount, currencyCode: currency },
    presentmentMoney: { amount: (Number(amount) * rate).toFixed(2), currencyCode: presentment },
  };
}

export function fixtureShop(): SimShop {
  return {
    id: "548380009",
    gid: "gid://shopify/Shop/548380009",
    domain: SHOP_DOMAIN,
    name: "Super Toys",
    email: "super@supertoys.com",
    currency: "USD",
    taxesIncluded: false,
    enabledPresentmentCurrencies: ["USD", "CAD"],
    ianaTimezone: "America/New_York",
    countryCode: "US",
    plan: { name: "Shopify Plus", displayName: "Shopify Plus", shopifyPlus: true, bucketSize: 2000, restoreRate: 1000 },
    createdAt: "2020-01-01T05:00:00.000Z",
    installation: null,
    locations: [{ id: "655441491", gid: "gid://shopify/Location/655441491", name: "Warehouse" }],
  };
}

export function fixtureCustomer(): SimCustomer {
  return {
    id: "115310627314723954",
    gid: "gid://shopify/Customer/115310627314723954",
    email: "john@example.com",
    firstName: "John",
    lastName: "Smith",
    phone: "+16135550123",
    tags: ["vip"],
    metafields: new Map(),
    createdAt: "2022-01-01T00:00:00.000Z",
    updatedAt: "2022-01-01T00:00:00.000Z",
    state: "DISABLED",
    verifiedEmail: true,
    taxExempt: false,
    note: null,
    currency: "USD",
  };
}

function item(id: string, title: string, price: string, grams: number, discount = "0.00"): SimLineItem {
  return {
    id,
    gid: `gid://shopify/LineItem/${id}`,
    productId: "788032119674292922",
    variantId: "642667041472713922",
    title,
    variantTitle: null,
    name: title,
    sku: `SKU-${id.slice(-3)}`,
    vendor: "Tierline Test",
    quantity: 1,
    currentQuantity: 1,
    unfulfilledQuantity: 1,
    requiresShipping: true,
    taxable: true,
    grams,
    originalUnitPriceSet: bag(price),
    discountedUnitPriceSet: bag((Number(price) - Number(discount)).toFixed(2)),
    totalDiscountSet: bag(discount),
    taxLines: [{ title: "State Tax", rate: 0.06, priceSet: bag((Number(price) * 0.06).toFixed(2)) }],
    giftCard: false,
    duties: [],
  };
}

export function fixtureOrder(): SimOrder {
  const lineItems = [
    item("487817672276298554", "Aviator sunglasses", "89.99", 100),
    item("976318377106520349", "Mid-century lounger", "159.99", 1000, "5.00"),
    item("315789986012684393", "Coffee table", "119.99", 500),
  ];
  const order: SimOrder = {
    id: "820982911946154508",
    gid: "gid://shopify/Order/820982911946154508",
    shopDomain: SHOP_DOMAIN,
    name: "#9999",
    number: 234,
    orderNumber: 1234,
    customerId: "115310627314723954",
    email: "jon@example.com",
    createdAt: "2022-01-01T00:00:00.000Z",
    processedAt: "2022-01-01T00:00:00.000Z",
    updatedAt: "2022-01-02T00:00:00.000Z",
    closedAt: null,
    cancelledAt: "2022-01-02T00:00:00.000Z",
    cancelReason: "CUSTOMER",
    test: true,
    tags: ["tag1", "tag2"],
    note: null,
    sourceName: "web",
    currency: "USD",
    presentmentCurrency: "USD",
    exchangeRate: 1,
    taxesIncluded: false,
    lineItems,
    shippingLines: [
      {
        id: "271878346596884015",
        gid: "gid://shopify/ShippingLine/271878346596884015",
        title: "Generic Shipping",
        code: "Generic Shipping",
        source: "shopify",
        originalPriceSet: bag("10.00"),
        discountedPriceSet: bag("10.00"),
        taxLines: [{ title: "State Tax", rate: 0.06, priceSet: bag("0.60") }],
        isRemoved: false,
      },
    ],
    taxLines: [{ title: "State Tax", rate: 0.06, priceSet: bag("22.20") }],
    discountCodes: [{ code: "TENOFF", amountSet: bag("5.00"), type: "fixed_amount" }],
    subtotalPriceSet: bag("364.97"),
    totalDiscountsSet: bag("5.00"),
    totalShippingPriceSet: bag("10.00"),
    totalTaxSet: bag("22.20"),
    totalPriceSet: bag("397.17"),
    currentSubtotalPriceSet: bag("0.00"),
    currentTotalDiscountsSet: bag("0.00"),
    currentShippingPriceSet: bag("0.00"),
    currentTotalTaxSet: bag("0.00"),
    currentTotalPriceSet: bag("0.00"),
    totalRefundedSet: bag("89.99"),
    totalRefundedShippingSet: bag("0.00"),
    totalReceivedSet: bag("397.17"),
    totalOutstandingSet: bag("0.00"),
    tipSet: bag("0.00"),
    totalTipReceivedSet: bag("0.00"),
    originalTotalDutiesSet: null,
    currentTotalDutiesSet: null,
    paymentTerms: null,
    financialStatus: "VOIDED",
    fulfillmentStatus: "UNFULFILLED",
    transactions: [
      {
        id: "389404469",
        gid: "gid://shopify/OrderTransaction/389404469",
        kind: "SALE",
        status: "SUCCESS",
        gateway: "bogus",
        amountSet: bag("397.17"),
        createdAt: "2022-01-01T00:00:00.000Z",
        processedAt: "2022-01-01T00:00:00.000Z",
        parentId: null,
        test: true,
        manualPaymentGateway: false,
      },
    ],
    refunds: [],
    fulfillmentOrders: [],
    fulfillments: [],
    edited: false,
  };
  order.refunds = [fixtureRefund(order)];
  order.fulfillmentOrders = [fixtureFulfillmentOrder("1046000778", "OPEN", order.lineItems)];
  return order;
}

export function fixtureRefund(order: Pick<SimOrder, "id" | "lineItems">): SimRefund {
  const li = order.lineItems[0];
  return {
    id: "890088186047892319",
    gid: "gid://shopify/Refund/890088186047892319",
    orderId: order.id,
    createdAt: "2022-01-03T00:00:00.000Z",
    processedAt: "2022-01-03T00:00:00.000Z",
    updatedAt: "2022-01-03T00:00:00.000Z",
    note: "Things were damaged",
    restock: false,
    refundLineItems: [
      {
        id: "487817672276298627",
        gid: "gid://shopify/RefundLineItem/487817672276298627",
        lineItemId: li.id,
        quantity: 1,
        restockType: "NO_RESTOCK",
        restocked: false,
        locationId: null,
        priceSet: bag("89.99"),
        subtotalSet: bag("89.99"),
        totalTaxSet: bag("5.40"),
      },
    ],
    refundShippingLines: [],
    orderAdjustments: [
      {
        id: "829351246",
        gid: "gid://shopify/OrderAdjustment/829351246",
        kind: "REFUND_DISCREPANCY",
        reason: "REFUND_DISCREPANCY",
        amountSet: bag("-2.00"),
        taxAmountSet: bag("0.00"),
      },
    ],
    transactions: [
      {
        id: "245135271310201194",
        gid: "gid://shopify/OrderTransaction/245135271310201194",
        kind: "REFUND",
        status: "SUCCESS",
        gateway: "bogus",
        amountSet: bag("95.39"),
        createdAt: "2022-01-03T00:00:00.000Z",
        processedAt: "2022-01-03T00:00:00.000Z",
        parentId: "389404469",
        test: true,
        manualPaymentGateway: false,
      },
    ],
    totalRefundedSet: bag("95.39"),
    duties: [],
    totalDutiesSet: bag("0.00"),
  };
}

export function fixtureFulfillmentOrder(id: string, status: SimFulfillmentOrder["status"], lineItems: SimLineItem[], locationId = "655441491"): SimFulfillmentOrder {
  return {
    id,
    gid: `gid://shopify/FulfillmentOrder/${id}`,
    orderId: "820982911946154508",
    status,
    assignedLocationId: locationId,
    fulfillAt: "2022-01-05T00:00:00.000Z",
    fulfillBy: null,
    lineItems: lineItems.map((li, i) => ({
      id: `${id}${i + 1}`,
      gid: `gid://shopify/FulfillmentOrderLineItem/${id}${i + 1}`,
      lineItemId: li.id,
      totalQuantity: li.quantity,
      remainingQuantity: li.unfulfilledQuantity,
    })),
    createdAt: "2022-01-01T00:00:00.000Z",
    updatedAt: "2022-01-01T00:00:00.000Z",
  };
}

/** The fixture order with its first line item shipped by UPS (the fulfillments_create sample's id and tracking). */
export function fixtureFulfilledOrder(): { order: SimOrder; fulfillment: SimFulfillment } {
  const order = fixtureOrder();
  const [a] = order.lineItems;
  const fulfillment: SimFulfillment = {
    id: "123456",
    gid: "gid://shopify/Fulfillment/123456",
    orderId: order.id,
    fulfillmentOrderIds: [order.fulfillmentOrders[0].id],
    name: `${order.name}.1`,
    status: "SUCCESS",
    locationId: "655441491",
    trackingInfo: [{ company: "UPS", number: "1z827wk74630", url: "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630" }],
    lineItems: [{ id: "1191000000101", gid: "gid://shopify/FulfillmentLineItem/1191000000101", lineItemId: a.id, quantity: 1 }],
    notifyCustomer: true,
    createdAt: "2022-01-02T00:00:00.000Z",
    updatedAt: "2022-01-02T00:00:00.000Z",
  };
  a.unfulfilledQuantity = 0;
  order.fulfillments = [fulfillment];
  order.fulfillmentStatus = "PARTIALLY_FULFILLED";
  return { order, fulfillment };
}

export function fixtureBulkOperation(): SimBulkOperation {
  return {
    id: "147595010",
    gid: "gid://shopify/BulkOperation/147595010",
    shopDomain: SHOP_DOMAIN,
    type: "QUERY",
    status: "COMPLETED",
    errorCode: null,
    query: "{ customers { edges { node { id } } } }",
    objectCount: "3",
    rootObjectCount: "3",
    fileSize: "120",
    filePath: null,
    url: "http://127.0.0.1/_sim/bulk/147595010.jsonl",
    partialDataUrl: null,
    createdAt: "2024-01-01T12:00:00.000Z",
    completedAt: "2024-01-01T12:34:56.000Z",
  };
}

const base = (topic: StoreChange["topic"]) => ({ shop: SHOP_DOMAIN, topic, eventId: `evt-${topic}`, occurredAt: "2022-01-02T00:00:00.000Z" });

/** One change per topic the store emits. */
export function fixtureChanges(): StoreChange[] {
  const order = fixtureOrder();
  const customer = fixtureCustomer();
  const [a, b, c] = order.lineItems;
  const fo1 = fixtureFulfillmentOrder("1046000778", "OPEN", [a, b]);
  const fo2 = fixtureFulfillmentOrder("1046000779", "OPEN", [c]);
  const moved = fixtureFulfillmentOrder("1046000780", "OPEN", [c], "655441492");
  const out: StoreChange[] = [];
  for (const t of ["orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/delete"] as const) {
    out.push({ ...base(t), topic: t, order, customer });
  }
  const shipped = fixtureFulfilledOrder();
  out.push({ ...base("orders/partially_fulfilled"), topic: "orders/partially_fulfilled", order: shipped.order, customer });
  const allShipped = fixtureFulfilledOrder();
  for (const li of allShipped.order.lineItems) li.unfulfilledQuantity = 0;
  allShipped.order.fulfillmentStatus = "FULFILLED";
  out.push({ ...base("orders/fulfilled"), topic: "orders/fulfilled", order: allShipped.order, customer });
  out.push({ ...base("fulfillments/create"), topic: "fulfillments/create", fulfillment: shipped.fulfillment, order: shipped.order, customer });
  out.push({ ...base("fulfillments/update"), topic: "fulfillments/update", fulfillment: shipped.fulfillment, order: shipped.order, customer });
  out.push({
    ...base("orders/edited"),
    topic: "orders/edited",
    order,
    customer,
    edit: {
      id: "78912328793123782",
      gid: "gid://shopify/OrderEdit/78912328793123782",
      committedAt: "2022-01-02T00:00:00.000Z",
      notifyCustomer: false,
      lineItemsAdded: [{ lineItemId: "78643924236718234", delta: 1 }],
      lineItemsRemoved: [{ lineItemId: a.id, delta: 1 }],
    },
  });
  out.push({ ...base("refunds/create"), topic: "refunds/create", refund: order.refunds[0], order });
  out.push({ ...base("customers/create"), topic: "customers/create", customer });
  out.push({ ...base("customers/update"), topic: "customers/update", customer });
  out.push({ ...base("customers/delete"), topic: "customers/delete", customer });
  out.push({ ...base("customer.tags_added"), topic: "customer.tags_added", customer, tags: ["gold"] });
  out.push({ ...base("customer.tags_removed"), topic: "customer.tags_removed", customer, tags: ["silver"] });
  out.push({ ...base("fulfillment_orders/split"), topic: "fulfillment_orders/split", fulfillmentOrder: fo1, related: [fo2], order });
  out.push({ ...base("fulfillment_orders/merged"), topic: "fulfillment_orders/merged", fulfillmentOrder: fo1, related: [fo2], order });
  out.push({ ...base("fulfillment_orders/moved"), topic: "fulfillment_orders/moved", fulfillmentOrder: fo2, related: [moved], order });
  const cancelled = fixtureFulfillmentOrder("1046000778", "CANCELLED", [a, b]);
  const replacement = fixtureFulfillmentOrder("1046000781", "OPEN", [a, b]);
  out.push({ ...base("fulfillment_orders/cancelled"), topic: "fulfillment_orders/cancelled", fulfillmentOrder: cancelled, related: [replacement], order });
  const held = fixtureFulfillmentOrder("1046000778", "ON_HOLD", [a]);
  out.push({ ...base("fulfillment_orders/placed_on_hold"), topic: "fulfillment_orders/placed_on_hold", fulfillmentOrder: held, related: [fo2], order });
  out.push({ ...base("fulfillment_orders/hold_released"), topic: "fulfillment_orders/hold_released", fulfillmentOrder: fo1, related: [], order });
  const scheduled = fixtureFulfillmentOrder("1046000778", "SCHEDULED", [a, b]);
  out.push({ ...base("fulfillment_orders/rescheduled"), topic: "fulfillment_orders/rescheduled", fulfillmentOrder: scheduled, related: [], order });
  out.push({
    ...base("inventory_levels/update"),
    topic: "inventory_levels/update",
    inventoryItemId: "49148385",
    locationId: "655441491",
    available: 12,
    updatedAt: "2022-01-02T00:00:00.000Z",
  });
  out.push({ ...base("bulk_operations/finish"), topic: "bulk_operations/finish", bulkOperation: fixtureBulkOperation() });
  out.push({ ...base("app/uninstalled"), topic: "app/uninstalled", shopSnapshot: fixtureShop() });
  return out;
}
