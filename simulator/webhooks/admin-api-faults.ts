// Admin API faults, applied in front of the simulator's GraphQL endpoint as a
// router middleware: a dropped connection (socket destroyed, no answer), a
// 5xx, a slow answer, and throttling pressure (points taken from the app's
// bucket before the request runs, as if other work of the app were spending them).

import type { Router } from "../router.ts";
import { sendJson } from "../router.ts";
import type { Faults } from "./faults.ts";

const STATUS_TEXT: Record<number, string> = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

export interface ThrottleTarget {
  /** The (app, shop) bucket; may throw for an unknown or uninstalled shop. */
  bucket(domain: string): { drain(points: number): void };
}

export function registerAdminApiFaults(router: Router, faults: Faults, throttle?: ThrottleTarget): void {
  router.use("/admin/api/", async (ctx, next) => {
    if (throttle && faults.adminApi.throttlePressure > 0) {
      const raw = ctx.req.headers["x-forwarded-host"] ?? ctx.req.headers.host ?? "";
      const shop = (Array.isArray(raw) ? raw[0] : raw).split(",")[0].trim().replace(/:\d+$/, "");
      try {
        throttle.bucket(shop).drain(faults.adminApi.throttlePressure);
      } catch {
        // Unknown shop: the endpoint answers that itself.
      }
    }
    const decision = faults.decideAdminApi();
    switch (decision.kind) {
      case "drop":
        ctx.req.socket.destroy();
        return;
      case "throttled":
        // Shopify's GraphQL throttling: a 200 whose body says THROTTLED; nothing ran.
        sendJson(ctx.res, 200, { errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }] });
        return;
      case "too-many-requests":
        ctx.res.setHeader("Retry-After", "1");
        sendJson(ctx.res, 429, { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." });
        return;
      case "error":
        sendJson(ctx.res, decision.status, { errors: STATUS_TEXT[decision.status] ?? "Server Error" });
        return;
      case "slow":
        await new Promise((r) => setTimeout(r, decision.ms));
        await next();
        return;
      default:
        await next();
    }
  });
}
