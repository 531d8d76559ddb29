// Bulk query operations: the inner query runs page by page through the same resolvers and is
// streamed to a JSONL file in Shopify's format: one object per line, each nested connection's
// nodes as their own lines after their parent, carrying `__parentId`. Nothing holds the whole
// result in memory, so a 100k-order export stays small.
import { createWriteStream, existsSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  execute, getNamedType, isCompositeType, isListType, isNonNullType, Kind, parse, TypeInfo, validate, visit, visitWithTypeInfo,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type GraphQLObjectType, type SelectionSetNode, type GraphQLCompositeType,
} from "graphql";
import type { SimStore } from "../store/store.ts";
import type { SimBulkOperation } from "../store/types.ts";
import { BulkMutationRunner } from "./bulk-mutation.ts";
import { isConnectionType } from "./cost.ts";
import { simFieldResolver, simTypeResolver, type AdminContext } from "./resolvers.ts";

const PAGE_SIZE = 250;
/** Shopify's documented ceiling on connections in one bulk query. */
const MAX_BULK_CONNECTIONS = 5;

export interface BulkUserError {
  field: string[] | null;
  message: string;
  code: "INVALID" | "OPERATION_IN_PROGRESS";
}

export class BulkRunner {
  /** Running bulk queries by shop, by operation id. */
  private readonly running = new Map<string, Map<string, RunState>>();
  private readonly files = new Map<string, string>();
  /** Bulk mutations and their staged uploads. */
  readonly mutations: BulkMutationRunner;

  constructor(
    private readonly store: SimStore,
    private readonly schema: GraphQLSchema,
    private readonly origin: () => string,
    private readonly dir: string = tmpdir(),
  ) {
    this.mutations = new BulkMutationRunner(store, schema, origin, dir);
  }

  start(ctx: AdminContext, query: string, groupObjects: boolean): { bulkOperation: SimBulkOperation | null; userErrors: BulkUserError[] } {
    const domain = ctx.data.shop.domain;
    const active = this.running.get(domain) ?? new Map<string, RunState>();
    if (active.size >= concurrentBulkQueries(ctx.apiVersion)) {
      const first = active.keys().next().value;
      return { bulkOperation: null, userErrors: [{ field: null, message: `A bulk query operation for this app and shop is already in progress: gid://shopify/BulkOperation/${first}.`, code: "OPERATION_IN_PROGRESS" }] };
    }
    const checked = this.check(query);
    if ("error" in checked) return { bulkOperation: null, userErrors: [{ field: ["query"], message: checked.error, code: "INVALID" }] };
    const { id, gid } = { id: this.store.ids.next("BulkOperation"), gid: "" };
    const op: SimBulkOperation = {
      id, gid: `gid://shopify/BulkOperation/${id}`, shopDomain: domain, type: "QUERY", status: "CREATED", errorCode: null, query,
      objectCount: "0", rootObjectCount: "0", fileSize: null, filePath: null, url: null, partialDataUrl: null,
      createdAt: this.store.now().toISOString(), completedAt: null,
    };
    void gid;
    ctx.data.bulkOperations.set(id, op);
    const state: RunState = { cancelled: false, groupObjects, done: Promise.resolve() };
    state.done = new Promise<void>((resolve) => setImmediate(() => this.run(op, checked, state).finally(resolve)));
    active.set(id, state);
    this.running.set(domain, active);
    return { bulkOperation: op, userErrors: [] };
  }

  cancel(domain: string, opId: string): void {
    const state = this.running.get(domain)?.get(opId);
    if (state) {
      state.cancelled = true;
      const op = this.store.shop(domain).bulkOperations.get(opId);
      if (op) op.status = "CANCELING";
    }
  }

  /** Resolves when the shop's running bulk operations (if any) have finished. For tests. */
  async idle(domain: string): Promise<void> {
    await Promise.all([...(this.running.get(domain)?.values() ?? [])].map((s) => s.done));
  }

