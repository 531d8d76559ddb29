// Delivery methods: how the buyer chose to get an order, as checkout recorded it on each of its
// fulfillment orders (Shopify's FulfillmentOrder.deliveryMethod), with any promise checkout made:
// a branded promise such as Shop Promise, and the delivery window the buyer was shown.
import { StoreError, type StoreCore } from "./store-core.ts";
import type { SimDeliveryMethod, SimDeliveryMethodType, SimShippingLine } from "./types.ts";

export const DELIVERY_METHOD_TYPES: readonly SimDeliveryMethodType[] = ["SHIPPING", "LOCAL", "PICK_UP", "PICKUP_POINT", "RETAIL", "NONE"];

/** Shop Promise, the branded promise Shopify shows at checkout (handle as Shopify spells it). */
export const SHOP_PROMISE = { handle: "shop_promise", name: "Shop Promise" } as const;

export interface DeliveryMethodInput {
  /** Default SHIPPING. */
  methodType?: SimDeliveryMethodType;
  /** Defaults to the order's shipping line title (and code for serviceCode). */
  presentedName?: string | null;
  serviceCode?: string | null;
  sourceReference?: string | null;
  /** `{ handle, name }`, or "shop_promise" for Shop Promise. */
  brandedPromise?: { handle: string; name: string } | "shop_promise" | null;
  minDeliveryDateTime?: string | null;
  maxDeliveryDateTime?: string | null;
  additionalInformation?: { instructions?: string | null; phone?: string | null } | null;
}

/**
 * The delivery method an order's fulfillment orders carry. Not given: plain shipping named after
 * the shipping line, no promise. `null`: none (an order placed without one).
 */
export function deliveryMethodFor(store: StoreCore, input: DeliveryMethodInput | null | undefined, shippingLine: SimShippingLine | undefined): SimDeliveryMethod | null {
  if (input === null) return null;
  if (input !== undefined && (typeof input !== "object" || Array.isArray(input))) throw new StoreError("deliveryMethod must be an object or null");
  const given = input ?? {};
  const methodType = given.methodType ?? "SHIPPING";
  if (!DELIVERY_METHOD_TYPES.includes(methodType)) throw new StoreError(`deliveryMethod.methodType must be one of ${DELIVERY_METHOD_TYPES.join(", ")}`);
  const min = dateTime(given.minDeliveryDateTime, "minDeliveryDateTime");
  const max = dateTime(given.maxDeliveryDateTime, "maxDeliveryDateTime");
  if (min && max && min > max) throw new StoreError("deliveryMethod.minDeliveryDateTime is after maxDeliveryDateTime");
  return {
    ...store.mint("DeliveryMethod"),
    methodType,
    presentedName: given.presentedName !== undefined ? given.presentedName : shippingLine?.title ?? null,
    serviceCode: given.serviceCode !== undefined ? given.serviceCode : shippingLine?.code ?? null,
    sourceReference: given.sourceReference ?? null,
    brandedPromise: brandedPromise(given.brandedPromise),
    minDeliveryDateTime: min,
    maxDeliveryDateTime: max,
    additionalInformation: given.additionalInformation ? { instructions: given.additionalInformation.instructions ?? null, phone: given.additionalInformation.phone ?? null } : null,
  };
}

/** A fulfillment order made from another (split, merge, move) carries the same delivery method under its own id. */
export function copyDeliveryMethod(store: StoreCore, method: SimDeliveryMethod | null | undefined): SimDeliveryMethod | null {
  return method ? { ...structuredClone(method), ...store.mint("DeliveryMethod") } : null;
}

function brandedPromise(input: DeliveryMethodInput["brandedPromise"]): SimDeliveryMethod["brandedPromise"] {
  if (input === undefined || input === null) return null;
  if (input === SHOP_PROMISE.handle) return { ...SHOP_PROMISE };
  if (typeof input !== "object" || typeof input.handle !== "string" || !input.handle || typeof input.name !== "string" || !input.name) {
    throw new StoreError('deliveryMethod.brandedPromise must be { handle, name } (non-empty strings) or "shop_promise"');
  }
  return { handle: input.handle, name: input.name };
}

function dateTime(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new StoreError(`deliveryMethod.${name} must be an ISO-8601 date-time`);
  }
  return new Date(value).toISOString();
}
