// The Members page: customers with their tier, spend and progress to the next
// tier, filtered and searched; one member's history; pin and unpin. A pin is
// applied at once (the page shows the new tier) and queued so the tier job
// writes the tag and metafields to Shopify.
import { providerOf } from "../adapters/db/sql-dialect.ts";
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { parseMoney, type MinorUnits } from "../domain/money.ts";
import { tierIndex, type TierRules } from "../domain/tier-rules.ts";
import { recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { displayName } from "./tier-rules-admin.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

export interface MemberFilters {
  search?: string;
  tierKey?: string;
  minSpendMinor?: number;
  maxSpendMinor?: number;
  pinned?: boolean;
  /** Only members whose tier changed within this many days. */
  changedWithinDays?: number;
  page?: number;
  pageSize?: number;
}

export interface MemberRow {
  customerGid: string;
  name: string;
  email: string | null;
  tierKey: string | null;
  tierName: string | null;
  tierSince: string | null;
  spendMinor: MinorUnits;
  orders: number;
  nextTierName: string | null;
  toNextTierMinor: MinorUnits | null;
  /** 0..1 from the current tier's entry to the next tier's; 1 at the top tier. */
  progress: number;
  pinnedTierKey: string | null;
  pinnedUntil: string | null;
  graceUntil: string | null;
  downgradeTierKey: string | null;
  syncStatus: string;
}

export interface MemberList {
  currency: string;
  tiers: { key: string; name: string }[];
  total: number;
  page: number;
  pageSize: number;
  members: MemberRow[];
}

type CustomerRow = NonNullable<Awaited<ReturnType<Db["customer"]["findUnique"]>>>;

export function memberRow(row: CustomerRow, rules: TierRules): MemberRow {
  const index = tierIndex(rules, row.tierKey);
  const tier = index >= 0 ? rules.tiers[index] : null;
  const next = index >= 0 ? rules.tiers[index + 1] ?? null : rules.tiers[1] ?? null;
  const floor = tier?.entryThresholdMinor ?? 0;
  const progress = next ? Math.max(0, Math.min(1, (row.qualifyingSpend - floor) / Math.max(1, next.entryThresholdMinor - floor))) : 1;
  return {
    customerGid: row.customerGid,
    name: displayName(row, row.customerGid),
    email: row.email,
    tierKey: row.tierKey,
    tierName: tier?.name ?? row.tierKey,
    tierSince: row.tierSince?.toISOString() ?? null,
    spendMinor: row.qualifyingSpend,
    orders: row.qualifyingOrders,
    nextTierName: next?.name ?? null,
    toNextTierMinor: next ? Math.max(0, next.entryThresholdMinor - row.qualifyingSpend) : null,
    progress,
    pinnedTierKey: row.pinnedTierKey,
    pinnedUntil: row.pinnedUntil?.toISOString() ?? null,
    graceUntil: row.graceUntil?.toISOString() ?? null,
    downgradeTierKey: row.downgradeTierKey,
    syncStatus: row.syncStatus,
  };
}

export async function listMembers({ db, shop, filters, now }: { db: Db; shop: string; filters: MemberFilters; now: Date }): Promise<MemberList> {
  const rules = await loadTierRules(db, shop);
  const pageSize = Math.min(Math.max(filters.pageSize ?? 25, 1), 100);
  const page = Math.max(filters.page ?? 1, 1);
  const search = filters.search?.trim();
  // SQLite's LIKE already ignores (ASCII) case; PostgreSQL must be asked to.
  const like = (value: string) => (providerOf(db) === "postgresql" ? { contains: value, mode: "insensitive" } : { contains: value }) as { contains: string };
  let changedIds: string[] | undefined;
  if (filters.changedWithinDays !== undefined) {
    const since = new Date(now.getTime() - filters.changedWithinDays * 86_400_000);
    const changes = await db.tierChange.findMany({ where: { shop, occurredAt: { gte: since } }, select: { customerGid: true }, distinct: ["customerGid"] });
    changedIds = changes.map((c) => c.customerGid);
  }
  const where = {
    shop,
    deletedAt: null,
    tierKey: filters.tierKey ? filters.tierKey : { not: null },
    ...(filters.minSpendMinor !== undefined || filters.maxSpendMinor !== undefined
      ? { qualifyingSpend: { ...(filters.minSpendMinor !== undefined ? { gte: filters.minSpendMinor } : {}), ...(filters.maxSpendMinor !== undefined ? { lte: filters.maxSpendMinor } : {}) } }
      : {}),
    ...(filters.pinned === true ? { pinnedTierKey: { not: null } } : filters.pinned === false ? { pinnedTierKey: null } : {}),
    ...(changedIds ? { customerGid: { in: changedIds } } : {}),
    ...(search
      ? { OR: [{ email: like(search) }, { firstName: like(search) }, { lastName: like(search) }, { customerGid: { endsWith: `/${search}` } }] }
      : {}),
  };
  const [total, rows] = await Promise.all([
    db.customer.count({ where }),
    db.customer.findMany({ where, orderBy: [{ qualifyingSpend: "desc" }, { customerGid: "asc" }], skip: (page - 1) * pageSize, take: pageSize }),
  ]);
  return {
    currency: rules.currency,
    tiers: rules.tiers.map((t) => ({ key: t.key, name: t.name })),
    total,
    page,
    pageSize,
    members: rows.map((row) => memberRow(row, rules)),
  };
}

export interface MemberHistoryEntry {
  fromTierName: string | null;
  toTierName: string | null;
  reason: string;
  spendMinor: MinorUnits;
  at: string;
}

export async function memberDetail({ db, shop, customerGid }: { db: Db; shop: string; customerGid: string }): Promise<{ member: MemberRow; history: MemberHistoryEntry[] } | null> {
  const [row, rules, changes] = await Promise.all([
    db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid } } }),
    loadTierRules(db, shop),
    db.tierChange.findMany({ where: { shop, customerGid }, orderBy: { occurredAt: "desc" }, take: 100 }),
  ]);
  if (!row || row.deletedAt) return null;
  const nameOf = (key: string | null) => (key === null ? null : rules.tiers.find((t) => t.key === key)?.name ?? key);
  return {
    member: memberRow(row, rules),
    history: changes.map((c) => ({ fromTierName: nameOf(c.fromTier), toTierName: nameOf(c.toTier), reason: c.reason, spendMinor: c.spend, at: c.occurredAt.toISOString() })),
  };
}

