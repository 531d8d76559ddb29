// The demo's "supplier priority requests" step (docs/decisions/0012), played as a store would play it:
//   - the merchant keeps two SKUs with three suppliers each (the rules and suppliers as the Suppliers
//     page saves them); simulated suppliers answer over HTTP (simulator/suppliers/);
//   - a Bronze member buys the scarf while it is in stock: promised from stock;
//   - both SKUs' stock falls to the trigger in the store: one request each, three suppliers asked;
//     the scarf's best quote is awarded (purchase order, incoming stock in the store); the beanie's
//     suppliers all quote more than 30 % above its usual cost: escalated to a person;
//   - a Bronze and a Gold member buy the short scarf: Bronze waits for the awarded stock, Gold keeps Gold's promise.
// Every wait is on state. `judgeSupplyStories` says where an outcome differs from the rules; the demo fails on it.
import type { Db } from "../../app/db.server.ts";
import { loadPromiseSetup } from "../../app/adapters/db/promise-settings-repository.server.ts";
import { saveSkuRule, saveSupplier } from "../../app/adapters/db/replenishment-repository.server.ts";
import { addWorkingDays, localDateOf } from "../../app/domain/business-calendar.ts";
import { formatLocalDay } from "../../app/domain/checkout-promise-answer.ts";
import type { PromiseAdjustment } from "../../app/domain/promise-date-calculator.ts";
import { startSimulatedSuppliers, type SimSupplierProfile } from "../../simulator/suppliers/supplier-server.ts";
import { eventually } from "./app-processes.ts";
import { quiet } from "./demo-money.ts";
import type { SettleWatcher } from "./settle.ts";

type Json = <T>(url: string, init?: RequestInit) => Promise<T>;

export interface SupplyStepContext {
  simOrigin: string;
  shop: string;
  db: Db;
  settle: SettleWatcher;
  json: Json;
}

export interface SupplyRequestStory {
  sku: string;
  /** Available + incoming when the request opened, and the trigger it fell to. */
  position: number | null;
  trigger: number | null;
  /** Requests opened for the SKU (the rules: exactly one). */
  requests: number;
  /** RFQs received per supplier name (the rules: one each). */
  asked: Record<string, number>;
  quotes: { supplier: string; unitPriceMinor: number; leadBusinessDays: number; availableQuantity: number }[];
  decision: { kind: "award" | "escalate" | "none"; reason: string | null; risePercent: number | null };
  purchaseOrders: { id: string; supplier: string; quantity: number; unitPriceMinor: number; leadBusinessDays: number; incomingStatus: string }[];
  /** Units the store holds as incoming at the location afterwards. */
  incomingInStore: number;
  /** The awarded lead time recorded for promises, and the working day the stock is due. */
  awardedLeadBusinessDays: number | null;
  arrivalDay: string | null;
}

export interface SupplyPromiseOrder {
  name: string;
  buyer: "gold" | "bronze";
  when: "in_stock" | "short";
  tierKey: string | null;
  shipByDay: string | null;
  /** The awaiting_stock adjustment's day the stock is counted from (null: promised from stock). */
  stockDay: string | null;
}

export interface SupplyStories {
  currency: string;
  thresholdPercent: number;
  award: SupplyRequestStory;
  escalation: SupplyRequestStory;
  orders: SupplyPromiseOrder[];
}

const money = (minor: number, currency: string) => new Intl.NumberFormat("en-US", { style: "currency", currency }).format(minor / 100);

