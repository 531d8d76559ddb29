import { describe, expect, it } from "vitest";
import { SimStore } from "./store.ts";
import { seedShop, SEED_SIZES } from "./seed-generator.ts";
import type { StoreChange } from "./types.ts";

const SHOP = "unit-store.myshopify.com";
const NOW = "2026-03-01T00:00:00.000Z";

function fresh() {
  const store = new SimStore({ now: () => new Date(NOW) });
  store.createShop({ domain: SHOP, install: {} });
  const product = store.createProduct(SHOP, { title: "Tote", variants: [{ sku: "TOTE-1", price: "40.00", inventory: 10 }] });
  const changes: StoreChange[] = [];
  store.on("change", (c) => changes.push(c));
  return { store, variant: product.variants[0], changes };
}

describe("store operations", () => {
  it("creates an order in two currencies, emits orders/create and orders/paid, and keeps totals exact", () => {
    const { store, variant, changes } = fresh();
    const customer = store.createCustomer(SHOP, { email: "a@example.com" });
    const order = store.createOrder(SHOP, { customerId: customer.id, lineItems: [{ variantId: variant.id, quantity: 2 }], shipping: { price: "10.00" }, taxRate: 0.1, presentmentCurrency: "EUR" });
    expect(order.totalPriceSet.shopMoney).toEqual({ amount: "98.00", currencyCode: "USD" }); // 80 + 8 tax + 10 shipping
    expect(order.totalPriceSet.presentmentMoney.currencyCode).toBe("EUR");
    expect(order.financialStatus).toBe("PAID");
    expect(order.name).toBe("#1001");
    expect(BigInt(order.lineItems[0].id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true); // ids are wider than JS numbers
    // The two units leave stock (10 → 8), reported as Shopify reports it.
    expect(changes.map((c) => c.topic)).toEqual(["customers/create", "orders/create", "orders/paid", "inventory_levels/update"]);
    expect(store.shop(SHOP).variants.get(variant.id)!.inventoryLevels[0].available).toBe(8);
    expect(changes.at(-1)).toMatchObject({ inventoryItemId: variant.inventoryItemId, available: 8 });
  });

  it("stock follows edits: added items leave stock, removed ones return only when restocked; custom items hold none", () => {
    const { store, variant, changes } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [{ variantId: variant.id, quantity: 3 }, { title: "Gift note", price: "2.00", quantity: 1 }] });
    const level = () => store.shop(SHOP).variants.get(variant.id)!.inventoryLevels[0].available;
    expect(level()).toBe(7);
    expect(changes.filter((c) => c.topic === "inventory_levels/update")).toHaveLength(1);
    store.editOrder(SHOP, order.id, { setQuantities: [{ lineItemId: order.lineItems[0].id, quantity: 2 }] });
    expect(level()).toBe(7);
    store.editOrder(SHOP, order.id, { setQuantities: [{ lineItemId: order.lineItems[0].id, quantity: 1, restock: true }] });
    expect(level()).toBe(8);
    store.editOrder(SHOP, order.id, { addLineItems: [{ variantId: variant.id, quantity: 4 }] });
    expect(level()).toBe(4);
    store.cancelOrder(SHOP, order.id, { reason: "CUSTOMER" });
    expect(level()).toBe(9); // the 1 left on the first line and the 4 added come back
  });

  it("refunds partially, money-only and fully, updating current totals and financial status", () => {
    const { store, variant, changes } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [{ variantId: variant.id, quantity: 2 }], shipping: { price: "10.00" }, taxRate: 0.1 });
    store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1, restockType: "RETURN" }] });
    expect(order.currentTotalPriceSet.shopMoney.amount).toBe("54.00");
    expect(order.totalRefundedSet.shopMoney.amount).toBe("44.00");
    expect(order.financialStatus).toBe("PARTIALLY_REFUNDED");
    expect(store.shop(SHOP).variants.get(variant.id)!.inventoryLevels[0].available).toBe(9); // 10 − 2 sold + 1 returned
    store.refundOrder(SHOP, order.id, { shipping: { full: true } });
    expect(order.currentShippingPriceSet.shopMoney.amount).toBe("0.00");
    const goodwill = store.refundOrder(SHOP, order.id, { amount: "5.00" });
    expect(goodwill.orderAdjustments[0].amountSet.shopMoney.amount).toBe("-5.00");
    store.refundOrderFully(SHOP, order.id);
    expect(order.financialStatus).toBe("REFUNDED");
    expect(order.currentTotalPriceSet.shopMoney.amount).toBe("0.00");
    expect(changes.filter((c) => c.topic === "refunds/create")).toHaveLength(4);
    expect(changes.some((c) => c.topic === "inventory_levels/update")).toBe(true);
  });

  it("edits bump updatedAt and current totals; cancellation of an unpaid order voids it", () => {
    const { store, variant, changes } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [{ variantId: variant.id, quantity: 1 }], financialStatus: "PENDING" }, { at: "2026-02-01T00:00:00.000Z" });
    store.editOrder(SHOP, order.id, { addLineItems: [{ variantId: variant.id, quantity: 1 }] });
    expect(order.updatedAt).toBe(NOW);
    expect(order.currentTotalPriceSet.shopMoney.amount).toBe("80.00");
    expect(changes.map((c) => c.topic)).toContain("orders/edited");
    store.cancelOrder(SHOP, order.id, { reason: "CUSTOMER" });
    expect(order.financialStatus).toBe("VOIDED");
    expect(order.cancelReason).toBe("CUSTOMER");
    expect(changes.at(-2)!.topic).toBe("orders/cancelled");
  });

  it("customers: tags are sets, deletion emits customers/delete, snapshots don't change later", () => {
    const { store, changes } = fresh();
    const c = store.createCustomer(SHOP, { email: "b@example.com", tags: ["vip"] });
    expect(store.addTags(SHOP, c.id, ["VIP", "new, gold"]).added).toEqual(["new", "gold"]);
    const added = changes.find((ch) => ch.topic === "customer.tags_added")!;
    store.removeTags(SHOP, c.id, ["gold"]);
    expect(added).toMatchObject({ tags: ["new", "gold"], customer: { tags: ["vip", "new", "gold"] } });
    store.deleteCustomer(SHOP, c.id);
    expect(changes.at(-1)).toMatchObject({ topic: "customers/delete", customer: { gid: c.gid } });
  });
});