export class MemberActionError extends Error {}

type PinInput = {
  db: Db;
  shop: string;
  customerGid: string;
  now: Date;
  requestRecompute: (customerGids: string[], cause: TierRecomputeCause) => Promise<void>;
};

/** Pins a member to a tier (until a date, or indefinitely); the tier applies now. */
export async function pinMemberTier(input: PinInput & { tierKey: string; until: Date | null }): Promise<void> {
  const { db, shop, customerGid, tierKey, until, now } = input;
  const rules = await loadTierRules(db, shop);
  if (tierIndex(rules, tierKey) < 0) throw new MemberActionError(`There is no tier "${tierKey}"`);
  if (until && until.getTime() <= now.getTime()) throw new MemberActionError("The pin's end must be in the future");
  const { count } = await db.customer.updateMany({ where: { shop, customerGid, deletedAt: null }, data: { pinnedTierKey: tierKey, pinnedUntil: until } });
  if (count === 0) throw new MemberActionError("No such member");
  await applyManualChange(input);
}

export async function unpinMemberTier(input: PinInput): Promise<void> {
  const { db, shop, customerGid } = input;
  const { count } = await db.customer.updateMany({ where: { shop, customerGid, deletedAt: null }, data: { pinnedTierKey: null, pinnedUntil: null } });
  if (count === 0) throw new MemberActionError("No such member");
  await applyManualChange(input);
}

async function applyManualChange({ db, shop, customerGid, now, requestRecompute }: PinInput): Promise<void> {
  await recomputeCustomerTier({ db, shop, customerGid, cause: "manual", now });
  // The tier job recomputes again (a no-op) and writes the tag and metafields.
  await requestRecompute([customerGid], "manual");
}

/** The page's query string, as typed by the merchant (amounts in major units). */
export interface MemberQuery {
  q: string;
  tier: string;
  minSpend: string;
  maxSpend: string;
  pinned: "" | "yes" | "no";
  changed: "" | "7" | "30" | "90";
  page: number;
  member: string;
}

export function memberQueryFrom(params: URLSearchParams): MemberQuery {
  const pinned = params.get("pinned");
  const changed = params.get("changed");
  return {
    q: params.get("q") ?? "",
    tier: params.get("tier") ?? "",
    minSpend: params.get("minSpend") ?? "",
    maxSpend: params.get("maxSpend") ?? "",
    pinned: pinned === "yes" || pinned === "no" ? pinned : "",
    changed: changed === "7" || changed === "30" || changed === "90" ? changed : "",
    page: Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1),
    member: params.get("member") ?? "",
  };
}

function amountOrUndefined(value: string, currency: string): number | undefined {
  if (!value.trim()) return undefined;
  try {
    return parseMoney(value.trim().replace(/,/g, ""), currency);
  } catch {
    return undefined;
  }
}

export async function loadMembersPage({ db, shop, params, now }: { db: Db; shop: string; params: URLSearchParams; now: Date }) {
  const query = memberQueryFrom(params);
  const { currency } = await loadTierRules(db, shop);
  const [list, selected] = await Promise.all([
    listMembers({
      db,
      shop,
      now,
      filters: {
        search: query.q || undefined,
        tierKey: query.tier || undefined,
        minSpendMinor: amountOrUndefined(query.minSpend, currency),
        maxSpendMinor: amountOrUndefined(query.maxSpend, currency),
        pinned: query.pinned === "" ? undefined : query.pinned === "yes",
        changedWithinDays: query.changed ? Number(query.changed) : undefined,
        page: query.page,
      },
    }),
    query.member ? memberDetail({ db, shop, customerGid: query.member }) : Promise.resolve(null),
  ]);
  return { query, list, selected };
}

export type MemberActionResult = { ok: true } | { ok: false; error: string };

/** The page's one action: pin (optionally until a date) or unpin. */
export async function submitMemberAction({
  db,
  shop,
  form,
  now,
  requestRecompute,
}: {
  db: Db;
  shop: string;
  form: { intent: string; customerGid: string; tierKey?: string; until?: string };
  now: Date;
  requestRecompute: (customerGids: string[], cause: TierRecomputeCause) => Promise<void>;
}): Promise<MemberActionResult> {
  try {
    if (form.intent === "unpin") {
      await unpinMemberTier({ db, shop, customerGid: form.customerGid, now, requestRecompute });
      return { ok: true };
    }
    if (form.intent !== "pin" || !form.tierKey) return { ok: false, error: "Choose a tier to pin" };
    let until: Date | null = null;
    if (form.until) {
      until = new Date(`${form.until}T00:00:00Z`);
      if (Number.isNaN(until.getTime())) return { ok: false, error: "The end date is not a date" };
    }
    await pinMemberTier({ db, shop, customerGid: form.customerGid, tierKey: form.tierKey, until, now, requestRecompute });
    return { ok: true };
  } catch (error) {
    if (error instanceof MemberActionError) return { ok: false, error: error.message };
    throw error;
  }
}
