// Relay connections over in-memory lists (Shopify's cursor pagination) and the subset of
// Shopify's search syntax the app uses: `updated_at:>'2025-01-01T00:00:00Z'`, `created_at:<=…`,
// `id:>123`, `email:…`, `tag:…`, `status:…`, `test:true`, joined by spaces/AND; `-field:` negates.
import { GraphQLError } from "graphql";
import { compareIds } from "../store/ids.ts";

export const MAX_PAGE_SIZE = 250;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface Connection<T> {
  edges: { node: T; cursor: string }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

interface CursorPayload {
  last_id: string;
  last_value: string | number;
}

export function encodeCursor(id: string, value: string | number): string {
  return Buffer.from(JSON.stringify({ last_id: id, last_value: value } satisfies CursorPayload)).toString("base64");
}

function decodeCursor(cursor: string): CursorPayload {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as CursorPayload;
    if (typeof parsed.last_id !== "string") throw new Error();
    return parsed;
  } catch {
    throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: "BAD_REQUEST" } });
  }
}

export interface SortSpec<T> {
  id: (item: T) => string;
  /** Sort value (ISO strings compare correctly as strings); defaults to the id. */
  value?: (item: T) => string | number;
}

function compare<T>(spec: SortSpec<T>, a: T, b: T): number {
  if (spec.value) {
    const va = spec.value(a);
    const vb = spec.value(b);
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return compareIds(spec.id(a), spec.id(b));
}

function compareToCursor<T>(spec: SortSpec<T>, item: T, c: CursorPayload): number {
  if (spec.value) {
    const v = spec.value(item);
    if (v !== c.last_value) return v < c.last_value ? -1 : 1;
  }
  return compareIds(spec.id(item), c.last_id);
}

/**
 * Pages a list. `items` must already be filtered; it is sorted here unless `presorted` (id order).
 * `unbounded` (bulk operations) returns everything when no page size is given.
 */
export function paginate<T>(items: Iterable<T>, args: ConnectionArgs, spec: SortSpec<T>, options: { presorted?: boolean; unbounded?: boolean } = {}): Connection<T> {
  const { first, last, after, before } = args;
  if (!options.unbounded) {
    if ((first === undefined || first === null) && (last === undefined || last === null)) {
      throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
    }
    if ((first ?? 0) > MAX_PAGE_SIZE || (last ?? 0) > MAX_PAGE_SIZE) {
      throw new GraphQLError(`The page size requested (${first ?? last}) is greater than the maximum allowed (${MAX_PAGE_SIZE}).`, { extensions: { code: "BAD_REQUEST" } });
    }
  }
  let list = Array.isArray(items) ? (items as T[]) : [...items];
  if (!options.presorted || spec.value) list = [...list].sort((a, b) => compare(spec, a, b));
  if (args.reverse) list = [...list].reverse();
  const dir = args.reverse ? -1 : 1;
  let start = 0;
  let end = list.length;
  if (after) {
    const c = decodeCursor(after);
    start = lowerBound(list, (item) => dir * compareToCursor(spec, item, c) > 0);
  }
  if (before) {
    const c = decodeCursor(before);
    end = Math.max(start, lowerBound(list, (item) => dir * compareToCursor(spec, item, c) >= 0));
  }
  let from = start;
  let to = end;
  if (first !== undefined && first !== null) to = Math.min(end, from + first);
  if (last !== undefined && last !== null) from = Math.max(from, to - last);
  const slice = list.slice(from, to);
  const cursorOf = (item: T) => encodeCursor(spec.id(item), spec.value ? spec.value(item) : spec.id(item));
  const edges = slice.map((node) => ({ node, cursor: cursorOf(node) }));
  return {
    edges,
    nodes: slice,
    pageInfo: {
      hasNextPage: to < end || (before ? end < list.length : false),
      hasPreviousPage: from > start || (after ? start > 0 : false),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** First index where pred(list[i]) is true; pred must be monotone (false…true). */
function lowerBound<T>(list: T[], pred: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(list[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// ------------------------------------------------------------ search syntax

export interface SearchTerm {
  field: string | null; // null: free text
  op: ":" | ">" | ">=" | "<" | "<=";
  value: string;
  negate: boolean;
}

export function parseSearchQuery(query: string | null | undefined): SearchTerm[] {
  if (!query) return [];
  const terms: SearchTerm[] = [];
  const re = /(-|NOT\s+)?(?:([A-Za-z_.]+):(>=|<=|>|<)?\s*)?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s()]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(query))) {
    const [, neg, field, op, rawValue] = m;
    if (!field && /^(AND|OR)$/.test(rawValue)) continue;
    const value = /^['"]/.test(rawValue) ? rawValue.slice(1, -1).replace(/\\(.)/g, "$1") : rawValue;
    terms.push({ field: field ? field.toLowerCase() : null, op: ((op as SearchTerm["op"]) ?? ":"), value, negate: Boolean(neg) });
  }
  return terms;
}

/** Compares a date-valued field: value may be a date, a datetime or a relative keyword. */
export function matchDate(actual: string | null, term: SearchTerm, now: Date): boolean {
  if (actual === null) return false;
  const a = Date.parse(actual);
  let v = Date.parse(term.value);
  if (Number.isNaN(v)) {
    const rel = /^now(?:-(\d+)([dhm]))?$/i.exec(term.value);
    if (!rel) return true; // unparseable dates are ignored, not fatal
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[(rel[2] ?? "d").toLowerCase() as "d" | "h" | "m"];
    v = now.getTime() - Number(rel[1] ?? 0) * unit;
  }
  // A bare date with ':' means that whole day.
  if (term.op === ":" && /^\d{4}-\d{2}-\d{2}$/.test(term.value)) return a >= v && a < v + 86_400_000;
  return cmp(a, v, term.op);
}

export function matchNumber(actual: number | string, term: SearchTerm): boolean {
  if (typeof actual === "string" && /^\d+$/.test(actual) && /^\d+$/.test(term.value)) {
    const c = compareIds(actual, term.value);
    return cmp(c, 0, term.op);
  }
  return cmp(Number(actual), Number(term.value), term.op);
}

function cmp(a: number, b: number, op: SearchTerm["op"]): boolean {
  switch (op) {
    case ">": return a > b;
    case ">=": return a >= b;
    case "<": return a < b;
    case "<=": return a <= b;
    default: return a === b;
  }
}
