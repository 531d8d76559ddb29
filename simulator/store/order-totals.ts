// Order totals, derived from the order's lines, shipping, refunds and transactions: as placed
// ("original", plus lines added by edits), now ("current") and the money side (received,
// refunded, outstanding, financial status). Pure functions of the order.
//
// Where Shopify's totals put the money: total = subtotal (after discounts) + shipping + tax +
// duties + tip, except that tax is already inside the subtotal and shipping when the order's
// taxes are included (taxes_included); total_tax then only says how much of them was tax.
import { addPairs, fromBag, prorate, subPairs, toBag, ZERO_PAIR, type CentsPair } from "./money.ts";
import type { SimLineItem, SimOrder, SimTaxLine } from "./types.ts";

function multiplyPair(p: CentsPair, n: number): CentsPair {
  return { shop: p.shop * n, pres: p.pres * n };
}

export function lineOriginalTotal(line: SimLineItem): CentsPair {
  return multiplyPair(fromBag(line.originalUnitPriceSet), line.quantity);
}

/** The sum of tax lines (a line item's or a shipping line's). */
export function sumTaxLines(lines: SimTaxLine[]): CentsPair {
  return addPairs(...lines.map((t) => fromBag(t.priceSet)));
}

export function lineTax(line: SimLineItem): CentsPair {
  return sumTaxLines(line.taxLines);
}

export function lineDuties(line: SimLineItem): CentsPair {
  return addPairs(...line.duties.map((d) => fromBag(d.priceSet)));
}

/** Tax that comes on top of prices: none when the order's prices include it. */
export function taxOnTop(order: SimOrder, tax: CentsPair): CentsPair {
  return order.taxesIncluded ? ZERO_PAIR : tax;
}

/** Duties charged on the order's line items (null when it carries none) and what refunds gave back of them. */
function dutyTotals(order: SimOrder): { original: CentsPair; current: CentsPair } | null {
  if (!order.lineItems.some((l) => l.duties.length)) return null;
  const original = addPairs(...order.lineItems.map(lineDuties));
  const refunded = addPairs(...order.refunds.flatMap((r) => r.duties.map((d) => fromBag(d.amountSet))));
  return { original, current: subPairs(original, refunded) };
}

/** Totals as placed, plus lines added by edits. */
export function recomputeOriginalTotals(order: SimOrder): void {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  let subtotal = ZERO_PAIR;
  let discounts = ZERO_PAIR;
  let tax = ZERO_PAIR;
  const taxByTitle = new Map<string, { rate: number; sum: CentsPair }>();
  const addTax = (lines: SimTaxLine[]) => {
    for (const t of lines) {
      const entry = taxByTitle.get(t.title) ?? { rate: t.rate, sum: ZERO_PAIR };
      entry.sum = addPairs(entry.sum, fromBag(t.priceSet));
      taxByTitle.set(t.title, entry);
    }
  };
  for (const line of order.lineItems) {
    const discount = fromBag(line.totalDiscountSet);
    subtotal = addPairs(subtotal, subPairs(lineOriginalTotal(line), discount));
    discounts = addPairs(discounts, discount);
    tax = addPairs(tax, lineTax(line));
    addTax(line.taxLines);
  }
  let shipping = ZERO_PAIR;
  for (const s of order.shippingLines) {
    shipping = addPairs(shipping, fromBag(s.discountedPriceSet));
    tax = addPairs(tax, sumTaxLines(s.taxLines));
    addTax(s.taxLines);
  }
  order.subtotalPriceSet = toBag(subtotal, cur, pres);
  order.totalDiscountsSet = toBag(discounts, cur, pres);
  order.totalShippingPriceSet = toBag(shipping, cur, pres);
  order.totalTaxSet = toBag(tax, cur, pres);
  const duties = dutyTotals(order);
  order.originalTotalDutiesSet = duties ? toBag(duties.original, cur, pres) : null;
  order.totalPriceSet = toBag(addPairs(subtotal, shipping, taxOnTop(order, tax), duties?.original ?? ZERO_PAIR, fromBag(order.tipSet)), cur, pres);
  order.taxLines = [...taxByTitle].map(([title, { rate, sum }]) => ({ title, rate, priceSet: toBag(sum, cur, pres) }));
}

