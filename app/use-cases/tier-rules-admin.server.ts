// The Tier rules page: the rules as an editable draft, a preview of what a draft
// would do to the shop's members (computed from the ledger, nothing saved), and
// saving, which stores the rules and starts every customer's recomputation (one job, a page of
// customers at a time, its progress on the page: tier-rules-recompute.server.ts).
import { markShopTierLadderDue } from "./write-shop-tier-ladder.server.ts";
import type { Db } from "../db.server.ts";
import { adjustmentEntries, adjustmentFromRow } from "../adapters/db/spend-adjustment-repository.server.ts";
import { refundFromRow, snapshotFromRow } from "../adapters/db/ledger-repository.server.ts";
import { loadThresholdCurrencyStatus, loadTierRules, saveTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { formatMoney, MoneyParseError, parseMoney } from "../domain/money.ts";
import type { Ledger, LedgerOrder } from "../domain/order-ledger.ts";
import { qualifyingSpendByCustomer, emptySpendSummary } from "../domain/qualifying-spend.ts";
import { previewRuleChange, type RuleChangePreview } from "../domain/rule-change-preview.ts";
import { parseTierRules, type ThresholdCurrencyStatus, type TierRules, type TierRulesParseResult } from "../domain/tier-rules.ts";
import { memberStateFromRow } from "./recompute-customer-tier.server.ts";
import { loadRulesRecomputeProgress, startRulesRecompute, type RecomputeProgress } from "./tier-rules-recompute.server.ts";

export type { RecomputeProgress };
/** Queues the recomputation job of a saved version of the rules (the web process's queues; a fake in tests). */
export type RulesRecomputeRequester = (shop: string, rulesVersion: number) => Promise<void>;

/** A tier as the form edits it: amounts as decimal strings in the shop's currency, blanks for "none". */
export type TierDraft = { key: string; name: string; threshold: string; minOrders: string; retainThreshold: string; tag: string };

export type TierRulesDraft = {
  tiers: TierDraft[];
  windowKind: TierRules["window"]["kind"];
  windowDays: string;
  timeZone: string;
  graceDays: string;
  countShipping: boolean;
  countTax: boolean;
  /** Absent in a draft from an older page: treated as on (the default). */
  reverseRefundedUpgrades?: boolean;
  countTips: boolean;
  countDuties: boolean;
};

export function draftFromRules(rules: TierRules, shopTimeZone = "UTC"): TierRulesDraft {
  return {
    tiers: rules.tiers.map((tier) => ({
      key: tier.key,
      name: tier.name,
      threshold: formatMoney(tier.entryThresholdMinor, rules.currency),
      minOrders: tier.minOrders === undefined ? "" : String(tier.minOrders),
      retainThreshold: tier.retainThresholdMinor === undefined ? "" : formatMoney(tier.retainThresholdMinor, rules.currency),
      tag: tier.tag,
    })),
    windowKind: rules.window.kind,
    windowDays: rules.window.kind === "trailing_days" ? String(rules.window.days) : "365",
    timeZone: rules.window.kind === "calendar_year" ? rules.window.timeZone : shopTimeZone,
    graceDays: String(rules.graceDays),
    countShipping: rules.countShipping,
    countTax: rules.countTax,
    reverseRefundedUpgrades: rules.reverseRefundedUpgrades,
    countTips: rules.countTips,
    countDuties: rules.countDuties,
  };
}

/**
 * The draft as rules, validated by the domain (issues name the form's fields, in the merchant's
 * words). `edited` is the field the merchant changed last ("tiers.1.entryThresholdMinor"): when two
 * tiers' thresholds are out of order, the one edited is the one marked.
 */
export function rulesFromDraft(draft: TierRulesDraft, currency: string, edited?: string | null): TierRulesParseResult {
  const issues: { path: string; message: string }[] = [];
  // Numbers are checked here, so the form never shows the validator's "Expected number, received string".
  const wholeNumber = (value: string, path: string): number | undefined => {
    if (/^\s*\d+\s*$/.test(value)) return Number(value);
    issues.push({ path, message: value.trim() ? "must be a whole number such as 30" : "is required" });
    return undefined;
  };
  const names = new Map<string, number>();
  draft.tiers.forEach((tier, i) => {
    const name = tier.name.trim().toLocaleLowerCase();
    if (!name) return;
    const first = names.get(name);
    if (first !== undefined) issues.push({ path: `tiers.${i}.name`, message: `another tier is already called ${draft.tiers[first].name.trim()}: each tier needs its own name` });
    else names.set(name, i);
  });
  const money = (value: string, path: string): number | undefined => {
    try {
      return parseMoney(value.trim().replace(/,/g, ""), currency);
    } catch (error) {
      if (!(error instanceof MoneyParseError)) throw error;
      issues.push({ path, message: `must be an amount such as 500 or 500.00` });
      return undefined;
    }
  };
  const tiers = draft.tiers.map((tier, i) => ({
    key: tier.key.trim(),
    name: tier.name,
    entryThresholdMinor: money(tier.threshold || "0", `tiers.${i}.entryThresholdMinor`) ?? 0,
    ...(tier.minOrders.trim() ? { minOrders: wholeNumber(tier.minOrders, `tiers.${i}.minOrders`) ?? 0 } : {}),
    ...(tier.retainThreshold.trim() ? { retainThresholdMinor: money(tier.retainThreshold, `tiers.${i}.retainThresholdMinor`) } : {}),
    tag: tier.tag,
  }));
  const window =
    draft.windowKind === "trailing_days"
      ? { kind: "trailing_days", days: wholeNumber(draft.windowDays, "window.days") ?? 365 }
      : draft.windowKind === "calendar_year"
        ? { kind: "calendar_year", timeZone: draft.timeZone }
        : { kind: "lifetime" };
  const parsed = parseTierRules({ currency, tiers, window, graceDays: wholeNumber(draft.graceDays, "graceDays") ?? 0, countShipping: draft.countShipping, countTax: draft.countTax, countTips: draft.countTips ?? false, countDuties: draft.countDuties ?? false, reverseRefundedUpgrades: draft.reverseRefundedUpgrades !== false });
  const all = [...issues, ...(parsed.ok ? [] : parsed.issues.filter((p) => !issues.some((i) => i.path === p.path)).map((p) => onEditedThreshold(p, draft, edited)))];
  return all.length ? { ok: false, issues: all } : parsed;
}

/**
 * "Gold: threshold must be higher than Silver's" after the merchant raised Silver above Gold marks
 * Silver, the field they edited, in their words; otherwise the issue stays on the higher tier.
 */
function onEditedThreshold(issue: { path: string; message: string }, draft: TierRulesDraft, edited: string | null | undefined) {
  const at = /^tiers\.(\d+)\.entryThresholdMinor$/.exec(issue.path);
  if (!at || !/^threshold must be higher than/.test(issue.message)) return issue;
  const higher = Number(at[1]);
  const lower = higher - 1;
  const name = (i: number) => draft.tiers[i]?.name.trim() || `Tier ${i + 1}`;
  if (edited === `tiers.${lower}.entryThresholdMinor`) {
    return { path: `tiers.${lower}.entryThresholdMinor`, message: `must be below ${name(higher)}'s entry threshold (${draft.tiers[higher].threshold.trim() || "0"})` };
  }
  return { path: issue.path, message: `must be above ${name(lower)}'s entry threshold (${draft.tiers[lower].threshold.trim() || "0"})` };
}

/** The whole shop's ledger (for previews; a rule change touches everyone). */
export async function loadShopLedger(db: Db, shop: string): Promise<Ledger> {
  const [orders, refunds, adjustments, redacted] = await Promise.all([
    db.ledgerOrder.findMany({ where: { shop, deletedAt: null } }),
    db.ledgerRefund.findMany({ where: { shop } }),
    db.ledgerAdjustment.findMany({ where: { shop } }),
    db.customer.findMany({ where: { shop, deletedAt: { not: null } }, select: { customerGid: true } }),
  ]);
  const entries: Record<string, LedgerOrder> = {};
  for (const row of orders) entries[row.orderGid] = { orderId: row.orderGid, snapshot: snapshotFromRow(row), deleted: false, refunds: {} };
  for (const refund of refunds) {
    const entry = entries[refund.orderGid];
    if (entry?.snapshot) entry.refunds[refund.refundGid] = refundFromRow(refund, entry.snapshot.currency);
  }
  const held = adjustmentEntries(adjustments.map((row) => adjustmentFromRow(row)));
  return { orders: entries, redactedCustomerIds: Object.fromEntries(redacted.map((c) => [c.customerGid, true as const])), ...(held ? { adjustments: held } : {}) };
}

export interface TierRulesOverview {
  rules: TierRules;
  draft: TierRulesDraft;
  version: number | null;
  /** Members per tier key, as last computed. */
  tierCounts: Record<string, number>;
  /** Set while the recomputation after the last save is running. */
  recompute: RecomputeProgress | null;
  /** Whether tiers are written yet: thresholds confirmed in the shop's currency (saving confirms them). */
  thresholdCurrency: ThresholdCurrencyStatus;
}

export async function loadTierRulesOverview(db: Db, shop: string): Promise<TierRulesOverview> {
  const [rules, settings, shopRow, grouped] = await Promise.all([
    loadTierRules(db, shop),
    db.tierSettings.findUnique({ where: { shop } }),
    db.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }),
    db.customer.groupBy({ by: ["tierKey"], where: { shop, deletedAt: null }, _count: { _all: true } }),
  ]);
  const tierCounts: Record<string, number> = Object.fromEntries(rules.tiers.map((t) => [t.key, 0]));
  for (const group of grouped) if (group.tierKey) tierCounts[group.tierKey] = (tierCounts[group.tierKey] ?? 0) + group._count._all;
  const recompute = await loadRulesRecomputeProgress(db, shop);
  const { status: thresholdCurrency } = await loadThresholdCurrencyStatus(db, shop);
  return { rules, draft: draftFromRules(rules, shopRow?.ianaTimezone ?? "UTC"), version: settings?.version ?? null, tierCounts, recompute, thresholdCurrency };
}

