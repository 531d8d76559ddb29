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

  it("money beyond the items shows as a refund discrepancy only as far as it was paid out", () => {
    const { store } = fresh();
    const order = store.createOrder(SHOP, { lineItems: [{ title: "Cup", price: "8.00", quantity: 1 }], shipping: { price: "6.95" } });
    store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    // Only the shipping (6.95) is left to refund: a 3.00 goodwill on top cannot be paid.
    const capped = store.refundOrder(SHOP, order.id, { amount: "3.00", shipping: { full: true } });
    expect(capped.transactions.map((t) => t.amountSet.shopMoney.amount)).toEqual(["6.95"]);
    expect(capped.orderAdjustments).toEqual([]);
    const other = store.createOrder(SHOP, { lineItems: [{ title: "Bowl", price: "20.00", quantity: 1 }] });
    const goodwill = store.refundOrder(SHOP, other.id, { amount: "3.00" });
    expect(goodwill.orderAdjustments.map((a) => [a.kind, a.amountSet.shopMoney.amount])).toEqual([["REFUND_DISCREPANCY", "-3.00"]]);
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

describe("fulfillments", () => {
  const at = (h: number) => new Date(Date.parse(NOW) + h * 3600_000).toISOString();

  function shipping() {
    const { store, variant, changes } = fresh();
    const customer = store.createCustomer(SHOP, { email: "f@example.com" });
    const order = store.createOrder(SHOP, {
      customerId: customer.id,
      lineItems: [{ variantId: variant.id, quantity: 3 }, { title: "Poster", price: "12.00", quantity: 1 }, { title: "Gift note", price: "2.00", quantity: 1, requiresShipping: false }],
      fulfillBy: at(48),
    });
    changes.length = 0;
    const [tote, poster, note] = order.lineItems;
    return { store, changes, order, tote, poster, note, fo: order.fulfillmentOrders[0] };
  }

  it("a partial shipment, then the rest: quantities, fulfillment-order status, order status and topics in order", () => {
    const { store, changes, order, tote, poster, note, fo } = shipping();
    const first = store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: tote.id, quantity: 2 }], trackingNumber: "1Z999", trackingCompany: "UPS", notifyCustomer: true }, { at: at(24) });
    expect(first).toMatchObject({ status: "SUCCESS", name: "#1001.1", createdAt: at(24), locationId: fo.assignedLocationId, fulfillmentOrderIds: [fo.id], notifyCustomer: true });
    expect(first.trackingInfo).toEqual([{ company: "UPS", number: "1Z999", url: expect.stringContaining("1Z999") }]);
    expect(first.lineItems.map((l) => [l.lineItemId, l.quantity])).toEqual([[tote.id, 2]]);
    expect(fo.lineItems.map((l) => l.remainingQuantity)).toEqual([1, 1]);
    expect(fo.status).toBe("IN_PROGRESS");
    expect([tote.unfulfilledQuantity, poster.unfulfilledQuantity, note.unfulfilledQuantity]).toEqual([1, 1, 1]);
    expect(order.fulfillmentStatus).toBe("PARTIALLY_FULFILLED");
    expect(order.updatedAt).toBe(at(24));
    expect(changes.map((c) => c.topic)).toEqual(["fulfillments/create", "orders/partially_fulfilled", "orders/updated"]);
    // Shipping leaves stock alone: the units left "available" when the order was placed.
    expect(changes.some((c) => c.topic === "inventory_levels/update")).toBe(false);

    changes.length = 0;
    const rest = store.fulfillOrder(SHOP, order.id, {}, { at: at(72) });
    expect(rest.name).toBe("#1001.2");
    expect(rest.lineItems.map((l) => [l.lineItemId, l.quantity])).toEqual([[tote.id, 1], [poster.id, 1]]);
    expect(rest.trackingInfo).toEqual([]);
    expect(fo.status).toBe("CLOSED");
    expect(fo.lineItems.every((l) => l.remainingQuantity === 0)).toBe(true);
    expect([tote.unfulfilledQuantity, poster.unfulfilledQuantity]).toEqual([0, 0]);
    // The gift note needs no shipping and has no fulfillment order: it doesn't hold the order back.
    expect(order.fulfillmentStatus).toBe("FULFILLED");
    expect(changes.map((c) => c.topic)).toEqual(["fulfillments/create", "orders/fulfilled", "orders/updated"]);
    const created = changes[0] as Extract<StoreChange, { fulfillment: unknown }>;
    expect(created.fulfillment.id).toBe(rest.id);
    expect(created.order.fulfillments?.map((f) => f.id)).toEqual([first.id, rest.id]);
    expect(created.customer?.email).toBe("f@example.com");
    // Shipped after the fulfillment order's deadline: what a promise-kept rate reads.
    expect(rest.createdAt > fo.fulfillBy!).toBe(true);
    expect(() => store.fulfillOrder(SHOP, order.id, {})).toThrow(/nothing to fulfill/);
  });

  it("refuses more than remains, unknown or closed fulfillment orders and cancelled orders, changing nothing", () => {
    const { store, changes, order, tote, fo } = shipping();
    expect(() => store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: tote.id, quantity: 4 }] })).toThrow(/cannot fulfill 4/);
    expect(() => store.fulfillOrder(SHOP, order.id, { fulfillmentOrderId: "999" })).toThrow(/unknown fulfillment order/);
    expect(tote.unfulfilledQuantity).toBe(3);
    expect(fo.status).toBe("OPEN");
    expect(changes).toEqual([]);
    store.fulfillOrder(SHOP, order.id, { fulfillmentOrderId: fo.id });
    expect(() => store.fulfillOrder(SHOP, order.id, { fulfillmentOrderId: fo.id })).toThrow(/CLOSED/);
    const other = store.createOrder(SHOP, { lineItems: [{ title: "Mug", price: "9.00", quantity: 1 }] });
    store.cancelOrder(SHOP, other.id);
    expect(() => store.fulfillOrder(SHOP, other.id)).toThrow(/cancelled/);
  });

  it("tracking updates replace the tracking info and emit fulfillments/update", () => {
    const { store, changes, order } = shipping();
    const f = store.fulfillOrder(SHOP, order.id, { trackingCompany: "UPS", trackingNumber: "OLD" }, { at: at(1) });
    changes.length = 0;
    store.updateFulfillmentTracking(SHOP, f.id, { trackingNumber: "NEW", trackingUrl: "https://track.example/NEW" }, { at: at(2) });
    expect(f.trackingInfo).toEqual([{ company: "UPS", number: "NEW", url: "https://track.example/NEW" }]);
    expect(f.updatedAt).toBe(at(2));
    expect(f.createdAt).toBe(at(1));
    expect(changes.map((c) => c.topic)).toEqual(["fulfillments/update"]);
    expect(() => store.updateFulfillmentTracking(SHOP, "42", { trackingNumber: "X" })).toThrow(/unknown fulfillment/);
  });

  it("silent fulfilments (history) emit nothing", () => {
    const { store, changes, order } = shipping();
    store.fulfillOrder(SHOP, order.id, {}, { silent: true });
    expect(order.fulfillmentStatus).toBe("FULFILLED");
    expect(changes).toEqual([]);
  });

  it("refunding a shipped unit is a return; cancelling a partly shipped order cancels the rest and returns what shipped", () => {
    const { store, order, tote, poster, fo } = shipping();
    store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: tote.id, quantity: 2 }] });
    // Shipped units can't be cancelled, only returned.
    expect(() => store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: tote.id, quantity: 2, restockType: "CANCEL" }] })).toThrow(/RETURN/);
    const level = () => store.shop(SHOP).variants.get(tote.variantId!)!.inventoryLevels[0].available;
    const before = level();
    const ret = store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: tote.id, quantity: 1, restockType: "RETURN" }] });
    expect(ret.refundLineItems[0]).toMatchObject({ restockType: "RETURN", restocked: true });
    expect(level()).toBe(before + 1);
    // The unit still to ship is untouched by a return.
    expect([tote.currentQuantity, tote.unfulfilledQuantity]).toEqual([2, 1]);
    expect(fo.lineItems.find((l) => l.lineItemId === tote.id)!.remainingQuantity).toBe(1);
    expect(order.fulfillmentStatus).toBe("PARTIALLY_FULFILLED");

    const cancelled = store.cancelOrder(SHOP, order.id, { reason: "CUSTOMER" });
    const refund = cancelled.refunds.at(-1)!;
    expect(refund.refundLineItems.filter((r) => r.lineItemId === tote.id).map((r) => [r.restockType, r.quantity]).sort()).toEqual([["CANCEL", 1], ["RETURN", 1]]);
    expect(refund.refundLineItems.find((r) => r.lineItemId === poster.id)).toMatchObject({ restockType: "CANCEL", quantity: 1 });
    expect(fo.status).toBe("CLOSED");
    expect(cancelled.financialStatus).toBe("REFUNDED");
    expect(tote.currentQuantity).toBe(0);
  });

  it("cancelling the unshipped rest of a partly shipped order leaves it fulfilled; edits can't remove shipped units", () => {
    const { store, order, tote, poster, fo } = shipping();
    store.fulfillOrder(SHOP, order.id, { lineItems: [{ lineItemId: tote.id, quantity: 3 }] });
    expect(() => store.editOrder(SHOP, order.id, { setQuantities: [{ lineItemId: tote.id, quantity: 2 }] })).toThrow(/fulfilled units/);
    store.refundOrder(SHOP, order.id, { lineItems: [{ lineItemId: poster.id, quantity: 1, restockType: "CANCEL" }] });
    expect(fo.status).toBe("CLOSED");
    expect(order.fulfillmentStatus).toBe("FULFILLED");
    // An item added after everything shipped gets a new fulfillment order, and can ship.
    store.editOrder(SHOP, order.id, { addLineItems: [{ title: "Sticker", price: "1.00", quantity: 2 }] });
    expect(order.fulfillmentOrders).toHaveLength(2);
    expect(order.fulfillmentOrders[1].status).toBe("OPEN");
    expect(order.fulfillmentStatus).toBe("PARTIALLY_FULFILLED");
    store.fulfillOrder(SHOP, order.id);
    expect(order.fulfillmentStatus).toBe("FULFILLED");
    expect(order.fulfillmentOrders[1].status).toBe("CLOSED");
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

  it("with moneyMix, a small share of orders carries tips, gift cards, duties, cash on delivery and voided authorizations; without it, none", () => {
    const make = (moneyMix: boolean) => {
      const store = new SimStore({ now: () => new Date(NOW) });
      const summary = seedShop(store, SHOP, { seed: 8, size: "small", now: NOW, moneyMix });
      return { summary, orders: [...store.shop(SHOP).orders.values()], dump: dump(store, SHOP) };
    };
    const mixed = make(true);
    expect(make(true).dump).toBe(mixed.dump);
    const { orders } = mixed;
    const count = {
      tips: orders.filter((o) => Number(o.tipSet.shopMoney.amount) > 0).length,
      giftCardsBought: orders.filter((o) => o.lineItems.some((l) => l.giftCard)).length,
      giftCardPayments: orders.filter((o) => o.transactions.some((t) => t.gateway === "gift_card")).length,
      duties: orders.filter((o) => o.originalTotalDutiesSet !== null).length,
      cashOnDelivery: orders.filter((o) => o.transactions.some((t) => t.gateway === "Cash on Delivery (COD)" && t.status === "PENDING")).length,
      voided: orders.filter((o) => o.financialStatus === "VOIDED" && !o.cancelledAt).length,
    };
    expect(count).toEqual(mixed.summary.money);
    for (const [kind, n] of Object.entries(count)) {
      expect(n, kind).toBeGreaterThan(0);
      expect(n, kind).toBeLessThan(orders.length * 0.06);
    }
    // Cash on delivery is marked paid later (or cancelled first, or still pending at the end of the history).
    const cod = orders.filter((o) => o.transactions.some((t) => t.gateway === "Cash on Delivery (COD)"));
    expect(cod.every((o) => o.cancelledAt !== null || o.financialStatus === "PENDING" || o.transactions.some((t) => t.kind === "SALE" && t.status === "SUCCESS" && t.createdAt > o.createdAt))).toBe(true);
    expect(cod.some((o) => o.financialStatus === "PAID")).toBe(true);
    // Received money never falls short of what was refunded.
    expect(orders.every((o) => Number(o.totalReceivedSet.shopMoney.amount) >= Number(o.totalRefundedSet.shopMoney.amount))).toBe(true);

    const plain = make(false);
    expect(plain.summary.money).toBeUndefined();
    expect(plain.orders.some((o) => o.lineItems.some((l) => l.giftCard || l.duties.length) || Number(o.tipSet.shopMoney.amount) > 0 || o.transactions.some((t) => t.gateway === "gift_card" || t.manualPaymentGateway))).toBe(false);
  });

  it("history is consistent in time and status: captures before refunds and cancellations, updatedAt after every event", () => {
    const check = (size: "tiny" | "medium", seed: number) => {
      const store = new SimStore({ now: () => new Date(NOW) });
      seedShop(store, SHOP, { seed, size, now: NOW });
      const problems: string[] = [];
      for (const o of store.shop(SHOP).orders.values()) {
        const paidAt = o.transactions.filter((t) => t.kind === "SALE" || t.kind === "CAPTURE").map((t) => t.processedAt);
        const events = [o.createdAt, ...o.transactions.map((t) => t.processedAt), ...o.refunds.map((r) => r.createdAt), ...(o.cancelledAt ? [o.cancelledAt] : []), ...(o.fulfillments ?? []).map((f) => f.createdAt)];
        for (const f of o.fulfillments ?? []) if (o.refunds.some((r) => r.createdAt < f.createdAt)) problems.push(`${o.name}: shipped after a refund`);
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

  it("ships most paid orders, some more than a day after they were placed, silently and consistently", () => {
    const store = new SimStore({ now: () => new Date(NOW) });
    const changes: StoreChange[] = [];
    store.on("change", (c) => changes.push(c));
    const s = seedShop(store, SHOP, { seed: 2, size: "medium", now: NOW });
    expect(changes).toEqual([]);
    const orders = [...store.shop(SHOP).orders.values()];
    const shipped = orders.filter((o) => o.fulfillments?.length);
    expect(shipped.length).toBe(s.fulfilled);
    expect(s.fulfilled / orders.length).toBeGreaterThan(0.6);
    expect(s.shippedLate).toBeGreaterThan(0);
    expect(s.shippedLate / s.fulfilled).toBeLessThan(0.3);
    expect(shipped.filter((o) => Date.parse(o.fulfillments![0].createdAt) - Date.parse(o.createdAt) > 86_400_000)).toHaveLength(s.shippedLate);
    for (const o of shipped) {
      expect(o.fulfillmentStatus, o.name).toBe("FULFILLED");
      expect(o.fulfillmentOrders.every((fo) => fo.status === "CLOSED"), o.name).toBe(true);
      expect(o.cancelledAt).toBeNull();
    }
    expect(orders.some((o) => o.fulfillmentStatus === "UNFULFILLED" && !o.cancelledAt)).toBe(true);
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
