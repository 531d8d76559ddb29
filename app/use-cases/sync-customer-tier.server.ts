// Write one customer's saved tier to Shopify: the tier tag (add the tier's tag,
// remove only tags Tierline owns) and the app-owned metafields. Load → decide
// (domain: planTierTags, tierMetafields) → write only what differs → save what was
// written. Nothing is read or written when the saved digest and tag already match
// what Tierline last wrote, so orders that change nothing cost no API points; a
// spend change within a tier is one metafieldsSet, without a read.
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readCustomerTagsAndMetafields } from "../adapters/shopify/admin-operations/customer-tags-and-metafields.ts";
import { deleteMetafields } from "../adapters/shopify/admin-operations/metafields-delete.ts";
import { setMetafields } from "../adapters/shopify/admin-operations/metafields-set.ts";
import { addTags } from "../adapters/shopify/admin-operations/tags-add.ts";
import { removeTags } from "../adapters/shopify/admin-operations/tags-remove.ts";
import { classifyShopifyError, ShopifyRetryableError } from "../adapters/shopify/shopify-errors.ts";
import { metafieldDigest, TIER_METAFIELD_NAMESPACE, tierMetafields, type TierMetafield } from "../domain/tier-metafields.ts";
import { tierIndex } from "../domain/tier-rules.ts";
import { planTierTags } from "../domain/tier-tags.ts";
import { memberStateFromRow } from "./recompute-customer-tier.server.ts";

/** Failures are thrown (after being recorded on the row), so the job's retry takes over. */
export type SyncStatus = "unchanged" | "written" | "skipped";

export interface SyncCustomerTierResult {
  customerGid: string;
  status: SyncStatus;
  note?: string;
  /** Admin API reads made (writes are listed below). */
  reads: number;
  tagsAdded: string[];
  tagsRemoved: string[];
  metafieldsSet: string[];
  metafieldsDeleted: string[];
}

export interface SyncCustomerTierInput {
  db: Db;
  shop: string;
  customerGid: string;
  /** Called only when Shopify must be read or written (so a no-op sync never loads a session). */
  admin: () => Promise<AdminRunner>;
  /** Compare with Shopify even when the saved digest says nothing changed (after a merchant edit). */
  force?: boolean;
}

const sameTag = (a: string | null | undefined, b: string | null | undefined) => (a ?? "").trim().toLowerCase() === (b ?? "").trim().toLowerCase();

/** A row changed under the sync (a recomputation, a tag webhook): start over, comparing with Shopify. */
const MAX_ROUNDS = 4;

