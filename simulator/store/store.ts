// The simulator's stateful in-memory Shopify: shops and their customers, products, orders,
// refunds and fulfillment orders. Every operation that Shopify would report by webhook emits a
// `change` (StoreChange) carrying snapshots of the objects, so the webhook half can build payloads
// without reaching back into live state.
//
// SimStore is the one object the rest of the simulator holds; each aggregate lives in its own
// file (shops, customers, order-tags, metafields, inventory, orders, payments, refunds,
// fulfillments, with the shared core in store-core.ts) and SimStore hands each call to it.
import { addTags, createCustomer, deleteCustomer, removeTags, updateCustomer, type CreateCustomerInput } from "./customers.ts";
import {
  fulfillOrder, setFulfillmentDeadline, splitFulfillmentOrder, updateFulfillmentTracking, type FulfillOrderInput, type TrackingUpdateInput,
} from "./fulfillments.ts";
import { mergeFulfillmentOrders, moveFulfillmentOrder, type FulfillmentOrderLineInput, type MergeIntentInput } from "./fulfillment-order-merge-move.ts";
import { addLocation, adjustInventory, adjustQuantities, createProduct, type AddLocationInput, type QuantityAdjustment } from "./inventory.ts";
import { createMetafieldDefinition, deleteMetafields, metafieldOwner, setMetafields } from "./metafields.ts";
import { addOrderTags, removeOrderTags } from "./order-tags.ts";
import { cancelOrder, createOrder, editOrder, type CreateOrderInput, type EditOrderInput } from "./orders.ts";
import { captureOrder, markOrderAsPaid, payOrder, voidAuthorization } from "./payments.ts";
import { refundOrder, refundOrderFully, type RefundInput } from "./refunds.ts";
import { createShop, installApp, resolveNamespace, setPlan, uninstallApp, PLANS, type CreateShopInput } from "./shops.ts";
import { normalizeDomain, snapshot, StoreCore, type OperationOptions, type ShopData } from "./store-core.ts";
import type {
  Gid, Id, IsoDateTime, MoneyBag, MutationRecord, SimAppInstallation, SimBulkOperation, SimCancelReason, SimCustomer,
  SimFulfillment, SimFulfillmentOrder, SimLocation, SimOrder, SimPlan, SimProduct, SimRefund, SimRestockType, StoreChange, StoreChangeTopic,
} from "./types.ts";

export { MAX_TAGS_PER_CUSTOMER, splitTags, type CreateCustomerInput } from "./customers.ts";
export type { FulfillOrderInput, TrackingUpdateInput } from "./fulfillments.ts";
export type { FulfillmentOrderLineInput, FulfillmentOrderUserError, MergeIntentInput, MergeResult, MoveResult } from "./fulfillment-order-merge-move.ts";
export { SHOP_PROMISE, type DeliveryMethodInput } from "./delivery-methods.ts";
export { digest, validateMetafieldValue } from "./metafields.ts";
export type { CreateOrderInput, CreateOrderLineInput, EditOrderInput } from "./orders.ts";
export type { RefundInput } from "./refunds.ts";
export { DEFAULT_SCOPES, exchangeRate, PLANS, USD_RATES, type CreateShopInput } from "./shops.ts";
export { normalizeDomain, ShopData, snapshot, StoreError, type OperationOptions, type SimStoreOptions } from "./store-core.ts";
export type { MoneyBag, StoreChangeTopic };

type Rest<F> = F extends (store: StoreCore, ...rest: infer R) => unknown ? R : never;

export class SimStore extends StoreCore {
  private mutationSeq = 0;

  // ------------------------------------------------------------ shops

  createShop(input: CreateShopInput): ShopData {
    return createShop(this, input);
  }

  installApp(domain: string, input?: Rest<typeof installApp>[1]): SimAppInstallation {
    return installApp(this, domain, input);
  }

  uninstallApp(domain: string, options?: OperationOptions): void {
    uninstallApp(this, domain, options);
  }

