// The Members page and the member page: customers with their tier, spend and
// progress, filtered (search, tier, pinned, in grace, changed recently, spend
// range), sorted and paged in SQL; a CSV of the filtered list; one member's
// standing, history, counted orders; pin / unpin (one or many) and manual spend
// adjustments. A pin or an adjustment is applied at once (the page shows the new
// tier) and queued so the tier job writes the tag and metafields to Shopify.
import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import type { Db } from "../db.server.ts";
import { loadTierRules } from "../adapters/db/tier-settings-repository.server.ts";
import { bindValue, decodeRow, sqlOf } from "../adapters/db/hot-path-sql.server.ts";
import { loadCustomerLedger, loadLedgersOfCustomers } from "../adapters/db/ledger-repository.server.ts";
import { saveSpendAdjustment } from "../adapters/db/spend-adjustment-repository.server.ts";
import { formatMoney as decimalMoney, MoneyParseError, parseMoney, type MinorUnits } from "../domain/money.ts";
import { countedEntries, spendToKeepTier, tierReachedAt } from "../domain/member-standing.ts";
import type { Ledger } from "../domain/order-ledger.ts";
import { tierIndex, type TierRules } from "../domain/tier-rules.ts";
import { describeThreshold, formatCount, formatEventTime, formatMoney, formatShopDate, plural, type ShopFormat } from "./admin-formatting.ts";
import { memberStateFromRow, recomputeCustomerTier } from "./recompute-customer-tier.server.ts";
import { displayName } from "./tier-rules-admin.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

type CustomerRow = NonNullable<Awaited<ReturnType<Db["customer"]["findUnique"]>>>;

export const PAGE_SIZE = 25;
const CUSTOMER_GID = "gid://shopify/Customer/";

/** The page's query string, as typed by the merchant (amounts in major units). */
export interface MemberQuery {
  q: string;
  tier: string;
  minSpend: string;
  maxSpend: string;
  pinned: "" | "yes" | "no";
  grace: "" | "yes";
  changed: "" | "7" | "30" | "90";
  sort: "spend" | "name" | "tier" | "since";
  dir: "asc" | "desc";
  page: number;
}

const SORTS = ["spend", "name", "tier", "since"] as const;

export function memberQueryFrom(params: URLSearchParams): MemberQuery {
  const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T => (allowed.includes(value as T) ? (value as T) : fallback);
  const sort = pick(params.get("sort"), SORTS, "spend");
  return {
    q: params.get("q") ?? "",
    tier: params.get("tier") ?? "",
    minSpend: params.get("minSpend") ?? "",
    maxSpend: params.get("maxSpend") ?? "",
    pinned: pick(params.get("pinned"), ["", "yes", "no"] as const, ""),
    grace: pick(params.get("grace"), ["", "yes"] as const, ""),
    changed: pick(params.get("changed"), ["", "7", "30", "90"] as const, ""),
    sort,
    dir: pick(params.get("dir"), ["asc", "desc"] as const, sort === "spend" || sort === "since" ? "desc" : "asc"),
    page: Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1),
  };
}

/**
 * An amount the merchant typed: digits with an optional sign, thousands separators and currency
 * symbol ("1,250.50", "$80", "-25"). Null when empty; a message in their words when not an amount.
 */
export function parseTypedAmount(text: string, currency: string, { allowNegative = false } = {}): { ok: true; minor: MinorUnits | null } | { ok: false; message: string } {
  // Currency symbols and the currency's code are allowed around the number; letters otherwise are not.
  const cleaned = text.trim().replace(new RegExp(`\\b${currency}\\b`, "i"), "").replace(/\p{Sc}/gu, "").replace(/[\s,]/g, "");
  if (cleaned === "") return { ok: true, minor: null };
  const example = allowNegative ? "25.00 or -25.00" : "500 or 1,250.50";
  if (!/^[+-]?\d+(\.\d+)?$/.test(cleaned)) return { ok: false, message: `Enter an amount like ${example}.` };
  if (!allowNegative && cleaned.startsWith("-")) return { ok: false, message: "Enter an amount of zero or more." };
  try {
    return { ok: true, minor: parseMoney(cleaned.replace(/^\+/, ""), currency) };
  } catch (error) {
    if (error instanceof MoneyParseError) return { ok: false, message: /decimal places/.test(error.message) ? `Use at most the currency's decimal places, like ${example}.` : `Enter an amount like ${example}.` };
    throw error;
  }
}

