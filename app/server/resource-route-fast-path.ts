// Serves one Remix resource route's loader and action straight from the server build, without
// Remix's request handler. Checkout calls /api/checkout/promise for every buyer: matching every
// route and copying the request twice (Remix's resource-request path) cost about three times the
// route's own work (token check, two indexed reads). The route module is the one Remix would call,
// from the same build, so its code, its authentication and its answers are the same.
// Only requests without a body (GET, HEAD, OPTIONS) are taken; anything else goes to Remix.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";

type DataFunction = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<unknown> | unknown;

const isResponse = (value: unknown): value is Response =>
  typeof value === "object" && value !== null && typeof (value as Response).status === "number" && typeof (value as Response).headers?.get === "function";

export type FastRoute = { pathname: string; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };

export function resourceRouteFastPath(build: ServerBuild, routeId: string, pathname: string): FastRoute {
  const route = build.routes[routeId];
  if (!route || route.module.default) throw new Error(`${routeId} is not a resource route of this build`);
  const loader = route.module.loader as DataFunction | undefined;
  const action = route.module.action as DataFunction | undefined;

  return {
    pathname,
    async handle(req, res) {
      const method = req.method ?? "GET";
      const run = method === "GET" || method === "HEAD" ? loader : action;
      const host = req.headers["x-forwarded-host"] ?? req.headers.host ?? "localhost";
      const protocol = (req.headers["x-forwarded-proto"] as string | undefined)?.split(",")[0] ?? "http";
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      let response: Response;
      if (!run) response = new Response(null, { status: 405 });
      else {
        const request = new Request(`${protocol}://${host}${req.url ?? pathname}`, { method, headers });
        try {
          const value = await run({ request, params: {}, context: {} });
          response = isResponse(value) ? value : Response.json(value);
        } catch (thrown) {
          // Remix answers a thrown Response as the response (authentication's 401, the preflight's 204).
          if (!isResponse(thrown)) throw thrown;
          response = thrown;
        }
      }
      // As text: Node sends a small string body in one write with the headers.
      const body = method === "HEAD" || response.body === null ? null : await response.text();
      res.statusCode = response.status;
      response.headers.forEach((value, name) => res.setHeader(name, value));
      if (body !== null) res.setHeader("Content-Length", Buffer.byteLength(body));
      res.end(body ?? undefined);
    },
  };
}

/** The pathname of a request URL ("/api/checkout/promise?orderId=1" → "/api/checkout/promise"). */
export function pathnameOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}
