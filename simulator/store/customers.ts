// Customers: created, updated, deleted (refused while they have orders), and their tags with
// tagsAdd/tagsRemove semantics, each change reported as Shopify reports it.
import { snapshot, StoreError, type OperationOptions, type StoreCore } from "./store-core.ts";
import type { Id, SimCustomer, StoreChange } from "./types.ts";

export interface CreateCustomerInput {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  tags?: string[];
  state?: SimCustomer["state"];
  note?: string | null;
}

const TAG_MAX_LENGTH = 255;
export const MAX_TAGS_PER_CUSTOMER = 250;

export function createCustomer(store: StoreCore, domain: string, input: CreateCustomerInput, options?: OperationOptions): SimCustomer {
  const data = store.shop(domain);
  const at = store.at(options);
  const { id, gid } = store.mint("Customer");
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
  store.emitChange({ shop: data.shop.domain, topic: "customers/create", occurredAt: at, customer: snapshot(customer) } as StoreChange, options);
  return customer;
}

export function updateCustomer(store: StoreCore, domain: string, id: Id, patch: Partial<Pick<SimCustomer, "email" | "firstName" | "lastName" | "phone" | "note" | "state">>, options?: OperationOptions): SimCustomer {
  const data = store.shop(domain);
  const customer = store.customer(domain, id);
  Object.assign(customer, patch);
  customer.updatedAt = store.at(options);
  store.emitChange({ shop: data.shop.domain, topic: "customers/update", occurredAt: customer.updatedAt, customer: snapshot(customer) } as StoreChange, options);
  return customer;
}

export function deleteCustomer(store: StoreCore, domain: string, id: Id, options?: OperationOptions): void {
  const data = store.shop(domain);
  const customer = store.customer(domain, id);
  if ((data.ordersByCustomer.get(id)?.length ?? 0) > 0) {
    // Shopify refuses to delete a customer with orders; the app must cope with that too.
    throw new StoreError("Customer can't be deleted because they have associated orders", 422);
  }
  data.customers.delete(id);
  store.emitChange({ shop: data.shop.domain, topic: "customers/delete", occurredAt: store.at(options), customer: snapshot(customer) } as StoreChange, options);
}

/**
 * tagsAdd semantics: comma-separated entries are split, whitespace trimmed, duplicates
 * (case-insensitive) ignored. Returns the tags actually added, or a user error.
 */
export function addTags(store: StoreCore, domain: string, customerId: Id, tags: string[], options?: OperationOptions): { added: string[]; error?: string } {
  const data = store.shop(domain);
  const customer = store.customer(domain, customerId);
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
  customer.updatedAt = store.at(options);
  const snap = snapshot(customer);
  store.emitChange({ shop: data.shop.domain, topic: "customer.tags_added", occurredAt: customer.updatedAt, customer: snap, tags: added } as StoreChange, options);
  store.emitChange({ shop: data.shop.domain, topic: "customers/update", occurredAt: customer.updatedAt, customer: snap } as StoreChange, options);
  return { added };
}

export function removeTags(store: StoreCore, domain: string, customerId: Id, tags: string[], options?: OperationOptions): { removed: string[] } {
  const data = store.shop(domain);
  const customer = store.customer(domain, customerId);
  const drop = new Set(splitTags(tags).map((t) => t.toLowerCase()));
  const removed = customer.tags.filter((t) => drop.has(t.toLowerCase()));
  if (removed.length === 0) return { removed };
  customer.tags = customer.tags.filter((t) => !drop.has(t.toLowerCase()));
  customer.updatedAt = store.at(options);
  const snap = snapshot(customer);
  store.emitChange({ shop: data.shop.domain, topic: "customer.tags_removed", occurredAt: customer.updatedAt, customer: snap, tags: removed } as StoreChange, options);
  store.emitChange({ shop: data.shop.domain, topic: "customers/update", occurredAt: customer.updatedAt, customer: snap } as StoreChange, options);
  return { removed };
}

/** Splits comma-separated entries and trims, as tagsAdd/tagsRemove do. */
export function splitTags(tags: string[]): string[] {
  return tags.flatMap((t) => t.split(",")).map((t) => t.trim()).filter((t) => t.length > 0);
}

export function normalizeTagList(tags: string[]): string[] {
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
