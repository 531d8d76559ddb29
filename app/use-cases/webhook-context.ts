// What a webhook use-case gets: the database, the delivery, its parsed payload,
// and how to ask for tier recomputation of the customers it touched.
import type { Db } from "../db.server.ts";
import type { PromiseWorkRequest } from "../adapters/queues/promise-jobs.server.ts";
import type { ContactWriteOutcome } from "../adapters/db/customer-tier-statements.server.ts";
import type { OrderWriteOutcome } from "../adapters/db/ledger-repository.server.ts";
import type { OrderSnapshot } from "../domain/order-ledger.ts";

export type TierRecomputeCause = "order" | "refund" | "cancellation" | "customer" | "manual" | "rule_change" | "window" | "backfill";

export interface WebhookContext {
  db: Db;
  shop: string;
  topic: string;
  webhookId: string;
  payload: unknown;
  now: Date;
  /**
   * An earlier attempt of this same delivery ran and may have stopped half-way (its effect stored,
   * its recomputation not queued): use-cases then finish what it began even when the effect is
   * already there. Absent or false on a first attempt.
   */
  retry?: boolean;
  /**
   * False when the shop had no erasure tombstone as the delivery was loaded (read in the same
   * statement): the erasure guard's first look is then answered without a statement. Absent:
   * the guard looks itself. Its look after the write never relies on this.
   */
  shopHasTombstones?: boolean;
  /**
   * Records this delivery's end (done) in the statement that also looks for the shop's erasure
   * tombstones: true when recorded (the shop has none, so nothing the handler wrote names an
   * erased subject), false when it recorded nothing. The erasure guard's look after the write
   * uses it when given (the webhook job gives it); absent, the guard looks with a statement of its own.
   */
  closeUnlessShopHasTombstones?(outcome: WebhookOutcome): Promise<boolean>;
  /**
   * Recompute these customers' tiers (the worker runs it in the job; requests for one customer
   * running at once share a run). There the erasure look after the recomputation's write is the
   * delivery's: its close when the shop has no tombstone, else a look of its own (process-webhook.ts).
   */
  requestTierRecompute(customerGids: string[], cause: TierRecomputeCause): Promise<void>;
  /** Queue delivery-promise work for an order (make, cancel, refit). Absent where no promise queue runs. */
  requestPromiseWork?(work: PromiseWorkRequest): Promise<void>;
  /**
   * customers/create|update: the delivery's contact was already written with its batch's (one
   * statement for a batch's customers on PostgreSQL), with this outcome. Absent: the handler writes it.
   */
  contactSaved?: ContactWriteOutcome;
  /**
   * orders/*: the delivery's order version was already written to the ledger with its batch's (one
   * statement for a batch's orders on PostgreSQL): the snapshot read from the payload and the
   * write's outcome. Never given for a payload that lists refunds (those are stored before the order).
   * Absent: the handler writes it.
   */
  orderSaved?: OrderSaved;
  /** Queue shop-level follow-up work (purge after uninstall). */
  schedulePurge(uninstalledAt: Date): Promise<void>;
}

export type OrderSaved = { snapshot: OrderSnapshot; outcome: OrderWriteOutcome };

export type WebhookOutcome = {
  status: "processed" | "skipped";
  note?: string;
  /** The delivery's end is already recorded (by closeUnlessShopHasTombstones). */
  closed?: boolean;
};
