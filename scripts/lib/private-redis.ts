// A redis-server of the test's own on a free port, so a test can stop and restart
// it (Redis outage tests) without disturbing anything else; or a Redis Cluster of
// its own (three masters on free ports, no replicas).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import net from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForPort(port: number, up: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open === up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis on port ${port} did not come ${up ? "up" : "down"} in time`);
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** What the app is given (REDIS_URL). */
  get target(): string {
    return this.url;
  }

  /** The redis-server's process id (for its CPU time), while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const bin = process.env.REDIS_SERVER_BIN ?? "redis-server";
    this.child = spawn(bin, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", ...this.extraArgs], {
      stdio: "ignore",
    });
    this.child.on("error", (error) => {
      throw new Error(`cannot start ${bin}: ${error.message}`);
    });
    await waitForPort(this.port, true);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await waitForPort(this.port, false);
  }
}

const run = promisify(execFile);
const cli = () => process.env.REDIS_CLI_BIN ?? "redis-cli";

/** Makes one cluster of the masters on these ports (`redis-cli --cluster create`, no replicas) and waits until it serves. */
export async function joinCluster(ports: number[]): Promise<void> {
  await run(cli(), ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"]);
  await waitForClusterOk(ports);
}

/** Waits until every node agrees that all 16,384 slots are served (clients may connect then). */
export async function waitForClusterOk(ports: number[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      const { stdout } = await run(cli(), ["-p", String(port), "cluster", "info"]).catch((error: Error) => ({ stdout: error.message }));
      if (/cluster_state:ok/.test(stdout) && /cluster_slots_ok:16384/.test(stdout)) break;
      if (Date.now() > deadline) throw new Error(`Redis Cluster node ${port} not ready:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A Redis Cluster of three masters on free ports (`redis-server --cluster-enabled yes`, joined
 * with `redis-cli --cluster create`), each node's cluster state file in a temp directory.
 */
export class PrivateRedisCluster {
  private constructor(
    readonly nodes: PrivateRedis[],
    private readonly dir: string,
  ) {}

  /** What the app is given (REDIS_CLUSTER_NODES). */
  get target(): { clusterNodes: string[] } {
    return { clusterNodes: this.nodes.map((node) => `127.0.0.1:${node.port}`) };
  }

  static async start(masters = 3): Promise<PrivateRedisCluster> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tierline-redis-cluster-"));
    const nodes: PrivateRedis[] = [];
    const cluster = new PrivateRedisCluster(nodes, dir);
    try {
      for (let i = 0; i < masters; i++) {
        const port = await freePort();
        const node = new PrivateRedis(port, ["--cluster-enabled", "yes", "--cluster-config-file", path.join(dir, `nodes-${port}.conf`), "--cluster-node-timeout", "5000", "--dir", dir]);
        await node.start();
        nodes.push(node);
      }
      await joinCluster(nodes.map((n) => n.port));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
