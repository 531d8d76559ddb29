// The web process's HTTP server. Webhooks take a fast path straight to the
// intake (no router, no framework request objects: Shopify's 5-second budget and
// the intake benchmark both want it lean); everything else goes to Remix.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { IntakeRequest, IntakeResponse } from "../webhooks/webhook-intake.server.ts";

export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

export interface WebServerOptions {
  receiveWebhook: (request: IntakeRequest) => Promise<IntakeResponse>;
  serveStatic?: (req: IncomingMessage, res: ServerResponse) => boolean;
  remix: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  health?: () => Promise<Record<string, unknown>>;
  onError?: (error: unknown) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
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
        const header = (name: string) => {
          const value = req.headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        };
        const result = await options.receiveWebhook({ method: req.method ?? "GET", url, headers: req.headers, header, rawBody });
        return sendJson(res, result.status, result.body);
      }
      if (url === "/healthz" && options.health) return sendJson(res, 200, await options.health());
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