export interface SpendRange {
  minMinor?: MinorUnits;
  maxMinor?: MinorUnits;
  errors: { minSpend?: string; maxSpend?: string };
}

/** The spend range filter: each bound checked on its own, then against the other. A bad bound is not applied. */
export function spendRangeFrom(query: Pick<MemberQuery, "minSpend" | "maxSpend">, currency: string): SpendRange {
  const min = parseTypedAmount(query.minSpend, currency);
  const max = parseTypedAmount(query.maxSpend, currency);
  const range: SpendRange = { errors: {} };
  if (min.ok) range.minMinor = min.minor ?? undefined;
  else range.errors.minSpend = min.message;
  if (max.ok) range.maxMinor = max.minor ?? undefined;
  else range.errors.maxSpend = max.message;
  if (range.minMinor !== undefined && range.maxMinor !== undefined && range.minMinor > range.maxMinor) {
    range.errors.maxSpend = "The highest spend must not be below the lowest.";
    delete range.maxMinor;
  }
  return range;
}

/** `%`, `_` and the escape character itself are plain characters in a search, not LIKE wildcards. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause (and its values) of the filtered list; the same for the page, its count and the CSV. */
function memberFilter(db: Db, shop: string, query: MemberQuery, range: SpendRange, now: Date): { where: string; values: unknown[] } {
  const sql = sqlOf(db);
  const clauses = [`c."shop" = ?`, `c."deletedAt" IS NULL`];
  const values: unknown[] = [shop];
  if (query.tier) {
    clauses.push(`c."tierKey" = ?`);
    values.push(query.tier);
  } else clauses.push(`c."tierKey" IS NOT NULL`);
  const q = query.q.trim();
  if (q) {
    // SQLite's LIKE ignores ASCII case already; PostgreSQL must be asked to.
    const like = sql.kind === "postgresql" ? "ILIKE" : "LIKE";
    // The full name holds the first and last names: a match in either is a match in it.
    const columns = [`c."email"`, `(COALESCE(c."firstName", '') || ' ' || COALESCE(c."lastName", ''))`];
    const id = /^\d+$/.test(q) ? [`c."customerGid" = ?`] : [];
    clauses.push(`(${[...columns.map((col) => `${col} ${like} ? ESCAPE '\\'`), ...id].join(" OR ")})`);
    values.push(...columns.map(() => likePattern(q)), ...(id.length ? [`${CUSTOMER_GID}${q}`] : []));
  }
  if (query.pinned === "yes") clauses.push(`c."pinnedTierKey" IS NOT NULL`);
  if (query.pinned === "no") clauses.push(`c."pinnedTierKey" IS NULL`);
  if (query.grace === "yes") clauses.push(`c."graceUntil" IS NOT NULL`);
  if (range.minMinor !== undefined) {
    clauses.push(`c."qualifyingSpend" >= ?`);
    values.push(range.minMinor);
  }
  if (range.maxMinor !== undefined) {
    clauses.push(`c."qualifyingSpend" <= ?`);
    values.push(range.maxMinor);
  }
  if (query.changed) {
    const since = new Date(now.getTime() - Number(query.changed) * 86_400_000);
    clauses.push(`EXISTS (SELECT 1 FROM "TierChange" t WHERE t."shop" = c."shop" AND t."customerGid" = c."customerGid" AND t."occurredAt" >= ?)`);
    values.push(bindValue(sql.kind, since));
  }
  return { where: clauses.join(" AND "), values };
}

function memberOrder(query: MemberQuery, rules: TierRules): { orderBy: string; values: unknown[] } {
  const dir = query.dir === "asc" ? "ASC" : "DESC";
  switch (query.sort) {
    case "name":
      return { orderBy: `LOWER(COALESCE(NULLIF(TRIM(COALESCE(c."firstName", '') || ' ' || COALESCE(c."lastName", '')), ''), c."email", '')) ${dir}, c."customerGid" ${dir}`, values: [] };
    case "tier":
      return {
        orderBy: `CASE c."tierKey" ${rules.tiers.map(() => "WHEN ? THEN ?").join(" ")} ELSE -1 END ${dir}, c."qualifyingSpend" ${dir}, c."customerGid" ${dir}`,
        values: rules.tiers.flatMap((t, i) => [t.key, i]),
      };
    case "since":
      return { orderBy: `c."tierSince" ${dir}, c."customerGid" ${dir}`, values: [] };
    default:
      return { orderBy: `c."qualifyingSpend" ${dir}, c."customerGid" ${dir}`, values: [] };
  }
}

