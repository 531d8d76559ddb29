// Deterministic seeded shops: the same (seed, size, now) gives the same customers, products and
// 18 months of order history (refunds, cancellations, edits, guest and test orders, several
// presentment currencies) in a fresh store. History is written silently: no StoreChanges.
import type { SimStore, ShopData, CreateShopInput, CreateOrderLineInput } from "./store.ts";
import type { DeliveryMethodInput } from "./delivery-methods.ts";
import type { SimCustomer, SimVariant } from "./types.ts";

export type SeedSize = "tiny" | "small" | "medium" | "large";

export const SEED_SIZES: Record<SeedSize, { customers: number; orders: number; products: number }> = {
  tiny: { customers: 10, orders: 40, products: 5 },
  small: { customers: 200, orders: 1_000, products: 20 },
  medium: { customers: 2_000, orders: 10_000, products: 60 },
  large: { customers: 20_000, orders: 100_000, products: 200 },
};

export interface SeedOptions {
  seed: number;
  size: SeedSize;
  /** History ends here; orders span the 18 months before it. */
  now: Date | string;
  shop?: Omit<CreateShopInput, "domain" | "createdAt">;
  /**
   * Also give a small share of orders the money that is not simply paid in full: tips, gift cards
   * bought and spent, duties, cash on delivery marked paid later, authorizations voided. Off by
   * default, so the stores existing tests rely on stay exactly as they are.
   */
  moneyMix?: boolean;
}

/** How many orders of a seeded store carry each kind of money (with `moneyMix`). */
export interface SeedMoneySummary {
  tips: number;
  giftCardsBought: number;
  giftCardPayments: number;
  duties: number;
  cashOnDelivery: number;
  voided: number;
}

export interface SeedSummary {
  domain: string;
  customers: number;
  guestOrders: number;
  orders: number;
  testOrders: number;
  refunds: number;
  cancelled: number;
  edited: number;
  /** Orders shipped in full, and those of them shipped more than a day after they were placed. */
  fulfilled: number;
  shippedLate: number;
  presentmentCurrencies: string[];
  products: number;
  millis: number;
  money?: SeedMoneySummary;
}

