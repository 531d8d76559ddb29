// Server rendering, with the document headers Shopify's admin requires (CSP frame-ancestors).
import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { env } from "./env.server.ts";
import { addDocumentResponseHeaders } from "./shopify.server.ts";

const ABORT_DELAY = 5_000;

// Development and tests only (env.server.ts refuses SHOPIFY_API_ORIGIN in
// production, and anywhere but a loopback address): the local store simulator plays
// the Shopify admin and frames the app from its own origin, which Shopify's CSP
// would otherwise forbid. Read from the validated environment when the request
// comes, never from `process.env.NODE_ENV`, which a production build bakes in.
function allowSimulatorAdminToFrame(headers: Headers): void {
  const config = env();
  const simulator = config.NODE_ENV !== "production" ? config.SHOPIFY_API_ORIGIN : undefined;
  const csp = headers.get("Content-Security-Policy");
  if (!simulator || !csp?.startsWith("frame-ancestors") || csp.includes("'none'")) return;
  headers.set("Content-Security-Policy", csp.replace("frame-ancestors", `frame-ancestors ${new URL(simulator).origin}`));
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addDocumentResponseHeaders(request, responseHeaders);
  allowSimulatorAdminToFrame(responseHeaders);
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />, {
      [callbackName]: () => {
        const body = new PassThrough();
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error) {
        reject(error);
      },
      onError(error) {
        responseStatusCode = 500;
        console.error(error);
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}
