/**
 * The merchant's tier rules: what the tiers are and what counts as spend.
 *
 * Exported API
 * - TIERLINE_TAG_PREFIX = "tierline:"                         every Tierline-owned tag starts with it (case-insensitive)
 * - type TierDefinition, type SpendWindow, type TierRules
 * - DEFAULT_TIER_RULES: TierRules                             USD; Bronze 0, Silver 500.00, Gold 2000.01; trailing 365 d; grace 30 d;
 *                                                             upgrades taken back by refunds or cancellations reversed at once
 * - defaultTierRules(currency): TierRules                     same thresholds in major units of `currency`
 * - tierRulesSchema: zod schema of TierRules (with cross-field checks)
 * - parseTierRules(input): { ok: true; rules } | { ok: false; issues: { path; message }[] }
 * - validationIssues(zodError): { path; message }[]          also used by parsePromiseRules
 * - isOwnedTag(tag): boolean                                  tag starts with TIERLINE_TAG_PREFIX
 * - tierIndex(rules, tierKey): number                         -1 when the key is not in the rules
 * - thresholdCurrencyStatus({ shopCurrency, rules, saved }): ThresholdCurrencyStatus   may tiers be written to Shopify yet
 *
 * Threshold semantics: a customer qualifies for a tier when qualifying spend >= entryThresholdMinor
 * (and, if set, qualifying order count >= minOrders). "Gold > $2000" is therefore stored as
 * 200001 minor units (Gold from $2000.01).
 *
 * Keys identify tiers across rule edits (history, pins, current tier refer to keys); names and
 * tags may be changed freely. Changing a key is removing one tier and adding another.
 */
import { z } from "zod";
import { currencyExponent, type MinorUnits } from "./money.ts";

export const TIERLINE_TAG_PREFIX = "tierline:";

export type TierDefinition = {
  key: string;
  name: string;
  /** Spend at or above this qualifies (the first tier's is always 0). */
  entryThresholdMinor: MinorUnits;
  /** Qualifying orders needed in the window, in addition to spend. Not allowed on the first tier. */
  minOrders?: number;
  /** A member keeps this tier while spend stays at or above this, even below entry. Not on the first tier. */
  retainThresholdMinor?: MinorUnits;
  /** Tierline-owned customer tag; must start with TIERLINE_TAG_PREFIX. */
  tag: string;
};

export type SpendWindow =
  | { kind: "trailing_days"; days: number }
  /** Calendar year in `timeZone` (IANA, e.g. the shop's "America/New_York"). */
  | { kind: "calendar_year"; timeZone: string }
  | { kind: "lifetime" };

export type TierRules = {
  /** The shop's currency; all thresholds and ledger amounts are in it. */
  currency: string;
  /** Ordered from lowest to highest, 2 to 5 tiers. */
  tiers: TierDefinition[];
  window: SpendWindow;
  /** Days a member stays in a tier after falling below it before being downgraded. */
  graceDays: number;
  /** Whether shipping charges count as spend. Default false: loyalty spend is merchandise. */
  countShipping: boolean;
  /** Whether taxes count as spend. Default false: tax is not money the merchant keeps. */
  countTax: boolean;
  /**
   * Whether a tier that refunds or cancellations take back is reversed at once, without grace.
   * Default true: grace is for members whose orders age out or whom a rule change moves down,
   * not for money the customer got back. Rules saved before this setting existed read as true.
   */
  reverseRefundedUpgrades: boolean;
  /** Whether tips count as spend. Default false: a tip is for staff, not a purchase. */
  countTips: boolean;
  /** Whether duties (import taxes) count as spend. Default false: they go to customs. */
  countDuties: boolean;
};

const MAX_TAG_LENGTH = 255;
const DAY_LIMIT = 3660;

export function defaultTierRules(currency: string): TierRules {
  const unit = 10 ** currencyExponent(currency);
  return {
    currency,
    tiers: [
      { key: "bronze", name: "Bronze", entryThresholdMinor: 0, tag: "tierline:bronze" },
      { key: "silver", name: "Silver", entryThresholdMinor: 500 * unit, tag: "tierline:silver" },
      // "Gold > 2000": one minor unit above 2000.
      { key: "gold", name: "Gold", entryThresholdMinor: 2000 * unit + 1, tag: "tierline:gold" },
    ],
    window: { kind: "trailing_days", days: 365 },
    graceDays: 30,
    countShipping: false,
    countTax: false,
    reverseRefundedUpgrades: true,
    countTips: false,
    countDuties: false,
  };
}

export const DEFAULT_TIER_RULES: TierRules = defaultTierRules("USD");

export function isOwnedTag(tag: string): boolean {
  return tag.trim().toLowerCase().startsWith(TIERLINE_TAG_PREFIX);
}

export function tierIndex(rules: TierRules, tierKey: string | null | undefined): number {
  if (tierKey == null) return -1;
  return rules.tiers.findIndex((tier) => tier.key === tierKey);
}

export type ThresholdCurrencyStatus =
  | { confirmed: true }
  | { confirmed: false; reason: "shop_currency_unknown" | "defaults_not_confirmed" | "rules_in_other_currency"; shopCurrency: string | null; rulesCurrency: string };

/**
 * Tiers are written to Shopify only once the thresholds are known to be meant in the shop's
 * currency. The defaults are dollar amounts (500 / 2000): in a USD shop they are the product's
 * defaults; in any other currency "500 / 2000 of it" may be far off, so the merchant confirms
 * (saves) thresholds in the shop's currency first. Rules saved in a currency the shop no longer
 * uses wait for the same confirmation.
 */