export async function syncCustomerTier(input: SyncCustomerTierInput): Promise<SyncCustomerTierResult> {
  const { db, shop, customerGid } = input;
  const result: SyncCustomerTierResult = { customerGid, status: "unchanged", reads: 0, tagsAdded: [], tagsRemoved: [], metafieldsSet: [], metafieldsDeleted: [] };
  let force = input.force ?? false;
  let runner: AdminRunner | undefined;

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [row, rules] = await Promise.all([db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid } } }), loadTierRules(db, shop)]);
    if (!row || row.deletedAt) return { ...result, status: "skipped", note: "no such customer" };
    if (row.tierKey === null || tierIndex(rules, row.tierKey) < 0) return { ...result, status: "skipped", note: "tier not computed under the current rules" };

    const state = memberStateFromRow(row);
    const metafields = tierMetafields({ rules, state, spend: { qualifyingSpendMinor: row.qualifyingSpend }, reviewAt: row.reviewAt });
    const digest = metafieldDigest(metafields);
    const targetTag = rules.tiers[tierIndex(rules, row.tierKey)].tag;
    // A pinned member's tier tag is written once; after that a merchant's hand edits of it stand.
    const tagsSettledByMerchant = state.pin !== null && sameTag(row.writtenTierTag, targetTag);

    if (!force && row.writtenDigest === digest && sameTag(row.writtenTierTag, targetTag)) {
      if (row.syncStatus === "synced") return result;
      const { count } = await db.customer.updateMany({
        where: { shop, customerGid, updatedAt: row.updatedAt },
        data: { syncStatus: "synced", syncAttempts: 0, syncError: null },
      });
      if (count === 1) return result;
      force = true;
      continue;
    }

    // What must be read first. The last complete sync wrote this tier's tag (and tag edits
    // since then arrive as webhooks that clear the digest), so only a new tier needs the
    // current tags. Metafield values are compared when a write is being repaired, and
    // read when some value must be deleted; otherwise they are simply all set (one call
    // costs the same for one value or eight).
    const lastSyncComplete = !force && row.writtenDigest !== null;
    const tagsKnown = lastSyncComplete && sameTag(row.writtenTierTag, targetTag);
    const withMetafields = !lastSyncComplete || metafields.some((m) => m.value === null);

    let writtenTierTag: string | null = targetTag;
    let version = row.updatedAt;
    try {
      let currentTags: string[] | null = null;
      let currentMetafields: Map<string, { type: string; value: string }> | null = null;
      if (!tagsKnown || withMetafields) {
        runner ??= await input.admin();
        const current = await readCustomerTagsAndMetafields(runner, customerGid, TIER_METAFIELD_NAMESPACE, { withMetafields });
        result.reads++;
        if (!current) {
          await db.customer.updateMany({ where: { shop, customerGid }, data: { syncStatus: "failed", syncError: "customer not found in Shopify" } });
          return { ...result, status: "skipped", note: "customer not found in Shopify" };
        }
        currentTags = current.tags;
        currentMetafields = current.metafields;
      }
      runner ??= await input.admin();
      const { toSet, toDelete } = metafieldChanges(metafields, currentMetafields);
      const plan =
        tagsSettledByMerchant || currentTags === null
          ? { add: [], remove: [], blockedByTagLimit: false }
          : planTierTags({ currentTags, rules, tierKey: row.tierKey });
      if (plan.blockedByTagLimit) writtenTierTag = null;

      // Metafields first: Flow and other apps reacting to the tag then read the new values.
      if (toSet.length) {
        await setMetafields(
          runner,
          toSet.map((m) => ({ ownerId: customerGid, namespace: m.namespace, key: m.key, type: m.type, value: m.value as string })),
        );
        result.metafieldsSet.push(...toSet.map((m) => m.key));
      }
      if (plan.add.length || plan.remove.length) {
        // Record the tag about to be written before writing it, so its echo
        // (customer.tags_added/removed, which can arrive before this sync ends) is
        // recognised. The digest is cleared until the write is confirmed: if it
        // fails, the next sync compares with Shopify instead of trusting the row.
        const announced = await announceTierTag(db, shop, customerGid, version, writtenTierTag);
        if (announced === null) {
          force = true;
          continue;
        }
        version = announced;
      }
      // Add before remove: a member is never briefly without a tier tag.
      if (plan.add.length) {
        await addTags(runner, customerGid, plan.add);
        result.tagsAdded.push(...plan.add);
      }
      if (plan.remove.length) {
        await removeTags(runner, customerGid, plan.remove);
        result.tagsRemoved.push(...plan.remove);
      }
      // Values that no longer apply (e.g. "next tier" at the top tier) go last: stale for a moment is harmless.
      if (toDelete.length) {
        await deleteMetafields(runner, toDelete.map((m) => ({ ownerId: customerGid, namespace: m.namespace, key: m.key })));
        result.metafieldsDeleted.push(...toDelete.map((m) => m.key));
      }
    } catch (error) {
      await recordFailure(db, shop, customerGid, error);
      throw error;
    }

    const wrote = result.tagsAdded.length + result.tagsRemoved.length + result.metafieldsSet.length + result.metafieldsDeleted.length > 0;
    if (wrote) result.status = "written";
    const { count } = await db.customer.updateMany({
      where: { shop, customerGid, updatedAt: version },
      data: {
        writtenTierTag,
        writtenDigest: digest,
        syncStatus: "synced",
        syncAttempts: 0,
        syncError: writtenTierTag === null ? "tier tag not added: the customer already has 250 tags" : null,
      },
    });
    if (count === 1) return result;
    // Saved state moved on while writing: compare again with what Shopify now holds.
    force = true;
  }
  // Still moving: whatever keeps changing the row has queued its own sync.
  return { ...result, note: "row kept changing; left pending for the next sync" };
}

/** Compare-and-set on the row version; the new version, or null when the row moved on. */
async function announceTierTag(db: Db, shop: string, customerGid: string, version: Date, tag: string | null): Promise<Date | null> {
  try {
    const saved = await db.customer.update({
      where: { shop_customerGid: { shop, customerGid }, updatedAt: version },
      data: { writtenTierTag: tag, writtenDigest: null },
      select: { updatedAt: true },
    });
    return saved.updatedAt;
  } catch (error) {
    if ((error as { code?: string }).code === "P2025") return null;
    throw error;
  }
}

/** Without the current values (not read), every value is set and nothing is known to need deleting. */
function metafieldChanges(desired: TierMetafield[], current: Map<string, { type: string; value: string }> | null) {
  const toSet: TierMetafield[] = [];
  const toDelete: TierMetafield[] = [];
  for (const m of desired) {
    if (current === null) {
      if (m.value !== null) toSet.push(m);
      continue;
    }
    const existing = current.get(m.key);
    if (m.value === null) {
      if (existing) toDelete.push(m);
    } else if (!existing || existing.value !== m.value || existing.type !== m.type) {
      toSet.push(m);
    }
  }
  return { toSet, toDelete };
}

async function recordFailure(db: Db, shop: string, customerGid: string, error: unknown): Promise<void> {
  const classified = classifyShopifyError(error);
  const message = (classified ?? (error as Error)).message ?? String(error);
  await db.customer.updateMany({
    where: { shop, customerGid },
    data: {
      syncStatus: "failed",
      syncError: message.slice(0, 1_000),
      // Attempts count what will be retried; a terminal failure waits for a new cause.
      ...(classified === null || classified instanceof ShopifyRetryableError ? { syncAttempts: { increment: 1 } } : {}),
    },
  });
}
