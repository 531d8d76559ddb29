// Stores accepted deliveries from a worker thread, so the event loop that answers
// Shopify never waits on the database: on SQLite the insert is synchronous, and
// it was a quarter of the intake's CPU per request (an 8 KB payload is a few
// pages of the file). The thread writes each batch as it comes (one transaction on
// SQLite, one INSERT on PostgreSQL) while the event loop goes on with the next
// requests and the Redis side of the same batch.
//
// If the thread dies, the batches it held fail (→ 503, Shopify retries) and the
// next batch starts a new thread.
import { Worker } from "node:worker_threads";
import type { DatabaseTarget } from "../adapters/db/database-url.ts";
import type { DeliveryRow } from "../adapters/db/delivery-store.server.ts";

/** A delivery row whose payload is still the raw body bytes, as signed (decoded by the thread). */
export type RawDeliveryRow = Omit<DeliveryRow, "payload"> & { payload: Uint8Array };

export type WriteRequest = { id: number; rows: RawDeliveryRow[] } | { id: number; close: true };
export type WriteReply = { id: number; error?: string };

export interface DeliveryWriter {
  /** Resolves once every row is stored (a row whose webhookId exists already is left as it is). */
  write(rows: RawDeliveryRow[]): Promise<void>;
  close(): Promise<void>;
}

const THREAD_FILE = new URL("./delivery-writer.thread.ts", import.meta.url);

/** Id of the message the thread sends once it has opened the database (or failed to: the first batch then tries again). */
export const READY_ID = -1;

/** Resolves once the thread has loaded and opened the database, so the first delivery does not wait for that. */
export async function createDeliveryWriter(target: DatabaseTarget): Promise<DeliveryWriter> {
  let thread: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();

  const start = (): Worker => {
    const started = new Worker(THREAD_FILE, { workerData: { target } });
    started.on("message", (reply: WriteReply) => {
      const waiter = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (waiting.size === 0) started.unref();
      if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
      else waiter?.resolve();
    });
    const lost = (error: Error) => {
      if (thread === started) thread = null;
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
    };
    started.on("error", lost);
    started.on("exit", (code) => lost(new Error(`delivery writer thread exited with code ${code}`)));
    // Keeps the process alive only while it holds a batch.
    started.unref();
    return started;
  };

  const send = (request: WriteRequest) =>
    new Promise<void>((resolve, reject) => {
      thread ??= start();
      if (waiting.size === 0) thread.ref();
      waiting.set(request.id, { resolve, reject });
      thread.postMessage(request);
    });

  // Started now, not on the first delivery: loading the thread and opening the database take a while.
  const ready = new Promise<void>((resolve) => waiting.set(READY_ID, { resolve, reject: () => resolve() }));
  thread = start();
  thread.ref();
  await ready;
  return {
    write: (rows) => send({ id: nextId++, rows }),
    async close() {
      if (!thread) return;
      const closing = thread;
      const exited = new Promise((resolve) => closing.once("exit", resolve));
      await send({ id: nextId++, close: true }).catch(() => {});
      await exited;
    },
  };
}