/** 0..n-1 in a seeded random order (Fisher-Yates). */
function shuffled(n: number, rand: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** mulberry32: small, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ava", "Liam", "Noah", "Emma", "Olivia", "Mia", "Lucas", "Sofia", "Elijah", "Amara", "Kenji", "Priya", "Mateo", "Zoe", "Omar", "Ines", "Hugo", "Leila", "Finn", "Nora", "Ravi", "Chloe", "Ivan", "Maya"];
const LAST = ["Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Kowalski", "Nguyen", "Silva", "Dubois", "Haddad", "Larsen", "Tanaka", "Patel", "Murphy", "Novak", "Costa", "Berg", "Ali", "Moreau"];
const PRODUCT_WORDS = ["Linen", "Wool", "Canvas", "Cedar", "Copper", "Stone", "Field", "Harbor", "Alpine", "Meadow", "Ember", "Tide"];
const PRODUCT_NOUNS = ["Tote", "Scarf", "Mug", "Candle", "Notebook", "Blanket", "Cap", "Bottle", "Apron", "Planter", "Lamp", "Sweater"];
const EXISTING_TAGS = ["newsletter", "vip", "wholesale", "returning", "instagram", "local-pickup"];
const PRESENTMENT_MIX: [string, number][] = [["EUR", 0.1], ["GBP", 0.06], ["CAD", 0.05], ["AUD", 0.03]];

const DAY = 86_400_000;

export function seedShop(store: SimStore, domain: string, options: SeedOptions): SeedSummary {
  const started = performance.now();
  const size = SEED_SIZES[options.size];
  if (!size) throw new Error(`unknown size ${options.size}`);
  const rand = mulberry32(options.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const nowMs = new Date(options.now).getTime();
  if (Number.isNaN(nowMs)) throw new Error(`bad now: ${String(options.now)}`);
  const historyStart = nowMs - 548 * DAY; // 18 months
  const iso = (ms: number) => new Date(Math.min(ms, nowMs)).toISOString();

  const data: ShopData = store.createShop({
    ...options.shop,
    domain,
    createdAt: iso(historyStart - 90 * DAY),
    install: options.shop?.install === undefined ? null : options.shop.install,
  });
  const currency = data.shop.currency;

  // Products and variants with inventory.
  const variants: SimVariant[] = [];
  for (let p = 0; p < size.products; p++) {
    const title = `${pick(PRODUCT_WORDS)} ${pick(PRODUCT_NOUNS)} ${p + 1}`;
    const variantCount = int(1, 3);
    const base = int(8, 180);
    const product = store.createProduct(domain, {
      title,
      vendor: data.shop.name,
      productType: "Goods",
      variants: Array.from({ length: variantCount }, (_, v) => ({
        title: variantCount === 1 ? "Default Title" : ["Small", "Medium", "Large"][v],
        sku: `TL-${String(p + 1).padStart(4, "0")}-${v + 1}`,
        price: `${base + v * 5}.${pick(["00", "50", "95", "99"])}`,
        inventory: int(0, 400),
      })),
    }, { at: iso(historyStart - 60 * DAY), silent: true });
    variants.push(...product.variants);
  }

  // Customers, created over the history (a few before it), in time order.
  const customerTimes = Array.from({ length: size.customers }, () => historyStart - 60 * DAY + rand() * (nowMs - historyStart + 60 * DAY)).sort((a, b) => a - b);
  const customers: SimCustomer[] = [];
  for (let i = 0; i < size.customers; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const tags = rand() < 0.3 ? [pick(EXISTING_TAGS)] : [];
    const c = store.createCustomer(domain, {
      email: `${first}.${last}.${i + 1}@example.com`.toLowerCase().replace(/ü/g, "ue"),
      firstName: first,
      lastName: last,
      tags,
      state: rand() < 0.4 ? "ENABLED" : "DISABLED",
    }, { at: iso(customerTimes[i]), silent: true });
    customers.push(c);
  }

  // Orders over 18 months, in time order so order numbers run with time.
  const orderTimes = Array.from({ length: size.orders }, () => historyStart + rand() * (nowMs - historyStart)).sort((a, b) => a - b);
  const summary: SeedSummary = { domain: data.shop.domain, customers: size.customers, guestOrders: 0, orders: 0, testOrders: 0, refunds: 0, cancelled: 0, edited: 0, fulfilled: 0, shippedLate: 0, presentmentCurrencies: [], products: size.products, millis: 0 };
  const currencies = new Set<string>();
  let customersBefore = 0;
  // Small stores get a dense, stratified mix of fates (each order a different slice of [0, 0.3)),
  // so every kind of history shows up whatever the seed; larger ones draw fates at random.
  const dense = size.orders <= 100;
  const slots = dense ? shuffled(size.orders, rand) : [];
  // Shipping draws from its own stream, so the rest of the history is what it was without it.
  const shipRand = mulberry32(options.seed ^ 0x5f3759df);
  // So does the money mix: the same draws for every order, used only when asked for.
  const moneyRand = mulberry32(options.seed ^ 0x2545f491);
  // And what checkout promised about delivery.
  const promiseRand = mulberry32(options.seed ^ 0x1b873593);
  const money: SeedMoneySummary = { tips: 0, giftCardsBought: 0, giftCardPayments: 0, duties: 0, cashOnDelivery: 0, voided: 0 };
  for (let i = 0; i < size.orders; i++) {
    const t = orderTimes[i];
    while (customersBefore < customers.length && customerTimes[customersBefore] <= t) customersBefore++;
    // About 1 in 12 orders is a guest's (a dense store has at least one).
    const guest = customersBefore === 0 || (dense && slots[i] === 0) || rand() < 0.08;
    // Skewed towards early customers, so some buy often and many buy once.
    const customer = guest ? null : customers[Math.floor(customersBefore * Math.pow(rand(), 1.6))];
    let presentment = currency;
    const r = rand();
    let acc = 0;
    for (const [code, share] of PRESENTMENT_MIX) {
      acc += share;
      if (r < acc && code !== currency) {
        presentment = code;
        break;
      }
    }
    currencies.add(presentment);
    const lineCount = rand() < 0.6 ? 1 : rand() < 0.8 ? 2 : int(3, 4);
    const lineItems: CreateOrderLineInput[] = Array.from({ length: lineCount }, () => ({ variantId: pick(variants).id, quantity: rand() < 0.8 ? 1 : int(2, 4) }));
    const statusRoll = rand();
    const testRoll = rand();
    const mix = drawMoneyMix(moneyRand, options.moneyMix === true);
    if (mix.giftCard) lineItems.push({ title: "Gift card", price: mix.giftCard, quantity: 1, giftCard: true });
    if (mix.duty) lineItems[0] = { ...lineItems[0], duty: { amount: mix.duty, harmonizedSystemCode: "630790", countryCodeOfOrigin: "PT" } };
    const placedStatus = statusRoll < 0.03 ? "PENDING" : statusRoll < 0.05 ? "AUTHORIZED" : "PAID";
    const cod = mix.cashOnDelivery && placedStatus === "PAID";
    // One test order in a dense store, else 1 in 100.
    const test = dense ? slots[i] === size.orders - 1 : testRoll < 0.01;
    const at = iso(t);
    const shipping = rand() < 0.85 ? { title: rand() < 0.8 ? "Standard" : "Express", price: rand() < 0.8 ? "6.95" : "14.50" } : null;
    const order = store.createOrder(domain, {
      customerId: customer?.id ?? null,
      email: customer ? undefined : `guest.${i + 1}@example.net`,
      lineItems,
      shipping,
      deliveryMethod: seededDeliveryMethod(promiseRand, shipping?.title ?? null, t),
      taxRate: rand() < 0.7 ? 0.08 : 0,
      taxShipping: rand() < 0.3,
      discount: rand() < 0.12 ? (rand() < 0.5 ? { code: "WELCOME10", percentage: 10 } : { code: "FIVEOFF", amount: "5.00" }) : null,
      presentmentCurrency: presentment,
      test,
      financialStatus: cod ? "PENDING" : placedStatus,
      sourceName: rand() < 0.9 ? "web" : "pos",
      ...(mix.tip ? { tip: mix.tip } : {}),
      ...(mix.giftCardPayment ? { giftCardAmount: mix.giftCardPayment } : {}),
      ...(cod ? { gateway: "Cash on Delivery (COD)" } : {}),
    }, { at, silent: true });
    if (mix.tip) money.tips++;
    if (mix.giftCard) money.giftCardsBought++;
    if (mix.giftCardPayment) money.giftCardPayments++;
    if (mix.duty) money.duties++;
    if (cod) money.cashOnDelivery++;
    summary.orders++;
    if (!customer) summary.guestOrders++;
    if (test) summary.testOrders++;

    // What happens to it afterwards.
    const later = (minDays: number, maxDays: number) => {
      const ms = t + (minDays + rand() * (maxDays - minDays)) * DAY;
      return ms < nowMs ? iso(ms) : null;
    };
    const fate = dense ? ((slots[i] + rand()) / size.orders) * 0.3 : rand();
    // Most paid orders ship within a day, about 1 in 7 later (within 2 days, so before any later
    // refund: history stays in time order). No fulfillBy: history predates the app's deadlines.
    // Cancelled and edited orders don't ship, nor do captures-to-come; money-only refunds (from a
    // day on) only follow shipments within the day.
    const shipRoll = shipRand();
    const late = shipRoll < 0.14 && !(fate >= 0.14 && fate < 0.16);
    const shipAt = t + (late ? 1.02 + shipRand() * 0.9 : 0.05 + shipRand() * 0.9) * DAY;
    if (order.financialStatus === "PAID" && fate >= 0.055 && shipRoll < 0.93 && shipAt < nowMs) {
      store.fulfillOrder(domain, order.id, {}, { at: iso(shipAt), silent: true });
      summary.fulfilled++;
      if (late) summary.shippedLate++;
    }
    // An authorization is captured a little later; whatever happens next is applied in time order.
    const captureAt = order.financialStatus === "AUTHORIZED" ? later(0.01, 3) : null;
    let captured = false;
    const captureBefore = (when: string) => {
      if (captureAt && !captured && captureAt <= when) {
        store.payOrder(domain, order.id, { at: captureAt, silent: true });
        captured = true;
      }
    };
    // Refunds only for orders paid when placed (captured ones would need their refund after the capture).
    const paid = order.financialStatus === "PAID";
    if (fate < 0.025) {
      const when = later(0.01, 2);
      if (when) {
        // Before the capture, cancelling voids the authorization; after it, cancelling refunds.
        captureBefore(when);
        store.cancelOrder(domain, order.id, { reason: pick(["CUSTOMER", "INVENTORY", "FRAUD", "DECLINED"] as const) }, { at: when, silent: true });
        summary.cancelled++;
      }
    } else if (fate < 0.055) {
      const when = later(0.05, 3);
      if (when) {
        captureBefore(when);
        const line = order.lineItems[0];
        if (order.lineItems.length > 1) store.editOrder(domain, order.id, { setQuantities: [{ lineItemId: order.lineItems[1].id, quantity: 0 }] }, { at: when, silent: true });
        else store.editOrder(domain, order.id, { addLineItems: [{ variantId: pick(variants).id, quantity: 1 }], setQuantities: line.quantity > 1 ? [{ lineItemId: line.id, quantity: line.quantity - 1 }] : [] }, { at: when, silent: true });
        summary.edited++;
      }
    } else if (paid && fate < 0.115) {
      const when = later(2, 40);
      if (when) {
        const line = pick(order.lineItems);
        store.refundOrder(domain, order.id, { lineItems: [{ lineItemId: line.id, quantity: 1, restockType: rand() < 0.7 ? "RETURN" : "NO_RESTOCK" }], note: "Return" }, { at: when, silent: true });
        summary.refunds++;
      }
    } else if (paid && fate < 0.14) {
      const when = later(2, 40);
      if (when) {
        store.refundOrderFully(domain, order.id, { at: when, silent: true, note: "Full refund" });
        summary.refunds++;
      }
    } else if (paid && fate < 0.16) {
      const when = later(1, 20);
      if (when) {
        // Money only: shipping back, or a goodwill amount, no items returned.
        if (order.shippingLines.length && rand() < 0.5) store.refundOrder(domain, order.id, { shipping: { full: true }, note: "Late delivery" }, { at: when, silent: true });
        else store.refundOrder(domain, order.id, { amount: "5.00", note: "Goodwill" }, { at: when, silent: true });
        summary.refunds++;
      }
    }
    if (captureAt && !captured && !order.cancelledAt) {
      // With the money mix, some authorizations that nothing else happened to are voided instead.
      if (mix.voidAuthorization && fate >= 0.16) {
        store.voidAuthorization(domain, order.id, { at: captureAt, silent: true });
        money.voided++;
      } else store.payOrder(domain, order.id, { at: captureAt, silent: true });
    }
    // Cash on delivery is marked paid a few days later, when it is in by now.
    const codPaidAt = cod ? later(1, 5) : null;
    if (codPaidAt && !order.cancelledAt) store.markOrderAsPaid(domain, order.id, { at: codPaidAt, silent: true });
  }
  // A few customers updated after creation (name changes etc.), for updated_at queries.
  for (let i = 0; i < Math.ceil(size.customers / 20); i++) {
    const c = pick(customers);
    const at = iso(new Date(c.createdAt).getTime() + rand() * (nowMs - new Date(c.createdAt).getTime()));
    if (at > c.updatedAt) store.updateCustomer(domain, c.id, { note: "Prefers email" }, { at, silent: true });
  }
  // Orders took their units from stock; the merchant received more wherever it ran out,
  // so a seeded store has stock spread from nearly empty to plenty, none oversold.
  for (const variant of variants) {
    for (const level of variant.inventoryLevels) {
      if (level.available >= 0) continue;
      const at = iso(new Date(level.updatedAt).getTime() + rand() * (nowMs - new Date(level.updatedAt).getTime()));
      store.adjustInventory(domain, variant.inventoryItemId, level.locationId, -level.available + int(0, 120), { at, silent: true });
    }
  }
  if (options.moneyMix) summary.money = money;
  summary.presentmentCurrencies = [...currencies].sort();
  summary.millis = Math.round(performance.now() - started);
  return summary;
}

interface MoneyMixDraw {
  tip: string | null;
  giftCard: string | null;
  giftCardPayment: string | null;
  duty: string | null;
  cashOnDelivery: boolean;
  voidAuthorization: boolean;
}

/** One order's share of the money mix: every draw is made whether or not it is used, so the stream stays in step. */
function drawMoneyMix(rand: () => number, enabled: boolean): MoneyMixDraw {
  const draws = Array.from({ length: 7 }, () => rand());
  if (!enabled) return { tip: null, giftCard: null, giftCardPayment: null, duty: null, cashOnDelivery: false, voidAuthorization: false };
  const amount = (r: number, lo: number, hi: number) => `${lo + Math.floor(r * (hi - lo + 1))}.00`;
  return {
    tip: draws[0] < 0.05 ? amount(draws[6], 1, 8) : null,
    giftCard: draws[1] < 0.03 ? ["25.00", "50.00", "100.00"][Math.floor(draws[6] * 3)] : null,
    giftCardPayment: draws[2] < 0.04 ? amount(draws[6], 5, 30) : null,
    duty: draws[3] < 0.03 ? amount(draws[6], 3, 12) : null,
    cashOnDelivery: draws[4] < 0.04,
    voidAuthorization: draws[5] < 0.5,
  };
}

/**
 * What checkout promised a seeded order's buyer: about 1 in 5 shipped orders under Shop Promise
 * (delivery in 1–2 days for Express, 2–3 for Standard), 1 in 4 with a carrier's delivery window
 * (3–7 days), the rest plain shipping with no dates. Orders with no shipping line: plain.
 */
export function seededDeliveryMethod(rand: () => number, shippingTitle: string | null, placedAtMs: number): DeliveryMethodInput | undefined {
  const roll = rand();
  if (shippingTitle === null) return undefined;
  const day = (n: number) => new Date(placedAtMs + n * 86_400_000).toISOString();
  if (roll < 0.2) {
    const fast = shippingTitle === "Express";
    return { brandedPromise: "shop_promise", minDeliveryDateTime: day(fast ? 1 : 2), maxDeliveryDateTime: day(fast ? 2 : 3) };
  }
  if (roll < 0.45) return { minDeliveryDateTime: day(3), maxDeliveryDateTime: day(7) };
  return undefined;
}
