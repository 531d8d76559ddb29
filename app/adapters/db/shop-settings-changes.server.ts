// Saved tier rules or promise settings, told to what this process keeps of them: the checkout
// endpoint caches each shop's rules, calendar and previews (use-cases/checkout-promise.server.ts)
// and drops them the moment a save returns, instead of answering from the old ones until they age out.
// Only this process hears it; another process's copy still ages out (its own lifetime).
//
// The listeners live on globalThis: the web process runs two copies of this module, the Remix build's
// (where the admin pages save) and its own (where the checkout fast path caches).

type Listener = (shop: string) => void;
const REGISTRY = Symbol.for("tierline.shopSettingsSaved.listeners");
const listeners: Set<Listener> = ((globalThis as Record<symbol, unknown>)[REGISTRY] as Set<Listener> | undefined) ?? new Set();
(globalThis as Record<symbol, unknown>)[REGISTRY] = listeners;

/** Calls `listener` with the shop after each save of its tier rules or promise settings; returns the unsubscribe. */
export function onShopSettingsSaved(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function shopSettingsSaved(shop: string): void {
  for (const listener of listeners) listener(shop);
}
