// Shopify Flow's side of `flowTriggerReceive`: the app's flow_trigger extensions, read from their
// shopify.extension.toml as the CLI deploys them, and a payload held against the trigger's declared
// fields. Reference fields arrive as the resource's numeric id under `customer_id`, `order_id`,
// `product_id`; custom fields under their `key`. An unknown handle, a missing or undeclared field,
// a value of the wrong type, or a payload over 50 KB is refused with userErrors, as Flow does.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseToml, type TomlTable } from "../webhooks/app-toml.ts";

export interface FlowTriggerField {
  type: string;
  /** Custom fields only; reference fields are named by their type. */
  key?: string;
  description?: string;
}

export interface FlowTriggerDeclaration {
  handle: string;
  name: string;
  fields: FlowTriggerField[];
  /** Where Flow tells the app a workflow using the trigger was enabled or disabled (absolute, or relative to the app's URL). */
  lifecycleCallbackUrl?: string;
}

/** The payload key of each reference field type. */
export const FLOW_REFERENCE_KEYS: Record<string, string> = {
  customer_reference: "customer_id",
  order_reference: "order_id",
  product_reference: "product_id",
};

/** Custom field types a trigger may declare, and what a payload value of each must be. */
const CUSTOM_TYPES: Record<string, (value: unknown) => boolean> = {
  single_line_text_field: (v) => typeof v === "string" && !/[\r\n]/.test(v),
  number_decimal: (v) => typeof v === "number" && Number.isFinite(v),
  boolean: (v) => typeof v === "boolean",
  email: (v) => typeof v === "string" && /^[^@\s]+@[^@\s]+$/.test(v),
  url: (v) => typeof v === "string" && URL.canParse(v),
};

export const FLOW_PAYLOAD_LIMIT_BYTES = 50_000;

export class FlowTriggerConfigError extends Error {}

/** One extension's triggers (none when it is another type). Throws on a declaration the CLI would refuse. */
export function readFlowTriggers(toml: string, where = "shopify.extension.toml"): FlowTriggerDeclaration[] {
  const root = parseToml(toml);
  const extensions = (Array.isArray(root.extensions) ? root.extensions : []) as TomlTable[];
  const settings = (root.settings ?? {}) as TomlTable;
  const fields = ((Array.isArray(settings.fields) ? settings.fields : []) as TomlTable[]).map((f) => ({
    type: String(f.type ?? ""),
    ...(typeof f.key === "string" ? { key: f.key } : {}),
    ...(typeof f.description === "string" ? { description: f.description } : {}),
  }));
  return extensions
    .filter((e) => e.type === "flow_trigger")
    .map((e) => {
      const handle = String(e.handle ?? "");
      if (!/^[A-Za-z0-9-]{1,30}$/.test(handle)) throw new FlowTriggerConfigError(`${where}: handle "${handle}" must be 1–30 letters, digits or hyphens`);
      if (typeof e.name !== "string" || !e.name) throw new FlowTriggerConfigError(`${where}: name is required`);
      const keys = new Set<string>();
      for (const field of fields) {
        const key = FLOW_REFERENCE_KEYS[field.type] ?? field.key;
        if (!FLOW_REFERENCE_KEYS[field.type] && !CUSTOM_TYPES[field.type]) throw new FlowTriggerConfigError(`${where}: field type "${field.type}" is not supported`);
        if (!key) throw new FlowTriggerConfigError(`${where}: a ${field.type} field needs a key`);
        if (keys.has(key)) throw new FlowTriggerConfigError(`${where}: field "${key}" is declared twice`);
        keys.add(key);
      }
      const callback = e.lifecycle_callback_url;
      if (callback !== undefined && (typeof callback !== "string" || !(callback.startsWith("https://") || /^\/(?!\/)/.test(callback)))) {
        throw new FlowTriggerConfigError(`${where}: lifecycle_callback_url must be an https URL or a path starting with "/"`);
      }
      return { handle, name: e.name, fields, ...(typeof callback === "string" ? { lifecycleCallbackUrl: callback } : {}) };
    });
}

/** Every flow_trigger extension under `dir` (each subfolder's shopify.extension.toml). */
export function loadFlowTriggers(dir: string): Map<string, FlowTriggerDeclaration> {
  const triggers = new Map<string, FlowTriggerDeclaration>();
  if (!existsSync(dir)) return triggers;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    for (const trigger of readFlowTriggers(readFileSync(file, "utf8"), file)) triggers.set(trigger.handle, trigger);
  }
  return triggers;
}

/** The project's own extensions (SIMULATOR_EXTENSIONS_DIR overrides). */
export const PROJECT_EXTENSIONS_DIR = join(import.meta.dirname, "../../extensions");
let projectTriggers: Map<string, FlowTriggerDeclaration> | null = null;
export function projectFlowTriggers(env: NodeJS.ProcessEnv = process.env): Map<string, FlowTriggerDeclaration> {
  return (projectTriggers ??= loadFlowTriggers(env.SIMULATOR_EXTENSIONS_DIR ?? PROJECT_EXTENSIONS_DIR));
}

export type FlowUserError = { field: string[]; message: string };

/** What Flow refuses in a trigger call; [] when it would start the trigger's workflows. */
export function checkFlowTriggerCall(triggers: ReadonlyMap<string, FlowTriggerDeclaration>, handle: unknown, payload: unknown): FlowUserError[] {
  if (typeof handle !== "string" || !handle) return [{ field: ["handle"], message: "Handle can't be blank" }];
  const trigger = triggers.get(handle);
  if (!trigger) return [{ field: ["handle"], message: `Invalid handle '${handle}': no trigger with this handle is deployed for the app` }];
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return [{ field: ["payload"], message: "Payload must be a JSON object" }];
  if (Buffer.byteLength(JSON.stringify(payload)) > FLOW_PAYLOAD_LIMIT_BYTES) return [{ field: ["payload"], message: `Payload is larger than ${FLOW_PAYLOAD_LIMIT_BYTES / 1000} KB` }];
  const errors: FlowUserError[] = [];
  const values = payload as Record<string, unknown>;
  const declared = new Set<string>();
  for (const field of trigger.fields) {
    const reference = FLOW_REFERENCE_KEYS[field.type];
    const key = reference ?? field.key!;
    declared.add(key);
    if (!(key in values) || values[key] === null) {
      errors.push({ field: ["payload", key], message: `Missing required field '${key}'` });
      continue;
    }
    const value = values[key];
    const ok = reference ? (typeof value === "number" && Number.isSafeInteger(value) && value > 0) || (typeof value === "string" && /^[1-9]\d*$/.test(value)) : CUSTOM_TYPES[field.type](value);
    if (!ok) errors.push({ field: ["payload", key], message: `Field '${key}' must be ${reference ? "a numeric resource id" : `a valid ${field.type}`}` });
  }
  for (const key of Object.keys(values)) if (!declared.has(key)) errors.push({ field: ["payload", key], message: `Field '${key}' is not declared by trigger '${handle}'` });
  return errors;
}
