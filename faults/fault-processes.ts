// The processes a fault-injection run breaks on purpose: a private Redis with append-only
// persistence (restarted cleanly, or killed so it loses its last second of writes), and a
// front door for the web processes (a TCP round-robin on one port, as a load balancer in front of
// them), so a web process can be killed and restarted under load while Shopify keeps one URL.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../scripts/lib/private-redis.ts";

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

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PersistentRedis> {
    const redis = new PersistentRedis(await freePort());
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const bin = process.env.REDIS_SERVER_BIN ?? "redis-server";
    this.child = spawn(
      bin,
      ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction", "--loglevel", "warning"],
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

/** One public port in front of the web processes: each connection goes to the next backend that is up. */
export class WebFrontDoor {
  private readonly server: net.Server;
  private next = 0;
  refused = 0;

  private constructor(readonly port: number, private readonly backends: () => number[]) {
    this.server = net.createServer((client) => {
      const ports = this.backends();
      if (ports.length === 0) {
        this.refused++;
        client.destroy();
        return;
      }
      const port = ports[this.next++ % ports.length];
      const upstream = net.connect(port, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      const close = () => (client.destroy(), upstream.destroy());
      upstream.once("error", () => (this.refused++, close()));
      client.once("error", close);
      client.once("close", () => upstream.destroy());
      upstream.once("close", () => client.destroy());
    });
  }

  static async open(port: number, backends: () => number[]): Promise<WebFrontDoor> {
    const door = new WebFrontDoor(port, backends);
    await new Promise<void>((resolve, reject) => {
      door.server.once("error", reject);
      door.server.listen(port, "127.0.0.1", () => resolve());
    });
    return door;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