  filePath(opId: string): string | null {
    const path = this.files.get(opId) ?? this.mutations.filePath(opId);
    return path && existsSync(path) ? path : null;
  }

  removeFiles(): void {
    for (const path of this.files.values()) rmSync(path, { force: true });
    this.files.clear();
    this.mutations.removeFiles();
  }

  private check(query: string): { document: DocumentNode; operation: OperationDefinitionNode; root: FieldNode } | { error: string } {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (e) {
      return { error: `Invalid bulk query: ${(e as Error).message}` };
    }
    const errors = validate(this.schema, document);
    if (errors.length) return { error: `Invalid bulk query: ${errors[0].message}` };
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.length !== 1 || ops[0].operation !== "query") return { error: "Invalid bulk query: a bulk query must contain exactly one query operation." };
    const fields = ops[0].selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
    if (fields.length !== 1) return { error: "Invalid bulk query: bulk queries must have exactly one top-level field." };
    const root = fields[0];
    const def = this.schema.getQueryType()!.getFields()[root.name.value];
    if (!def || !isConnectionType(def.type)) return { error: "Invalid bulk query: Bulk queries must contain at least one connection." };
    let connections = 0;
    const typeInfo = new TypeInfo(this.schema);
    visit(document, visitWithTypeInfo(typeInfo, { Field: () => void (typeInfo.getFieldDef() && isConnectionType(typeInfo.getFieldDef()!.type) && connections++) }));
    if (connections > MAX_BULK_CONNECTIONS) return { error: `Invalid bulk query: Bulk queries cannot contain more than ${MAX_BULK_CONNECTIONS} connections.` };
    if (connectionInsideList(this.schema, document, this.schema.getQueryType()!, ops[0].selectionSet, false)) {
      return { error: "Invalid bulk query: Queries that contain a connection field within a list field are not currently supported." };
    }
    const problem = this.checkNestedIds(getNamedType(def.type) as GraphQLObjectType, root.selectionSet, 1);
    if (problem) return { error: problem };
    return { document, operation: ops[0], root };
  }

  /** Shopify requires `id` on the parent of every nested connection, and at most two levels. */
  private checkNestedIds(conn: GraphQLObjectType, set: SelectionSetNode | undefined, depth: number): string | null {
    const nodeType = getNamedType(conn.getFields().nodes?.type ?? conn.getFields().edges.type) as GraphQLCompositeType;
    for (const ns of nodeSelectionSets(set)) {
      const fields = ns.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
      for (const f of fields) {
        const fdef = "getFields" in nodeType ? nodeType.getFields()[f.name.value] : undefined;
        if (!fdef || !isConnectionType(fdef.type)) continue;
        if (depth >= 2) return "Invalid bulk query: Bulk queries cannot contain connections with a nesting depth greater than 2.";
        if (!fields.some((x) => x.name.value === "id" && !x.alias)) return `Invalid bulk query: The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'Node' type. Connection fields without 'id': ${f.name.value}.`;
        const nested = this.checkNestedIds(getNamedType(fdef.type) as GraphQLObjectType, f.selectionSet, depth + 1);
        if (nested) return nested;
      }
    }
    return null;
  }

  private pageDocument(document: DocumentNode, after: string | null): DocumentNode {
    let depth = 0;
    return visit(document, {
      OperationDefinition: { enter: () => void (depth = 0) },
      Field: {
        enter(node) {
          depth++;
          if (depth !== 1) return undefined;
          const args = (node.arguments ?? []).filter((a) => !["first", "last", "after", "before"].includes(a.name.value));
          args.push({ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "first" }, value: { kind: Kind.INT, value: String(PAGE_SIZE) } });
          if (after) args.push({ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "after" }, value: { kind: Kind.STRING, value: after } });
          const pageInfo: FieldNode = {
            kind: Kind.FIELD, alias: { kind: Kind.NAME, value: "__simPageInfo" }, name: { kind: Kind.NAME, value: "pageInfo" },
            selectionSet: { kind: Kind.SELECTION_SET, selections: ["hasNextPage", "endCursor"].map((f) => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: f } }) as FieldNode) },
          };
          return { ...node, arguments: args, selectionSet: { kind: Kind.SELECTION_SET, selections: [...(node.selectionSet?.selections ?? []), pageInfo] } };
        },
        leave() {
          depth--;
        },
      },
    });
  }

  private async run(op: SimBulkOperation, checked: { document: DocumentNode; root: FieldNode }, state: RunState): Promise<void> {
    const domain = op.shopDomain;
    const data = this.store.shop(domain);
    const path = join(this.dir, `tierline-sim-bulk-${op.id}.jsonl`);
    this.files.set(op.id, path);
    op.filePath = path;
    op.status = "RUNNING";
    const out = createWriteStream(path);
    let objects = 0;
    let roots = 0;
    let bytes = 0;
    const write = async (line: Record<string, unknown>) => {
      const text = `${JSON.stringify(line)}\n`;
      objects++;
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, "drain");
    };
    /** Writes a node's own line and returns its nested connections' nodes (with their parent id). */
    const emit = async (node: Record<string, unknown>, parentId: unknown) => {
      const line: Record<string, unknown> = {};
      const children: { node: Record<string, unknown>; parentId: unknown }[] = [];
      for (const [k, v] of Object.entries(node)) {
        if (isConnectionValue(v)) {
          const c = v as { edges?: { node: Record<string, unknown> }[]; nodes?: Record<string, unknown>[] };
          for (const child of c.nodes ?? c.edges!.map((e) => e.node)) children.push({ node: child, parentId: node.id });
        } else line[k] = v;
      }
      if (parentId !== undefined) line.__parentId = parentId;
      await write(line);
      return children;
    };
    // Grouped: each parent directly followed by its children. Ungrouped (Shopify's default from
    // 2026-01): a page's parents first, then their children, so a reader that assumes grouping breaks.
    const writePage = async (nodes: Record<string, unknown>[]) => {
      if (state.groupObjects) {
        const dfs = async (node: Record<string, unknown>, parentId: unknown): Promise<void> => {
          for (const child of await emit(node, parentId)) await dfs(child.node, child.parentId);
        };
        for (const n of nodes) await dfs(n, undefined);
        return;
      }
      let level = nodes.map((node) => ({ node, parentId: undefined as unknown }));
      while (level.length) {
        const next: typeof level = [];
        for (const { node, parentId } of level) next.push(...(await emit(node, parentId)));
        level = next;
      }
    };
    const ctx: AdminContext = { store: this.store, data, domain, bulk: true, apiVersion: "unstable", bulkRunner: this, pending: [] };
    const key = checked.root.alias?.value ?? checked.root.name.value;
    let failed = false;
    try {
      let after: string | null = null;
      for (;;) {
        if (state.cancelled) break;
        const result = await execute({ schema: this.schema, document: this.pageDocument(checked.document, after), contextValue: ctx, fieldResolver: simFieldResolver, typeResolver: simTypeResolver });
        if (result.errors?.length) {
          failed = true;
          break;
        }
        const conn = (result.data as Record<string, Record<string, unknown>>)[key];
        const pageInfo = conn.__simPageInfo as { hasNextPage: boolean; endCursor: string | null };
        const nodes = (conn.nodes as Record<string, unknown>[] | undefined) ?? (conn.edges as { node: Record<string, unknown> }[]).map((e) => e.node);
        roots += nodes.length;
        await writePage(nodes);
        if (!pageInfo.hasNextPage || !pageInfo.endCursor) break;
        after = pageInfo.endCursor;
        await new Promise((r) => setImmediate(r)); // let the server answer other requests
      }
    } catch {
      failed = true;
    }
    out.end();
    await once(out, "finish");
    op.objectCount = String(objects);
    op.rootObjectCount = String(roots);
    op.fileSize = objects ? String(bytes) : null;
    op.completedAt = this.store.now().toISOString();
    const url = `${this.origin()}/_sim/bulk/${op.id}.jsonl`;
    if (state.cancelled) op.status = "CANCELED";
    else if (failed) {
      op.status = "FAILED";
      op.errorCode = "INTERNAL_SERVER_ERROR";
      op.partialDataUrl = objects ? url : null;
    } else {
      op.status = "COMPLETED";
      op.url = objects ? url : null; // Shopify gives no url when nothing matched
    }
    this.running.get(domain)?.delete(op.id);
    this.store.emitBulkFinished(domain, op);
  }
}

