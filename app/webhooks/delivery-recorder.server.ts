// Durably records accepted deliveries and queues them, in batches.
//
// Each delivery must be in the database and in Redis before its 200 goes out.
// Doing that one request at a time costs a database write and a Redis round trip
// per webhook; under load the recorder instead writes everything that arrived
// while the previous batch was in flight as one INSERT (in the writer thread) and
// one addBulk. A batch gathers what arrives within gatherMs of its first delivery
// and goes out as one job (a lone delivery as its own job): the worker's cost is
// per job more than per delivery (process-webhook.ts).
import type { Queue } from "bullmq";
import type { DeliveryRow } from "../adapters/db/delivery-store.server.ts";
import type { JobPayload } from "../adapters/queues/queue-registry.ts";
import { deliveryJobs } from "../adapters/queues/webhook-delivery-jobs.server.ts";
import type { DeliveryWriter } from "./delivery-writer.server.ts";

/** A delivery's row before it is written: the body still as the bytes that were signed. */
export interface AcceptedDelivery extends Omit<DeliveryRow, "payload" | "receivedAt"> {
  /** The body exactly as signed. */
  rawBody: Uint8Array;
}

interface Pending {
  /** Let go once settled: the watch list outlives the request by up to timeoutMs. */
  delivery: AcceptedDelivery | null;
  deadline: number;
  resolve(): void;
  reject(error: Error): void;
}

export class DeliveryNotKeptError extends Error {}

export interface DeliveryRecorderOptions {
  writer: DeliveryWriter;
  queue: Queue<JobPayload<"webhooks">>;
  /** Most deliveries written in one batch. */
  maxBatch?: number;
  /** A delivery not kept within this time is answered 503 so Shopify retries it. */
  timeoutMs?: number;
  /** How long a batch waits after its first delivery for others to share its job (default 0: none). */
  gatherMs?: number;
  now?: () => number;
}

// Up to two batches are in flight at once: the next batch is written while the
// previous one waits for Redis. A lone delivery's row and job are written side by side
// (its job steps aside until the row is there, process-webhook.ts); a batch's job goes
// out once its rows are written, since a batch hands each row it does not find to a job
// of its own (on PostgreSQL the job often came first, and cost a job per delivery again).
const MAX_IN_FLIGHT = 2;

export class DeliveryRecorder {
  private readonly maxBatch: number;
  private readonly timeoutMs: number;
  private readonly gatherMs: number;
  private readonly now: () => number;
  private queued: Pending[] = [];
  private inFlight = 0;
  // Every unsettled delivery in arrival order, watched by one timer (not one per request).
  private watched: Pending[] = [];
  private watchedFrom = 0;
  private timer: NodeJS.Timeout | null = null;
  private gathering: NodeJS.Timeout | null = null;

  constructor(private readonly options: DeliveryRecorderOptions) {
    this.maxBatch = options.maxBatch ?? 200;
    this.timeoutMs = options.timeoutMs ?? 800;
    this.gatherMs = options.gatherMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  /** Resolves once the delivery is stored and queued; rejects (→ 503) when it could not be, or not in time. */
  record(delivery: AcceptedDelivery): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { delivery, deadline: this.now() + this.timeoutMs, resolve, reject };
      this.queued.push(pending);
      this.watched.push(pending);
      this.watch();
      this.gather();
    });
  }

  /** Flushes once the oldest queued delivery has waited gatherMs (at once without a gather). */
  private gather(): void {
    if (this.gatherMs <= 0 || this.queued.length === 0) return this.flush();
    if (this.gathering) return;
    // Queued in arrival order: the first one's deadline tells when it came.
    const wait = this.queued[0].deadline - this.timeoutMs + this.gatherMs - this.now();
    if (wait <= 0) return this.flush();
    this.gathering = setTimeout(() => {
      this.gathering = null;
      this.gather();
    }, wait);
  }

  private settle(pending: Pending, error?: Error): void {
    if (!pending.delivery) return;
    pending.delivery = null;
    if (error) pending.reject(error);
    else pending.resolve();
  }

  /** The next batch, leaving out deliveries already answered 503: overload sheds work instead of piling it up. */
  private nextBatch(): Array<{ pending: Pending; delivery: AcceptedDelivery }> {
    const batch = [];
    let taken = 0;
    while (taken < this.queued.length && batch.length < this.maxBatch) {
      const pending = this.queued[taken++];
      if (pending.delivery) batch.push({ pending, delivery: pending.delivery });
    }
    this.queued.splice(0, taken);
    return batch;
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.nextBatch();
      if (batch.length === 0) return;
      this.inFlight++;
      const receivedAt = new Date(this.now());
      const rows = batch.map(({ delivery: d }) => ({ webhookId: d.webhookId, shop: d.shop, topic: d.topic, eventId: d.eventId, apiVersion: d.apiVersion, triggeredAt: d.triggeredAt, payload: d.rawBody, receivedAt }));
      // A lone delivery's job id is its own, so a redelivery's enqueue is a no-op while the job exists.
      const jobs = deliveryJobs(batch.map(({ delivery: d }) => ({ webhookId: d.webhookId, shop: d.shop, topic: d.topic })));
      const { writer, queue } = this.options;
      (batch.length === 1 ? Promise.all([writer.write(rows), queue.addBulk(jobs)]) : writer.write(rows).then(() => queue.addBulk(jobs)))
        .then(
          () => batch.forEach(({ pending }) => this.settle(pending)),
          (error: unknown) => {
            const reason = new DeliveryNotKeptError(error instanceof Error ? error.message : String(error));
            batch.forEach(({ pending }) => this.settle(pending, reason));
          },
        )
        .finally(() => {
          this.inFlight--;
          this.gather();
        });
    }
  }

  private watch(): void {
    if (this.timer) return;
    while (this.watchedFrom < this.watched.length && !this.watched[this.watchedFrom].delivery) this.watchedFrom++;
    if (this.watchedFrom > 1024 || this.watchedFrom === this.watched.length) {
      this.watched = this.watched.slice(this.watchedFrom);
      this.watchedFrom = 0;
    }
    const oldest = this.watched[this.watchedFrom];
    if (oldest) this.timer = setTimeout(() => this.expire(), Math.max(0, oldest.deadline - this.now())).unref();
  }

  // Not kept by its deadline: answer 503 now. The write may still complete; the
  // redelivery then finds the row and the job already there.
  private expire(): void {
    this.timer = null;
    const now = this.now();
    const error = new DeliveryNotKeptError(`not stored and queued within ${this.timeoutMs} ms`);
    for (let i = this.watchedFrom; i < this.watched.length && this.watched[i].deadline <= now; i++) this.settle(this.watched[i], error);
    this.watch();
  }
}
