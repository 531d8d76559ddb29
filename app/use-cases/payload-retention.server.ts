// Stored webhook payloads carry personal data (names, emails, addresses). They are
// needed until their delivery is done and a little after (inspection, support), then
// blanked: the row stays (its webhook id still recognises a redelivery), the payload goes.
import type { Db } from "../db.server.ts";
import { blankExpiredPayloads } from "../adapters/db/erasure-repository.server.ts";

export const PAYLOAD_BLANK_BATCH = 500;
/** Per run; a backlog larger than this is worked off by the next runs. */
export const PAYLOAD_BLANK_MAX_BATCHES = 40;

export async function blankExpiredWebhookPayloads(db: Db, { retentionMs, now, batchSize = PAYLOAD_BLANK_BATCH, maxBatches = PAYLOAD_BLANK_MAX_BATCHES }: { retentionMs: number; now: Date; batchSize?: number; maxBatches?: number }): Promise<{ blanked: number; more: boolean }> {
  const before = new Date(now.getTime() - retentionMs);
  let blanked = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const count = await blankExpiredPayloads(db, before, batchSize, now);
    blanked += count;
    if (count < batchSize) return { blanked, more: false };
  }
  return { blanked, more: true };
}
