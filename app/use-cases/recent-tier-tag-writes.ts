// The tier tag this process's sync last recorded for a member, kept for a minute: the
// customer.tags_added / tags_removed echoes of that write (one or two a tier change) are then
// recognised without reading the member's row (issue 9: a round trip each on PostgreSQL).
// The row stays the authority: a member this process did not write, or wrote over a minute ago,
// or whose echo does not match what was written, is looked up as before. Another worker may
// have written a newer tag within the minute; an echo of this process's own older write is
// still an echo, and only a merchant re-adding that older tag by hand in the same minute would
// wait for the next sync that reads the member's tags.
import { classifyTagChange } from "../domain/tier-tags.ts";

/** Echoes come within seconds of their write. */
const REMEMBERED_MS = 60_000;
/** A flash sale's worth of members; the oldest are forgotten first. */
const MAX_MEMBERS = 50_000;

const written = new Map<string, { tag: string | null; at: number }>();

const keyOf = (shop: string, customerGid: string) => `${shop}|${customerGid}`;

/** The sync recorded `tag` (null: none) as the member's tier tag, about to be written. */
export function rememberTierTagWrite(shop: string, customerGid: string, tag: string | null, now = Date.now()): void {
  const key = keyOf(shop, customerGid);
  written.delete(key);
  written.set(key, { tag, at: now });
  if (written.size > MAX_MEMBERS) written.delete(written.keys().next().value!);
}

/** Whether a tag change is the echo of this process's own recent write (false: look at the row). */
export function isEchoOfRecentWrite(shop: string, customerGid: string, change: { added: readonly string[]; removed: readonly string[] }, now = Date.now()): boolean {
  const entry = written.get(keyOf(shop, customerGid));
  if (!entry || now - entry.at > REMEMBERED_MS) return false;
  return classifyTagChange({ ...change, expectedOwnedTags: entry.tag ? [entry.tag] : [], pinned: false }).kind === "ECHO";
}
