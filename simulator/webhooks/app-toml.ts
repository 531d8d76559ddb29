// A reader for the part of TOML that `shopify.app.toml` uses: comments,
// `[table]` and `[[array.of.tables]]` headers with dotted names, and
// `key = value` with strings, numbers, booleans and (multi-line) arrays of
// those. Enough to learn what Shopify itself reads from the file: the app
// URL, client id, webhook subscriptions and access scopes.

import { readFileSync } from "node:fs";

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable | TomlTable[];
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {}

function splitKey(raw: string, line: number): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let pos = 0;
  while (pos < raw.length) {
    re.lastIndex = pos;
    const m = re.exec(raw);
    if (!m) throw new TomlError(`line ${line}: bad key "${raw}"`);
    parts.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : (m[2] ?? m[3]));
    pos = re.lastIndex;
    if (!m[4]) break;
  }
  return parts;
}

/** Parses one value starting at `src[pos]`; returns it and the position after it. */
function parseValue(src: string, pos: number, line: () => number): [TomlValue, number] {
  const skip = (p: number) => {
    for (;;) {
      while (p < src.length && /\s/.test(src[p])) p++;
      if (src[p] === "#") {
        while (p < src.length && src[p] !== "\n") p++;
        continue;
      }
      return p;
    }
  };
  pos = skip(pos);
  const ch = src[pos];
  if (src.startsWith('"""', pos)) {
    const end = src.indexOf('"""', pos + 3);
    if (end < 0) throw new TomlError(`line ${line()}: unterminated string`);
    return [src.slice(pos + 3, end).replace(/^\n/, ""), end + 3];
  }
  if (ch === '"') {
    const m = /"((?:[^"\\\n]|\\.)*)"/y;
    m.lastIndex = pos;
    const r = m.exec(src);
    if (!r) throw new TomlError(`line ${line()}: unterminated string`);
    return [JSON.parse(`"${r[1]}"`), m.lastIndex];
  }
  if (ch === "'") {
    const end = src.indexOf("'", pos + 1);
    if (end < 0) throw new TomlError(`line ${line()}: unterminated string`);
    return [src.slice(pos + 1, end), end + 1];
  }
  if (ch === "[") {
    const out: TomlValue[] = [];
    pos = skip(pos + 1);
    while (src[pos] !== "]") {
      const [v, next] = parseValue(src, pos, line);
      out.push(v);
      pos = skip(next);
      if (src[pos] === ",") pos = skip(pos + 1);
      else if (src[pos] !== "]") throw new TomlError(`line ${line()}: expected , or ] in array`);
    }
    return [out, pos + 1];
  }
  if (ch === "{") {
    const table: TomlTable = {};
    pos = skip(pos + 1);
    while (src[pos] !== "}") {
      const eq = src.indexOf("=", pos);
      const keys = splitKey(src.slice(pos, eq).trim(), line());
      const [v, next] = parseValue(src, eq + 1, line);
      setPath(table, keys, v, line());
      pos = skip(next);
      if (src[pos] === ",") pos = skip(pos + 1);
      else if (src[pos] !== "}") throw new TomlError(`line ${line()}: expected , or } in inline table`);
    }
    return [table, pos + 1];
  }
  const m = /(true|false|[+-]?[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9]+)?)/y;
  m.lastIndex = pos;
  const r = m.exec(src);
  if (!r) throw new TomlError(`line ${line()}: unsupported value`);
  const v = r[1] === "true" ? true : r[1] === "false" ? false : Number(r[1].replace(/_/g, ""));
  return [v, m.lastIndex];
}

function setPath(root: TomlTable, keys: string[], value: TomlValue, line: number) {
  let t = root;
  for (const k of keys.slice(0, -1)) {
    const next = t[k];
    if (next === undefined) t = t[k] = {};
    else if (Array.isArray(next)) t = next[next.length - 1] as TomlTable;
    else if (typeof next === "object") t = next;
    else throw new TomlError(`line ${line}: ${k} is not a table`);
  }
  const last = keys[keys.length - 1];
  if (last in t) throw new TomlError(`line ${line}: duplicate key ${keys.join(".")}`);
  t[last] = value;
}

