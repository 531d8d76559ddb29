// The simulator's stateful in-memory Shopify: shops and their customers, products, orders,
// refunds and fulfillment orders. Every operation that Shopify would report by webhook emits a
// `change` (StoreChange) carrying snapshots of the objects, so the webhook half can build payloads
// without reaching back into live state.
import { EventEmitter } from "node:events";
import { createHash, randomBytes } from "node:crypto";
import { IdSource, gidFor, parseGid, type IdKind } from "./ids.ts";
import {
  addPairs, formatCents, fromBag, parseCents, prorate, subPairs, toBag, ZERO_PAIR, type CentsPair,
} from "./money.ts";
import type {
  CurrencyCode, Gid, Id, IsoDateTime, MoneyBag, MutationRecord, SimAppInstallation, SimBulkOperation,
  SimCancelReason, SimCustomer, SimFulfillment, SimFulfillmentOrder, SimLineItem, SimMetafield, SimMetafieldDefinition,
  SimOrder, SimPlan, SimProduct, SimRefund, SimRestockType, SimShippingLine, SimShop, SimTaxLine,
  SimTransaction, SimVariant, StoreChange, StoreChangeTopic, StoreEvents,
} from "./types.ts";

export const PLANS: Record<string, SimPlan> = {
  basic: { name: "basic", displayName: "Basic", shopifyPlus: false, bucketSize: 2000, restoreRate: 100 },
  standard: { name: "professional", displayName: "Shopify", shopifyPlus: false, bucketSize: 2000, restoreRate: 100 },
  advanced: { name: "unlimited", displayName: "Advanced", shopifyPlus: false, bucketSize: 4000, restoreRate: 200 },
  plus: { name: "shopify_plus", displayName: "Shopify Plus", shopifyPlus: true, bucketSize: 20000, restoreRate: 1000 },
  // Shopify documents restore rates only; buckets are taken as 20x the rate, as for the plans above.
  enterprise: { name: "enterprise", displayName: "Shopify for enterprise", shopifyPlus: true, bucketSize: 40000, restoreRate: 2000 },
};

/** Units of presentment currency per unit of USD (fixed, so seeded stores are reproducible). */
export const USD_RATES: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.36, AUD: 1.52, SEK: 10.6, CHF: 0.88 };

export function exchangeRate(from: CurrencyCode, to: CurrencyCode): number {
  if (from === to) return 1;
  const a = USD_RATES[from];
  const b = USD_RATES[to];
  if (!a || !b) throw new StoreError(`unsupported currency pair ${from}/${to}`);
  return b / a;
}

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

export interface CreateShopInput {
  domain: string;
  name?: string;
  email?: string;
  currency?: CurrencyCode;
  ianaTimezone?: string;
  plan?: keyof typeof PLANS | SimPlan;
  enabledPresentmentCurrencies?: CurrencyCode[];
  createdAt?: IsoDateTime;
  install?: { apiKey?: string; scopes?: string[]; accessToken?: string; appId?: Id } | null;
}

export interface CreateCustomerInput {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  tags?: string[];
  state?: SimCustomer["state"];
  note?: string | null;
}

export interface CreateOrderLineInput {
  variantId?: Id;
  title?: string;
  sku?: string;
  /** Unit price in shop currency; defaults to the variant's price. */
  price?: string;
  quantity: number;
  taxable?: boolean;
  requiresShipping?: boolean;
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
  financialStatus?: "PAID" | "PENDING" | "AUTHORIZED";
  tags?: string[];
  note?: string | null;
  sourceName?: string;
  processedAt?: IsoDateTime;
  fulfillBy?: IsoDateTime | null;
}

export interface RefundInput {
  lineItems?: { lineItemId: Id; quantity: number; restockType?: SimRestockType }[];
  /** Refund shipping: `full: true` or an amount in shop currency. */
  shipping?: { full?: boolean; amount?: string } | null;
  /** Extra money back beyond items and shipping (goodwill), shop currency. */
  amount?: string | null;
  note?: string | null;
}

export interface FulfillOrderInput {
  /** Fulfil from this fulfillment order only; otherwise from the order's fulfillable ones (one location). */
  fulfillmentOrderId?: Id;
  /** Units to ship; all remaining units when omitted. */
  lineItems?: { lineItemId: Id; quantity: number }[];
  trackingNumber?: string | null;
  trackingCompany?: string | null;
  trackingUrl?: string | null;
  notifyCustomer?: boolean;
}

export interface TrackingUpdateInput {
  trackingNumber?: string | null;
  trackingCompany?: string | null;
  trackingUrl?: string | null;
  notifyCustomer?: boolean;
}

export interface EditOrderInput {
  addLineItems?: CreateOrderLineInput[];
  /** `restock` as orderEditSetQuantity takes it: put the removed units back (default false). */
  setQuantities?: { lineItemId: Id; quantity: number; restock?: boolean }[];
  notifyCustomer?: boolean;
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
  readonly bulkOperations = new Map<Id, SimBulkOperation>();
  readonly mutations: MutationRecord[] = [];
  pointsSpent = 0;
  nextOrderNumber = 1001;
  constructor(public shop: SimShop) {}
}

export interface SimStoreOptions {
  /** The store clock; tests inject a fixed one. */
  now?: () => Date;
}

const TAG_MAX_LENGTH = 255;
export const MAX_TAGS_PER_CUSTOMER = 250;

export class SimStore extends EventEmitter<StoreEvents> {
  readonly ids = new IdSource();
  private readonly shopsByDomain = new Map<string, ShopData>();
  private mutationSeq = 0;
  now: () => Date;

  constructor(options: SimStoreOptions = {}) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  // ------------------------------------------------------------ helpers

  private mint(kind: IdKind): { id: Id; gid: Gid } {
    const id = this.ids.next(kind);
    return { id, gid: gidFor(kind, id) };
  }

  private at(options?: OperationOptions): IsoDateTime {
    return options?.at ?? this.now().toISOString();
  }

  private emitChange(change: Omit<StoreChange, "eventId">, options?: OperationOptions): void {
    if (options?.silent) return;
    const full = { ...change, eventId: randomEventId() } as StoreChange;
    this.emit("change", full);
  }

  private orderChange(topic: "orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" | "orders/fulfilled" | "orders/partially_fulfilled", data: ShopData, order: SimOrder, occurredAt: IsoDateTime, options?: OperationOptions) {
    if (options?.silent) return;
    this.emitChange({ shop: data.shop.domain, topic, occurredAt, order: snapshot(order), customer: customerSnapshot(data, order) } as StoreChange, options);
  }

  // ------------------------------------------------------------ shops

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

