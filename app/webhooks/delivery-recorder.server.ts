// Durably records accepted deliveries and queues them, in batches.
//
// Each delivery must be in the database and in Redis before its 200 goes out.
// Doing that one request at a time costs a database write and a Redis round trip
// per webhook; under load the recorder instead writes everything that arrived
// while the previous batch was in flight as one INSERT (in the writer thread) and
// one addBulk, side by side. At low load a batch is a single delivery, so nothing
// waits for company.
import type { Queue } from "bullmq";
import type { DeliveryRow } from "../adapters/db/delivery-store.server.ts";
import { jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";
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
  now?: () => number;
}

// Up to two batches are in flight at once: the next batch is written while the
// previous one waits for Redis. Within a batch the row and the job are written
// concurrently; the worker waits for a row that is not there yet (process-webhook.ts).
const MAX_IN_FLIGHT = 2;

export class DeliveryRecorder {
  private readonly maxBatch: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private queued: Pending[] = [];
  private inFlight = 0;
  // Every unsettled delivery in arrival order, watched by one timer (not one per request).
  private watched: Pending[] = [];
  private watchedFrom = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: DeliveryRecorderOptions) {
    this.maxBatch = options.maxBatch ?? 200;
    this.timeoutMs = options.timeoutMs ?? 800;
    this.now = options.now ?? Date.now;
  }

  /** Resolves once the delivery is stored and queued; rejects (→ 503) when it could not be, or not in time. */
  record(delivery: AcceptedDelivery): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { delivery, deadline: this.now() + this.timeoutMs, resolve, reject };
      this.queued.push(pending);
      this.watched.push(pending);
      this.watch();
      this.flush();
    });
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
      // The job id is the delivery's id, so a redelivery's enqueue is a no-op while the job exists.
      const jobs = batch.map(({ delivery: d }) => ({ name: d.topic, data: { webhookId: d.webhookId, shop: d.shop, topic: d.topic }, opts: { jobId: jobIdFor("wh", d.webhookId) } }));
      Promise.all([this.options.writer.write(rows), this.options.queue.addBulk(jobs)])
        .then(
          () => batch.forEach(({ pending }) => this.settle(pending)),
          (error: unknown) => {
            const reason = new DeliveryNotKeptError(error instanceof Error ? error.message : String(error));
            batch.forEach(({ pending }) => this.settle(pending, reason));
          },
        )
        .finally(() => {
          this.inFlight--;
          this.flush();
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
