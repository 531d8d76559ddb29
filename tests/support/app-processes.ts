// Starts the real web process and worker processes (as production runs them:
// separate Node processes) against a test database and Redis.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const TEST_API_KEY = "tierline-test-key";
export const TEST_API_SECRET = "tierline-test-secret-do-not-use-in-production";

export interface AppEnvOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  extra?: Record<string, string>;
}

export function appEnv(options: AppEnvOptions): NodeJS.ProcessEnv {
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

function start(script: string, name: string, env: NodeJS.ProcessEnv, readyType: string): Promise<{ proc: AppProcess; message: Record<string, unknown> }> {
  const child = fork(path.join(ROOT, script), [], { cwd: ROOT, env, execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const proc = new AppProcess(name, child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time:\n${proc.output}`)), 60_000);
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

export async function startWebProcess(env: NodeJS.ProcessEnv): Promise<{ proc: AppProcess; url: string }> {
  const { proc, message } = await start("app/server/web-process.ts", "web", env, "listening");
  return { proc, url: `http://127.0.0.1:${message.port}` };
}

export async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<AppProcess> {
  return (await start("app/workers/worker-process.ts", "worker", env, "ready")).proc;
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
