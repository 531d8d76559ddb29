// A timeline of a phase, sampled every few seconds: what the pipeline has taken
// in and processed, what is queued, and the CPU each process used. It shows where
// a backlog builds (webhook jobs, tier jobs, Shopify writes) and whether the
// processes were short of CPU.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { Redis } from "ioredis";
import { processCpuSeconds, statCpuSeconds } from "../support/private-redis.ts";
import { jobCounts, type TierSystem } from "./system.ts";

export interface CpuSeconds {
  web: number;
  /** All worker processes together. */
  worker: number;
  redis: number;
  bench: number;
  /** PostgreSQL's server processes, every one on the machine (0 on SQLite, which runs in the app's processes). */
  database: number;
}

/** CPU seconds of every `postgres` process (/proc); a backend that ended between samples drops out. */
function postgresCpuSeconds(): number {
  let total = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (stat.includes("(postgres)")) total += statCpuSeconds(stat);
      } catch {
        // gone since the listing
      }
    }
  } catch {
    return 0;
  }
  return total;
}

async function redisCpuSeconds(client: Redis): Promise<number> {
  try {
    const info = await client.info("cpu");
    const value = (name: string) => Number(info.match(new RegExp(`^${name}:([0-9.]+)`, "m"))?.[1] ?? 0);
    return value("used_cpu_sys") + value("used_cpu_user");
  } catch {
    return 0;
  }
}

export async function cpuSeconds(system: TierSystem, client: Redis): Promise<CpuSeconds> {
  const usage = process.cpuUsage();
  const [web, workers, redis] = await Promise.all([
    processCpuSeconds(system.web.child.pid ?? 0),
    Promise.all(system.workers.map((w) => processCpuSeconds(w.child.pid ?? 0))),
    redisCpuSeconds(client),
  ]);
  const database = system.database.kind === "postgresql" ? postgresCpuSeconds() : 0;
  return { web, worker: workers.reduce((a, b) => a + b, 0), redis, bench: (usage.user + usage.system) / 1e6, database };
}

/** Busy and total ticks of all CPUs of the machine (/proc/stat), whoever used them; null off Linux. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

export interface Sample {
  at: number;
  placed: number;
  tagged: number;
  /** Deliveries stored but not yet processed (all shops). */
  deliveriesWaiting: number;
  /** Deliveries processed since the phase began (all shops). */
  deliveriesDone: number;
  tierJobsQueued: number;
  /** Customers of the timeline's shops awaiting their Shopify write. */
  pendingSync: number;
  cpu: CpuSeconds;
  machine: { busy: number; total: number } | null;
}

export class Timeline {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  private readonly client: Redis;
  private readonly started = performance.now();
  private readonly since = new Date();

  private readonly shops: string[];

  /** `shops`: the shop, or the shops, whose customers awaiting their Shopify write are counted. */
  constructor(private readonly system: TierSystem, shops: string | readonly string[], private readonly counters: () => { placed: number; tagged: number }, private readonly everyMs = 2_000) {
    this.shops = typeof shops === "string" ? [shops] : [...shops];
    this.client = new Redis(system.redis.url, { maxRetriesPerRequest: 1 });
  }

  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const db = this.system.database.db;
      const [deliveriesWaiting, deliveriesDone, pendingSync, jobs, cpu] = await Promise.all([
        db.webhookDelivery.count({ where: { status: "received" } }),
        db.webhookDelivery.count({ where: { status: { not: "received" }, receivedAt: { gte: this.since } } }),
        db.customer.count({ where: { shop: this.shops.length === 1 ? this.shops[0] : { in: this.shops }, syncStatus: "pending" } }),
        jobCounts(this.system),
        cpuSeconds(this.system, this.client),
      ]);
      const tier = jobs["tier-recompute"];
      this.samples.push({ at: (performance.now() - this.started) / 1000, ...this.counters(), deliveriesWaiting, deliveriesDone, tierJobsQueued: tier.waiting + tier.delayed + tier.active, pendingSync, cpu, machine: machineTicks() });
    } catch {
      // A missed sample only thins the timeline.
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.sample();
    this.client.disconnect();
  }

  /** Rows for printing: at most `maxRows`, evenly thinned, always with the last. */
  rows(maxRows = 14): string[][] {
    const step = Math.max(1, Math.ceil(this.samples.length / maxRows));
    const picked = this.samples.filter((_, i) => i % step === 0 || i === this.samples.length - 1);
    const withDatabase = this.samples.some((s) => s.cpu.database > 0);
    const header = ["t", "orders", "tags", "deliveries done", "waiting", "tier jobs", "awaiting write", "CPU web", "worker", "redis", "bench+sim", ...(withDatabase ? ["PostgreSQL"] : [])];
    const rows = [header];
    let previous = this.samples[0];
    for (const s of picked) {
      const dt = Math.max(0.001, s.at - previous.at);
      const pct = (k: keyof CpuSeconds) => (s === previous ? "" : `${Math.round(((s.cpu[k] - previous.cpu[k]) / dt) * 100)}%`);
      rows.push([`${s.at.toFixed(0)} s`, String(s.placed), String(s.tagged), String(s.deliveriesDone), String(s.deliveriesWaiting), String(s.tierJobsQueued), String(s.pendingSync), pct("web"), pct("worker"), pct("redis"), pct("bench"), ...(withDatabase ? [pct("database")] : [])]);
      previous = s;
    }
    return rows;
  }

  /** CPU seconds each process used over the whole timeline. */
  cpuSecondsDelta(): CpuSeconds {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const d = (k: keyof CpuSeconds) => last.cpu[k] - first.cpu[k];
    return { web: d("web"), worker: d("worker"), redis: d("redis"), bench: d("bench"), database: d("database") };
  }

  /** Each process's CPU over its busiest sampling interval, in % of one core. */
  peakPercent(): CpuSeconds {
    const peak: CpuSeconds = { web: 0, worker: 0, redis: 0, bench: 0, database: 0 };
    for (let i = 1; i < this.samples.length; i++) {
      const [a, b] = [this.samples[i - 1], this.samples[i]];
      const dt = Math.max(0.001, b.at - a.at);
      for (const k of Object.keys(peak) as Array<keyof CpuSeconds>) peak[k] = Math.max(peak[k], Math.round(((b.cpu[k] - a.cpu[k]) / dt) * 100));
    }
    return peak;
  }

  /**
   * The whole machine's CPUs (every process, the pipeline's and others'), in % of all of them:
   * over the timeline and over its busiest interval. Null off Linux.
   */
  machineBusy(): { average: number; peak: number; cpus: number } | null {
    const marked = this.samples.filter((s) => s.machine !== null);
    if (marked.length < 2) return null;
    const pct = (a: Sample, b: Sample) => Math.round((100 * (b.machine!.busy - a.machine!.busy)) / Math.max(1, b.machine!.total - a.machine!.total));
    let peak = 0;
    for (let i = 1; i < marked.length; i++) peak = Math.max(peak, pct(marked[i - 1], marked[i]));
    return { average: pct(marked[0], marked[marked.length - 1]), peak, cpus: os.cpus().length };
  }

  /** CPU used over the whole timeline, in % of one core. */
  cpuPercent(): CpuSeconds {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = Math.max(0.001, last.at - first.at);
    const pct = (k: keyof CpuSeconds) => Math.round(((last.cpu[k] - first.cpu[k]) / dt) * 100);
    return { web: pct("web"), worker: pct("worker"), redis: pct("redis"), bench: pct("bench"), database: pct("database") };
  }
}
