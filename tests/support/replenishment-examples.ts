// Example replenishment rules shared by the app/domain replenishment tests.
import type { SkuReplenishmentRule } from "../../app/domain/replenishment-rules.ts";

/** Safety stock 50 (trigger 55), 200 at a time, three suppliers: acme usual, bolt fast, cargo cheap and slow. */
export const MUG_RULE: SkuReplenishmentRule = {
  sku: "MUG-1",
  locationId: "loc-main",
  safetyStock: 50,
  reorderTrigger: null,
  reorderQuantity: { kind: "fixed", quantity: 200 },
  neededWithinBusinessDays: null,
  suppliers: [
    { supplierId: "acme", usualUnitCostMinor: 1000, usualLeadBusinessDays: 5, qualityRating: 4 },
    { supplierId: "bolt", usualUnitCostMinor: 1100, usualLeadBusinessDays: 3, qualityRating: 5 },
    { supplierId: "cargo", usualUnitCostMinor: 900, usualLeadBusinessDays: 8, qualityRating: 3 },
  ],
};