/**
 * Whether a connection is selected somewhere under a list field (Order.refunds { refundLineItems }):
 * bulk operations refuse those, since a list element has no place as a JSONL parent.
 */
function connectionInsideList(schema: GraphQLSchema, document: DocumentNode, parent: GraphQLCompositeType, set: SelectionSetNode | undefined, inList: boolean): boolean {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.INLINE_FRAGMENT || sel.kind === Kind.FRAGMENT_SPREAD) {
      const frag = sel.kind === Kind.INLINE_FRAGMENT ? sel : document.definitions.find((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === sel.name.value);
      if (!frag) continue;
      const cond = frag.typeCondition ? (schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType | undefined) : parent;
      if (connectionInsideList(schema, document, cond ?? parent, frag.selectionSet, inList)) return true;
      continue;
    }
    const def = "getFields" in parent ? parent.getFields()[sel.name.value] : undefined;
    if (!def || !sel.selectionSet) continue;
    if (isConnectionType(def.type)) {
      if (inList) return true;
      // edges/nodes are lists by shape but are the connection itself, not a list field.
      const nodeType = getNamedType((getNamedType(def.type) as GraphQLObjectType).getFields().nodes.type) as GraphQLCompositeType;
      if (nodeSelectionSets(sel.selectionSet).some((ns) => connectionInsideList(schema, document, nodeType, ns, false))) return true;
      continue;
    }
    const named = getNamedType(def.type);
    if (!isCompositeType(named)) continue;
    const list = isListType(isNonNullType(def.type) ? def.type.ofType : def.type);
    if (connectionInsideList(schema, document, named, sel.selectionSet, inList || list)) return true;
  }
  return false;
}

