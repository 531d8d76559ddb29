// The delivery writer's thread (see delivery-writer.server.ts): one batch at a
// time into the delivery store, answered by id.
import { parentPort, workerData } from "node:worker_threads";
import type { DatabaseTarget } from "../adapters/db/database-url.ts";
import { createDeliveryStore, type DeliveryRow, type DeliveryStore } from "../adapters/db/delivery-store.server.ts";
import { READY_ID, type WriteReply, type WriteRequest } from "./delivery-writer.server.ts";

const target = (workerData as { target: DatabaseTarget }).target;
// Opened on first use, and again after a failure to open (a database not up yet).
let store: Promise<DeliveryStore> | null = null;
const openStore = () =>
  (store ??= createDeliveryStore(target).catch((error: unknown) => {
    store = null;
    throw error;
  }));

// Open it before the first batch arrives, and say so; a failure here is retried by that batch.
openStore().then(
  () => parentPort!.postMessage({ id: READY_ID } satisfies WriteReply),
  (error: unknown) => parentPort!.postMessage({ id: READY_ID, error: error instanceof Error ? error.message : String(error) } satisfies WriteReply),
);

async function write(rows: Extract<WriteRequest, { rows: unknown }>["rows"]): Promise<void> {
  // A redelivery within the batch is written once; the primary key handles the rest.
  const unique = new Map<string, DeliveryRow>();
  for (const row of rows) {
    // Structured cloning hands a Buffer over as a plain Uint8Array.
    const payload = Buffer.from(row.payload.buffer, row.payload.byteOffset, row.payload.byteLength).toString("utf8");
    unique.set(row.webhookId, { ...row, payload });
  }
  await (await openStore()).insert([...unique.values()]);
}

parentPort!.on("message", (request: WriteRequest) => {
  if ("close" in request) {
    void (store ?? Promise.resolve(null))
      .then((opened) => opened?.close())
      .catch(() => {})
      .finally(() => process.exit(0));
    return;
  }
  write(request.rows).then(
    () => parentPort!.postMessage({ id: request.id } satisfies WriteReply),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies WriteReply),
  );
});
