// Durably records accepted deliveries and queues them, in batches.
//
// Each delivery must be in the database and in Redis before its 200 goes out.
// Doing that one request at a time costs a database round trip and a Redis
// round trip per webhook; under load the recorder instead writes everything that
// arrived while the previous flush was in flight as one INSERT and one addBulk.
// At low load a batch is a single delivery, so nothing waits for company.
import type { Queue } from "bullmq";
import type { DeliveryStore } from "../adapters/db/delivery-store.server.ts";
import { jobIdFor, type JobPayload } from "../adapters/queues/queue-registry.ts";

export interface AcceptedDelivery {
  webhookId: string;
  shop: string;
  topic: string;
  eventId: string | null;
  apiVersion: string | null;
  triggeredAt: Date | null;
  rawBody: string;
}

interface Pending {
  delivery: AcceptedDelivery;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class DeliveryNotKeptError extends Error {}

export interface DeliveryRecorderOptions {
  store: DeliveryStore;
  queue: Queue<JobPayload<"webhooks">>;
  /** Most deliveries written in one flush. */
  maxBatch?: number;
  /** A delivery not kept within this time is answered 503 so Shopify retries it. */
  timeoutMs?: number;
  now?: () => Date;
}

export class DeliveryRecorder {
  private queued: Pending[] = [];
  private readonly maxBatch: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: DeliveryRecorderOptions) {
    this.maxBatch = options.maxBatch ?? 200;
    this.timeoutMs = options.timeoutMs ?? 800;
  }

  /** Resolves once the delivery is stored and queued; rejects (→ 503) otherwise. */
  record(delivery: AcceptedDelivery): Promise<void> {
    const kept = new Promise<void>((resolve, reject) => {
      this.queued.push({ delivery, resolve, reject });
    });
    this.flush();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeliveryNotKeptError(`not stored and queued within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([kept, timeout]).finally(() => clearTimeout(timer));
  }

  // Up to two batches are in flight at once: the next batch is written while the
  // previous one waits for Redis. Within a batch the row and the job are written
  // concurrently; the worker waits for a row that is not there yet (process-webhook.ts).
  private inFlight = 0;
  private static readonly MAX_IN_FLIGHT = 2;

  private flush(): void {
    while (this.queued.length > 0 && this.inFlight < DeliveryRecorder.MAX_IN_FLIGHT) {
      const batch = this.queued.splice(0, this.maxBatch);
      this.inFlight++;
      const deliveries = batch.map((p) => p.delivery);
      Promise.all([this.insert(deliveries), this.enqueue(deliveries)])
        .then(
          () => batch.forEach((pending) => pending.resolve()),
          (error: unknown) => {
            const reason = new DeliveryNotKeptError(error instanceof Error ? error.message : String(error));
            batch.forEach((pending) => pending.reject(reason));
          },
        )
        .finally(() => {
          this.inFlight--;
          this.flush();
        });
    }
  }

  // A redelivery (same X-Shopify-Webhook-Id) hits the primary key and changes nothing.
  private async insert(deliveries: AcceptedDelivery[]): Promise<void> {
    const receivedAt = (this.options.now ?? (() => new Date()))();
    const unique = new Map(deliveries.map((d) => [d.webhookId, d]));
    await this.options.store.insert(
      [...unique.values()].map((d) => ({
        webhookId: d.webhookId,
        shop: d.shop,
        topic: d.topic,
        eventId: d.eventId,
        apiVersion: d.apiVersion,
        triggeredAt: d.triggeredAt,
        payload: d.rawBody,
        receivedAt,
      })),
    );
  }

  // The job id is the delivery's id, so a redelivery's enqueue is a no-op while the job exists.
  private async enqueue(deliveries: AcceptedDelivery[]): Promise<void> {
    await this.options.queue.addBulk(
      deliveries.map((d) => ({
        name: d.topic,
        data: { webhookId: d.webhookId, shop: d.shop, topic: d.topic },
        opts: { jobId: jobIdFor("wh", d.webhookId) },
      })),
    );
  }
}
