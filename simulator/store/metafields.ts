// Metafields: who owns them, metafieldsSet (atomic, compare-and-set), metafieldsDelete and
// metafield definitions, with the value checks Shopify applies per type.
import { createHash } from "node:crypto";
import { parseGid } from "./ids.ts";
import type { OperationOptions, StoreCore } from "./store-core.ts";
import type { Gid, SimMetafield, SimMetafieldDefinition } from "./types.ts";

/** Finds the object that owns metafields, by GID. */
export function metafieldOwner(store: StoreCore, domain: string, ownerGid: Gid): { ownerType: SimMetafield["ownerType"]; metafields: Map<string, SimMetafield>; touch: (at: string) => void } | null {
  const data = store.shop(domain);
  const parsed = parseGid(ownerGid);
  if (!parsed) return null;
  if (parsed.type === "Customer") {
    const c = data.customers.get(parsed.id);
    return c ? { ownerType: "CUSTOMER", metafields: c.metafields, touch: (at) => (c.updatedAt = at) } : null;
  }
  if (parsed.type === "Shop") {
    // App-owned shop metafields ($app.tier_ladder): the shop is the owner.
    return parsed.id === data.shop.id ? { ownerType: "SHOP", metafields: data.shopMetafields, touch: () => {} } : null;
  }
  if (parsed.type === "Order") {
    const o = data.orders.get(parsed.id);
    if (o && !o.metafields) o.metafields = new Map();
    return o ? { ownerType: "ORDER", metafields: o.metafields!, touch: (at) => (o.updatedAt = at) } : null;
  }
  return null;
}

/** metafieldsDelete: each identifier that existed is removed and echoed back; a missing one answers null, as Shopify does. */
export function deleteMetafields(store: StoreCore, domain: string, inputs: { ownerGid: Gid; namespace: string; key: string }[]): ({ ownerId: Gid; namespace: string; key: string } | null)[] {
  return inputs.map((input) => {
    const owner = metafieldOwner(store, domain, input.ownerGid);
    const mapKey = `${input.namespace}.${input.key}`;
    if (!owner || !owner.metafields.has(mapKey)) return null;
    owner.metafields.delete(mapKey);
    return { ownerId: input.ownerGid, namespace: input.namespace, key: input.key };
  });
}

/**
 * metafieldsSet semantics: atomic (all or nothing), namespace already resolved by the caller,
 * compareDigest compare-and-set. Returns the written metafields or user errors with element indexes.
 */
export function setMetafields(store: StoreCore, 
  domain: string,
  inputs: { ownerGid: Gid; namespace: string; key: string; type?: string | null; value: string; compareDigest?: string | null }[],
  options?: OperationOptions,
): { metafields: SimMetafield[]; userErrors: { field: string[]; message: string; code: string; elementIndex: number }[] } {
  const data = store.shop(domain);
  const userErrors: { field: string[]; message: string; code: string; elementIndex: number }[] = [];
  const planned: { owner: NonNullable<ReturnType<typeof metafieldOwner>>; input: (typeof inputs)[number]; type: string; existing?: SimMetafield }[] = [];
  inputs.forEach((input, i) => {
    const owner = metafieldOwner(store, domain, input.ownerGid);
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
  const at = store.at(options);
  const written = planned.map(({ owner, input, type, existing }) => {
    const mf: SimMetafield = existing ?? {
      ...store.mint("Metafield"),
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

export function createMetafieldDefinition(store: StoreCore, domain: string, input: { name: string; namespace: string; key: string; type: string; ownerType: string; description?: string | null }): { definition?: SimMetafieldDefinition; error?: { field: string[]; message: string; code: string } } {
  const data = store.shop(domain);
  if (data.metafieldDefinitions.some((d) => d.namespace === input.namespace && d.key === input.key && d.ownerType === input.ownerType)) {
    return { error: { field: ["definition", "key"], message: "Key is in use for this owner type.", code: "TAKEN" } };
  }
  if (!KNOWN_METAFIELD_TYPES.has(input.type)) {
    return { error: { field: ["definition", "type"], message: `Type name ${input.type} is not a valid type.`, code: "INCLUSION" } };
  }
  const definition: SimMetafieldDefinition = { ...store.mint("MetafieldDefinition"), ...input, description: input.description ?? null, createdAt: store.now().toISOString() };
  data.metafieldDefinitions.push(definition);
  return { definition };
}

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

