// The webhook fast path over real HTTP: a body above the limit is answered 413,
// and the sender receives that answer (a connection reset would make Shopify retry).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IntakeRequest } from "../webhooks/webhook-intake.server.ts";
import { createWebServer, MAX_WEBHOOK_BYTES } from "./web-server.ts";

describe("web server webhook body limit", () => {
  let server: http.Server;
  let port: number;
  const received: IntakeRequest[] = [];

  beforeAll(async () => {
    server = createWebServer({
      receiveWebhook: async (request) => (received.push(request), { status: 200, body: { status: "accepted", message: "ok" } }),
      remix: async (_req, res) => void res.end("remix"),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends the headers and every chunk, then waits for the answer. */
  function post(headers: Record<string, string | number>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/orders/create", headers, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it("answers 413 from the Content-Length, before the body is sent", async () => {
    // Only the headers and a few bytes go out before the answer is awaited: the server
    // must decide from the declared length, not by reading past the limit.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, method: "POST", path: "/webhooks/orders/create", headers: { "Content-Type": "application/json", "Content-Length": MAX_WEBHOOK_BYTES + 1 }, agent: false },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (body += c));
          res.on("end", () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on("error", reject);
      req.write("{");
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "error" });
    expect(received).toHaveLength(0);
  });

  it("answers 413 to a chunked body that grows past the limit, and the sender receives it", async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const chunks = Array.from({ length: Math.ceil(MAX_WEBHOOK_BYTES / chunk.length) + 4 }, () => chunk);
    const answer = await post({ "Content-Type": "application/json", "Transfer-Encoding": "chunked" }, chunks);
    expect(answer.status).toBe(413);
    expect(received).toHaveLength(0);
  });

  it("still takes a body within the limit", async () => {
    const answer = await post({ "Content-Type": "application/json" }, [Buffer.from('{"id":1}')]);
    expect(answer.status).toBe(200);
    expect(received.at(-1)?.rawBody.toString()).toBe('{"id":1}');
  });
});