/** How the member's Shopify write stands; spend moved within a tier is written by the periodic refresh. */
const SYNC_LABEL: Record<string, string> = { synced: "Up to date in Shopify", stale: "Spend update queued", failed: "Not written yet, retrying", pending: "Being written to Shopify" };

export interface MemberListRow {
  customerGid: string;
  /** The numeric part of the id, for the member page's URL. */
  id: string;
  name: string;
  email: string | null;
  tierKey: string | null;
  tierName: string | null;
  topTier: boolean;
  since: string | null;
  spend: string;
  spendMinor: MinorUnits;
  /** "$123.45 to Gold", or "Top tier". */
  next: string;
  progress: number;
  pinned: string | null;
  grace: string | null;
  sync: string;
}

function listRow(row: CustomerRow, rules: TierRules, format: ShopFormat, since: Date | null): MemberListRow {
  const index = tierIndex(rules, row.tierKey);
  const tier = index >= 0 ? rules.tiers[index] : null;
  const next = index >= 0 ? rules.tiers[index + 1] ?? null : rules.tiers[1] ?? null;
  const floor = tier?.entryThresholdMinor ?? 0;
  const progress = next ? Math.max(0, Math.min(1, (row.qualifyingSpend - floor) / Math.max(1, next.entryThresholdMinor - floor))) : 1;
  const pinnedName = row.pinnedTierKey ? rules.tiers.find((t) => t.key === row.pinnedTierKey)?.name ?? row.pinnedTierKey : null;
  return {
    customerGid: row.customerGid,
    id: row.customerGid.split("/").pop() ?? row.customerGid,
    name: displayName(row, row.customerGid),
    email: row.email,
    tierKey: row.tierKey,
    tierName: tier?.name ?? row.tierKey,
    topTier: index >= 0 && index === rules.tiers.length - 1,
    since: since ? formatShopDate(since, format) : null,
    spend: formatMoney(row.qualifyingSpend, format),
    spendMinor: row.qualifyingSpend,
    next: next ? `${formatMoney(Math.max(0, next.entryThresholdMinor - row.qualifyingSpend), format)} to ${next.name}` : "Top tier",
    progress,
    pinned: pinnedName && (row.pinnedUntil ? `Pinned to ${pinnedName} until ${formatShopDate(row.pinnedUntil, format)}` : `Pinned to ${pinnedName}`),
    grace: row.graceUntil ? `In grace until ${formatShopDate(row.graceUntil, format)}` : null,
    sync: SYNC_LABEL[row.syncStatus] ?? SYNC_LABEL.pending,
  };
}

/**
 * Since when a member has held their tier: the tier change as recorded, unless the ledger shows the
 * money reached the tier earlier (a tier first computed by the history import is recorded at the
 * install). A pinned member, or one in grace, holds the tier by the pin or the grace: as recorded.
 */
export function memberSince(row: CustomerRow, ledger: Ledger | null, rules: TierRules, now: Date): Date | null {
  if (!row.tierKey || row.pinnedTierKey || row.graceUntil || !ledger) return row.tierSince;
  const reached = tierReachedAt(ledger, row.customerGid, rules, row.tierKey, now);
  if (reached && (!row.tierSince || reached.getTime() < row.tierSince.getTime())) return reached;
  return row.tierSince;
}

export interface MembersPage {
  format: ShopFormat;
  query: MemberQuery;
  errors: SpendRange["errors"];
  tiers: { key: string; name: string; threshold: string }[];
  total: number;
  totalLabel: string;
  page: number;
  pageSize: number;
  /** "26–50 of 1,204". */
  range: string;
  members: MemberListRow[];
}

