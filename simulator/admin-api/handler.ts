// The Admin GraphQL endpoint: POST /admin/api/{version}/graphql.json. Requests are authenticated
// with the shop's offline token, validated and executed against the real Admin SDL, charged to a
// leaky bucket per (app, shop), and answered with Shopify's `extensions.cost`.
import {
  coerceInputValue, execute, getOperationAST, GraphQLError, isInputType, isNonNullType, parse, typeFromAST, validate, valueFromAST, valueFromASTUntyped, visit, BREAK,
  type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type VariableDefinitionNode,
} from "graphql";
import { createReadStream, statSync } from "node:fs";
import { normalizeDomain, type SimStore } from "../store/store.ts";
import { HttpError, sendJson, type Router } from "../router.ts";
import { BulkRunner } from "./bulk.ts";
import { actualQueryCost, MAX_QUERY_COST, requestedQueryCost } from "./cost.ts";
import { MAX_INPUT_ARRAY, simFieldResolver, simTypeResolver, wireResolvers, type AdminContext } from "./resolvers.ts";
import { adminSchema } from "./schema.ts";
import { LeakyBucket, type ThrottleStatus } from "./throttle.ts";

export const INVALID_TOKEN_BODY = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };
export const THROTTLE_DOCS = "https://shopify.dev/api/usage/rate-limits";
/** The version the app targets; what a request without one in its path is answered as. */
export const DEFAULT_API_VERSION = "2026-01";

export interface ThrottleConfig {
  /** Answer THROTTLED as HTTP 429 instead of a 200 body. */
  http429?: boolean;
  bucketSize?: number;
  restoreRate?: number;
}

export interface AdminApiOptions {
  store: SimStore;
  /** The simulator's origin, for bulk result URLs. */
  origin: () => string;
  /** Milliseconds clock for the leaky buckets (tests inject a fake one). */
  clock?: () => number;
  throttle?: ThrottleConfig;
  bulkDir?: string;
}

export interface GraphqlRequestBody {
  query?: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

export interface GraphqlAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export class AdminApi {
  readonly schema: GraphQLSchema;
  readonly bulk: BulkRunner;
  readonly store: SimStore;
  clock: () => number;
  private readonly buckets = new Map<string, LeakyBucket>();
  private readonly throttleByShop = new Map<string, ThrottleConfig>();
  private defaultThrottle: ThrottleConfig;
  /** Tokens other than the installation's offline one that Shopify also accepts (online tokens from token exchange). */
  private otherTokens: (domain: string, token: string) => boolean = () => false;

  constructor(options: AdminApiOptions) {
    this.store = options.store;
    this.schema = adminSchema();
    wireResolvers(this.schema);
    this.clock = options.clock ?? Date.now;
    this.defaultThrottle = options.throttle ?? {};
    this.bulk = new BulkRunner(options.store, this.schema, options.origin, options.bulkDir);
  }

  /** Per shop (or, without a shop, the default for all shops). */
  setThrottleConfig(domain: string | null, config: ThrottleConfig): void {
    if (domain === null) this.defaultThrottle = { ...this.defaultThrottle, ...config };
    else this.throttleByShop.set(normalizeDomain(domain), { ...this.throttleByShop.get(normalizeDomain(domain)), ...config });
  }

  throttleConfig(domain: string): ThrottleConfig {
    return { ...this.defaultThrottle, ...this.throttleByShop.get(normalizeDomain(domain)) };
  }

