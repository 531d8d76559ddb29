import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimStore } from "../store/store.ts";
import { seedShop } from "../store/seed-generator.ts";
import type { StoreChange } from "../store/types.ts";
import { startSimulator, type RunningSimulator } from "../server.ts";
import { AdminApi, INVALID_TOKEN_BODY } from "./handler.ts";
import { CUSTOMERS_UPDATED_SINCE_QUERY, customersUpdatedSinceOperation } from "../../app/adapters/shopify/admin-operations/customers-updated-since.ts";
import { updatedAfterQuery } from "../../app/adapters/shopify/admin-operations/orders-updated-since.ts";

const SHOP = "demo-store.myshopify.com";
const NOW = "2026-03-01T00:00:00.000Z";

function setup(options: { clock?: () => number } = {}) {
  const store = new SimStore({ now: () => new Date(NOW) });
  seedShop(store, SHOP, { seed: 11, size: "tiny", now: NOW });
  const install = store.installApp(SHOP, { apiKey: "test-key" });
  const api = new AdminApi({ store, origin: () => "http://sim.test", clock: options.clock ?? (() => 0) });
  api.resetBuckets();
  const gql = async (query: string, variables: Record<string, unknown> = {}, version?: string) => {
    const answer = await api.graphql(SHOP, install.accessToken, { query, variables }, version);
    return answer as { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  return { store, api, gql, token: install.accessToken };
}

const firstCustomer = (store: SimStore) => store.shop(SHOP).customers.values().next().value!;

describe("Admin GraphQL: queries the app uses", () => {
  it("answers shop and currentAppInstallation with cost extensions", async () => {
    const { gql } = setup();
    const { status, body } = await gql(`{ shop { id name currencyCode ianaTimezone myshopifyDomain plan { displayName shopifyPlus partnerDevelopment } } currentAppInstallation { accessScopes { handle } } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.shop).toMatchObject({ id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/), currencyCode: "USD", myshopifyDomain: SHOP, ianaTimezone: "America/New_York", plan: { displayName: "Shopify", shopifyPlus: false } });
    expect(body.data.currentAppInstallation.accessScopes.map((s: { handle: string }) => s.handle)).toContain("write_customers");
    expect(body.extensions.cost).toEqual({ requestedQueryCost: expect.any(Number), actualQueryCost: expect.any(Number), throttleStatus: { maximumAvailable: 2000, currentlyAvailable: expect.any(Number), restoreRate: 100 } });
  });

  it("pages customers with updated_at filters and cursors, ids exact", async () => {
    const { gql, store } = setup();
    const q = `query($after: String) { customers(first: 4, after: $after, query: "updated_at:>'2020-01-01T00:00:00Z'") { edges { cursor node { id email firstName lastName tags createdAt updatedAt } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await gql(q, { after });
      expect(body.errors).toBeUndefined();
      seen.push(...body.data.customers.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!body.data.customers.pageInfo.hasNextPage) break;
      after = body.data.customers.pageInfo.endCursor;
    }
    expect(seen).toEqual([...store.shop(SHOP).customers.values()].map((c) => c.gid));
    const future = await gql(`{ customers(first: 5, query: "updated_at:>'2030-01-01T00:00:00Z'") { nodes { id } } }`);
    expect(future.body.data.customers.nodes).toEqual([]);
  });

  it("answers reconciliation's CustomersUpdatedSince: only customers changed after the instant, oldest change first, across pages, at the stated cost", async () => {
    const { gql, store } = setup();
    const since = "2026-03-01T00:00:00.000Z";
    const [a, b, c] = [...store.shop(SHOP).customers.values()];
    store.updateCustomer(SHOP, b.id, { lastName: "Later" }, { at: "2026-03-01T00:00:03.000Z", silent: true });
    store.updateCustomer(SHOP, a.id, { lastName: "Latest" }, { at: "2026-03-01T00:00:07.000Z", silent: true });
    const fresh = store.createCustomer(SHOP, { email: "new@example.com", firstName: "New" }, { at: "2026-03-01T00:00:05.000Z", silent: true });
    const seen: unknown[] = [];
    let after: string | null = null;
    do {
      const variables = { first: 2, after, query: updatedAfterQuery(new Date(since)) };
      const { body } = await gql(CUSTOMERS_UPDATED_SINCE_QUERY, variables);
      expect(body.errors).toBeUndefined();
      expect(body.extensions.cost.requestedQueryCost).toBe(customersUpdatedSinceOperation.cost(variables));
      seen.push(...body.data.customers.nodes);
      after = body.data.customers.pageInfo.hasNextPage ? body.data.customers.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([
      { id: b.gid, updatedAt: "2026-03-01T00:00:03Z", firstName: b.firstName, lastName: "Later", defaultEmailAddress: b.email ? { emailAddress: b.email } : null },
      { id: fresh.gid, updatedAt: "2026-03-01T00:00:05Z", firstName: "New", lastName: null, defaultEmailAddress: { emailAddress: "new@example.com" } },
      { id: a.gid, updatedAt: "2026-03-01T00:00:07Z", firstName: a.firstName, lastName: "Latest", defaultEmailAddress: a.email ? { emailAddress: a.email } : null },
    ]);
    expect(seen.map((x) => (x as { id: string }).id)).not.toContain(c.gid);
  });

  it("returns orders with money sets, refunds and fulfillment orders in Shopify's shapes", async () => {
    const { gql, store } = setup();
    const q = `query($after: String) {
      orders(first: 8, after: $after, query: "updated_at:>'2020-01-01'") { pageInfo { hasNextPage endCursor } nodes {
        id name createdAt processedAt updatedAt cancelledAt test customer { id }
        currentTotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
        currentShippingPriceSet { shopMoney { amount currencyCode } }
        currentTotalTaxSet { shopMoney { amount } }
        lineItems(first: 5) { nodes { id sku quantity currentQuantity originalUnitPriceSet { shopMoney { amount } } } }
        refunds { id createdAt totalRefundedSet { shopMoney { amount } presentmentMoney { amount currencyCode } }
          refundLineItems(first: 5) { nodes { subtotalSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } } quantity restockType } }
          transactions(first: 5) { nodes { id kind status amountSet { shopMoney { amount } } } }
          orderAdjustments(first: 5) { nodes { id kind amountSet { shopMoney { amount } } } }
          refundShippingLines(first: 5) { nodes { subtotalAmountSet { shopMoney { amount } } } } }
        fulfillmentOrders(first: 5) { nodes { id fulfillBy status } }
      } } }`;
    const orders = [];
    let after: string | null = null;
    do {
      const { body } = await gql(q, { after });
      expect(body.errors).toBeUndefined();
      expect(body.extensions.cost.requestedQueryCost).toBeLessThanOrEqual(1000);
      orders.push(...body.data.orders.nodes);
      after = body.data.orders.pageInfo.hasNextPage ? body.data.orders.pageInfo.endCursor : null;
    } while (after);
    expect(orders).toHaveLength(40);
    expect(orders[0].name).toBe("#1001");
    expect(orders.some((o: { customer: unknown }) => o.customer === null)).toBe(true); // guest orders
    expect(orders.some((o: { cancelledAt: unknown }) => o.cancelledAt !== null)).toBe(true);
    expect(orders.some((o: { refunds: unknown[] }) => o.refunds.length > 0)).toBe(true);
    expect(new Set(orders.map((o: { currentTotalPriceSet: { presentmentMoney: { currencyCode: string } } }) => o.currentTotalPriceSet.presentmentMoney.currencyCode)).size).toBeGreaterThan(1);
    const refunded = orders.find((o: { refunds: { refundLineItems: { nodes: unknown[] } }[] }) => o.refunds.some((r) => r.refundLineItems.nodes.length > 0));
    expect(refunded.refunds[0].refundLineItems.nodes[0]).toEqual({ subtotalSet: { shopMoney: { amount: expect.stringMatching(/^\d+\.\d\d$/) } }, totalTaxSet: { shopMoney: { amount: expect.any(String) } }, quantity: expect.any(Number), restockType: expect.stringMatching(/^(RETURN|NO_RESTOCK|CANCEL)$/) });
    const sim = store.order(SHOP, refunded.id.split("/").pop());
    expect(refunded.currentTotalPriceSet.shopMoney.amount).toBe(sim.currentTotalPriceSet.shopMoney.amount);
    expect(orders[0].fulfillmentOrders.nodes[0]).toMatchObject({ id: expect.stringMatching(/FulfillmentOrder/), fulfillBy: null });
  });

  it("resolves node(id) for customers, orders and bulk operations", async () => {
    const { gql, store } = setup();
    const c = firstCustomer(store);
    const { body } = await gql(`query($id: ID!) { node(id: $id) { __typename id ... on Customer { email } } }`, { id: c.gid });
    expect(body.data.node).toEqual({ __typename: "Customer", id: c.gid, email: c.email });
  });
});

describe("Admin GraphQL: fields the app sends or could send next", () => {
  it("ordersCount and customersCount count what the matching connection would return", async () => {
    const { gql, store } = setup();
    const orders = store.shop(SHOP).orders.size;
    const { body } = await gql(`{ ordersCount(limit: null) { count precision } customersCount { count precision } capped: ordersCount(limit: 3) { count precision } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.ordersCount).toEqual({ count: orders, precision: "EXACT" });
    expect(body.data.customersCount).toEqual({ count: store.shop(SHOP).customers.size, precision: "EXACT" });
    expect(body.data.capped).toEqual({ count: 3, precision: "AT_LEAST" });
    const cancelled = [...store.shop(SHOP).orders.values()].filter((o) => o.cancelledAt !== null).length;
    expect((await gql(`{ ordersCount(query: "status:cancelled") { count } }`)).body.data.ordersCount.count).toBe(cancelled);
  });

  it("a field the simulator has no data for fails loudly instead of answering null", async () => {
    const { gql } = setup();
    const root = await gql(`{ collections(first: 1) { nodes { id } } }`);
    expect(root.body.errors[0]).toMatchObject({ message: expect.stringContaining("QueryRoot.collections"), path: ["collections"], extensions: { code: "SIMULATOR_UNSUPPORTED" } });
    const nested = await gql(`{ shop { name resourceLimits { maxProductVariants } } }`);
    expect(nested.body.errors[0]).toMatchObject({ message: expect.stringContaining("Shop.resourceLimits"), extensions: { code: "SIMULATOR_UNSUPPORTED" } });
  });

  it("reads fulfillment orders, metafield definitions and inventory from the store", async () => {
    const { gql, store } = setup();
    const data = store.shop(SHOP);
    const open = [...data.fulfillmentOrders.values()].filter((f) => f.status !== "CLOSED" && f.status !== "CANCELLED");
    const fos = await gql(`{ fulfillmentOrders(first: 250) { nodes { id status } } all: fulfillmentOrders(first: 250, includeClosed: true) { nodes { id } } }`);
    expect(fos.body.data.fulfillmentOrders.nodes.map((f: { id: string }) => f.id).sort()).toEqual(open.map((f) => f.gid).sort());
    expect(fos.body.data.all.nodes).toHaveLength(Math.min(250, data.fulfillmentOrders.size));
    await gql(`mutation { metafieldDefinitionCreate(definition: { name: "Tier", namespace: "$app", key: "tier", type: "single_line_text_field", ownerType: CUSTOMER }) { userErrors { message } } }`);
    const def = await gql(`{ metafieldDefinition(identifier: { ownerType: CUSTOMER, namespace: "$app", key: "tier" }) { namespace key } none: metafieldDefinition(identifier: { ownerType: ORDER, namespace: "$app", key: "tier" }) { id } }`);
    expect(def.body.data).toEqual({ metafieldDefinition: { namespace: "app--4242000001", key: "tier" }, none: null });
    const variant = data.variants.values().next().value!;
    const inv = await gql(`{ inventoryItems(first: 1, query: "sku:${variant.sku}") { nodes { id sku variant { id inventoryQuantity } } } }`);
    expect(inv.body.data.inventoryItems.nodes).toEqual([{ id: `gid://shopify/InventoryItem/${variant.inventoryItemId}`, sku: variant.sku, variant: { id: variant.gid, inventoryQuantity: variant.inventoryLevels.reduce((s, l) => s + l.available, 0) } }]);
  });

  it("reads fulfillments from the store: Order.fulfillments, FulfillmentOrder.fulfillments, tracking, line items, location, statuses", async () => {
    const { gql, store } = setup();
    const customer = firstCustomer(store);
    const variant = store.shop(SHOP).variants.values().next().value!;
    const order = store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ variantId: variant.id, quantity: 3 }], fulfillBy: "2026-03-03T00:00:00.000Z" });
    const fo = order.fulfillmentOrders[0];
    const shippedAt = "2026-03-04T12:00:00.000Z"; // a day past the deadline
    const shippedAtAsShopifyPrintsIt = "2026-03-04T12:00:00Z"; // DateTime to the second
    const f = store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 2 }], trackingCompany: "UPS", trackingNumber: "1Z42" }, { at: shippedAt });
    const q = `query($id: ID!) { order(id: $id) { displayFulfillmentStatus
      lineItems(first: 1) { nodes { fulfillableQuantity unfulfilledQuantity } }
      fulfillments { id legacyResourceId name status displayStatus createdAt updatedAt totalQuantity
        trackingInfo { company number url } location { id name }
        fulfillmentLineItems(first: 5) { nodes { id quantity lineItem { id } originalTotalSet { shopMoney { amount } } } } }
      fulfillmentOrders(first: 5) { nodes { id status fulfillBy lineItems(first: 5) { nodes { remainingQuantity totalQuantity } } fulfillments(first: 5) { nodes { id createdAt } } } } } }`;
    const partial = await gql(q, { id: order.gid });
    expect(partial.body.errors).toBeUndefined();
    const o = partial.body.data.order;
    expect(o.displayFulfillmentStatus).toBe("PARTIALLY_FULFILLED");
    expect(o.lineItems.nodes[0]).toEqual({ fulfillableQuantity: 1, unfulfilledQuantity: 1 });
    const unit = Number(variant.price);
    expect(o.fulfillments).toEqual([{
      id: f.gid, legacyResourceId: f.id, name: `${order.name}.1`, status: "SUCCESS", displayStatus: "FULFILLED", createdAt: shippedAtAsShopifyPrintsIt, updatedAt: shippedAtAsShopifyPrintsIt, totalQuantity: 2,
      trackingInfo: [{ company: "UPS", number: "1Z42", url: expect.stringContaining("1Z42") }],
      location: { id: store.shop(SHOP).shop.locations[0].gid, name: "Main warehouse" },
      fulfillmentLineItems: { nodes: [{ id: f.lineItems[0].gid, quantity: 2, lineItem: { id: order.lineItems[0].gid }, originalTotalSet: { shopMoney: { amount: (unit * 2).toFixed(2) } } }] },
    }]);
    expect(o.fulfillmentOrders.nodes).toEqual([{ id: fo.gid, status: "IN_PROGRESS", fulfillBy: "2026-03-03T00:00:00Z", lineItems: { nodes: [{ remainingQuantity: 1, totalQuantity: 3 }] }, fulfillments: { nodes: [{ id: f.gid, createdAt: shippedAtAsShopifyPrintsIt }] } }]);

    const rest = store.fulfillOrder(SHOP, order.id, {}, { at: "2026-03-05T00:00:00.000Z" });
    const full = await gql(q, { id: order.gid });
    expect(full.body.data.order.displayFulfillmentStatus).toBe("FULFILLED");
    expect(full.body.data.order.fulfillments.map((x: { id: string; displayStatus: string }) => [x.id, x.displayStatus])).toEqual([[f.gid, "FULFILLED"], [rest.gid, "MARKED_AS_FULFILLED"]]);
    expect(full.body.data.order.fulfillmentOrders.nodes[0]).toMatchObject({ status: "CLOSED", fulfillments: { nodes: [{ id: f.gid }, { id: rest.gid }] } });
    // A closed fulfillment order drops out of the default (open) list, and the fulfillment is a node.
    const node = await gql(`query($id: ID!) { node(id: $id) { ... on Fulfillment { name order { id } } } }`, { id: rest.gid });
    expect(node.body.data.node).toEqual({ name: `${order.name}.2`, order: { id: order.gid } });
  });

  it("asks for read_products and read_inventory as Shopify does", async () => {
    const { api, store } = setup();
    store.installApp(SHOP, { apiKey: "test-key", scopes: ["read_customers"], accessToken: "shpat_narrow" });
    for (const query of [`{ productVariants(first: 1) { nodes { id } } }`, `{ inventoryItems(first: 1) { nodes { id } } }`]) {
      const { body } = (await api.graphql(SHOP, "shpat_narrow", { query })) as { body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(body.errors[0].extensions.code, query).toBe("ACCESS_DENIED");
    }
  });
});

