// Compares a webhook body with a reference sample, field by field: every key
// path in the sample must exist in ours with the same JSON type; each element
// of our arrays is held against the sample's first element. Where the sample
// has null, any value is accepted (Shopify fills those fields or not
// depending on the object).

type Kind = "null" | "array" | "object" | "string" | "number" | "boolean";
const kindOf = (v: unknown): Kind => (v === null ? "null" : Array.isArray(v) ? "array" : (typeof v as Kind));

// Fields Shopify itself leaves null when the merchant or buyer gave no value
// (names, optional address lines, phone numbers, notes): ours may be null there too.
const OPTIONAL_BY_NATURE = new Set(["first_name", "last_name", "phone", "company", "address2", "note", "message", "multipass_identifier"]);

export interface Leniency {
  /** Paths where our value may be null though the sample has one, with the reason in a comment at the call. */
  nullable?: string[];
  /** Array paths our fixture legitimately leaves empty though the sample's are not. */
  mayBeEmpty?: string[];
}

export function shapeDifferences(reference: unknown, ours: unknown, leniency: Leniency = {}, path = "$"): string[] {
  const problems: string[] = [];
  const walk = (ref: unknown, got: unknown, p: string) => {
    if (ref === null) return;
    if (got === undefined) return void problems.push(`${p}: missing (sample has ${kindOf(ref)})`);
    if (got === null) {
      const key = p.slice(p.lastIndexOf(".") + 1);
      if (!OPTIONAL_BY_NATURE.has(key) && !leniency.nullable?.includes(p)) problems.push(`${p}: null, sample has ${kindOf(ref)}`);
      return;
    }
    if (kindOf(ref) !== kindOf(got)) return void problems.push(`${p}: ${kindOf(got)}, sample has ${kindOf(ref)}`);
    if (Array.isArray(ref)) {
      if (ref.length === 0) return;
      const arr = got as unknown[];
      if (arr.length === 0) {
        if (!leniency.mayBeEmpty?.includes(p)) problems.push(`${p}: empty array, sample has elements`);
        return;
      }
      // Every element of ours, not just the first, against the sample's first.
      for (const el of arr) walk(ref[0], el, `${p}[]`);
      return;
    }
    if (typeof ref === "object") {
      for (const [k, v] of Object.entries(ref as Record<string, unknown>)) {
        walk(v, (got as Record<string, unknown>)[k], `${p}.${k}`);
      }
    }
  };
  walk(reference, ours, path);
  return problems;
}

