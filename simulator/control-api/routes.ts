// The simulator's control API (JSON over HTTP under /_sim/): what tests, the demo and benchmarks
// use to set up shops, play the merchant and the buyers (orders, refunds, edits, cancellations),
// and read back what the app did. Shopify has no such API; the app never calls it.
import { HttpError, type RouteContext, type Router } from "../router.ts";
import { parseGid } from "../store/ids.ts";
import { seedShop, SEED_SIZES, type SeedSize } from "../store/seed-generator.ts";
import { PLANS, StoreError, type CreateOrderInput, type EditOrderInput, type FulfillOrderInput, type RefundInput, type SimStore, type TrackingUpdateInput } from "../store/store.ts";
import type { SimCustomer, SimOrder, SimPlan } from "../store/types.ts";
import type { AdminApi, ThrottleConfig } from "../admin-api/handler.ts";

export interface ControlApiOptions {
  store: SimStore;
  admin: AdminApi;
  /** The app's client id, used when a shop is created with the app installed. */
  apiKey: string;
  defaultScopes?: string[];
}

type Body = Record<string, unknown>;

/** A plan by name ("standard", "advanced", "plus", "enterprise", …) or as an object; 400 for an unknown name. */
export function planOf(plan: unknown): SimPlan | undefined {
  if (plan === undefined || plan === null) return undefined;
  if (typeof plan === "object") return plan as SimPlan;
  const known = typeof plan === "string" && Object.hasOwn(PLANS, plan) ? PLANS[plan] : undefined;
  if (!known) throw new HttpError(400, "unknown plan", { error: `plan must be one of ${Object.keys(PLANS).join(", ")}, or an object` });
  return { ...known };
}

/** Maps → plain objects, so customers' metafields serialize. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v)));
}

function idParam(raw: string): string {
  const decoded = decodeURIComponent(raw);
  return parseGid(decoded)?.id ?? decoded;
}

function wrap(fn: (ctx: RouteContext) => unknown) {
  return async (ctx: RouteContext) => {
    try {
      return await fn(ctx);
    } catch (e) {
      if (e instanceof StoreError) throw new HttpError(e.status, e.message, { error: e.message });
      throw e;
    }
  };
}

export function customerJson(c: SimCustomer) {
  return toJson(c);
}

export function orderJson(o: SimOrder) {
  return toJson(o);
}

/** A fulfillment order's line, by its own id (`id`) or by the order line item it holds (`lineItemId`); ids or GIDs. */
type LineRef = { id?: string; lineItemId?: string; quantity: number };

function fulfillmentOrderOf(store: SimStore, shop: string, id: string) {
  const fo = store.shop(shop).fulfillmentOrders.get(id);
  if (!fo) throw new StoreError(`unknown fulfillment order ${id}`, 404);
  return fo;
}

function fulfillmentOrderLineRefs(store: SimStore, shop: string, fulfillmentOrderId: string, lines: LineRef[] | null | undefined) {
  if (lines === undefined || lines === null) return null;
  if (!Array.isArray(lines)) throw new StoreError("lineItems must be a list of { id | lineItemId, quantity }");
  const fo = store.shop(shop).fulfillmentOrders.get(fulfillmentOrderId);
  return lines.map((l) => {
    if (l.id !== undefined) return { id: idParam(String(l.id)), quantity: l.quantity };
    const lineItemId = idParam(String(l.lineItemId ?? ""));
    // Unknown here: the store answers it as a line item the fulfillment order does not have.
    return { id: fo?.lineItems.find((x) => x.lineItemId === lineItemId)?.id ?? `-${lineItemId}`, quantity: l.quantity };
  });
}

