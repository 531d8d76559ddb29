// Starts the store simulator: one node:http server for the Admin API (/admin/api/...), the control
// API (/_sim/...) and whatever the simulator's edge half registers (OAuth/token exchange, the
// admin frame, webhooks, faults). Both halves plug into one Router; neither edits the other.
//
// Edge modules: simulator/webhooks/index.ts, simulator/admin/index.ts and simulator/checkout/index.ts, when present, export
//   registerEdgeRoutes(router: Router, sim: SimulatorContext): void | Promise<void> | { close?(): unknown }
// and are loaded here (pass `edgeModules: false` to skip them, or `plugins` to add more).
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { AdminApi, type ThrottleConfig } from "./admin-api/handler.ts";
import { registerControlRoutes } from "./control-api/routes.ts";
import { Router } from "./router.ts";
import { DEFAULT_SCOPES, SimStore } from "./store/store.ts";

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The app's URL (SHOPIFY_APP_URL), for the edge half (webhook delivery, admin frame). */
  appUrl: string;
  /** The app's client id and secret (SHOPIFY_API_KEY / SHOPIFY_API_SECRET). */
  apiKey: string;
  apiSecret: string;
  /** Scopes granted when a shop is created with the app installed. */
  scopes?: string[];
  /** Use an existing store (tests); a fresh one otherwise. */
  store?: SimStore;
  /** Milliseconds clock for rate limiting (tests inject a fake one). */
  clock?: () => number;
  throttle?: ThrottleConfig;
  /** Load simulator/webhooks and simulator/admin if present (default true). */
  edgeModules?: boolean;
  plugins?: EdgeRegistrar[];
}

/** What an edge module gets to work with. */
export interface SimulatorContext {
  store: SimStore;
  admin: AdminApi;
  options: SimulatorOptions;
  /** The simulator's origin once listening, e.g. "http://127.0.0.1:4711". */
  origin(): string;
}

export type EdgeRegistrar = (router: Router, sim: SimulatorContext) => void | { close?(): unknown } | Promise<void | { close?(): unknown }>;

export interface RunningSimulator {
  origin: string;
  store: SimStore;
  admin: AdminApi;
  router: Router;
  server: Server;
  close(): Promise<void>;
}

const EDGE_MODULES = ["webhooks/index.ts", "admin/index.ts", "checkout/index.ts"];

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const store = options.store ?? new SimStore();
  let origin = "";
  // Each simulator writes its bulk results in its own folder: ids restart at 1 in
  // every process, so a shared folder let concurrent simulators clobber each other.
  const bulkDir = mkdtempSync(join(tmpdir(), "tierline-sim-bulk-"));
  const admin = new AdminApi({ store, origin: () => origin, clock: options.clock, throttle: options.throttle, bulkDir });
  const router = new Router();
  const sim: SimulatorContext = { store, admin, options, origin: () => origin };

  admin.registerRoutes(router);
  registerControlRoutes(router, { store, admin, apiKey: options.apiKey, defaultScopes: options.scopes ?? DEFAULT_SCOPES });
  router.get("/_sim/health", () => ({ ok: true, shops: store.shopDomains().length }));
  router.get("/_sim/routes", () => ({ routes: router.list() }));

  const registrars: EdgeRegistrar[] = [...(options.plugins ?? [])];
  if (options.edgeModules !== false) {
    for (const rel of EDGE_MODULES) {
      const file = join(import.meta.dirname, rel);
      if (!existsSync(file)) continue;
      const mod = (await import(pathToFileURL(file).href)) as { registerEdgeRoutes?: EdgeRegistrar };
      if (typeof mod.registerEdgeRoutes === "function") registrars.push(mod.registerEdgeRoutes);
    }
  }
  const closers: (() => unknown)[] = [];
  for (const register of registrars) {
    const handle = await register(router, sim);
    if (handle && typeof handle.close === "function") closers.push(() => handle.close!());
  }

  const server = createServer((req, res) => void router.handle(req, res));
  // Idle keep-alive sockets must outlive the clients' own (undici drops its after 4 s): with
  // Node's 5 s default a loaded machine lets the server close a socket the client is reusing,
  // and the request fails with "fetch failed".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    origin, store, admin, router, server,
    async close() {
      for (const close of closers) await close();
      rmSync(bulkDir, { recursive: true, force: true });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      admin.bulk.removeFiles();
    },
  };
}