  createShop(input: CreateShopInput): ShopData {
    const domain = normalizeDomain(input.domain);
    if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(domain)) throw new StoreError(`shop must be a myshopify domain, got ${input.domain}`);
    if (this.shopsByDomain.has(domain)) throw new StoreError(`shop ${domain} exists`, 409);
    const { id, gid } = this.mint("Shop");
    const createdAt = input.createdAt ?? this.now().toISOString();
    const currency = input.currency ?? "USD";
    exchangeRate(currency, "USD"); // rejects unknown currencies
    const named = typeof input.plan === "object" ? input.plan : Object.hasOwn(PLANS, input.plan ?? "standard") ? PLANS[input.plan ?? "standard"] : undefined;
    if (!named) throw new StoreError(`unknown plan ${String(input.plan)}; one of ${Object.keys(PLANS).join(", ")}`);
    const plan = { ...named };
    const handle = domain.replace(/\.myshopify\.com$/, "");
    const location = this.mint("Location");
    const shop: SimShop = {
      id, gid, domain,
      name: input.name ?? handle.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join(" "),
      email: input.email ?? `owner@${handle}.example`,
      currency,
      enabledPresentmentCurrencies: input.enabledPresentmentCurrencies ?? [currency, ...Object.keys(USD_RATES).filter((c) => c !== currency)],
      ianaTimezone: input.ianaTimezone ?? "America/New_York",
      plan,
      createdAt,
      installation: null,
      locations: [{ ...location, name: "Main warehouse" }],
    };
    const data = new ShopData(shop);
    this.shopsByDomain.set(domain, data);
    if (input.install !== undefined && input.install !== null) this.installApp(domain, input.install);
    return data;
  }

  installApp(domain: string, input: { apiKey?: string; scopes?: string[]; accessToken?: string; appId?: Id } = {}): SimAppInstallation {
    const data = this.shop(domain);
    const installation: SimAppInstallation = {
      appId: input.appId ?? "4242000001",
      apiKey: input.apiKey ?? "sim-api-key",
      accessToken: input.accessToken ?? `shpat_${randomBytes(16).toString("hex")}`,
      scopes: input.scopes ?? DEFAULT_SCOPES,
      installedAt: this.now().toISOString(),
    };
    data.shop.installation = installation;
    return installation;
  }

  uninstallApp(domain: string, options?: OperationOptions): void {
    const data = this.shop(domain);
    if (!data.shop.installation) return;
    const shopSnapshot = snapshot(data.shop);
    data.shop.installation = null;
    this.emitChange({ shop: data.shop.domain, topic: "app/uninstalled", occurredAt: this.at(options), shopSnapshot } as StoreChange, options);
  }

  setPlan(domain: string, plan: Partial<SimPlan> | keyof typeof PLANS): SimPlan {
    const data = this.shop(domain);
    if (typeof plan === "string" && !Object.hasOwn(PLANS, plan)) throw new StoreError(`unknown plan ${plan}; one of ${Object.keys(PLANS).join(", ")}`);
    data.shop.plan = typeof plan === "string" ? { ...PLANS[plan] } : { ...data.shop.plan, ...plan };
    return data.shop.plan;
  }

  deleteShop(domain: string): void {
    this.shopsByDomain.delete(normalizeDomain(domain));
  }

  reset(): void {
    this.shopsByDomain.clear();
  }

  // ------------------------------------------------------------ app namespace

  /** Shopify's app-reserved namespace: "$app" → "app--{appId}", "$app:x" → "app--{appId}--x". */
  resolveNamespace(domain: string, namespace: string | null | undefined): string {
    const appId = this.shop(domain).shop.installation?.appId ?? "0";
    if (namespace === null || namespace === undefined || namespace === "" || namespace === "$app") return `app--${appId}`;
    if (namespace.startsWith("$app:")) return `app--${appId}--${namespace.slice(5)}`;
    return namespace;
  }

  // ------------------------------------------------------------ customers

  createCustomer(domain: string, input: CreateCustomerInput, options?: OperationOptions): SimCustomer {
    const data = this.shop(domain);
    const at = this.at(options);
    const { id, gid } = this.mint("Customer");
    const customer: SimCustomer = {
      id, gid,
      email: input.email ?? null,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      phone: input.phone ?? null,
      tags: normalizeTagList(input.tags ?? []),
      metafields: new Map(),
      createdAt: at,
      updatedAt: at,
      state: input.state ?? "DISABLED",
      verifiedEmail: Boolean(input.email),
      taxExempt: false,
      note: input.note ?? null,
      currency: data.shop.currency,
    };
    data.customers.set(id, customer);
    this.emitChange({ shop: data.shop.domain, topic: "customers/create", occurredAt: at, customer: snapshot(customer) } as StoreChange, options);
    return customer;
  }

  customer(domain: string, id: Id): SimCustomer {
    const customer = this.shop(domain).customers.get(id);
    if (!customer) throw new StoreError(`unknown customer ${id}`, 404);
    return customer;
  }

  updateCustomer(domain: string, id: Id, patch: Partial<Pick<SimCustomer, "email" | "firstName" | "lastName" | "phone" | "note" | "state">>, options?: OperationOptions): SimCustomer {
    const data = this.shop(domain);
    const customer = this.customer(domain, id);
    Object.assign(customer, patch);
    customer.updatedAt = this.at(options);
    this.emitChange({ shop: data.shop.domain, topic: "customers/update", occurredAt: customer.updatedAt, customer: snapshot(customer) } as StoreChange, options);
    return customer;
  }

  deleteCustomer(domain: string, id: Id, options?: OperationOptions): void {
    const data = this.shop(domain);
    const customer = this.customer(domain, id);
    if ((data.ordersByCustomer.get(id)?.length ?? 0) > 0) {
      // Shopify refuses to delete a customer with orders; the app must cope with that too.
      throw new StoreError("Customer can't be deleted because they have associated orders", 422);
    }
    data.customers.delete(id);
    this.emitChange({ shop: data.shop.domain, topic: "customers/delete", occurredAt: this.at(options), customer: snapshot(customer) } as StoreChange, options);
  }

  /**
   * tagsAdd semantics: comma-separated entries are split, whitespace trimmed, duplicates
   * (case-insensitive) ignored. Returns the tags actually added, or a user error.
   */
  addTags(domain: string, customerId: Id, tags: string[], options?: OperationOptions): { added: string[]; error?: string } {
    const data = this.shop(domain);
    const customer = this.customer(domain, customerId);
    const wanted = splitTags(tags);
    const tooLong = wanted.find((t) => t.length > TAG_MAX_LENGTH);
    if (tooLong) return { added: [], error: `Tags is invalid. Tag '${tooLong.slice(0, 40)}…' is longer than ${TAG_MAX_LENGTH} characters.` };
    const have = new Set(customer.tags.map((t) => t.toLowerCase()));
    const added: string[] = [];
    for (const tag of wanted) {
      if (!have.has(tag.toLowerCase())) {
        have.add(tag.toLowerCase());
        added.push(tag);
      }
    }
    if (customer.tags.length + added.length > MAX_TAGS_PER_CUSTOMER) {
      return { added: [], error: `Tags cannot have more than ${MAX_TAGS_PER_CUSTOMER} tags.` };
    }
    if (added.length === 0) return { added };
    customer.tags.push(...added);
    customer.updatedAt = this.at(options);
    const snap = snapshot(customer);
    this.emitChange({ shop: data.shop.domain, topic: "customer.tags_added", occurredAt: customer.updatedAt, customer: snap, tags: added } as StoreChange, options);
    this.emitChange({ shop: data.shop.domain, topic: "customers/update", occurredAt: customer.updatedAt, customer: snap } as StoreChange, options);
    return { added };
  }

  removeTags(domain: string, customerId: Id, tags: string[], options?: OperationOptions): { removed: string[] } {
    const data = this.shop(domain);
    const customer = this.customer(domain, customerId);
    const drop = new Set(splitTags(tags).map((t) => t.toLowerCase()));
    const removed = customer.tags.filter((t) => drop.has(t.toLowerCase()));
    if (removed.length === 0) return { removed };
    customer.tags = customer.tags.filter((t) => !drop.has(t.toLowerCase()));
    customer.updatedAt = this.at(options);
    const snap = snapshot(customer);
    this.emitChange({ shop: data.shop.domain, topic: "customer.tags_removed", occurredAt: customer.updatedAt, customer: snap, tags: removed } as StoreChange, options);
    this.emitChange({ shop: data.shop.domain, topic: "customers/update", occurredAt: customer.updatedAt, customer: snap } as StoreChange, options);
    return { removed };
  }

  /** tagsAdd on an order: set semantics; emits orders/updated. Returns the tags added. */
  addOrderTags(domain: string, orderId: Id, tags: string[], options?: OperationOptions): string[] {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    const have = new Set(order.tags.map((t) => t.toLowerCase()));
    const added = splitTags(tags).filter((t) => !have.has(t.toLowerCase()) && have.add(t.toLowerCase()));
    if (!added.length) return added;
    order.tags.push(...added);
    order.updatedAt = this.at(options);
    this.orderChange("orders/updated", data, order, order.updatedAt, options);
    return added;
  }

  removeOrderTags(domain: string, orderId: Id, tags: string[], options?: OperationOptions): string[] {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    const drop = new Set(splitTags(tags).map((t) => t.toLowerCase()));
    const removed = order.tags.filter((t) => drop.has(t.toLowerCase()));
    if (!removed.length) return removed;
    order.tags = order.tags.filter((t) => !drop.has(t.toLowerCase()));
    order.updatedAt = this.at(options);
    this.orderChange("orders/updated", data, order, order.updatedAt, options);
    return removed;
  }

  // ------------------------------------------------------------ metafields

  /** Finds the object that owns metafields, by GID. */
  metafieldOwner(domain: string, ownerGid: Gid): { ownerType: SimMetafield["ownerType"]; metafields: Map<string, SimMetafield>; touch: (at: string) => void } | null {
    const data = this.shop(domain);
    const parsed = parseGid(ownerGid);
    if (!parsed) return null;
    if (parsed.type === "Customer") {
      const c = data.customers.get(parsed.id);
      return c ? { ownerType: "CUSTOMER", metafields: c.metafields, touch: (at) => (c.updatedAt = at) } : null;
    }
    if (parsed.type === "Order") {
      const o = data.orders.get(parsed.id);
      if (o && !o.metafields) o.metafields = new Map();
      return o ? { ownerType: "ORDER", metafields: o.metafields!, touch: (at) => (o.updatedAt = at) } : null;
    }
    return null;
  }

  /**
   * metafieldsSet semantics: atomic (all or nothing), namespace already resolved by the caller,
   * compareDigest compare-and-set. Returns the written metafields or user errors with element indexes.
   */
  /** metafieldsDelete: each identifier that existed is removed and echoed back; a missing one answers null, as Shopify does. */
  deleteMetafields(domain: string, inputs: { ownerGid: Gid; namespace: string; key: string }[]): ({ ownerId: Gid; namespace: string; key: string } | null)[] {
    return inputs.map((input) => {
      const owner = this.metafieldOwner(domain, input.ownerGid);
      const mapKey = `${input.namespace}.${input.key}`;
      if (!owner || !owner.metafields.has(mapKey)) return null;
      owner.metafields.delete(mapKey);
      return { ownerId: input.ownerGid, namespace: input.namespace, key: input.key };
    });
  }

  setMetafields(
    domain: string,
    inputs: { ownerGid: Gid; namespace: string; key: string; type?: string | null; value: string; compareDigest?: string | null }[],
    options?: OperationOptions,
  ): { metafields: SimMetafield[]; userErrors: { field: string[]; message: string; code: string; elementIndex: number }[] } {
    const data = this.shop(domain);
    const userErrors: { field: string[]; message: string; code: string; elementIndex: number }[] = [];
    const planned: { owner: NonNullable<ReturnType<SimStore["metafieldOwner"]>>; input: (typeof inputs)[number]; type: string; existing?: SimMetafield }[] = [];
    inputs.forEach((input, i) => {
      const owner = this.metafieldOwner(domain, input.ownerGid);
      if (!owner) {
        userErrors.push({ field: ["metafields", String(i), "ownerId"], message: "Owner subject does not exist.", code: "INVALID", elementIndex: i });
        return;
      }
      if (input.key.length < 2 || input.key.length > 64 || !/^[A-Za-z0-9_-]+$/.test(input.key)) {
        userErrors.push({ field: ["metafields", String(i), "key"], message: "Key is invalid: must be 2-64 characters of letters, digits, '-' or '_'.", code: "INVALID", elementIndex: i });
        return;
      }
      const existing = owner.metafields.get(`${input.namespace}.${input.key}`);
      const definition = data.metafieldDefinitions.find((d) => d.namespace === input.namespace && d.key === input.key && d.ownerType === owner.ownerType);
      const type = input.type ?? existing?.type ?? definition?.type;
      if (!type) {
        userErrors.push({ field: ["metafields", String(i), "type"], message: "Type can't be blank.", code: "BLANK", elementIndex: i });
        return;
      }
      if (definition && definition.type !== type) {
        userErrors.push({ field: ["metafields", String(i), "type"], message: `Type must be ${definition.type} to match the definition.`, code: "INVALID_TYPE", elementIndex: i });
        return;
      }
      const valueError = validateMetafieldValue(type, input.value);
      if (valueError) {
        userErrors.push({ field: ["metafields", String(i), "value"], message: valueError, code: "INVALID_VALUE", elementIndex: i });
        return;
      }
      if (input.compareDigest !== undefined && input.compareDigest !== null && input.compareDigest !== (existing?.compareDigest ?? null)) {
        userErrors.push({ field: ["metafields", String(i)], message: "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value.", code: "STALE_OBJECT", elementIndex: i });
        return;
      }
      planned.push({ owner, input, type, existing });
    });
    if (userErrors.length) return { metafields: [], userErrors };
    const at = this.at(options);
    const written = planned.map(({ owner, input, type, existing }) => {
      const mf: SimMetafield = existing ?? {
        ...this.mint("Metafield"),
        namespace: input.namespace, key: input.key, type, value: "", compareDigest: "",
        ownerType: owner.ownerType, ownerGid: input.ownerGid, createdAt: at, updatedAt: at,
      };
      mf.type = type;
      mf.value = input.value;
      mf.compareDigest = digest(input.value);
      mf.updatedAt = at;
      owner.metafields.set(`${mf.namespace}.${mf.key}`, mf);
      // Writing a metafield bumps the owner's updatedAt, but Shopify sends no customers/update for it.
      owner.touch(at);
      return mf;
    });
    return { metafields: written, userErrors: [] };
  }

  createMetafieldDefinition(domain: string, input: { name: string; namespace: string; key: string; type: string; ownerType: string; description?: string | null }): { definition?: SimMetafieldDefinition; error?: { field: string[]; message: string; code: string } } {
    const data = this.shop(domain);
    if (data.metafieldDefinitions.some((d) => d.namespace === input.namespace && d.key === input.key && d.ownerType === input.ownerType)) {
      return { error: { field: ["definition", "key"], message: "Key is in use for this owner type.", code: "TAKEN" } };
    }
    if (!KNOWN_METAFIELD_TYPES.has(input.type)) {
      return { error: { field: ["definition", "type"], message: `Type name ${input.type} is not a valid type.`, code: "INCLUSION" } };
    }
    const definition: SimMetafieldDefinition = { ...this.mint("MetafieldDefinition"), ...input, description: input.description ?? null, createdAt: this.now().toISOString() };
    data.metafieldDefinitions.push(definition);
    return { definition };
  }

  // ------------------------------------------------------------ products and inventory

  createProduct(domain: string, input: { title: string; vendor?: string; productType?: string; tags?: string[]; variants: { title?: string; sku: string; price: string; grams?: number; inventory?: number }[] }, options?: OperationOptions): SimProduct {
    const data = this.shop(domain);
    const at = this.at(options);
    const { id, gid } = this.mint("Product");
    const product: SimProduct = {
      id, gid, title: input.title,
      handle: input.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""),
      vendor: input.vendor ?? data.shop.name, productType: input.productType ?? "", tags: input.tags ?? [],
      variants: [], createdAt: at, updatedAt: at,
    };
    for (const v of input.variants) {
      const variant: SimVariant = {
        ...this.mint("ProductVariant"),
        productId: id, title: v.title ?? "Default Title", sku: v.sku, price: formatCents(parseCents(v.price)), grams: v.grams ?? 500,
        inventoryItemId: this.ids.next("InventoryItem"),
        inventoryLevels: data.shop.locations.map((l) => ({ locationId: l.id, available: v.inventory ?? 0, updatedAt: at })),
        createdAt: at, updatedAt: at,
      };
      product.variants.push(variant);
      data.variants.set(variant.id, variant);
      data.variantsByInventoryItem.set(variant.inventoryItemId, variant);
    }
    data.products.push(product);
    data.productsById.set(product.id, product);
    return product;
  }

  adjustInventory(domain: string, inventoryItemId: Id, locationId: Id, delta: number, options?: OperationOptions): number {
    const data = this.shop(domain);
    const variant = data.variantsByInventoryItem.get(inventoryItemId);
    if (!variant) throw new StoreError(`unknown inventory item ${inventoryItemId}`, 404);
    const available = this.moveStock(data, variant, locationId, delta, this.at(options), options);
    if (available === null) throw new StoreError(`item ${inventoryItemId} is not stocked at ${locationId}`, 404);
    return available;
  }

  /** Changes a variant's available count at a location and reports it as inventory_levels/update.
   *  Shopify lets available go below zero (overselling), so this does too. Null when not stocked there. */
  private moveStock(data: ShopData, variant: SimVariant, locationId: Id, delta: number, at: IsoDateTime, options?: OperationOptions): number | null {
    const level = variant.inventoryLevels.find((l) => l.locationId === locationId);
    if (!level) return null;
    if (delta === 0) return level.available;
    level.available += delta;
    level.updatedAt = at;
    variant.updatedAt = at;
    this.emitChange({ shop: data.shop.domain, topic: "inventory_levels/update", occurredAt: at, inventoryItemId: variant.inventoryItemId, locationId, available: level.available, updatedAt: at } as StoreChange, options);
    return level.available;
  }

  /** Units an order line takes from (negative) or gives back to stock at the order's fulfillment location. */
  private stockForLine(data: ShopData, order: SimOrder, line: SimLineItem, delta: number, at: IsoDateTime, options?: OperationOptions): void {
    const variant = line.variantId ? data.variants.get(line.variantId) : undefined;
    if (!variant) return; // custom line items hold no stock
    const locationId = order.fulfillmentOrders[0]?.assignedLocationId ?? data.shop.locations[0].id;
    this.moveStock(data, variant, locationId, delta, at, options);
  }

  // ------------------------------------------------------------ orders

  order(domain: string, id: Id): SimOrder {
    const order = this.shop(domain).orders.get(id);
    if (!order) throw new StoreError(`unknown order ${id}`, 404);
    return order;
  }

  private buildLineItem(data: ShopData, input: CreateOrderLineInput, rate: number, shopCur: string, presCur: string, taxRate: number, taxTitle: string, discountFraction: number, discountCents: number | null): { line: SimLineItem; total: CentsPair } {
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
    const taxable = input.taxable ?? true;
    const tax: CentsPair = taxable && taxRate > 0 ? { shop: Math.round(discounted.shop * taxRate), pres: Math.round(discounted.pres * taxRate) } : ZERO_PAIR;
    const title = input.title ?? product?.title ?? "Custom item";
    const variantTitle = variant && variant.title !== "Default Title" ? variant.title : null;
    const line: SimLineItem = {
      ...this.mint("LineItem"),
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
      requiresShipping: input.requiresShipping ?? true,
      taxable,
      grams: variant?.grams ?? 0,
      originalUnitPriceSet: toBag(unit, shopCur, presCur),
      discountedUnitPriceSet: toBag(prorate(discounted, 1, input.quantity), shopCur, presCur),
      totalDiscountSet: toBag(discount, shopCur, presCur),
      taxLines: tax.shop || tax.pres ? [{ title: taxTitle, rate: taxRate, priceSet: toBag(tax, shopCur, presCur) }] : [],
    };
    return { line, total: original };
  }

  createOrder(domain: string, input: CreateOrderInput, options?: OperationOptions): SimOrder {
    const data = this.shop(domain);
    if (!input.lineItems?.length) throw new StoreError("an order needs at least one line item");
    const customer = input.customerId ? data.customers.get(input.customerId) : undefined;
    if (input.customerId && !customer) throw new StoreError(`unknown customer ${input.customerId}`);
    const at = this.at(options);
    const shopCur = data.shop.currency;
    const presCur = input.presentmentCurrency ?? shopCur;
    const rate = exchangeRate(shopCur, presCur);
    const taxRate = input.taxRate ?? 0;
    const taxTitle = input.taxTitle ?? "Sales Tax";

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
    const built = input.lineItems.map((l, i) => this.buildLineItem(data, l, rate, shopCur, presCur, taxRate, taxTitle, fraction, allocations[i]));
    const shippingLines: SimShippingLine[] = [];
    if (input.shipping) {
      const price = parseCents(input.shipping.price);
      const p: CentsPair = { shop: price, pres: Math.round(price * rate) };
      const tax = input.taxShipping && taxRate > 0 ? { shop: Math.round(p.shop * taxRate), pres: Math.round(p.pres * taxRate) } : ZERO_PAIR;
      const title = input.shipping.title ?? "Standard";
      shippingLines.push({
        ...this.mint("ShippingLine"), title, code: title, source: "shopify",
        originalPriceSet: toBag(p, shopCur, presCur), discountedPriceSet: toBag(p, shopCur, presCur),
        taxLines: tax.shop || tax.pres ? [{ title: taxTitle, rate: taxRate, priceSet: toBag(tax, shopCur, presCur) }] : [],
        isRemoved: false,
      });
    }
    const { id, gid } = this.mint("Order");
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
      taxesIncluded: false,
      lineItems: built.map((b) => b.line),
      shippingLines,
      taxLines: [],
      discountCodes: input.discount ? [{ code: input.discount.code, amountSet: zero, type: input.discount.percentage ? "percentage" : "fixed_amount" }] : [],
      subtotalPriceSet: zero, totalDiscountsSet: zero, totalShippingPriceSet: zero, totalTaxSet: zero, totalPriceSet: zero, originalTotalPriceSet: zero,
      currentSubtotalPriceSet: zero, currentTotalDiscountsSet: zero, currentShippingPriceSet: zero, currentTotalTaxSet: zero, currentTotalPriceSet: zero,
      totalRefundedSet: zero, totalRefundedShippingSet: zero, totalReceivedSet: zero, totalOutstandingSet: zero,
      financialStatus: "PENDING", fulfillmentStatus: "UNFULFILLED",
      transactions: [], refunds: [], fulfillmentOrders: [], fulfillments: [], edited: false,
      metafields: new Map(),
    };
    recomputeOriginalTotals(order);
    order.originalTotalPriceSet = order.totalPriceSet;
    if (order.discountCodes.length) order.discountCodes[0].amountSet = order.totalDiscountsSet;
    recomputeCurrentTotals(order);

    const fo: SimFulfillmentOrder = {
      ...this.mint("FulfillmentOrder"), orderId: id, status: "OPEN", assignedLocationId: data.shop.locations[0].id,
      fulfillAt: at, fulfillBy: input.fulfillBy ?? null,
      lineItems: order.lineItems.filter((l) => l.requiresShipping).map((l) => ({ ...this.mint("FulfillmentOrderLineItem"), lineItemId: l.id, totalQuantity: l.quantity, remainingQuantity: l.quantity })),
      createdAt: at, updatedAt: at,
    };
    if (fo.lineItems.length) {
      order.fulfillmentOrders.push(fo);
      data.fulfillmentOrders.set(fo.id, fo);
    }
    const status = input.financialStatus ?? "PAID";
    if (status === "PAID") order.transactions.push(this.transaction(order, "SALE", fromBag(order.totalPriceSet), at, null));
    if (status === "AUTHORIZED") order.transactions.push(this.transaction(order, "AUTHORIZATION", fromBag(order.totalPriceSet), at, null));
    recomputeFinancials(order);

    data.orders.set(id, order);
    if (order.customerId) {
      const list = data.ordersByCustomer.get(order.customerId) ?? [];
      list.push(order);
      data.ordersByCustomer.set(order.customerId, list);
    }
    this.orderChange("orders/create", data, order, at, options);
    if (order.financialStatus === "PAID") this.orderChange("orders/paid", data, order, at, options);
    // Placing an order takes its units from available stock, as Shopify does for tracked items.
    for (const line of order.lineItems) this.stockForLine(data, order, line, -line.quantity, at, options);
    return order;
  }

  private transaction(order: SimOrder, kind: SimTransaction["kind"], amount: CentsPair, at: IsoDateTime, parentId: Id | null): SimTransaction {
    return {
      ...this.mint("OrderTransaction"), kind, status: "SUCCESS", gateway: order.test ? "bogus" : "shopify_payments",
      amountSet: toBag(amount, order.currency, order.presentmentCurrency), createdAt: at, processedAt: at, parentId, test: order.test,
    };
  }

  /** Captures what is outstanding (marks the order paid). */
  payOrder(domain: string, orderId: Id, options?: OperationOptions): SimOrder {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    if (order.cancelledAt) throw new StoreError("cannot pay a cancelled order", 422);
    const outstanding = fromBag(order.totalOutstandingSet);
    if (outstanding.shop <= 0 && order.financialStatus !== "PENDING" && order.financialStatus !== "AUTHORIZED") throw new StoreError("order has nothing outstanding", 422);
    const at = this.at(options);
    const auth = order.transactions.find((t) => t.kind === "AUTHORIZATION");
    order.transactions.push(this.transaction(order, auth ? "CAPTURE" : "SALE", outstanding.shop > 0 ? outstanding : fromBag(order.currentTotalPriceSet), at, auth?.id ?? null));
    recomputeFinancials(order);
    order.updatedAt = at;
    this.orderChange("orders/paid", data, order, at, options);
    this.orderChange("orders/updated", data, order, at, options);
    return order;
  }

  /** An order edit, committed: add line items and/or change quantities. */
  editOrder(domain: string, orderId: Id, input: EditOrderInput, options?: OperationOptions): SimOrder {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    if (order.cancelledAt) throw new StoreError("cannot edit a cancelled order", 422);
    const at = this.at(options);
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
      const { line } = this.buildLineItem(data, l, order.exchangeRate, order.currency, order.presentmentCurrency, taxRate, taxTitle, 0, null);
      order.lineItems.push(line);
      added.push({ lineItemId: line.id, delta: line.quantity });
      if (line.requiresShipping) {
        let fo = order.fulfillmentOrders.find((f) => f.status === "OPEN");
        if (!fo && !order.fulfillmentOrders.some((f) => f.status === "ON_HOLD" || f.status === "SCHEDULED")) {
          // Everything else shipped (or none needed shipping): the added item gets its own fulfillment order.
          fo = { ...this.mint("FulfillmentOrder"), orderId: order.id, status: "OPEN", assignedLocationId: order.fulfillmentOrders[0]?.assignedLocationId ?? data.shop.locations[0].id, fulfillAt: at, fulfillBy: null, lineItems: [], createdAt: at, updatedAt: at };
          order.fulfillmentOrders.push(fo);
          data.fulfillmentOrders.set(fo.id, fo);
        }
        if (fo) fo.lineItems.push({ ...this.mint("FulfillmentOrderLineItem"), lineItemId: line.id, totalQuantity: line.quantity, remainingQuantity: line.quantity });
      }
    }
    if (!added.length && !removed.length) throw new StoreError("the edit changes nothing");
    order.edited = true;
    recomputeFulfillmentStatus(order);
    recomputeOriginalTotals(order);
    recomputeCurrentTotals(order);
    recomputeFinancials(order);
    order.updatedAt = at;
    const edit = this.mint("OrderEdit");
    if (!options?.silent) {
      this.emitChange({
        shop: data.shop.domain, topic: "orders/edited", occurredAt: at, order: snapshot(order), customer: customerSnapshot(data, order),
        edit: { id: edit.id, gid: edit.gid, committedAt: at, notifyCustomer: input.notifyCustomer ?? false, lineItemsAdded: added, lineItemsRemoved: removed },
      } as StoreChange, options);
    }
    this.orderChange("orders/updated", data, order, at, options);
    for (const { line, delta } of restocked) this.stockForLine(data, order, line, delta, at, options);
    for (const { lineItemId, delta } of added) this.stockForLine(data, order, order.lineItems.find((l) => l.id === lineItemId)!, -delta, at, options);
    return order;
  }

  refundOrder(domain: string, orderId: Id, input: RefundInput, options?: OperationOptions): SimRefund {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    const at = this.at(options);
    const refund = this.buildRefund(data, order, input, at);
    this.finishRefund(data, order, refund, at, options);
    return refund;
  }

  /** Refunds everything still refundable: all current line items, remaining shipping. */
  refundOrderFully(domain: string, orderId: Id, options?: OperationOptions & { note?: string; restockType?: SimRestockType }): SimRefund {
    const order = this.order(domain, orderId);
    return this.refundOrder(domain, orderId, {
      lineItems: order.lineItems.filter((l) => l.currentQuantity > 0).map((l) => ({ lineItemId: l.id, quantity: l.currentQuantity, restockType: options?.restockType ?? "RETURN" })),
      shipping: order.shippingLines.length && fromBag(order.currentShippingPriceSet).shop > 0 ? { full: true } : null,
      note: options?.note ?? null,
    }, options);
  }

  private buildRefund(data: ShopData, order: SimOrder, input: RefundInput, at: IsoDateTime): SimRefund {
    const cur = order.currency;
    const pres = order.presentmentCurrency;
    const refund: SimRefund = {
      ...this.mint("Refund"), orderId: order.id, createdAt: at, processedAt: at, updatedAt: at, note: input.note ?? null,
      restock: false, refundLineItems: [], refundShippingLines: [], orderAdjustments: [], transactions: [],
      totalRefundedSet: toBag(ZERO_PAIR, cur, pres),
    };
    let total: CentsPair = ZERO_PAIR;
    for (const item of input.lineItems ?? []) {
      const line = order.lineItems.find((l) => l.id === item.lineItemId);
      if (!line) throw new StoreError(`unknown line item ${item.lineItemId}`);
      if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > line.currentQuantity) {
        throw new StoreError(`cannot refund ${item.quantity} of line item ${line.id} (refundable: ${line.currentQuantity})`, 422);
      }
      const lineTotal = subPairs(multiplyPair(fromBag(line.originalUnitPriceSet), line.quantity), fromBag(line.totalDiscountSet));
      const lineTax = addPairs(...line.taxLines.map((t) => fromBag(t.priceSet)));
      const subtotal = prorate(lineTotal, item.quantity, line.quantity);
      const tax = prorate(lineTax, item.quantity, line.quantity);
      const restockType = item.restockType ?? "NO_RESTOCK";
      if (restockType === "CANCEL" && item.quantity > line.unfulfilledQuantity) {
        throw new StoreError(`cannot cancel ${item.quantity} of line item ${line.id}: only ${line.unfulfilledQuantity} unshipped; shipped units come back with restock type RETURN`, 422);
      }
      refund.refundLineItems.push({
        ...this.mint("RefundLineItem"), lineItemId: line.id, quantity: item.quantity, restockType,
        restocked: restockType === "RETURN" || restockType === "CANCEL",
        locationId: restockType === "NO_RESTOCK" ? null : data.shop.locations[0].id,
        priceSet: line.originalUnitPriceSet, subtotalSet: toBag(subtotal, cur, pres), totalTaxSet: toBag(tax, cur, pres),
      });
      if (restockType !== "NO_RESTOCK") refund.restock = true;
      total = addPairs(total, subtotal, tax);
    }
    if (input.shipping && (input.shipping.full || input.shipping.amount)) {
      const line = order.shippingLines[0];
      if (!line) throw new StoreError("order has no shipping to refund", 422);
      const shipped = fromBag(line.discountedPriceSet);
      const shippedTax = addPairs(...line.taxLines.map((t) => fromBag(t.priceSet)));
      const already = fromBag(order.totalRefundedShippingSet);
      const remaining = subPairs(shipped, already);
      const wanted = input.shipping.full ? remaining : { shop: parseCents(input.shipping.amount!), pres: Math.round(parseCents(input.shipping.amount!) * order.exchangeRate) };
      if (wanted.shop > remaining.shop || wanted.shop <= 0) throw new StoreError(`shipping refund must be between 0.01 and ${formatCents(remaining.shop)}`, 422);
      const tax = prorate(shippedTax, wanted.shop, shipped.shop || 1);
      refund.refundShippingLines.push({ ...this.mint("RefundShippingLine"), shippingLineId: line.id, subtotalAmountSet: toBag(wanted, cur, pres), taxAmountSet: toBag(tax, cur, pres) });
      total = addPairs(total, wanted, tax);
    }
    const suggested = total;
    if (input.amount) {
      const extra = parseCents(input.amount);
      if (extra <= 0) throw new StoreError("refund amount must be positive", 422);
      total = addPairs(total, { shop: extra, pres: Math.round(extra * order.exchangeRate) });
    }
    if (total.shop <= 0 && !refund.refundLineItems.length) throw new StoreError("a refund needs line items, shipping or an amount", 422);
    const received = fromBag(order.totalReceivedSet);
    const refunded = fromBag(order.totalRefundedSet);
    const refundable = subPairs(received, refunded);
    // Unpaid orders: items can be removed, no money moves.
    const money = received.shop > 0 ? { shop: Math.min(total.shop, refundable.shop), pres: Math.min(total.pres, refundable.pres) } : ZERO_PAIR;
    // Money returned beyond the items and shipping (as far as they could still be refunded) shows
    // as a refund discrepancy adjustment, negative: only what was actually paid out, never more.
    if (received.shop > 0) {
      const beyond = subPairs(money, { shop: Math.min(suggested.shop, refundable.shop), pres: Math.min(suggested.pres, refundable.pres) });
      if (beyond.shop > 0) {
        refund.orderAdjustments.push({ ...this.mint("OrderAdjustment"), kind: "REFUND_DISCREPANCY", reason: "REFUND_DISCREPANCY", amountSet: toBag({ shop: -beyond.shop, pres: -beyond.pres }, cur, pres), taxAmountSet: toBag(ZERO_PAIR, cur, pres) });
      }
    }
    if (money.shop > 0) {
      const parent = order.transactions.find((t) => t.kind === "SALE" || t.kind === "CAPTURE");
      refund.transactions.push(this.transaction(order, "REFUND", money, at, parent?.id ?? null));
    }
    refund.totalRefundedSet = toBag(money, cur, pres);
    return refund;
  }

  private finishRefund(data: ShopData, order: SimOrder, refund: SimRefund, at: IsoDateTime, options?: OperationOptions): void {
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
      if (variant && rli.locationId) this.moveStock(data, variant, rli.locationId, rli.quantity, at, options);
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
      this.emitChange({ shop: data.shop.domain, topic: "refunds/create", occurredAt: at, refund: snapshot(refund), order: snapshot(order) } as StoreChange, options);
    }
    this.orderChange("orders/updated", data, order, at, options);
  }

  cancelOrder(domain: string, orderId: Id, input: { reason?: SimCancelReason; refund?: boolean; restock?: boolean } = {}, options?: OperationOptions): SimOrder {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    if (order.cancelledAt) throw new StoreError("order is already cancelled", 422);
    const at = this.at(options);
    const paid = fromBag(order.totalReceivedSet).shop > 0;
    if (paid && input.refund !== false) {
      const refund = this.buildRefund(data, order, {
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
      }, at);
      order.cancelledAt = at;
      order.cancelReason = input.reason ?? "CUSTOMER";
      this.finishRefund(data, order, refund, at, { ...options, silent: true });
      if (!options?.silent) this.emitChange({ shop: data.shop.domain, topic: "refunds/create", occurredAt: at, refund: snapshot(refund), order: snapshot(order) } as StoreChange, options);
    } else {
      order.cancelledAt = at;
      order.cancelReason = input.reason ?? "CUSTOMER";
      const auth = order.transactions.find((t) => t.kind === "AUTHORIZATION");
      if (auth) order.transactions.push(this.transaction(order, "VOID", fromBag(auth.amountSet), at, auth.id));
    }
    order.closedAt = at;
    for (const fo of order.fulfillmentOrders) {
      if (fo.status === "OPEN" || fo.status === "IN_PROGRESS" || fo.status === "SCHEDULED" || fo.status === "ON_HOLD") {
        fo.status = "CLOSED";
        fo.updatedAt = at;
        if (!options?.silent) this.emitChange({ shop: data.shop.domain, topic: "fulfillment_orders/cancelled", occurredAt: at, fulfillmentOrder: snapshot(fo), related: [], order: snapshot(order) } as unknown as StoreChange, options);
      }
    }
    recomputeFinancials(order);
    order.updatedAt = at;
    this.orderChange("orders/cancelled", data, order, at, options);
    this.orderChange("orders/updated", data, order, at, options);
    return order;
  }

  /**
   * A merchant ships (part of) an order, as fulfillmentCreate does: one fulfillment (SUCCESS) from
   * fulfillment orders at one location. Emits fulfillments/create, orders/fulfilled or
   * orders/partially_fulfilled, then orders/updated.
   */
  fulfillOrder(domain: string, orderId: Id, input: FulfillOrderInput = {}, options?: OperationOptions): SimFulfillment {
    const data = this.shop(domain);
    const order = this.order(domain, orderId);
    if (order.cancelledAt) throw new StoreError("cannot fulfill a cancelled order", 422);
    const fulfillable = (fo: SimFulfillmentOrder) => fo.status === "OPEN" || fo.status === "IN_PROGRESS";
    let candidates: SimFulfillmentOrder[];
    if (input.fulfillmentOrderId !== undefined) {
      const fo = order.fulfillmentOrders.find((f) => f.id === input.fulfillmentOrderId);
      if (!fo) throw new StoreError(`unknown fulfillment order ${input.fulfillmentOrderId} on order ${order.id}`, 404);
      if (!fulfillable(fo)) throw new StoreError(`fulfillment order ${fo.id} is ${fo.status} and cannot be fulfilled`, 422);
      candidates = [fo];
    } else {
      candidates = order.fulfillmentOrders.filter(fulfillable);
    }
    // One fulfillment ships from one location.
    const locationId = candidates[0]?.assignedLocationId;
    candidates = candidates.filter((fo) => fo.assignedLocationId === locationId);
    const wanted = input.lineItems ?? candidates.flatMap((fo) => fo.lineItems.filter((l) => l.remainingQuantity > 0).map((l) => ({ lineItemId: l.lineItemId, quantity: l.remainingQuantity })));
    // Plan first, so a refused request changes nothing.
    const plan: { fl: SimFulfillmentOrder["lineItems"][number]; fo: SimFulfillmentOrder; quantity: number }[] = [];
    for (const { lineItemId, quantity } of wanted) {
      if (!Number.isInteger(quantity) || quantity < 1) throw new StoreError(`quantity must be a positive integer (line item ${lineItemId})`, 422);
      let left = quantity;
      for (const fo of candidates) {
        for (const fl of fo.lineItems) {
          if (fl.lineItemId !== lineItemId || left === 0) continue;
          const already = plan.filter((p) => p.fl === fl).reduce((n, p) => n + p.quantity, 0);
          const take = Math.min(left, fl.remainingQuantity - already);
          if (take > 0) {
            plan.push({ fl, fo, quantity: take });
            left -= take;
          }
        }
      }
      if (left > 0) throw new StoreError(`cannot fulfill ${quantity} of line item ${lineItemId}: not that many remain to fulfill at one location`, 422);
    }
    if (!plan.length || locationId === undefined) throw new StoreError("nothing to fulfill", 422);
    const at = this.at(options);
    const tracking = input.trackingNumber || input.trackingCompany || input.trackingUrl
      ? [trackingInfo(input.trackingCompany ?? null, input.trackingNumber ?? null, input.trackingUrl ?? null)]
      : [];
    const quantities = new Map<Id, number>();
    for (const p of plan) quantities.set(p.fl.lineItemId, (quantities.get(p.fl.lineItemId) ?? 0) + p.quantity);
    const fulfillment: SimFulfillment = {
      ...this.mint("Fulfillment"), orderId: order.id,
      fulfillmentOrderIds: [...new Set(plan.map((p) => p.fo.id))],
      name: `${order.name}.${order.fulfillments.length + 1}`,
      status: "SUCCESS", locationId, trackingInfo: tracking,
      lineItems: [...quantities].map(([lineItemId, quantity]) => ({ ...this.mint("FulfillmentLineItem"), lineItemId, quantity })),
      notifyCustomer: input.notifyCustomer ?? false,
      createdAt: at, updatedAt: at,
    };
    for (const p of plan) p.fl.remainingQuantity -= p.quantity;
    for (const fo of new Set(plan.map((p) => p.fo))) {
      // Shopify closes a fulfillment order once nothing remains; a partly shipped one is in progress.
      fo.status = fo.lineItems.every((l) => l.remainingQuantity === 0) ? "CLOSED" : "IN_PROGRESS";
      fo.updatedAt = at;
    }
    for (const [lineItemId, quantity] of quantities) {
      const line = order.lineItems.find((l) => l.id === lineItemId)!;
      line.unfulfilledQuantity = Math.max(0, line.unfulfilledQuantity - quantity);
    }
    order.fulfillments.push(fulfillment);
    data.fulfillments.set(fulfillment.id, fulfillment);
    recomputeFulfillmentStatus(order);
    order.updatedAt = at;
    if (!options?.silent) {
      this.emitChange({ shop: data.shop.domain, topic: "fulfillments/create", occurredAt: at, fulfillment: snapshot(fulfillment), order: snapshot(order), customer: customerSnapshot(data, order) } as StoreChange, options);
    }
    this.orderChange(order.fulfillmentStatus === "FULFILLED" ? "orders/fulfilled" : "orders/partially_fulfilled", data, order, at, options);
    this.orderChange("orders/updated", data, order, at, options);
    return fulfillment;
  }

  fulfillment(domain: string, id: Id): SimFulfillment {
    const f = this.shop(domain).fulfillments.get(id);
    if (!f) throw new StoreError(`unknown fulfillment ${id}`, 404);
    return f;
  }

  /** fulfillmentTrackingInfoUpdate: replaces the tracking info; emits fulfillments/update. */
  updateFulfillmentTracking(domain: string, fulfillmentId: Id, input: TrackingUpdateInput, options?: OperationOptions): SimFulfillment {
    const data = this.shop(domain);
    const f = this.fulfillment(domain, fulfillmentId);
    if (f.status === "CANCELLED") throw new StoreError("cannot update the tracking of a cancelled fulfillment", 422);
    if (!input.trackingNumber && !input.trackingCompany && !input.trackingUrl) throw new StoreError("trackingNumber, trackingCompany or trackingUrl is required", 422);
    const at = this.at(options);
    f.trackingInfo = [trackingInfo(input.trackingCompany ?? f.trackingInfo[0]?.company ?? null, input.trackingNumber ?? null, input.trackingUrl ?? null)];
    if (input.notifyCustomer !== undefined) f.notifyCustomer = input.notifyCustomer;
    f.updatedAt = at;
    if (!options?.silent) {
      const order = this.order(domain, f.orderId);
      this.emitChange({ shop: data.shop.domain, topic: "fulfillments/update", occurredAt: at, fulfillment: snapshot(f), order: snapshot(order), customer: customerSnapshot(data, order) } as StoreChange, options);
    }
    return f;
  }

  /** Splits quantities off a fulfillment order into a new one (as the admin's "split" does). */
  splitFulfillmentOrder(domain: string, fulfillmentOrderId: Id, lines: { lineItemId: Id; quantity: number }[], options?: OperationOptions): SimFulfillmentOrder {
    const data = this.shop(domain);
    const fo = data.fulfillmentOrders.get(fulfillmentOrderId);
    if (!fo) throw new StoreError(`unknown fulfillment order ${fulfillmentOrderId}`, 404);
    const order = this.order(domain, fo.orderId);
    const at = this.at(options);
    const created: SimFulfillmentOrder = { ...this.mint("FulfillmentOrder"), orderId: fo.orderId, status: "OPEN", assignedLocationId: fo.assignedLocationId, fulfillAt: fo.fulfillAt, fulfillBy: null, lineItems: [], createdAt: at, updatedAt: at };
    for (const { lineItemId, quantity } of lines) {
      const fl = fo.lineItems.find((l) => l.lineItemId === lineItemId);
      if (!fl || quantity < 1 || quantity > fl.remainingQuantity) throw new StoreError(`cannot split ${quantity} of line item ${lineItemId}`, 422);
      fl.remainingQuantity -= quantity;
      fl.totalQuantity -= quantity;
      created.lineItems.push({ ...this.mint("FulfillmentOrderLineItem"), lineItemId, totalQuantity: quantity, remainingQuantity: quantity });
    }
    fo.lineItems = fo.lineItems.filter((l) => l.totalQuantity > 0);
    fo.updatedAt = at;
    order.fulfillmentOrders.push(created);
    data.fulfillmentOrders.set(created.id, created);
    this.emitChange({ shop: data.shop.domain, topic: "fulfillment_orders/split", occurredAt: at, fulfillmentOrder: snapshot(fo), related: [snapshot(created)], order: snapshot(order) } as StoreChange, options);
    return created;
  }

  /** Sets FulfillmentOrder.fulfillBy. Shopify sends no webhook for this. */
  setFulfillmentDeadline(domain: string, fulfillmentOrderIds: Id[], deadline: IsoDateTime): { ok: true } | { ok: false; message: string } {
    const data = this.shop(domain);
    const fos = fulfillmentOrderIds.map((id) => data.fulfillmentOrders.get(id));
    if (fos.some((fo) => !fo)) return { ok: false, message: "The fulfillment orders could not be found." };
    const at = this.now().toISOString();
    for (const fo of fos as SimFulfillmentOrder[]) {
      fo.fulfillBy = deadline;
      fo.updatedAt = at;
    }
    return { ok: true };
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

  addPointsSpent(domain: string, points: number): void {
    const data = this.findShop(domain);
    if (data) data.pointsSpent += points;
  }

  emitBulkFinished(domain: string, op: SimBulkOperation): void {
    this.emitChange({ shop: normalizeDomain(domain), topic: "bulk_operations/finish", occurredAt: op.completedAt ?? this.now().toISOString(), bulkOperation: snapshot(op) } as StoreChange);
  }
}