  setPlan(domain: string, plan: Partial<SimPlan> | keyof typeof PLANS): SimPlan {
    return setPlan(this, domain, plan);
  }

  resolveNamespace(domain: string, namespace: string | null | undefined): string {
    return resolveNamespace(this, domain, namespace);
  }

  // ------------------------------------------------------------ customers and tags

  createCustomer(domain: string, input: CreateCustomerInput, options?: OperationOptions): SimCustomer {
    return createCustomer(this, domain, input, options);
  }

  updateCustomer(domain: string, id: Id, patch: Rest<typeof updateCustomer>[2], options?: OperationOptions): SimCustomer {
    return updateCustomer(this, domain, id, patch, options);
  }

  deleteCustomer(domain: string, id: Id, options?: OperationOptions): void {
    deleteCustomer(this, domain, id, options);
  }

  addTags(domain: string, customerId: Id, tags: string[], options?: OperationOptions): { added: string[]; error?: string } {
    return addTags(this, domain, customerId, tags, options);
  }

  removeTags(domain: string, customerId: Id, tags: string[], options?: OperationOptions): { removed: string[] } {
    return removeTags(this, domain, customerId, tags, options);
  }

  addOrderTags(domain: string, orderId: Id, tags: string[], options?: OperationOptions): string[] {
    return addOrderTags(this, domain, orderId, tags, options);
  }

  removeOrderTags(domain: string, orderId: Id, tags: string[], options?: OperationOptions): string[] {
    return removeOrderTags(this, domain, orderId, tags, options);
  }

  // ------------------------------------------------------------ metafields

  metafieldOwner(domain: string, ownerGid: Gid): ReturnType<typeof metafieldOwner> {
    return metafieldOwner(this, domain, ownerGid);
  }

  setMetafields(domain: string, inputs: Rest<typeof setMetafields>[1], options?: OperationOptions): ReturnType<typeof setMetafields> {
    return setMetafields(this, domain, inputs, options);
  }

  deleteMetafields(domain: string, inputs: Rest<typeof deleteMetafields>[1]): ReturnType<typeof deleteMetafields> {
    return deleteMetafields(this, domain, inputs);
  }

  createMetafieldDefinition(domain: string, input: Rest<typeof createMetafieldDefinition>[1]): ReturnType<typeof createMetafieldDefinition> {
    return createMetafieldDefinition(this, domain, input);
  }

  // ------------------------------------------------------------ products and inventory

  createProduct(domain: string, input: Rest<typeof createProduct>[1], options?: OperationOptions): SimProduct {
    return createProduct(this, domain, input, options);
  }

  adjustInventory(domain: string, inventoryItemId: Id, locationId: Id, delta: number, options?: OperationOptions): number {
    return adjustInventory(this, domain, inventoryItemId, locationId, delta, options);
  }

  adjustQuantities(domain: string, input: QuantityAdjustment, options?: OperationOptions): ReturnType<typeof adjustQuantities> {
    return adjustQuantities(this, domain, input, options);
  }

  // ------------------------------------------------------------ orders, payments, refunds

  createOrder(domain: string, input: CreateOrderInput, options?: OperationOptions): SimOrder {
    return createOrder(this, domain, input, options);
  }

  payOrder(domain: string, orderId: Id, options?: OperationOptions): SimOrder {
    return payOrder(this, domain, orderId, options);
  }

  /** Captures the open authorization: `amount` (shop currency) or all of what is left. */
  captureOrder(domain: string, orderId: Id, input: { amount?: string | null } = {}, options?: OperationOptions): SimOrder {
    return captureOrder(this, domain, orderId, input, options);
  }

  voidAuthorization(domain: string, orderId: Id, options?: OperationOptions): SimOrder {
    return voidAuthorization(this, domain, orderId, options);
  }