/** Current totals: after edits, refunded line items and refunded shipping. */
export function recomputeCurrentTotals(order: SimOrder): void {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  let subtotal = ZERO_PAIR;
  let discounts = ZERO_PAIR;
  let tax = ZERO_PAIR;
  for (const line of order.lineItems) {
    if (line.currentQuantity === 0) continue;
    const discount = fromBag(line.totalDiscountSet);
    subtotal = addPairs(subtotal, prorate(subPairs(lineOriginalTotal(line), discount), line.currentQuantity, line.quantity));
    discounts = addPairs(discounts, prorate(discount, line.currentQuantity, line.quantity));
    tax = addPairs(tax, prorate(lineTax(line), line.currentQuantity, line.quantity));
  }
  let shipping = ZERO_PAIR;
  let shippingTax = ZERO_PAIR;
  for (const s of order.shippingLines) {
    shipping = addPairs(shipping, fromBag(s.discountedPriceSet));
    shippingTax = addPairs(shippingTax, sumTaxLines(s.taxLines));
  }
  for (const r of order.refunds) {
    for (const rs of r.refundShippingLines) {
      shipping = subPairs(shipping, fromBag(rs.subtotalAmountSet));
      shippingTax = subPairs(shippingTax, fromBag(rs.taxAmountSet));
    }
  }
  tax = addPairs(tax, shippingTax);
  order.currentSubtotalPriceSet = toBag(subtotal, cur, pres);
  order.currentTotalDiscountsSet = toBag(discounts, cur, pres);
  order.currentShippingPriceSet = toBag(shipping, cur, pres);
  order.currentTotalTaxSet = toBag(tax, cur, pres);
  const duties = dutyTotals(order);
  order.currentTotalDutiesSet = duties ? toBag(duties.current, cur, pres) : null;
  order.currentTotalPriceSet = toBag(addPairs(subtotal, shipping, taxOnTop(order, tax), duties?.current ?? ZERO_PAIR, fromBag(order.tipSet)), cur, pres);
}

export function recomputeFinancials(order: SimOrder): void {
  const cur = order.currency;
  const pres = order.presentmentCurrency;
  let received = ZERO_PAIR;
  let refunded = ZERO_PAIR;
  let authorized = false;
  let voided = false;
  for (const t of order.transactions) {
    if (t.status !== "SUCCESS") continue;
    if (t.kind === "SALE" || t.kind === "CAPTURE") received = addPairs(received, fromBag(t.amountSet));
    else if (t.kind === "REFUND") refunded = addPairs(refunded, fromBag(t.amountSet));
    else if (t.kind === "AUTHORIZATION") authorized = true;
    else if (t.kind === "VOID") {
      authorized = false;
      voided = true;
    }
  }
  let discrepancy = ZERO_PAIR;
  for (const r of order.refunds) for (const a of r.orderAdjustments) if (a.kind === "REFUND_DISCREPANCY") discrepancy = subPairs(discrepancy, fromBag(a.amountSet));
  const current = fromBag(order.currentTotalPriceSet);
  const net = subPairs(received, refunded);
  const outstanding = subPairs(subPairs(current, net), discrepancy);
  order.totalReceivedSet = toBag(received, cur, pres);
  order.totalRefundedSet = toBag(refunded, cur, pres);
  order.totalOutstandingSet = toBag({ shop: Math.max(0, outstanding.shop), pres: Math.max(0, outstanding.pres) }, cur, pres);
  // A tip is received with the payment: nothing of it before money comes in.
  order.totalTipReceivedSet = received.shop > 0 ? order.tipSet : toBag(ZERO_PAIR, cur, pres);
  if (received.shop === 0) order.financialStatus = order.cancelledAt || voided ? "VOIDED" : authorized ? "AUTHORIZED" : "PENDING";
  else if (refunded.shop >= received.shop) order.financialStatus = "REFUNDED";
  else if (refunded.shop > 0) order.financialStatus = "PARTIALLY_REFUNDED";
  else if (outstanding.shop > 0) order.financialStatus = "PARTIALLY_PAID";
  else order.financialStatus = "PAID";
}