describe("Admin GraphQL: failing as Shopify fails", () => {
  it("rejects an unknown field with graphql validation errors and Shopify's code", async () => {
    const { gql } = setup();
    const { status, body } = await gql(`{ shop { nmae } }`);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body).toEqual({ errors: [{ message: "Field 'nmae' doesn't exist on type 'Shop'", locations: [{ line: 1, column: 10 }], path: ["query", "shop", "nmae"], extensions: { code: "undefinedField", typeName: "Shop", fieldName: "nmae" } }] });
    const named = await gql(`query Q($id: ID!) { node(id: $id) { ... on Customer { emial } } }`, { id: "gid://shopify/Customer/1" });
    expect(named.body.errors[0].path).toEqual(["query Q", "node", "... on Customer", "emial"]);
    const noArg = await gql(`{ shop { name(upper: true) } }`);
    expect(noArg.body.errors[0]).toMatchObject({ message: "Field 'name' doesn't accept argument 'upper'", extensions: { code: "argumentNotAccepted" } });
    const bare = await gql(`query Q { shop }`);
    expect(bare.body.errors[0]).toMatchObject({ message: "Field must have selections (field 'shop' returns Shop but has no selections. Did you mean 'shop { ... }'?)", extensions: { code: "selectionMismatch" } });
  });

  it("rejects a wrong argument type", async () => {
    const { gql } = setup();
    const literal = await gql(`{ customers(first: "ten") { nodes { id } } }`);
    expect(literal.body.errors[0].message).toMatch(/Int cannot represent non-integer value: "ten"/);
    const variable = await gql(`query($n: Int!) { customers(first: $n) { nodes { id } } }`, { n: "ten" });
    expect(variable.body.errors[0]).toMatchObject({ message: "Variable $n of type Int! was provided invalid value", extensions: { code: "INVALID_VARIABLE", value: "ten", problems: [{ path: [], explanation: expect.stringContaining("Int cannot represent") }] } });
    const absent = await gql(`query($id: ID!) { customer(id: $id) { id } }`);
    expect(absent.body.errors[0]).toMatchObject({ message: "Variable $id of type ID! was provided invalid value", extensions: { code: "INVALID_VARIABLE", value: null, problems: [{ path: [], explanation: "Expected value to not be null" }] } });
    const nested = await gql(`mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }`, { m: [{ ownerId: "gid://shopify/Customer/1", key: "k", value: "v", colour: "red" }] });
    expect(nested.body.errors[0].extensions.problems).toEqual([{ path: expect.arrayContaining([0]), explanation: expect.stringContaining('"colour"') }]);
    const missing = await gql(`mutation { tagsAdd(tags: ["x"]) { userErrors { message } } }`);
    expect(missing.body.errors[0]).toMatchObject({ message: "Field 'tagsAdd' is missing required arguments: id", extensions: { code: "missingRequiredArguments" } });
  });

  it("answers 401 with Shopify's body for a wrong token, 404 for an unknown shop", async () => {
    const { api } = setup();
    expect(await api.graphql(SHOP, "shpat_wrong", { query: "{ shop { id } }" })).toMatchObject({ status: 401, body: INVALID_TOKEN_BODY });
    expect((await api.graphql("nope.myshopify.com", "x", { query: "{ shop { id } }" })).status).toBe(404);
  });

  it("refuses queries over 1000 points and array inputs over 250", async () => {
    const { gql, store } = setup();
    const big = await gql(`{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }`);
    expect(big.body.errors[0].extensions).toMatchObject({ code: "MAX_COST_EXCEEDED", maxCost: 1000 });
    const tags = Array.from({ length: 251 }, (_, i) => `t${i}`);
    const arr = await gql(`mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }`, { id: firstCustomer(store).gid, tags });
    expect(arr.body.errors[0].extensions.code).toBe("MAX_INPUT_SIZE_EXCEEDED");
  });

  it("refuses any array argument over 250 items before running anything, literal or variable, at any depth", async () => {
    const { gql, store } = setup();
    const c = firstCustomer(store);
    const keys = Array.from({ length: 251 }, (_, i) => `$app.k${i}`);
    const query = await gql(`query($id: ID!, $keys: [String!]) { customer(id: $id) { metafields(first: 5, keys: $keys) { nodes { key } } } }`, { id: c.gid, keys });
    expect(query.body.data).toBeUndefined();
    expect(query.body.errors[0]).toMatchObject({ message: "The input array size of 251 is greater than the maximum allowed of 250.", extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" } });
    expect(query.body.extensions.cost).toMatchObject({ actualQueryCost: null, throttleStatus: { currentlyAvailable: 2000 } });
    const literal = await gql(`{ nodes(ids: [${Array.from({ length: 300 }, () => `"${c.gid}"`).join(",")}]) { id } }`);
    expect(literal.body.errors[0].message).toContain("array size of 300");
    const ids = Array.from({ length: 251 }, () => "gid://shopify/FulfillmentOrder/1");
    const before = store.mutations(SHOP).length;
    const mutation = await gql(`mutation($ids: [ID!]!) { fulfillmentOrdersSetFulfillmentDeadline(fulfillmentOrderIds: $ids, fulfillmentDeadline: "2026-03-04T17:00:00Z") { success } }`, { ids });
    expect(mutation.body.errors[0].extensions.code).toBe("MAX_INPUT_SIZE_EXCEEDED");
    expect(mutation.body.data).toBeUndefined();
    expect(store.mutations(SHOP)).toHaveLength(before);
  });
});

describe("Admin GraphQL: mutations", () => {
  it("tagsAdd / tagsRemove have set semantics and emit tags_added / tags_removed and customers/update", async () => {
    const { gql, store } = setup();
    const changes: StoreChange[] = [];
    store.on("change", (c) => changes.push(c));
    const c = firstCustomer(store);
    const add = `mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id ... on Customer { tags } } userErrors { field message } } }`;
    const first = await gql(add, { id: c.gid, tags: ["tier-gold", "tier-gold", "promise-fast"] });
    expect(first.body.data.tagsAdd.userErrors).toEqual([]);
    expect(first.body.data.tagsAdd.node.tags).toEqual(expect.arrayContaining(["tier-gold", "promise-fast"]));
    expect(first.body.extensions.cost.requestedQueryCost).toBe(10);
    const again = await gql(add, { id: c.gid, tags: ["tier-gold"] });
    expect(again.body.data.tagsAdd.node.tags.filter((t: string) => t === "tier-gold")).toHaveLength(1);
    const remove = await gql(`mutation($id: ID!) { tagsRemove(id: $id, tags: ["tier-gold"]) { node { ... on Customer { tags } } userErrors { message } } }`, { id: c.gid });
    expect(remove.body.data.tagsRemove.node.tags).not.toContain("tier-gold");
    expect(changes.map((ch) => ch.topic)).toEqual(["customer.tags_added", "customers/update", "customer.tags_removed", "customers/update"]);
    expect(changes[0]).toMatchObject({ shop: SHOP, topic: "customer.tags_added", tags: ["tier-gold", "promise-fast"], customer: { gid: c.gid } });
    expect(changes[2]).toMatchObject({ topic: "customer.tags_removed", tags: ["tier-gold"] });
    const recorded = store.mutations(SHOP);
    expect(recorded.map((m) => m.kind)).toEqual(["tagsAdd", "tagsAdd", "tagsRemove"]);
    expect(recorded[0]).toMatchObject({ shop: SHOP, cost: 10, ok: true, detail: { changed: ["tier-gold", "promise-fast"] } });
  });

  it("limits a customer to 250 tags with a userError", async () => {
    const { gql, store } = setup();
    const c = firstCustomer(store);
    const start = c.tags.length;
    const tags = Array.from({ length: 250 - start }, (_, i) => `bulk-${i}`);
    const ok = await gql(`mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }`, { id: c.gid, tags });
    expect(ok.body.data.tagsAdd.userErrors).toEqual([]);
    const over = await gql(`mutation($id: ID!) { tagsAdd(id: $id, tags: ["one-too-many"]) { node { id } userErrors { field message } } }`, { id: c.gid });
    expect(over.body.data.tagsAdd.userErrors[0]).toMatchObject({ field: ["tags"], message: expect.stringContaining("250") });
    expect(c.tags).toHaveLength(250);
  });

  it("metafieldsDelete removes $app metafields, answers null for ones that do not exist, and is recorded", async () => {
    const { gql, store } = setup();
    const c = firstCustomer(store);
    await gql(`mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }`, { m: [{ ownerId: c.gid, namespace: "$app", key: "tier", type: "single_line_text_field", value: "gold" }] });
    const del = `mutation($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { deletedMetafields { ownerId namespace key } userErrors { field message } } }`;
    const { body } = await gql(del, { m: [{ ownerId: c.gid, namespace: "$app", key: "tier" }, { ownerId: c.gid, namespace: "$app", key: "absent" }] });
    expect(body.errors).toBeUndefined();
    expect(body.data.metafieldsDelete.userErrors).toEqual([]);
    expect(body.data.metafieldsDelete.deletedMetafields).toEqual([{ ownerId: c.gid, namespace: "app--4242000001", key: "tier" }, null]);
    const read = await gql(`query($id: ID!) { customer(id: $id) { metafield(namespace: "$app", key: "tier") { value } } }`, { id: c.gid });
    expect(read.body.data.customer.metafield).toBeNull();
    expect(store.mutations(SHOP, { kind: "metafieldsDelete" })).toHaveLength(1);
  });

  it("metafieldsSet writes $app metafields, supports compareDigest, caps at 25, and costs 10 + owner weight", async () => {
    const { gql, store } = setup();
    const c = firstCustomer(store);
    const set = `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id namespace key type value compareDigest } userErrors { field message code elementIndex } } }`;
    const first = await gql(set, { m: [{ ownerId: c.gid, namespace: "$app", key: "tier", type: "single_line_text_field", value: "gold" }] });
    expect(first.body.data.metafieldsSet.userErrors).toEqual([]);
    const mf = first.body.data.metafieldsSet.metafields[0];
    expect(mf).toMatchObject({ namespace: "app--4242000001", key: "tier", value: "gold" });
    expect(first.body.extensions.cost.requestedQueryCost).toBe(11);
    const read = await gql(`query($id: ID!) { customer(id: $id) { metafield(namespace: "$app", key: "tier") { value type } metafields(first: 5, namespace: "$app") { nodes { key value } } } }`, { id: c.gid });
    expect(read.body.data.customer.metafield).toEqual({ value: "gold", type: "single_line_text_field" });
    expect(read.body.data.customer.metafields.nodes).toEqual([{ key: "tier", value: "gold" }]);
    const stale = await gql(set, { m: [{ ownerId: c.gid, namespace: "$app", key: "tier", value: "silver", compareDigest: "0".repeat(64) }] });
    expect(stale.body.data.metafieldsSet.userErrors[0]).toMatchObject({ code: "STALE_OBJECT", elementIndex: 0 });
    const cas = await gql(set, { m: [{ ownerId: c.gid, namespace: "$app", key: "tier", value: "silver", compareDigest: mf.compareDigest }] });
    expect(cas.body.data.metafieldsSet.metafields[0].value).toBe("silver");
    const tooMany = Array.from({ length: 26 }, (_, i) => ({ ownerId: c.gid, namespace: "$app", key: `k${i}`, type: "number_integer", value: "1" }));
    const over = await gql(set, { m: tooMany });
    expect(over.body.data.metafieldsSet.userErrors[0]).toMatchObject({ code: "LESS_THAN_OR_EQUAL_TO", field: ["metafields"] });
    const order = store.shop(SHOP).orders.values().next().value!;
    const both = await gql(set, { m: [{ ownerId: c.gid, namespace: "$app", key: "xy", type: "number_integer", value: "1" }, { ownerId: order.gid, namespace: "$app", key: "xy", type: "number_integer", value: "2" }] });
    expect(both.body.extensions.cost.requestedQueryCost).toBe(10 + 1 + 10);
    expect(store.mutations(SHOP, { kind: "metafieldsSet" }).map((m) => m.ok)).toEqual([true, false, true, false, true]);
  });

  it("metafieldDefinitionCreate creates an app-owned definition once", async () => {
    const { gql } = setup();
    const m = `mutation { metafieldDefinitionCreate(definition: { name: "Tier", namespace: "$app", key: "tier", type: "single_line_text_field", ownerType: CUSTOMER }) { createdDefinition { id namespace key type { name } ownerType } userErrors { field message code } } }`;
    const first = await gql(m);
    expect(first.body.data.metafieldDefinitionCreate.createdDefinition).toMatchObject({ namespace: "app--4242000001", key: "tier", type: { name: "single_line_text_field" }, ownerType: "CUSTOMER" });
    const second = await gql(m);
    expect(second.body.data.metafieldDefinitionCreate.userErrors[0].code).toBe("TAKEN");
  });

  it("fulfillmentOrdersSetFulfillmentDeadline sets fulfillBy and is recorded", async () => {
    const { gql, store } = setup();
    const fo = [...store.shop(SHOP).fulfillmentOrders.values()].find((f) => f.status === "OPEN")!;
    const { body } = await gql(`mutation($ids: [ID!]!, $at: DateTime!) { fulfillmentOrdersSetFulfillmentDeadline(fulfillmentOrderIds: $ids, fulfillmentDeadline: $at) { success userErrors { field message code } } }`, { ids: [fo.gid], at: "2026-03-04T17:00:00Z" });
    expect(body.data.fulfillmentOrdersSetFulfillmentDeadline).toEqual({ success: true, userErrors: [] });
    const read = await gql(`query($id: ID!) { fulfillmentOrder(id: $id) { fulfillBy } }`, { id: fo.gid });
    expect(read.body.data.fulfillmentOrder.fulfillBy).toBe("2026-03-04T17:00:00Z"); // to the second, as Shopify prints a DateTime
    const missing = await gql(`mutation { fulfillmentOrdersSetFulfillmentDeadline(fulfillmentOrderIds: ["gid://shopify/FulfillmentOrder/1"], fulfillmentDeadline: "2026-03-04T17:00:00Z") { success userErrors { code } } }`);
    expect(missing.body.data.fulfillmentOrdersSetFulfillmentDeadline).toEqual({ success: false, userErrors: [{ code: "FULFILLMENT_ORDERS_NOT_FOUND" }] });
    expect(store.mutations(SHOP, { kind: "fulfillmentOrdersSetFulfillmentDeadline" })[0]).toMatchObject({ ok: true, detail: { fulfillmentOrderGids: [fo.gid] } });
  });
});

describe("rate limits", () => {
  it("throttles a burst beyond the bucket, then recovers at the restore rate (fake clock)", async () => {
    let now = 0;
    const { gql, api } = setup({ clock: () => now });
    api.setThrottleConfig(SHOP, { bucketSize: 100, restoreRate: 10 });
    const q = `{ customers(first: 10) { nodes { id } } }`; // 2 + 10 × 1 = 12 points requested
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await gql(q));
    const throttled = answers.filter((a) => a.body.errors?.[0]?.extensions?.code === "THROTTLED");
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0].status).toBe(200);
    expect(throttled[0].body).toMatchObject({ errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: expect.any(String) } }], extensions: { cost: { requestedQueryCost: 12, throttleStatus: { maximumAvailable: 100, restoreRate: 10 } } } });
    const available = throttled[0].body.extensions.cost.throttleStatus.currentlyAvailable;
    expect(available).toBeLessThan(12);
    // Not enough restored after a short wait...
    now += Math.floor(((12 - available - 1) / 10) * 1000);
    expect((await gql(q)).body.errors?.[0]?.extensions?.code).toBe("THROTTLED");
    // ...enough once the restore rate has refilled the difference.
    now += 2000;
    const recovered = await gql(q);
    expect(recovered.body.errors).toBeUndefined();
    now += 100_000;
    expect((await gql(`{ shop { id } }`)).body.extensions.cost.throttleStatus.currentlyAvailable).toBe(100 - 1);
  });

  it("keeps one bucket per (app, shop): another shop, or another app on the shop, does not share it", async () => {
    const { gql, api, store } = setup();
    seedShop(store, "other-store.myshopify.com", { seed: 12, size: "tiny", now: NOW });
    const other = store.installApp("other-store.myshopify.com", { apiKey: "test-key" });
    api.bucket(SHOP).drain(1_000_000);
    expect((await gql(`{ shop { id } }`)).body.errors[0].extensions.code).toBe("THROTTLED");
    const elsewhere = (await api.graphql("other-store.myshopify.com", other.accessToken, { query: `{ shop { id } }` })) as { body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(elsewhere.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(2000 - 1);
    const otherApp = store.installApp(SHOP, { apiKey: "another-app", appId: "4242000002" });
    const fresh = (await api.graphql(SHOP, otherApp.accessToken, { query: `{ shop { id } }` })) as { body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(fresh.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(2000 - 1);
  });

  it("answers THROTTLED as HTTP 429 when configured", async () => {
    const { gql, api } = setup();
    api.setThrottleConfig(SHOP, { bucketSize: 20, restoreRate: 1, http429: true });
    await gql(`{ customers(first: 10) { nodes { id } } }`);
    const second = await gql(`{ customers(first: 10) { nodes { id } } }`);
    expect(second.status).toBe(429);
    expect(second.body.errors[0].extensions.code).toBe("THROTTLED");
  });

  it("costs an interface's selection as its most expensive possible type, not the sum of all fragments", async () => {
    const { gql, store } = setup();
    const q = `query($id: ID!) { node(id: $id) { id ... on Customer { orders(first: 10) { nodes { id } } } ... on Order { lineItems(first: 20) { nodes { id } } } } }`;
    const { body } = await gql(q, { id: firstCustomer(store).gid });
    expect(body.errors).toBeUndefined();
    expect(body.extensions.cost.requestedQueryCost).toBe(1 + Math.max(2 + 10, 2 + 20));
  });

  it("charges the actual cost, not the requested one, when fewer nodes come back", async () => {
    const { gql } = setup();
    const { body } = await gql(`{ customers(first: 50, query: "email:nobody@example.com") { nodes { id } } }`);
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 52, actualQueryCost: 2 });
  });

  it("asks one object per id of nodes(ids:), and charges the ones that came back", async () => {
    const { gql, store } = setup();
    const orders = [...store.shop(SHOP).orders.values()].slice(0, 3).map((o) => o.gid);
    const { body } = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { id fulfillmentOrders(first: 20) { nodes { id } } } } }`, { ids: orders });
    expect(body.errors).toBeUndefined();
    // Requested: 3 × (1 + 2 + 20); actual: 3 orders × (1 + 2 + their fulfillment orders).
    const fulfillmentOrders = body.data.nodes.filter(Boolean).reduce((sum: number, n: { fulfillmentOrders: { nodes: unknown[] } }) => sum + n.fulfillmentOrders.nodes.length, 0);
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 3 * 23, actualQueryCost: 3 * 3 + fulfillmentOrders });
  });
});

describe("bulk operations", () => {
  it("writes Shopify's JSONL with __parentId children after parents, serves it and emits bulk_operations/finish", async () => {
    const { gql, api, store } = setup();
    const finished: StoreChange[] = [];
    store.on("change", (c) => c.topic === "bulk_operations/finish" && finished.push(c));
    const run = await gql(`mutation { bulkOperationRunQuery(groupObjects: true, query: """
      { orders(query: "updated_at:>'2020-01-01'") { edges { node { id name currentTotalPriceSet { shopMoney { amount } } lineItems { edges { node { id sku quantity } } } } } } }
    """) { bulkOperation { id status } userErrors { field message code } } }`);
    expect(run.body.data.bulkOperationRunQuery.userErrors).toEqual([]);
    await api.bulk.idle(SHOP);
    const { body } = await gql(`{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl createdAt completedAt query } }`);
    const op = body.data.currentBulkOperation;
    expect(op).toMatchObject({ status: "COMPLETED", errorCode: null, rootObjectCount: "40", url: expect.stringMatching(/\/_sim\/bulk\/\d+\.jsonl$/) });
    const node = await gql(`query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }`, { id: op.id });
    expect(node.body.data.node.status).toBe("COMPLETED");
    const lines = readFileSync(api.bulk.filePath(op.id.split("/").pop())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(String(lines.length)).toBe(op.objectCount);
    const orderIds = new Set<string>();
    for (const line of lines) {
      if (line.__parentId) expect(orderIds.has(line.__parentId)).toBe(true); // parent came first
      else {
        expect(line.id).toMatch(/gid:\/\/shopify\/Order\//);
        expect(line.lineItems).toBeUndefined();
        orderIds.add(line.id);
      }
    }
    expect(lines[0]).toEqual({ id: expect.any(String), name: "#1001", currentTotalPriceSet: { shopMoney: { amount: expect.any(String) } } });
    expect(lines[1]).toMatchObject({ id: expect.stringMatching(/LineItem/), __parentId: lines[0].id });
    expect(finished[0]).toMatchObject({ topic: "bulk_operations/finish", shop: SHOP, bulkOperation: { status: "COMPLETED", gid: op.id } });
  });

  it("runs a bulk mutation from a staged JSONL upload: one result line per input line, writes at no bucket cost, one at a time", async () => {
    const { gql, api, store } = setup();
    const finished: StoreChange[] = [];
    store.on("change", (c) => c.topic === "bulk_operations/finish" && finished.push(c));
    const orders = [...store.shop(SHOP).orders.values()].slice(0, 3);
    const staged = await gql(`mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`, {
      input: [{ resource: "BULK_MUTATION_VARIABLES", filename: "tags.jsonl", mimeType: "text/jsonl", httpMethod: "POST" }],
    });
    expect(staged.body.data.stagedUploadsCreate.userErrors).toEqual([]);
    expect(staged.body.extensions.cost.actualQueryCost).toBe(10);
    const target = staged.body.data.stagedUploadsCreate.stagedTargets[0];
    const key = target.parameters.find((p: { name: string }) => p.name === "key").value as string;
    const tagsAdd = `mutation TagsAdd($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { field message } } }`;
    const run = (path: string, mutation = tagsAdd) =>
      gql(`mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $p) { bulkOperation { id type status } userErrors { field message code } } }`, { m: mutation, p: path });
    // Not uploaded yet.
    expect((await run(key)).body.data.bulkOperationRunMutation.userErrors).toEqual([expect.objectContaining({ code: "NO_SUCH_FILE" })]);
    const lines = [...orders.map((o) => ({ id: o.gid, tags: ["tierline:gold"] })), { id: "gid://shopify/Order/999999999", tags: ["tierline:gold"] }];
    expect(api.bulk.mutations.receive(key, lines.map((l) => JSON.stringify(l)).join("\n"))).toBe(true);
    expect(api.bulk.mutations.receive("tmp/elsewhere/file.jsonl", "{}")).toBe(false);
    expect((await run(key, `mutation { a: tagsAdd(id: "x", tags: []) { node { id } } b: tagsAdd(id: "y", tags: []) { node { id } } }`)).body.data.bulkOperationRunMutation.userErrors).toEqual([expect.objectContaining({ code: "INVALID_MUTATION" })]);
    const marks = store.mutations(SHOP).length;
    const started = await run(key);
    expect(started.body.data.bulkOperationRunMutation).toEqual({ bulkOperation: { id: expect.stringMatching(/BulkOperation/), type: "MUTATION", status: "CREATED" }, userErrors: [] });
    expect(started.body.extensions.cost.actualQueryCost).toBe(10);
    // One bulk mutation at a time per shop.
    expect((await run(key)).body.data.bulkOperationRunMutation.userErrors).toEqual([expect.objectContaining({ code: "OPERATION_IN_PROGRESS" })]);
    await api.bulk.mutations.idle();
    const { body } = await gql(`{ currentBulkOperation(type: MUTATION) { id status objectCount url } }`);
    expect(body.data.currentBulkOperation).toMatchObject({ id: started.body.data.bulkOperationRunMutation.bulkOperation.id, status: "COMPLETED", objectCount: "4" });
    const results = readFileSync(api.bulk.filePath(body.data.currentBulkOperation.id.split("/").pop())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(results.map((r) => r.__lineNumber)).toEqual([0, 1, 2, 3]);
    expect(results.slice(0, 3).map((r) => r.data.tagsAdd.userErrors)).toEqual([[], [], []]);
    expect(results[3].data.tagsAdd.userErrors).toEqual([expect.objectContaining({ message: expect.any(String) })]);
    for (const order of orders) expect(store.order(SHOP, order.id).tags).toContain("tierline:gold");
    const recorded = store.mutations(SHOP).slice(marks).filter((m) => m.kind === "tagsAdd");
    expect(recorded.map((m) => m.cost)).toEqual([0, 0, 0]);
    expect(finished.at(-1)).toMatchObject({ topic: "bulk_operations/finish", bulkOperation: { type: "MUTATION", status: "COMPLETED" } });
    // Once it has finished, the next may start.
    expect((await run(key)).body.data.bulkOperationRunMutation.userErrors).toEqual([]);
    await api.bulk.mutations.idle();
  });

  const ORDERS_WITH_LINES = `{ orders { edges { node { id name lineItems { edges { node { id } } } } } } }`;
  const linesOf = (api: AdminApi, opGid: string) => readFileSync(api.bulk.filePath(opGid.split("/").pop()!)!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const runBulk = async (gql: ReturnType<typeof setup>["gql"], version: string, extra = "") => {
    const { body } = await gql(`mutation($q: String!) { bulkOperationRunQuery(query: $q${extra}) { bulkOperation { id } userErrors { code message } } }`, { q: ORDERS_WITH_LINES }, version);
    return body.data.bulkOperationRunQuery;
  };

  it("groups children under their parent by default before 2026-01, not from 2026-01 (children still follow their parent)", async () => {
    const { gql, api } = setup();
    const grouped = linesOf(api, await runBulk(gql, "2025-10").then(async (r) => (await api.bulk.idle(SHOP), r.bulkOperation.id)));
    expect(grouped[1].__parentId).toBe(grouped[0].id);
    const ungrouped = linesOf(api, await runBulk(gql, "2026-01").then(async (r) => (await api.bulk.idle(SHOP), r.bulkOperation.id)));
    expect(ungrouped).toHaveLength(grouped.length);
    expect(ungrouped[1].__parentId).toBeUndefined(); // the second order, not the first order's line item
    const seen = new Set<string>();
    for (const line of ungrouped) {
      if (line.__parentId) expect(seen.has(line.__parentId)).toBe(true);
      seen.add(line.id);
    }
    const explicit = linesOf(api, await runBulk(gql, "2026-01", ", groupObjects: true").then(async (r) => (await api.bulk.idle(SHOP), r.bulkOperation.id)));
    expect(explicit).toEqual(grouped);
  });

  it("runs one bulk query at a time per shop before 2026-01, up to five from 2026-01", async () => {
    const { gql, api } = setup();
    expect((await runBulk(gql, "2025-10")).userErrors).toEqual([]);
    expect((await runBulk(gql, "2025-10")).userErrors[0].code).toBe("OPERATION_IN_PROGRESS");
    await api.bulk.idle(SHOP);
    for (let i = 0; i < 5; i++) expect((await runBulk(gql, "2026-01")).userErrors).toEqual([]);
    expect((await runBulk(gql, "2026-01")).userErrors[0].code).toBe("OPERATION_IN_PROGRESS");
    await api.bulk.idle(SHOP);
  });

  it("refuses a connection nested inside a list field, as Shopify does", async () => {
    const { gql } = setup();
    const q = `{ orders { edges { node { id refunds { id refundLineItems { edges { node { quantity } } } } } } } }`;
    const { body } = await gql(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { field message code } } }`, { q });
    expect(body.data.bulkOperationRunQuery).toEqual({ bulkOperation: null, userErrors: [{ field: ["query"], message: expect.stringContaining("connection field within a list field"), code: "INVALID" }] });
    const fine = await gql(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { userErrors { message } } }`, { q: `{ orders { edges { node { id refunds { id createdAt } } } } }` });
    expect(fine.body.data.bulkOperationRunQuery.userErrors).toEqual([]);
  });

  it("rejects a bulk query without a connection or without parent ids", async () => {
    const { gql } = setup();
    const noConn = await gql(`mutation { bulkOperationRunQuery(query: "{ shop { id } }") { userErrors { field message code } } }`);
    expect(noConn.body.data.bulkOperationRunQuery.userErrors[0]).toMatchObject({ field: ["query"], code: "INVALID" });
    const six = `{ customers { edges { node { id a: orders { edges { node { id } } } b: orders { edges { node { id } } } c: orders { edges { node { id } } } d: orders { edges { node { id } } } e: orders { edges { node { id } } } } } } }`;
    const tooMany = await gql(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { userErrors { field code message } } }`, { q: six });
    expect(tooMany.body.data.bulkOperationRunQuery.userErrors[0]).toMatchObject({ field: ["query"], code: "INVALID", message: expect.stringContaining("more than 5 connections") });
    const noId = await gql(`mutation { bulkOperationRunQuery(query: "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }") { userErrors { message } } }`);
    expect(noId.body.data.bulkOperationRunQuery.userErrors[0].message).toMatch(/must select the 'id' field/);
  });
});