export async function loadMembersPage({ db, shop, params, now, format }: { db: Db; shop: string; params: URLSearchParams; now: Date; format: ShopFormat }): Promise<MembersPage> {
  const query = memberQueryFrom(params);
  const rules = await loadTierRules(db, shop);
  const range = spendRangeFrom(query, rules.currency);
  const { where, values } = memberFilter(db, shop, query, range, now);
  const order = memberOrder(query, rules);
  const sql = sqlOf(db);
  const offset = (query.page - 1) * PAGE_SIZE;
  // The count and the page apart: a count over the page's query (a window) would sort every filtered row.
  const [[count], raws] = await Promise.all([
    sql.all(`SELECT COUNT(*) AS "n" FROM "Customer" c WHERE ${where}`, values),
    sql.all(`SELECT c.* FROM "Customer" c WHERE ${where} ORDER BY ${order.orderBy} LIMIT ${PAGE_SIZE} OFFSET ${offset}`, [...values, ...order.values]),
  ]);
  const total = Number(count?.n ?? 0);
  const rows = raws.map((raw) => decodeRow<CustomerRow>("Customer", raw));
  const byGid = await loadLedgersOfCustomers(db, shop, rows.filter((row) => row.tierKey && !row.pinnedTierKey && !row.graceUntil).map((row) => row.customerGid));
  const ledgers = rows.map((row) => byGid.get(row.customerGid) ?? null);
  return {
    format,
    query,
    errors: range.errors,
    tiers: rules.tiers.map((t) => ({ key: t.key, name: t.name, threshold: describeThreshold(t.entryThresholdMinor, format) })),
    total,
    totalLabel: plural(total, "member", "members", format.locale),
    page: query.page,
    pageSize: PAGE_SIZE,
    range: total === 0 ? "" : `${formatCountRange(offset + 1, Math.min(offset + PAGE_SIZE, total), format.locale)} of ${plural(total, "member", "members", format.locale)}`,
    members: rows.map((row, i) => listRow(row, rules, format, memberSince(row, ledgers[i], rules, now))),
  };
}

function formatCountRange(from: number, to: number, locale: string): string {
  return from === to ? formatCount(from, locale) : `${formatCount(from, locale)}–${formatCount(to, locale)}`;
}

