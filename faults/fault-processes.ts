// The processes a fault-injection run breaks on purpose: a private Redis with append-only
// persistence (restarted cleanly, or killed so it loses its last second of writes), or a Redis
// Cluster of three such masters, one master restarted at a time. (The web processes' front door,
// a round-robin balancer that skips a web process that is down, is scripts/lib/tcp-balancer.ts.)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { RedisTarget } from "../app/adapters/queues/redis-connection.server.ts";
import { freePort, joinCluster, waitForClusterOk } from "../scripts/lib/private-redis.ts";

async function waitForPort(port: number, up: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open === up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not come ${up ? "up" : "down"} in time`);
}

/** A redis-server on a free port with `appendonly yes`, `appendfsync everysec` (production's persistence) and `noeviction`. */
export class PersistentRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), "tierline-faults-redis-"));
  restarts = { clean: 0, lossy: 0 };
  peakMemoryBytes = 0;

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** What the app is given (REDIS_URL). */
  get target(): RedisTarget {
    return this.url;
  }

  readonly restartsWhat = "the Redis";

  /** `cluster`: a node of a Redis Cluster (its cluster state kept in its own directory across restarts). */
  static async start(options: { cluster?: boolean } = {}): Promise<PersistentRedis> {
    const redis = new PersistentRedis(await freePort(), options.cluster ? ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"] : []);
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const bin = process.env.REDIS_SERVER_BIN ?? "redis-server";
    this.child = spawn(
      bin,
      ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction", "--loglevel", "warning", ...this.extraArgs],
      { stdio: "ignore" },
    );
    await waitForPort(this.port, true);
    // Loading the append-only file: LOADING answers until it is done.
    const client = new Redis(this.url, { maxRetriesPerRequest: null, lazyConnect: true });
    client.on("error", () => {});
    try {
      await client.connect();
      for (;;) {
        try {
          await client.ping();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      client.disconnect();
    }
  }

  private async halt(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    await waitForPort(this.port, false);
  }

  /**
   * `clean`: SIGTERM (Redis writes its append-only file out and exits); `lossy`: SIGKILL, so the
   * writes of the last second not yet fsynced are gone when it comes back. Down for `downMs`.
   */
  async restart(kind: "clean" | "lossy", downMs: number): Promise<void> {
    await this.sampleMemory();
    await this.halt(kind === "clean" ? "SIGTERM" : "SIGKILL");
    this.restarts[kind]++;
    await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  async sampleMemory(): Promise<number> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    // Down for a restart: no sample this time.
    client.on("error", () => {});
    try {
      await client.connect();
      const used = Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1] ?? 0);
      this.peakMemoryBytes = Math.max(this.peakMemoryBytes, used);
      return used;
    } catch {
      return 0;
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await this.halt("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of three PersistentRedis masters (no replicas, as the suite's cluster runs). A
 * restart takes down one master at a time, in turn: its slots go unserved while it is down (the
 * web process answers 503 for what it cannot enqueue, workers wait), and it comes back with its
 * node id, slots and append-only data from its own directory (less its last second when killed).
 */
export class PersistentRedisCluster {
  private next = 0;
  peakMemoryBytes = 0;

  private constructor(readonly nodes: PersistentRedis[]) {}

  get target(): RedisTarget {
    return { clusterNodes: this.nodes.map((node) => `127.0.0.1:${node.port}`) };
  }

  readonly restartsWhat = "one master of the Redis Cluster in turn";

  static async start(masters = 3): Promise<PersistentRedisCluster> {
    const cluster = new PersistentRedisCluster([]);
    try {
      for (let i = 0; i < masters; i++) cluster.nodes.push(await PersistentRedis.start({ cluster: true }));
      await joinCluster(cluster.nodes.map((node) => node.port));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  async restart(kind: "clean" | "lossy", downMs: number): Promise<void> {
    await this.sampleMemory();
    const node = this.nodes[this.next++ % this.nodes.length];
    await node.restart(kind, downMs);
    await waitForClusterOk(this.nodes.map((n) => n.port), 60_000);
  }

  async sampleMemory(): Promise<number> {
    const used = (await Promise.all(this.nodes.map((node) => node.sampleMemory()))).reduce((a, b) => a + b, 0);
    this.peakMemoryBytes = Math.max(this.peakMemoryBytes, used);
    return used;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}
