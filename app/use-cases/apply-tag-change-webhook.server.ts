// customer.tags_added / customer.tags_removed: Tierline's own tag writes come back
// as these webhooks (echoes, ignored); a merchant changing a tier tag by hand is
// corrected by the next sync, unless the customer is pinned, whose tags the
// merchant owns (see sync-shop-tiers.server.ts). Merchant tags are not ours.
import { z } from "zod/v4";
import { loadCustomerRow } from "../adapters/db/customer-tier-statements.server.ts";
import { parseFields, shopifyGid } from "../adapters/shopify/webhook-payloads.ts";
import { classifyTagChange, ownedTierTags } from "../domain/tier-tags.ts";
import { isEchoOfRecentWrite } from "./recent-tier-tag-writes.ts";
import type { WebhookContext, WebhookOutcome } from "./webhook-context.ts";

const TagsPayload = z.object({
  customerId: shopifyGid("Customer"),
  tags: z.array(z.string()),
});

/** The customer and tags of a customer.tags_added|removed payload; PayloadError naming the bad fields. */
export function tagChangeFromPayload(payload: unknown): z.infer<typeof TagsPayload> {
  return parseFields(TagsPayload, payload, "Customer tags payload");
}

export async function applyTagChangeWebhook(ctx: WebhookContext): Promise<WebhookOutcome> {
  const { customerId: customerGid, tags } = tagChangeFromPayload(ctx.payload);
  if (ownedTierTags(tags).length === 0) return { status: "processed", note: "no Tierline tag involved" };

  const added = ctx.topic === "customer.tags_added" ? tags : [];
  const removed = ctx.topic === "customer.tags_removed" ? tags : [];
  // The echo of this process's own write, recognised without the row (recent-tier-tag-writes.ts).
  if (isEchoOfRecentWrite(ctx.shop, customerGid, { added, removed })) return { status: "processed", note: "echo of Tierline's own write" };
  const row = (await loadCustomerRow(ctx.db, ctx.shop, customerGid))?.row;
  if (row?.deletedAt) return { status: "skipped", note: "customer was deleted" };
  if (!row || row.tierKey === null) {
    // A tier tag on someone Tierline has not evaluated yet: evaluate, and the sync sets the right tag.
    await ctx.requestTierRecompute([customerGid], "customer");
    return { status: "processed", note: "tier tag on a customer not yet evaluated; recomputing" };
  }

  const pinned = row.pinnedTierKey !== null && (row.pinnedUntil === null || row.pinnedUntil.getTime() > ctx.now.getTime());
  const decision = classifyTagChange({ added, removed, expectedOwnedTags: row.writtenTierTag ? [row.writtenTierTag] : [], pinned });
  switch (decision.kind) {
    case "NOT_OURS":
      return { status: "processed", note: "no Tierline tag involved" };
    case "ECHO":
      return { status: "processed", note: "echo of Tierline's own write" };
    case "RESPECT":
      return { status: "processed", note: `pinned member: merchant's tag change kept (${[...decision.ownedAdded.map((t) => `+${t}`), ...decision.ownedRemoved.map((t) => `-${t}`)].join(" ")})` };
    case "CORRECT":
      // Forget what was written so the next sync compares with Shopify and repairs the tags.
      await ctx.db.customer.updateMany({ where: { shop: ctx.shop, customerGid }, data: { writtenDigest: null, syncStatus: "pending" } });
      await ctx.requestTierRecompute([customerGid], "customer");
      return { status: "processed", note: `merchant changed a tier tag (${[...decision.ownedAdded.map((t) => `+${t}`), ...decision.ownedRemoved.map((t) => `-${t}`)].join(" ")}); correcting` };
  }
}
