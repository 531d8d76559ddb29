// Shopify's calculated query cost, approximated the way its docs describe it:
// scalars and enums 0, objects 1, connections 2 + (first|last) × the cost of one node,
// every mutation field 10 (metafieldsSet: 10 plus a weight per distinct owner).
// The requested cost is computed from the document; the actual cost from what was returned.
import {
  getNamedType, isAbstractType, isCompositeType, isInterfaceType, isLeafType, isListType, isNonNullType, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType,
  type GraphQLField, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
  type GraphQLObjectType, type GraphQLOutputType,
} from "graphql";

export const MAX_QUERY_COST = 1000;
export const MUTATION_COST = 10;
/** metafieldsSet: weight per distinct owner, by owner type (others count 1). */
export const METAFIELD_OWNER_WEIGHT: Record<string, number> = { Customer: 1, Order: 10 };

type Variables = Record<string, unknown>;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Variables;
}

function collectFields(w: Walk, parent: GraphQLCompositeType, set: SelectionSetNode | undefined, out: { node: FieldNode; parent: GraphQLCompositeType }[] = []) {
  if (!set) return out;
  for (const sel of set.selections) {
    if (sel.kind === "Field") out.push({ node: sel, parent });
    else if (sel.kind === "InlineFragment") {
      const t = sel.typeCondition ? (w.schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType) : parent;
      collectFields(w, t ?? parent, sel.selectionSet, out);
    } else {
      const frag = w.fragments.get(sel.name.value);
      if (frag) collectFields(w, (w.schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType) ?? parent, frag.selectionSet, out);
    }
  }
  return out;
}

function fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!("getFields" in parent)) return undefined;
  return (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[name];
}

function args(w: Walk, node: FieldNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of node.arguments ?? []) out[a.name.value] = valueFromASTUntyped(a.value, w.variables);
  return out;
}

export function isConnectionType(t: GraphQLOutputType): boolean {
  const named = getNamedType(t);
  return named.name.endsWith("Connection") && "getFields" in named && "edges" in (named as GraphQLObjectType).getFields();
}

function isList(t: GraphQLOutputType): boolean {
  return isListType(isNonNullType(t) ? t.ofType : t);
}

/** Cost of one node of a connection: the larger of `edges { node }` and `nodes`. */
function connectionNodeCost(w: Walk, conn: GraphQLObjectType, field: FieldNode, data?: unknown): { perNode: number; actual?: number } {
  const nodeType = getNamedType(conn.getFields().nodes?.type ?? conn.getFields().edges.type) as GraphQLCompositeType;
  let perNode = 0;
  let actual = 0;
  for (const { node } of collectFields(w, conn, field.selectionSet)) {
    const name = node.name.value;
    const value = data && typeof data === "object" ? (data as Record<string, unknown>)[node.alias?.value ?? name] : undefined;
    if (name === "nodes") {
      perNode = Math.max(perNode, 1 + selectionCost(w, nodeType, node.selectionSet));
      if (Array.isArray(value)) actual = Math.max(actual, value.reduce((s: number, v) => s + 1 + selectionCost(w, nodeType, node.selectionSet, v), 0));
    } else if (name === "edges") {
      const edgeType = getNamedType(conn.getFields().edges.type) as GraphQLObjectType;
      for (const e of collectFields(w, edgeType, node.selectionSet)) {
        if (e.node.name.value !== "node") continue;
        perNode = Math.max(perNode, 1 + selectionCost(w, nodeType, e.node.selectionSet));
        if (Array.isArray(value)) {
          actual = Math.max(actual, value.reduce((s: number, edge) => s + 1 + selectionCost(w, nodeType, e.node.selectionSet, (edge as Record<string, unknown>)?.[e.node.alias?.value ?? "node"]), 0));
        }
      }
    }
  }
  return { perNode, actual };
}

/**
 * Cost of a selection set. Without `data` it is the requested (worst-case) cost; with `data`
 * (the value returned for that selection) it is the actual cost.
 */