export function parseToml(src: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  let pos = 0;
  const lineAt = () => src.slice(0, pos).split("\n").length;
  while (pos < src.length) {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
    if (pos >= src.length) break;
    if (src[pos] === "#") {
      while (pos < src.length && src[pos] !== "\n") pos++;
      continue;
    }
    if (src[pos] === "[") {
      const isArray = src[pos + 1] === "[";
      const close = src.indexOf(isArray ? "]]" : "]", pos);
      if (close < 0) throw new TomlError(`line ${lineAt()}: unterminated table header`);
      const keys = splitKey(src.slice(pos + (isArray ? 2 : 1), close).trim(), lineAt());
      let t = root;
      for (const k of keys.slice(0, -1)) {
        const next = t[k] ?? (t[k] = {});
        t = (Array.isArray(next) ? next[next.length - 1] : next) as TomlTable;
      }
      const last = keys[keys.length - 1];
      if (isArray) {
        const arr = (t[last] ?? (t[last] = [])) as TomlTable[];
        if (!Array.isArray(arr)) throw new TomlError(`line ${lineAt()}: ${keys.join(".")} is not an array of tables`);
        arr.push({});
        current = arr[arr.length - 1];
      } else {
        const existing = t[last];
        current = (existing && typeof existing === "object" && !Array.isArray(existing) ? existing : (t[last] = {})) as TomlTable;
      }
      pos = close + (isArray ? 2 : 1);
      continue;
    }
    const eq = src.indexOf("=", pos);
    const nl = src.indexOf("\n", pos);
    if (eq < 0 || (nl >= 0 && nl < eq)) throw new TomlError(`line ${lineAt()}: expected key = value`);
    const keys = splitKey(src.slice(pos, eq).trim(), lineAt());
    const [value, next] = parseValue(src, eq + 1, lineAt);
    setPath(current, keys, value, lineAt());
    pos = next;
    while (pos < src.length && src[pos] !== "\n" && /\s/.test(src[pos])) pos++;
    if (src[pos] === "#") while (pos < src.length && src[pos] !== "\n") pos++;
    if (pos < src.length && src[pos] !== "\n") throw new TomlError(`line ${lineAt()}: unexpected text after value`);
  }
  return root;
}

// ---------------------------------------------------------------- what Shopify reads

export interface WebhookSubscription {
  topics: string[];
  /** As written: absolute, or a path resolved against the application URL. */
  uri: string;
  /** Declared through `compliance_topics`. */
  compliance: boolean;
  filter?: string;
  includeFields?: string[];
  /** Sent as X-Shopify-Name with every delivery of this subscription. */
  name?: string;
}

export interface AppToml {
  clientId: string | null;
  name: string | null;
  handle: string | null;
  applicationUrl: string | null;
  embedded: boolean;
  webhooksApiVersion: string | null;
  subscriptions: WebhookSubscription[];
  scopes: string[];
  optionalScopes: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

export function readAppToml(src: string): AppToml {
  const t = parseToml(src);
  const webhooks = (t.webhooks ?? {}) as TomlTable;
  const subs: WebhookSubscription[] = [];
  for (const s of (Array.isArray(webhooks.subscriptions) ? webhooks.subscriptions : []) as TomlTable[]) {
    const uri = str(s.uri);
    if (!uri) continue;
    const filter = str(s.filter) ?? undefined;
    const includeFields = Array.isArray(s.include_fields) ? strings(s.include_fields) : undefined;
    const name = str(s.name) ?? undefined;
    const topics = strings(s.topics);
    if (topics.length) subs.push({ topics, uri, compliance: false, filter, includeFields, ...(name ? { name } : {}) });
    const compliance = strings(s.compliance_topics);
    if (compliance.length) subs.push({ topics: compliance, uri, compliance: true, ...(name ? { name } : {}) });
  }
  const access = (t.access_scopes ?? {}) as TomlTable;
  const splitScopes = (v: unknown) =>
    (Array.isArray(v) ? strings(v) : (str(v) ?? "").split(","))
      .map((x) => x.trim())
      .filter(Boolean);
  return {
    clientId: str(t.client_id),
    name: str(t.name),
    handle: str(t.handle),
    applicationUrl: str(t.application_url),
    embedded: t.embedded !== false,
    webhooksApiVersion: str(webhooks.api_version),
    subscriptions: subs,
    scopes: splitScopes(access.scopes),
    optionalScopes: splitScopes(access.optional_scopes),
  };
}

export function readAppTomlFile(path: string): AppToml {
  return readAppToml(readFileSync(path, "utf8"));
}

/** The endpoint a subscription delivers to: a relative uri is appended to the app URL, as the CLI does. */
export function resolveSubscriptionUri(uri: string, appUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) return uri;
  return `${appUrl.replace(/\/+$/, "")}/${uri.replace(/^\/+/, "")}`;
}