  markOrderAsPaid(domain: string, orderId: Id, options?: OperationOptions): SimOrder {
    return markOrderAsPaid(this, domain, orderId, options);
  }

  editOrder(domain: string, orderId: Id, input: EditOrderInput, options?: OperationOptions): SimOrder {
    return editOrder(this, domain, orderId, input, options);
  }

  cancelOrder(domain: string, orderId: Id, input: { reason?: SimCancelReason; refund?: boolean; restock?: boolean } = {}, options?: OperationOptions): SimOrder {
    return cancelOrder(this, domain, orderId, input, options);
  }

  refundOrder(domain: string, orderId: Id, input: RefundInput, options?: OperationOptions): SimRefund {
    return refundOrder(this, domain, orderId, input, options);
  }

  refundOrderFully(domain: string, orderId: Id, options?: OperationOptions & { note?: string; restockType?: SimRestockType }): SimRefund {
    return refundOrderFully(this, domain, orderId, options);
  }

  // ------------------------------------------------------------ fulfillments

  fulfillOrder(domain: string, orderId: Id, input: FulfillOrderInput = {}, options?: OperationOptions): SimFulfillment {
    return fulfillOrder(this, domain, orderId, input, options);
  }

  updateFulfillmentTracking(domain: string, fulfillmentId: Id, input: TrackingUpdateInput, options?: OperationOptions): SimFulfillment {
    return updateFulfillmentTracking(this, domain, fulfillmentId, input, options);
  }

  splitFulfillmentOrder(domain: string, fulfillmentOrderId: Id, lines: { lineItemId: Id; quantity: number }[], options?: OperationOptions): SimFulfillmentOrder {
    return splitFulfillmentOrder(this, domain, fulfillmentOrderId, lines, options);
  }

  setFulfillmentDeadline(domain: string, fulfillmentOrderIds: Id[], deadline: IsoDateTime): ReturnType<typeof setFulfillmentDeadline> {
    return setFulfillmentDeadline(this, domain, fulfillmentOrderIds, deadline);
  }

  mergeFulfillmentOrders(domain: string, sets: MergeIntentInput[][], options?: OperationOptions): ReturnType<typeof mergeFulfillmentOrders> {
    return mergeFulfillmentOrders(this, domain, sets, options);
  }

  moveFulfillmentOrder(domain: string, fulfillmentOrderId: Id, newLocationId: Id, lineItems?: FulfillmentOrderLineInput[] | null, options?: OperationOptions): ReturnType<typeof moveFulfillmentOrder> {
    return moveFulfillmentOrder(this, domain, fulfillmentOrderId, newLocationId, lineItems, options);
  }

  addLocation(domain: string, input: AddLocationInput, options?: OperationOptions): SimLocation {
    return addLocation(this, domain, input, options);
  }

  // ------------------------------------------------------------ record of the app's mutations

  recordMutation(record: Omit<MutationRecord, "seq">): MutationRecord {
    const data = this.shop(record.shop);
    const full: MutationRecord = { ...record, seq: ++this.mutationSeq };
    data.mutations.push(full);
    this.emit("mutation", full);
    return full;
  }

  mutations(domain: string, filter: { kind?: MutationRecord["kind"]; since?: number } = {}): MutationRecord[] {
    return this.shop(domain).mutations.filter((m) => (!filter.kind || m.kind === filter.kind) && (!filter.since || m.seq > filter.since));
  }

  addPointsSpent(domain: string, points: number, operationName = ""): void {
    const data = this.findShop(domain);
    if (!data) return;
    data.pointsSpent += points;
    data.pointsByOperation.set(operationName, (data.pointsByOperation.get(operationName) ?? 0) + points);
  }

  emitBulkFinished(domain: string, op: SimBulkOperation): void {
    this.emitChange({ shop: normalizeDomain(domain), topic: "bulk_operations/finish", occurredAt: op.completedAt ?? this.now().toISOString(), bulkOperation: snapshot(op) } as StoreChange);
  }
}
