// Runs a benchmark server in its own Node process (so it never shares an event
// loop with the load generator) and talks to it over the IPC channel:
//   child → parent  { type: "listening", port }
//   parent → child  { type: "ask", id, question }   child → parent  { type: "answer", id, value | error }
import { fork, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface ChildServer {
  name: string;
  port: number;
  pid: number;
  ask<T>(question: string): Promise<T>;
  /** Last lines the process wrote, for error reports. */
  tail(): string;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  name: string;
  script: string;
  env: Record<string, string | undefined>;
  logFile: string;
  execArgv?: string[];
  startTimeoutMs?: number;
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child: ChildProcess = fork(options.script, [], {
    execArgv: ["--import", "tsx", ...(options.execArgv ?? [])],
    env: options.env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const log = createWriteStream(options.logFile);
  let recent: string[] = [];
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    recent = recent.concat(chunk.toString().split("\n").filter(Boolean)).slice(-20);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const tail = () => recent.join("\n");

  let exit: { code: number | null; signal: string | null } | null = null;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      log.end();
      resolve();
    })
  );

  let nextId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on("message", (message: { type?: string; id?: number; value?: unknown; error?: string }) => {
    if (message.type !== "answer" || message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(`${options.name}: ${message.error}`));
    else waiter?.resolve(message.value);
  });
  void exitedPromise.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${options.name} exited`));
    pending.clear();
  });

  const stop = async () => {
    if (exit) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exitedPromise;
    clearTimeout(timer);
  };

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.name} did not start within ${options.startTimeoutMs ?? 60_000} ms\n${tail()}`)),
      options.startTimeoutMs ?? 60_000
    );
    child.on("message", (message: { type?: string; port?: number }) => {
      if (message.type === "listening" && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    void exitedPromise.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited before listening (${JSON.stringify(exit)})\n${tail()}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  return {
    name: options.name,
    port,
    pid: child.pid!,
    tail,
    stop,
    ask<T>(question: string): Promise<T> {
      if (exit) return Promise.reject(new Error(`${options.name} has exited`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ type: "ask", id, question });
      });
    },
  };
}

/** The child side: answers the parent's questions and exits when the parent goes away. */
export function serveParent(answers: Record<string, () => Promise<unknown> | unknown>, onParentGone: () => void): void {
  process.on("message", (message: { type?: string; id?: number; question?: string }) => {
    if (message.type !== "ask" || message.id === undefined) return;
    const answer = answers[message.question ?? ""];
    Promise.resolve()
      .then(() => {
        if (!answer) throw new Error(`no answer for "${message.question}"`);
        return answer();
      })
      .then(
        (value) => process.send?.({ type: "answer", id: message.id, value }),
        (error: unknown) => process.send?.({ type: "answer", id: message.id, error: error instanceof Error ? error.message : String(error) })
      );
  });
  process.on("disconnect", onParentGone);
}

export function cpuSecondsOfThisProcess(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
