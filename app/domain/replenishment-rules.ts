/**
 * The merchant's replenishment rules: per SKU and location, when to reorder, how much, and from
 * which preset suppliers; per shop, how quotes are weighed, when a person decides, and how the
 * tiers rank when they wait on the same stock.
 *
 * Exported API
 * - type SupplierPreset, type ReorderQuantityRule, type SkuReplenishmentRule
 * - type ScoringWeights, type TierPriority, type ReplenishmentSettings
 * - DEFAULT_TRIGGER_MARGIN_PERCENT = 10, MAX_BULLMQ_PRIORITY = 2_097_152
 * - defaultReplenishmentSettings(currency): ReplenishmentSettings
 *       weights price 50 / lead time 30 / quality 20; escalate above +30 %; quotes wait 60 min;
 *       no splits; Gold job priority 1, escalates above +50 %, earliest lead time preferred;
 *       Silver 2; Bronze 3; a plain restock (no orders waiting) 4
 * - DEFAULT_REPLENISHMENT_SETTINGS: ReplenishmentSettings        USD
 * - defaultReorderTrigger(safetyStock, marginPercent = 10): number   ceil(safety × (100 + m) / 100), in integers: 50 → 55
 * - reorderTriggerOf(rule): number                              the rule's own trigger, or the default
 * - toBasisPoints(percent): number                              12.5 → 1250 (percentages compared in integers)
 * - skuReplenishmentRuleSchema, replenishmentSettingsSchema: zod schemas (with cross-field checks)
 * - parseSkuReplenishmentRule(input): { ok: true; rule } | { ok: false; issues }
 * - parseReplenishmentSettings(input): { ok: true; settings } | { ok: false; issues }
 * - replenishmentIssuesForTiers(settings, tierKeys): issues      every tier ranked exactly once
 * - tierPriorityFor(settings, tierKey): TierPriority | null
 * - tierRank(settings, tierKey): number                         0 = served first; unknown tiers after every listed one
 *
 * Units: quantities are whole units of the variant; money is minor units of the settings'
 * currency (money.ts); lead times are business days of the shop's calendar, the unit the promise
 * calculator takes for out-of-stock lines (promise-date-calculator.ts), so an awarded lead time
 * feeds a promise without conversion. Percentages may carry two decimals (12.5 %); comparisons
 * against them are done in integers (basis points), never in floats.
 */
import { z } from "zod";
import type { MinorUnits } from "./money.ts";
import { validationIssues } from "./tier-rules.ts";

export type SupplierPreset = {
  /** Tierline's id of the supplier (not a Shopify id). */
  supplierId: string;
  /** What this supplier usually charges for one unit of this SKU: the base for escalation. */
  usualUnitCostMinor: MinorUnits;
  /** Business days from order to stock at the location, usually. */
  usualLeadBusinessDays: number;
  /** The merchant's rating, 0 (worst) to 5 (best). */
  qualityRating: number;
};

export type ReorderQuantityRule =
  | { kind: "fixed"; quantity: number }
  /** Enough to cover `days` calendar days at the trailing sales rate. */
  | { kind: "cover_days"; days: number };

export type SkuReplenishmentRule = {
  /** The variant's key in Tierline (the adapter maps Shopify's GID to it). */
  sku: string;
  locationId: string;
  safetyStock: number;
  /** The stock position at or below which a request starts; null: safety stock + 10 %, rounded up. */
  reorderTrigger: number | null;
  reorderQuantity: ReorderQuantityRule;
  /** Stock must arrive within this many business days; null: the slowest preset's usual lead time. */
  neededWithinBusinessDays: number | null;
  /** 2 to 5, in the merchant's order. */
  suppliers: SupplierPreset[];
};

/** Relative weights; only their proportions matter (50/30/20 is the same as 5/3/2). */
export type ScoringWeights = { price: number; leadTime: number; quality: number };