export interface TierRulesPreview extends RuleChangePreview {
  tierNames: { before: Record<string, string>; after: Record<string, string> };
  /** Example customers' display names, by customer id. */
  names: Record<string, string>;
}

export async function previewTierRules({ db, shop, newRules, now }: { db: Db; shop: string; newRules: TierRules; now: Date }): Promise<TierRulesPreview> {
  const [oldRules, ledger, rows] = await Promise.all([
    loadTierRules(db, shop),
    loadShopLedger(db, shop),
    db.customer.findMany({ where: { shop, deletedAt: null } }),
  ]);
  const spendOld = qualifyingSpendByCustomer(ledger, oldRules, now);
  // The same spend serves both when nothing that changes spend was edited.
  const sameSpend =
    JSON.stringify([oldRules.window, oldRules.countShipping, oldRules.countTax, oldRules.countTips, oldRules.countDuties]) ===
    JSON.stringify([newRules.window, newRules.countShipping, newRules.countTax, newRules.countTips, newRules.countDuties]);
  const spendNew = sameSpend ? spendOld : qualifyingSpendByCustomer(ledger, newRules, now);
  const byId = new Map(rows.map((row) => [row.customerGid, row]));
  const ids = new Set([...byId.keys(), ...spendOld.keys(), ...spendNew.keys()]);
  const members = [...ids].map((customerId) => ({
    customerId,
    state: byId.has(customerId) ? memberStateFromRow(byId.get(customerId)!) : null,
    spendUnderOldRules: spendOld.get(customerId) ?? emptySpendSummary(customerId, oldRules.currency),
    spendUnderNewRules: spendNew.get(customerId) ?? emptySpendSummary(customerId, newRules.currency),
  }));
  const preview = previewRuleChange({ members, oldRules, newRules, now });
  const names: Record<string, string> = {};
  for (const movement of preview.movements) {
    for (const example of movement.examples) {
      const row = byId.get(example.customerId);
      names[example.customerId] = displayName(row ?? null, example.customerId);
    }
  }
  return {
    ...preview,
    tierNames: {
      before: Object.fromEntries(oldRules.tiers.map((t) => [t.key, t.name])),
      after: Object.fromEntries(newRules.tiers.map((t) => [t.key, t.name])),
    },
    names,
  };
}