/** A spreadsheet cell: quoted when needed, and never read as a formula. */
function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The filtered list (every page) as CSV; amounts as plain decimals in the rules' currency, dates in ISO 8601. */
export async function membersCsv({ db, shop, params, now }: { db: Db; shop: string; params: URLSearchParams; now: Date }): Promise<string> {
  const query = memberQueryFrom(params);
  const rules = await loadTierRules(db, shop);
  const range = spendRangeFrom(query, rules.currency);
  const { where, values } = memberFilter(db, shop, query, range, now);
  const order = memberOrder(query, rules);
  const raws = await sqlOf(db).all(`SELECT c.* FROM "Customer" c WHERE ${where} ORDER BY ${order.orderBy}`, [...values, ...order.values]);
  const nameOf = (key: string | null) => (key ? rules.tiers.find((t) => t.key === key)?.name ?? key : null);
  const lines = [["Customer ID", "Name", "Email", "Tier", "Tier since", "Qualifying spend", "Currency", "Qualifying orders", "Pinned to", "Pinned until", "In grace until"].join(",")];
  for (const raw of raws) {
    const row = decodeRow<CustomerRow>("Customer", raw);
    lines.push(
      [
        row.customerGid.split("/").pop() ?? row.customerGid,
        displayName(row, row.customerGid),
        row.email,
        nameOf(row.tierKey),
        row.tierSince?.toISOString() ?? null,
        decimalMoney(row.qualifyingSpend, rules.currency),
        rules.currency,
        row.qualifyingOrders,
        nameOf(row.pinnedTierKey),
        row.pinnedUntil?.toISOString() ?? null,
        row.graceUntil?.toISOString() ?? null,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

// ---------------------------------------------------------------- the member page

const REASONS: Record<string, string> = {
  order: "Order",
  refund: "Refund",
  cancellation: "Cancellation",
  window: "Orders aged out of the spend window",
  rule_change: "Tier rules changed",
  manual: "Changed by you (pin or adjustment)",
  backfill: "Order history imported",
};

export interface MemberHistoryEntry {
  kind: "tier" | "adjustment";
  at: string;
  when: string;
  title: string;
  detail: string;
}

export interface MemberPage {
  format: ShopFormat;
  customerGid: string;
  id: string;
  name: string;
  email: string | null;
  shopifyUrl: string;
  tierKey: string | null;
  tierName: string | null;
  since: string | null;
  spend: string;
  orders: string;
  window: string;
  next: { name: string; toGo: string; progress: number } | null;
  keep: { toGo: string; by: string; downgradeTo: string | null } | null;
  pin: { tierName: string; until: string | null } | null;
  sync: string;
  tiers: { key: string; name: string; threshold: string; direction: "current" | "up" | "down" }[];
  history: MemberHistoryEntry[];
  counted: { kind: "order" | "adjustment"; label: string; when: string; spend: string; url: string | null }[];
  countedTotal: string;
  /** A fresh key for the adjustment form: a resubmitted form is recorded once. */
  adjustmentKey: string;
}

function windowPhrase(rules: TierRules): string {
  switch (rules.window.kind) {
    case "trailing_days":
      return `in the last ${plural(rules.window.days, "day", "days")}`;
    case "calendar_year":
      return "this calendar year";
    case "lifetime":
      return "since they became a customer";
  }
}

export function customerGidOf(id: string): string | null {
  return /^\d+$/.test(id) ? `${CUSTOMER_GID}${id}` : null;
}

/** One member of this shop, or null (another shop's member, an erased one, or none). */
export async function loadMemberPage({ db, shop, customerGid, now, format }: { db: Db; shop: string; customerGid: string; now: Date; format: ShopFormat }): Promise<MemberPage | null> {
  const [row, rules, changes, adjustments, orderNames] = await Promise.all([
    db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid } } }),
    loadTierRules(db, shop),
    db.tierChange.findMany({ where: { shop, customerGid }, orderBy: { occurredAt: "desc" }, take: 100 }),
    db.ledgerAdjustment.findMany({ where: { shop, customerGid }, orderBy: { createdAt: "desc" }, take: 100 }),
    db.ledgerOrder.findMany({ where: { shop, customerGid, deletedAt: null }, select: { orderGid: true, name: true } }),
  ]);
  if (!row || row.deletedAt) return null;
  const ledger = await loadCustomerLedger(db, shop, customerGid, { redacted: false });
  const money = (minor: MinorUnits) => formatMoney(minor, format);
  const nameOf = (key: string | null) => (key === null ? null : rules.tiers.find((t) => t.key === key)?.name ?? key);
  const index = tierIndex(rules, row.tierKey);
  const nextTier = index >= 0 ? rules.tiers[index + 1] ?? null : null;
  const floor = index >= 0 ? rules.tiers[index].entryThresholdMinor : 0;
  const state = memberStateFromRow(row);
  const keep = spendToKeepTier(ledger, customerGid, rules, state);
  const since = memberSince(row, ledger, rules, now);
  const numeric = customerGid.split("/").pop() ?? "";

  const history: MemberHistoryEntry[] = [
    ...changes.map((c) => ({
      kind: "tier" as const,
      at: c.occurredAt.toISOString(),
      when: formatEventTime(c.occurredAt, format),
      title: `${nameOf(c.fromTier) ?? "No tier"} → ${nameOf(c.toTier) ?? "No tier"}`,
      detail: `${REASONS[c.reason] ?? c.reason}; qualifying spend then ${money(c.spend)}`,
    })),
    ...adjustments.map((a) => ({
      kind: "adjustment" as const,
      at: a.createdAt.toISOString(),
      when: formatEventTime(a.createdAt, format),
      title: `Spend adjusted by ${a.amount > 0 ? "+" : ""}${a.currencyCode === rules.currency ? money(a.amount) : `${decimalMoney(a.amount, a.currencyCode)} ${a.currencyCode}`}`,
      detail: a.note,
    })),
  ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.kind === "adjustment" ? -1 : 1));

  const names = new Map(orderNames.map((o) => [o.orderGid, o.name]));
  const counted = countedEntries(ledger, customerGid, rules, now);
  return {
    format,
    customerGid,
    id: numeric,
    name: displayName(row, customerGid),
    email: row.email,
    shopifyUrl: `shopify://admin/customers/${numeric}`,
    tierKey: row.tierKey,
    tierName: nameOf(row.tierKey),
    since: since ? formatShopDate(since, format) : null,
    spend: money(row.qualifyingSpend),
    orders: plural(row.qualifyingOrders, "qualifying order", "qualifying orders", format.locale),
    window: windowPhrase(rules),
    next: nextTier
      ? {
          name: nextTier.name,
          toGo: money(Math.max(0, nextTier.entryThresholdMinor - row.qualifyingSpend)),
          progress: Math.max(0, Math.min(1, (row.qualifyingSpend - floor) / Math.max(1, nextTier.entryThresholdMinor - floor))),
        }
      : null,
    keep: keep && { toGo: money(keep.neededMinor), by: formatEventTime(keep.by, format), downgradeTo: nameOf(row.downgradeTierKey) },
    pin: row.pinnedTierKey ? { tierName: nameOf(row.pinnedTierKey) ?? row.pinnedTierKey, until: row.pinnedUntil ? formatShopDate(row.pinnedUntil, format) : null } : null,
    sync: SYNC_LABEL[row.syncStatus] ?? SYNC_LABEL.pending,
    tiers: rules.tiers.map((t, i) => ({ key: t.key, name: t.name, threshold: describeThreshold(t.entryThresholdMinor, format), direction: i === index ? "current" : i > index ? "up" : "down" })),
    history,
    counted: counted.map((e) => {
      const orderNumber = e.kind === "order" ? e.id.split("/").pop() : null;
      return {
        kind: e.kind,
        label: e.kind === "order" ? names.get(e.id) ?? `Order ${orderNumber}` : "Spend adjustment",
        when: formatEventTime(e.at, format),
        spend: money(e.spendMinor),
        url: orderNumber ? `shopify://admin/orders/${orderNumber}` : null,
      };
    }),
    countedTotal: money(row.qualifyingSpend),
    adjustmentKey: randomUUID(),
  };
}