export type TierPriority = {
  tierKey: string;
  /** BullMQ job priority of requests this tier waits on: 1 is asked first. */
  jobPriority: number;
  /** Escalate above this rise over usual cost instead of the shop's threshold; null: the shop's. */
  escalationThresholdPercent: number | null;
  /** Among acceptable answers, take the earliest delivery before the best score. */
  preferEarliestLeadTime: boolean;
  /** New orders keep their own promise while priority stock or capacity covers them (supply-promise.ts). */
  keepsPromiseWhileCovered: boolean;
};

export type ReplenishmentSettings = {
  currency: string;
  weights: ScoringWeights;
  /** A best answer more than this far above usual cost goes to a person. */
  escalationThresholdPercent: number;
  /** Minutes suppliers have to answer before the request is decided with what came in. */
  quoteDeadlineMinutes: number;
  /** Whether one request may be awarded to several suppliers. */
  allowSplits: boolean;
  /** Highest tier first: the order tiers are asked for and served in. */
  tierPriorities: TierPriority[];
  /** BullMQ job priority of a request no order waits on (a plain restock). */
  restockJobPriority: number;
};

export const DEFAULT_TRIGGER_MARGIN_PERCENT = 10;
/** BullMQ accepts priorities 0 (none) to 2^21; 1 is the highest. */
export const MAX_BULLMQ_PRIORITY = 2_097_152;

export function defaultReplenishmentSettings(currency: string): ReplenishmentSettings {
  return {
    currency,
    weights: { price: 50, leadTime: 30, quality: 20 },
    escalationThresholdPercent: 30,
    quoteDeadlineMinutes: 60,
    allowSplits: false,
    tierPriorities: [
      { tierKey: "gold", jobPriority: 1, escalationThresholdPercent: 50, preferEarliestLeadTime: true, keepsPromiseWhileCovered: true },
      { tierKey: "silver", jobPriority: 2, escalationThresholdPercent: null, preferEarliestLeadTime: false, keepsPromiseWhileCovered: true },
      { tierKey: "bronze", jobPriority: 3, escalationThresholdPercent: null, preferEarliestLeadTime: false, keepsPromiseWhileCovered: false },
    ],
    restockJobPriority: 4,
  };
}

export const DEFAULT_REPLENISHMENT_SETTINGS: ReplenishmentSettings = defaultReplenishmentSettings("USD");

/** Integer arithmetic: 50 × 1.1 in floats is 55.000000000000007, which would round up to 56. */
export function defaultReorderTrigger(safetyStock: number, marginPercent: number = DEFAULT_TRIGGER_MARGIN_PERCENT): number {
  if (!Number.isSafeInteger(safetyStock) || safetyStock < 0) throw new Error(`safety stock must be a whole number ≥ 0, got ${safetyStock}`);
  const basisPoints = toBasisPoints(marginPercent);
  const numerator = BigInt(safetyStock) * BigInt(10_000 + basisPoints);
  return Number((numerator + 9_999n) / 10_000n);
}

export function reorderTriggerOf(rule: Pick<SkuReplenishmentRule, "safetyStock" | "reorderTrigger">): number {
  return rule.reorderTrigger ?? defaultReorderTrigger(rule.safetyStock);
}

/** 12.5 → 1250. Percentages are validated to at most two decimals. */
export function toBasisPoints(percent: number): number {
  if (!Number.isFinite(percent) || percent < 0) throw new Error(`percentage must be ≥ 0, got ${percent}`);
  return Math.round(percent * 100);
}

const MAX_QUANTITY = 10_000_000;
const MAX_LEAD_DAYS = 366;
const MAX_PERCENT = 1000;

const quantity = (what: string) =>
  z.number().int(`${what} must be a whole number of units`).nonnegative(`${what} must not be negative`).max(MAX_QUANTITY, `${what} must be at most ${MAX_QUANTITY.toLocaleString("en-US")} units`);
const leadDays = (what: string) =>
  z.number().int(`${what} must be a whole number of business days`).nonnegative(`${what} must not be negative`).max(MAX_LEAD_DAYS, `${what} must be at most ${MAX_LEAD_DAYS} business days`);