export function thresholdCurrencyStatus({ shopCurrency, rules, saved }: { shopCurrency: string | null; rules: TierRules; saved: boolean }): ThresholdCurrencyStatus {
  const waiting = (reason: Extract<ThresholdCurrencyStatus, { confirmed: false }>["reason"]) =>
    ({ confirmed: false, reason, shopCurrency, rulesCurrency: rules.currency }) as const;
  if (shopCurrency === null) return saved ? { confirmed: true } : waiting("shop_currency_unknown");
  if (rules.currency !== shopCurrency) return waiting("rules_in_other_currency");
  if (!saved && shopCurrency !== "USD") return waiting("defaults_not_confirmed");
  return { confirmed: true };
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const minorUnits = z.number().int("must be a whole number of minor units").nonnegative("must not be negative").max(Number.MAX_SAFE_INTEGER);

const tierSchema = z.object({
  key: z
    .string()
    .min(1, "key is required")
    .max(64, "key must be at most 64 characters")
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "key must be lowercase letters, digits, '-' or '_'"),
  name: z.string().trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  entryThresholdMinor: minorUnits,
  minOrders: z.number().int("minOrders must be a whole number").min(1, "minOrders must be at least 1").optional(),
  retainThresholdMinor: minorUnits.optional(),
  tag: z
    .string()
    .max(MAX_TAG_LENGTH, `tag must be at most ${MAX_TAG_LENGTH} characters (Shopify's limit)`)
    .refine((tag) => tag === tag.trim(), "tag must not start or end with spaces")
    .refine((tag) => !tag.includes(","), "tag must not contain a comma")
    .refine(
      (tag) => tag.toLowerCase().startsWith(TIERLINE_TAG_PREFIX) && tag.length > TIERLINE_TAG_PREFIX.length,
      `tag must start with "${TIERLINE_TAG_PREFIX}" followed by a name, so Tierline can recognise its own tags`,
    ),
});

const windowSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("trailing_days"),
    days: z.number().int("days must be a whole number").min(1, "days must be at least 1").max(DAY_LIMIT, `days must be at most ${DAY_LIMIT}`),
  }),
  z.object({
    kind: z.literal("calendar_year"),
    timeZone: z.string().refine(isTimeZone, "timeZone must be an IANA time zone such as America/New_York"),
  }),
  z.object({ kind: z.literal("lifetime") }),
]);

export const tierRulesSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as USD"),
    tiers: z.array(tierSchema).min(2, "at least 2 tiers are required").max(5, "at most 5 tiers are allowed"),
    window: windowSchema,
    graceDays: z.number().int("graceDays must be a whole number").min(0, "graceDays must not be negative").max(DAY_LIMIT, `graceDays must be at most ${DAY_LIMIT}`),
    countShipping: z.boolean(),
    countTax: z.boolean(),
    reverseRefundedUpgrades: z.boolean().default(true),
    // Rules saved before these settings existed leave them out: they were not counted then either.
    countTips: z.boolean().default(false),
    countDuties: z.boolean().default(false),
  })
  .strict()
  .superRefine((rules, ctx) => {
    const seenKeys = new Set<string>();
    const seenTags = new Set<string>();
    rules.tiers.forEach((tier, i) => {
      const at = (field: string) => ["tiers", i, field];
      if (i === 0) {
        if (tier.entryThresholdMinor !== 0) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("entryThresholdMinor"), message: "the first tier's threshold must be 0 (everyone starts there)" });
        }
        if (tier.minOrders !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("minOrders"), message: "the first tier cannot require a minimum number of orders" });
        }
        if (tier.retainThresholdMinor !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("retainThresholdMinor"), message: "the first tier cannot have a retain threshold (nobody falls below it)" });
        }
      } else {
        const previous = rules.tiers[i - 1];
        if (tier.entryThresholdMinor <= previous.entryThresholdMinor) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("entryThresholdMinor"), message: `threshold must be higher than ${previous.name}'s` });
        }
        if (tier.retainThresholdMinor !== undefined) {
          if (tier.retainThresholdMinor >= tier.entryThresholdMinor) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("retainThresholdMinor"), message: "retain threshold must be below the entry threshold" });
          }
          // Below the previous tier's entry, a member would keep a tier they would not even enter one level down.
          if (tier.retainThresholdMinor < previous.entryThresholdMinor) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("retainThresholdMinor"), message: `retain threshold must be at least ${previous.name}'s entry threshold` });
          }
        }
      }
      if (seenKeys.has(tier.key)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("key"), message: `duplicate tier key "${tier.key}"` });
      }
      seenKeys.add(tier.key);
      // Shopify compares tags case-insensitively.
      const tag = tier.tag.toLowerCase();
      if (seenTags.has(tag)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: at("tag"), message: `duplicate tag "${tier.tag}"` });
      }
      seenTags.add(tag);
    });
  });

// Compile-time check that the schema and the hand-written type agree.
type SchemaOutput = z.output<typeof tierRulesSchema>;
const _schemaMatchesType: (value: SchemaOutput) => TierRules = (value) => value;
const _typeMatchesSchema: (value: TierRules) => SchemaOutput = (value) => value;
void _schemaMatchesType;
void _typeMatchesSchema;

export type TierRulesIssue = { path: string; message: string };

export type TierRulesParseResult = { ok: true; rules: TierRules } | { ok: false; issues: TierRulesIssue[] };

export function parseTierRules(input: unknown): TierRulesParseResult {
  const result = tierRulesSchema.safeParse(input);
  if (result.success) return { ok: true, rules: result.data };
  return { ok: false, issues: validationIssues(result.error) };
}

/** A zod error as flat { path: "a.0.b", message } issues, the form the settings pages show. */
export function validationIssues(error: z.ZodError): TierRulesIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}