  /** The leaky bucket for (installed app, shop), sized from the config or the shop's plan. */
  bucket(domain: string): LeakyBucket {
    const data = this.store.shop(domain);
    const cfg = this.throttleConfig(domain);
    const size = cfg.bucketSize ?? data.shop.plan.bucketSize;
    const rate = cfg.restoreRate ?? data.shop.plan.restoreRate;
    const key = `${data.shop.installation?.appId ?? "none"}:${data.shop.domain}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = new LeakyBucket(size, rate, () => this.clock());
      this.buckets.set(key, b);
    } else if (b.size !== size || b.restoreRate !== rate) b.reconfigure(size, rate);
    return b;
  }

  /** Lets the auth half vouch for the online access tokens it issued. */
  acceptAccessTokens(check: (domain: string, token: string) => boolean): void {
    this.otherTokens = check;
  }

  resetBuckets(): void {
    this.buckets.clear();
  }

  /** Runs one Admin API request as Shopify would answer it. */
  async graphql(domainHeader: string, token: string | undefined, body: GraphqlRequestBody, apiVersion = DEFAULT_API_VERSION): Promise<GraphqlAnswer> {
    const domain = normalizeDomain(domainHeader);
    const data = this.store.findShop(domain);
    if (!data) return { status: 404, body: { errors: "Not Found" }, headers: {} };
    const tokenValid = !!token && (token === data.shop.installation?.accessToken || (!!data.shop.installation && this.otherTokens(data.shop.domain, token)));
    if (!tokenValid) return { status: 401, body: INVALID_TOKEN_BODY, headers: {} };
    if (typeof body.query !== "string" || body.query.trim() === "") {
      return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } }, headers: {} };
    }
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (e) {
      return ok({ errors: [shopifyError(e as GraphQLError)] });
    }
    const validationErrors = validate(this.schema, document);
    // Static failures carry no cost: Shopify rejects them before calculating one.
    if (validationErrors.length) return ok({ errors: validationErrors.map((e) => withQueryPath(document, shopifyError(e), e)) });
    const operation = getOperationAST(document, body.operationName ?? undefined);
    if (!operation) return ok({ errors: [{ message: body.operationName ? `No operation named "${body.operationName}"` : "An operation name is required", extensions: { code: "OPERATION_NOT_FOUND" } }] });
    const coerced = coerceVariables(this.schema, operation.variableDefinitions ?? [], body.variables ?? {});
    if (coerced.errors.length) return ok({ errors: coerced.errors.map(shopifyError) });

    const bucket = this.bucket(domain);
    const costInput = { schema: this.schema, document, operation, variables: coerced.coerced };
    const requested = requestedQueryCost(costInput);
    // What a refused request reports: its requested cost, nothing charged.
    const uncharged = () => ({ cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: bucket.status() } satisfies Cost });
    if (requested > MAX_QUERY_COST) {
      return ok({
        errors: [{
          message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n`,
          extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: MAX_QUERY_COST },
        }],
        extensions: uncharged(),
      });
    }
    // Shopify refuses any array input over 250 items before running anything.
    const oversized = oversizedInputs(document, coerced.coerced);
    if (oversized.length) {
      return ok({ errors: oversized.map(shopifyError), extensions: uncharged() });
    }
    if (!bucket.tryTake(requested)) {
      const throttled = {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: THROTTLE_DOCS } }],
        extensions: uncharged(),
      };
      if (this.throttleConfig(domain).http429) {
        const wait = Math.max(1, Math.ceil((requested - bucket.available()) / bucket.restoreRate));
        return { status: 429, body: throttled, headers: { "Retry-After": String(wait) } };
      }
      return ok(throttled);
    }

    const ctx: AdminContext = { store: this.store, data, domain, bulk: false, apiVersion, bulkRunner: this.bulk, pending: [] };
    const result = (await execute({
      schema: this.schema, document, operationName: body.operationName ?? undefined, variableValues: body.variables ?? {},
      contextValue: ctx, fieldResolver: simFieldResolver, typeResolver: simTypeResolver,
    })) as ExecutionResult;
    const actual = Math.min(requested, actualQueryCost(costInput, result.data));
    bucket.refund(requested - actual);
    this.store.addPointsSpent(domain, actual, operation.name?.value ?? "");
    const at = this.store.now().toISOString();
    // A request of several mutation fields (aliases) shares its cost among them: each record says what its own field cost.
    const share = ctx.pending.length > 1 ? actual / ctx.pending.length : actual;
    for (const m of ctx.pending) this.store.recordMutation({ ...m, shop: data.shop.domain, at, cost: share });
    const answer: Record<string, unknown> = {};
    if (result.errors?.length) answer.errors = result.errors.map(shopifyError);
    answer.data = result.data ?? null;
    answer.extensions = { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() } satisfies Cost };
    return ok(answer);
  }

  registerRoutes(router: Router): void {
    router.post("/admin/api/:version/graphql.json", async ({ req, res, params, body }) => {
      if (!/^(\d{4}-(01|04|07|10)|unstable)$/.test(params.version)) {
        throw new HttpError(404, "Not Found", { errors: "Not Found" });
      }
      // The app's network-edge fetch rewrites https://{shop}/admin/... to the simulator and names the shop here.
      const shop = headerValue(req.headers["x-forwarded-host"]) ?? headerValue(req.headers.host) ?? "";
      const token = headerValue(req.headers["x-shopify-access-token"]);
      const text = await body();
      const contentType = headerValue(req.headers["content-type"]) ?? "";
      let parsed: GraphqlRequestBody;
      if (contentType.includes("application/graphql")) parsed = { query: text };
      else {
        try {
          parsed = text ? (JSON.parse(text) as GraphqlRequestBody) : {};
        } catch {
          throw new HttpError(400, "bad json", { errors: { query: "Required parameter missing or invalid" } });
        }
      }
      const answer = await this.graphql(shop, token, parsed, params.version);
      sendJson(res, answer.status, answer.body, { "X-Shopify-API-Version": params.version, ...answer.headers });
    });

    // A staged upload's target (Shopify's is a cloud storage bucket): a multipart form, the
    // target's parameters, then the file. 201 with an empty body, as success_action_status asks.
    router.post("/_sim/staged-uploads", async ({ req, res, body }) => {
      const contentType = headerValue(req.headers["content-type"]) ?? "";
      if (!contentType.startsWith("multipart/form-data")) throw new HttpError(400, "Bad Request", { error: "a multipart/form-data upload is expected" });
      let form: FormData;
      try {
        form = await new Response(await body(), { headers: { "Content-Type": contentType } }).formData();
      } catch {
        throw new HttpError(400, "Bad Request", { error: "malformed multipart body" });
      }
      const key = form.get("key");
      const file = form.get("file");
      if (typeof key !== "string" || file === null) throw new HttpError(400, "Bad Request", { error: "key and file are required" });
      const content = typeof file === "string" ? file : await file.text();
      if (!this.bulk.mutations.receive(key, content)) throw new HttpError(403, "Forbidden", { error: "AccessDenied: no such upload target" });
      res.writeHead(201).end();
    });

    router.get("/_sim/bulk/:id.jsonl", ({ res, params }) => {
      const path = this.bulk.filePath(params.id);
      if (!path) throw new HttpError(404, "Not Found", { errors: "Not Found" });
      res.writeHead(200, { "Content-Type": "application/jsonl", "Content-Length": statSync(path).size });
      return new Promise<void>((resolve, reject) => {
        createReadStream(path).on("error", reject).pipe(res).on("finish", resolve);
      });
    });
  }
}