const percent = (what: string) =>
  z
    .number()
    .nonnegative(`${what} must not be negative`)
    .max(MAX_PERCENT, `${what} must be at most ${MAX_PERCENT} %`)
    .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-9, `${what} may have at most two decimals`);
const id = (what: string) => z.string().trim().min(1, `${what} is required`).max(255, `${what} must be at most 255 characters`);

const supplierSchema = z
  .object({
    supplierId: id("supplier"),
    usualUnitCostMinor: z
      .number()
      .int("usual cost must be a whole number of minor units")
      .min(1, "usual cost must be more than zero")
      .max(Number.MAX_SAFE_INTEGER),
    usualLeadBusinessDays: leadDays("usual lead time"),
    qualityRating: z.number().min(0, "quality rating must be between 0 and 5").max(5, "quality rating must be between 0 and 5"),
  })
  .strict();

const reorderQuantitySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("fixed"), quantity: quantity("reorder quantity").min(1, "reorder quantity must be at least 1 unit") }).strict(),
  z
    .object({
      kind: z.literal("cover_days"),
      days: z.number().int("days to cover must be a whole number").min(1, "days to cover must be at least 1").max(MAX_LEAD_DAYS, `days to cover must be at most ${MAX_LEAD_DAYS}`),
    })
    .strict(),
]);

export const skuReplenishmentRuleSchema = z
  .object({
    sku: id("SKU"),
    locationId: id("location"),
    safetyStock: quantity("safety stock"),
    reorderTrigger: quantity("reorder trigger").nullable(),
    reorderQuantity: reorderQuantitySchema,
    neededWithinBusinessDays: leadDays("needed within").nullable(),
    suppliers: z.array(supplierSchema).min(2, "add at least 2 suppliers so there is something to compare").max(5, "at most 5 suppliers can be asked per SKU"),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.reorderTrigger !== null && rule.reorderTrigger < rule.safetyStock) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["reorderTrigger"], message: `reorder trigger must be at least the safety stock (${rule.safetyStock})` });
    }
    const seen = new Set<string>();
    rule.suppliers.forEach((supplier, i) => {
      if (seen.has(supplier.supplierId)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["suppliers", i, "supplierId"], message: "this supplier is already listed for the SKU" });
      seen.add(supplier.supplierId);
    });
  });

const tierPrioritySchema = z
  .object({
    tierKey: z.string().min(1, "tier is required"),
    jobPriority: z
      .number()
      .int("priority must be a whole number")
      .min(1, "priority must be at least 1 (1 is asked first)")
      .max(MAX_BULLMQ_PRIORITY, `priority must be at most ${MAX_BULLMQ_PRIORITY}`),
    escalationThresholdPercent: percent("price band").nullable(),
    preferEarliestLeadTime: z.boolean(),
    keepsPromiseWhileCovered: z.boolean(),
  })
  .strict();