// ------------------------------------------------------------ pure helpers

export const DEFAULT_SCOPES = [
  "read_customers", "write_customers", "read_orders", "write_orders", "read_all_orders",
  "read_products", "read_inventory", "read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders",
];

const KNOWN_METAFIELD_TYPES = new Set([
  "single_line_text_field", "multi_line_text_field", "number_integer", "number_decimal", "boolean", "json", "date", "date_time",
  "url", "color", "money", "rating", "weight", "volume", "dimension", "rich_text_field", "id",
  "product_reference", "variant_reference", "customer_reference", "collection_reference", "page_reference", "file_reference", "metaobject_reference",
  "list.single_line_text_field", "list.number_integer", "list.number_decimal", "list.date", "list.date_time", "list.url", "list.product_reference", "list.variant_reference",
]);

export function validateMetafieldValue(type: string, value: string): string | null {
  if (!KNOWN_METAFIELD_TYPES.has(type)) return `Type '${type}' is not a valid metafield type.`;
  switch (type) {
    case "single_line_text_field":
      return /[\r\n]/.test(value) ? "Value must be a single line text string." : null;
    case "number_integer":
      return /^-?\d+$/.test(value.trim()) ? null : "Value must be an integer.";
    case "number_decimal":
      return /^-?\d+(\.\d+)?$/.test(value.trim()) ? null : "Value must be a decimal.";
    case "boolean":
      return value === "true" || value === "false" ? null : "Value must be true or false.";
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? null : "Value must be in YYYY-MM-DD format.";
    case "date_time":
      return !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value) ? null : "Value must be in ISO 8601 date and time format.";
    case "json":
    case "money":
    case "rating":
    case "weight":
    case "volume":
    case "dimension":
    case "rich_text_field":
      try {
        JSON.parse(value);
        return null;
      } catch {
        return "Value is invalid JSON.";
      }
    default:
      if (type.startsWith("list.")) {
        try {
          return Array.isArray(JSON.parse(value)) ? null : "Value must be a JSON array.";
        } catch {
          return "Value is invalid JSON.";
        }
      }
      return null;
  }
}

