// A round-robin TCP balancer on loopback, standing in for the load balancer in front of
// several web processes: each incoming connection goes to the next backend in turn, and a
// backend that refuses the connection (a web process killed or restarting) is skipped for the
// next one, as a load balancer's health check would, so one of several stays enough.
// It runs in a process of its own (startBalancerProcess) so its piping never waits on the event
// loop of the process that runs the simulator and the load.
import { fork } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { AppProcess, ROOT } from "./app-processes.ts";

export interface TcpBalancer {
  /** Connections handed to each backend so far. */
  connections: number[];
  /** Connections no backend took. */
  refused: number;
  close(): Promise<void>;
}

export function startTcpBalancer(port: number, backendPorts: number[]): Promise<TcpBalancer> {
  const state = { connections: backendPorts.map(() => 0), refused: 0 };
  const sockets = new Set<net.Socket>();
  let next = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    // Held until a backend takes it, so a refused attempt loses nothing the client sent.
    client.pause();
    client.on("error", () => client.destroy());
    const first = next++;
    const tryBackend = (tried: number) => {
      if (tried >= backendPorts.length || client.destroyed) {
        state.refused++;
        client.destroy();
        return;
      }
      const index = (first + tried) % backendPorts.length;
      const backend = net.connect(backendPorts[index], "127.0.0.1");
      track(backend);
      backend.once("error", () => tryBackend(tried + 1));
      backend.once("connect", () => {
        state.connections[index]++;
        backend.removeAllListeners("error");
        backend.on("error", () => client.destroy());
        backend.once("close", () => client.destroy());
        client.once("close", () => backend.destroy());
        client.pipe(backend).pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolve({
        connections: state.connections,
        get refused() {
          return state.refused;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** The balancer in a process of its own (scripts/lib/tcp-balancer-process.ts). */
export function startBalancerProcess(port: number, backendPorts: number[]): Promise<AppProcess> {
  const child = fork(path.join(ROOT, "scripts/lib/tcp-balancer-process.ts"), [String(port), ...backendPorts.map(String)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const proc = new AppProcess("balancer", child);
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(proc));
    child.once("exit", (code) => reject(new Error(`balancer exited with ${code}: ${proc.output}`)));
  });
}