/** Where the outcome departs from the rules, in plain words; empty when supply behaved. Pure. */
export function judgeSupplyStories(s: SupplyStories): string[] {
  const problems: string[] = [];
  for (const [story, want] of [[s.award, "award"], [s.escalation, "escalate"]] as const) {
    const what = `${story.sku}:`;
    if (story.requests !== 1) problems.push(`${what} ${story.requests} requests opened for one fall to the trigger, the rules say one`);
    if (story.position === null || story.trigger === null || story.position > story.trigger) problems.push(`${what} a request opened at position ${story.position ?? "?"} above the trigger ${story.trigger ?? "?"}`);
    const asked = Object.entries(story.asked);
    if (asked.length !== 3 || asked.some(([, n]) => n !== 1)) problems.push(`${what} suppliers asked ${asked.map(([name, n]) => `${name} ${n}×`).join(", ") || "none"}, the rules say three, once each`);
    if (story.decision.kind !== want) problems.push(`${what} ${story.decision.kind === "none" ? "not decided" : `${story.decision.kind === "award" ? "awarded" : "escalated"}`}, the rules say ${want === "award" ? "awarded" : "escalated"}`);
  }
  const award = s.award;
  if (award.decision.kind === "award") {
    if (award.purchaseOrders.length === 0) problems.push(`${award.sku}: awarded without a purchase order`);
    const ordered = award.purchaseOrders.reduce((sum, po) => sum + po.quantity, 0);
    if (award.purchaseOrders.some((po) => po.incomingStatus !== "recorded") || award.incomingInStore !== ordered) problems.push(`${award.sku}: ${ordered} units ordered, the store holds ${award.incomingInStore} incoming`);
    if (award.decision.risePercent !== null && award.decision.risePercent > s.thresholdPercent) problems.push(`${award.sku}: awarded at ${award.decision.risePercent} % above usual cost, above the ${s.thresholdPercent} % that sends it to a person`);
    if (award.awardedLeadBusinessDays !== Math.max(...award.purchaseOrders.map((po) => po.leadBusinessDays))) problems.push(`${award.sku}: the awarded lead time recorded for promises is ${award.awardedLeadBusinessDays ?? "none"}, the purchase orders say ${award.purchaseOrders.map((po) => po.leadBusinessDays).join("/")}`);
  }
  const escalation = s.escalation;
  if (escalation.decision.kind === "escalate") {
    if (escalation.decision.reason !== "cost_above_threshold") problems.push(`${escalation.sku}: escalated for ${escalation.decision.reason ?? "no reason"}, the demo's suppliers all quote above the band`);
    if (escalation.purchaseOrders.length > 0 || escalation.incomingInStore !== 0) problems.push(`${escalation.sku}: escalated, yet ${escalation.purchaseOrders.length} purchase orders and ${escalation.incomingInStore} incoming in the store`);
  }
  for (const order of s.orders) {
    const what = `${order.name} (${order.buyer === "gold" ? "Gold" : "Bronze"} member, ${order.when === "short" ? `${award.sku} short` : "in stock"})`;
    if (order.tierKey !== order.buyer) problems.push(`${what}: promised ${order.tierKey ?? "nothing"}`);
    const wantStockDay = order.when === "short" && order.buyer === "bronze" ? award.arrivalDay : null;
    if (order.stockDay !== wantStockDay) problems.push(`${what}: ${order.stockDay ? `waits for stock until ${order.stockDay}` : "promised from stock"}, the rules say ${wantStockDay ? `it waits for the awarded stock due ${wantStockDay}` : "from stock"}`);
  }
  const before = s.orders.find((o) => o.buyer === "bronze" && o.when === "in_stock");
  const after = s.orders.find((o) => o.buyer === "bronze" && o.when === "short");
  if (before?.shipByDay && after?.shipByDay && after.shipByDay <= before.shipByDay) problems.push(`the Bronze promise on the short ${award.sku} did not move (${before.shipByDay} → ${after.shipByDay})`);
  return problems;
}

const day = (d: string | null) => (d ? formatLocalDay(d, "en-US") : "-");