export function digest(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "").replace(/:\d+$/, "");
}

/** Splits comma-separated entries and trims, as tagsAdd/tagsRemove do. */
export function splitTags(tags: string[]): string[] {
  return tags.flatMap((t) => t.split(",")).map((t) => t.trim()).filter((t) => t.length > 0);
}

function normalizeTagList(tags: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of splitTags(tags)) {
    if (!seen.has(t.toLowerCase())) {
      seen.add(t.toLowerCase());
      out.push(t);
    }
  }
  return out;
}

function multiplyPair(p: CentsPair, n: number): CentsPair {
  return { shop: p.shop * n, pres: p.pres * n };
}

function lineOriginalTotal(line: SimLineItem): CentsPair {
  return multiplyPair(fromBag(line.originalUnitPriceSet), line.quantity);
}

function lineTax(line: SimLineItem): CentsPair {
  return addPairs(...line.taxLines.map((t) => fromBag(t.priceSet)));
}

/** Totals as placed, plus lines added by edits. */
function recomputeOriginalTotals(order: SimOrder): void {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  let subtotal = ZERO_PAIR;
  let discounts = ZERO_PAIR;
  let tax = ZERO_PAIR;
  const taxByTitle = new Map<string, { rate: number; sum: CentsPair }>();
  const addTax = (lines: SimTaxLine[]) => {
    for (const t of lines) {
      const entry = taxByTitle.get(t.title) ?? { rate: t.rate, sum: ZERO_PAIR };
      entry.sum = addPairs(entry.sum, fromBag(t.priceSet));
      taxByTitle.set(t.title, entry);
    }
  };
  for (const line of order.lineItems) {
    const discount = fromBag(line.totalDiscountSet);
    subtotal = addPairs(subtotal, subPairs(lineOriginalTotal(line), discount));
    discounts = addPairs(discounts, discount);
    tax = addPairs(tax, lineTax(line));
    addTax(line.taxLines);
  }
  let shipping = ZERO_PAIR;
  for (const s of order.shippingLines) {
    shipping = addPairs(shipping, fromBag(s.discountedPriceSet));
    tax = addPairs(tax, ...s.taxLines.map((t) => fromBag(t.priceSet)));
    addTax(s.taxLines);
  }
  order.subtotalPriceSet = toBag(subtotal, cur, pres);
  order.totalDiscountsSet = toBag(discounts, cur, pres);
  order.totalShippingPriceSet = toBag(shipping, cur, pres);
  order.totalTaxSet = toBag(tax, cur, pres);
  order.totalPriceSet = toBag(addPairs(subtotal, shipping, tax), cur, pres);
  order.taxLines = [...taxByTitle].map(([title, { rate, sum }]) => ({ title, rate, priceSet: toBag(sum, cur, pres) }));
}

