// The recorder answers for a delivery only once its row and its job are both
// written, batches what arrives meanwhile (or within its gather) into one job,
// and gives up (→ 503) at the deadline.
import type { Queue } from "bullmq";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobPayload } from "../adapters/queues/queue-registry.ts";
import { DeliveryNotKeptError, DeliveryRecorder, type AcceptedDelivery } from "./delivery-recorder.server.ts";
import type { DeliveryWriter, RawDeliveryRow } from "./delivery-writer.server.ts";

/** A promise settled by the test. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

function fakes() {
  const writes: Array<{ rows: RawDeliveryRow[]; gate: ReturnType<typeof gate> }> = [];
  const adds: Array<{ jobs: Array<{ name: string; data: unknown; opts?: { jobId: string } }>; gate: ReturnType<typeof gate> }> = [];
  const writer: DeliveryWriter = {
    write(rows) {
      const g = gate();
      writes.push({ rows, gate: g });
      return g.promise;
    },
    close: async () => {},
  };
  const queue = {
    addBulk(jobs: Array<{ name: string; data: unknown; opts?: { jobId: string } }>) {
      const g = gate();
      adds.push({ jobs, gate: g });
      return g.promise;
    },
  } as unknown as Queue<JobPayload<"webhooks">>;
  return { writes, adds, writer, queue };
}

const delivery = (webhookId: string): AcceptedDelivery => ({
  webhookId,
  shop: "a.myshopify.com",
  topic: "orders/create",
  eventId: null,
  apiVersion: "2026-01",
  triggeredAt: null,
  rawBody: Buffer.from(`{"id":"${webhookId}"}`),
});

/** What a promise has done so far, without waiting for it. */
function track(promise: Promise<void>) {
  const state: { status: "pending" | "kept" | "failed"; error?: unknown } = { status: "pending" };
  promise.then(
    () => (state.status = "kept"),
    (error: unknown) => Object.assign(state, { status: "failed", error }),
  );
  return state;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("DeliveryRecorder", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());

  it("keeps a delivery only once both its row and its job are written", async () => {
    const { writes, adds, writer, queue } = fakes();
    const recorder = new DeliveryRecorder({ writer, queue });
    const kept = track(recorder.record(delivery("w1")));
    expect(writes).toHaveLength(1);
    expect(adds).toHaveLength(1);
    expect(writes[0].rows[0]).toMatchObject({ webhookId: "w1", shop: "a.myshopify.com", topic: "orders/create", payload: Buffer.from('{"id":"w1"}') });
    expect(adds[0].jobs).toEqual([{ name: "orders/create", data: { webhookId: "w1", shop: "a.myshopify.com", topic: "orders/create" }, opts: { jobId: "wh-w1" } }]);
    writes[0].gate.open();
    await settle();
    expect(kept.status).toBe("pending");
    adds[0].gate.open();
    await settle();
    expect(kept.status).toBe("kept");
  });

  it("writes what arrives while two batches are in flight as one batch", async () => {
    const { writes, adds, writer, queue } = fakes();
    const recorder = new DeliveryRecorder({ writer, queue });
    const states = ["a", "b", "c", "d", "e"].map((id) => track(recorder.record(delivery(id))));
    expect(writes.map((w) => w.rows.map((r) => r.webhookId))).toEqual([["a"], ["b"]]);
    writes[0].gate.open();
    adds[0].gate.open();
    await settle();
    expect(states.map((s) => s.status)).toEqual(["kept", "pending", "pending", "pending", "pending"]);
    expect(writes.map((w) => w.rows.map((r) => r.webhookId))).toEqual([["a"], ["b"], ["c", "d", "e"]]);
    // A batch's job goes out once its rows are written.
    expect(adds).toHaveLength(2);
    writes[2].gate.open();
    await settle();
    // One job carries the three (the worker pays a job's fetch and finish once for them).
    expect(adds[2].jobs).toEqual([{ name: "batch", data: { batch: ["c", "d", "e"].map((id) => ({ webhookId: id, shop: "a.myshopify.com", topic: "orders/create" })) } }]);
  });

  it("with a gather, waits that long after a batch's first delivery, then writes all that came as one row batch and one job", async () => {
    const { writes, adds, writer, queue } = fakes();
    const recorder = new DeliveryRecorder({ writer, queue, gatherMs: 20 });
    const first = track(recorder.record(delivery("g1")));
    await vi.advanceTimersByTimeAsync(15);
    const second = track(recorder.record(delivery("g2")));
    expect(writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(4);
    expect(writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes.map((w) => w.rows.map((r) => r.webhookId))).toEqual([["g1", "g2"]]);
    expect(adds).toHaveLength(0);
    writes[0].gate.open();
    await settle();
    expect(adds.map((a) => a.jobs.map((j) => j.name))).toEqual([["batch"]]);
    adds[0].gate.open();
    await settle();
    expect([first.status, second.status]).toEqual(["kept", "kept"]);
    // A lone delivery still gets its own job (its id is the delivery's) once its gather is over.
    track(recorder.record(delivery("g3")));
    await vi.advanceTimersByTimeAsync(20);
    expect(adds[1].jobs).toEqual([{ name: "orders/create", data: { webhookId: "g3", shop: "a.myshopify.com", topic: "orders/create" }, opts: { jobId: "wh-g3" } }]);
  });

  it("fails the whole batch when the database or Redis fails", async () => {
    const { writes, adds, writer, queue } = fakes();
    const recorder = new DeliveryRecorder({ writer, queue });
    const dbDown = track(recorder.record(delivery("x")));
    const redisDown = track(recorder.record(delivery("y")));
    writes[0].gate.fail(new Error("SQLITE_BUSY: database is locked"));
    adds[0].gate.open();
    writes[1].gate.open();
    adds[1].gate.fail(new Error("Connection is closed."));
    await settle();
    expect(dbDown.status).toBe("failed");
    expect(dbDown.error).toBeInstanceOf(DeliveryNotKeptError);
    expect(String(dbDown.error)).toMatch(/database is locked/);
    expect(redisDown.status).toBe("failed");
    expect(String(redisDown.error)).toMatch(/Connection is closed/);
  });

  it("gives up at the deadline while a write hangs, and does not write deliveries already given up on", async () => {
    const { writes, adds, writer, queue } = fakes();
    const recorder = new DeliveryRecorder({ writer, queue, timeoutMs: 800 });
    const hung = [track(recorder.record(delivery("h1"))), track(recorder.record(delivery("h2")))];
    await vi.advanceTimersByTimeAsync(400);
    const later = track(recorder.record(delivery("late")));
    await vi.advanceTimersByTimeAsync(399);
    expect(hung.map((s) => s.status)).toEqual(["pending", "pending"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(hung.map((s) => s.status)).toEqual(["failed", "failed"]);
    expect(String(hung[0].error)).toMatch(/not stored and queued within 800 ms/);
    expect(later.status).toBe("pending");
    await vi.advanceTimersByTimeAsync(400);
    expect(later.status).toBe("failed");
    // The database comes back: the batch that was waiting leaves out what was answered 503.
    const fresh = track(recorder.record(delivery("fresh")));
    writes[0].gate.open();
    adds[0].gate.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.rows.map((r) => r.webhookId))).toEqual([["h1"], ["h2"], ["fresh"]]);
    writes[1].gate.open();
    adds[1].gate.open();
    writes[2].gate.open();
    adds[2].gate.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(fresh.status).toBe("kept");
  });
});