/** Plain lines for the demo's output. */
export function describeSupplyStories(s: SupplyStories): string[] {
  const lines: string[] = [];
  for (const story of [s.award, s.escalation]) {
    lines.push(`${story.sku}: stock fell to ${story.position ?? "?"} (trigger ${story.trigger ?? "?"}); asked ${Object.keys(story.asked).join(", ") || "nobody"}`);
    lines.push(`  quotes: ${story.quotes.map((q) => `${q.supplier} ${money(q.unitPriceMinor, s.currency)} × ${q.availableQuantity} in ${q.leadBusinessDays} business days`).join("; ") || "none"}`);
    if (story.decision.kind === "award") {
      const pos = story.purchaseOrders.map((po) => `${po.quantity} from ${po.supplier} at ${money(po.unitPriceMinor, s.currency)} in ${po.leadBusinessDays} business days`).join(" + ");
      lines.push(`  → awarded: ${pos} (+${story.decision.risePercent ?? 0} % on usual cost); purchase order made, ${story.incomingInStore} incoming in the store, due ${day(story.arrivalDay)}`);
    } else if (story.decision.kind === "escalate") {
      lines.push(`  → escalated to a person: ${story.decision.reason === "cost_above_threshold" ? `best quote ${story.decision.risePercent} % above usual cost (more than ${s.thresholdPercent} %)` : story.decision.reason}`);
    } else lines.push("  → not decided");
  }
  const row = (o: SupplyPromiseOrder) => `${o.name} ${o.buyer === "gold" ? "Gold" : "Bronze"} ${o.when === "short" ? "while short" : "in stock"}: ships by ${day(o.shipByDay)}${o.stockDay ? ` (waits for the awarded stock, ${day(o.stockDay)})` : " (from stock)"}`;
  lines.push(`promises on ${s.award.sku}: ${s.orders.map(row).join("; ")}`);
  return lines;
}

/** The figures for the demo's JSON summary. */
export function summarizeSupplyStories(s: SupplyStories): Record<string, unknown> {
  const brief = (story: SupplyRequestStory) => ({
    sku: story.sku, position: story.position, trigger: story.trigger, asked: story.asked, quotes: story.quotes, decision: story.decision,
    purchaseOrders: story.purchaseOrders.map((po) => ({ supplier: po.supplier, quantity: po.quantity, unitPriceMinor: po.unitPriceMinor, leadBusinessDays: po.leadBusinessDays, incoming: po.incomingStatus })),
    incomingInStore: story.incomingInStore, arrivalDay: story.arrivalDay,
  });
  return { award: brief(s.award), escalation: brief(s.escalation), promises: s.orders };
}

// ------------------------------------------------------------------ playing it against the app

interface SimProductJson { variants: { id: string; sku: string; inventoryItemId: string; inventoryLevels: { locationId: string; available: number; incoming?: number }[] }[] }
interface SimOrderJson { id: string; gid: string; name: string }
interface SimCustomerRef { id: string; gid: string }

const post = <T>(json: Json, url: string, body: unknown = {}) => json<T>(url, { method: "POST", body: JSON.stringify(body) });

/** Three suppliers; the scarf's usual costs are what they quote, the beanie's were 30 % less a year ago. */
const SUPPLIERS: SimSupplierProfile[] = [
  { name: "northwind", behaviour: "fast", secret: "demo-northwind-secret-01", baseUnitPriceMinor: 1800, leadBusinessDays: 6 },
  { name: "southbay", behaviour: "slow", delayMs: 150, secret: "demo-southbay-secret-01", baseUnitPriceMinor: 1900, leadBusinessDays: 4 },
  { name: "westfield", behaviour: "partial", secret: "demo-westfield-secret-01", baseUnitPriceMinor: 1700, leadBusinessDays: 9 },
];
const SKUS = {
  award: { sku: "DEMO-SCARF", title: "Merino scarf", usualCostFactor: 1 },
  escalation: { sku: "DEMO-BEANIE", title: "Cashmere beanie", usualCostFactor: 0.7 },
} as const;
const STOCK = 60;
const SAFETY = 50;
const FALL = 12;

