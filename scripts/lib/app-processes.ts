// Starts Tierline's processes as production runs them (separate Node processes):
// the web process, worker processes, and the store simulator. Used by the
// integration tests and by `npm run demo`.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";

/** Environment for a child process (NodeJS.ProcessEnv demands NODE_ENV under Remix's types). */
export type ProcessEnvLike = Record<string, string | undefined>;

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const TEST_API_KEY = "tierline-test-key";
export const TEST_API_SECRET = "tierline-test-secret-do-not-use-in-production";

export interface AppEnvOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  extra?: Record<string, string>;
}

export function appEnv(options: AppEnvOptions): ProcessEnvLike {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: "UTC",
    NODE_ENV: "test",
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: TEST_API_SECRET,
    SHOPIFY_APP_URL: "http://127.0.0.1:3000",
    SCOPES: "read_customers,write_customers,read_orders",
    PORT: "0",
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.queuePrefix,
    WORKER_LOCK_MS: "2000",
    WORKER_CONCURRENCY: "4",
    LOG_LEVEL: "warn",
    ...options.extra,
  };
}

export class AppProcess {
  output = "";
  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.on("data", (chunk) => (this.output += chunk));
    child.stderr?.on("data", (chunk) => (this.output += chunk));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill(signal);
    await done;
  }
}

/**
 * The worker's V8 flags, as `npm run worker` starts it (package.json; keep the two in step): a
 * young generation of 32 MB semi-spaces instead of 16 halves the worker's garbage collection
 * (8 % → 4 % of its CPU at 50 orders/s, issue 9): each job's short-lived objects (payloads,
 * rows, BullMQ jobs) die before a scavenge has to copy them.
 */
export const WORKER_NODE_FLAGS = ["--max-old-space-size=256", "--max-semi-space-size=32"];

function start(script: string, name: string, env: ProcessEnvLike, readyType: string, nodeFlags: string[] = []): Promise<{ proc: AppProcess; message: Record<string, unknown> }> {
  const child = fork(path.join(ROOT, script), [], { cwd: ROOT, env: env as NodeJS.ProcessEnv, execArgv: [...nodeFlags, "--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const proc = new AppProcess(name, child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the caller's back (a retry would find its port taken).
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start in time:\n${proc.output}`));
    }, 60_000);
    child.on("message", (message: Record<string, unknown>) => {
      if (message?.type === readyType) {
        clearTimeout(timer);
        resolve({ proc, message });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${proc.output}`));
    });
  });
}

export async function startWebProcess(env: ProcessEnvLike): Promise<{ proc: AppProcess; url: string }> {
  const { proc, message } = await start("app/server/web-process.ts", "web", env, "listening");
  return { proc, url: `http://127.0.0.1:${message.port}` };
}

export async function startWorkerProcess(env: ProcessEnvLike): Promise<AppProcess> {
  return (await start("app/workers/worker-process.ts", "worker", env, "ready", WORKER_NODE_FLAGS)).proc;
}

/** The simulator as its own process; resolves with the origin it prints. */
export async function startSimulatorProcess(env: ProcessEnvLike): Promise<{ proc: AppProcess; origin: string }> {
  const child = fork(path.join(ROOT, "simulator/main.ts"), [], { cwd: ROOT, env: env as NodeJS.ProcessEnv, execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const proc = new AppProcess("simulator", child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start in time:\n${proc.output}`)), 60_000);
    const onData = () => {
      const match = proc.output.match(/^(http:\/\/\S+)$/m);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve({ proc, origin: match[1] });
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}:\n${proc.output}`));
    });
  });
}

export async function eventually<T>(check: () => Promise<T | undefined | null | false>, { timeoutMs = 30_000, intervalMs = 100, what = "condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
