// Health checks of the processes: the web process answers /healthz on its own port; a worker
// process, which serves nothing else, answers it on WORKER_HEALTH_PORT when that is set.
import http from "node:http";

/** Whether the check settles successfully within `ms` (a hung dependency must not hang the probe). */
export async function answersWithin(check: () => Promise<unknown>, ms = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([check().then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export type HealthReport = { ok: boolean } & Record<string, unknown>;

/** GET /healthz → 200 when `ok`, else 503; anything else 404. Resolves once listening. */
export function serveHealth(port: number, check: () => Promise<HealthReport>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url !== "/healthz") {
      res.writeHead(404).end();
      return;
    }
    void check().then(
      (report) => {
        const body = JSON.stringify(report);
        res.writeHead(report.ok ? 200 : 503, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
      },
      () => res.writeHead(503).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve(server));
  });
}