/** Current totals: after edits, refunded line items and refunded shipping. */
function recomputeCurrentTotals(order: SimOrder): void {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  let subtotal = ZERO_PAIR;
  let discounts = ZERO_PAIR;
  let tax = ZERO_PAIR;
  for (const line of order.lineItems) {
    if (line.currentQuantity === 0) continue;
    const discount = fromBag(line.totalDiscountSet);
    subtotal = addPairs(subtotal, prorate(subPairs(lineOriginalTotal(line), discount), line.currentQuantity, line.quantity));
    discounts = addPairs(discounts, prorate(discount, line.currentQuantity, line.quantity));
    tax = addPairs(tax, prorate(lineTax(line), line.currentQuantity, line.quantity));
  }
  let shipping = ZERO_PAIR;
  let shippingTax = ZERO_PAIR;
  for (const s of order.shippingLines) {
    shipping = addPairs(shipping, fromBag(s.discountedPriceSet));
    shippingTax = addPairs(shippingTax, ...s.taxLines.map((t) => fromBag(t.priceSet)));
  }
  for (const r of order.refunds) {
    for (const rs of r.refundShippingLines) {
      shipping = subPairs(shipping, fromBag(rs.subtotalAmountSet));
      shippingTax = subPairs(shippingTax, fromBag(rs.taxAmountSet));
    }
  }
  tax = addPairs(tax, shippingTax);
  order.currentSubtotalPriceSet = toBag(subtotal, cur, pres);
  order.currentTotalDiscountsSet = toBag(discounts, cur, pres);
  order.currentShippingPriceSet = toBag(shipping, cur, pres);
  order.currentTotalTaxSet = toBag(tax, cur, pres);
  order.currentTotalPriceSet = toBag(addPairs(subtotal, shipping, tax), cur, pres);
}

