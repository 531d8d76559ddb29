// Bridges node:http to Remix's fetch-style request handler (what @remix-run/express
// does, without Express in front of the webhook fast path).
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequestHandler, writeReadableStreamToWritable, type ServerBuild } from "@remix-run/node";

/**
 * The largest body a page action, the login form, Flow's callback or a supplier's answer may send.
 * Some of those read the whole body before they can tell who sent it (a signature over its bytes),
 * so without a bound anyone could make the process hold any amount. Above the supplier CSV's own
 * 1 MB limit, so that page can still say in its words that a file is too large.
 */
export const MAX_REMIX_BODY_BYTES = 8 * 1024 * 1024;

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  // Read and drop the rest, so the sender gets the answer rather than a reset connection.
  req.resume();
  const text = JSON.stringify({ error: `Request body too large (over ${MAX_REMIX_BODY_BYTES / 1024 / 1024} MB)` });
  res.writeHead(413, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The request's body as a web stream that errors once more than `limit` bytes arrived. Past the
 * limit the rest is read and dropped (never the socket destroyed), so the 413 reaches the sender.
 */
function limitedBody(req: IncomingMessage, limit: number, onExceeded: () => void): ReadableStream<Uint8Array> {
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = () => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
      };
      const onData = (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > limit) {
          stop();
          onExceeded();
          controller.error(new Error("request body too large"));
          req.resume();
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      };
      const onEnd = () => {
        stop();
        controller.close();
      };
      const onError = (error: Error) => {
        stop();
        controller.error(error);
      };
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.resume();
    },
  });
}

export function createRemixHandler(build: ServerBuild, mode: string, { maxBodyBytes = MAX_REMIX_BODY_BYTES } = {}) {
  const handle = createRequestHandler(build, mode);
  return async function remixHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) return tooLarge(req, res);
    let exceeded = false;
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const host = req.headers["x-forwarded-host"] ?? req.headers.host ?? "localhost";
    const protocol = (req.headers["x-forwarded-proto"] as string | undefined)?.split(",")[0] ?? "http";
    const url = new URL(req.url ?? "/", `${protocol}://${host}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method,
      headers,
      signal: controller.signal,
      ...(hasBody ? { body: limitedBody(req, maxBodyBytes, () => (exceeded = true)), duplex: "half" } : {}),
    } as RequestInit);
    const response = await handle(request);
    // A body cut off at the limit failed whatever read it: say why, not the route's 500.
    if (exceeded) return tooLarge(req, res);
    res.statusCode = response.status;
    res.statusMessage = response.statusText;
    const setCookies = response.headers.getSetCookie();
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") res.setHeader(name, value);
    });
    if (setCookies.length) res.setHeader("set-cookie", setCookies);
    if (response.body) await writeReadableStreamToWritable(response.body, res);
    else res.end();
  };
}
