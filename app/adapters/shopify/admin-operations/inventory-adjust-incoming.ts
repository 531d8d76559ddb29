// Awarded stock recorded in Shopify as `incoming` at the location, so the merchant sees it in the
// admin and the next stock read counts it (no second request for the same shortage). The purchase
// order is the reference document; the ledger document names this order's incoming movement.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const INVENTORY_ADJUST_QUANTITIES_MUTATION = `#graphql
  mutation InventoryAdjustIncoming($input: InventoryAdjustQuantitiesInput!) {
    inventoryAdjustQuantities(input: $input) {
      inventoryAdjustmentGroup {
        id
        referenceDocumentUri
        changes(quantityNames: ["incoming"]) {
          name
          delta
          quantityAfterChange
          ledgerDocumentUri
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

type Variables = {
  input: {
    name: "incoming";
    reason: string;
    referenceDocumentUri: string;
    changes: { inventoryItemId: string; locationId: string; delta: number; ledgerDocumentUri: string }[];
  };
};

export type InventoryAdjustIncomingData = {
  inventoryAdjustQuantities: {
    inventoryAdjustmentGroup: { id: string; referenceDocumentUri: string | null; changes: { name: string; delta: number; quantityAfterChange: number | null; ledgerDocumentUri: string | null }[] } | null;
    userErrors: UserError[];
  } | null;
};

export const inventoryAdjustIncomingOperation: AdminOperation<InventoryAdjustIncomingData, Variables> = {
  name: "InventoryAdjustIncoming",
  query: INVENTORY_ADJUST_QUANTITIES_MUTATION,
  cost: () => 10,
};

export function purchaseOrderUri(purchaseOrderId: string): string {
  return `gid://tierline/PurchaseOrder/${encodeURIComponent(purchaseOrderId)}`;
}

export function incomingLedgerUri(purchaseOrderId: string): string {
  return `gid://tierline/PurchaseOrderIncoming/${encodeURIComponent(purchaseOrderId)}`;
}

/** Returns the adjustment group's id. */
export async function recordIncomingStock(runner: AdminRunner, input: { purchaseOrderId: string; inventoryItemGid: string; locationGid: string; quantity: number }): Promise<string> {
  const data = await runner.run(inventoryAdjustIncomingOperation, {
    input: {
      name: "incoming",
      // Shopify's reason for stock expected from a supplier.
      reason: "received",
      referenceDocumentUri: purchaseOrderUri(input.purchaseOrderId),
      changes: [{ inventoryItemId: input.inventoryItemGid, locationId: input.locationGid, delta: input.quantity, ledgerDocumentUri: incomingLedgerUri(input.purchaseOrderId) }],
    },
  });
  throwOnUserErrors("inventoryAdjustQuantities", data.inventoryAdjustQuantities);
  const group = data.inventoryAdjustQuantities!.inventoryAdjustmentGroup;
  if (!group) throw new Error("inventoryAdjustQuantities returned no adjustment group");
  return group.id;
}
