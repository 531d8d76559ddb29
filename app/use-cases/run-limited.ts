// A few Shopify calls at a time: the writes of the tier sync and of the promises share it.

/**
 * Runs `work` for each item, at most `limit` at once. The first error thrown stops new items from
 * starting; the items in flight finish. Returns that error (if any) and the items never started.
 */
export async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<{ stopped: boolean; error: unknown; unstarted: T[] }> {
  let next = 0;
  let stopped = false;
  let error: unknown = null;
  const lane = async () => {
    while (next < items.length && !stopped) {
      const item = items[next++];
      try {
        await work(item);
      } catch (thrown) {
        if (!stopped) error = thrown;
        stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return { stopped, error, unstarted: items.slice(next) };
}
