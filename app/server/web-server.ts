// The web process's HTTP server. Webhooks take a fast path straight to the
// intake (no router, no framework request objects: Shopify's 5-second budget and
// the intake benchmark both want it lean); everything else goes to Remix.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { IntakeRequest, IntakeResponse } from "../webhooks/webhook-intake.server.ts";

export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/** A route answered on node:http for GET, HEAD and OPTIONS; other methods of its path go to Remix. */
export type FastRoute = { pathname: string; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };

/** The pathname of a request URL ("/api/checkout/promise?orderId=1" → "/api/checkout/promise"). */
export function pathnameOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

export interface WebServerOptions {
  receiveWebhook: (request: IntakeRequest) => Promise<IntakeResponse>;
  serveStatic?: (req: IncomingMessage, res: ServerResponse) => boolean;
  remix: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Routes answered on node:http before Remix (checkout-promise-fast-path.ts); bodyless methods only. */
  fastRoutes?: FastRoute[];
  /** `/healthz`: 200 when `ok`, else 503 (a load balancer then sends no new requests here). */
  health?: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  onError?: (error: unknown) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The body's bytes, in a buffer of their own (it is handed to the writer thread);
 * null when over the limit. A body declared too large by its Content-Length is
 * refused before a byte is read, and a body that turns out too large stops being
 * kept; either way the rest is read and dropped, never the socket destroyed, so the
 * sender receives the 413 instead of a connection reset (which it would retry).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", collect);
        chunks.length = 0;
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", collect);
    // Copied into a buffer of exactly its size, even from one chunk: a chunk is a view
    // into the socket's read buffer, and a small Buffer shares a pool, either of which
    // would be copied whole to the writer thread.
    req.on("end", () => {
      if (size > limit) return;
      const body = Buffer.allocUnsafeSlow(size);
      let at = 0;
      for (const chunk of chunks) at += chunk.copy(body, at);
      resolve(body);
    });
    req.on("error", reject);
  });
}

export function createWebServer(options: WebServerOptions): http.Server {
  const server = http.createServer(async (req, res) => {
    try {
      const url = req.url ?? "/";
      if (url.startsWith("/webhooks/") || url === "/webhooks") {
        const rawBody = await readBody(req, MAX_WEBHOOK_BYTES);
        if (rawBody === null) return sendJson(res, 413, { status: "error", message: "Webhook body too large" });
        const result = await options.receiveWebhook({ method: req.method ?? "GET", url, headers: req.headers, rawBody });
        return sendJson(res, result.status, result.body);
      }
      if (url === "/healthz" && options.health) {
        const health = await options.health();
        return sendJson(res, health.ok ? 200 : 503, health);
      }
      if (options.fastRoutes && (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS")) {
        const pathname = pathnameOf(url);
        const fast = options.fastRoutes.find((route) => route.pathname === pathname);
        if (fast) return await fast.handle(req, res);
      }
      if (options.serveStatic?.(req, res)) return;
      await options.remix(req, res);
    } catch (error) {
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { status: "error", message: "Internal error" });
      else res.destroy();
    }
  });
  // Shopify reuses connections for webhooks; keep them open a little longer than its pool.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
