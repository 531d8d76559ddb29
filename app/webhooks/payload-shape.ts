// Does a webhook body carry the fields the worker's handler for its topic needs, with the
// right types? A body that does not would be stored, queued and then closed `failed`
// by the worker; the intake refuses it with a 422 naming the field instead (issue 14).
//
// Only what the worker's schemas require (app/adapters/shopify/webhook-payloads.ts,
// fulfillment-payloads.ts, the tag and inventory use-cases) is checked: no zod and no
// JSON.parse on the hot path (docs/decisions/0001). The body has already passed
// jsonObjectProblem, so this walks its bytes, skipping every member it does not check and
// decoding only the few short strings it does. payload-shape.test.ts holds each rule to
// the worker's parsing of the simulator's payloads, so the two cannot drift apart.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

type Kind =
  | "string"
  | "nonEmptyString"
  | "timestamp"
  | "boolean"
  /** A decimal amount as parseMoney reads it: a string or number of digits with an optional fraction. */
  | "decimal"
  /** A numeric id, as a digit string or an integer: what idString accepts (integers losslessly). */
  | "numericId"
  /** A string or a number (zod's union), any value. */
  | "stringOrNumber"
  /** A non-negative integer. */
  | "count"
  /** An ISO 4217 code: three capital letters. */
  | "currencyCode"
  | { gid: string }
  | { gidPrefix: string }
  | { object: Shape }
  | { array: Field | null };

export interface Field {
  kind: Kind;
  optional?: boolean;
  nullable?: boolean;
}

export type Shape = Record<string, Field>;

const req = (kind: Kind): Field => ({ kind });
const opt = (kind: Kind): Field => ({ kind, optional: true });
const optNull = (kind: Kind): Field => ({ kind, optional: true, nullable: true });

/** A money set whose shop_money amount is read as money (decimal) or only typed by zod (stringOrNumber). */
const moneySet = (amount: "decimal" | "stringOrNumber", currencyCode: "string" | "currencyCode" = "string"): Kind => ({
  object: { shop_money: req({ object: { amount: req(amount), currency_code: req(currencyCode) } }), presentment_money: opt({ object: { amount: req("stringOrNumber"), currency_code: req("string") } }) },
});
const money = moneySet("decimal");

const ORDER: Shape = {
  admin_graphql_api_id: req({ gid: "Order" }),
  name: opt("string"),
  created_at: req("timestamp"),
  updated_at: req("timestamp"),
  processed_at: optNull("timestamp"),
  cancelled_at: optNull("timestamp"),
  test: opt("boolean"),
  currency: req("string"),
  presentment_currency: opt("string"),
  financial_status: optNull("string"),
  taxes_included: optNull("boolean"),
  // Its currency is the order's currency for every amount the ledger reads.
  current_total_price_set: req(moneySet("decimal", "currencyCode")),
  current_shipping_price_set: opt(money),
  // Read only when current_shipping_price_set is absent.
  total_shipping_price_set: opt(moneySet("stringOrNumber")),
  current_total_tax_set: opt(money),
  current_total_duties_set: optNull(money),
  total_outstanding: optNull("decimal"),
  total_tip_received: optNull("decimal"),
  line_items: optNull({ array: null }),
  shipping_lines: optNull({ array: null }),
  customer: optNull({ object: { admin_graphql_api_id: req({ gid: "Customer" }) } }),
};

const REFUND: Shape = {
  admin_graphql_api_id: req({ gid: "Refund" }),
  order_id: req("numericId"),
  created_at: req("timestamp"),
  refund_line_items: opt({ array: req({ object: { subtotal_set: req(money), total_tax_set: opt(money) } }) }),
  refund_shipping_lines: opt({ array: req({ object: {} }) }),
  order_adjustments: opt({ array: req({ object: {} }) }),
  transactions: opt({ array: req({ object: { kind: req("string"), status: req("string"), amount: req("stringOrNumber"), currency: optNull("string") } }) }),
};

