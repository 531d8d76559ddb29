// Stateful resolvers over the store, attached to the real Admin API schema. Fields whose names
// match the store objects resolve by default (see `simFieldResolver`); the ones below map
// Shopify's names and shapes onto the store. Unimplemented non-null fields fail with graphql-js's
// "Cannot return null for non-nullable field" rather than inventing data.
import { GraphQLError, GraphQLScalarType, getNamedType, type GraphQLFieldResolver, type GraphQLSchema, type GraphQLTypeResolver, type GraphQLResolveInfo } from "graphql";
import { orderShippingAddress } from "../store/addresses.ts";
import { parseGid } from "../store/ids.ts";
import { fromBag, subPairs, toBag, ZERO_PAIR, addPairs, prorate } from "../store/money.ts";
import { capturableAmount } from "../store/payments.ts";
import type { ShopData, SimStore } from "../store/store.ts";
import type { MutationRecord, SimCustomer, SimFulfillment, SimFulfillmentOrder, SimLineItem, SimMetafield, SimOrder, SimRefund } from "../store/types.ts";
import { matchDate, matchNumber, paginate, parseSearchQuery, type ConnectionArgs, type SearchTerm, type SortSpec } from "./connections.ts";
import { groupObjectsByDefault, type BulkRunner } from "./bulk.ts";
import { checkFlowTriggerCall, projectFlowTriggers } from "./flow-triggers.ts";

export const MAX_INPUT_ARRAY = 250;
export const MAX_METAFIELDS_PER_SET = 25;

export interface AdminContext {
  store: SimStore;
  data: ShopData;
  domain: string;
  /** Inside a bulk operation: nested connections return every item, scopes and costs don't apply. */
  bulk: boolean;
  /** The Admin API version in the request path ("2026-01", "unstable"). */
  apiVersion: string;
  bulkRunner: BulkRunner;
  /** Mutations this request made; stamped with the request's cost and recorded after execution. */
  pending: Omit<MutationRecord, "seq" | "cost" | "shop" | "at">[];
}

type Src = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Resolver = (src: Src, args: Record<string, any>, ctx: AdminContext, info: GraphQLResolveInfo) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

const DOCS = "https://shopify.dev/api/usage/access-scopes";
const FO_READ_SCOPES = ["read_merchant_managed_fulfillment_orders", "read_assigned_fulfillment_orders", "read_third_party_fulfillment_orders", "read_marketplace_fulfillment_orders"];

// ------------------------------------------------------------ defaults

/** Code of the error a field the simulator has no data for answers with. */
export const UNSUPPORTED_CODE = "SIMULATOR_UNSUPPORTED";

/**
 * A field the simulator cannot answer fails loudly: a silent null would let the app look right
 * against the simulator and be wrong against Shopify.
 */
export function unsupportedField(info: Pick<GraphQLResolveInfo, "parentType" | "fieldName">): GraphQLError {
  return new GraphQLError(`The store simulator does not implement ${info.parentType.name}.${info.fieldName}.`, { extensions: { code: UNSUPPORTED_CODE } });
}

/** Default field resolution: same-named property; `id` is the GID; legacy Money fields from their *Set. */
export const simFieldResolver: GraphQLFieldResolver<unknown, AdminContext> = (source, _args, _ctx, info) => {
  if (source === null || source === undefined || typeof source !== "object") throw unsupportedField(info);
  const src = source as Src;
  const name = info.fieldName;
  if (name === "id" && typeof src.gid === "string") return src.gid;
  const v = src[name];
  if (v !== undefined) return typeof v === "function" ? v.call(src) : v;
  if (name === "legacyResourceId" && typeof src.id === "string") return src.id;
  const returnType = getNamedType(info.returnType).name;
  const base = name.replace(/V2$/, "");
  const bag = src[`${base}Set`];
  if (bag && typeof bag === "object" && "shopMoney" in bag) {
    if (returnType === "Money" || returnType === "Decimal") return bag.shopMoney.amount;
    if (returnType === "MoneyV2") return bag.shopMoney;
  }
  throw unsupportedField(info);
};

export const simTypeResolver: GraphQLTypeResolver<unknown, AdminContext> = (value) => {
  const v = value as Src;
  if (typeof v?.__typename === "string") return v.__typename;
  const parsed = typeof v?.gid === "string" ? parseGid(v.gid) : null;
  return parsed?.type;
};

// ------------------------------------------------------------ helpers

function requireScope(ctx: AdminContext, info: GraphQLResolveInfo, anyOf: string[]): void {
  if (ctx.bulk) return;
  const scopes = ctx.data.shop.installation?.scopes ?? [];
  const ok = anyOf.some((s) => scopes.includes(s) || (s.startsWith("read_") && scopes.includes(`write_${s.slice(5)}`)));
  if (!ok) {
    const required = anyOf.map((s) => `\`${s}\``).join(" or ");
    throw new GraphQLError(`Access denied for ${info.fieldName} field. Required access: ${required} access scope.`, {
      extensions: { code: "ACCESS_DENIED", documentation: DOCS, requiredAccess: `${required} access scope.` },
    });
  }
}

/** Shopify rejects array inputs longer than 250 before running the field. */
function guardArrays(args: Record<string, unknown>): void {
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      if (value.length > MAX_INPUT_ARRAY) {
        throw new GraphQLError(`The input array size of ${value.length} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`, { extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" } });
      }
      value.forEach(visit);
    } else if (value && typeof value === "object") Object.values(value).forEach(visit);
  };
  visit(args);
}

function connection<T>(ctx: AdminContext, info: GraphQLResolveInfo, items: Iterable<T>, args: ConnectionArgs, spec: SortSpec<T>, presorted = true) {
  const nested = info.path.prev !== undefined && info.path.prev.prev !== undefined;
  if (ctx.bulk && nested) return paginate(items, { reverse: args.reverse }, spec, { presorted, unbounded: true });
  return paginate(items, args, spec, { presorted, unbounded: ctx.bulk });
}

const byId: SortSpec<any> = { id: (x) => x.id }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The numeric id inside a GID argument; null for another type; a non-GID fails as Shopify fails. */
function gidOf(value: unknown, type?: string): string | null {
  const parsed = typeof value === "string" ? parseGid(value) : null;
  if (!parsed) invalidId(value);
  if (type && parsed.type !== type) return null;
  return parsed.id;
}

function invalidId(value: unknown): never {
  throw new GraphQLError(`Invalid global id '${String(value)}'`, { extensions: { code: "argumentLiteralsIncompatible", typeName: "CoercionError" } });
}

const GATEWAY_NAMES: Record<string, string> = { bogus: "Bogus", shopify_payments: "Shopify Payments", gift_card: "Gift card", manual: "Manual" };

function zeroBag(order: SimOrder) {
  return toBag(ZERO_PAIR, order.currency, order.presentmentCurrency);
}

function record(ctx: AdminContext, entry: AdminContext["pending"][number]) {
  if (!ctx.bulk) ctx.pending.push(entry);
}

function findNode(ctx: AdminContext, gid: unknown): unknown {
  if (typeof gid !== "string") return null;
  const parsed = parseGid(gid);
  if (!parsed) invalidId(gid);
  const d = ctx.data;
  switch (parsed.type) {
    case "Customer": return d.customers.get(parsed.id) ?? null;
    case "Order": return d.orders.get(parsed.id) ?? null;
    case "FulfillmentOrder": return d.fulfillmentOrders.get(parsed.id) ?? null;
    case "DeliveryMethod": {
      for (const fo of d.fulfillmentOrders.values()) if (fo.deliveryMethod?.id === parsed.id) return fo.deliveryMethod;
      return null;
    }
    case "Fulfillment": return d.fulfillments.get(parsed.id) ?? null;
    case "BulkOperation": return d.bulkOperations.get(parsed.id) ?? null;
    case "Product": return d.productsById.get(parsed.id) ?? null;
    case "ProductVariant": return d.variants.get(parsed.id) ?? null;
    case "InventoryItem": {
      const v = d.variantsByInventoryItem.get(parsed.id);
      return v ? inventoryItem(v) : null;
    }
    case "Location": return d.shop.locations.find((l) => l.id === parsed.id) ?? null;
    case "Shop": return d.shop.id === parsed.id ? d.shop : null;
    case "MetafieldDefinition": return d.metafieldDefinitions.find((m) => m.id === parsed.id) ?? null;
    case "Refund": {
      for (const o of d.orders.values()) for (const r of o.refunds) if (r.id === parsed.id) return r;
      return null;
    }
    default: return null;
  }
}

function inventoryItem(variant: Src) {
  return { __typename: "InventoryItem", gid: `gid://shopify/InventoryItem/${variant.inventoryItemId}`, id: variant.inventoryItemId, sku: variant.sku, tracked: true, requiresShipping: true, createdAt: variant.createdAt, updatedAt: variant.updatedAt, __variant: variant, duplicateSkuCount: 0 };
}

// ------------------------------------------------------------ search filters