describe("HTTP edge", () => {
  let sim: RunningSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "k", apiSecret: "s", appUrl: "http://localhost:3000", edgeModules: false });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await fetch(`${sim.origin}/_sim/reset`, { method: "POST" });
    const res = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: SHOP, seed: 3, size: "tiny", now: NOW }) });
    token = ((await res.json()) as { accessToken: string }).accessToken;
  });

  const post = (headers: Record<string, string>, query: string) =>
    fetch(`${sim.origin}/admin/api/2026-01/graphql.json`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify({ query }) });

  it("sizes the bucket by the shop's plan (Standard 2000/100 … enterprise 40000/2000) and refuses an unknown plan", async () => {
    const status = async () => ((await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/throttle`)).json()) as { status: Record<string, number> }).status;
    expect(await status()).toMatchObject({ maximumAvailable: 2000, restoreRate: 100 });
    for (const [plan, size, rate] of [["advanced", 4000, 200], ["plus", 20000, 1000], ["enterprise", 40000, 2000]] as const) {
      const res = await fetch(`${sim.origin}/_sim/shops/${SHOP}/plan`, { method: "POST", body: JSON.stringify({ plan }) });
      expect(res.status, plan).toBe(200);
      expect(await status(), plan).toMatchObject({ maximumAvailable: size, restoreRate: rate });
    }
    const bad = await fetch(`${sim.origin}/_sim/shops/${SHOP}/plan`, { method: "POST", body: JSON.stringify({ plan: "platinum" }) });
    expect(bad.status).toBe(400);
    expect(await status()).toMatchObject({ maximumAvailable: 40000, restoreRate: 2000 });
    const created = await fetch(`${sim.origin}/_sim/shops`, { method: "POST", body: JSON.stringify({ shop: "ent.myshopify.com", plan: "enterprise" }) });
    expect(((await created.json()) as { shop: { plan: { bucketSize: number } } }).shop.plan.bucketSize).toBe(40000);
  });

  it("names the shop by X-Forwarded-Host and checks X-Shopify-Access-Token", async () => {
    const ok = await post({ "X-Forwarded-Host": SHOP, "X-Shopify-Access-Token": token }, "{ shop { myshopifyDomain } }");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-shopify-api-version")).toBe("2026-01");
    expect(((await ok.json()) as { data: { shop: { myshopifyDomain: string } } }).data.shop.myshopifyDomain).toBe(SHOP);
    const bad = await post({ "X-Forwarded-Host": SHOP, "X-Shopify-Access-Token": "nope" }, "{ shop { id } }");
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual(INVALID_TOKEN_BODY);
  });

  it("records the app's mutations at /_sim/shops/{shop}/mutations and serves bulk files", async () => {
    const customers = (await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/customers?limit=1`)).json()) as { customers: { gid: string }[] };
    const gid = customers.customers[0].gid;
    await post({ "X-Forwarded-Host": SHOP, "X-Shopify-Access-Token": token }, `mutation { tagsAdd(id: "${gid}", tags: ["tier-gold"]) { userErrors { message } } }`);
    const rec = (await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/mutations`)).json()) as { pointsSpent: number; mutations: { kind: string; cost: number }[] };
    expect(rec.mutations).toMatchObject([{ kind: "tagsAdd", cost: 10 }]);
    expect(rec.pointsSpent).toBe(10);
    const run = await post({ "X-Forwarded-Host": SHOP, "X-Shopify-Access-Token": token }, `mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id tags } } } }") { bulkOperation { id } } }`);
    const opId = ((await run.json()) as { data: { bulkOperationRunQuery: { bulkOperation: { id: string } } } }).data.bulkOperationRunQuery.bulkOperation.id;
    await sim.admin.bulk.idle(SHOP);
    const jsonl = await (await fetch(`${sim.origin}/_sim/bulk/${opId.split("/").pop()}.jsonl`)).text();
    expect(jsonl.trim().split("\n")).toHaveLength(10);
  });

  it("plays the merchant through the control API: orders, refunds, edits, cancellations", async () => {
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${sim.origin}${path}`, { method: "POST", body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return res.json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const products = (await (await fetch(`${sim.origin}/_sim/shops/${SHOP}/products`)).json()) as { products: { variants: { id: string }[] }[] };
    const variantId = products.products[0].variants[0].id;
    const { customer } = await call(`/_sim/shops/${SHOP}/customers`, { email: "new@example.com", firstName: "New" });
    const { order } = await call(`/_sim/shops/${SHOP}/orders`, { customerId: customer.gid, lineItems: [{ variantId, quantity: 2 }], shipping: { price: "10.00" }, taxRate: 0.1, presentmentCurrency: "EUR" });
    expect(order.presentmentCurrency).toBe("EUR");
    const line = order.lineItems[0].id;
    const refunded = await call(`/_sim/shops/${SHOP}/orders/${order.id}/refunds`, { lineItems: [{ lineItemId: line, quantity: 1, restockType: "RETURN" }] });
    expect(refunded.order.financialStatus).toBe("PARTIALLY_REFUNDED");
    const edited = await call(`/_sim/shops/${SHOP}/orders/${order.id}/edit`, { addLineItems: [{ variantId, quantity: 1 }] });
    expect(edited.order.edited).toBe(true);
    const shipped = await call(`/_sim/shops/${SHOP}/orders/${encodeURIComponent(order.gid)}/fulfill`, { lineItems: [{ lineItemId: order.lineItems[0].gid, quantity: 1 }], trackingCompany: "UPS", trackingNumber: "1ZA" });
    expect(shipped.fulfillment).toMatchObject({ status: "SUCCESS", lineItems: [{ lineItemId: line, quantity: 1 }], trackingInfo: [{ company: "UPS", number: "1ZA" }] });
    expect(shipped.order.fulfillmentStatus).toBe("PARTIALLY_FULFILLED");
    const tracked = await call(`/_sim/shops/${SHOP}/fulfillments/${encodeURIComponent(shipped.fulfillment.gid)}/tracking`, { trackingNumber: "1ZB" });
    expect(tracked.fulfillment.trackingInfo).toEqual([{ company: "UPS", number: "1ZB", url: expect.stringContaining("1ZB") }]);
    const tooMany = await fetch(`${sim.origin}/_sim/shops/${SHOP}/orders/${order.id}/fulfill`, { method: "POST", body: JSON.stringify({ lineItems: [{ lineItemId: line, quantity: 5 }] }) });
    expect(tooMany.status).toBe(422);
    expect(((await tooMany.json()) as { error: string }).error).toMatch(/cannot fulfill 5/);
    const unknown = await fetch(`${sim.origin}/_sim/shops/${SHOP}/fulfillments/1/tracking`, { method: "POST", body: JSON.stringify({ trackingNumber: "X" }) });
    expect(unknown.status).toBe(404);
    const rest = await call(`/_sim/shops/${SHOP}/orders/${order.id}/fulfill`, {});
    expect(rest.order.fulfillmentStatus).toBe("FULFILLED");
    expect(rest.order.fulfillmentOrders.every((fo: { status: string }) => fo.status === "CLOSED")).toBe(true);
    // Cancelling a shipped order still works: shipped units come back as returns.
    const cancelled = await call(`/_sim/shops/${SHOP}/orders/${order.id}/cancel`, { reason: "CUSTOMER" });
    expect(cancelled.order.cancelledAt).not.toBeNull();
    expect(cancelled.order.refunds.at(-1).refundLineItems.map((r: { restockType: string }) => r.restockType)).toEqual(["RETURN", "RETURN"]);
    const guest = await call(`/_sim/shops/${SHOP}/orders`, { lineItems: [{ title: "Gift", price: "5.00", quantity: 1 }], financialStatus: "PENDING" });
    expect(guest.order.customerId).toBeNull();
  });
});