export const replenishmentSettingsSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as USD"),
    weights: z
      .object({
        price: z.number().min(0, "weights must not be negative").max(100, "weights must be at most 100"),
        leadTime: z.number().min(0, "weights must not be negative").max(100, "weights must be at most 100"),
        quality: z.number().min(0, "weights must not be negative").max(100, "weights must be at most 100"),
      })
      .strict()
      .refine((w) => w.price + w.leadTime + w.quality > 0, "at least one of price, lead time or quality must count"),
    escalationThresholdPercent: percent("escalation threshold"),
    quoteDeadlineMinutes: z
      .number()
      .int("quote deadline must be a whole number of minutes")
      .min(1, "quote deadline must be at least 1 minute")
      .max(7 * 24 * 60, "quote deadline must be at most 7 days (10080 minutes)"),
    allowSplits: z.boolean(),
    tierPriorities: z.array(tierPrioritySchema).max(5, "at most 5 tiers can be ranked"),
    restockJobPriority: z
      .number()
      .int("priority must be a whole number")
      .min(1, "priority must be at least 1")
      .max(MAX_BULLMQ_PRIORITY, `priority must be at most ${MAX_BULLMQ_PRIORITY}`),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.tierPriorities.forEach((tier, i) => {
      if (seen.has(tier.tierKey)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tierPriorities", i, "tierKey"], message: `tier "${tier.tierKey}" is ranked twice` });
      seen.add(tier.tierKey);
      const above = settings.tierPriorities[i - 1];
      if (above && tier.jobPriority <= above.jobPriority) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tierPriorities", i, "jobPriority"], message: `priority must be a larger number than ${above.tierKey}'s (${above.jobPriority}): higher tiers are asked first` });
      }
      // A band below the shop's threshold would make a priority request escalate sooner than a plain one.
      if (tier.escalationThresholdPercent !== null && tier.escalationThresholdPercent < settings.escalationThresholdPercent) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["tierPriorities", i, "escalationThresholdPercent"],
          message: `price band must be at least the escalation threshold (${settings.escalationThresholdPercent} %)`,
        });
      }
    });
    const last = settings.tierPriorities[settings.tierPriorities.length - 1];
    if (last && settings.restockJobPriority < last.jobPriority) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["restockJobPriority"], message: `a plain restock must not be asked before ${last.tierKey}'s requests (priority ${last.jobPriority})` });
    }
  });

// Compile-time check that the schemas and the hand-written types agree.
type RuleOutput = z.output<typeof skuReplenishmentRuleSchema>;
type SettingsOutput = z.output<typeof replenishmentSettingsSchema>;
const _ruleMatches: (value: RuleOutput) => SkuReplenishmentRule = (value) => value;
const _ruleMatchesBack: (value: SkuReplenishmentRule) => RuleOutput = (value) => value;
const _settingsMatch: (value: SettingsOutput) => ReplenishmentSettings = (value) => value;
const _settingsMatchBack: (value: ReplenishmentSettings) => SettingsOutput = (value) => value;
void _ruleMatches;
void _ruleMatchesBack;
void _settingsMatch;
void _settingsMatchBack;

export type ReplenishmentIssue = { path: string; message: string };

export function parseSkuReplenishmentRule(input: unknown): { ok: true; rule: SkuReplenishmentRule } | { ok: false; issues: ReplenishmentIssue[] } {
  const result = skuReplenishmentRuleSchema.safeParse(input);
  if (result.success) return { ok: true, rule: result.data };
  return { ok: false, issues: validationIssues(result.error) };
}

export function parseReplenishmentSettings(input: unknown): { ok: true; settings: ReplenishmentSettings } | { ok: false; issues: ReplenishmentIssue[] } {
  const result = replenishmentSettingsSchema.safeParse(input);
  if (result.success) return { ok: true, settings: result.data };
  return { ok: false, issues: validationIssues(result.error) };
}

/** Every tier of the tier rules is ranked once, and no removed tier is. */
export function replenishmentIssuesForTiers(settings: ReplenishmentSettings, tierKeys: readonly string[]): ReplenishmentIssue[] {
  const issues: ReplenishmentIssue[] = [];
  const known = new Set(tierKeys);
  settings.tierPriorities.forEach((tier, i) => {
    if (!known.has(tier.tierKey)) issues.push({ path: `tierPriorities.${i}.tierKey`, message: `there is no tier "${tier.tierKey}"` });
  });
  for (const key of tierKeys) {
    if (!settings.tierPriorities.some((tier) => tier.tierKey === key)) issues.push({ path: "tierPriorities", message: `tier "${key}" has no place in the priority order` });
  }
  return issues;
}

export function tierPriorityFor(settings: ReplenishmentSettings, tierKey: string): TierPriority | null {
  return settings.tierPriorities.find((tier) => tier.tierKey === tierKey) ?? null;
}

export function tierRank(settings: ReplenishmentSettings, tierKey: string): number {
  const index = settings.tierPriorities.findIndex((tier) => tier.tierKey === tierKey);
  return index === -1 ? settings.tierPriorities.length : index;
}