const CUSTOMER: Shape = {
  admin_graphql_api_id: req({ gid: "Customer" }),
  updated_at: opt("timestamp"),
  email: optNull("string"),
  first_name: optNull("string"),
  last_name: optNull("string"),
};

const TAGS: Shape = { customerId: req({ gid: "Customer" }), tags: req({ array: req("string") }) };

const FULFILLMENT: Shape = {
  admin_graphql_api_id: req({ gidPrefix: "Fulfillment" }),
  order_id: req("numericId"),
  status: req("nonEmptyString"),
  created_at: req("timestamp"),
  updated_at: optNull("timestamp"),
  line_items: req({ array: req({ object: { admin_graphql_api_id: req({ gidPrefix: "LineItem" }), sku: optNull("string"), quantity: req("count") } }) }),
};

const INVENTORY_LEVEL: Shape = { inventory_item_id: req("numericId"), location_id: req("numericId") };

const COMPLIANCE: Shape = {
  shop_domain: req("string"),
  customer: opt({ object: { id: req("stringOrNumber"), email: optNull("string") } }),
  orders_to_redact: opt({ array: req("stringOrNumber") }),
  orders_requested: opt({ array: req("stringOrNumber") }),
};

/**
 * The fields each topic's handler requires. Topics left out are read leniently by the
 * worker (app/uninstalled, bulk_operations/finish skip what they cannot read; the
 * fulfillment_orders topics name their orders under several alternative keys).
 */
export const REQUIRED_SHAPES: Readonly<Record<string, Shape>> = {
  "orders/create": ORDER,
  "orders/paid": ORDER,
  "orders/updated": ORDER,
  "orders/cancelled": ORDER,
  "refunds/create": REFUND,
  "customers/create": CUSTOMER,
  "customers/update": CUSTOMER,
  "customers/delete": { admin_graphql_api_id: req({ gid: "Customer" }) },
  "customer.tags_added": TAGS,
  "customer.tags_removed": TAGS,
  "fulfillments/create": FULFILLMENT,
  "fulfillments/update": FULFILLMENT,
  "inventory_levels/update": INVENTORY_LEVEL,
  "customers/data_request": COMPLIANCE,
  "customers/redact": COMPLIANCE,
  "shop/redact": COMPLIANCE,
};

// --- Walking a body already known to be valid JSON ---------------------------------

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWhitespace(b: Uint8Array, i: number): number {
  while (i < b.length && isWhitespace(b[i])) i++;
  return i;
}

/** b[i] is a string's opening quote; the index after its closing quote. */
function skipString(b: Uint8Array, i: number): number {
  for (i++; b[i] !== QUOTE; i++) if (b[i] === BACKSLASH) i++;
  return i + 1;
}

/** The index after the value starting at i (valid JSON, so only strings need care inside containers). */
function skipValue(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (;;) {
      const d = b[i];
      if (d === QUOTE) {
        i = skipString(b, i);
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) if (--depth === 0) return i + 1;
      i++;
    }
  }
  while (i < b.length && b[i] !== COMMA && b[i] !== CLOSE_OBJECT && b[i] !== CLOSE_ARRAY && !isWhitespace(b[i])) i++;
  return i;
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** A number token's text. */
const latin1 = (b: Uint8Array, i: number, end: number) => asBuffer(b).toString("latin1", i, end);

/** The text of the string starting at i (a short allocation; JSON.parse only when it has escapes). */
function stringAt(b: Uint8Array, i: number, end: number): string {
  const buffer = asBuffer(b);
  if (b.subarray(i, end).includes(BACKSLASH)) return JSON.parse(buffer.toString("utf8", i, end)) as string;
  return buffer.toString("utf8", i + 1, end - 1);
}

/**
 * Where each wanted member's value starts and ends in the object at i (the last one for a repeated
 * key, as JSON.parse keeps), or -1 when absent. Keys are matched by their raw bytes, which
 * for the plain ASCII names Shopify uses is their text; a key spelled with escapes counts as
 * absent (refused; Shopify never writes one).
 */