// ---------------------------------------------------------------- what the merchant does

export class MemberActionError extends Error {}

type ActionInput = {
  db: Db;
  shop: string;
  now: Date;
  requestRecompute: (customerGids: string[], cause: TierRecomputeCause) => Promise<void>;
};

/** Pins members to a tier (until an instant, or indefinitely); the tier applies now. Another shop's ids match nothing. */
export async function pinMembers(input: ActionInput & { customerGids: string[]; tierKey: string; until: Date | null }): Promise<number> {
  const { db, shop, customerGids, tierKey, until, now } = input;
  const rules = await loadTierRules(db, shop);
  if (tierIndex(rules, tierKey) < 0) throw new MemberActionError("Choose one of your tiers to pin to.");
  if (until && until.getTime() <= now.getTime()) throw new MemberActionError("Choose an end date after today, or leave it empty to pin until you unpin.");
  const { count } = await db.customer.updateMany({ where: { shop, customerGid: { in: customerGids }, deletedAt: null }, data: { pinnedTierKey: tierKey, pinnedUntil: until } });
  if (count === 0) throw new MemberActionError("That member is no longer in Tierline.");
  await applyManualChange(input, customerGids);
  return count;
}

export async function unpinMembers(input: ActionInput & { customerGids: string[] }): Promise<number> {
  const { db, shop, customerGids } = input;
  const { count } = await db.customer.updateMany({ where: { shop, customerGid: { in: customerGids }, deletedAt: null }, data: { pinnedTierKey: null, pinnedUntil: null } });
  if (count === 0) throw new MemberActionError("That member is no longer in Tierline.");
  await applyManualChange(input, customerGids);
  return count;
}

/**
 * A manual spend adjustment: a ledger entry of its own (stored once under `adjustmentId`, so a
 * resubmitted form changes nothing), then the member is recomputed like any ledger change.
 */
export async function adjustMemberSpend(input: ActionInput & { customerGid: string; adjustmentId: string; amountMinor: MinorUnits; note: string }): Promise<{ recorded: boolean }> {
  const { db, shop, customerGid, now } = input;
  const [row, rules] = await Promise.all([db.customer.findUnique({ where: { shop_customerGid: { shop, customerGid } }, select: { deletedAt: true } }), loadTierRules(db, shop)]);
  if (!row || row.deletedAt) throw new MemberActionError("That member is no longer in Tierline.");
  const recorded = await saveSpendAdjustment(db, shop, { adjustmentId: input.adjustmentId, customerId: customerGid, amountMinor: input.amountMinor, currency: rules.currency, effectiveAt: now, note: input.note }, now);
  if (recorded) await applyManualChange(input, [customerGid]);
  return { recorded };
}

