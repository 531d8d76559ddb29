// A Redis of the benchmark's own on a free port, so a run never touches the
// Redis other processes use. No persistence; killed when the benchmark ends,
// and also if the benchmark dies (the shell wrapper kills it when its stdin closes).
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

export interface PrivateRedis {
  url: string;
  port: number;
  /** The redis-server process id, for reading its CPU time. */
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"];
  args.push("--dir", dir, "--maxmemory-policy", "noeviction", "--loglevel", "warning");
  // The watcher subshell kills redis once our end of its stdin closes (stop() or our death).
  // (A background job's stdin is /dev/null unless redirected, hence fd 3.)
  const script = 'exec 3<&0; redis-server "$@" & r=$!; echo "pid $r"; (cat <&3 >/dev/null; kill $r 2>/dev/null) & wait $r';
  const shell = spawn("sh", ["-c", script, "sh", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  shell.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  shell.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    shell.stdin.end();
    const timer = setTimeout(() => {
      const pid = /pid (\d+)/.exec(output)?.[1];
      if (pid) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, 3_000);
    await exited(shell);
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (shell.exitCode !== null) break;
    if (await ping(port)) {
      const pid = Number(/pid (\d+)/.exec(output)?.[1] ?? 0);
      return { url: `redis://127.0.0.1:${port}`, port, pid, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(
    `redis-server did not start on port ${port}: ${output.trim() || "no output"} (is redis-server installed? apt-get install redis-server)`
  );
}

/** CPU seconds (user + system) a Linux process has used so far; 0 where /proc is unavailable. */
export async function processCpuSeconds(pid: number): Promise<number> {
  try {
    const { readFile } = await import("node:fs/promises");
    return statCpuSeconds(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return 0;
  }
}

/** The CPU seconds a /proc/<pid>/stat line records (utime + stime). */
export function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
