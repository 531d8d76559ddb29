// The writer thread stores batches in the real databases, once per webhook id,
// with the payload exactly as signed, and reports a database that does not take them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseTarget } from "../db.server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../tests/support/test-database.ts";
import { createDeliveryWriter, type DeliveryWriter, type RawDeliveryRow } from "./delivery-writer.server.ts";

const row = (webhookId: string, body: string): RawDeliveryRow => ({
  webhookId,
  shop: "a.myshopify.com",
  topic: "orders/create",
  eventId: "e-1",
  apiVersion: "2026-01",
  triggeredAt: new Date("2026-11-20T10:00:00.000Z"),
  payload: Buffer.from(body, "utf8"),
  receivedAt: new Date("2026-11-20T10:00:01.000Z"),
});

describe.each(DATABASE_KINDS)("delivery writer on %s", (kind) => {
  let database: TestDatabase;
  let writer: DeliveryWriter;

  beforeAll(async () => {
    database = await createTestDatabase(kind, "writer");
    writer = await createDeliveryWriter(databaseTarget(database.url));
  });

  afterAll(async () => {
    await writer?.close();
    await database?.drop();
  });

  it("stores a batch, a redelivery once, and the payload as signed", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const body = '{"id":820982911946154508,"note":"Grüße — 注文 😀"}';
    await writer.write([row(a, body), row(b, "{}"), row(a, body)]);
    await writer.write([row(b, '{"later":true}')]);
    const rows = await database.db.webhookDelivery.findMany({ where: { webhookId: { in: [a, b] } }, orderBy: { webhookId: "asc" } });
    expect(rows).toHaveLength(2);
    const stored = rows.find((r) => r.webhookId === a)!;
    expect(stored).toMatchObject({ shop: "a.myshopify.com", topic: "orders/create", eventId: "e-1", apiVersion: "2026-01", status: "received", attempts: 0, payload: body });
    expect(stored.triggeredAt?.toISOString()).toBe("2026-11-20T10:00:00.000Z");
    expect(stored.receivedAt.toISOString()).toBe("2026-11-20T10:00:01.000Z");
    expect(rows.find((r) => r.webhookId === b)?.payload).toBe("{}");
  });

  it("rejects a batch when the database cannot be reached", async () => {
    const target = databaseTarget(database.url);
    const broken = await createDeliveryWriter(
      target.kind === "sqlite" ? { ...target, filePath: "/nonexistent-dir/for-sure/tierline.db" } : { ...target, url: "postgresql://postgres@127.0.0.1:1/test" },
    );
    try {
      await expect(broken.write([row(randomUUID(), "{}")])).rejects.toThrow();
      // Not stuck on the first failure: the next batch tries again.
      await expect(broken.write([row(randomUUID(), "{}")])).rejects.toThrow();
    } finally {
      await broken.close();
    }
  });
});
