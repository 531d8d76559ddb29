// Holds the intake's shape check to the worker's own reading of each topic: every simulator
// payload the worker accepts passes it, and every mutation of a checked field (and of every
// top-level field) is refused by the intake exactly when the worker's parsing refuses it.
// A field the worker starts to require, or stops requiring, fails here until the check follows.
import { describe, expect, it } from "vitest";
import { complianceSubject, customerFromPayload, deletedCustomerGid, embeddedRefundRecords, listsRefunds, orderSnapshotFromPayload, refundRecordFromPayload } from "../adapters/shopify/webhook-payloads.ts";
import { fulfillmentFromPayload } from "../adapters/shopify/fulfillment-payloads.ts";
import { parseWebhookPayload } from "../adapters/shopify/lossless-json.ts";
import { COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS, type WebhookTopic } from "../adapters/shopify/webhook-topics.ts";
import { tagChangeFromPayload } from "../use-cases/apply-tag-change-webhook.server.ts";
import { inventoryLevelGids } from "../use-cases/replenishment-requests.server.ts";
import { SHOP_DOMAIN, fixtureChanges, fixtureShop } from "../../simulator/webhooks/payload-fixtures.ts";
import { customersDataRequestPayload, customersRedactPayload, payloadContext, payloadForChange, shopRedactPayload } from "../../simulator/webhooks/payloads.ts";
import { toWebhookJson } from "../../simulator/webhooks/webhook-json.ts";
import { jsonObjectProblem } from "./json-payload.ts";
import { payloadShapeProblem, REQUIRED_SHAPES, type Shape } from "./payload-shape.ts";

const readOrder = (payload: unknown) => {
  orderSnapshotFromPayload(payload);
  if (listsRefunds(payload)) embeddedRefundRecords(payload, "USD");
};
const readCustomer = (payload: unknown) => customerFromPayload(payload);

/** What the worker's handler parses for each checked topic (it throws where the delivery would fail). */
const WORKER_READS: Record<string, (payload: unknown) => unknown> = {
  "orders/create": readOrder,
  "orders/paid": readOrder,
  "orders/updated": readOrder,
  "orders/cancelled": readOrder,
  "refunds/create": (payload) => refundRecordFromPayload(payload, "USD"),
  "customers/create": readCustomer,
  "customers/update": readCustomer,
  "customers/delete": deletedCustomerGid,
  "customer.tags_added": tagChangeFromPayload,
  "customer.tags_removed": tagChangeFromPayload,
  "fulfillments/create": fulfillmentFromPayload,
  "fulfillments/update": fulfillmentFromPayload,
  "inventory_levels/update": inventoryLevelGids,
  "customers/data_request": complianceSubject,
  "customers/redact": complianceSubject,
  "shop/redact": complianceSubject,
};

/** Topics whose handler reads leniently (skips, or looks under alternative keys): not shape-checked. */
const LENIENT: WebhookTopic[] = ["app/uninstalled", "bulk_operations/finish", "fulfillment_orders/split", "fulfillment_orders/merged", "fulfillment_orders/moved"];

const ctx = payloadContext(fixtureShop(), SHOP_DOMAIN);
const complianceCustomer = { id: "207119551", email: "bob.norman@mail.example.com", phone: null };

/** The simulator's body for each checked topic, as the intake receives it. */
function fixtureBodies(): Map<string, string> {
  const bodies = new Map<string, string>();
  for (const change of fixtureChanges()) {
    if (!(change.topic in REQUIRED_SHAPES)) continue;
    const payload = payloadForChange(change, ctx);
    if (payload) bodies.set(change.topic, toWebhookJson(payload));
  }
  bodies.set("customers/data_request", toWebhookJson(customersDataRequestPayload(ctx, complianceCustomer, ["299938"], "9999")));
  bodies.set("customers/redact", toWebhookJson(customersRedactPayload(ctx, complianceCustomer, ["299938"])));
  bodies.set("shop/redact", toWebhookJson(shopRedactPayload(ctx)));
  return bodies;
}

const workerAccepts = (topic: string, text: string): boolean => {
  try {
    WORKER_READS[topic](parseWebhookPayload(topic, text));
    return true;
  } catch {
    return false;
  }
};
/** The intake's answer, with the key offsets of the grammar scan (as the intake calls it) and without: the same. */
const intakeAccepts = (topic: string, text: string) => {
  const body = Buffer.from(text);
  const keys: number[] = [];
  expect(jsonObjectProblem(body, keys)).toBeNull();
  expect(keys.length).toBeGreaterThan(0);
  const problem = payloadShapeProblem(topic, body, keys);
  expect(payloadShapeProblem(topic, body)).toBe(problem);
  return problem === null;
};

type Json = Record<string, unknown>;
const WRONG_VALUES: unknown[] = [{ $gt: 0 }, [], true, "not-a-valid-value", 12, -1.5, null];

