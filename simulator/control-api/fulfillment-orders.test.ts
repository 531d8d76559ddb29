// What delivery promises need of the local Shopify, played over HTTP as the app and the demo
// meet it: ship-by deadlines set with fulfillmentOrdersSetFulfillmentDeadline (its refusals, cost
// and all-or-nothing), fulfillment orders merged and moved by the merchant (control API) or the app
// (GraphQL), with their webhooks delivered to the subscriptions in the project's shopify.app.toml,
// delivery methods with checkout's promise, and app-owned order metafields.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../server.ts";

const SHOP = "promises-http.myshopify.com";
const OTHER = "other-promises.myshopify.com";
const SECRET = "promise-secret";
const SCOPES = ["read_orders", "write_orders", "read_products", "read_inventory", "read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders"];

let sim: RunningSimulator;
let app: Server;
let token: string;
let otherToken: string;
const received: { path: string; topic: string; hmacOk: boolean; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any

/* eslint-disable @typescript-eslint/no-explicit-any */
async function call(path: string, body: unknown = {}, status = 200, shop = SHOP): Promise<any> {
  const res = await fetch(`${sim.origin}/_sim/shops/${shop}${path}`, { method: "POST", body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(status);
  return json;
}

async function get(path: string): Promise<any> {
  const res = await fetch(`${sim.origin}/_sim/shops/${SHOP}${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

async function gqlRaw(query: string, variables: Record<string, unknown> = {}, shop = SHOP): Promise<any> {
  const res = await fetch(`${sim.origin}/admin/api/2026-01/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-Host": shop, "X-Shopify-Access-Token": shop === SHOP ? token : otherToken },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const body = await gqlRaw(query, variables);
  expect(body.errors).toBeUndefined();
  return body.data;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

async function newShop(shop: string, scopes = SCOPES): Promise<string> {
  const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop, install: { scopes } }) });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function product(shop = SHOP) {
  const { product: p } = await call("/products", { title: "Lamp", variants: [{ sku: "LAMP-1", price: "40.00", inventory: 10 }, { sku: "SHADE-1", price: "15.00", inventory: 10 }] }, 200, shop);
  return p.variants as { id: string; inventoryItemId: string }[];
}

async function placeOrder(extra: Record<string, unknown> = {}, shop = SHOP) {
  const [lamp, shade] = await product(shop);
  const { order } = await call("/orders", { lineItems: [{ variantId: lamp.id, quantity: 2 }, { variantId: shade.id, quantity: 1 }], shipping: { title: "Express", price: "14.50" }, ...extra }, 200, shop);
  return order;
}

const webhooksIdle = () => fetch(`${sim.origin}/_sim/webhooks/idle`, { method: "POST" });
const SET_DEADLINE = `mutation($ids: [ID!]!, $at: DateTime!) { fulfillmentOrdersSetFulfillmentDeadline(fulfillmentOrderIds: $ids, fulfillmentDeadline: $at) { success userErrors { field message code } } }`;
const FO = `query($id: ID!) { fulfillmentOrder(id: $id) { id status fulfillBy assignedLocation { location { id } } lineItems(first: 10) { nodes { id totalQuantity remainingQuantity lineItem { id } } } } }`;
const readFo = async (gid: string) => (await gql(FO, { id: gid })).fulfillmentOrder;

beforeAll(async () => {
  app = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const hmac = createHmac("sha256", SECRET).update(raw, "utf8").digest("base64");
    received.push({ path: req.url ?? "", topic: String(req.headers["x-shopify-topic"]), hmacOk: hmac === req.headers["x-shopify-hmac-sha256"], body: JSON.parse(raw) });
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  // The edge delivers to the subscriptions of the project's own shopify.app.toml.
  sim = await startSimulator({ apiKey: "promise-key", apiSecret: SECRET, appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}` });
});

afterAll(async () => {
  await sim.close();
  app.closeAllConnections();
  await new Promise((r) => app.close(r));
});

beforeEach(async () => {
  await fetch(`${sim.origin}/_sim/reset`, { method: "POST" });
  await webhooksIdle();
  received.length = 0;
  token = await newShop(SHOP);
  otherToken = await newShop(OTHER);
});

describe("fulfillmentOrdersSetFulfillmentDeadline as Shopify answers it", () => {
  it("sets every listed fulfillment order (repeated ids once), costs 10 points, and is recorded", async () => {
    const order = await placeOrder();
    const fo = order.fulfillmentOrders[0];
    const body = await gqlRaw(SET_DEADLINE, { ids: [fo.gid, fo.gid], at: "2026-03-04T12:00:00-05:00" });
    expect(body.data.fulfillmentOrdersSetFulfillmentDeadline).toEqual({ success: true, userErrors: [] });
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
    expect((await readFo(fo.gid)).fulfillBy).toBe("2026-03-04T17:00:00Z");
    const { mutations } = await get("/mutations?kind=fulfillmentOrdersSetFulfillmentDeadline");
    expect(mutations).toEqual([expect.objectContaining({ ok: true, cost: 10, detail: { kind: "fulfillmentOrdersSetFulfillmentDeadline", fulfillmentOrderGids: [fo.gid, fo.gid], fulfillmentDeadline: "2026-03-04T12:00:00-05:00" } })]);
  });

  it("refuses the whole batch when one id is unknown, another shop's, another type's, closed or cancelled, changing nothing", async () => {
    const order = await placeOrder({ fulfillBy: "2026-03-01T00:00:00Z" });
    const live = order.fulfillmentOrders[0];
    const shipped = (await placeOrder()).fulfillmentOrders[0];
    await call(`/orders/${shipped.orderId}/fulfill`);
    const foreign = (await placeOrder({}, OTHER)).fulfillmentOrders[0];
    const cancelled = await placeOrder();
    await call(`/orders/${cancelled.id}/cancel`, { reason: "CUSTOMER" });
    const refused = [
      "gid://shopify/FulfillmentOrder/1",
      foreign.gid,
      order.gid,
      shipped.gid,
      cancelled.fulfillmentOrders[0].gid,
    ];
    for (const bad of refused) {
      const { fulfillmentOrdersSetFulfillmentDeadline: answer } = await gql(SET_DEADLINE, { ids: [live.gid, bad], at: "2026-03-09T17:00:00Z" });
      expect(answer, bad).toEqual({ success: false, userErrors: [{ field: ["fulfillmentOrderIds"], message: "The fulfillment orders could not be found.", code: "FULFILLMENT_ORDERS_NOT_FOUND" }] });
    }
    expect((await readFo(live.gid)).fulfillBy).toBe("2026-03-01T00:00:00Z");
    const { mutations } = await get("/mutations?kind=fulfillmentOrdersSetFulfillmentDeadline");
    expect(mutations.map((m: { ok: boolean }) => m.ok)).toEqual(refused.map(() => false));
    // More than 250 ids is refused before anything runs, as for every array argument.
    const tooMany = await gqlRaw(SET_DEADLINE, { ids: Array.from({ length: 251 }, () => live.gid), at: "2026-03-09T17:00:00Z" });
    expect(tooMany.errors[0].extensions.code).toBe("MAX_INPUT_SIZE_EXCEEDED");
    // Without a fulfillment-order write scope, access is denied.
    const readOnly = "reader-promises.myshopify.com";
    otherToken = await newShop(readOnly, ["read_orders", "read_merchant_managed_fulfillment_orders"]);
    const denied = await gqlRaw(SET_DEADLINE, { ids: ["gid://shopify/FulfillmentOrder/1"], at: "2026-03-09T17:00:00Z" }, readOnly);
    expect(denied.errors[0].extensions.code).toBe("ACCESS_DENIED");
  });
});

describe("merging fulfillment orders", () => {
  it("the merchant's merge makes a new open fulfillment order without the deadline, closes the merged ones, and sends fulfillment_orders/merged to the app", async () => {
    const order = await placeOrder({ fulfillBy: "2026-03-05T17:00:00Z", deliveryMethod: { brandedPromise: "shop_promise", maxDeliveryDateTime: "2026-03-07T00:00:00Z" } });
    const original = order.fulfillmentOrders[0];
    const { fulfillmentOrder: split } = await call(`/fulfillment-orders/${original.id}/split`, { lineItems: [{ lineItemId: order.lineItems[1].id, quantity: 1 }] });
    expect(split.fulfillBy).toBeNull(); // a split-off order does not carry the deadline either
    expect(split.deliveryMethod).toMatchObject({ brandedPromise: { handle: "shop_promise" }, maxDeliveryDateTime: "2026-03-07T00:00:00.000Z" });
    expect(split.deliveryMethod.id).not.toBe(original.deliveryMethod.id);
    const before = await gql(`query($id: ID!) { fulfillmentOrder(id: $id) { supportedActions { action } fulfillmentOrdersForMerge(first: 5) { nodes { id } } } }`, { id: original.gid });
    expect(before.fulfillmentOrder).toEqual({ supportedActions: [{ action: "CREATE_FULFILLMENT" }, { action: "HOLD" }, { action: "SPLIT" }, { action: "MERGE" }], fulfillmentOrdersForMerge: { nodes: [{ id: split.gid }] } });
    const { fulfillmentOrder: merged } = await call("/fulfillment-orders/merge", { mergeIntents: [{ fulfillmentOrderId: original.gid }, { fulfillmentOrderId: split.id }] });
    expect(merged.id).not.toBe(original.id);
    expect(merged).toMatchObject({ status: "OPEN", fulfillBy: null, deliveryMethod: { brandedPromise: { handle: "shop_promise" } } });
    expect(merged.lineItems.map((l: { lineItemId: string; totalQuantity: number }) => [l.lineItemId, l.totalQuantity])).toEqual([[order.lineItems[0].id, 2], [order.lineItems[1].id, 1]]);
    expect((await readFo(original.gid)).status).toBe("CLOSED");
    expect((await readFo(split.gid)).status).toBe("CLOSED");
    const open = await gql(`query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5, displayable: true) { nodes { id fulfillBy supportedActions { action } } } } }`, { id: order.gid });
    expect(open.order.fulfillmentOrders.nodes).toEqual([{ id: merged.gid, fulfillBy: null, supportedActions: [{ action: "CREATE_FULFILLMENT" }, { action: "HOLD" }, { action: "SPLIT" }] }]);

    await webhooksIdle();
    const hook = received.find((r) => r.topic === "fulfillment_orders/merged")!;
    expect(hook).toMatchObject({ path: "/webhooks/fulfillment_orders/merged", hmacOk: true });
    expect(hook.body).toEqual({
      merge_intents: [
        { fulfillment_order_id: Number(original.id), fulfillment_order_line_items: [{ id: Number(original.lineItems[0].id), quantity: 2 }] },
        { fulfillment_order_id: Number(split.id), fulfillment_order_line_items: [{ id: Number(split.lineItems[0].id), quantity: 1 }] },
      ],
      fulfillment_order_merges: { fulfillment_order: { id: merged.gid, status: "open" } },
    });
    expect(received.find((r) => r.topic === "fulfillment_orders/split")?.path).toBe("/webhooks/fulfillment_orders/split");
  });

  it("fulfillmentOrderMerge answers the schema's user errors and changes nothing when refused", async () => {
    const order = await placeOrder();
    const a = order.fulfillmentOrders[0];
    const { fulfillmentOrder: b } = await call(`/fulfillment-orders/${a.id}/split`, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    const aRead = await readFo(a.gid);
    const lamp = aRead.lineItems.nodes.find((l: { lineItem: { id: string } }) => l.lineItem.id === order.lineItems[0].gid);
    const MERGE = `mutation($in: [FulfillmentOrderMergeInput!]!) { fulfillmentOrderMerge(fulfillmentOrderMergeInputs: $in) { fulfillmentOrderMerges { fulfillmentOrder { id status fulfillBy lineItems(first: 5) { nodes { totalQuantity } } } } userErrors { field message code } } }`;
    const cases: [unknown, string | null, string[]][] = [
      [[{ mergeIntents: [{ fulfillmentOrderId: a.gid }, { fulfillmentOrderId: "gid://shopify/FulfillmentOrder/1" }] }], "FULFILLMENT_ORDER_NOT_FOUND", ["fulfillmentOrderMergeInputs", "0", "mergeIntents", "1", "fulfillmentOrderId"]],
      [[{ mergeIntents: [{ fulfillmentOrderId: a.gid, fulfillmentOrderLineItems: [{ id: lamp.id, quantity: 0 }] }, { fulfillmentOrderId: b.gid }] }], "GREATER_THAN", ["fulfillmentOrderMergeInputs", "0", "mergeIntents", "0", "fulfillmentOrderLineItems", "0", "quantity"]],
      [[{ mergeIntents: [{ fulfillmentOrderId: a.gid, fulfillmentOrderLineItems: [{ id: lamp.id, quantity: 2 }] }, { fulfillmentOrderId: b.gid }] }], "INVALID_LINE_ITEM_QUANTITY", ["fulfillmentOrderMergeInputs", "0", "mergeIntents", "0", "fulfillmentOrderLineItems", "0", "quantity"]],
      [[{ mergeIntents: [{ fulfillmentOrderId: a.gid }] }], null, ["fulfillmentOrderMergeInputs", "0", "mergeIntents"]],
    ];
    for (const [input, code, field] of cases) {
      const { fulfillmentOrderMerge: answer } = await gql(MERGE, { in: input });
      expect(answer.fulfillmentOrderMerges).toBeNull();
      expect(answer.userErrors).toEqual([{ field, message: expect.any(String), code }]);
    }
    expect(await readFo(a.gid)).toEqual(aRead);
    expect((await get("/mutations?kind=fulfillmentOrderMerge")).mutations.map((m: { ok: boolean }) => m.ok)).toEqual([false, false, false, false]);

    // Part of one order and all of the other: the new one holds both, the part left stays open.
    const { fulfillmentOrderMerge: done } = await gql(MERGE, { in: [{ mergeIntents: [{ fulfillmentOrderId: a.gid, fulfillmentOrderLineItems: [{ id: lamp.id, quantity: 1 }] }, { fulfillmentOrderId: b.gid }] }] });
    expect(done.userErrors).toEqual([]);
    expect(done.fulfillmentOrderMerges).toEqual([{ fulfillmentOrder: { id: expect.stringMatching(/FulfillmentOrder/), status: "OPEN", fulfillBy: null, lineItems: { nodes: [{ totalQuantity: 2 }] } } }]);
    expect((await readFo(a.gid)).status).toBe("OPEN");
    expect((await readFo(b.gid)).status).toBe("CLOSED");
    const merge = (await get("/mutations?kind=fulfillmentOrderMerge")).mutations.at(-1);
    expect(merge).toMatchObject({ ok: true, cost: 10, detail: { sourceGids: [[a.gid, b.gid]], mergedGids: [done.fulfillmentOrderMerges[0].fulfillmentOrder.id] } });
  });
});

describe("moving fulfillment orders to another location", () => {
  it("a whole move keeps the fulfillment order (and its deadline); a partial one makes a new one without it; stock follows; fulfillment_orders/moved reaches the app", async () => {
    const { location: store2 } = await call("/locations", { name: "Store 2", available: 5 });
    const order = await placeOrder({ fulfillBy: "2026-03-05T17:00:00Z" });
    const fo = order.fulfillmentOrders[0];
    const main = (await get("")).shop.locations[0];
    const lamp = order.lineItems[0];

    const partial = await call(`/fulfillment-orders/${fo.id}/move`, { newLocationId: store2.gid, lineItems: [{ lineItemId: lamp.id, quantity: 1 }] });
    expect(partial.movedFulfillmentOrder).toMatchObject({ status: "OPEN", assignedLocationId: store2.id, fulfillBy: null, lineItems: [{ lineItemId: lamp.id, totalQuantity: 1 }] });
    expect(partial.movedFulfillmentOrder.id).not.toBe(fo.id);
    expect(partial.originalFulfillmentOrder).toMatchObject({ id: fo.id, status: "OPEN", assignedLocationId: main.id, fulfillBy: "2026-03-05T17:00:00Z" });

    // The unit moved takes stock at the new location and gives it back at the old one
    // (the product, created after the location, has 10 at each; the order took 2 at the main one).
    const levels = await gql(`query($id: ID!) { order(id: $id) { lineItems(first: 1) { nodes { variant { inventoryItem { inventoryLevels(first: 5) { nodes { location { id } quantities(names: ["available"]) { quantity } } } } } } } } }`, { id: order.gid });
    const available = Object.fromEntries(levels.order.lineItems.nodes[0].variant.inventoryItem.inventoryLevels.nodes.map((n: { location: { id: string }; quantities: { quantity: number }[] }) => [n.location.id, n.quantities[0].quantity]));
    expect(available).toEqual({ [main.gid]: 10 - 2 + 1, [store2.gid]: 10 - 1 });

    await webhooksIdle();
    const hook = received.find((r) => r.topic === "fulfillment_orders/moved")!;
    expect(hook).toMatchObject({ path: "/webhooks/fulfillment_orders/moved", hmacOk: true });
    expect(hook.body).toEqual({
      original_fulfillment_order: { id: fo.gid, status: "open", assigned_location_id: main.gid },
      moved_fulfillment_order: { id: partial.movedFulfillmentOrder.gid, status: "open", assigned_location_id: store2.gid },
      destination_location_id: store2.gid,
      fulfillment_order_line_items_requested: [{ id: fo.lineItems[0].gid, quantity: 1 }],
      source_location: { id: main.gid },
    });

    // The whole of a fresh order with nothing shipped: the same fulfillment order, deadline kept.
    const whole = (await placeOrder({ fulfillBy: "2026-03-06T17:00:00Z" })).fulfillmentOrders[0];
    const MOVE = `mutation($id: ID!, $to: ID!) { fulfillmentOrderMove(id: $id, newLocationId: $to) { movedFulfillmentOrder { id fulfillBy assignedLocation { location { id } } } originalFulfillmentOrder { id status } remainingFulfillmentOrder { id } userErrors { field message } } }`;
    const body = await gqlRaw(MOVE, { id: whole.gid, to: store2.gid });
    expect(body.extensions.cost.requestedQueryCost).toBe(10);
    expect(body.data.fulfillmentOrderMove).toEqual({
      movedFulfillmentOrder: { id: whole.gid, fulfillBy: "2026-03-06T17:00:00Z", assignedLocation: { location: { id: store2.gid } } },
      originalFulfillmentOrder: { id: whole.gid, status: "OPEN" },
      remainingFulfillmentOrder: null,
      userErrors: [],
    });
    expect((await get("/mutations?kind=fulfillmentOrderMove")).mutations).toEqual([expect.objectContaining({ ok: true, detail: { kind: "fulfillmentOrderMove", fulfillmentOrderGid: whole.gid, newLocationGid: store2.gid, movedGid: whole.gid } })]);
  });

  it("refuses what Shopify refuses, changing nothing", async () => {
    const { location: store2 } = await call("/locations", { name: "Store 2" });
    const order = await placeOrder();
    const fo = order.fulfillmentOrders[0];
    const main = (await get("")).shop.locations[0];
    const MOVE = `mutation($id: ID!, $to: ID!, $lines: [FulfillmentOrderLineItemInput!]) { fulfillmentOrderMove(id: $id, newLocationId: $to, fulfillmentOrderLineItems: $lines) { movedFulfillmentOrder { id } userErrors { field message } } }`;
    const refused = async (vars: Record<string, unknown>, field: string[]) => {
      const { fulfillmentOrderMove: answer } = await gql(MOVE, vars);
      expect(answer.movedFulfillmentOrder).toBeNull();
      expect(answer.userErrors).toEqual([{ field, message: expect.any(String) }]);
    };
    await refused({ id: "gid://shopify/FulfillmentOrder/1", to: store2.gid }, ["id"]);
    await refused({ id: fo.gid, to: "gid://shopify/Location/1" }, ["newLocationId"]);
    await refused({ id: fo.gid, to: main.gid }, ["newLocationId"]);
    await refused({ id: fo.gid, to: store2.gid, lines: [{ id: fo.lineItems[0].gid, quantity: 3 }] }, ["fulfillmentOrderLineItems", "0", "quantity"]);
    // A location that doesn't stock the items can't take them.
    const { location: empty } = await call("/locations", { name: "Pop-up", stockExisting: false });
    await refused({ id: fo.gid, to: empty.gid }, ["newLocationId"]);
    const where = await gql(`query($id: ID!) { fulfillmentOrder(id: $id) { supportedActions { action } fulfillmentOrdersForMerge(first: 5) { nodes { id } } locationsForMove(first: 5) { nodes { location { id } movable message availableLineItemsCount { count } unavailableLineItems(first: 5) { nodes { id } } } } } }`, { id: fo.gid });
    expect(where.fulfillmentOrder).toEqual({
      supportedActions: [{ action: "CREATE_FULFILLMENT" }, { action: "HOLD" }, { action: "SPLIT" }, { action: "MOVE" }],
      fulfillmentOrdersForMerge: { nodes: [] },
      locationsForMove: { nodes: [
        { location: { id: store2.gid }, movable: true, message: null, availableLineItemsCount: { count: 2 }, unavailableLineItems: { nodes: [] } },
        { location: { id: empty.gid }, movable: false, message: expect.stringContaining("Pop-up"), availableLineItemsCount: { count: 0 }, unavailableLineItems: { nodes: fo.lineItems.map((l: { gid: string }) => ({ id: l.gid })) } },
      ] },
    });
    await call("/locations", { name: "pop-up" }, 409);
    await call("/locations", { name: " " }, 400);
    await call(`/orders/${order.id}/fulfill`);
    await refused({ id: fo.gid, to: store2.gid }, ["id"]); // closed: everything shipped
    expect((await readFo(fo.gid)).assignedLocation.location.id).toBe(main.gid);
    const bad = await call(`/fulfillment-orders/${fo.id}/move`, { newLocationId: store2.id }, 422);
    expect(bad.userErrors).toEqual([{ field: ["id"], message: expect.stringContaining("closed") }]);
  });
});

describe("delivery methods with checkout's promise", () => {
  const DELIVERY = `query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { deliveryMethod { id methodType presentedName serviceCode brandedPromise { handle name } minDeliveryDateTime maxDeliveryDateTime } } } } }`;
  const methodOf = async (gid: string) => (await gql(DELIVERY, { id: gid })).order.fulfillmentOrders.nodes[0].deliveryMethod;

  it("an order placed with Shop Promise carries it on its fulfillment orders; without one, plain shipping; null, none", async () => {
    const promised = await placeOrder({ deliveryMethod: { brandedPromise: { handle: "shop_promise", name: "Shop Promise" }, minDeliveryDateTime: "2026-03-03T00:00:00Z", maxDeliveryDateTime: "2026-03-04T23:59:59Z" } });
    const method = await methodOf(promised.gid);
    expect(method).toEqual({
      id: expect.stringMatching(/^gid:\/\/shopify\/DeliveryMethod\/\d+$/), methodType: "SHIPPING", presentedName: "Express", serviceCode: "Express",
      brandedPromise: { handle: "shop_promise", name: "Shop Promise" }, minDeliveryDateTime: "2026-03-03T00:00:00Z", maxDeliveryDateTime: "2026-03-04T23:59:59Z",
    });
    expect((await gql(`query($id: ID!) { node(id: $id) { ... on DeliveryMethod { brandedPromise { name } } } }`, { id: method.id })).node).toEqual({ brandedPromise: { name: "Shop Promise" } });
    expect(await methodOf((await placeOrder()).gid)).toMatchObject({ methodType: "SHIPPING", presentedName: "Express", brandedPromise: null, minDeliveryDateTime: null, maxDeliveryDateTime: null });
    expect(await methodOf((await placeOrder({ deliveryMethod: { methodType: "PICK_UP", presentedName: "Pickup in store" } })).gid)).toMatchObject({ methodType: "PICK_UP", presentedName: "Pickup in store" });
    expect(await methodOf((await placeOrder({ deliveryMethod: null })).gid)).toBeNull();
  });

  it("refuses a delivery method that is not one, placing no order", async () => {
    const [lamp] = await product();
    const before = (await get("")).counts.orders;
    for (const deliveryMethod of [{ methodType: "TELEPORT" }, { brandedPromise: { handle: "" } }, { minDeliveryDateTime: "soon" }, { minDeliveryDateTime: "2026-03-05T00:00:00Z", maxDeliveryDateTime: "2026-03-04T00:00:00Z" }]) {
      const res = await call("/orders", { lineItems: [{ variantId: lamp.id, quantity: 1 }], deliveryMethod }, 400);
      expect(res.error).toMatch(/deliveryMethod/);
    }
    expect((await get("")).counts.orders).toBe(before);
  });

  it("seeded stores promise some orders under Shop Promise, with a delivery window after the order", async () => {
    await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: "seeded-promises.myshopify.com", size: "tiny", seed: 4, now: "2026-03-01T00:00:00Z" }) });
    const res = await fetch(`${sim.origin}/_sim/shops/seeded-promises.myshopify.com/orders?limit=1000`);
    const { orders } = (await res.json()) as { orders: { createdAt: string; fulfillmentOrders: { deliveryMethod: { brandedPromise: unknown; minDeliveryDateTime: string | null; maxDeliveryDateTime: string | null } | null }[] }[] };
    const methods = orders.flatMap((o) => o.fulfillmentOrders.slice(0, 1).map((fo) => ({ at: o.createdAt, m: fo.deliveryMethod })));
    const shopPromise = methods.filter((x) => x.m?.brandedPromise);
    expect(shopPromise.length).toBeGreaterThan(0);
    expect(shopPromise.length).toBeLessThan(methods.length / 2);
    for (const { at, m } of shopPromise) {
      expect(m!.brandedPromise).toEqual({ handle: "shop_promise", name: "Shop Promise" });
      expect(m!.minDeliveryDateTime! > at && m!.maxDeliveryDateTime! > m!.minDeliveryDateTime!).toBe(true);
    }
    expect(methods.some((x) => x.m && !x.m.brandedPromise && x.m.maxDeliveryDateTime === null)).toBe(true);
  });
});

describe("app-owned order metafields", () => {
  const SET = `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { namespace key value owner { ... on Order { id } } } userErrors { field message code } } }`;

  it("metafieldsSet writes $app metafields on an order, costs 10 + 10 for the order owner, is recorded, and reads back through Order.metafield(s)", async () => {
    const order = await placeOrder();
    const value = JSON.stringify({ tier: "gold", lane: "priority", shipBy: "2026-03-05T17:00:00Z" });
    const body = await gqlRaw(SET, { m: [
      { ownerId: order.gid, namespace: "$app", key: "promise", type: "json", value },
      { ownerId: order.gid, namespace: "$app", key: "tier", type: "single_line_text_field", value: "gold" },
    ] });
    expect(body.data.metafieldsSet.userErrors).toEqual([]);
    expect(body.data.metafieldsSet.metafields[0]).toEqual({ namespace: "app--4242000001", key: "promise", value, owner: { id: order.gid } });
    expect(body.extensions.cost.requestedQueryCost).toBe(10 + 10); // one distinct owner, an order
    const read = await gql(`query($id: ID!) { order(id: $id) { metafield(namespace: "$app", key: "promise") { jsonValue type } metafields(first: 5, namespace: "$app") { nodes { key } } } }`, { id: order.gid });
    expect(read.order.metafield).toEqual({ jsonValue: JSON.parse(value), type: "json" });
    expect(read.order.metafields.nodes.map((n: { key: string }) => n.key)).toEqual(["promise", "tier"]);
    const { mutations } = await get("/mutations?kind=metafieldsSet");
    expect(mutations).toEqual([expect.objectContaining({ ok: true, cost: 20, detail: { kind: "metafieldsSet", metafields: [
      { ownerGid: order.gid, namespace: "app--4242000001", key: "promise", type: "json", value },
      { ownerGid: order.gid, namespace: "app--4242000001", key: "tier", type: "single_line_text_field", value: "gold" },
    ] } })]);
  });

  it("needs write_orders, as Shopify does", async () => {
    const shop = "no-write-orders.myshopify.com";
    otherToken = await newShop(shop, ["read_orders", "write_merchant_managed_fulfillment_orders"]);
    const order = await placeOrder({}, shop);
    const body = await gqlRaw(SET, { m: [{ ownerId: order.gid, namespace: "$app", key: "tier", type: "single_line_text_field", value: "gold" }] }, shop);
    expect(body.errors[0].extensions.code).toBe("ACCESS_DENIED");
  });
});

describe("the merchant ships at a given time", () => {
  it("a shipment `at` a later time carries that time on the fulfillment and its webhook; an unreadable time or one before the order is refused, shipping nothing", async () => {
    const order = await placeOrder();
    const late = new Date(Date.parse(order.createdAt) + 5 * 86_400_000).toISOString();
    for (const [at, status] of [["next tuesday", 400], [12345, 400], [new Date(Date.parse(order.createdAt) - 60_000).toISOString(), 422]] as const) {
      await call(`/orders/${order.id}/fulfill`, { at }, status);
    }
    expect((await get(`/orders/${order.id}`)).order.fulfillments).toEqual([]);
    const { fulfillment } = await call(`/orders/${order.id}/fulfill`, { at: late });
    expect(fulfillment).toMatchObject({ status: "SUCCESS", createdAt: late, updatedAt: late });
    await webhooksIdle();
    const hook = received.find((r) => r.topic === "fulfillments/create");
    // Webhook payloads carry whole seconds.
    expect(Date.parse(hook?.body.created_at)).toBe(Math.floor(Date.parse(late) / 1000) * 1000);
  });
});