/** The selection sets under a connection's `nodes { … }` and `edges { node { … } }`. */
function nodeSelectionSets(set: SelectionSetNode | undefined): SelectionSetNode[] {
  const sets: SelectionSetNode[] = [];
  for (const sel of set?.selections ?? []) {
    if (sel.kind !== Kind.FIELD || !sel.selectionSet) continue;
    if (sel.name.value === "nodes") sets.push(sel.selectionSet);
    if (sel.name.value === "edges") for (const e of sel.selectionSet.selections) if (e.kind === Kind.FIELD && e.name.value === "node" && e.selectionSet) sets.push(e.selectionSet);
  }
  return sets;
}

interface RunState {
  cancelled: boolean;
  groupObjects: boolean;
  done: Promise<void>;
}

/** API versions compare as strings; "unstable" is newer than any. */
function versionAtLeast(version: string, min: string): boolean {
  return version === "unstable" || version >= min;
}

/** One bulk query at a time per (app, shop) before 2026-01; up to five from 2026-01. */
export function concurrentBulkQueries(apiVersion: string): number {
  return versionAtLeast(apiVersion, "2026-01") ? 5 : 1;
}

/** groupObjects defaults to true before 2026-01, to false from 2026-01. */
export function groupObjectsByDefault(apiVersion: string): boolean {
  return !versionAtLeast(apiVersion, "2026-01");
}

function isConnectionValue(v: unknown): boolean {
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === "edges" || k === "nodes" || k === "pageInfo") && (Array.isArray((v as { edges?: unknown }).edges) || Array.isArray((v as { nodes?: unknown }).nodes));
}
