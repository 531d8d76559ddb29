// A list cut into runs of at most `size`, in order: for statements with a bound on their
// parameters and Admin API requests with a bound on their fields.
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