function recomputeFinancials(order: SimOrder): void {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  let received = ZERO_PAIR;
  let refunded = ZERO_PAIR;
  let authorized = false;
  for (const t of order.transactions) {
    if (t.status !== "SUCCESS") continue;
    if (t.kind === "SALE" || t.kind === "CAPTURE") received = addPairs(received, fromBag(t.amountSet));
    else if (t.kind === "REFUND") refunded = addPairs(refunded, fromBag(t.amountSet));
    else if (t.kind === "AUTHORIZATION") authorized = true;
    else if (t.kind === "VOID") authorized = false;
  }
  let discrepancy = ZERO_PAIR;
  for (const r of order.refunds) for (const a of r.orderAdjustments) if (a.kind === "REFUND_DISCREPANCY") discrepancy = subPairs(discrepancy, fromBag(a.amountSet));
  const current = fromBag(order.currentTotalPriceSet);
  const net = subPairs(received, refunded);
  const outstanding = subPairs(subPairs(current, net), discrepancy);
  order.totalReceivedSet = toBag(received, cur, pres);
  order.totalRefundedSet = toBag(refunded, cur, pres);
  order.totalOutstandingSet = toBag({ shop: Math.max(0, outstanding.shop), pres: Math.max(0, outstanding.pres) }, cur, pres);
  if (received.shop === 0) order.financialStatus = order.cancelledAt ? "VOIDED" : authorized ? "AUTHORIZED" : "PENDING";
  else if (refunded.shop >= received.shop) order.financialStatus = "REFUNDED";
  else if (refunded.shop > 0) order.financialStatus = "PARTIALLY_REFUNDED";
  else if (outstanding.shop > 0) order.financialStatus = "PARTIALLY_PAID";
  else order.financialStatus = "PAID";
}