function selectionCost(w: Walk, parent: GraphQLCompositeType, set: SelectionSetNode | undefined, data?: unknown): number {
  if (data === null) return 0;
  const fields = collectFields(w, parent, set);
  // Requested cost of an interface or union: the most expensive of its possible types' selections
  // (the actual cost only sees the fields the returned type answered).
  if (data === undefined && isAbstractType(parent)) {
    let most = 0;
    for (const t of w.schema.getPossibleTypes(parent)) {
      const applies = fields.filter((f) => f.parent === parent || f.parent === t || (isInterfaceType(f.parent) && t.getInterfaces().includes(f.parent)));
      most = Math.max(most, applies.reduce((sum, f) => sum + fieldCost(w, f.node, f.parent, undefined), 0));
    }
    return most;
  }
  return fields.reduce((sum, f) => sum + fieldCost(w, f.node, f.parent, data), 0);
}

/** One field's cost; `data` is its parent's returned value (undefined: requested cost). */
function fieldCost(w: Walk, node: FieldNode, p: GraphQLCompositeType, data: unknown): number {
  const actualMode = data !== undefined;
  if (node.name.value.startsWith("__")) return 0;
  const def = fieldDef(p, node.name.value);
  if (!def) return 0;
  const named = getNamedType(def.type);
  if (isLeafType(named)) return 0;
  const value = actualMode ? (data as Record<string, unknown>)?.[node.alias?.value ?? node.name.value] : undefined;
  if (actualMode && (value === undefined || value === null)) return 0;
  if (isConnectionType(def.type)) {
    const a = args(w, node);
    const n = Number(a.first ?? a.last ?? 1) || 1;
    const { perNode, actual } = connectionNodeCost(w, named as GraphQLObjectType, node, value);
    return 2 + (actualMode ? actual ?? 0 : n * perNode);
  }
  if (!isCompositeType(named)) return 0;
  if (isList(def.type)) {
    if (actualMode) return (value as unknown[]).reduce((s: number, v) => s + 1 + selectionCost(w, named, node.selectionSet, v), 0);
    const a = args(w, node);
    // nodes(ids:) asks for one object per id.
    const n = Array.isArray(a.ids) ? Math.max(a.ids.length, 1) : Number(a.first ?? 1) || 1;
    return n * (1 + selectionCost(w, named, node.selectionSet));
  }
  return 1 + selectionCost(w, named, node.selectionSet, value);
}

function mutationFieldCost(w: Walk, node: FieldNode): number {
  if (node.name.value === "metafieldsSet") {
    const input = args(w, node).metafields;
    const owners = new Set<string>();
    if (Array.isArray(input)) for (const m of input) if (m && typeof m === "object" && typeof (m as { ownerId?: unknown }).ownerId === "string") owners.add((m as { ownerId: string }).ownerId);
    let weight = 0;
    for (const owner of owners) {
      const type = /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(owner)?.[1] ?? "";
      weight += METAFIELD_OWNER_WEIGHT[type] ?? 1;
    }
    return MUTATION_COST + weight;
  }
  return MUTATION_COST;
}

export interface CostInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Variables;
}

function walkOf(input: CostInput): Walk {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of input.document.definitions) if (d.kind === "FragmentDefinition") fragments.set(d.name.value, d);
  return { schema: input.schema, fragments, variables: input.variables };
}

export function requestedQueryCost(input: CostInput): number {
  const w = walkOf(input);
  if (input.operation.operation === "mutation") {
    return input.operation.selectionSet.selections.reduce((s, sel) => s + (sel.kind === "Field" && !sel.name.value.startsWith("__") ? mutationFieldCost(w, sel) : 0), 0);
  }
  return selectionCost(w, input.schema.getQueryType()!, input.operation.selectionSet);
}

export function actualQueryCost(input: CostInput, data: unknown): number {
  const w = walkOf(input);
  if (input.operation.operation === "mutation") return requestedQueryCost(input);
  return selectionCost(w, input.schema.getQueryType()!, input.operation.selectionSet, data ?? {});
}
