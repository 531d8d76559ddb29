// A tiny route registry for the simulator's node:http server, so that each half of the simulator
// (the Admin API and control API here; OAuth, the admin frame, webhooks and faults in
// simulator/admin and simulator/webhooks) registers its own routes without editing the other's files.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named `:params` from the route pattern, decoded. */
  params: Record<string, string>;
  /** Reads the request body once (cached), as text. */
  body(): Promise<string>;
  /** Reads and JSON-parses the body; throws HttpError(400) on bad JSON. */
  json<T = unknown>(): Promise<T>;
}

export type RouteHandler = (ctx: RouteContext) => unknown | Promise<unknown>;
/** Runs before routing; call `next()` to continue, or answer `ctx.res` yourself and don't. */
export type Middleware = (ctx: RouteContext, next: () => Promise<void>) => unknown | Promise<unknown>;

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly body?: unknown) {
    super(message);
  }
}

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export class Router {
  private readonly routes: Route[] = [];
  private readonly middlewares: { prefix: string; fn: Middleware }[] = [];

  /** pattern: "/admin/api/:version/graphql.json"; a trailing "*" matches the rest as params["*"]. */
  add(method: string, pattern: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = pattern
      .split("/")
      .map((seg) => {
        if (seg === "*") {
          keys.push("*");
          return "(.*)";
        }
        if (seg.startsWith(":")) {
          const m = /^:([A-Za-z0-9_]+)(.*)$/.exec(seg)!;
          keys.push(m[1]);
          return `([^/]+?)${escapeRegex(m[2])}`;
        }
        return escapeRegex(seg);
      })
      .join("/");
    this.routes.push({ method: method.toUpperCase(), pattern, regex: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.add("GET", pattern, handler);
  }

  post(pattern: string, handler: RouteHandler): this {
    return this.add("POST", pattern, handler);
  }

  /** Middleware for every request whose path starts with prefix ("/" for all). */
  use(prefix: string, fn: Middleware): this {
    this.middlewares.push({ prefix, fn });
    return this;
  }

  list(): { method: string; pattern: string }[] {
    return this.routes.map((r) => ({ method: r.method, pattern: r.pattern }));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator.local");
    let bodyPromise: Promise<string> | undefined;
    const ctx: RouteContext = {
      req, res, url, params: {},
      body: () => (bodyPromise ??= readBody(req)),
      json: async <T>() => {
        const text = await ctx.body();
        try {
          return (text ? JSON.parse(text) : {}) as T;
        } catch {
          throw new HttpError(400, "body is not valid JSON", { errors: "body is not valid JSON" });
        }
      },
    };
    try {
      const chain = this.middlewares.filter((m) => url.pathname.startsWith(m.prefix));
      let i = 0;
      const next = async (): Promise<void> => {
        const mw = chain[i++];
        if (mw) {
          await mw.fn(ctx, next);
          return;
        }
        await this.dispatch(ctx);
      };
      await next();
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) sendJson(res, error.status, error.body ?? { errors: error.message });
      else sendJson(res, 500, { errors: `simulator error: ${(error as Error).message}` });
    }
  }

  private async dispatch(ctx: RouteContext): Promise<void> {
    const method = (ctx.req.method ?? "GET").toUpperCase();
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(ctx.url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method && !(route.method === "GET" && method === "HEAD")) continue;
      route.keys.forEach((k, i) => (ctx.params[k] = decodeURIComponent(m[i + 1])));
      const result = await route.handler(ctx);
      if (!ctx.res.headersSent && !ctx.res.writableEnded) {
        if (result === undefined) ctx.res.writeHead(204).end();
        else sendJson(ctx.res, 200, result);
      }
      return;
    }
    if (pathMatched) sendJson(ctx.res, 405, { errors: "Method not allowed" });
    else sendJson(ctx.res, 404, { errors: "Not Found" });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, "body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