/** Lowers what remains to fulfill of a line item, from fulfillable fulfillment orders first. */
function takeFromFulfillmentOrders(order: SimOrder, lineItemId: Id, units: number): void {
  const rank = (s: SimFulfillmentOrder["status"]) => (s === "OPEN" || s === "IN_PROGRESS" ? 0 : 1);
  const fos = [...order.fulfillmentOrders].sort((a, b) => rank(a.status) - rank(b.status));
  for (const fo of fos) {
    for (const fl of fo.lineItems) {
      if (units === 0) return;
      if (fl.lineItemId !== lineItemId) continue;
      const take = Math.min(units, fl.remainingQuantity);
      fl.remainingQuantity -= take;
      units -= take;
    }
  }
}

/** Order.displayFulfillmentStatus from what has shipped of the items still on the order. */
function recomputeFulfillmentStatus(order: SimOrder): void {
  // Returns don't undo a shipment: once something shipped, the order stays (partially) fulfilled.
  if (!order.fulfillments.some((f) => f.status === "SUCCESS")) return;
  const live = order.lineItems.filter((l) => l.currentQuantity > 0);
  // Items that need no shipping have no fulfillment order in the store, so they cannot hold the order back.
  const done = live.filter((l) => l.requiresShipping).every((l) => l.unfulfilledQuantity === 0);
  order.fulfillmentStatus = done ? "FULFILLED" : "PARTIALLY_FULFILLED";
}

/** Tracking URL prefixes of carriers Shopify knows. */
const CARRIER_TRACKING_URLS: Record<string, string> = {
  UPS: "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=",
  USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
  FedEx: "https://www.fedex.com/fedextrack/?trknbr=",
  "DHL Express": "https://www.dhl.com/en/express/tracking.html?AWB=",
};

/** Shopify fills in a tracking URL for carriers it knows. */
function trackingInfo(company: string | null, number: string | null, url: string | null): SimFulfillment["trackingInfo"][number] {
  const base = company ? CARRIER_TRACKING_URLS[company] : undefined;
  if (!url && number && base) url = base + encodeURIComponent(number);
  return { company, number, url };
}

/** The order's customer as a change carries it (a copy), or null for a guest order. */
function customerSnapshot(data: ShopData, order: SimOrder): SimCustomer | null {
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

export type { MoneyBag, StoreChangeTopic };
