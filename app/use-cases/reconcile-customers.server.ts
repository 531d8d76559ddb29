// Reconciliation's customer pass: a customers/create or customers/update that never came
// is repaired from the customers Shopify says were updated since the last run, through the
// same write as the webhook (saveCustomerContact). A customer who never orders is heard of
// no other way: without it they would have no row, no tier, and no Bronze tag in Shopify.
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import { saveCustomerContact } from "../adapters/db/customer-tier-statements.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readCustomersUpdatedSince } from "../adapters/shopify/admin-operations/customers-updated-since.ts";
import { contactOf } from "./apply-customer-webhook.server.ts";
import { customersNotErased, purgeErasedCustomers } from "./erasure-guard.server.ts";
import type { TierRecomputeCause } from "./webhook-context.ts";

export interface ReconcileCustomersInput {
  db: Db;
  shop: string;
  admin: AdminRunner;
  /** Changes after this instant; the caller keeps it at or after the install (no webhook came before it). */
  since: Date;
  now: Date;
  requestTierRecompute(customerGids: string[], cause: TierRecomputeCause): Promise<void>;
  log?: Logger;
}

export interface ReconcileCustomersResult {
  customersRead: number;
  /** Customers the app had never heard of: a row and a tier now, as customers/create gives them. */
  membersAdded: number;
  /** Contacts older than Shopify's, brought up to date as customers/update would. */
  contactsUpdated: number;
}

export async function reconcileShopCustomers(input: ReconcileCustomersInput): Promise<ReconcileCustomersResult> {
  const { db, shop, now } = input;
  const result: ReconcileCustomersResult = { customersRead: 0, membersAdded: 0, contactsUpdated: 0 };
  let after: string | null = null;
  do {
    const page = await readCustomersUpdatedSince(input.admin, input.since, after);
    result.customersRead += page.customers.length;
    // An erased customer is not Shopify's to bring back (a redaction comes before Shopify deletes them).
    const allowed = new Set(await customersNotErased(db, shop, page.customers.map((c) => c.customerGid)));
    const added: string[] = [];
    const updated: string[] = [];
    for (const customer of page.customers) {
      if (!allowed.has(customer.customerGid)) continue;
      const outcome = await saveCustomerContact(db, shop, customer.customerGid, contactOf(customer), now);
      if (outcome === "INSERTED") added.push(customer.customerGid);
      if (outcome === "UPDATED") updated.push(customer.customerGid);
    }
    await purgeErasedCustomers(db, shop, [...allowed]);
    // A contact written does not hide a lost recomputation: the scan (customersWithLostRecompute) reads `recomputedAt`.
    if (added.length) await input.requestTierRecompute(added, "customer");
    result.membersAdded += added.length;
    result.contactsUpdated += updated.length;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  if (result.membersAdded || result.contactsUpdated) input.log?.info("reconcile: customers repaired", { shop, ...result });
  return result;
}