export function displayName(row: { firstName: string | null; lastName: string | null; email: string | null } | null, customerGid: string): string {
  const name = [row?.firstName, row?.lastName].filter(Boolean).join(" ");
  return name || row?.email || `Customer ${customerGid.split("/").pop()}`;
}

/** Stores the rules, then starts every customer's recomputation (which also syncs tags and metafields). */
export async function saveTierRulesAndRecompute({
  db,
  shop,
  rules,
  now,
  requestRulesRecompute,
}: {
  db: Db;
  shop: string;
  rules: TierRules;
  now: Date;
  requestRulesRecompute: RulesRecomputeRequester;
}): Promise<{ version: number; customers: number }> {
  const version = await saveTierRules(db, shop, rules);
  // The shop's ladder (names, entry spend) is written once, by the syncs the recomputation starts.
  await markShopTierLadderDue(db, shop);
  const { customers } = await startRulesRecompute({ db, shop, rulesVersion: version, now, requestRulesRecompute });
  return { version, customers };
}

export type TierRulesSubmission =
  | { intent: "preview" | "save"; ok: false; issues: { path: string; message: string }[] }
  | { intent: "preview"; ok: true; preview: TierRulesPreview }
  | { intent: "save"; ok: true; saved: { version: number; customers: number } };

/** The page's one action: validate the draft, then preview it or save it. */
export async function submitTierRulesDraft({
  db,
  shop,
  intent,
  draft,
  now,
  requestRulesRecompute,
  edited,
}: {
  db: Db;
  shop: string;
  intent: "preview" | "save";
  draft: TierRulesDraft;
  now: Date;
  /** The field the merchant changed last, so an issue between two fields marks that one. */
  edited?: string | null;
  requestRulesRecompute: RulesRecomputeRequester;
}): Promise<TierRulesSubmission> {
  // Thresholds are saved in the shop's currency: saving is how the merchant confirms them in it.
  const { rules, status } = await loadThresholdCurrencyStatus(db, shop);
  const currency = !status.confirmed && status.shopCurrency ? status.shopCurrency : rules.currency;
  const parsed = rulesFromDraft(draft, currency, edited);
  if (!parsed.ok) return { intent, ok: false, issues: parsed.issues };
  if (intent === "preview") return { intent, ok: true, preview: await previewTierRules({ db, shop, newRules: parsed.rules, now }) };
  return { intent, ok: true, saved: await saveTierRulesAndRecompute({ db, shop, rules: parsed.rules, now, requestRulesRecompute }) };
}
