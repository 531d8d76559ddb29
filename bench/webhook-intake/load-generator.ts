// Sends signed deliveries to 127.0.0.1 over keep-alive connections, in two
// modes, both bounded in time and in count:
//  - max load: `connections` senders, each sending its next delivery as soon as
//    the previous one is answered, for `seconds`;
//  - fixed rate: deliveries scheduled every 1/rate s, whether or not earlier ones
//    were answered; latency runs from the scheduled instant (so a stalled server
//    is not hidden by the generator waiting for it).
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { Delivery, DeliverySource } from "./signed-deliveries.ts";

export interface RunResult {
  mode: "max" | "rate";
  seconds: number;
  sent: number;
  ok: number;
  /** Answers other than 200, by status. */
  non200: Record<string, number>;
  /** Connection errors and timeouts (no answer at all). */
  failed: number;
  throughput: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Every latency, sorted (to combine rounds). */
  latencies: Float64Array;
  /** Webhook ids answered 200, for checking what the server kept. */
  okIds: string[];
  /** CPU the load generator itself used, in % of one core. */
  clientCpuPercent: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

function post(agent: http.Agent, port: number, delivery: Delivery): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: delivery.path, agent, headers: delivery.headers }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.end(delivery.body);
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function latencySummary(sorted: Float64Array): RunResult["latencyMs"] {
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** One result from several rounds of the same mode (rounds alternate between servers, so a busy moment hits both). */
export function combineRounds(rounds: RunResult[]): RunResult {
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  const ok = rounds.reduce((sum, r) => sum + r.ok, 0);
  const non200: Record<string, number> = {};
  for (const r of rounds) for (const [status, count] of Object.entries(r.non200)) non200[status] = (non200[status] ?? 0) + count;
  const latencies = new Float64Array(rounds.reduce((sum, r) => sum + r.latencies.length, 0));
  let at = 0;
  for (const r of rounds) {
    latencies.set(r.latencies, at);
    at += r.latencies.length;
  }
  latencies.sort();
  return {
    mode: rounds[0].mode,
    seconds,
    sent: rounds.reduce((sum, r) => sum + r.sent, 0),
    ok,
    non200,
    failed: rounds.reduce((sum, r) => sum + r.failed, 0),
    throughput: ok / seconds,
    latencyMs: latencySummary(latencies),
    latencies,
    okIds: rounds.flatMap((r) => r.okIds),
    clientCpuPercent: rounds.reduce((sum, r) => sum + r.clientCpuPercent * r.seconds, 0) / seconds,
  };
}

class Tally {
  sent = 0;
  ok = 0;
  failed = 0;
  non200: Record<string, number> = {};
  okIds: string[] = [];
  private latencies: number[] = [];
  private readonly cpuStart = process.cpuUsage();
  private readonly start = performance.now();

  record(delivery: Delivery, status: number | null, latencyMs: number): void {
    if (status === null) this.failed++;
    else if (status === 200) {
      this.ok++;
      this.okIds.push(delivery.webhookId);
    } else this.non200[status] = (this.non200[status] ?? 0) + 1;
    this.latencies.push(latencyMs);
  }

  result(mode: RunResult["mode"], seconds: number): RunResult {
    const elapsedMs = performance.now() - this.start;
    const cpu = process.cpuUsage(this.cpuStart);
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      mode,
      seconds,
      sent: this.sent,
      ok: this.ok,
      non200: this.non200,
      failed: this.failed,
      throughput: this.ok / seconds,
      latencyMs: latencySummary(sorted),
      latencies: sorted,
      okIds: this.okIds,
      clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    };
  }
}

/** As many deliveries as `connections` keep-alive connections carry in `seconds`; throughput counts 200s in that window. */
export async function runMaxLoad(options: {
  port: number;
  source: DeliverySource;
  connections: number;
  seconds: number;
  maxRequests?: number;
}): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const tally = new Tally();
  const deadline = performance.now() + options.seconds * 1000;
  const maxRequests = options.maxRequests ?? Math.ceil(options.seconds * 50_000);
  const sender = async () => {
    while (performance.now() < deadline && tally.sent < maxRequests) {
      const delivery = options.source.next();
      tally.sent++;
      const started = performance.now();
      const status = await post(agent, options.port, delivery).catch(() => null);
      // Answers arriving after the window are still checked for storage, but not counted as throughput.
      const finished = performance.now();
      if (finished <= deadline) tally.record(delivery, status, finished - started);
      else if (status === 200) tally.okIds.push(delivery.webhookId);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, sender));
  agent.destroy();
  return tally.result("max", options.seconds);
}

/** `rate` deliveries per second for `seconds`, latency measured from each delivery's scheduled send time. */
export async function runFixedRate(options: {
  port: number;
  source: DeliverySource;
  rate: number;
  seconds: number;
  connections?: number;
}): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  const tally = new Tally();
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const scheduled = start + next * interval;
        const delivery = options.source.next();
        tally.sent++;
        inflight.push(
          post(agent, options.port, delivery)
            .catch(() => null)
            .then((status) => tally.record(delivery, status, performance.now() - scheduled))
        );
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, Math.min(interval, start + next * interval - performance.now())));
      else resolve();
    };
    tick();
  });
  await Promise.all(inflight);
  agent.destroy();
  return tally.result("rate", options.seconds);
}
