// What every part of the simulated store shares: the shops it holds, the clock, id minting, and
// the change events that become webhooks. The aggregates (shops.ts, customers.ts, orders.ts, …)
// are functions over a StoreCore; SimStore (store.ts) puts them behind one object.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { IdSource, gidFor, type IdKind } from "./ids.ts";
import type {
  Gid, Id, IsoDateTime, MutationRecord, SimBulkOperation, SimCustomer, SimFulfillment, SimFulfillmentOrder,
  SimInventoryAdjustmentGroup, SimMetafield, SimMetafieldDefinition, SimOrder, SimProduct, SimShop, SimVariant, StoreChange, StoreEvents,
} from "./types.ts";

export class StoreError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

export interface OperationOptions {
  /** When the change happens (defaults to the store clock). */
  at?: IsoDateTime;
  /** Don't emit StoreChanges (used by the seed generator for history). */
  silent?: boolean;
}

/** Everything the store holds for one shop. Maps iterate in insertion order, which is id order. */
export class ShopData {
  readonly customers = new Map<Id, SimCustomer>();
  readonly orders = new Map<Id, SimOrder>();
  readonly ordersByCustomer = new Map<Id, SimOrder[]>();
  readonly products: SimProduct[] = [];
  readonly productsById = new Map<Id, SimProduct>();
  readonly variants = new Map<Id, SimVariant>();
  readonly variantsByInventoryItem = new Map<Id, SimVariant>();
  readonly fulfillmentOrders = new Map<Id, SimFulfillmentOrder>();
  readonly fulfillments = new Map<Id, SimFulfillment>();
  readonly metafieldDefinitions: SimMetafieldDefinition[] = [];
  /** The shop's own metafields (owner gid://shopify/Shop/<id>). */
  readonly shopMetafields: Map<string, SimMetafield> = new Map();
  readonly bulkOperations = new Map<Id, SimBulkOperation>();
  readonly mutations: MutationRecord[] = [];
  readonly inventoryAdjustmentGroups: SimInventoryAdjustmentGroup[] = [];
  pointsSpent = 0;
  /** Points spent per GraphQL operation name (anonymous: ""), so a benchmark can tell reads apart. */
  readonly pointsByOperation = new Map<string, number>();
  nextOrderNumber = 1001;
  constructor(public shop: SimShop) {}
}

export interface SimStoreOptions {
  /** The store clock; tests inject a fixed one. */
  now?: () => Date;
}

export type OrderChangeTopic = "orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" | "orders/fulfilled" | "orders/partially_fulfilled";

export class StoreCore extends EventEmitter<StoreEvents> {
  readonly ids = new IdSource();
  protected readonly shopsByDomain = new Map<string, ShopData>();
  now: () => Date;

  constructor(options: SimStoreOptions = {}) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  // ------------------------------------------------------------ used by the aggregates

  mint(kind: IdKind): { id: Id; gid: Gid } {
    const id = this.ids.next(kind);
    return { id, gid: gidFor(kind, id) };
  }

  /** When an operation happens: the given time, else the store clock. */
  at(options?: OperationOptions): IsoDateTime {
    return options?.at ?? this.now().toISOString();
  }

  emitChange(change: Omit<StoreChange, "eventId">, options?: OperationOptions): void {
    if (options?.silent) return;
    const full = { ...change, eventId: randomEventId() } as StoreChange;
    this.emit("change", full);
  }

  orderChange(topic: OrderChangeTopic, data: ShopData, order: SimOrder, occurredAt: IsoDateTime, options?: OperationOptions): void {
    if (options?.silent) return;
    this.emitChange({ shop: data.shop.domain, topic, occurredAt, order: snapshot(order), customer: customerSnapshot(data, order) } as StoreChange, options);
  }

  /** Adds a new shop's data; the caller has checked the domain is free. */
  addShop(data: ShopData): void {
    this.shopsByDomain.set(data.shop.domain, data);
  }

  // ------------------------------------------------------------ lookups

  shop(domain: string): ShopData {
    const data = this.shopsByDomain.get(normalizeDomain(domain));
    if (!data) throw new StoreError(`unknown shop ${domain}`, 404);
    return data;
  }

  findShop(domain: string): ShopData | undefined {
    return this.shopsByDomain.get(normalizeDomain(domain));
  }

  shopDomains(): string[] {
    return [...this.shopsByDomain.keys()];
  }

  /** The shop whose installed app holds this offline access token. */
  findShopByToken(token: string): ShopData | undefined {
    for (const data of this.shopsByDomain.values()) if (data.shop.installation?.accessToken === token) return data;
    return undefined;
  }

  deleteShop(domain: string): void {
    this.shopsByDomain.delete(normalizeDomain(domain));
  }

  reset(): void {
    this.shopsByDomain.clear();
  }

  customer(domain: string, id: Id): SimCustomer {
    const customer = this.shop(domain).customers.get(id);
    if (!customer) throw new StoreError(`unknown customer ${id}`, 404);
    return customer;
  }

  order(domain: string, id: Id): SimOrder {
    const order = this.shop(domain).orders.get(id);
    if (!order) throw new StoreError(`unknown order ${id}`, 404);
    return order;
  }

  fulfillment(domain: string, id: Id): SimFulfillment {
    const f = this.shop(domain).fulfillments.get(id);
    if (!f) throw new StoreError(`unknown fulfillment ${id}`, 404);
    return f;
  }
}

export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "").replace(/:\d+$/, "");
}

/** The order's customer as a change carries it (a copy), or null for a guest order. */
export function customerSnapshot(data: ShopData, order: SimOrder): SimCustomer | null {
  const customer = order.customerId ? data.customers.get(order.customerId) : undefined;
  return customer ? snapshot(customer) : null;
}

/** Deep copy for StoreChange payloads (Maps included). */
export function snapshot<T>(value: T): T {
  return structuredClone(value);
}

let eventCounter = 0;
function randomEventId(): string {
  return `${Date.now().toString(16)}-${(++eventCounter).toString(16)}-${randomBytes(4).toString("hex")}`;
}
