// The privacy webhooks against the schema itself, through the real web and worker processes on
// SQLite and PostgreSQL. The tables are not listed by hand: every model the Prisma schema has
// (its DMMF) and every table the database lists is covered, so a table added later is too.
// - customers/data_request exports exactly what a scan of every table finds naming the customer,
//   and nothing of anyone else;
// - before customers/redact, every model that can name a customer or an order holds a row naming
//   this one (so the scan after it is not vacuous); after it, no table, stored payload, export or
//   log line holds anything of them;
// - shop/redact, with a row of the shop in every model that has a shop, leaves nothing of the shop
//   but the record that it was redacted.
import { randomUUID } from "node:crypto";
import { Prisma } from "@tierline/prisma-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv, eventually, startWebProcess, startWorkerProcess, TEST_API_SECRET, type AppProcess } from "../scripts/lib/app-processes.ts";
import { PrivateRedis } from "../scripts/lib/private-redis.ts";
import { allRows, findings, type ScannedRow } from "./support/database-scan.ts";
import { complianceBody, customerBody, fulfillmentBody, gidOf, needlesOf, orderBody, refundBody, toBody, type Person } from "./support/personal-webhooks.ts";
import { sendWebhook } from "./support/signed-webhook.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/test-database.ts";

const SHOP = "gdpr-scan.myshopify.com";
const OTHER_SHOP = "gdpr-other.myshopify.com";

// Ids as Shopify's are today (13 digits); values found nowhere else, so a find means a leak.
const SUBJECT: Person = {
  id: "7064055069311",
  email: "ottoline.brackwater@example.org",
  first: "Ottoline",
  last: "Brackwater",
  phone: "+16135550311",
  address1: "17 Quillon Terrace",
  city: "Harrowgate Vale",
  zip: "V3X8P1",
  orders: ["5501234567801", "5501234567802"],
};
const BYSTANDER: Person = {
  id: "7064055069322",
  email: "cassius.fennimore@example.org",
  first: "Cassius",
  last: "Fennimore",
  phone: "+16135550322",
  address1: "4 Juniper Wynd",
  city: "Oakhollow",
  zip: "T2W4L6",
  orders: ["5501234567901"],
};

const MODELS = Prisma.dmmf.datamodel.models;
/** A model that can name a customer or an order: it has such a column, or holds a payload or export that may. */
const CAN_NAME_A_PERSON = new Set(["customerGid", "orderGid", "payload", "export"]);
const personModels = () => MODELS.filter((m) => m.fields.some((f) => CAN_NAME_A_PERSON.has(f.name))).map((m) => m.name);
/**
 * The column that tells a model's rows apart within a shop: in this schema, its first column other
 * than the shop (an id, the webhook id, the order or customer GID). The client's DMMF does not mark keys.
 */
const keyOf = (model: string): string[] => [MODELS.find((x) => x.name === model)!.fields.find((f) => f.kind === "scalar" && f.name !== "shop")!.name];

/** How customers/data_request's export names each model's rows. */
const EXPORT_SECTIONS: Record<string, string> = {
  customer: "Customer",
  orders: "LedgerOrder",
  refunds: "LedgerRefund",
  tierChanges: "TierChange",
  promises: "OrderPromise",
  promiseShipments: "PromiseShipmentLine",
  orderShipping: "PromiseOrderShipping",
  spendAdjustments: "LedgerAdjustment",
  flowTriggers: "FlowTriggerFiring",
  webhookDeliveries: "WebhookDelivery",
};

/** Rows naming the person, by table, keyed as keyOf says. */
function rowsNaming(rows: ScannedRow[], p: Person, { except }: { except: (table: string, row: Record<string, unknown>) => boolean }): Record<string, string[]> {
  const needles = needlesOf(p).map((n) => n.toLowerCase());
  const out: Record<string, string[]> = {};
  for (const { table, text } of rows) {
    if (!needles.some((n) => text.toLowerCase().includes(n))) continue;
    const row = JSON.parse(text) as Record<string, unknown>;
    if (except(table, row)) continue;
    (out[table] ??= []).push(keyOf(table).map((k) => String(row[k])).join("|"));
  }
  for (const keys of Object.values(out)) keys.sort();
  return out;
}