function customerMatches(c: SimCustomer, terms: SearchTerm[], now: Date): boolean {
  for (const t of terms) {
    let ok: boolean;
    switch (t.field) {
      case "updated_at": ok = matchDate(c.updatedAt, t, now); break;
      case "created_at": ok = matchDate(c.createdAt, t, now); break;
      case "id": ok = matchNumber(c.id, t); break;
      case "email": ok = (c.email ?? "").toLowerCase() === t.value.toLowerCase() || (t.value.includes("*") && new RegExp(`^${t.value.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(c.email ?? "")); break;
      case "tag": ok = c.tags.some((x) => x.toLowerCase() === t.value.toLowerCase()); break;
      case "tag_not": ok = !c.tags.some((x) => x.toLowerCase() === t.value.toLowerCase()); break;
      case "state": ok = c.state.toLowerCase() === t.value.toLowerCase(); break;
      case "first_name": ok = (c.firstName ?? "").toLowerCase() === t.value.toLowerCase(); break;
      case "last_name": ok = (c.lastName ?? "").toLowerCase() === t.value.toLowerCase(); break;
      case null: {
        const hay = `${c.email ?? ""} ${c.firstName ?? ""} ${c.lastName ?? ""}`.toLowerCase();
        ok = hay.includes(t.value.toLowerCase().replace(/\*$/, ""));
        break;
      }
      default: ok = true; // unknown filters are ignored, as Shopify ignores unknown search fields
    }
    if (ok === t.negate) return false;
  }
  return true;
}

function orderMatches(o: SimOrder, terms: SearchTerm[], now: Date): boolean {
  for (const t of terms) {
    let ok: boolean;
    const v = t.value.toLowerCase();
    switch (t.field) {
      case "updated_at": ok = matchDate(o.updatedAt, t, now); break;
      case "created_at": ok = matchDate(o.createdAt, t, now); break;
      case "processed_at": ok = matchDate(o.processedAt, t, now); break;
      case "id": ok = matchNumber(o.id, t); break;
      case "name": ok = o.name.toLowerCase() === v || o.name.toLowerCase() === `#${v}`; break;
      case "status": ok = v === "any" || (v === "cancelled" ? o.cancelledAt !== null : v === "closed" ? o.closedAt !== null : v === "open" ? o.closedAt === null && o.cancelledAt === null : false); break;
      case "financial_status": ok = o.financialStatus.toLowerCase() === v; break;
      case "fulfillment_status": ok = v === "unshipped" || v === "unfulfilled" ? o.fulfillmentStatus === "UNFULFILLED" : o.fulfillmentStatus.toLowerCase() === v; break;
      case "test": ok = String(o.test) === v; break;
      case "customer_id": ok = o.customerId === t.value; break;
      case "email": ok = (o.email ?? "").toLowerCase() === v; break;
      case "tag": ok = o.tags.some((x) => x.toLowerCase() === v); break;
      case "tag_not": ok = !o.tags.some((x) => x.toLowerCase() === v); break;
      case null: ok = o.name.toLowerCase().includes(v) || (o.email ?? "").toLowerCase().includes(v); break;
      default: ok = true;
    }
    if (ok === t.negate) return false;
  }
  return true;
}

function customerSort(sortKey: string | undefined): SortSpec<SimCustomer> {
  switch (sortKey) {
    case "UPDATED_AT": return { id: (c) => c.id, value: (c) => c.updatedAt };
    case "CREATED_AT": return { id: (c) => c.id, value: (c) => c.createdAt };
    case "NAME": return { id: (c) => c.id, value: (c) => `${c.firstName ?? ""} ${c.lastName ?? ""}`.toLowerCase() };
    default: return { id: (c) => c.id };
  }
}

function orderSort(sortKey: string | undefined): SortSpec<SimOrder> {
  switch (sortKey) {
    case "UPDATED_AT": return { id: (o) => o.id, value: (o) => o.updatedAt };
    case "CREATED_AT": return { id: (o) => o.id, value: (o) => o.createdAt };
    case "PROCESSED_AT": return { id: (o) => o.id, value: (o) => o.processedAt };
    case "ORDER_NUMBER": return { id: (o) => o.id, value: (o) => o.orderNumber };
    case "TOTAL_PRICE": return { id: (o) => o.id, value: (o) => fromBag(o.totalPriceSet).shop };
    default: return { id: (o) => o.id };
  }
}

/** The customers a `customers` or `customersCount` query selects. */
function matchingCustomers(ctx: AdminContext, info: GraphQLResolveInfo, args: Src): Iterable<SimCustomer> {
  requireScope(ctx, info, ["read_customers"]);
  const terms = parseSearchQuery(args.query);
  const now = ctx.store.now();
  const all = ctx.data.customers.values();
  return terms.length ? [...all].filter((c) => customerMatches(c, terms, now)) : all;
}

function customersConnection(ctx: AdminContext, info: GraphQLResolveInfo, args: Src) {
  return connection(ctx, info, matchingCustomers(ctx, info, args), args, customerSort(args.sortKey));
}

/** Shopify's Count: exact up to `limit` (null: no limit), AT_LEAST beyond it. */
function countOf(list: unknown[], limit: number | null | undefined) {
  if (limit !== null && limit !== undefined && list.length > limit) return { count: limit, precision: "AT_LEAST" };
  return { count: list.length, precision: "EXACT" };
}

const SIXTY_DAYS = 60 * 86_400_000;

/** The orders an `orders` or `ordersCount` query selects (of `source`, default all the shop's). */
function matchingOrders(ctx: AdminContext, info: GraphQLResolveInfo, args: Src, source?: Iterable<SimOrder>): Iterable<SimOrder> {
  requireScope(ctx, info, ["read_orders"]);
  const terms = parseSearchQuery(args.query);
  const now = ctx.store.now();
  // Without read_all_orders, Shopify only shows the last 60 days of orders.
  const allOrders = ctx.bulk || (ctx.data.shop.installation?.scopes ?? []).includes("read_all_orders");
  const cutoff = new Date(now.getTime() - SIXTY_DAYS).toISOString();
  const items = source ?? ctx.data.orders.values();
  return terms.length || !allOrders ? [...items].filter((o) => (allOrders || o.createdAt >= cutoff) && orderMatches(o, terms, now)) : items;
}

function ordersConnection(ctx: AdminContext, info: GraphQLResolveInfo, args: Src, source?: Iterable<SimOrder>) {
  return connection(ctx, info, matchingOrders(ctx, info, args, source), args, orderSort(args.sortKey));
}

function metafieldOf(ctx: AdminContext, map: Map<string, SimMetafield> | undefined, args: Src): SimMetafield | null {
  if (!map) return null;
  let namespace = args.namespace as string | undefined;
  let key = args.key as string;
  if (namespace === undefined && key.includes(".")) {
    const i = key.lastIndexOf(".");
    namespace = key.slice(0, i);
    key = key.slice(i + 1);
  }
  return map.get(`${ctx.store.resolveNamespace(ctx.domain, namespace)}.${key}`) ?? null;
}

function metafieldsOf(ctx: AdminContext, info: GraphQLResolveInfo, map: Map<string, SimMetafield> | undefined, args: Src) {
  let list = [...(map?.values() ?? [])];
  if (args.namespace !== undefined && args.namespace !== null) {
    const ns = ctx.store.resolveNamespace(ctx.domain, args.namespace);
    list = list.filter((m) => m.namespace === ns);
  }
  if (Array.isArray(args.keys)) {
    const keys = new Set((args.keys as string[]).map((k) => {
      const i = k.lastIndexOf(".");
      return `${ctx.store.resolveNamespace(ctx.domain, k.slice(0, i))}.${k.slice(i + 1)}`;
    }));
    list = list.filter((m) => keys.has(`${m.namespace}.${m.key}`));
  }
  return connection(ctx, info, list, args, byId, false);
}

function hasMetafields(): Record<string, Resolver> {
  return {
    metafield: (src, args, ctx) => metafieldOf(ctx, src.metafields, args),
    metafields: (src, args, ctx, info) => metafieldsOf(ctx, info, src.metafields, args),
    metafieldsByIdentifiers: (src, args, ctx) => (args.identifiers as Src[]).map((i) => metafieldOf(ctx, src.metafields, i)),
  };
}

/** A fulfillment line item's share of its order line's original or discounted total. */
function shippedShare(ctx: AdminContext, x: Src, which: "original" | "discounted") {
  const line = orderOf(ctx, x.__orderId)!.lineItems.find((l) => l.id === x.lineItemId)!;
  return bagFor(ctx, line, prorate(lineTotals(line)[which], x.quantity, line.quantity));
}

function lineTotals(line: SimLineItem) {
  const unit = fromBag(line.originalUnitPriceSet);
  const original = { shop: unit.shop * line.quantity, pres: unit.pres * line.quantity };
  const discounted = subPairs(original, fromBag(line.totalDiscountSet));
  return { original, discounted };
}

function orderOf(ctx: AdminContext, id: string): SimOrder | undefined {
  return ctx.data.orders.get(id);
}

// ------------------------------------------------------------ the resolver map

function resolverMap(): Record<string, Record<string, Resolver>> {
  return {
    QueryRoot: {
      shop: (_s, _a, ctx) => ctx.data.shop,
      currentAppInstallation: (_s, _a, ctx) => ctx.data.shop.installation,
      customer: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_customers"]);
        const id = gidOf(args.id, "Customer");
        return id ? ctx.data.customers.get(id) ?? null : null;
      },
      customers: (_s, args, ctx, info) => customersConnection(ctx, info, args),
      order: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_orders"]);
        const id = gidOf(args.id, "Order");
        return id ? ctx.data.orders.get(id) ?? null : null;
      },
      orders: (_s, args, ctx, info) => ordersConnection(ctx, info, args),
      ordersCount: (_s, args, ctx, info) => countOf([...matchingOrders(ctx, info, args)], args.limit),
      customersCount: (_s, args, ctx, info) => countOf([...matchingCustomers(ctx, info, args)], args.limit),
      node: (_s, args, ctx) => findNode(ctx, args.id),
      nodes: (_s, args, ctx) => {
        guardArrays(args);
        return (args.ids as string[]).map((id) => findNode(ctx, id));
      },
      fulfillmentOrder: (_s, args, ctx, info) => {
        requireScope(ctx, info, FO_READ_SCOPES);
        const id = gidOf(args.id, "FulfillmentOrder");
        return id ? ctx.data.fulfillmentOrders.get(id) ?? null : null;
      },
      fulfillmentOrders: (_s, args, ctx, info) => {
        requireScope(ctx, info, FO_READ_SCOPES);
        const list = [...ctx.data.fulfillmentOrders.values()].filter((f) => args.includeClosed || (f.status !== "CLOSED" && f.status !== "CANCELLED"));
        return connection(ctx, info, list, args, byId, false);
      },
      currentBulkOperation: (_s, args, ctx) => {
        const type = args.type ?? "QUERY";
        const ops = [...ctx.data.bulkOperations.values()].filter((o) => o.type === type);
        return ops.at(-1) ?? null;
      },
      product: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_products"]);
        return ctx.data.productsById.get(gidOf(args.id, "Product") ?? "") ?? null;
      },
      products: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_products"]);
        return connection(ctx, info, ctx.data.products, args, byId);
      },
      productVariant: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_products"]);
        return ctx.data.variants.get(gidOf(args.id, "ProductVariant") ?? "") ?? null;
      },
      productVariants: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_products"]);
        return connection(ctx, info, ctx.data.variants.values(), args, byId);
      },
      inventoryItem: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_inventory"]);
        return gidOf(args.id, "InventoryItem") ? findNode(ctx, args.id) : null;
      },
      inventoryItems: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["read_inventory"]);
        const terms = parseSearchQuery(args.query);
        const items = [...ctx.data.variants.values()].map((v) => inventoryItem(v)).filter((i) => terms.every((t) => (t.field === "sku" ? (i.sku === t.value) !== t.negate : true)));
        return connection(ctx, info, items, args, byId, false);
      },
      location: (_s, args, ctx) => ctx.data.shop.locations.find((l) => l.id === gidOf(args.id, "Location")) ?? null,
      locations: (_s, args, ctx, info) => connection(ctx, info, ctx.data.shop.locations, args, byId),
      metafieldDefinition: (_s, args, ctx) => {
        if (args.id) return ctx.data.metafieldDefinitions.find((d) => d.id === gidOf(args.id, "MetafieldDefinition")) ?? null;
        const ident = args.identifier as Src | undefined;
        if (!ident) return null;
        const namespace = ctx.store.resolveNamespace(ctx.domain, ident.namespace);
        return ctx.data.metafieldDefinitions.find((d) => d.ownerType === ident.ownerType && d.namespace === namespace && d.key === ident.key) ?? null;
      },
      metafieldDefinitions: (_s, args, ctx, info) => {
        let list = ctx.data.metafieldDefinitions.filter((d) => d.ownerType === args.ownerType);
        if (args.namespace) list = list.filter((d) => d.namespace === ctx.store.resolveNamespace(ctx.domain, args.namespace));
        if (args.key) list = list.filter((d) => d.key === args.key);
        return connection(ctx, info, list, args, byId);
      },
    },

    Shop: {
      currencyCode: (s) => s.currency,
      myshopifyDomain: (s) => s.domain,
      contactEmail: (s) => s.email,
      shopOwnerName: () => "Sim Owner",
      url: (s) => `https://${s.domain}`,
      primaryDomain: (s) => ({ __typename: "Domain", gid: `gid://shopify/Domain/${s.id}`, host: s.domain, url: `https://${s.domain}`, sslEnabled: true }),
      plan: (s) => ({ displayName: s.plan.displayName, publicDisplayName: s.plan.displayName, partnerDevelopment: false, shopifyPlus: s.plan.shopifyPlus }),
      taxesIncluded: (s) => s.taxesIncluded,
      taxShipping: () => false,
      weightUnit: () => "KILOGRAMS",
      unitSystem: () => "METRIC_SYSTEM",
      updatedAt: (s) => s.createdAt,
      setupRequired: () => false,
      checkoutApiSupported: () => true,
      timezoneAbbreviation: (s) => new Intl.DateTimeFormat("en-US", { timeZone: s.ianaTimezone, timeZoneName: "short" }).formatToParts(new Date()).find((p) => p.type === "timeZoneName")?.value ?? "UTC",
      timezoneOffsetMinutes: (s) => tzOffsetMinutes(s.ianaTimezone),
      billingAddress: (s) => ({ id: `gid://shopify/ShopAddress/${s.id}`, countryCodeV2: s.countryCode, countryCode: s.countryCode, coordinatesValidated: false, address1: null, address2: null, city: null, company: null, country: null, formattedArea: null, latitude: null, longitude: null, phone: null, province: null, provinceCode: null, zip: null }),
      timezoneOffset: (s) => {
        const m = tzOffsetMinutes(s.ianaTimezone);
        const a = Math.abs(m);
        return `${m < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}${String(a % 60).padStart(2, "0")}`;
      },
      customers: (_s, args, ctx, info) => customersConnection(ctx, info, args),
      orders: (_s, args, ctx, info) => ordersConnection(ctx, info, args),
      // The shop's own metafields ($app.tier_ladder), as the app set them.
      metafield: (_s, args, ctx) => metafieldOf(ctx, ctx.data.shopMetafields, args),
      metafields: (_s, args, ctx, info) => metafieldsOf(ctx, info, ctx.data.shopMetafields, args),
    },

    AppInstallation: {
      id: (s) => `gid://shopify/AppInstallation/${s.appId}`,
      accessScopes: (s) => (s.scopes as string[]).map((handle) => ({ handle, description: handle.replace(/_/g, " ") })),
      app: (s) => ({ __typename: "App", gid: `gid://shopify/App/${s.appId}`, apiKey: s.apiKey, title: "Tierline", handle: "tierline", embedded: true, developerName: "Tierline", published: false, previouslyInstalled: false, shopifyDeveloped: false, features: [], webhookApiVersion: "2026-01" }),
      launchUrl: (_s, _a, ctx) => `https://${ctx.domain}/admin/apps/tierline`,
      activeSubscriptions: () => [],
      subscriptions: () => [],
      metafield: () => null,
      metafields: (_s, args, ctx, info) => connection(ctx, info, [], args, byId),
    },

    Customer: {
      ...hasMetafields(),
      displayName: (c) => [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || "",
      defaultEmailAddress: (c) => (c.email ? { emailAddress: c.email, marketingState: "NOT_SUBSCRIBED", validFormat: true, openTrackingLevel: "UNKNOWN", marketingUnsubscribeUrl: "https://example.com/unsubscribe", openTrackingUrl: "https://example.com/open" } : null),
      numberOfOrders: (c, _a, ctx) => String(ctx.data.ordersByCustomer.get(c.id)?.length ?? 0),
      amountSpent: (c, _a, ctx) => {
        let sum = 0;
        for (const o of ctx.data.ordersByCustomer.get(c.id) ?? []) sum += fromBag(o.totalReceivedSet).shop - fromBag(o.totalRefundedSet).shop;
        return toBag({ shop: sum, pres: sum }, ctx.data.shop.currency, ctx.data.shop.currency).shopMoney;
      },
      canDelete: (c, _a, ctx) => (ctx.data.ordersByCustomer.get(c.id)?.length ?? 0) === 0,
      lastOrder: (c, _a, ctx) => ctx.data.ordersByCustomer.get(c.id)?.at(-1) ?? null,
      orders: (c, args, ctx, info) => ordersConnection(ctx, info, args, ctx.data.ordersByCustomer.get(c.id) ?? []),
      locale: () => "en",
      lifetimeDuration: (c, _a, ctx) => `${Math.max(0, Math.round((ctx.store.now().getTime() - Date.parse(c.createdAt)) / 86_400_000))} days`,
      validEmailAddress: (c) => Boolean(c.email),
      taxExemptions: () => [],
      addresses: () => [],
      defaultAddress: () => null,
      dataSaleOptOut: () => false,
      productSubscriberStatus: () => "NEVER_SUBSCRIBED",
      hasTimelineComment: () => false,
      unsubscribeUrl: () => "https://example.com/unsubscribe",
    },

    Metafield: {
      jsonValue: (m) => jsonValueOf(m as SimMetafield),
      owner: (m, _a, ctx) => findNode(ctx, m.ownerGid),
      definition: (m, _a, ctx) => ctx.data.metafieldDefinitions.find((d) => d.namespace === m.namespace && d.key === m.key && d.ownerType === m.ownerType) ?? null,
      description: () => null,
    },

    MetafieldDefinition: {
      type: (d) => ({ name: d.type, category: metafieldCategory(d.type), supportedValidations: [], supportsDefinitionMigrations: true, valueType: metafieldValueType(d.type) }),
      updatedAt: (d) => d.createdAt,
      access: () => ({ admin: "MERCHANT_READ_WRITE", storefront: "NONE", customerAccount: "NONE" }),
      validations: () => [],
      validationStatus: () => "ALL_VALID",
      useAsCollectionCondition: () => false,
      pinnedPosition: () => null,
      metafieldsCount: (d, _a, ctx) => {
        let n = 0;
        const src = d.ownerType === "CUSTOMER" ? ctx.data.customers.values() : d.ownerType === "ORDER" ? ctx.data.orders.values() : [];
        for (const o of src as Iterable<{ metafields?: Map<string, unknown> }>) if (o.metafields?.has(`${d.namespace}.${d.key}`)) n++;
        return n;
      },
    },

    Order: {
      ...hasMetafields(),
      currencyCode: (o) => o.currency,
      presentmentCurrencyCode: (o) => o.presentmentCurrency,
      displayFinancialStatus: (o) => o.financialStatus,
      displayFulfillmentStatus: (o) => o.fulfillmentStatus,
      customer: (o, _a, ctx) => (o.customerId ? ctx.data.customers.get(o.customerId) ?? null : null),
      // The same address the order's webhook payloads carry (derived from the buyer's or order's id).
      shippingAddress: (o, _a, ctx) => {
        const address = orderShippingAddress(o as SimOrder, o.customerId ? ctx.data.customers.get(o.customerId) ?? null : null);
        return address && { ...address, countryCodeV2: address.countryCode };
      },
      closed: (o) => o.closedAt !== null,
      confirmed: () => true,
      fullyPaid: (o) => fromBag(o.totalOutstandingSet).shop === 0 && fromBag(o.totalReceivedSet).shop > 0,
      unpaid: (o) => fromBag(o.totalReceivedSet).shop === 0,
      capturable: (o) => capturableAmount(o as SimOrder).shop > 0,
      canMarkAsPaid: (o) => !o.cancelledAt && capturableAmount(o as SimOrder).shop === 0 && fromBag(o.totalOutstandingSet).shop > 0,
      refundable: (o) => fromBag(o.totalReceivedSet).shop > fromBag(o.totalRefundedSet).shop,
      restockable: (o) => o.lineItems.some((l: SimLineItem) => l.currentQuantity > 0),
      requiresShipping: (o) => o.lineItems.some((l: SimLineItem) => l.requiresShipping),
      merchantEditable: (o) => !o.cancelledAt,
      merchantEditableErrors: () => [],
      taxExempt: () => false,
      estimatedTaxes: () => false,
      dutiesIncluded: () => false,
      customerAcceptsMarketing: () => false,
      productNetwork: () => false,
      hasTimelineComment: () => false,
      billingAddressMatchesShippingAddress: () => true,
      canNotifyCustomer: (o) => Boolean(o.email),
      returnStatus: () => "NO_RETURN",
      discountCodes: (o) => o.discountCodes.map((d: { code: string }) => d.code),
      discountCode: (o) => o.discountCodes[0]?.code ?? null,
      paymentGatewayNames: (o) => [...new Set(o.transactions.map((t: { gateway: string }) => t.gateway))],
      subtotalLineItemsQuantity: (o) => o.lineItems.reduce((s: number, l: SimLineItem) => s + l.quantity, 0),
      currentSubtotalLineItemsQuantity: (o) => o.lineItems.reduce((s: number, l: SimLineItem) => s + l.currentQuantity, 0),
      totalWeight: (o) => String(o.lineItems.reduce((s: number, l: SimLineItem) => s + l.grams * l.quantity, 0)),
      currentTotalWeight: (o) => String(o.lineItems.reduce((s: number, l: SimLineItem) => s + l.grams * l.currentQuantity, 0)),
      originalTotalPriceSet: (o) => o.originalTotalPriceSet ?? o.totalPriceSet,
      netPaymentSet: (o) => toBag(subPairs(fromBag(o.totalReceivedSet), fromBag(o.totalRefundedSet)), o.currency, o.presentmentCurrency),
      totalCapturableSet: (o) => toBag(capturableAmount(o as SimOrder), o.currency, o.presentmentCurrency),
      totalCapturable: (o) => toBag(capturableAmount(o as SimOrder), o.currency, o.presentmentCurrency).shopMoney.amount,
      refundDiscrepancySet: (o) => {
        let sum = ZERO_PAIR;
        for (const r of o.refunds as SimRefund[]) for (const a of r.orderAdjustments) if (a.kind === "REFUND_DISCREPANCY") sum = addPairs(sum, fromBag(a.amountSet));
        return toBag(sum, o.currency, o.presentmentCurrency);
      },
      cartDiscountAmountSet: (o) => (o.discountCodes.length ? o.totalDiscountsSet : null),
      currentCartDiscountAmountSet: (o) => (o.discountCodes.length ? o.currentTotalDiscountsSet : zeroBag(o as SimOrder)),
      currentTaxLines: (o) => o.taxLines,
      customAttributes: () => [],
      additionalFees: () => [],
      alerts: () => [],
      disputes: () => [],
      risks: () => [],
      fulfillments: (o, args) => {
        const list = o.fulfillments as SimFulfillment[];
        return args.first ? list.slice(0, args.first) : list;
      },
      statusPageUrl: (o) => `https://${o.shopDomain}/orders/${o.id}/authenticate`,
      lineItems: (o, args, ctx, info) => connection(ctx, info, o.lineItems, args, byId),
      shippingLines: (o, args, ctx, info) => connection(ctx, info, (o.shippingLines as Src[]).filter((s) => args.includeRemovals || !s.isRemoved), args, byId),
      shippingLine: (o) => o.shippingLines[0] ?? null,
      refunds: (o, args) => (args.first ? o.refunds.slice(0, args.first) : o.refunds),
      transactions: (o, args) => {
        const list = (o.transactions as Src[]).map((t) => ({ ...t, __orderId: o.id }));
        return args.first ? list.slice(0, args.first) : list;
      },
      fulfillmentOrders: (o, args, ctx, info) => {
        requireScope(ctx, info, ["read_merchant_managed_fulfillment_orders", "read_assigned_fulfillment_orders", "read_third_party_fulfillment_orders", "read_marketplace_fulfillment_orders", "read_orders"]);
        const list = args.displayable ? (o.fulfillmentOrders as SimFulfillmentOrder[]).filter((f) => f.status !== "CLOSED" && f.status !== "CANCELLED") : o.fulfillmentOrders;
        return connection(ctx, info, list, args, byId);
      },
    },

    LineItem: {
      originalTotalSet: (l, _a, ctx) => bagFor(ctx, l, lineTotals(l as SimLineItem).original),
      discountedTotalSet: (l, _a, ctx) => bagFor(ctx, l, lineTotals(l as SimLineItem).discounted),
      discountedUnitPriceAfterAllDiscountsSet: (l) => l.discountedUnitPriceSet,
      unfulfilledDiscountedTotalSet: (l, _a, ctx) => bagFor(ctx, l, prorate(lineTotals(l as SimLineItem).discounted, l.unfulfilledQuantity, l.quantity)),
      unfulfilledOriginalTotalSet: (l, _a, ctx) => bagFor(ctx, l, prorate(lineTotals(l as SimLineItem).original, l.unfulfilledQuantity, l.quantity)),
      refundableQuantity: (l) => l.currentQuantity,
      fulfillableQuantity: (l) => l.unfulfilledQuantity,
      nonFulfillableQuantity: (l) => l.quantity - l.currentQuantity,
      fulfillmentStatus: (l) => (l.unfulfilledQuantity === 0 ? "fulfilled" : l.unfulfilledQuantity < l.currentQuantity ? "partial" : "unfulfilled"),
      isGiftCard: (l) => l.giftCard,
      merchantEditable: () => true,
      restockable: (l) => l.currentQuantity > 0,
      canRestock: (l) => l.currentQuantity > 0,
      customAttributes: () => [],
      discountAllocations: () => [],
      duties: (l) => l.duties,
      taxLines: (l, args) => (args.first ? l.taxLines.slice(0, args.first) : l.taxLines),
      variant: (l, _a, ctx) => (l.variantId ? ctx.data.variants.get(l.variantId) ?? null : null),
      product: (l, _a, ctx) => (l.productId ? ctx.data.productsById.get(l.productId) ?? null : null),
    },

    Duty: {
      price: (d) => d.priceSet,
    },

    PaymentTerms: {
      translatedName: (t) => t.paymentTermsName,
      due: (t, _a, ctx) => !t.completedAt && t.dueAt !== null && Date.parse(t.dueAt) <= ctx.store.now().getTime(),
      overdue: (t, _a, ctx) => !t.completedAt && t.dueAt !== null && Date.parse(t.dueAt) < ctx.store.now().getTime(),
      canPayEarly: (t) => !t.completedAt,
      order: (t, _a, ctx) => [...ctx.data.orders.values()].find((o) => o.paymentTerms?.id === t.id) ?? null,
      draftOrder: () => null,
    },

    TaxLine: {
      ratePercentage: (t) => Math.round(t.rate * 10000) / 100,
      channelLiable: () => false,
    },

    ShippingLine: {
      currentDiscountedPriceSet: (s) => s.discountedPriceSet,
      discountedPrice: (s) => s.discountedPriceSet.shopMoney,
      originalPrice: (s) => s.originalPriceSet.shopMoney,
      price: (s) => s.originalPriceSet.shopMoney.amount,
      custom: () => false,
      discountAllocations: () => [],
      carrierIdentifier: () => null,
    },

    Refund: {
      order: (r, _a, ctx) => orderOf(ctx, r.orderId),
      duties: (r, _a, ctx) => {
        const order = orderOf(ctx, r.orderId);
        return (r.duties as SimRefund["duties"]).map((d) => ({
          amountSet: d.amountSet,
          originalDuty: order?.lineItems.flatMap((l) => l.duties).find((x) => x.id === d.dutyId) ?? null,
        }));
      },
      additionalFees: () => [],
      return: () => null,
      staffMember: () => null,
      refundLineItems: (r, args, ctx, info) => connection(ctx, info, (r.refundLineItems as Src[]).map((x) => ({ ...x, __orderId: r.orderId })), args, byId),
      refundShippingLines: (r, args, ctx, info) => connection(ctx, info, (r.refundShippingLines as Src[]).map((x) => ({ ...x, __orderId: r.orderId })), args, byId),
      orderAdjustments: (r, args, ctx, info) => connection(ctx, info, r.orderAdjustments, args, byId),
      transactions: (r, args, ctx, info) => connection(ctx, info, (r.transactions as Src[]).map((x) => ({ ...x, __orderId: r.orderId })), args, byId),
    },

    RefundLineItem: {
      lineItem: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId) ?? null,
      location: (x, _a, ctx) => ctx.data.shop.locations.find((l) => l.id === x.locationId) ?? null,
    },

    RefundShippingLine: {
      shippingLine: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.shippingLines.find((s) => s.id === x.shippingLineId) ?? null,
    },

    OrderTransaction: {
      order: (t, _a, ctx) => orderOf(ctx, t.__orderId) ?? null,
      parentTransaction: (t, _a, ctx) => {
        const p = t.parentId ? orderOf(ctx, t.__orderId)?.transactions.find((x) => x.id === t.parentId) : undefined;
        return p ? { ...p, __orderId: t.__orderId } : null;
      },
      formattedGateway: (t) => GATEWAY_NAMES[t.gateway as string] ?? t.gateway,
      manuallyCapturable: () => false,
      multiCapturable: () => false,
      fees: () => [],
      errorCode: () => null,
    },

    FulfillmentOrder: {
      orderId: (f) => `gid://shopify/Order/${f.orderId}`,
      order: (f, _a, ctx) => orderOf(ctx, f.orderId),
      orderName: (f, _a, ctx) => orderOf(ctx, f.orderId)?.name ?? "",
      orderProcessedAt: (f, _a, ctx) => orderOf(ctx, f.orderId)?.processedAt ?? f.createdAt,
      assignedLocation: (f, _a, ctx) => {
        const loc = ctx.data.shop.locations.find((l) => l.id === f.assignedLocationId);
        return { name: loc?.name ?? "", countryCode: "US", location: loc ?? null, address1: null, address2: null, city: null, phone: null, province: null, zip: null };
      },
      requestStatus: () => "UNSUBMITTED",
      supportedActions: (f, _a, ctx) => {
        if (f.status !== "OPEN" && f.status !== "IN_PROGRESS") return [];
        const actions = [{ action: "CREATE_FULFILLMENT" }, { action: "HOLD" }, { action: "SPLIT" }];
        if (ctx.data.shop.locations.length > 1) actions.push({ action: "MOVE" });
        if (mergeableWith(ctx, f as SimFulfillmentOrder).length) actions.push({ action: "MERGE" });
        return actions;
      },
      fulfillmentHolds: () => [],
      deliveryMethod: (f) => f.deliveryMethod ?? null,
      destination: () => null,
      channelId: () => null,
      lineItems: (f, args, ctx, info) => connection(ctx, info, (f.lineItems as Src[]).map((x) => ({ ...x, __orderId: f.orderId })), args, byId),
      fulfillments: (f, args, ctx, info) => connection(ctx, info, (orderOf(ctx, f.orderId)?.fulfillments ?? []).filter((x) => x.fulfillmentOrderIds.includes(f.id)), args, byId),
      merchantRequests: (_f, args, ctx, info) => connection(ctx, info, [], args, byId),
      fulfillmentOrdersForMerge: (f, args, ctx, info) => connection(ctx, info, mergeableWith(ctx, f as SimFulfillmentOrder), args, byId),
      locationsForMove: (f, args, ctx, info) => connection(ctx, info, locationsForMove(ctx, f as SimFulfillmentOrder, args), args, { id: (x: Src) => x.location.id }, false),
    },

    FulfillmentOrderLocationForMove: {
      availableLineItems: (x, args, ctx, info) => connection(ctx, info, x.__available, args, byId),
      unavailableLineItems: (x, args, ctx, info) => connection(ctx, info, x.__unavailable, args, byId),
      availableLineItemsCount: (x) => ({ count: x.__available.length, precision: "EXACT" }),
      unavailableLineItemsCount: (x) => ({ count: x.__unavailable.length, precision: "EXACT" }),
    },

    DeliveryMethod: {
      ...hasMetafields(),
      deliveryOptionGeneratorPickupPoint: () => null,
    },

    Fulfillment: {
      order: (f, _a, ctx) => orderOf(ctx, f.orderId),
      location: (f, _a, ctx) => ctx.data.shop.locations.find((l) => l.id === f.locationId) ?? null,
      // Shopify shows a shipment without tracking as "marked as fulfilled".
      displayStatus: (f) => (f.status === "CANCELLED" ? "CANCELED" : f.status === "FAILURE" || f.status === "ERROR" ? "FAILURE" : f.trackingInfo.length ? "FULFILLED" : "MARKED_AS_FULFILLED"),
      trackingInfo: (f, args) => (args.first ? f.trackingInfo.slice(0, args.first) : f.trackingInfo),
      fulfillmentLineItems: (f, args, ctx, info) => connection(ctx, info, (f.lineItems as Src[]).map((x) => ({ ...x, __orderId: f.orderId })), args, byId),
      fulfillmentOrders: (f, args, ctx, info) => connection(ctx, info, (orderOf(ctx, f.orderId)?.fulfillmentOrders ?? []).filter((fo) => f.fulfillmentOrderIds.includes(fo.id)), args, byId),
      events: (_f, args, ctx, info) => connection(ctx, info, [], args, byId),
      totalQuantity: (f) => (f.lineItems as Src[]).reduce((n, l) => n + l.quantity, 0),
      requiresShipping: () => true,
      deliveredAt: () => null,
      inTransitAt: () => null,
      estimatedDeliveryAt: () => null,
      originAddress: () => null,
    },

    FulfillmentLineItem: {
      lineItem: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId) ?? null,
      originalTotalSet: (x, _a, ctx) => shippedShare(ctx, x, "original"),
      discountedTotalSet: (x, _a, ctx) => shippedShare(ctx, x, "discounted"),
    },

    FulfillmentOrderLineItem: {
      lineItem: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId) ?? null,
      sku: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId)?.sku ?? null,
      productTitle: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId)?.title ?? "",
      variantTitle: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId)?.variantTitle ?? null,
      originalUnitPriceSet: (x, _a, ctx) => orderOf(ctx, x.__orderId)?.lineItems.find((l) => l.id === x.lineItemId)?.originalUnitPriceSet ?? null,
      requiresShipping: () => true,
      warnings: () => [],
      financialSummaries: () => [],
    },

    Product: {
      status: () => "ACTIVE",
      variants: (p, args, ctx, info) => connection(ctx, info, p.variants, args, byId),
      hasOnlyDefaultVariant: (p) => p.variants.length === 1 && p.variants[0].title === "Default Title",
      isGiftCard: () => false,
      descriptionHtml: () => "",
      description: () => "",
      ...hasMetafields(),
    },

    ProductVariant: {
      product: (v, _a, ctx) => ctx.data.productsById.get(v.productId) ?? null,
      displayName: (v, _a, ctx) => `${ctx.data.productsById.get(v.productId)?.title ?? ""} - ${v.title}`,
      inventoryItem: (v) => inventoryItem(v),
      inventoryQuantity: (v) => v.inventoryLevels.reduce((s: number, l: { available: number }) => s + l.available, 0),
      availableForSale: () => true,
      taxable: () => true,
      position: (v, _a, ctx) => (ctx.data.productsById.get(v.productId)?.variants.findIndex((x) => x.id === v.id) ?? 0) + 1,
      ...hasMetafields(),
    },

    InventoryItem: {
      variant: (i) => i.__variant,
      inventoryLevels: (i, args, ctx, info) => {
        requireScope(ctx, info, ["read_inventory"]);
        return connection(ctx, info, (i.__variant.inventoryLevels as Src[]).map((l) => inventoryLevel(i.__variant, l)), args, { id: (x: Src) => x.locationId });
      },
      inventoryLevel: (i, args) => {
        const lid = gidOf(args.locationId, "Location");
        const l = (i.__variant.inventoryLevels as Src[]).find((x) => x.locationId === lid);
        return l ? inventoryLevel(i.__variant, l) : null;
      },
      measurement: () => ({ weight: null }),
      trackedEditable: () => ({ locked: false, reason: null }),
    },

    InventoryLevel: {
      location: (l, _a, ctx) => ctx.data.shop.locations.find((x) => x.id === l.locationId) ?? null,
      item: (l) => inventoryItem(l.__variant),
      // As Shopify counts them: an order takes its units from available into committed until they
      // ship (or the order is cancelled), and on hand is available plus committed (this store holds
      // no reserved, damaged, safety or quality-control units).
      quantities: (l, args, ctx) => {
        const committed = (args.names as string[]).some((name) => name === "committed" || name === "on_hand") ? committedUnits(ctx).get(`${l.__variant.id}|${l.locationId}`) ?? 0 : 0;
        const of = (name: string) => (name === "available" ? l.available : name === "committed" ? committed : name === "on_hand" ? l.available + committed : name === "incoming" ? (l.incoming ?? 0) : 0);
        return (args.names as string[]).map((name) => ({ gid: `gid://shopify/InventoryQuantity/${l.__variant.inventoryItemId}?name=${name}`, name, quantity: of(name), updatedAt: l.updatedAt }));
      },
      canDeactivate: () => false,
      incoming: (l) => l.incoming ?? 0,
      createdAt: (l) => l.updatedAt,
    },

    InventoryAdjustmentGroup: {
      app: () => null,
      staffMember: () => null,
      changes: (g, args) => (g.changes as Src[])
        .filter((c) => (!args.quantityNames || (args.quantityNames as string[]).includes(c.name)))
        .map((c) => ({ ...c, __group: g })),
    },
    InventoryChange: {
      item: (c, _a, ctx) => { const v = ctx.data.variantsByInventoryItem.get(c.inventoryItemId); return v ? inventoryItem(v) : null; },
      location: (c, _a, ctx) => ctx.data.shop.locations.find((l) => l.id === c.locationId) ?? null,
    },
    Location: {
      isActive: () => true,
      isPrimary: (l, _a, ctx) => ctx.data.shop.locations[0]?.id === l.id,
      fulfillsOnlineOrders: () => true,
      shipsInventory: () => true,
      hasActiveInventory: () => true,
      isFulfillmentService: () => false,
      activatable: () => false,
      deactivatable: () => false,
      deletable: () => false,
      addressVerified: () => true,
      hasUnfulfilledOrders: () => true,
      address: () => ({ countryCode: "US", formatted: [], address1: null, city: null, zip: null, province: null, country: "United States", phone: null, provinceCode: null, latitude: null, longitude: null, address2: null }),
      suggestedAddresses: () => [],
      ...hasMetafields(),
    },

    Mutation: {
      tagsAdd: (_s, args, ctx, info) => tagsMutation(ctx, info, args, "tagsAdd"),
      tagsRemove: (_s, args, ctx, info) => tagsMutation(ctx, info, args, "tagsRemove"),
      metafieldsSet: (_s, args, ctx, info) => metafieldsSet(ctx, info, args),
      flowTriggerReceive: (_s, args, ctx) => {
        // Flow starts the workflows of the trigger the app deployed under this handle; the payload is held to its declared fields.
        const handle = typeof args.handle === "string" ? args.handle : null;
        const userErrors = args.body != null && handle === null
          ? [{ field: ["body"], message: "The body argument is no longer supported: send handle and payload" }]
          : checkFlowTriggerCall(projectFlowTriggers(), handle, args.payload);
        record(ctx, { kind: "flowTriggerReceive", field: "flowTriggerReceive", ok: userErrors.length === 0, userErrors, detail: { kind: "flowTriggerReceive", handle, payload: args.payload ?? null } });
        return { userErrors };
      },
      metafieldsDelete: (_s, args, ctx, info) => {
        guardArrays(args);
        const inputs = (args.metafields as Src[]).map((m) => ({ ownerGid: String(m.ownerId), namespace: ctx.store.resolveNamespace(ctx.domain, m.namespace), key: String(m.key) }));
        if (inputs.some((m) => parseGid(m.ownerGid)?.type === "Customer")) {
          const scopes = ctx.data.shop.installation?.scopes ?? [];
          if (!scopes.includes("write_customers")) requireScope(ctx, info, ["write_customers"]);
        }
        const deleted = ctx.store.deleteMetafields(ctx.domain, inputs);
        record(ctx, {
          kind: "metafieldsDelete", field: "metafieldsDelete", ok: true, userErrors: [],
          detail: { kind: "metafieldsDelete", metafields: inputs.map((m, i) => ({ ...m, deleted: deleted[i] !== null })) },
        });
        // Identifiers come back in the namespace the app sent ($app stays $app-resolved as stored).
        return { deletedMetafields: deleted, userErrors: [] };
      },
      metafieldDefinitionCreate: (_s, args, ctx) => {
        const def = args.definition as Src;
        const namespace = ctx.store.resolveNamespace(ctx.domain, def.namespace);
        const result = ctx.store.createMetafieldDefinition(ctx.domain, { name: def.name, namespace, key: def.key, type: def.type, ownerType: def.ownerType, description: def.description });
        const userErrors = result.error ? [{ ...result.error, elementIndex: null }] : [];
        record(ctx, { kind: "metafieldDefinitionCreate", field: "metafieldDefinitionCreate", ok: !result.error, userErrors, detail: { kind: "metafieldDefinitionCreate", namespace, key: def.key, type: def.type, ownerType: def.ownerType } });
        return { createdDefinition: result.definition ?? null, userErrors };
      },
      fulfillmentOrdersSetFulfillmentDeadline: (_s, args, ctx, info) => {
        guardArrays(args);
        requireScope(ctx, info, ["write_merchant_managed_fulfillment_orders", "write_third_party_fulfillment_orders", "write_marketplace_fulfillment_orders"]);
        const deadline = String(args.fulfillmentDeadline);
        if (Number.isNaN(Date.parse(deadline))) {
          throw new GraphQLError(`Variable $fulfillmentDeadline of type DateTime! was provided invalid value`, { extensions: { code: "INVALID_VARIABLE", value: deadline, problems: [{ path: [], explanation: `invalid date-time "${deadline}"` }] } });
        }
        // Another type's GID, like an unknown or another shop's id, is not one of this shop's fulfillment orders.
        const ids = (args.fulfillmentOrderIds as string[]).map((g) => gidOf(g, "FulfillmentOrder") ?? "-");
        const result = ctx.store.setFulfillmentDeadline(ctx.domain, ids, new Date(deadline).toISOString());
        const userErrors = result.ok ? [] : [{ field: ["fulfillmentOrderIds"], message: result.message, code: "FULFILLMENT_ORDERS_NOT_FOUND" }];
        record(ctx, { kind: "fulfillmentOrdersSetFulfillmentDeadline", field: "fulfillmentOrdersSetFulfillmentDeadline", ok: result.ok, userErrors, detail: { kind: "fulfillmentOrdersSetFulfillmentDeadline", fulfillmentOrderGids: args.fulfillmentOrderIds, fulfillmentDeadline: deadline } });
        return { success: result.ok, userErrors };
      },
      inventoryAdjustQuantities: (_s, args, ctx, info) => {
        requireScope(ctx, info, ["write_inventory"]);
        const input = args.input as Src;
        guardArrays(input);
        const changes = (input.changes as Src[]).map((c) => ({
          inventoryItemId: gidOf(c.inventoryItemId, "InventoryItem") ?? "-",
          locationId: gidOf(c.locationId, "Location") ?? "-",
          delta: Number(c.delta),
          ledgerDocumentUri: typeof c.ledgerDocumentUri === "string" ? c.ledgerDocumentUri : null,
        }));
        const referenceDocumentUri = typeof input.referenceDocumentUri === "string" ? input.referenceDocumentUri : null;
        const detail = { kind: "inventoryAdjustQuantities" as const, name: String(input.name), reason: String(input.reason), referenceDocumentUri, changes: (input.changes as Src[]).map((c, i) => ({ inventoryItemGid: String(c.inventoryItemId), locationGid: String(c.locationId), delta: changes[i].delta, ledgerDocumentUri: changes[i].ledgerDocumentUri })) };
        try {
          const group = ctx.store.adjustQuantities(ctx.domain, { name: String(input.name), reason: String(input.reason), referenceDocumentUri, changes });
          record(ctx, { kind: "inventoryAdjustQuantities", field: "inventoryAdjustQuantities", ok: true, userErrors: [], detail });
          return { inventoryAdjustmentGroup: group, userErrors: [] };
        } catch (error) {
          if (!(error instanceof Error) || !("status" in error)) throw error;
          const userErrors = [{ field: ["input"], message: error.message, code: null }];
          record(ctx, { kind: "inventoryAdjustQuantities", field: "inventoryAdjustQuantities", ok: false, userErrors, detail });
          return { inventoryAdjustmentGroup: null, userErrors };
        }
      },
      fulfillmentOrderMerge: (_s, args, ctx, info) => {
        guardArrays(args);
        requireScope(ctx, info, ["write_merchant_managed_fulfillment_orders", "write_third_party_fulfillment_orders"]);
        const sets = (args.fulfillmentOrderMergeInputs as Src[]).map((input) => (input.mergeIntents as Src[]).map((intent) => ({
          fulfillmentOrderId: gidOf(intent.fulfillmentOrderId, "FulfillmentOrder") ?? "-",
          lineItems: fulfillmentOrderLines(intent.fulfillmentOrderLineItems),
        })));
        const result = ctx.store.mergeFulfillmentOrders(ctx.domain, sets);
        const userErrors = result.ok ? [] : result.userErrors.map((e) => ({ field: e.field, message: e.message, code: e.code ?? null }));
        const sourceGids = (args.fulfillmentOrderMergeInputs as Src[]).map((input) => (input.mergeIntents as Src[]).map((i) => String(i.fulfillmentOrderId)));
        record(ctx, { kind: "fulfillmentOrderMerge", field: "fulfillmentOrderMerge", ok: result.ok, userErrors, detail: { kind: "fulfillmentOrderMerge", sourceGids, mergedGids: result.ok ? result.merged.map((f) => f.gid) : [] } });
        return { fulfillmentOrderMerges: result.ok ? result.merged.map((fulfillmentOrder) => ({ fulfillmentOrder })) : null, userErrors };
      },
      fulfillmentOrderMove: (_s, args, ctx, info) => {
        guardArrays(args);
        requireScope(ctx, info, ["write_merchant_managed_fulfillment_orders", "write_assigned_fulfillment_orders", "write_third_party_fulfillment_orders"]);
        const id = gidOf(args.id, "FulfillmentOrder") ?? "-";
        const locationId = gidOf(args.newLocationId, "Location") ?? "-";
        const result = ctx.store.moveFulfillmentOrder(ctx.domain, id, locationId, fulfillmentOrderLines(args.fulfillmentOrderLineItems));
        const userErrors = result.ok ? [] : result.userErrors.map((e) => ({ field: e.field, message: e.message }));
        record(ctx, { kind: "fulfillmentOrderMove", field: "fulfillmentOrderMove", ok: result.ok, userErrors, detail: { kind: "fulfillmentOrderMove", fulfillmentOrderGid: String(args.id), newLocationGid: String(args.newLocationId), movedGid: result.ok ? result.movedFulfillmentOrder.gid : null } });
        if (!result.ok) return { movedFulfillmentOrder: null, originalFulfillmentOrder: null, remainingFulfillmentOrder: null, userErrors };
        const { originalFulfillmentOrder: original, movedFulfillmentOrder: moved } = result;
        // Deprecated: the original when it kept units to ship beside the moved one.
        const remaining = moved !== original && original.status !== "CLOSED" ? original : null;
        return { movedFulfillmentOrder: moved, originalFulfillmentOrder: original, remainingFulfillmentOrder: remaining, userErrors };
      },
      bulkOperationRunQuery: (_s, args, ctx, info) => {
        // The schema's default is one version's; the argument's default changed in 2026-01.
        const given = info.fieldNodes[0].arguments?.some((a) => a.name.value === "groupObjects");
        const group = given ? args.groupObjects !== false : groupObjectsByDefault(ctx.apiVersion);
        const result = ctx.bulkRunner.start(ctx, String(args.query), group);
        record(ctx, { kind: "bulkOperationRunQuery", field: "bulkOperationRunQuery", ok: !result.userErrors.length, userErrors: result.userErrors, detail: { kind: "bulkOperationRunQuery", bulkOperationGid: result.bulkOperation?.gid ?? null, query: String(args.query) } });
        return result;
      },
      stagedUploadsCreate: (_s, args, ctx) => {
        const inputs = args.input as Src[];
        // Only what bulk mutations need: their variables file.
        const unsupported = inputs.findIndex((i) => i.resource !== "BULK_MUTATION_VARIABLES");
        if (unsupported >= 0) return { stagedTargets: null, userErrors: [{ field: ["input", String(unsupported), "resource"], message: `The simulator stages BULK_MUTATION_VARIABLES uploads only, not ${String(inputs[unsupported].resource)}` }] };
        const stagedTargets = inputs.map((i) => ctx.bulkRunner.mutations.stage(ctx.domain, String(i.filename), String(i.mimeType)));
        record(ctx, { kind: "stagedUploadsCreate", field: "stagedUploadsCreate", ok: true, userErrors: [], detail: { kind: "stagedUploadsCreate", keys: stagedTargets.map((t) => t.parameters.find((p) => p.name === "key")!.value) } });
        return { stagedTargets, userErrors: [] };
      },
      bulkOperationRunMutation: (_s, args, ctx) => {
        const result = ctx.bulkRunner.mutations.start(ctx, String(args.mutation), String(args.stagedUploadPath));
        record(ctx, { kind: "bulkOperationRunMutation", field: "bulkOperationRunMutation", ok: !result.userErrors.length, userErrors: result.userErrors, detail: { kind: "bulkOperationRunMutation", bulkOperationGid: result.bulkOperation?.gid ?? null, mutation: String(args.mutation) } });
        return result;
      },
      bulkOperationCancel: (_s, args, ctx) => {
        const id = gidOf(args.id, "BulkOperation");
        const op = id ? ctx.data.bulkOperations.get(id) : undefined;
        if (!op) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
        if (op.status !== "RUNNING" && op.status !== "CREATED") return { bulkOperation: op, userErrors: [{ field: null, message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` }] };
        ctx.bulkRunner.cancel(ctx.domain, op.id);
        return { bulkOperation: op, userErrors: [] };
      },
    },
  };
}

/** FulfillmentOrderLineItemInput list → the store's (ids from GIDs); null when not given. */
function fulfillmentOrderLines(value: unknown): { id: string; quantity: number }[] | null {
  if (value === undefined || value === null) return null;
  return (value as Src[]).map((l) => ({ id: gidOf(l.id, "FulfillmentOrderLineItem") ?? "-", quantity: Number(l.quantity) }));
}

/** The shop's other locations, each with the lines asked about (default: those left to ship) it stocks or not. */
function locationsForMove(ctx: AdminContext, fo: SimFulfillmentOrder, args: Src) {
  const order = orderOf(ctx, fo.orderId);
  const wantedLines = Array.isArray(args.lineItemIds) && args.lineItemIds.length ? new Set((args.lineItemIds as string[]).map((g) => gidOf(g, "FulfillmentOrderLineItem"))) : null;
  const wantedLocations = Array.isArray(args.locationIds) ? new Set((args.locationIds as string[]).map((g) => gidOf(g, "Location"))) : null;
  const lines = fo.lineItems.filter((l) => l.remainingQuantity > 0 && (!wantedLines || wantedLines.has(l.id)));
  const open = fo.status === "OPEN" || fo.status === "IN_PROGRESS" || fo.status === "SCHEDULED";
  return ctx.data.shop.locations
    .filter((loc) => loc.id !== fo.assignedLocationId && (!wantedLocations || wantedLocations.has(loc.id)))
    .map((location) => {
      const stocks = (line: SimFulfillmentOrder["lineItems"][number]) => {
        const variantId = order?.lineItems.find((l) => l.id === line.lineItemId)?.variantId;
        const variant = variantId ? ctx.data.variants.get(variantId) : undefined;
        return !variant || variant.inventoryLevels.some((lv) => lv.locationId === location.id);
      };
      const available = open ? lines.filter(stocks) : [];
      const unavailable = lines.filter((l) => !available.includes(l));
      const movable = open && available.length > 0 && unavailable.length === 0;
      const message = !open ? `The fulfillment order is ${fo.status.toLowerCase()}.` : unavailable.length ? `${location.name} doesn't stock every item.` : null;
      const withOrder = (l: Src) => ({ ...l, __orderId: fo.orderId });
      return { __typename: "FulfillmentOrderLocationForMove", location, movable, message, __available: available.map(withOrder), __unavailable: unavailable.map(withOrder) };
    });
}

/** Other OPEN fulfillment orders of the same order at the same location: what an OPEN one can merge with. */
function mergeableWith(ctx: AdminContext, fo: SimFulfillmentOrder): SimFulfillmentOrder[] {
  if (fo.status !== "OPEN") return [];
  const order = orderOf(ctx, fo.orderId);
  return (order?.fulfillmentOrders ?? []).filter((f) => f.id !== fo.id && f.status === "OPEN" && f.assignedLocationId === fo.assignedLocationId);
}

function bagFor(ctx: AdminContext, line: Src, p: { shop: number; pres: number }) {
  return toBag(p, line.originalUnitPriceSet.shopMoney.currencyCode, line.originalUnitPriceSet.presentmentMoney.currencyCode);
}

/** Fulfillment-order statuses whose unshipped units Shopify still holds as committed. */
const COMMITTING_STATUSES = new Set(["OPEN", "IN_PROGRESS", "ON_HOLD", "SCHEDULED"]);
const committedByRequest = new WeakMap<AdminContext, Map<string, number>>();

/**
 * Units committed per "variant|location": what open fulfillment orders assigned there still have to
 * ship. Worked out once per request (a bulk read of every level asks for each of them).
 */
function committedUnits(ctx: AdminContext): Map<string, number> {
  let units = committedByRequest.get(ctx);
  if (units) return units;
  units = new Map();
  for (const fo of ctx.data.fulfillmentOrders.values()) {
    if (!COMMITTING_STATUSES.has(fo.status)) continue;
    const order = ctx.data.orders.get(fo.orderId);
    for (const line of fo.lineItems) {
      if (line.remainingQuantity <= 0) continue;
      const variantId = order?.lineItems.find((l) => l.id === line.lineItemId)?.variantId;
      if (!variantId) continue; // a custom line item holds no stock
      const key = `${variantId}|${fo.assignedLocationId}`;
      units.set(key, (units.get(key) ?? 0) + line.remainingQuantity);
    }
  }
  committedByRequest.set(ctx, units);
  return units;
}

function inventoryLevel(variant: Src, level: Src) {
  return { __typename: "InventoryLevel", gid: `gid://shopify/InventoryLevel/${variant.inventoryItemId}?inventory_item_id=${variant.inventoryItemId}&location_id=${level.locationId}`, ...level, __variant: variant };
}

function tzOffsetMinutes(timeZone: string): number {
  const now = new Date();
  const local = new Date(now.toLocaleString("en-US", { timeZone }));
  const utc = new Date(now.toLocaleString("en-US", { timeZone: "UTC" }));
  return Math.round((local.getTime() - utc.getTime()) / 60_000);
}

function jsonValueOf(m: SimMetafield): unknown {
  switch (m.type) {
    case "number_integer": return Number.parseInt(m.value, 10);
    case "number_decimal": return m.value;
    case "boolean": return m.value === "true";
    default:
      if (m.type === "json" || m.type.startsWith("list.") || ["money", "rating", "weight", "volume", "dimension", "rich_text_field"].includes(m.type)) {
        try {
          return JSON.parse(m.value);
        } catch {
          return m.value;
        }
      }
      return m.value;
  }
}

function metafieldCategory(type: string): string {
  if (type.includes("reference")) return "REFERENCE";
  if (type.startsWith("number")) return "NUMBER";
  if (type.startsWith("date")) return "DATE_TIME";
  if (type === "boolean") return "TRUE_FALSE";
  if (type === "json") return "JSON";
  return "TEXT";
}

function metafieldValueType(type: string): string {
  if (type.startsWith("list.")) return "LIST";
  if (type === "number_integer") return "INTEGER";
  if (type === "number_decimal") return "DECIMAL";
  if (type === "boolean") return "BOOLEAN";
  if (type === "json") return "JSON_STRING";
  if (type === "date") return "DATE";
  if (type === "date_time") return "DATE_TIME";
  return "STRING";
}

function tagsMutation(ctx: AdminContext, info: GraphQLResolveInfo, args: Src, kind: "tagsAdd" | "tagsRemove") {
  guardArrays(args);
  const parsed = typeof args.id === "string" ? parseGid(args.id) : null;
  if (!parsed) invalidId(args.id);
  const tags = args.tags as string[];
  if (parsed.type === "Customer") {
    requireScope(ctx, info, ["write_customers"]);
    const customer = ctx.data.customers.get(parsed.id);
    if (!customer) {
      const userErrors = [{ field: ["id"], message: "Customer does not exist" }];
      record(ctx, { kind, field: kind, ok: false, userErrors, detail: { kind, ownerGid: args.id, tags, changed: [] } });
      return { node: null, userErrors };
    }
    let changed: string[];
    let error: string | undefined;
    if (kind === "tagsAdd") {
      const r = ctx.store.addTags(ctx.domain, parsed.id, tags);
      changed = r.added;
      error = r.error;
    } else changed = ctx.store.removeTags(ctx.domain, parsed.id, tags).removed;
    const userErrors = error ? [{ field: ["tags"], message: error }] : [];
    record(ctx, { kind, field: kind, ok: !error, userErrors, detail: { kind, ownerGid: customer.gid, tags, changed } });
    return { node: error ? null : customer, userErrors };
  }
  if (parsed.type === "Order") {
    requireScope(ctx, info, ["write_orders"]);
    const order = ctx.data.orders.get(parsed.id);
    if (!order) return { node: null, userErrors: [{ field: ["id"], message: "Order does not exist" }] };
    const changed = kind === "tagsAdd" ? ctx.store.addOrderTags(ctx.domain, parsed.id, tags) : ctx.store.removeOrderTags(ctx.domain, parsed.id, tags);
    record(ctx, { kind, field: kind, ok: true, userErrors: [], detail: { kind, ownerGid: order.gid, tags, changed } });
    return { node: order, userErrors: [] };
  }
  return { node: null, userErrors: [{ field: ["id"], message: `Tags can't be changed on ${parsed.type}` }] };
}

function metafieldsSet(ctx: AdminContext, info: GraphQLResolveInfo, args: Src) {
  const inputs = args.metafields as Src[];
  if (inputs.length > MAX_METAFIELDS_PER_SET) {
    const userErrors = [{ field: ["metafields"], message: `Exceeded the maximum metafields input limit of ${MAX_METAFIELDS_PER_SET}.`, code: "LESS_THAN_OR_EQUAL_TO", elementIndex: null }];
    record(ctx, { kind: "metafieldsSet", field: "metafieldsSet", ok: false, userErrors, detail: { kind: "metafieldsSet", metafields: [] } });
    return { metafields: null, userErrors };
  }
  guardArrays(args);
  const scopes = ctx.data.shop.installation?.scopes ?? [];
  const denied = inputs.findIndex((m) => {
    const type = parseGid(String(m.ownerId))?.type;
    const need = type === "Customer" ? "write_customers" : type === "Order" ? "write_orders" : null;
    return need !== null && !scopes.includes(need);
  });
  if (denied >= 0) {
    requireScope(ctx, info, [parseGid(String(inputs[denied].ownerId))?.type === "Customer" ? "write_customers" : "write_orders"]);
  }
  const resolved = inputs.map((m) => ({
    ownerGid: String(m.ownerId),
    namespace: ctx.store.resolveNamespace(ctx.domain, m.namespace),
    key: String(m.key),
    type: m.type ?? null,
    value: String(m.value),
    compareDigest: m.compareDigest,
  }));
  const result = ctx.store.setMetafields(ctx.domain, resolved);
  record(ctx, {
    kind: "metafieldsSet", field: "metafieldsSet", ok: result.userErrors.length === 0, userErrors: result.userErrors,
    detail: { kind: "metafieldsSet", metafields: result.metafields.map((m) => ({ ownerGid: m.ownerGid, namespace: m.namespace, key: m.key, type: m.type, value: m.value })) },
  });
  return { metafields: result.userErrors.length ? [] : result.metafields, userErrors: result.userErrors };
}

// ------------------------------------------------------------ wiring

const wired = new WeakSet<GraphQLSchema>();

/** Attaches the resolvers to the (cached) schema once. */
export function wireResolvers(schema: GraphQLSchema): void {
  if (wired.has(schema)) return;
  const map = resolverMap();
  const rootNames: Record<string, string> = { QueryRoot: schema.getQueryType()!.name, Mutation: schema.getMutationType()!.name };
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(rootNames[typeName] ?? typeName);
    if (!type || !("getFields" in type)) throw new Error(`schema has no type ${typeName}`);
    const defs = type.getFields() as Record<string, { resolve?: unknown }>;
    for (const [fieldName, fn] of Object.entries(fields)) {
      if (!defs[fieldName]) throw new Error(`schema has no field ${typeName}.${fieldName}`);
      defs[fieldName].resolve = fn;
    }
  }
  // Shopify prints a DateTime to the second in UTC ("2026-03-01T12:00:00Z"); the store keeps milliseconds.
  const dateTime = schema.getType("DateTime");
  if (dateTime instanceof GraphQLScalarType) {
    dateTime.serialize = (value: unknown) => (typeof value === "string" ? value.replace(/\.\d+Z$/, "Z") : value);
  }
  wired.add(schema);
}