/**
 * Variable coercion as graphql-js does it (its own helper lives in a subpath module that can load
 * as a second copy of graphql, so this uses the public coerceInputValue instead).
 */
function coerceVariables(schema: GraphQLSchema, defs: readonly VariableDefinitionNode[], inputs: Record<string, unknown>): { coerced: Record<string, unknown>; errors: GraphQLError[] } {
  const coerced: Record<string, unknown> = {};
  const errors: GraphQLError[] = [];
  // Shopify's (graphql-ruby's) shape: one error per variable, the problems listed in extensions.
  const invalid = (def: VariableDefinitionNode, type: string, value: unknown, problems: { path: (string | number)[]; explanation: string }[]) =>
    new GraphQLError(`Variable $${def.variable.name.value} of type ${type} was provided invalid value`, { nodes: def, extensions: { code: "INVALID_VARIABLE", value: value ?? null, problems } });
  for (const def of defs) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type as never);
    if (!type || !isInputType(type)) continue; // validation already reported it
    if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
      if (def.defaultValue) coerced[name] = valueFromAST(def.defaultValue, type);
      else if (isNonNullType(type)) errors.push(invalid(def, String(type), null, [{ path: [], explanation: "Expected value to not be null" }]));
      continue;
    }
    const value = inputs[name];
    if (value === null && isNonNullType(type)) {
      errors.push(invalid(def, String(type), null, [{ path: [], explanation: "Expected value to not be null" }]));
      continue;
    }
    const problems: { path: (string | number)[]; explanation: string }[] = [];
    coerced[name] = coerceInputValue(value, type, (path, _bad, error) => problems.push({ path: [...path], explanation: error.message }));
    if (problems.length) errors.push(invalid(def, String(type), value, problems));
  }
  return { coerced, errors };
}

