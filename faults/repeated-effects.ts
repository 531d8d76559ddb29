// What at-least-once delivery and retried jobs must never show, read after a run: a Shopify write
// made twice (the store already as the write would leave it), and a job processed twice to a
// different result (a customer's tier changes that do not follow one another, or one repeated).
// Shared by the fault-injection replay's report and so by the scale-out benchmark that runs it.
import type { MutationRecord } from "../simulator/store/types.ts";

export interface WritesMadeTwice {
  tags: number;
  metafields: number;
  deadlines: number;
  /** Of these, repeats made after a process fault (a worker killed, Redis restarted) that came after the first write. */
  acrossProcessFault: number;
  samples: string[];
  /** The repeats no process fault explains (what fails a run), for their owners' trails. */
  unexplained: RepeatedWrite[];
}

export interface RepeatedWrite {
  kind: "tags" | "metafields" | "deadlines";
  what: string;
  /** The resource written (an order, a customer, a fulfillment order). */
  owner: string;
  /** When the repeat was made, and when the write it repeats was (unknown for a tag: null). */
  at: string;
  firstAt: string | null;
}

/** Writes that found the store already as they would leave it, from the simulator's record of what each write changed. */
export function repeatedWrites(mutations: MutationRecord[]): RepeatedWrite[] {
  const out: RepeatedWrite[] = [];
  const lastValue = new Map<string, { value: string | null; at: string }>();
  const lastDeadline = new Map<string, { value: string; at: string }>();
  const lastTag = new Map<string, string>();
  for (const m of mutations) {
    if (!m.ok) continue;
    const d = m.detail;
    if (d.kind === "tagsAdd" || d.kind === "tagsRemove") {
      if (!d.tags.some((t) => t.startsWith("tierline:"))) continue;
      const key = `${d.kind}|${d.ownerGid}|${d.tags.join(",")}`;
      // A bulk operation's lines are charged nothing (only its start is): told apart for the reader.
      if (d.changed.length === 0) out.push({ kind: "tags", what: `${d.kind} ${d.tags.join(",")} on ${d.ownerGid}${m.cost === 0 ? " (a bulk operation's line)" : ""}`, owner: d.ownerGid, at: m.at, firstAt: lastTag.get(key) ?? null });
      lastTag.set(key, m.at);
    } else if (d.kind === "metafieldsSet") {
      // A call sets all of an owner's tier metafields, some unchanged beside those that move; it
      // was made twice for an owner when none of that owner's values moved.
      const owners = new Map<string, { unchanged: boolean; firstAt: string | null }>();
      for (const f of d.metafields) {
        const key = `${f.ownerGid}|${f.namespace}|${f.key}`;
        const last = lastValue.get(key);
        const seen = owners.get(f.ownerGid) ?? { unchanged: true, firstAt: null };
        owners.set(f.ownerGid, { unchanged: seen.unchanged && last !== undefined && last.value === f.value, firstAt: last && (seen.firstAt === null || last.at > seen.firstAt) ? last.at : seen.firstAt });
        lastValue.set(key, { value: f.value, at: m.at });
      }
      for (const [owner, { unchanged, firstAt }] of owners) {
        if (unchanged) out.push({ kind: "metafields", what: `metafieldsSet of nothing new on ${owner}`, owner, at: m.at, firstAt });
      }
    } else if (d.kind === "metafieldsDelete") {
      for (const f of d.metafields) lastValue.delete(`${f.ownerGid}|${f.namespace}|${f.key}`);
    } else if (d.kind === "fulfillmentOrdersSetFulfillmentDeadline") {
      for (const gid of d.fulfillmentOrderGids) {
        const last = lastDeadline.get(gid);
        if (last?.value === d.fulfillmentDeadline) out.push({ kind: "deadlines", what: `fulfillment deadline ${d.fulfillmentDeadline} set again on ${gid}`, owner: gid, at: m.at, firstAt: last.at });
        lastDeadline.set(gid, { value: d.fulfillmentDeadline, at: m.at });
      }
    }
  }
  return out;
}

/**
 * The repeats counted by kind. One made after a process fault that came after the write it
 * repeats is told apart: a worker killed between its write and recording it (or a Redis restart
 * that cut its job off) leaves the job to run again, and at-least-once gives a repeat there.
 */
export function writesMadeTwice(repeats: RepeatedWrite[], processFaults: Date[]): WritesMadeTwice {
  const out: WritesMadeTwice = { tags: 0, metafields: 0, deadlines: 0, acrossProcessFault: 0, samples: [], unexplained: [] };
  const excused: string[] = [];
  for (const r of repeats) {
    out[r.kind]++;
    const at = Date.parse(r.at);
    const from = r.firstAt === null ? -Infinity : Date.parse(r.firstAt);
    const fault = processFaults.find((f) => f.getTime() > from && f.getTime() <= at);
    if (fault) out.acrossProcessFault++;
    // The repeats no process fault explains are what fails a run: they are listed first.
    if (fault) excused.push(`${r.what} at ${r.at} (first ${r.firstAt ?? "earlier"}; a process fault at ${fault.toISOString()} between)`);
    else {
      out.unexplained.push(r);
      if (out.samples.length < 8) out.samples.push(`${r.what} at ${r.at} (first ${r.firstAt ?? "earlier"})`);
    }
  }
  out.samples.push(...excused.slice(0, Math.max(0, 8 - out.samples.length)));
  return out;
}

export interface RecordedTierChange {
  shop: string;
  customerGid: string;
  fromTier: string | null;
  toTier: string | null;
  occurredAt: Date;
}

/**
 * Tier changes, ordered by shop, customer and time, that do not go on from their customer's
 * previous one (or repeat it at the same instant): each recomputation saves on the version it
 * read, so a job run twice to a different result is what would break the chain.
 */
export function tierChangesOutOfChain(changes: RecordedTierChange[]): { count: number; samples: string[] } {
  const out = { count: 0, samples: [] as string[] };
  for (let i = 1; i < changes.length; i++) {
    const [a, b] = [changes[i - 1], changes[i]];
    if (a.shop !== b.shop || a.customerGid !== b.customerGid) continue;
    if (b.fromTier !== a.toTier || (a.toTier === b.toTier && a.occurredAt.getTime() === b.occurredAt.getTime())) {
      out.count++;
      if (out.samples.length < 5) out.samples.push(`${b.shop} ${b.customerGid}: ${a.fromTier}→${a.toTier} then ${b.fromTier}→${b.toTier} at ${b.occurredAt.toISOString()}`);
    }
  }
  return out;
}