function memberSpans(b: Uint8Array, i: number, keys: readonly string[], keyOffsets?: readonly number[]): { starts: number[]; ends: number[] } {
  const starts = new Array<number>(keys.length).fill(-1);
  const ends = new Array<number>(keys.length).fill(-1);
  // Known key offsets (from the grammar scan): only the wanted values are skipped over.
  if (keyOffsets) {
    for (const at of keyOffsets) {
      const found = keyIndex(b, at, keys);
      if (found < 0) continue;
      const value = skipWhitespace(b, skipWhitespace(b, skipString(b, at)) + 1);
      starts[found] = value;
      // A container's end is never read (its members are), so a large one is not walked.
      ends[found] = b[value] === OPEN_OBJECT || b[value] === OPEN_ARRAY ? -1 : skipValue(b, value);
    }
    return { starts, ends };
  }
  i = skipWhitespace(b, i + 1);
  while (b[i] !== CLOSE_OBJECT) {
    const keyEnd = skipString(b, i);
    const found = keyIndex(b, i, keys);
    // Past the colon to the value.
    const value = skipWhitespace(b, skipWhitespace(b, keyEnd) + 1);
    const end = skipValue(b, value);
    if (found >= 0) {
      starts[found] = value;
      ends[found] = end;
    }
    i = skipWhitespace(b, end);
    if (b[i] === COMMA) i = skipWhitespace(b, i + 1);
  }
  return { starts, ends };
}

/** Each key list's indices by key length: a body's key is compared only with wanted keys as long as it. */
const indicesByLength = new WeakMap<readonly string[], number[][]>();
function keysOfLength(keys: readonly string[], length: number): number[] | undefined {
  let byLength = indicesByLength.get(keys);
  if (!byLength) {
    const built: number[][] = [];
    keys.forEach((key, k) => (built[key.length] ??= []).push(k));
    indicesByLength.set(keys, (byLength = built));
  }
  return byLength[length];
}

/** Which of keys the key string at i spells (by its raw bytes), or -1. */
function keyIndex(b: Uint8Array, i: number, keys: readonly string[]): number {
  const keyLength = skipString(b, i) - i - 2;
  const candidates = keysOfLength(keys, keyLength);
  if (!candidates) return -1;
  for (const k of candidates) {
    const key = keys[k];
    let same = true;
    for (let j = 0; j < keyLength && same; j++) same = b[i + 1 + j] === key.charCodeAt(j);
    if (same) return k;
  }
  return -1;
}