/** Each mutation of one member of the object at `path`: removed, or given a value of another type. */
function* mutations(root: Json, path: string[], shape: Shape | null): Generator<{ what: string; body: Json }> {
  const target = path.reduce<Json>((at, key) => at[key] as Json, root);
  for (const key of Object.keys(shape ?? target)) {
    const where = [...path, key].join(".");
    const mutate = (change: (object: Json) => void) => {
      const copy = structuredClone(root);
      change(path.reduce<Json>((at, k) => at[k] as Json, copy));
      return copy;
    };
    if (key in target) yield { what: `${where} removed`, body: mutate((object) => delete object[key]) };
    for (const value of WRONG_VALUES) yield { what: `${where} = ${JSON.stringify(value)}`, body: mutate((object) => (object[key] = value)) };
    const kind = shape?.[key]?.kind;
    const value = target[key];
    if (kind && typeof kind === "object" && "object" in kind && value && typeof value === "object" && !Array.isArray(value)) yield* mutations(root, [...path, key], kind.object);
  }
}

describe("payload shape check", () => {
  const bodies = fixtureBodies();

  it("checks every subscribed topic whose handler requires fields, and names the lenient ones", () => {
    const all: string[] = [...SUBSCRIBED_TOPICS, ...COMPLIANCE_TOPICS];
    expect(all.filter((topic) => !(topic in REQUIRED_SHAPES) && !LENIENT.includes(topic as WebhookTopic))).toEqual([]);
    expect(Object.keys(REQUIRED_SHAPES).sort()).toEqual(Object.keys(WORKER_READS).sort());
    expect([...bodies.keys()].sort()).toEqual(Object.keys(REQUIRED_SHAPES).sort());
  });

  it.each(Object.keys(REQUIRED_SHAPES))("passes the simulator's %s payload, which the worker accepts", (topic) => {
    const text = bodies.get(topic)!;
    expect(workerAccepts(topic, text)).toBe(true);
    expect(payloadShapeProblem(topic, Buffer.from(text))).toBeNull();
  });

  it.each(Object.keys(REQUIRED_SHAPES))("refuses a %s payload exactly when the worker would: each field removed or mistyped", (topic) => {
    const original = JSON.parse(bodies.get(topic)!) as Json;
    const disagreements: string[] = [];
    let refused = 0;
    // Top-level members the intake does not check, then the checked ones down their objects.
    const seen = new Set<string>();
    for (const { what, body } of [...mutations(original, [], null), ...mutations(original, [], REQUIRED_SHAPES[topic])]) {
      if (seen.has(what)) continue;
      seen.add(what);
      const text = JSON.stringify(body);
      const worker = workerAccepts(topic, text);
      if (!worker) refused++;
      if (worker !== intakeAccepts(topic, text)) disagreements.push(`${what}: worker ${worker ? "accepts" : "refuses"}`);
    }
    expect(disagreements).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });

  it("names the missing or mistyped field", () => {
    const order = JSON.parse(bodies.get("orders/create")!) as Json;
    const without = { ...order };
    delete without.updated_at;
    expect(payloadShapeProblem("orders/create", Buffer.from(JSON.stringify(without)))).toBe("orders/create payload: updated_at is missing, expected a date-time string");
    const wrongTotal = { ...order, current_total_price_set: { shop_money: { amount: "twelve", currency_code: "USD" } } };
    expect(payloadShapeProblem("orders/create", Buffer.from(JSON.stringify(wrongTotal)))).toBe("orders/create payload: current_total_price_set.shop_money.amount must be a decimal amount");
    expect(payloadShapeProblem("orders/create", Buffer.from(JSON.stringify({ ...order, admin_graphql_api_id: "gid://shopify/Order/abc" })))).toBe(
      "orders/create payload: admin_graphql_api_id must be a gid://shopify/Order/<number> id",
    );
    expect(payloadShapeProblem("customer.tags_added", Buffer.from('{"customerId":"gid://shopify/Customer/1","tags":["gold",7]}'))).toBe("customer.tags_added payload: tags[1] must be a string");
  });

  it("reads the body as JSON.parse does: whitespace anywhere, escapes in strings, the last of a repeated key", () => {
    const spaced = '{ "admin_graphql_api_id" : "gid://shopify/Customer/\\u0031" ,\n\t"email" : null , "admin_graphql_api_id":"gid://shopify/Customer/2" }';
    expect(payloadShapeProblem("customers/update", Buffer.from(spaced))).toBeNull();
    const keys: number[] = [];
    expect(jsonObjectProblem(Buffer.from(spaced), keys)).toBeNull();
    expect(keys.map((at) => spaced.slice(at, spaced.indexOf('"', at + 1) + 1))).toEqual(['"admin_graphql_api_id"', '"email"', '"admin_graphql_api_id"']);
    expect(payloadShapeProblem("customers/update", Buffer.from(spaced), keys)).toBeNull();
    expect(payloadShapeProblem("customers/update", Buffer.from('{"admin_graphql_api_id":"gid://shopify/Customer/2","admin_graphql_api_id":5}'))).toMatch(/admin_graphql_api_id must be/);
    expect(payloadShapeProblem("customers/delete", Buffer.from('{"note":"a \\"quoted\\" } ] {","nested":{"admin_graphql_api_id":1},"admin_graphql_api_id":"gid://shopify/Customer/3"}'))).toBeNull();
  });

  it("leaves the lenient topics to their handlers", () => {
    for (const topic of LENIENT) expect(payloadShapeProblem(topic, Buffer.from("{}"))).toBeNull();
  });
});
