// Order tags: tagsAdd/tagsRemove on an order, with set semantics; each change emits orders/updated.
import { splitTags } from "./customers.ts";
import type { OperationOptions, StoreCore } from "./store-core.ts";
import type { Id } from "./types.ts";

/** tagsAdd on an order: set semantics; emits orders/updated. Returns the tags added. */
export function addOrderTags(store: StoreCore, domain: string, orderId: Id, tags: string[], options?: OperationOptions): string[] {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  const have = new Set(order.tags.map((t) => t.toLowerCase()));
  const added = splitTags(tags).filter((t) => !have.has(t.toLowerCase()) && have.add(t.toLowerCase()));
  if (!added.length) return added;
  order.tags.push(...added);
  order.updatedAt = store.at(options);
  store.orderChange("orders/updated", data, order, order.updatedAt, options);
  return added;
}

export function removeOrderTags(store: StoreCore, domain: string, orderId: Id, tags: string[], options?: OperationOptions): string[] {
  const data = store.shop(domain);
  const order = store.order(domain, orderId);
  const drop = new Set(splitTags(tags).map((t) => t.toLowerCase()));
  const removed = order.tags.filter((t) => drop.has(t.toLowerCase()));
  if (!removed.length) return removed;
  order.tags = order.tags.filter((t) => !drop.has(t.toLowerCase()));
  order.updatedAt = store.at(options);
  store.orderChange("orders/updated", data, order, order.updatedAt, options);
  return removed;
}