const gidPatterns = new Map<string, RegExp>();
/** The worker's shopifyGid(kind): gid://shopify/<kind>/<digits> and nothing else. */
function gidPattern(kind: string): RegExp {
  let pattern = gidPatterns.get(kind);
  if (!pattern) gidPatterns.set(kind, (pattern = new RegExp(`^gid://shopify/${kind}/\\d+$`)));
  return pattern;
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const DIGITS = /^\d+$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;

const describeKind = (kind: Kind): string => {
  if (typeof kind === "string") {
    return {
      string: "a string",
      nonEmptyString: "a non-empty string",
      timestamp: "a date-time string",
      boolean: "true or false",
      decimal: "a decimal amount",
      numericId: "a numeric id",
      stringOrNumber: "a string or a number",
      count: "a whole number, 0 or more",
      currencyCode: "a three-letter currency code",
    }[kind];
  }
  if ("gid" in kind) return `a gid://shopify/${kind.gid}/<number> id`;
  if ("gidPrefix" in kind) return `a gid://shopify/${kind.gidPrefix}/ id`;
  return "object" in kind ? "an object" : "an array";
};

// A plain function, not a closure per call: tsx's keepNames wraps every closure made on the hot path.
function mustBe(path: string, kind: Kind): string {
  return `${path} must be ${describeKind(kind)}`;
}

/** null when the value at i (ending at end) is of the kind; otherwise the problem, at path. */
function valueProblem(b: Uint8Array, i: number, end: number, field: Field, path: string): string | null {
  const c = b[i];
  if (c === 0x6e /* null */) return field.nullable ? null : `${path} is null, expected ${describeKind(field.kind)}`;
  const kind = field.kind;
  const isString = c === QUOTE;
  const isNumber = c === 0x2d || (c >= 0x30 && c <= 0x39);
  if (typeof kind === "string") {
    switch (kind) {
      case "string":
        return isString ? null : mustBe(path, kind);
      case "nonEmptyString":
        return isString && end - i > 2 ? null : mustBe(path, kind);
      case "timestamp":
        return isString && !Number.isNaN(Date.parse(stringAt(b, i, end))) ? null : mustBe(path, kind);
      case "boolean":
        return c === 0x74 || c === 0x66 ? null : mustBe(path, kind);
      case "decimal":
        if (isNumber) return DECIMAL.test(latin1(b, i, end)) ? null : mustBe(path, kind);
        return isString && DECIMAL.test(stringAt(b, i, end)) ? null : mustBe(path, kind);
      case "numericId":
        if (isNumber) return DIGITS.test(latin1(b, i, end)) ? null : mustBe(path, kind);
        return isString && DIGITS.test(stringAt(b, i, end)) ? null : mustBe(path, kind);
      case "stringOrNumber":
        return isString || isNumber ? null : mustBe(path, kind);
      case "currencyCode":
        return isString && CURRENCY_CODE.test(stringAt(b, i, end)) ? null : mustBe(path, kind);
      case "count":
        return isNumber && DIGITS.test(latin1(b, i, end)) ? null : mustBe(path, kind);
    }
  }
  if ("gid" in kind) return isString && gidPattern(kind.gid).test(stringAt(b, i, end)) ? null : mustBe(path, kind);
  if ("gidPrefix" in kind) return isString && stringAt(b, i, end).startsWith(`gid://shopify/${kind.gidPrefix}/`) ? null : mustBe(path, kind);
  if ("object" in kind) return c === OPEN_OBJECT ? objectProblem(b, i, kind.object, path) : mustBe(path, kind);
  if (c !== OPEN_ARRAY) return mustBe(path, kind);
  const item = kind.array;
  if (!item) return null;
  let at = skipWhitespace(b, i + 1);
  for (let n = 0; b[at] !== CLOSE_ARRAY; n++) {
    const itemEnd = skipValue(b, at);
    const problem = valueProblem(b, at, itemEnd, item, `${path}[${n}]`);
    if (problem) return problem;
    at = skipWhitespace(b, itemEnd);
    if (b[at] === COMMA) at = skipWhitespace(b, at + 1);
  }
  return null;
}

const keysOfShape = new WeakMap<Shape, string[]>();

function objectProblem(b: Uint8Array, i: number, shape: Shape, path: string, keyOffsets?: readonly number[]): string | null {
  let keys = keysOfShape.get(shape);
  if (!keys) keysOfShape.set(shape, (keys = Object.keys(shape)));
  if (keys.length === 0) return null;
  const { starts, ends } = memberSpans(b, i, keys, keyOffsets);
  for (let k = 0; k < keys.length; k++) {
    const field = shape[keys[k]];
    const at = `${path}${path ? "." : ""}${keys[k]}`;
    if (starts[k] < 0) {
      if (field.optional) continue;
      return `${at} is missing, expected ${describeKind(field.kind)}`;
    }
    const problem = valueProblem(b, starts[k], ends[k], field, at);
    if (problem) return problem;
  }
  return null;
}

/**
 * null when the body (a JSON object, as jsonObjectProblem has established) has every field
 * the topic's handler needs, of the right type; otherwise which field is missing or wrong.
 * topLevelKeys: the key offsets jsonObjectProblem found, when it found them (saves a walk).
 */
export function payloadShapeProblem(topic: string, body: Uint8Array, topLevelKeys?: readonly number[]): string | null {
  const shape = REQUIRED_SHAPES[topic];
  if (!shape) return null;
  const problem = objectProblem(body, skipWhitespace(body, 0), shape, "", topLevelKeys?.length ? topLevelKeys : undefined);
  return problem && `${topic} payload: ${problem}`;
}
