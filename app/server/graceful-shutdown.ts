// Draining an HTTP server on SIGTERM: it stops accepting connections at once, requests in
// flight run to their end (their responses close their connections), idle keep-alive
// connections are closed, and whatever is still open at the deadline is cut.
import type http from "node:http";

export interface HttpDrain {
  /** Whether a drain has begun (the health check answers 503 from then on). */
  readonly draining: boolean;
  /** Requests not yet answered. */
  readonly inFlight: number;
  /** Stops accepting, waits for requests in flight up to `deadlineMs`; `forced` when some were cut. */
  drain(deadlineMs: number): Promise<{ forced: boolean }>;
}

export function trackHttpDrain(server: http.Server): HttpDrain {
  let draining = false;
  const open = new Set<http.ServerResponse>();
  // A response written during the drain closes its connection (a kept-alive one would stay open otherwise).
  const closeAfter = (res: http.ServerResponse) => {
    if (!res.headersSent) res.shouldKeepAlive = false;
  };
  server.on("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
    open.add(res);
    if (draining) closeAfter(res);
    res.once("close", () => open.delete(res));
  });
  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return open.size;
    },
    drain(deadlineMs) {
      draining = true;
      for (const res of open) closeAfter(res);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve({ forced: true });
        }, deadlineMs);
        timer.unref();
        // close() calls back once every connection has ended; idle ones are closed now, busy ones after their response.
        server.close(() => {
          clearTimeout(timer);
          resolve({ forced: false });
        });
        server.closeIdleConnections();
      });
    },
  };
}