describe("plans", () => {
  it("knows Shopify's plans by name, enterprise included, and refuses a name it does not know", () => {
    const store = new SimStore({ now: () => new Date(NOW) });
    expect(store.createShop({ domain: "big-co.myshopify.com", plan: "enterprise" }).shop.plan).toMatchObject({ restoreRate: 2000, bucketSize: 40000 });
    expect(() => store.createShop({ domain: "odd.myshopify.com", plan: "gold" as never })).toThrow(/unknown plan gold/);
    expect(() => store.setPlan("big-co.myshopify.com", "gold" as never)).toThrow(/unknown plan gold/);
    expect(store.setPlan("big-co.myshopify.com", "advanced")).toMatchObject({ restoreRate: 200 });
  });
});

describe("seed generator", () => {
  const dump = (store: SimStore, domain: string) => {
    const d = store.shop(domain);
    return JSON.stringify({ c: [...d.customers.values()], o: [...d.orders.values()], p: d.products }, (_k, v) => (v instanceof Map ? [...v] : v));
  };

  it("is deterministic: same seed and now give identical stores; another seed differs", () => {
    const make = (seed: number) => {
      const store = new SimStore({ now: () => new Date(NOW) });
      seedShop(store, SHOP, { seed, size: "small", now: NOW });
      return dump(store, SHOP);
    };
    expect(make(42)).toBe(make(42));
    expect(make(42)).not.toBe(make(43));
  });

  it("tiny has every kind of history within 18 months before now", () => {
    const store = new SimStore({ now: () => new Date(NOW) });
    const s = seedShop(store, SHOP, { seed: 5, size: "tiny", now: NOW });
    expect(s).toMatchObject({ customers: SEED_SIZES.tiny.customers, orders: SEED_SIZES.tiny.orders });
    const orders = [...store.shop(SHOP).orders.values()];
    const oldest = Date.parse(NOW) - 549 * 86_400_000;
    expect(orders.every((o) => Date.parse(o.createdAt) >= oldest && o.createdAt <= NOW && o.updatedAt <= NOW)).toBe(true);
    expect(orders.some((o) => o.customerId === null)).toBe(true);
    expect(orders.some((o) => o.refunds.length > 0)).toBe(true);
    expect(orders.some((o) => o.cancelledAt !== null)).toBe(true);
    expect(orders.some((o) => o.edited)).toBe(true);
    expect(new Set(orders.map((o) => o.presentmentCurrency)).size).toBeGreaterThan(1);
  });

  it("tiny has every kind of history whatever the seed", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const store = new SimStore({ now: () => new Date(NOW) });
      const s = seedShop(store, SHOP, { seed, size: "tiny", now: NOW });
      const data = store.shop(SHOP);
      const orders = [...data.orders.values()];
      const kinds = {
        guest: orders.some((o) => o.customerId === null),
        test: s.testOrders > 0 && orders.some((o) => o.test),
        partialRefund: orders.some((o) => o.financialStatus === "PARTIALLY_REFUNDED" && o.refunds.some((r) => r.refundLineItems.length > 0)),
        fullRefund: orders.some((o) => o.financialStatus === "REFUNDED" && !o.cancelledAt),
        moneyOnlyRefund: orders.some((o) => o.refunds.some((r) => r.refundLineItems.length === 0)),
        cancelled: orders.some((o) => o.cancelledAt !== null),
        edited: orders.some((o) => o.edited),
        currencies: new Set(orders.map((o) => o.presentmentCurrency)).size >= 2,
        // Sales took stock and the merchant received more where it ran out: none oversold, some low.
        stock: [...data.variants.values()].every((v) => v.inventoryLevels.length > 0 && v.inventoryLevels.every((l) => l.available >= 0)) && [...data.variants.values()].some((v) => v.inventoryLevels[0].available > 0),
      };
      expect({ seed, ...kinds }).toEqual({ seed, guest: true, test: true, partialRefund: true, fullRefund: true, moneyOnlyRefund: true, cancelled: true, edited: true, currencies: true, stock: true });
    }
  });

  it("history is consistent in time and status: captures before refunds and cancellations, updatedAt after every event", () => {
    const check = (size: "tiny" | "medium", seed: number) => {
      const store = new SimStore({ now: () => new Date(NOW) });
      seedShop(store, SHOP, { seed, size, now: NOW });
      const problems: string[] = [];
      for (const o of store.shop(SHOP).orders.values()) {
        const paidAt = o.transactions.filter((t) => t.kind === "SALE" || t.kind === "CAPTURE").map((t) => t.processedAt);
        const events = [o.createdAt, ...o.transactions.map((t) => t.processedAt), ...o.refunds.map((r) => r.createdAt), ...(o.cancelledAt ? [o.cancelledAt] : [])];
        if (o.processedAt !== o.createdAt) problems.push(`${o.name}: processedAt ${o.processedAt} vs createdAt ${o.createdAt}`);
        if (events.some((e) => e > o.updatedAt || e > NOW || e < o.createdAt)) problems.push(`${o.name}: an event outside [createdAt, updatedAt]`);
        for (const r of o.refunds) if (paidAt.some((p) => p > r.createdAt)) problems.push(`${o.name}: refund before the payment it returns`);
        if (o.cancelledAt) {
          if (paidAt.some((p) => p > o.cancelledAt!)) problems.push(`${o.name}: captured after cancellation`);
          if (o.financialStatus !== "REFUNDED" && o.financialStatus !== "VOIDED") problems.push(`${o.name}: cancelled but ${o.financialStatus}`);
        }
      }
      return problems;
    };
    expect(check("medium", 1)).toEqual([]);
    for (let seed = 1; seed <= 10; seed++) expect(check("tiny", seed)).toEqual([]);
  });

  it("large has at least 20,000 customers and 100,000 orders, generated in seconds", () => {
    const store = new SimStore({ now: () => new Date(NOW) });
    const cpu = process.cpuUsage();
    const s = seedShop(store, "big.myshopify.com", { seed: 1, size: "large", now: NOW });
    const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
    expect(store.shop("big.myshopify.com").customers.size).toBeGreaterThanOrEqual(20_000);
    expect(store.shop("big.myshopify.com").orders.size).toBeGreaterThanOrEqual(100_000);
    expect(s.testOrders).toBeGreaterThan(0);
    // About 5.5 s of CPU; CPU time (not wall time) so a busy machine doesn't fail it.
    expect(cpuMs).toBeLessThan(20_000);
    expect(s.millis).toBeGreaterThan(0);
  });
});