/** Every argument (literal or variable, at any depth) holding an array of more than 250 items. */
function oversizedInputs(document: DocumentNode, variables: Record<string, unknown>): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const largest = (value: unknown): number => {
    if (Array.isArray(value)) return Math.max(value.length, ...value.map(largest));
    if (value && typeof value === "object") return Math.max(0, ...Object.values(value).map(largest));
    return 0;
  };
  visit(document, {
    Argument(node) {
      const size = largest(valueFromASTUntyped(node.value, variables));
      if (size > MAX_INPUT_ARRAY) {
        errors.push(new GraphQLError(`The input array size of ${size} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`, { nodes: node, extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" } }));
      }
    },
  });
  return errors;
}

/**
 * graphql-ruby's path for a field a static check refused: the operation ("query", "mutation
 * Name"), then fragments and fields down to it ("query", "shop", "nmae").
 */
function withQueryPath(document: DocumentNode, formatted: GraphQLFormattedError, error: GraphQLError): GraphQLFormattedError {
  const target = error.nodes?.[0];
  if (!target || target.kind !== "Field" || formatted.extensions?.code !== "undefinedField") return formatted;
  let path: string[] | undefined;
  visit(document, {
    Field: {
      enter(node, _key, _parent, _path, ancestors) {
        if (node !== target) return undefined;
        path = [];
        for (const a of [...ancestors, node]) {
          if (!a || Array.isArray(a) || typeof a !== "object" || !("kind" in a)) continue;
          if (a.kind === "OperationDefinition") path.push(a.name ? `${a.operation} ${a.name.value}` : a.operation);
          else if (a.kind === "FragmentDefinition") path.push(`fragment ${a.name.value}`);
          else if (a.kind === "InlineFragment") path.push(a.typeCondition ? `... on ${a.typeCondition.name.value}` : "...");
          else if (a.kind === "Field") path.push(a.alias?.value ?? a.name.value);
        }
        return BREAK;
      },
    },
  });
  return path ? { message: formatted.message, locations: formatted.locations, path, extensions: formatted.extensions } : formatted;
}

function ok(body: unknown): GraphqlAnswer {
  return { status: 200, body, headers: {} };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * graphql-js errors in Shopify's shape: the messages and extension codes graphql-ruby gives
 * Shopify for the same failures.
 */
export function shopifyError(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON ? error.toJSON() : { message: error.message };
  if (formatted.extensions?.code) return formatted;
  const m = error.message;
  let message = m;
  let extensions: Record<string, unknown> | undefined;
  let r: RegExpExecArray | null;
  if ((r = /^Cannot query field "(.+?)" on type "(.+?)"/.exec(m))) {
    message = `Field '${r[1]}' doesn't exist on type '${r[2]}'`;
    extensions = { code: "undefinedField", typeName: r[2], fieldName: r[1] };
  } else if ((r = /^Unknown argument "(.+?)" on field "(.+?)\.(.+?)"/.exec(m))) {
    message = `Field '${r[3]}' doesn't accept argument '${r[1]}'`;
    extensions = { code: "argumentNotAccepted", name: r[3], typeName: "Field", argumentName: r[1] };
  } else if ((r = /^Field "(.+?)" argument "(.+?)" of type "(.+?)" is required/.exec(m))) {
    message = `Field '${r[1]}' is missing required arguments: ${r[2]}`;
    extensions = { code: "missingRequiredArguments", className: "Field", name: r[1], arguments: r[2] };
  } else if ((r = /^Variable "\$(.+?)" of type "(.+?)" used in position expecting/.exec(m))) {
    extensions = { code: "variableMismatch", variableName: r[1], typeName: r[2] };
  } else if (/^(Expected value of type|String cannot represent|Int cannot represent|Float cannot represent|Boolean cannot represent|ID cannot represent|Enum ".+" cannot represent|Value ".+" does not exist)/.test(m)) {
    extensions = { code: "argumentLiteralsIncompatible", typeName: "CoercionError" };
  } else if (/^Syntax Error/.test(m)) extensions = { code: "PARSE_ERROR" };
  else if ((r = /^Unknown type "(.+?)"/.exec(m))) extensions = { code: "undefinedType", typeName: r[1] };
  else if ((r = /^Field "(.+?)" of type "(.+?)" must have a selection of subfields/.exec(m))) {
    message = `Field must have selections (field '${r[1]}' returns ${r[2].replace(/[![\]]/g, "")} but has no selections. Did you mean '${r[1]} { ... }'?)`;
    extensions = { code: "selectionMismatch", nodeName: `field '${r[1]}'`, typeName: r[2].replace(/[![\]]/g, "") };
  } else if ((r = /^Variable "\$(.+?)" is never used(?: in operation "(.+?)")?/.exec(m))) {
    message = `Variable $${r[1]} is declared by ${r[2] ?? "anonymous query"} but not used`;
    extensions = { code: "variableNotUsed", variableName: r[1] };
  }
  return extensions ? { ...formatted, message, extensions } : formatted;
}
