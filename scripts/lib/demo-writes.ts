// The demo's account of what Tierline wrote to the store, from the simulator's record of every
// Admin API mutation (GET /_sim/shops/{shop}/mutations): grouped by what the merchant would call
// it, with the resources touched (deterministic for a seed) apart from the calls (which vary with
// how the writes were batched).

export type RecordedMutation = { kind: string; ok: boolean; detail: { kind: string; ownerGid?: string; metafields?: { ownerGid: string }[]; fulfillmentOrderGids?: string[]; handle?: string | null } };

export type WriteGroup = { label: string; calls: number; refused: number; what: string[] };

const GROUPS: { label: string; kinds: string[] }[] = [
  { label: "tier tags", kinds: ["tagsAdd", "tagsRemove"] },
  { label: "metafields", kinds: ["metafieldsSet", "metafieldsDelete", "metafieldDefinitionCreate"] },
  { label: "ship-by deadlines", kinds: ["fulfillmentOrdersSetFulfillmentDeadline", "fulfillmentOrderMerge", "fulfillmentOrderMove"] },
  { label: "Flow triggers", kinds: ["flowTriggerReceive"] },
  { label: "stock", kinds: ["inventoryAdjustQuantities"] },
  { label: "bulk operations", kinds: ["bulkOperationRunQuery", "bulkOperationRunMutation", "stagedUploadsCreate"] },
];

const ownerType = (gid: string) => /gid:\/\/shopify\/(\w+)\//.exec(gid)?.[1]?.toLowerCase() ?? "resource";
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export function groupWrites(mutations: readonly RecordedMutation[]): WriteGroup[] {
  const groups: WriteGroup[] = [];
  const known = new Set(GROUPS.flatMap((g) => g.kinds));
  const other = mutations.filter((m) => !known.has(m.kind));
  for (const { label, kinds } of [...GROUPS, { label: "other", kinds: [...new Set(other.map((m) => m.kind))] }]) {
    const of = mutations.filter((m) => kinds.includes(m.kind));
    if (of.length === 0) continue;
    const ok = of.filter((m) => m.ok);
    const what: string[] = [];
    for (const kind of kinds) {
      const done = ok.filter((m) => m.kind === kind);
      if (done.length === 0) continue;
      const owners = new Map<string, Set<string>>();
      const add = (gid: string) => (owners.get(ownerType(gid)) ?? owners.set(ownerType(gid), new Set()).get(ownerType(gid))!).add(gid);
      let values = 0;
      for (const m of done) {
        if (m.detail.ownerGid) add(m.detail.ownerGid);
        for (const v of m.detail.metafields ?? []) {
          add(v.ownerGid);
          values++;
        }
        for (const gid of m.detail.fulfillmentOrderGids ?? []) add(gid);
      }
      const touched = [...owners].map(([type, set]) => plural(set.size, type.replace("fulfillmentorder", "fulfillment order"))).join(", ");
      const handles = kind === "flowTriggerReceive" ? [...new Set(done.map((m) => m.detail.handle))].map((h) => `${done.filter((m) => m.detail.handle === h).length} ${h}`) : [];
      what.push(`${kind} ×${done.length}${values ? ` (${plural(values, "value")})` : ""}${touched ? ` on ${touched}` : ""}${handles.length ? `: ${handles.join(", ")}` : ""}`);
    }
    groups.push({ label, calls: of.length, refused: of.length - ok.length, what });
  }
  return groups;
}

/** The summary's lines: one per group, and where the raw record is. */
export function describeWrites(mutations: readonly RecordedMutation[], rawUrl: string, pointsSpent: number): string[] {
  const groups = groupWrites(mutations);
  if (groups.length === 0) return [`Tierline wrote nothing to the store (raw record: ${rawUrl})`];
  const width = Math.max(...groups.map((g) => g.label.length));
  return [
    `What Tierline wrote to the store, ${plural(mutations.length, "call")} for ${plural(pointsSpent, "Admin API point")} (raw record: ${rawUrl}):`,
    ...groups.map((g) => `  ${g.label.padEnd(width)}  ${g.what.join("; ") || "nothing accepted"}${g.refused ? `; ${g.refused} answered with userErrors` : ""}`),
    "  (the customers, orders and values are the same on every run with a seed; the calls and points vary with how writes were batched)",
  ];
}