async function applyManualChange({ db, shop, now, requestRecompute }: ActionInput, customerGids: string[]): Promise<void> {
  const members = await db.customer.findMany({ where: { shop, customerGid: { in: customerGids }, deletedAt: null }, select: { customerGid: true } });
  for (const { customerGid } of members) await recomputeCustomerTier({ db, shop, customerGid, cause: "manual", now });
  // The tier job recomputes again (a no-op) and writes the tag and metafields.
  await requestRecompute(members.map((m) => m.customerGid), "manual");
}

export type MemberActionResult = { ok: true; message: string } | { ok: false; error: string; field?: "amount" | "note" | "until" | "tierKey" };

/** The end of the shop-local day the merchant chose ("YYYY-MM-DD"): a pin "until Mar 4" holds through Mar 4. */
export function endOfShopDay(day: string, timeZone: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const start = DateTime.fromISO(day, { zone: timeZone });
  return start.isValid ? start.plus({ days: 1 }).startOf("day").toJSDate() : null;
}

const customerGidsOf = (form: FormData) =>
  form
    .getAll("customerGid")
    .filter((v): v is string => typeof v === "string" && v.startsWith(CUSTOMER_GID))
    .slice(0, 250);

/** The pages' actions: pin (one or many), unpin (one or many), adjust spend (one). */
export async function submitMemberAction({ form, format, ...input }: ActionInput & { form: FormData; format: ShopFormat }): Promise<MemberActionResult> {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value.trim() : "";
  };
  const customerGids = customerGidsOf(form);
  if (customerGids.length === 0) return { ok: false, error: "Select at least one member." };
  const who = customerGids.length === 1 ? "The member" : plural(customerGids.length, "member", "members", format.locale);
  try {
    switch (text("intent")) {
      case "unpin": {
        const count = await unpinMembers({ ...input, customerGids });
        return { ok: true, message: count === 1 ? `${who} is unpinned: the tier follows their spend again.` : `${plural(count, "member", "members", format.locale)} unpinned.` };
      }
      case "pin": {
        const tierKey = text("tierKey");
        if (!tierKey) return { ok: false, error: "Choose a tier to pin to.", field: "tierKey" };
        let until: Date | null = null;
        if (text("until")) {
          until = endOfShopDay(text("until"), format.timeZone);
          if (!until) return { ok: false, error: "Enter the end date as a date, like 2027-03-31.", field: "until" };
        }
        const count = await pinMembers({ ...input, customerGids, tierKey, until });
        const rules = await loadTierRules(input.db, input.shop);
        const tierName = rules.tiers.find((t) => t.key === tierKey)?.name ?? tierKey;
        const end = until ? ` until ${formatShopDate(new Date(until.getTime() - 1), format)}` : "";
        return { ok: true, message: `${count === 1 ? who : plural(count, "member", "members", format.locale)} pinned to ${tierName}${end}.` };
      }
      case "adjust": {
        const rules = await loadTierRules(input.db, input.shop);
        const amount = parseTypedAmount(text("amount"), rules.currency, { allowNegative: true });
        if (!amount.ok) return { ok: false, error: amount.message, field: "amount" };
        if (amount.minor === null || amount.minor === 0) return { ok: false, error: "Enter the amount to add, or a negative amount to take away.", field: "amount" };
        const note = text("note");
        if (!note) return { ok: false, error: "Add a note saying why (it is kept in the member's history).", field: "note" };
        if (note.length > 500) return { ok: false, error: "Keep the note under 500 characters.", field: "note" };
        const key = text("adjustmentId");
        if (!/^[0-9a-f-]{36}$/i.test(key)) return { ok: false, error: "This form is out of date: reload the page and try again." };
        const { recorded } = await adjustMemberSpend({ ...input, customerGid: customerGids[0], adjustmentId: key, amountMinor: amount.minor, note });
        const signed = `${amount.minor > 0 ? "+" : ""}${formatMoney(amount.minor, format)}`;
        return { ok: true, message: recorded ? `Spend adjusted by ${signed}.` : "This adjustment was already recorded." };
      }
      default:
        return { ok: false, error: "Tierline did not understand that request: reload the page and try again." };
    }
  } catch (error) {
    if (error instanceof MemberActionError) return { ok: false, error: error.message };
    throw error;
  }
}