export async function playSupplyStories(context: SupplyStepContext): Promise<SupplyStories> {
  const { simOrigin, shop, db, json } = context;
  const control = `${simOrigin}/_sim/shops/${shop}`;
  const suppliers = await startSimulatedSuppliers({ profiles: SUPPLIERS, seed: 42 });
  try {
    // The merchant's suppliers and SKU rules, as the Suppliers page saves them.
    const supplierIds: Record<string, string> = {};
    for (const profile of SUPPLIERS) supplierIds[profile.name] = (await saveSupplier(db, shop, { name: profile.name, endpointUrl: suppliers.endpoint(profile.name), signingSecret: profile.secret })).id;
    const supplierName = (id: string) => Object.entries(supplierIds).find(([, v]) => v === id)?.[0] ?? id;
    const items = {} as Record<keyof typeof SKUS, { variantId: string; inventoryItemId: string; locationId: string }>;
    for (const key of Object.keys(SKUS) as (keyof typeof SKUS)[]) {
      const { sku, title, usualCostFactor } = SKUS[key];
      const { product } = await post<{ product: SimProductJson }>(json, `${control}/products`, { title, variants: [{ sku, price: "45.00", inventory: STOCK }] });
      const variant = product.variants[0];
      items[key] = { variantId: variant.id, inventoryItemId: variant.inventoryItemId, locationId: variant.inventoryLevels[0].locationId };
      await saveSkuRule(db, shop, {
        inventoryItemGid: `gid://shopify/InventoryItem/${variant.inventoryItemId}`,
        rule: {
          sku, locationId: `gid://shopify/Location/${items[key].locationId}`, safetyStock: SAFETY, reorderTrigger: null, reorderQuantity: { kind: "fixed", quantity: 120 }, neededWithinBusinessDays: null,
          suppliers: SUPPLIERS.map((p) => ({ supplierId: supplierIds[p.name], usualUnitCostMinor: Math.round(p.baseUnitPriceMinor * usualCostFactor), usualLeadBusinessDays: p.leadBusinessDays, qualityRating: 4 })),
        },
      });
    }

    // A Gold and a Bronze member (first orders of $2,600 and $60), known once the app is quiet.
    const member = async (firstName: string, spend: string) => {
      const { customer } = await post<{ customer: SimCustomerRef }>(json, `${control}/customers`, { firstName, lastName: "Supply", email: `${firstName.toLowerCase()}.supply@example.com` });
      await post(json, `${control}/orders`, { customerId: customer.id, lineItems: [{ title: "Winter coat", price: spend, quantity: 1 }] });
      return customer;
    };
    const gold = await member("Goldie", "2600.00");
    const bronze = await member("Bruno", "60.00");
    await quiet(context);
    // A promise takes the tier held before the order, to the second: the next orders come a second later.
    const latest = await db.tierChange.findFirst({ where: { shop, customerGid: { in: [gold.gid, bronze.gid] } }, orderBy: { occurredAt: "desc" }, select: { occurredAt: true } });
    if (latest) await eventually(async () => Date.now() >= Math.floor(latest.occurredAt.getTime() / 1000) * 1000 + 1000, { intervalMs: 50, what: "the next second" });

    const orders: SupplyPromiseOrder[] = [];
    const buy = async (customer: SimCustomerRef, buyer: SupplyPromiseOrder["buyer"], when: SupplyPromiseOrder["when"]) => {
      const { order } = await post<{ order: SimOrderJson }>(json, `${control}/orders`, { customerId: customer.id, lineItems: [{ variantId: items.award.variantId, quantity: 1 }], shipping: { price: "9.00" } });
      const row = await eventually(() => db.orderPromise.findUnique({ where: { shop_orderGid: { shop, orderGid: order.gid } } }), { timeoutMs: 60_000, intervalMs: 100, what: `the promise of ${order.name}` }).catch(() => null);
      const wait = row ? (JSON.parse(row.adjustments) as PromiseAdjustment[]).find((a) => a.kind === "awaiting_stock") : undefined;
      orders.push({ name: order.name, buyer, when, tierKey: row?.tierKey ?? null, shipByDay: row?.shipByDay ?? null, stockDay: wait?.kind === "awaiting_stock" ? wait.stockDay : null });
    };
    await buy(bronze, "bronze", "in_stock");

    // Both SKUs' stock falls to the trigger in the store (60 → 47 and 48, trigger 55).
    for (const key of Object.keys(SKUS) as (keyof typeof SKUS)[]) await post(json, `${control}/inventory`, { inventoryItemId: items[key].inventoryItemId, locationId: items[key].locationId, delta: -FALL });
    const decided = (sku: string) => eventually(async () => {
      const row = await db.replenishmentRequest.findFirst({ where: { shop, sku }, orderBy: { requestedAt: "desc" } });
      if (!row || row.status === "open") return null;
      // An award counts once its incoming stock is recorded in the store.
      if (row.status === "awarded" && (await db.purchaseOrder.count({ where: { requestId: row.id, incomingStatus: { not: "recorded" } } })) > 0) return null;
      return row;
    }, { timeoutMs: 90_000, intervalMs: 100, what: `${sku}'s request decided` }).catch(() => null);
    await Promise.all([decided(SKUS.award.sku), decided(SKUS.escalation.sku)]);

    const { calendar } = await loadPromiseSetup(db, shop, new Date());
    const { products } = await json<{ products: SimProductJson[] }>(`${control}/products`);
    const story = async (key: keyof typeof SKUS): Promise<SupplyRequestStory> => {
      const { sku } = SKUS[key];
      const requests = await db.replenishmentRequest.findMany({ where: { shop, sku }, orderBy: { requestedAt: "asc" } });
      const request = requests[0];
      const [rfqs, quotes, decision, pos] = request
        ? await Promise.all([
            db.supplierRfq.findMany({ where: { requestId: request.id } }),
            db.supplierQuote.findMany({ where: { requestId: request.id }, orderBy: { unitPriceMinor: "asc" } }),
            db.replenishmentDecision.findUnique({ where: { requestId: request.id } }),
            db.purchaseOrder.findMany({ where: { requestId: request.id }, orderBy: { id: "asc" } }),
          ])
        : [[], [], null, []];
      const asked: Record<string, number> = {};
      for (const profile of SUPPLIERS) {
        const n = request ? suppliers.received(profile.name).filter((r) => rfqs.some((rfq) => rfq.id === r.rfq.id)).length : 0;
        if (n) asked[profile.name] = n;
      }
      const reason = decision?.reason ? (JSON.parse(decision.reason) as { kind: string; cost?: { risePercent: number } }) : null;
      const cost = decision?.cost ? (JSON.parse(decision.cost) as { risePercent: number }) : (reason?.cost ?? null);
      const rise = cost ? Math.round(cost.risePercent) : null;
      const level = products.flatMap((p) => p.variants).find((v) => v.sku === sku)?.inventoryLevels.find((l) => l.locationId === items[key].locationId);
      const lead = request?.awardedLeadBusinessDays ?? null;
      return {
        sku,
        position: request?.position ?? null,
        trigger: request?.reorderTrigger ?? null,
        requests: requests.length,
        asked,
        quotes: quotes.map((q) => ({ supplier: supplierName(q.supplierId), unitPriceMinor: q.unitPriceMinor, leadBusinessDays: q.leadBusinessDays, availableQuantity: q.availableQuantity })),
        decision: { kind: (decision?.kind as "award" | "escalate" | undefined) ?? "none", reason: reason?.kind ?? null, risePercent: rise },
        purchaseOrders: pos.map((po) => ({ id: po.id, supplier: supplierName(po.supplierId), quantity: po.quantity, unitPriceMinor: po.unitPriceMinor, leadBusinessDays: po.leadBusinessDays, incomingStatus: po.incomingStatus })),
        incomingInStore: level?.incoming ?? 0,
        awardedLeadBusinessDays: lead,
        arrivalDay: lead !== null && request?.decidedAt ? addWorkingDays(calendar, localDateOf(calendar, request.decidedAt), lead) : null,
      };
    };
    const [award, escalation] = await Promise.all([story("award"), story("escalation")]);

    // The scarf is short: a Bronze member's order waits for the award, a Gold member's keeps Gold's promise.
    await buy(bronze, "bronze", "short");
    await buy(gold, "gold", "short");
    await quiet(context);
    const settings = await db.replenishmentSettings.findUnique({ where: { shop } });
    const thresholdPercent = settings ? (JSON.parse(settings.settings) as { escalationThresholdPercent: number }).escalationThresholdPercent : 30;
    const currency = (await db.shop.findUnique({ where: { domain: shop }, select: { currencyCode: true } }))?.currencyCode ?? "USD";
    return { currency, thresholdPercent, award, escalation, orders };
  } finally {
    await suppliers.close();
  }
}
