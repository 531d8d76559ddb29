// A round-robin TCP balancer on loopback, standing in for the load balancer in front of
// several web processes: each incoming connection goes to the next backend in turn.
import net from "node:net";

export interface TcpBalancer {
  /** Connections handed to each backend so far. */
  connections: number[];
  close(): Promise<void>;
}

export function startTcpBalancer(port: number, backendPorts: number[]): Promise<TcpBalancer> {
  const connections = backendPorts.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    const index = next++ % backendPorts.length;
    connections[index]++;
    const backend = net.connect(backendPorts[index], "127.0.0.1");
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        backend.destroy();
      });
    }
    client.pipe(backend).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolve({
        connections,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
