// Bridges node:http to Remix's fetch-style request handler (what @remix-run/express
// does, without Express in front of the webhook fast path).
import type { IncomingMessage, ServerResponse } from "node:http";
import { createReadableStreamFromReadable, createRequestHandler, writeReadableStreamToWritable, type ServerBuild } from "@remix-run/node";

export function createRemixHandler(build: ServerBuild, mode: string) {
  const handle = createRequestHandler(build, mode);
  return async function remixHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      ...(hasBody ? { body: createReadableStreamFromReadable(req), duplex: "half" } : {}),
    } as RequestInit);
    const response = await handle(request);
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