export function registerControlRoutes(router: Router, options: ControlApiOptions): void {
  const { store, admin } = options;

  router.post("/_sim/reset", wrap(() => {
    store.reset();
    admin.resetBuckets();
    return { ok: true };
  }));

  router.get("/_sim/shops", wrap(() => ({ shops: store.shopDomains() })));

  router.post("/_sim/shops", wrap(async ({ json }) => {
    const body = await json<Body>();
    const domain = String(body.shop ?? body.domain ?? "");
    const size = (body.size ?? (body.seed !== undefined ? "tiny" : undefined)) as SeedSize | undefined;
    if (size && !SEED_SIZES[size]) throw new HttpError(400, "bad size", { error: `size must be one of ${Object.keys(SEED_SIZES).join(", ")}` });
    const shopInput = {
      name: body.name as string | undefined,
      currency: body.currency as string | undefined,
      taxesIncluded: body.taxesIncluded === undefined ? undefined : body.taxesIncluded === true,
      ianaTimezone: body.ianaTimezone as string | undefined,
      countryCode: typeof body.countryCode === "string" ? body.countryCode : undefined,
      plan: planOf(body.plan),
      install: null,
    };
    let summary: unknown = null;
    if (size) {
      summary = seedShop(store, domain, { seed: Number(body.seed ?? 1), size, now: String(body.now ?? new Date().toISOString()), shop: shopInput, moneyMix: body.moneyMix === true });
    } else store.createShop({ domain, ...shopInput });
    let installation = null;
    if (body.install !== false) {
      const install = (typeof body.install === "object" && body.install ? body.install : {}) as Body;
      installation = store.installApp(domain, {
        apiKey: (install.apiKey as string) ?? options.apiKey,
        scopes: (install.scopes as string[]) ?? options.defaultScopes,
        accessToken: install.accessToken as string | undefined,
      });
    }
    const data = store.shop(domain);
    return { shop: toJson(data.shop), accessToken: installation?.accessToken ?? null, summary };
  }));

  router.get("/_sim/shops/:shop", wrap(({ params }) => {
    const data = store.shop(params.shop);
    return {
      shop: toJson(data.shop),
      metafields: toJson(data.shopMetafields),
      counts: { customers: data.customers.size, orders: data.orders.size, products: data.products.length, mutations: data.mutations.length },
      pointsSpent: data.pointsSpent,
      throttle: { ...admin.throttleConfig(params.shop), status: data.shop.installation ? admin.bucket(params.shop).status() : null },
    };
  }));

  router.add("DELETE", "/_sim/shops/:shop", wrap(({ params }) => {
    store.deleteShop(params.shop);
    return { ok: true };
  }));

  router.post("/_sim/shops/:shop/install", wrap(async ({ params, json }) => {
    const body = await json<Body>();
    const installation = store.installApp(params.shop, { apiKey: (body.apiKey as string) ?? options.apiKey, scopes: (body.scopes as string[]) ?? options.defaultScopes, accessToken: body.accessToken as string | undefined });
    return { installation: toJson(installation) };
  }));

  router.post("/_sim/shops/:shop/uninstall", wrap(({ params }) => {
    store.uninstallApp(params.shop);
    return { ok: true };
  }));

  router.post("/_sim/shops/:shop/plan", wrap(async ({ params, json }) => {
    const body = await json<Body>();
    const plan = body.plan !== undefined ? store.setPlan(params.shop, planOf(body.plan)!) : store.setPlan(params.shop, body as never);
    return { plan };
  }));

  router.post("/_sim/shops/:shop/throttle", wrap(async ({ params, json }) => {
    const body = await json<ThrottleConfig & { drain?: number }>();
    const { drain, ...config } = body;
    admin.setThrottleConfig(params.shop, config);
    const bucket = admin.bucket(params.shop);
    if (drain) bucket.drain(drain);
    return { config: admin.throttleConfig(params.shop), status: bucket.status() };
  }));

  router.get("/_sim/shops/:shop/throttle", wrap(({ params }) => ({ config: admin.throttleConfig(params.shop), status: admin.bucket(params.shop).status() })));

  router.post("/_sim/throttle", wrap(async ({ json }) => {
    admin.setThrottleConfig(null, await json<ThrottleConfig>());
    return { ok: true };
  }));

  // ---------------------------------------------------------- customers

  router.get("/_sim/shops/:shop/customers", wrap(({ params, url }) => {
    const data = store.shop(params.shop);
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 250), 10_000);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const tag = url.searchParams.get("tag");
    let list = [...data.customers.values()];
    if (tag) list = list.filter((c) => c.tags.some((t) => t.toLowerCase() === tag.toLowerCase()));
    return { total: list.length, customers: list.slice(offset, offset + limit).map(customerJson) };
  }));

  router.post("/_sim/shops/:shop/customers", wrap(async ({ params, json }) => {
    const c = store.createCustomer(params.shop, await json());
    return { customer: customerJson(c) };
  }));

  router.get("/_sim/shops/:shop/customers/:id", wrap(({ params }) => ({ customer: customerJson(store.customer(params.shop, idParam(params.id))) })));

  router.post("/_sim/shops/:shop/customers/:id", wrap(async ({ params, json }) => {
    const body = await json<Body>();
    const id = idParam(params.id);
    if (Array.isArray(body.addTags)) store.addTags(params.shop, id, body.addTags as string[]);
    if (Array.isArray(body.removeTags)) store.removeTags(params.shop, id, body.removeTags as string[]);
    const patch = Object.fromEntries(Object.entries(body).filter(([k]) => ["email", "firstName", "lastName", "phone", "note", "state"].includes(k)));
    const c = Object.keys(patch).length ? store.updateCustomer(params.shop, id, patch) : store.customer(params.shop, id);
    return { customer: customerJson(c) };
  }));

  router.add("DELETE", "/_sim/shops/:shop/customers/:id", wrap(({ params }) => {
    store.deleteCustomer(params.shop, idParam(params.id));
    return { ok: true };
  }));

  // ---------------------------------------------------------- products

  router.get("/_sim/shops/:shop/products", wrap(({ params }) => ({ products: toJson(store.shop(params.shop).products) })));

  router.post("/_sim/shops/:shop/products", wrap(async ({ params, json }) => ({ product: toJson(store.createProduct(params.shop, await json())) })));

  router.post("/_sim/shops/:shop/inventory", wrap(async ({ params, json }) => {
    const body = await json<{ inventoryItemId: string; locationId?: string; delta: number }>();
    const locationId = body.locationId ? idParam(body.locationId) : store.shop(params.shop).shop.locations[0].id;
    return { available: store.adjustInventory(params.shop, idParam(body.inventoryItemId), locationId, Number(body.delta)) };
  }));

  // ---------------------------------------------------------- orders

  router.get("/_sim/shops/:shop/orders", wrap(({ params, url }) => {
    const data = store.shop(params.shop);
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 250), 10_000);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const list = [...data.orders.values()];
    return { total: list.length, orders: list.slice(offset, offset + limit).map(orderJson) };
  }));

  router.post("/_sim/shops/:shop/orders", wrap(async ({ params, json }) => {
    const body = await json<CreateOrderInput>();
    if (body.customerId) body.customerId = idParam(body.customerId);
    return { order: orderJson(store.createOrder(params.shop, body)) };
  }));

  router.get("/_sim/shops/:shop/orders/:id", wrap(({ params }) => ({ order: orderJson(store.order(params.shop, idParam(params.id))) })));

  router.post("/_sim/shops/:shop/orders/:id/pay", wrap(({ params }) => ({ order: orderJson(store.payOrder(params.shop, idParam(params.id))) })));

  // Payments after the order is placed: capture an authorization (all that is left, or `amount`
  // in shop currency), void it, or mark a pending order (manual, COD, payment terms) paid.
  router.post("/_sim/shops/:shop/orders/:id/capture", wrap(async ({ params, json }) => {
    const body = await json<{ amount?: string | number | null }>();
    const amount = body.amount === undefined || body.amount === null ? null : String(body.amount);
    return { order: orderJson(store.captureOrder(params.shop, idParam(params.id), { amount })) };
  }));

  router.post("/_sim/shops/:shop/orders/:id/void", wrap(({ params }) => ({ order: orderJson(store.voidAuthorization(params.shop, idParam(params.id))) })));

  router.post("/_sim/shops/:shop/orders/:id/mark-paid", wrap(({ params }) => ({ order: orderJson(store.markOrderAsPaid(params.shop, idParam(params.id))) })));

  router.post("/_sim/shops/:shop/orders/:id/edit", wrap(async ({ params, json }) => ({ order: orderJson(store.editOrder(params.shop, idParam(params.id), await json<EditOrderInput>())) })));

  router.post("/_sim/shops/:shop/orders/:id/refunds", wrap(async ({ params, json }) => {
    const body = await json<RefundInput & { full?: boolean }>();
    const id = idParam(params.id);
    if (body.refundDuties) body.refundDuties = body.refundDuties.map((d) => ({ ...d, dutyId: idParam(d.dutyId) }));
    const refund = body.full ? store.refundOrderFully(params.shop, id, { note: body.note ?? undefined }) : store.refundOrder(params.shop, id, body);
    return { refund: toJson(refund), order: orderJson(store.order(params.shop, id)) };
  }));

  router.post("/_sim/shops/:shop/orders/:id/cancel", wrap(async ({ params, json }) => ({ order: orderJson(store.cancelOrder(params.shop, idParam(params.id), await json())) })));

  router.post("/_sim/shops/:shop/orders/:id/tags", wrap(async ({ params, json }) => {
    const body = await json<{ add?: string[]; remove?: string[] }>();
    const id = idParam(params.id);
    if (body.add) store.addOrderTags(params.shop, id, body.add);
    if (body.remove) store.removeOrderTags(params.shop, id, body.remove);
    return { order: orderJson(store.order(params.shop, id)) };
  }));

  // The merchant ships: all remaining units, or the given ones (ids or GIDs), with optional tracking.
  // `at` (ISO time, default now) is when it ships: a shipment days from now, as if the clock had
  // moved on (the demo ships some orders after their ship-by); never before the order was placed.
  router.post("/_sim/shops/:shop/orders/:id/fulfill", wrap(async ({ params, json }) => {
    const { at, ...body } = await json<FulfillOrderInput & { at?: string | null }>();
    const id = idParam(params.id);
    const input: FulfillOrderInput = {
      ...body,
      fulfillmentOrderId: body.fulfillmentOrderId ? idParam(body.fulfillmentOrderId) : undefined,
      lineItems: body.lineItems?.map((l) => ({ lineItemId: idParam(l.lineItemId), quantity: l.quantity })),
    };
    let shippedAt: string | undefined;
    if (at !== undefined && at !== null) {
      const time = typeof at === "string" && /^\d{4}-\d{2}-\d{2}T/.test(at) ? Date.parse(at) : Number.NaN;
      if (Number.isNaN(time)) throw new HttpError(400, "bad at", { error: "at must be an ISO date-time such as 2026-12-04T15:00:00Z" });
      const placed = store.order(params.shop, id).createdAt;
      if (time < Date.parse(placed)) throw new HttpError(422, "shipped before placed", { error: `at ${at} is before the order was placed (${placed})` });
      shippedAt = new Date(time).toISOString();
    }
    const fulfillment = store.fulfillOrder(params.shop, id, input, shippedAt ? { at: shippedAt } : undefined);
    return { fulfillment: toJson(fulfillment), order: orderJson(store.order(params.shop, id)) };
  }));

  router.post("/_sim/shops/:shop/fulfillments/:id/tracking", wrap(async ({ params, json }) => ({
    fulfillment: toJson(store.updateFulfillmentTracking(params.shop, idParam(params.id), await json<TrackingUpdateInput>())),
  })));

  // Another location (the destination of a move); it stocks every existing variant with
  // `available` units (default 0), or none with `stockExisting: false`.
  router.post("/_sim/shops/:shop/locations", wrap(async ({ params, json }) => {
    const body = await json<{ name: string; available?: number; stockExisting?: boolean }>();
    return { location: toJson(store.addLocation(params.shop, { name: body.name, available: body.available, stockExisting: body.stockExisting })) };
  }));

  router.get("/_sim/shops/:shop/fulfillment-orders/:id", wrap(({ params }) => ({ fulfillmentOrder: toJson(fulfillmentOrderOf(store, params.shop, idParam(params.id))) })));

  // The merchant merges fulfillment orders of one order and location into a new one (fulfillmentOrderMerge).
  router.post("/_sim/shops/:shop/fulfillment-orders/merge", wrap(async ({ params, json }) => {
    const body = await json<{ mergeIntents?: { fulfillmentOrderId: string; lineItems?: LineRef[] | null }[] }>();
    if (!Array.isArray(body.mergeIntents)) throw new HttpError(400, "bad merge", { error: "mergeIntents must be a list of { fulfillmentOrderId, lineItems? }" });
    const intents = body.mergeIntents.map((intent) => {
      const id = idParam(String(intent.fulfillmentOrderId));
      return { fulfillmentOrderId: id, lineItems: fulfillmentOrderLineRefs(store, params.shop, id, intent.lineItems) };
    });
    const result = store.mergeFulfillmentOrders(params.shop, [intents]);
    if (!result.ok) throw new HttpError(422, result.userErrors[0].message, { error: result.userErrors[0].message, userErrors: result.userErrors });
    return { fulfillmentOrder: toJson(result.merged[0]) };
  }));

  // The merchant moves (some units of) a fulfillment order to another location (fulfillmentOrderMove).
  router.post("/_sim/shops/:shop/fulfillment-orders/:id/move", wrap(async ({ params, json }) => {
    const body = await json<{ newLocationId?: string; lineItems?: LineRef[] | null }>();
    if (!body.newLocationId) throw new HttpError(400, "bad move", { error: "newLocationId is required" });
    const id = idParam(params.id);
    const result = store.moveFulfillmentOrder(params.shop, id, idParam(String(body.newLocationId)), fulfillmentOrderLineRefs(store, params.shop, id, body.lineItems));
    if (!result.ok) throw new HttpError(422, result.userErrors[0].message, { error: result.userErrors[0].message, userErrors: result.userErrors });
    return { originalFulfillmentOrder: toJson(result.originalFulfillmentOrder), movedFulfillmentOrder: toJson(result.movedFulfillmentOrder) };
  }));

  router.post("/_sim/shops/:shop/fulfillment-orders/:id/split", wrap(async ({ params, json }) => {
    const body = await json<{ lineItems: { lineItemId: string; quantity: number }[] }>();
    const created = store.splitFulfillmentOrder(params.shop, idParam(params.id), body.lineItems.map((l) => ({ lineItemId: idParam(l.lineItemId), quantity: l.quantity })));
    return { fulfillmentOrder: toJson(created) };
  }));

  // ---------------------------------------------------------- what the app did

  router.get("/_sim/shops/:shop/mutations", wrap(({ params, url }) => {
    const data = store.shop(params.shop);
    const kind = url.searchParams.get("kind") ?? undefined;
    const since = Number(url.searchParams.get("since") ?? 0) || undefined;
    const mutations = store.mutations(params.shop, { kind: kind as never, since });
    return { shop: data.shop.domain, pointsSpent: data.pointsSpent, count: mutations.length, mutations };
  }));

  router.get("/_sim/shops/:shop/bulk-operations", wrap(({ params }) => ({ bulkOperations: toJson([...store.shop(params.shop).bulkOperations.values()]) })));
}