describe.each(DATABASE_KINDS)("privacy webhooks against every table on %s", (kind) => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let web: AppProcess;
  let worker: AppProcess;
  let appUrl: string;

  const send = async (topic: string, body: string, shop = SHOP) => {
    const response = await sendWebhook(appUrl, { topic, shop, body, secret: TEST_API_SECRET });
    expect(response.status).toBe(200);
    return response.webhookId;
  };
  const done = (webhookIds: string[]) =>
    eventually(async () => (await database.db.webhookDelivery.count({ where: { webhookId: { in: webhookIds }, status: "received" } })) === 0 || null, { what: "deliveries done" });
  const scan = () => allRows(database.db, kind, database.url);
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  beforeAll(async () => {
    database = await createTestDatabase(kind, "gdpr");
    const { db } = database;
    await db.shop.create({ data: { domain: SHOP, currencyCode: "USD", countryCode: "US", ianaTimezone: "America/New_York" } });
    await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: "shpat_gdpr" } });
    await db.flowTriggerUse.create({ data: { shop: SHOP, handle: "member-tier-changed", enabled: true, notifiedAt: new Date() } });
    redis = await PrivateRedis.start();
    const env = appEnv({
      databaseUrl: database.url,
      redisUrl: redis.url,
      queuePrefix: `g${randomUUID().slice(0, 8)}`,
      // Every log line the processes write, to search; the Admin API goes nowhere.
      extra: { LOG_LEVEL: "debug", SHOPIFY_API_ORIGIN: "http://127.0.0.1:9", SHOP_PURGE_DELAY_HOURS: "0" },
    });
    ({ proc: web, url: appUrl } = await startWebProcess(env));
    worker = await startWorkerProcess(env);
  });

  afterAll(async () => {
    await Promise.all([web?.kill(), worker?.kill()]);
    await redis?.stop();
    await database?.drop();
  });

  it("data_request exports exactly the rows every table holds naming the customer; redact then leaves nothing of them anywhere", async () => {
    const { db } = database;
    const [o1, o2] = SUBJECT.orders;
    const history = [
      await send("customers/create", customerBody(SUBJECT, minutesAgo(60))),
      await send("customers/create", customerBody(BYSTANDER, minutesAgo(60))),
      await send("orders/create", orderBody(SUBJECT, o1, "2500.00", minutesAgo(50))),
      await send("orders/create", orderBody(SUBJECT, o2, "300.00", minutesAgo(45))),
      await send("orders/create", orderBody(BYSTANDER, BYSTANDER.orders[0], "700.00", minutesAgo(50))),
      await send("refunds/create", refundBody(SUBJECT, o1, "5501234567301", "100.00", minutesAgo(40))),
    ];
    await done(history);
    // Their paid orders' promises (the promise job reads the order's fulfillment orders from Shopify,
    // which this test does not run: stored as that job stores them), then the orders ship.
    const day = new Date().toISOString().slice(0, 10);
    for (const orderId of [o1, o2]) {
      await db.orderPromise.create({
        data: { shop: SHOP, orderGid: `gid://shopify/Order/${orderId}`, orderName: `#${orderId.slice(-4)}`, customerGid: gidOf(SUBJECT), tierKey: "gold", laneKey: "priority_production", orderedAt: new Date(), intakeDay: day, shipByEarliest: new Date(), shipBy: new Date(), shipByDay: day, destinationCountry: "CA" },
      });
    }
    // What the order needs shipped and a scored line of its fulfillment, as the score stores them.
    await db.promiseOrderShipping.create({ data: { shop: SHOP, orderGid: `gid://shopify/Order/${o1}`, lines: JSON.stringify([{ lineItemGid: "gid://shopify/LineItem/5501234567811", sku: "IPOD-342-N", quantity: 1 }]), orderUpdatedAt: new Date() } });
    await db.promiseShipmentLine.create({
      data: { shop: SHOP, orderGid: `gid://shopify/Order/${o1}`, fulfillmentGid: "gid://shopify/Fulfillment/5501234567821", lineItemGid: "gid://shopify/LineItem/5501234567811", sku: "IPOD-342-N", quantity: 1, fulfillmentStatus: "success", shippedAt: new Date(), fulfillmentUpdatedAt: new Date() },
    });
    const shipping = [
      await send("orders/updated", orderBody(SUBJECT, o1, "2500.00", minutesAgo(30))),
      await send("fulfillments/create", fulfillmentBody(SUBJECT, o1)),
      await send("fulfillments/create", fulfillmentBody(BYSTANDER, BYSTANDER.orders[0])),
    ];
    await done(shipping);
    await eventually(async () => (await db.tierChange.count({ where: { shop: SHOP, customerGid: gidOf(SUBJECT) } })) > 0 || null, { what: "the subject's tier change" });
    // What the admin and the tier sync add: a spend adjustment whose note names them, and a Flow event about their tier change.
    await db.ledgerAdjustment.create({ data: { shop: SHOP, adjustmentId: randomUUID(), customerGid: gidOf(SUBJECT), amount: 1_000, currencyCode: "USD", effectiveAt: new Date(), note: `Goodwill for ${SUBJECT.first} ${SUBJECT.last}` } });
    const change = await db.tierChange.findFirstOrThrow({ where: { shop: SHOP, customerGid: gidOf(SUBJECT) } });
    await db.flowTriggerFiring.create({ data: { shop: SHOP, handle: "member-tier-changed", eventKey: change.id, payload: JSON.stringify({ customer_id: Number(SUBJECT.id), "Old tier": "", "New tier": "Gold" }), status: "failed" } });

    // Every model that can name a customer or an order names this one somewhere: the scans below are not vacuous.
    const held = rowsNaming(await scan(), SUBJECT, { except: () => false });
    const modelsHolding = new Set(Object.keys(held));
    expect(personModels().filter((m) => !modelsHolding.has(m) && m !== "ComplianceRequest" && m !== "ErasureTombstone")).toEqual([]);

    const request = await send("customers/data_request", complianceBody(SHOP, SUBJECT, "customers/data_request"));
    await done([request]);
    const exported = JSON.parse((await db.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/data_request" } })).export!) as Record<string, unknown>;
    // What the scan finds, less the request itself (its delivery and its record).
    const expected = rowsNaming(await scan(), SUBJECT, { except: (table, row) => table === "ComplianceRequest" || (table === "WebhookDelivery" && row.webhookId === request) });
    const given: Record<string, string[]> = {};
    for (const [section, value] of Object.entries(exported)) {
      if (section === "generatedAt") continue;
      const table = EXPORT_SECTIONS[section];
      expect({ section, known: table !== undefined }).toEqual({ section, known: true });
      const rows = (Array.isArray(value) ? value : value === null ? [] : [value]) as Record<string, unknown>[];
      if (rows.length > 0) given[table] = rows.map((row) => keyOf(table).map((k) => String(row[k])).join("|")).sort();
    }
    expect(given).toEqual(expected);
    // And nothing of anybody else.
    expect(needlesOf(BYSTANDER).filter((n) => JSON.stringify(exported).toLowerCase().includes(n.toLowerCase()))).toEqual([]);

    const redact = await send("customers/redact", complianceBody(SHOP, SUBJECT, "customers/redact"));
    await done([redact]);
    const after = await scan();
    expect(findings(after, needlesOf(SUBJECT))).toEqual([]);
    // The Flow event about their tier change went too (its payload carries only their numeric id).
    expect(await db.flowTriggerFiring.count({ where: { shop: SHOP, eventKey: change.id } })).toBe(0);
    // The bystander is untouched, and the logs of both processes hold nothing of the subject.
    expect(findings(after, [gidOf(BYSTANDER), BYSTANDER.email]).length).toBeGreaterThan(0);
    const logs = (web.output + worker.output).toLowerCase();
    expect(logs.length).toBeGreaterThan(0);
    expect(needlesOf(SUBJECT).filter((n) => logs.includes(n.toLowerCase()))).toEqual([]);
  });

  it("shop/redact, with a row of the shop in every model that has a shop, leaves only the record that it happened", async () => {
    const { db } = database;
    // One row of the shop in every model the schema has, whatever it is, from the DMMF: a model
    // added later gets a row here and must be emptied by shop/redact like the rest.
    const client = db as unknown as Record<string, { create(args: { data: Record<string, unknown> }): Promise<unknown>; count(args: { where: Record<string, unknown> }): Promise<number> }>;
    const shopModels = MODELS.filter((m) => m.fields.some((f) => f.name === "shop") || m.name === "Shop");
    expect(shopModels.length).toBeGreaterThan(25);
    for (const shop of [OTHER_SHOP]) {
      for (const model of shopModels) {
        const data: Record<string, unknown> = {};
        // Every column gets a value (the client's DMMF names columns and types, not which are required).
        for (const f of model.fields) {
          if (f.kind !== "scalar") continue;
          if (f.name === "shop" || (model.name === "Shop" && f.name === "domain")) data[f.name] = shop;
          else if (f.type === "String") data[f.name] = `${model.name}-${f.name}-${randomUUID()}`;
          else if (f.type === "Int") data[f.name] = 1;
          else if (f.type === "BigInt") data[f.name] = 1n;
          else if (f.type === "Float") data[f.name] = 1;
          else if (f.type === "Boolean") data[f.name] = false;
          else if (f.type === "DateTime") data[f.name] = new Date();
          else throw new Error(`${model.name}.${f.name}: no sample value for type ${f.type}`);
        }
        const delegate = client[model.name.charAt(0).toLowerCase() + model.name.slice(1)];
        await delegate.create({ data });
      }
    }
    const where = (model: string) => (model === "Shop" ? { domain: OTHER_SHOP } : { shop: OTHER_SHOP });
    const delegateOf = (model: string) => client[model.charAt(0).toLowerCase() + model.slice(1)];
    for (const model of shopModels) expect({ model: model.name, rows: await delegateOf(model.name).count({ where: where(model.name) }) }).toEqual({ model: model.name, rows: 1 });

    const redact = await send("shop/redact", toBody({ shop_id: 2, shop_domain: OTHER_SHOP }), OTHER_SHOP);
    await eventually(async () => (await db.webhookDelivery.findUnique({ where: { webhookId: redact } }))?.status === "processed" || null, { what: "shop/redact done" });
    const left = (await scan()).filter((r) => r.text.includes(OTHER_SHOP));
    // Only its own delivery and the count-only record that the shop was redacted.
    expect(left.map((r) => r.table).sort()).toEqual(["ComplianceRequest", "WebhookDelivery"]);
    expect(JSON.parse(left.find((r) => r.table === "ComplianceRequest")!.text)).toMatchObject({ topic: "shop/redact", customerGid: null, export: null });
    // The other shop's data is still there.
    expect(await db.customer.count({ where: { shop: SHOP } })).toBeGreaterThan(0);
  });
});
