// Saved tier rules or promise settings, told to what this process keeps of them: the checkout
// endpoint caches each shop's rules, calendar and previews (use-cases/checkout-promise.server.ts)
// and drops them the moment a save returns, instead of answering from the old ones until they age out.
// Only this process hears it; another process's copy still ages out (its own lifetime).

type Listener = (shop: string) => void;
const listeners = new Set<Listener>();

/** Calls `listener` with the shop after each save of its tier rules or promise settings; returns the unsubscribe. */
export function onShopSettingsSaved(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function shopSettingsSaved(shop: string): void {
  for (const listener of listeners) listener(shop);
}
